"""Key accounts (大客户, seed 000): never anyone's loyal customer, so the dealer keeps in
touch with the equipment department and bids for every order — its tenders are tracked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import Customer
from dealercrm.models import TimeStampedModel


class Tender(TimeStampedModel):
    """A key account's call for bids (招标) and how we stand in it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open: preparing our bid")
        SUBMITTED = "submitted", _("Bid submitted")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        Customer, verbose_name=_("key account"), on_delete=models.PROTECT, related_name="tenders"
    )
    title = models.CharField(_("tender"), max_length=200)
    due_on = models.DateField(_("bids due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="loyalty_tender_has_title"),
        ]
        indexes = [
            # key_account_list(): each key account's tenders still in play, soonest first.
            models.Index(fields=["customer", "status", "due_on"], name="tender_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def in_play(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.SUBMITTED)
