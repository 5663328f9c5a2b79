"""The REST API router: /api/v1/ resources, plural kebab-case nouns (ARCHITECTURE.md)."""

from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import SimpleRouter

from contacts.api import ContactLogViewSet, MonthlyReportViewSet, SubmissionViewSet
from customers.api import CustomerViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("contact-logs", ContactLogViewSet, basename="contact-log")
router.register("submissions", SubmissionViewSet, basename="submission")
router.register("monthly-reports", MonthlyReportViewSet, basename="monthly-report")

urlpatterns = [
    path("auth/token/", ObtainAuthToken.as_view(), name="api-token"),
    path("", include(router.urls)),
]
