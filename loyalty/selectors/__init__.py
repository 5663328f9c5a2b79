"""Reads of the gold-card programme, scoped to the user like every other selector."""

from .accounts import benchmark_list, key_account_list, tender_get
from .awards import award_for, award_list, ranking, scoring
from .candidates import (
    TraitResult,
    attach_traits,
    candidate_list,
    customer_traits,
    min_traits,
    with_traits,
)
from .cards import (
    balance_of,
    balance_subquery,
    card_events,
    card_get,
    card_list,
    dossier_gold,
    ledger_entries,
    ledger_entry_get,
    ledger_statement,
    live_card,
    may_earn_credits,
    redeemable_orders,
)
from .referrals import referral_get, referral_list, referral_tree, referrer_of

__all__ = [
    "TraitResult",
    "attach_traits",
    "award_for",
    "award_list",
    "balance_of",
    "balance_subquery",
    "benchmark_list",
    "candidate_list",
    "card_events",
    "card_get",
    "card_list",
    "customer_traits",
    "dossier_gold",
    "key_account_list",
    "ledger_entries",
    "ledger_entry_get",
    "ledger_statement",
    "live_card",
    "may_earn_credits",
    "min_traits",
    "ranking",
    "redeemable_orders",
    "referral_get",
    "referral_list",
    "referral_tree",
    "referrer_of",
    "scoring",
    "tender_get",
    "with_traits",
]
