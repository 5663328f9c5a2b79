"""Who brought whom (seed 000's snowball, seed 004): the referred customer's purchases are
attributed to his referrer without any step by the customer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import Customer
from dealercrm.models import TimeStampedModel
from dealercrm.validators import validate_event_date


class Referral(TimeStampedModel):
    """One customer brought to us by another. A customer has one referrer at most."""

    referrer = models.ForeignKey(
        Customer,
        verbose_name=_("referred by"),
        on_delete=models.PROTECT,  # the referrer's credits depend on this row
        related_name="referrals_made",
    )
    referred = models.ForeignKey(
        Customer,
        verbose_name=_("new customer"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    referred_on = models.DateField(
        _("referred on"),
        validators=[validate_event_date],
        help_text=_("Purchases from this day on count for the referrer."),
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["referred_on", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.UniqueConstraint(
                fields=["referred"],
                name="loyalty_referral_one_referrer",
                violation_error_message=_("This customer already has a referrer."),
            ),
            models.CheckConstraint(
                condition=~Q(referrer=F("referred")), name="loyalty_referral_not_self"
            ),
        ]
        # referral_tree(): a referrer's referrals come from the FK index on referrer.

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_id}"
