"""Writes of the gold-card programme, split by idea: cards and traits, the benefit ledger,
referrals, the yearly award, key-account tenders. Every function checks dealercrm.roles
first and is atomic."""

from .awards import award_scoring_save, gold_award_create
from .cards import (
    CARD_ACTIONS,
    earliest_issue_date,
    gold_card_reactivate,
    gold_card_register,
    gold_card_revoke,
    gold_card_suspend,
    gold_flags,
    next_card_number,
    traits_set,
)
from .key_accounts import TENDER_FIELDS, tender_create, tender_update
from .ledger import (
    active_periods,
    benefit_rule_save,
    credits_sync,
    credits_sync_all,
    ledger_redeem,
    ledger_reverse,
    purchase_units,
)
from .referrals import referral_create

__all__ = [
    "CARD_ACTIONS",
    "TENDER_FIELDS",
    "active_periods",
    "award_scoring_save",
    "benefit_rule_save",
    "credits_sync",
    "credits_sync_all",
    "earliest_issue_date",
    "gold_award_create",
    "gold_card_reactivate",
    "gold_card_register",
    "gold_card_revoke",
    "gold_card_suspend",
    "gold_flags",
    "ledger_redeem",
    "ledger_reverse",
    "next_card_number",
    "purchase_units",
    "referral_create",
    "tender_create",
    "tender_update",
    "traits_set",
]
