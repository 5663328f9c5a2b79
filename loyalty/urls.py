from django.urls import path

from .views import accounts, awards, cards, dashboard, ledger, referrals, tiers

app_name = "loyalty"

urlpatterns = [
    path("candidates/", cards.candidates, name="candidates"),
    path("cards/", cards.card_list, name="card_list"),
    path("cards/new/<int:customer_pk>/", cards.card_register, name="register"),
    path("cards/<int:pk>/", cards.card_detail, name="card_detail"),
    path("cards/<int:pk>/print/", cards.card_print, name="card_print"),
    path("cards/<int:pk>/<slug:action>/", cards.card_change, name="card_change"),
    path("customers/<int:pk>/traits/", cards.customer_traits, name="traits"),
    path("customers/<int:pk>/ledger/", ledger.ledger, name="ledger"),
    path("customers/<int:pk>/redeem/", ledger.redeem, name="redeem"),
    path("ledger/<int:pk>/reverse/", ledger.reverse_entry, name="reverse"),
    path("customers/<int:pk>/referrals/", referrals.referral_tree, name="referral_tree"),
    path("referrals/new/", referrals.referral_create, name="referral_create"),
    path("benchmarks/", accounts.benchmarks, name="benchmarks"),
    path("key-accounts/", accounts.key_accounts, name="key_accounts"),
    path("key-accounts/<int:pk>/tenders/new/", accounts.tender_create, name="tender_create"),
    path("tenders/<int:pk>/edit/", accounts.tender_update, name="tender_update"),
    path("tiers/", tiers.tier_list, name="tiers"),
    path("gold-user-of-the-year/", awards.ranking, name="ranking"),
    path("dashboards/", dashboard.gold_dashboard, name="dashboard_gold"),
    path("dashboards/80-20/", dashboard.pareto_dashboard, name="dashboard_pareto"),
    path("dashboards/list/", dashboard.dashboard_list, name="dashboard_list"),
    path("dashboards/report/", dashboard.dashboard_report, name="dashboard_report"),
    path("gold-user-of-the-year/<int:year>/award/", awards.award, name="award"),
]
