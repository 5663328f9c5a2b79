"""Browser pages of the gold-card programme."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer, Machine
from dealercrm.dossier import dossier_get
from loyalty import services
from loyalty.models import GoldAward, GoldCard, LedgerEntry, Referral, Tender
from tests.factories import ContactLogFactory, CustomerFactory, MachineFactory, PartsOrderFactory
from tests.loyalty.helpers import days_ago, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(archivist, manager):
    c = CustomerFactory(name="钱候选", manager=manager, started_operating_year=2001)
    services.traits_set(actor=archivist, customer=c, ticks={"trust": "每周都来店里"})
    return c


def test_candidates_page_shows_the_evidence_and_a_register_button(client, archivist, candidate):
    client.force_login(archivist)
    page = client.get("/loyalty/candidates/").content.decode()
    assert "钱候选" in page and "每周都来店里" in page
    assert "operating machinery since 2001" in page
    assert f'href="/loyalty/cards/new/{candidate.pk}/"' in page


def test_executives_see_candidates_but_cannot_register(client, executive, candidate):
    client.force_login(executive)
    page = client.get("/loyalty/candidates/").content.decode()
    assert "钱候选" in page and "/loyalty/cards/new/" not in page
    assert client.get(f"/loyalty/cards/new/{candidate.pk}/").status_code == 403


def test_the_registration_form_is_pre_filled_with_the_traits(client, archivist, candidate):
    client.force_login(archivist)
    form = client.get(f"/loyalty/cards/new/{candidate.pk}/").context["form"]
    assert form["trait_early"].initial and form["trait_trust"].initial
    assert not form["trait_big_fleet"].initial
    assert "2001" in form["evidence_early"].initial
    assert form["evidence_trust"].initial == "每周都来店里"
    assert form["manager"].initial == candidate.manager_id


def registration(manager, **extra):
    return {
        "manager": manager.pk,
        "issued_on": timezone.localdate().isoformat(),
        "trait_early": "on",
        "evidence_early": "2001年入行",
        "trait_trust": "on",
        "evidence_trust": "每周都来店里",
        **extra,
    }


def test_registering_from_the_form(client, archivist, manager, candidate):
    client.force_login(archivist)
    response = client.post(f"/loyalty/cards/new/{candidate.pk}/", registration(manager))
    card = GoldCard.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/loyalty/cards/{card.pk}/"
    assert card.traits == {"early": "2001年入行", "trust": "每周都来店里"}
    candidate.refresh_from_db()
    assert candidate.is_gold_card


def test_the_cap_message_comes_back_on_the_form(client, archivist, manager, candidate, settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CARD_CAP_PER_MANAGER": 1}
    register(archivist, CustomerFactory(manager=manager))
    client.force_login(archivist)
    response = client.post(f"/loyalty/cards/new/{candidate.pk}/", registration(manager))
    assert response.status_code == 200
    assert "the limit is 1" in " ".join(response.context["form"].errors["manager"])
    assert GoldCard.objects.count() == 1


def test_the_printable_card(client, manager, archivist, customer):
    card = register(archivist, customer, number="JK20269999")
    client.force_login(manager)
    page = client.get(f"/loyalty/cards/{card.pk}/print/").content.decode()
    assert "JK20269999" in page and customer.name in page
    assert "css/vipcard.css" in page and "js/print-button.js" in page
    assert "<script>" not in page  # no inline script (CSP)


def test_suspending_from_the_card_page(client, archivist, customer):
    card = register(archivist, customer)
    client.force_login(archivist)
    response = client.post(f"/loyalty/cards/{card.pk}/suspend/", {"reason": "拖欠货款"})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.state == "suspended"
    assert client.get(f"/loyalty/cards/{card.pk}/promote/").status_code == 404


def test_ledger_page_redeem_and_reverse(client, archivist, manager, gold):
    MachineFactory(
        customer=gold, source=Machine.Source.FROM_US, purchase_date=days_ago(3), purchase_price=1
    )
    services.credits_sync(actor=archivist, customer=gold)
    order = PartsOrderFactory(customer=gold, subtotal=300, total=300)

    client.force_login(archivist)
    response = client.post(
        f"/loyalty/customers/{gold.pk}/redeem/", {"parts_order": order.pk, "amount": "250"}
    )
    assert response.status_code == 302
    redemption = LedgerEntry.objects.get(kind="redeem")
    response = client.post(f"/loyalty/ledger/{redemption.pk}/reverse/", {"reason": "客户退货"})
    assert response.status_code == 302

    client.force_login(manager)
    page = client.get(f"/loyalty/customers/{gold.pk}/ledger/")
    assert page.context["statement"].balance == Decimal("1000.00")
    rows = list(page.context["page"].object_list)
    assert [(r.kind, r.running) for r in rows] == [
        ("earn", Decimal("1000.00")),
        ("redeem", Decimal("750.00")),
        ("reversal", Decimal("1000.00")),
    ]
    assert "客户退货" in page.content.decode()


def test_redeeming_above_the_balance_shows_the_error(client, archivist, gold):
    order = PartsOrderFactory(customer=gold, subtotal=300, total=300)
    client.force_login(archivist)
    response = client.post(
        f"/loyalty/customers/{gold.pk}/redeem/", {"parts_order": order.pk, "amount": "10"}
    )
    assert response.status_code == 200
    assert "balance is 0.00" in " ".join(response.context["form"].errors["amount"])
    assert not LedgerEntry.objects.exists()


def test_another_managers_ledger_is_404(client, other_manager, gold):
    client.force_login(other_manager)
    assert client.get(f"/loyalty/customers/{gold.pk}/ledger/").status_code == 404
    assert client.get(f"/loyalty/customers/{gold.pk}/referrals/").status_code == 404


def test_referral_form_resolves_typed_names(client, archivist, gold):
    new = CustomerFactory(name="新客户刘")
    client.force_login(archivist)
    response = client.post(
        "/loyalty/referrals/new/",
        {
            "referrer_query": gold.name,
            "referred_query": "新客户刘",
            "referred_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert Referral.objects.get().referred == new
    tree = client.get(f"/loyalty/customers/{gold.pk}/referrals/").content.decode()
    assert "新客户刘" in tree


def test_referral_form_asks_to_pick_when_the_name_is_ambiguous(client, archivist, gold):
    CustomerFactory(name="张三")
    CustomerFactory(name="张三")
    client.force_login(archivist)
    response = client.post(
        "/loyalty/referrals/new/",
        {
            "referrer_id": gold.pk,
            "referred_query": "张三",
            "referred_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200 and len(response.context["choices"]["referred"]) == 2
    assert not Referral.objects.exists()


def test_a_self_referral_comes_back_with_the_error(client, archivist, gold):
    client.force_login(archivist)
    response = client.post(
        "/loyalty/referrals/new/",
        {
            "referrer_id": gold.pk,
            "referred_id": gold.pk,
            "referred_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200 and "himself" in response.content.decode()
    assert not Referral.objects.exists()


def test_ticking_traits(client, archivist, customer):
    client.force_login(archivist)
    response = client.post(
        f"/loyalty/customers/{customer.pk}/traits/",
        {"tick_influential": "on", "note_influential": "乡里乡亲都听他的"},
    )
    assert response.status_code == 302
    assert list(customer.gold_traits.values_list("trait", "note")) == [
        ("influential", "乡里乡亲都听他的")
    ]


def test_benchmark_list_with_the_next_step(client, manager, other_manager):
    bench = CustomerFactory(name="标杆老板", manager=manager, is_benchmark=True)
    ContactLogFactory(customer=bench, next_step="请他来参加产品展示会")
    CustomerFactory(name="别人的标杆", manager=other_manager, is_benchmark=True)
    client.force_login(manager)
    page = client.get("/loyalty/benchmarks/").content.decode()
    assert "标杆老板" in page and "请他来参加产品展示会" in page and "别人的标杆" not in page


def test_key_accounts_with_their_tenders(client, archivist, manager):
    big = CustomerFactory(name="路桥集团", manager=manager, is_key_account=True)
    client.force_login(archivist)
    response = client.post(
        f"/loyalty/key-accounts/{big.pk}/tenders/new/",
        {"title": "2026年挖掘机集采", "status": "open", "due_on": "2026-12-20"},
    )
    assert response.status_code == 302
    client.force_login(manager)
    page = client.get("/loyalty/key-accounts/").content.decode()
    assert "路桥集团" in page and "2026年挖掘机集采" in page


def test_tenders_only_for_key_accounts(client, archivist, customer):
    client.force_login(archivist)
    response = client.post(
        f"/loyalty/key-accounts/{customer.pk}/tenders/new/", {"title": "x", "status": "open"}
    )
    assert response.status_code == 200 and "not a key account" in response.content.decode()
    assert not Tender.objects.exists()


def test_ranking_and_award(client, archivist, executive, gold):
    year = timezone.localdate().year
    client.force_login(executive)
    page = client.get(f"/loyalty/gold-user-of-the-year/?year={year}").content.decode()
    assert gold.name in page and 'data-testid="score-formula"' in page
    client.force_login(archivist)
    response = client.post(
        f"/loyalty/gold-user-of-the-year/{year}/award/",
        {"customer": gold.pk, "prize": "5000元配件券", "prize_value": "5000"},
    )
    assert response.status_code == 302
    assert GoldAward.objects.get().customer == gold


# --- the dossier ------------------------------------------------------------------------------


def test_the_dossier_shows_the_card_and_balance(client, manager, service_user, archivist, gold):
    client.force_login(manager)
    page = client.get(f"/customers/{gold.pk}/").content.decode()
    card = gold.gold_cards.get()
    assert card.number in page and 'data-testid="dossier-gold"' in page
    client.force_login(service_user)
    assert 'data-testid="dossier-gold"' not in client.get(f"/customers/{gold.pk}/").content.decode()


def test_the_dossier_query_count_does_not_grow_with_the_ledger(archivist, manager, gold):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            dossier_get(user=manager, pk=gold.pk)
        return len(ctx.captured_queries)

    before = count()
    for n in range(1, 4):
        MachineFactory(
            customer=gold,
            source=Machine.Source.FROM_US,
            purchase_date=days_ago(n),
            purchase_price=1,
        )
    services.credits_sync(actor=archivist, customer=gold)
    assert LedgerEntry.objects.count() == 3
    # the new machines add no query of their own either
    assert count() == before
    assert Customer.objects.get(pk=gold.pk).is_gold_card


def test_the_parts_order_page_shows_the_credits_paid(client, archivist, manager, gold):
    MachineFactory(
        customer=gold, source=Machine.Source.FROM_US, purchase_date=days_ago(3), purchase_price=1
    )
    services.credits_sync(actor=archivist, customer=gold)
    order = PartsOrderFactory(customer=gold, subtotal=300, total=300)
    services.ledger_redeem(actor=archivist, customer=gold, parts_order=order, amount="120")
    client.force_login(manager)
    page = client.get(f"/parts/orders/{order.pk}/").content.decode()
    assert 'data-testid="gold-credits">-¥120.00<' in page
