"""80/20 tiering snapshots (seeds 000–004): each customer's contribution over the 12
months ending with a month, his A/B/C tier (seed 003) and EI–EIV grid cell (seed 001)."""

from __future__ import annotations

from typing import TypedDict

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class _Money(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: _Money = {"max_digits": 16, "decimal_places": 2}


class TierSnapshot(models.Model):
    """One customer in one month's ranking. Recomputing a month replaces its rows."""

    class Tier(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    class Grid(models.TextChoices):
        # seed 001: contribution × stability
        EI = "EI", _("EI: consolidate (high contribution, stable)")
        EII = "EII", _("EII: turn around (high contribution, unstable)")
        EIII = "EIII", _("EIII: lift (low contribution, stable)")
        EIV = "EIV", _("EIV: review cost (low contribution, unstable)")

    class Basis(models.TextChoices):
        REVENUE = "revenue", _("revenue")
        GROSS_PROFIT = "gross_profit", _("gross profit")

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    basis = models.CharField(
        _("ranked on"),
        max_length=12,
        choices=Basis,
        default=Basis.REVENUE,
        help_text=_("Revenue, or gross profit where costs are recorded (setting TIER_BASIS)."),
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="tiers"
    )
    machines_total = models.DecimalField(_("machines (CNY)"), **MONEY)
    parts_total = models.DecimalField(_("parts (CNY)"), **MONEY)
    service_total = models.DecimalField(_("paid service (CNY)"), **MONEY)
    contribution = models.DecimalField(_("contribution (CNY)"), **MONEY)
    rank = models.PositiveIntegerField(_("rank"))
    share_before = models.FloatField(
        _("cumulative share before"),
        help_text=_("Share of the total held by the customers ranked before this one."),
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier)
    stable_quarters = models.PositiveSmallIntegerField(_("quarters with purchases (of 4)"))
    grid = models.CharField(_("grid"), max_length=4, choices=Grid)
    previous_tier = models.CharField(
        _("tier the month before"), max_length=1, choices=Tier, blank=True
    )

    class Meta:
        ordering = ["month", "rank"]
        verbose_name = _("tier snapshot")
        verbose_name_plural = _("tier snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "customer"], name="loyalty_tiersnapshot_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="loyalty_tiersnapshot_month_first_day"
            ),
        ]
        indexes = [
            # tier_list(): a month's tiers, filtered by tier; the dashboard counts.
            models.Index(fields=["month", "tier"], name="tier_month_tier_idx"),
            # the 80/20 curve: the month in rank order, read without sorting 100,000 rows.
            models.Index(fields=["month", "rank"], name="tier_month_rank_idx"),
            # the dossier's tier history and the list's latest-tier column.
            models.Index(fields=["customer", "-month"], name="tier_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.customer_id}: {self.tier}"

    @property
    def moved(self) -> str:
        """ "B→A" when the tier changed since the month before, else ""."""
        if self.previous_tier and self.previous_tier != self.tier:
            return f"{self.previous_tier}→{self.tier}"
        return ""
