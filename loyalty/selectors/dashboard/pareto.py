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
    F,
    FilteredRelation,
    Max,
    Q,
    QuerySet,
    RowRange,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from customers.models import Customer
from dealercrm import roles
from dealercrm.money import ZERO
from dealercrm.months import shift_month

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


def snapshots(
    user: roles.Actor, filters: DashboardFilters, month: dt.date
) -> QuerySet[TierSnapshot]:
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


def pareto_dashboard(*, user: roles.Actor, filters: DashboardFilters) -> ParetoDashboard:
    """The month's curve and shares, measured as tiering measures them: against the sum of
    the positive contributions. A customer with a zero or negative contribution adds
    nothing (he sits at 100% of the curve and in tier C) and does not shrink the total; the
    amounts per tier and grid cell are of the same positive contributions, so they add up
    to the total the shares are of."""
    month, compare = filters.month, filters.compare_month
    qs = snapshots(user, filters, month)
    # The totals, the tiers, the grid and the movement from the month's cells: counts and
    # positive contributions per (was, tier, grid), added up here (_cells).
    n, total = 0, ZERO
    by_tier: dict[str, tuple[int, Decimal]] = {}
    by_grid: dict[str, tuple[int, Decimal]] = {}
    movement: dict[tuple[str, str], int] = {}
    cells, compared = _cells(user, filters, month, compare)
    for was, t, g, c, s in cells:
        s = s or ZERO
        n, total = n + c, total + s
        tc, ts = by_tier.get(t, (0, ZERO))
        by_tier[t] = (tc + c, ts + s)
        gc, gs = by_grid.get(g, (0, ZERO))
        by_grid[g] = (gc + c, gs + s)
        move = (was or NO_TIER, t)
        movement[move] = movement.get(move, 0) + c

    cumulative = None
    if _whole_group(user, filters):
        cumulative = _running_from_ranking(month, n, total)
    if cumulative is None:
        cumulative = _running_by_window(qs, n)
    curve = [
        ParetoPoint(customers=pos, customers_pct=_pct(pos, n), share_pct=_pct(run or 0, total))
        for pos, run in cumulative
    ]
    tiers = []
    for t in TierSnapshot.Tier.values:
        c, s = by_tier.get(t, (0, ZERO))
        tiers.append(TierRow(t, c, s, _pct(c, n), _pct(s, total)))
    labels = dict(TierSnapshot.Grid.choices)
    grid = [
        GridRow(g, str(labels[g]), *by_grid.get(g, (0, ZERO))) for g in TierSnapshot.Grid.values
    ]

    # Left the ranking: the compared month's customers of a tier, less those found above
    # (one snapshot per customer and month), instead of an anti-join of the two months.
    for was, c in compared.items():
        left = c - sum(k for (before, _now), k in movement.items() if before == was)
        if left:
            movement[(was, NO_TIER)] = left
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


def _whole_group(user: roles.Actor, filters: DashboardFilters) -> bool:
    return roles.can_view_all_dashboards(user) and not filters.region and not filters.manager


def _running_by_window(qs: QuerySet[TierSnapshot], n: int) -> list[tuple[int, Any]]:
    """(position, running positive contribution) at the curve's positions, counted over
    the rows of `qs` in rank order by window functions."""
    # Both windows share one definition (ROW_NUMBER ignores the frame), so PostgreSQL walks
    # the month once in rank order (index tier_month_rank_idx); the 100 sampled points are
    # put in order here, not by sorting the whole month again.
    order = [F("rank").asc(), F("customer_id").asc()]
    return sorted(
        qs.annotate(
            position=Window(RowNumber(), order_by=order, frame=_rows_to_current()),
            running=Window(Sum(_positive()), order_by=order, frame=_rows_to_current()),
        )
        .filter(position__in=pareto_positions(n))
        .order_by()
        .values_list("position", "running")
    )


