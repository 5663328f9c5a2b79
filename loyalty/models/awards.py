"""Gold user of the year (年度金牌用户, seed 000): the scoring weights and the award."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypedDict

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import Customer
from dealercrm.models import TimeStampedModel


class _Weight(TypedDict):
    max_digits: int
    decimal_places: int
    validators: list[Callable[[Any], None]]


WEIGHT: _Weight = {
    "max_digits": 8,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0"))],
}


class AwardScoring(TimeStampedModel):
    """The one set of weights of the yearly ranking (row pk=1, changed in the admin).

    score = purchases (¥10,000) × w1 + new customers referred × w2 + information given × w3
    """

    purchase_weight = models.DecimalField(
        _("points per ¥10,000 bought"), default=Decimal("1"), **WEIGHT
    )
    referral_weight = models.DecimalField(
        _("points per new customer referred"), default=Decimal("20"), **WEIGHT
    )
    information_weight = models.DecimalField(
        _("points per contact giving information"), default=Decimal("5"), **WEIGHT
    )
    default_prize = models.CharField(
        _("default prize"), max_length=200, default="年度金牌用户奖品（约5000元）"
    )
    default_prize_value = models.DecimalField(
        _("default prize value (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("5000"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("award scoring")
        verbose_name_plural = _("award scoring")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="loyalty_awardscoring_singleton"),
            models.CheckConstraint(
                condition=Q(purchase_weight__gte=0, referral_weight__gte=0)
                & Q(information_weight__gte=0),
                name="loyalty_awardscoring_weights_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class GoldAward(TimeStampedModel):
    """The year's gold user (one per year) with the prize and the score it was given on."""

    year = models.PositiveSmallIntegerField(_("year"))
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="gold_awards"
    )
    score = models.DecimalField(_("score"), max_digits=12, decimal_places=2)
    # The ranking row as it stood: components and weights, so the award stays explainable.
    score_details = models.JSONField(_("score details"), default=dict, blank=True)
    prize = models.CharField(_("prize"), max_length=200)
    prize_value = models.DecimalField(
        _("prize value (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    note = models.TextField(_("note"), blank=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("awarded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-year"]
        verbose_name = _("gold user of the year")
        verbose_name_plural = _("gold users of the year")
        constraints = [
            models.UniqueConstraint(fields=["year"], name="loyalty_goldaward_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.customer_id}"
