"""Models of the gold-card programme (seed 000), split by idea: cards and traits, the
benefit ledger and its rules, referrals, the gold user of the year, key-account tenders."""

from .awards import AwardScoring, GoldAward
from .cards import CustomerTrait, GoldCard, GoldCardEvent, Trait
from .key_accounts import Tender
from .ledger import DEFAULT_BENEFIT_RULES, BenefitRule, LedgerEntry
from .referrals import Referral
from .tiers import TierSnapshot

__all__ = [
    "DEFAULT_BENEFIT_RULES",
    "AwardScoring",
    "BenefitRule",
    "CustomerTrait",
    "GoldAward",
    "GoldCard",
    "GoldCardEvent",
    "LedgerEntry",
    "Referral",
    "Tender",
    "TierSnapshot",
    "Trait",
]
