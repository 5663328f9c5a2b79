"""The 80/20 dashboard: the Pareto curve of the month's tier snapshots, tier shares, the
value grid and the tier movement matrix against a compared month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    QuerySet,
    RowRange,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from dealercrm import roles
from dealercrm.money import ZERO

from ...models import TierSnapshot
from .filters import MONEY, DashboardFilters, customer_scope

PARETO_POINTS = 100  # points of the curve (one per percent of the customers)
NO_TIER = "-"  # not ranked in a month (a new customer, or one who left the ranking)


# --- the 80/20 view ----------------------------------------------------------------------------


@dataclass
class ParetoPoint:
    customers: int  # the first n customers by contribution
    customers_pct: float
    share_pct: float  # their cumulative share of the positive contributions


@dataclass
class TierRow:
    tier: str
    customers: int
    contribution: Decimal
    customers_pct: float
    contribution_pct: float


@dataclass
class GridRow:
    grid: str
    label: str
    customers: int
    contribution: Decimal


@dataclass
class ParetoDashboard:
    filters: DashboardFilters
    month: dt.date
    compare: dt.date
    customers: int
    contribution: Decimal  # the sum of the positive contributions (what shares are of)
    curve: list[ParetoPoint]
    tiers: list[TierRow]
    movement: dict[tuple[str, str], int]
    grid: list[GridRow]

    @property
    def tier_labels(self) -> list[str]:
        return [*TierSnapshot.Tier.values, NO_TIER]

    def movement_rows(self) -> list[tuple[str, list[tuple[str, int]]]]:
        labels = self.tier_labels
        return [(a, [(b, self.movement.get((a, b), 0)) for b in labels]) for a in labels]

    def reach(self, pct: float) -> ParetoPoint | None:
        """The first point of the curve at or above `pct` percent of the contribution."""
        return next((p for p in self.curve if p.share_pct >= pct), None)


def snapshots(user: Any, filters: DashboardFilters, month: dt.date) -> QuerySet[TierSnapshot]:
    """A month's snapshots of the customers in the filters (tiers come from money)."""
    if not roles.can_view_dashboards(user):
        return TierSnapshot.objects.none()
    return TierSnapshot.objects.filter(customer_scope(user, filters, "customer"), month=month)


def _pct(part: float | Decimal, whole: float | Decimal) -> float:
    return round(100 * float(part) / float(whole), 1) if whole else 0.0


def pareto_positions(n: int, points: int = PARETO_POINTS) -> list[int]:
    """The ranks the curve is drawn at: one per percent of the customers (all when few)."""
    if n <= points:
        return list(range(1, n + 1))
    return sorted({max(1, -(-n * i // points)) for i in range(1, points + 1)})


def _positive() -> Case:
    """A snapshot's contribution counted towards the shares: negatives (sold below cost, on
    the gross-profit basis) count as zero, as in tiering (loyalty.services.tiers)."""
    return Case(
        When(contribution__gt=0, then=F("contribution")), default=Value(ZERO), output_field=MONEY
    )


def pareto_dashboard(*, user: Any, filters: DashboardFilters) -> ParetoDashboard:
    """The month's curve and shares, measured as tiering measures them: against the sum of
    the positive contributions. A customer with a zero or negative contribution adds
    nothing (he sits at 100% of the curve and in tier C) and does not shrink the total; the
    amounts per tier and grid cell are of the same positive contributions, so they add up
    to the total the shares are of."""
    month, compare = filters.month, filters.compare_month
    qs = snapshots(user, filters, month)
    totals = qs.aggregate(n=Count("id"), s=Sum(_positive()))
    n, total = totals["n"], totals["s"] or ZERO
    order = [F("rank").asc(), F("customer_id").asc()]
    cumulative = (
        qs.annotate(
            position=Window(RowNumber(), order_by=order),
            running=Window(Sum(_positive()), order_by=order, frame=_rows_to_current()),
        )
        .filter(position__in=pareto_positions(n))
        .order_by("position")
        .values_list("position", "running")
    )
    curve = [
        ParetoPoint(customers=pos, customers_pct=_pct(pos, n), share_pct=_pct(run or 0, total))
        for pos, run in cumulative
    ]

    by_tier = {
        t: (c, s or ZERO)
        for t, c, s in qs.order_by()
        .values("tier")
        .annotate(c=Count("id"), s=Sum(_positive()))
        .values_list("tier", "c", "s")
    }
    tiers = []
    for t in TierSnapshot.Tier.values:
        c, s = by_tier.get(t, (0, ZERO))
        tiers.append(TierRow(t, c, s, _pct(c, n), _pct(s, total)))

    labels = dict(TierSnapshot.Grid.choices)
    by_grid = {
        g: (c, s or ZERO)
        for g, c, s in qs.order_by()
        .values("grid")
        .annotate(c=Count("id"), s=Sum(_positive()))
        .values_list("grid", "c", "s")
    }
    grid = [
        GridRow(g, str(labels[g]), *by_grid.get(g, (0, ZERO))) for g in TierSnapshot.Grid.values
    ]

    movement: dict[tuple[str, str], int] = {}
    before = TierSnapshot.objects.filter(customer=OuterRef("customer"), month=compare)
    for was, now, c in (
        qs.annotate(was=_first_tier(before))
        .order_by()
        .values("was", "tier")
        .annotate(c=Count("id"))
        .values_list("was", "tier", "c")
    ):
        movement[(was or NO_TIER, now)] = c
    after = TierSnapshot.objects.filter(customer=OuterRef("customer"), month=month)
    for was, c in (
        snapshots(user, filters, compare)
        .filter(~Exists(after))
        .order_by()
        .values("tier")
        .annotate(c=Count("id"))
        .values_list("tier", "c")
    ):
        movement[(was, NO_TIER)] = c
    return ParetoDashboard(
        filters=filters,
        month=month,
        compare=compare,
        customers=n,
        contribution=total,
        curve=curve,
        tiers=tiers,
        movement=movement,
        grid=grid,
    )


def moved_customers(*, user: Any, filters: DashboardFilters) -> QuerySet[TierSnapshot]:
    """The month's snapshots whose tier differs from the compared month's (`was`), by rank;
    customers new to the ranking are not moves."""
    before = TierSnapshot.objects.filter(customer=OuterRef("customer"), month=filters.compare_month)
    return (
        snapshots(user, filters, filters.month)
        .annotate(was=_first_tier(before))
        .filter(was__isnull=False)
        .exclude(was=F("tier"))
        .select_related("customer", "customer__manager")
        .order_by("rank", "customer_id")
    )


def _rows_to_current() -> RowRange:
    return RowRange(start=None, end=0)


def _first_tier(qs: QuerySet[TierSnapshot]) -> Subquery:
    return Subquery(qs.values("tier")[:1])
