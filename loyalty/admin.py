"""Admin of the gold-card programme: the dealer's policy (benefit rules, award weights) is
configured here through the services; cards, ledger rows, referrals and awards are only
shown — they change through the programme's own pages, which keep their rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dealercrm import roles
from dealercrm.admin_policy import AdminRules, RoleAdminMixin

from . import services
from .models import AwardScoring, BenefitRule, GoldAward, GoldCard, LedgerEntry, Referral, Tender


class ProgrammeAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    admin_rules = AdminRules(view=roles.can_view_all_gold_programme)


@admin.register(BenefitRule)
class BenefitRuleAdmin(ProgrammeAdmin):
    """Amounts and machine ranges per dealer policy. A rule is never deleted (credits name
    it); take it out of force instead."""

    list_display = ["name", "code", "beneficiary", "first_machine", "last_machine", "amount"]
    list_display_links = ["name"]
    list_filter = ["beneficiary", "is_active"]
    fields = [
        "code",
        "name",
        "beneficiary",
        "first_machine",
        "last_machine",
        "amount",
        "is_active",
        "description",
    ]

    admin_rules = AdminRules(
        view=roles.can_view_all_gold_programme,
        add=roles.can_manage_gold_cards,
        change=roles.can_manage_gold_cards,
    )

    def save_model(self, request: Any, obj: BenefitRule, form: Any, change: bool) -> None:
        services.benefit_rule_save(actor=request.user, rule=obj)


@admin.register(AwardScoring)
class AwardScoringAdmin(ProgrammeAdmin):
    """The weights of the gold-user-of-the-year ranking (one row)."""

    list_display = ["__str__", "purchase_weight", "referral_weight", "information_weight"]

    admin_rules = AdminRules(
        view=roles.can_view_all_gold_programme,
        add=roles.can_manage_gold_cards,
        change=roles.can_manage_gold_cards,
    )

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and not AwardScoring.objects.exists()

    def save_model(self, request: Any, obj: AwardScoring, form: Any, change: bool) -> None:
        services.award_scoring_save(actor=request.user, scoring=obj)


@admin.register(GoldCard)
class GoldCardAdmin(ProgrammeAdmin):
    list_display = ["number", "customer", "state", "issued_on", "revoked_on"]
    list_filter = ["state"]
    search_fields = ["number", "customer__name"]
    list_select_related = ["customer"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ProgrammeAdmin):
    list_display = ["id", "customer", "kind", "amount", "occurred_on", "rule", "created_by"]
    list_filter = ["kind", "rule"]
    search_fields = ["customer__name"]
    list_select_related = ["customer", "rule", "created_by"]


@admin.register(Referral)
class ReferralAdmin(ProgrammeAdmin):
    list_display = ["referrer", "referred", "referred_on", "recorded_by"]
    search_fields = ["referrer__name", "referred__name"]
    list_select_related = ["referrer", "referred", "recorded_by"]


@admin.register(Tender)
class TenderAdmin(ProgrammeAdmin):
    list_display = ["title", "customer", "due_on", "status"]
    list_filter = ["status"]
    list_select_related = ["customer"]


@admin.register(GoldAward)
class GoldAwardAdmin(ProgrammeAdmin):
    list_display = ["year", "customer", "score", "prize", "prize_value"]
    list_select_related = ["customer"]