def _running_from_ranking(month: dt.date, n: int, total: Decimal) -> list[tuple[int, float]] | None:
    """The same points for the whole group, read from what tiering stored instead of
    walking 100,000 rows: a customer's running total is his `share_before` of the month's
    grand total plus his own contribution. The rows outside the scope (customers merged
    since, a handful) are taken out: each shifts the positions after his rank by one and
    the running totals after it by his contribution. None when the ranks have gaps (a
    customer deleted since): then the window counts them."""
    month_rows = TierSnapshot.objects.filter(month=month)
    # The whole group's scope is every live customer (filters.customer_scope): outside it
    # are the merged tombstones, read from their index. (Written as the scope's negation,
    # PostgreSQL misjudged it at 850,000 row reads and spent 600 ms compiling it (JIT).)
    merged = Customer.all_objects.filter(merged_into__isnull=False)
    outside = sorted(
        month_rows.filter(customer__in=merged.values("pk"))
        .annotate(positive=_positive())
        .values_list("rank", "positive")
    )
    last = month_rows.aggregate(last=Max("rank"))["last"] or 0
    if last != n + len(outside):
        return None
    grand = total + sum((positive for _rank, positive in outside), ZERO)
    # the rank of the scope's p-th customer, and the contribution outside the scope before it
    points: list[tuple[int, int, Decimal]] = []
    i, skipped, removed = 0, 0, ZERO
    for position in pareto_positions(n):
        while i < len(outside) and outside[i][0] <= position + skipped:
            skipped, removed, i = skipped + 1, removed + outside[i][1], i + 1
        points.append((position, position + skipped, removed))
    stored = {
        rank: (share_before, positive)
        for rank, share_before, positive in month_rows.filter(rank__in=[r for _p, r, _x in points])
        .annotate(positive=_positive())
        .values_list("rank", "share_before", "positive")
    }
    if len(stored) != len(points):
        return None
    return [
        (position, stored[rank][0] * float(grand) + float(stored[rank][1]) - float(removed))
        for position, rank, removed in points
    ]


Cell = tuple[str | None, str, str, int, Decimal | None]


def _cells(
    user: roles.Actor, filters: DashboardFilters, month: dt.date, compare: dt.date
) -> tuple[list[Cell], dict[str, int]]:
    """The month's cells: (was, tier, grid, customers, positive contribution), `was` being
    the customer's tier in the compared month (blank or None when he was not ranked then);
    and the compared month's customers per tier.

    Against the month before (the default) `was` is the snapshot's own `previous_tier`,
    which tiering keeps equal to that month's tier (loyalty.services.tiers.
    link_previous_tiers), and both months are counted in one pass: no join of two months'
    100,000 rows (bench: about 200 ms of the 80/20 view's 450). Any other month is joined,
    and counted apart."""
    if compare == shift_month(month, -1):
        rows = (
            TierSnapshot.objects.filter(
                customer_scope(user, filters, "customer"), month__in=[month, compare]
            )
            .order_by()
            .values("month", "previous_tier", "tier", "grid")
            .annotate(c=Count("id"), s=Sum(_positive()))
            .values_list("month", "previous_tier", "tier", "grid", "c", "s")
        )
        cells: list[Cell] = []
        compared: dict[str, int] = {}
        for m, was, t, g, c, s in rows:
            if m == month:
                cells.append((was, t, g, c, s))
            else:
                compared[t] = compared.get(t, 0) + c
        return cells, compared
    joined = (
        snapshots(user, filters, month)
        .alias(before=_compared(compare))
        .annotate(was=F("before__tier"))
        .order_by()
        .values("was", "tier", "grid")
        .annotate(c=Count("id"), s=Sum(_positive()))
        .values_list("was", "tier", "grid", "c", "s")
    )
    counted = dict(
        snapshots(user, filters, compare)
        .order_by()
        .values("tier")
        .annotate(c=Count("id"))
        .values_list("tier", "c")
    )
    return list(joined), counted


def moved_customers(*, user: roles.Actor, filters: DashboardFilters) -> QuerySet[TierSnapshot]:
    """The month's snapshots whose tier differs from the compared month's (`was`), by rank;
    customers new to the ranking are not moves."""
    return (
        snapshots(user, filters, filters.month)
        .alias(before=_compared(filters.compare_month))
        .annotate(was=F("before__tier"))
        .filter(was__isnull=False)
        .exclude(was=F("tier"))
        .select_related("customer", "customer__manager")
        .order_by("rank", "customer_id")
    )


def _rows_to_current() -> RowRange:
    return RowRange(start=None, end=0)


def _compared(compare: dt.date) -> FilteredRelation:
    """The customer's snapshot of the compared month, for `was` (his tier then; None when
    he was not ranked): a LEFT JOIN, where a subquery per row made the movement matrix
    probe the index once per customer (100,000 times on the bench)."""
    return FilteredRelation("customer__tiers", condition=Q(customer__tiers__month=compare))
