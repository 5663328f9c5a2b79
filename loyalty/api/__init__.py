"""REST API of the gold-card programme: gold-cards, referrals, the benefit ledger (with the
balance), gold-candidates, the 80/20 tiers and the dashboards, one module per resource. The
same selectors, services and policy as the browser: the archivist writes, a manager reads
his own gold customers, executives read everything.

The router (dealercrm/api.py) and the tests import the viewsets and serializers from here."""

from .candidates import CandidateViewSet
from .cards import CardChangeSerializer, GoldCardViewSet, RegistrationSerializer
from .dashboards import DashboardViewSet
from .ledger import LedgerViewSet, RedeemSerializer, ReverseSerializer
from .referrals import ReferralInputSerializer, ReferralViewSet
from .tiers import TierViewSet

__all__ = [
    "CandidateViewSet",
    "CardChangeSerializer",
    "DashboardViewSet",
    "GoldCardViewSet",
    "LedgerViewSet",
    "RedeemSerializer",
    "ReferralInputSerializer",
    "ReferralViewSet",
    "RegistrationSerializer",
    "ReverseSerializer",
    "TierViewSet",
]
