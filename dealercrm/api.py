"""The REST API router: /api/v1/ resources, plural kebab-case nouns (ARCHITECTURE.md)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from contacts.api import (
    ContactLogViewSet,
    MonthlyReportViewSet,
    ReminderViewSet,
    SubmissionViewSet,
)
from customers.api import CustomerViewSet
from customers.matching.api import DuplicateViewSet, MergeViewSet
from dealercrm.auth_views import ThrottledObtainAuthToken
from loyalty.api import (
    CandidateViewSet,
    DashboardViewSet,
    GoldCardViewSet,
    LedgerViewSet,
    ReferralViewSet,
    TierViewSet,
)
from parts.api import PartsOrderViewSet
from service.api import HourReadingViewSet, ServiceRecordViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("contact-logs", ContactLogViewSet, basename="contact-log")
router.register("submissions", SubmissionViewSet, basename="submission")
router.register("monthly-reports", MonthlyReportViewSet, basename="monthly-report")
router.register("reminders", ReminderViewSet, basename="reminder")
router.register("service-records", ServiceRecordViewSet, basename="service-record")
router.register("hour-readings", HourReadingViewSet, basename="hour-reading")
router.register("parts-orders", PartsOrderViewSet, basename="parts-order")
router.register("gold-cards", GoldCardViewSet, basename="gold-card")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("ledger", LedgerViewSet, basename="ledger")
router.register("gold-candidates", CandidateViewSet, basename="gold-candidate")
router.register("duplicates", DuplicateViewSet, basename="duplicate")
router.register("merges", MergeViewSet, basename="merge")
router.register("tiers", TierViewSet, basename="tier")
router.register("dashboard", DashboardViewSet, basename="dashboard")

urlpatterns = [
    path("auth/token/", ThrottledObtainAuthToken.as_view(), name="api-token"),
    path("", include(router.urls)),
]
