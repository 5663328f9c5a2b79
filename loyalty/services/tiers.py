"""80/20 tiering (seed 003's A/B/C rule and seed 001's EI–EIV grid), computed in SQL.

Contribution = machines bought from us + parts orders + paid service over the 12 months
ending with the month: revenue, or gross profit where costs are recorded (setting
TIER_BASIS; an item without a recorded cost counts in full — the tier page shows how much
of the period that is). Customers are ranked by contribution, ties by id; a customer is A while the
share of the customers ranked before him is below 80%, B below 95%, else C; a zero
contribution is always C. The whole month is written by one INSERT … SELECT with window
functions — no Python loop over customers — and recomputing replaces the month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Sum, Value, When

from customers.models import Customer, Machine
from dealercrm import roles
from dealercrm.months import month_start, shift_month, window_of
from parts.models import PartsOrder
from service.models import ServiceRecord

from ..models import TierSnapshot
from ..selectors.purchases import purchase_totals


def _bought_in(start: dt.date, end: dt.date) -> Q:
    """EXISTS any purchase of the customer in [start, end] (machines, parts, paid service)."""
    machines = Machine.objects.filter(
        customer=OuterRef("pk"),
        source=Machine.Source.FROM_US,
        purchase_price__isnull=False,
        purchase_date__gte=start,
        purchase_date__lte=end,
    )
    parts = PartsOrder.objects.filter(
        customer=OuterRef("pk"), ordered_on__gte=start, ordered_on__lte=end
    )
    service = ServiceRecord.objects.filter(
        customer=OuterRef("pk"),
        status=ServiceRecord.Status.CLOSED,
        closed_on__gte=start,
        closed_on__lte=end,
        total_charge__gt=0,
    )
    return Q(Exists(machines)) | Q(Exists(parts)) | Q(Exists(service))


def _ranked(month: dt.date, basis: str) -> Any:
    """Each customer's amounts in the window and his number of quarters with purchases;
    the ranking itself is done by the window functions of INSERT below."""
    start, end = window_of(month)
    customers = Customer.objects.all()
    if any(f.name == "merged_into" for f in Customer._meta.get_fields()):
        customers = customers.filter(merged_into__isnull=True)  # merged tombstones
    quarters = [(shift_month(start, 3 * i), shift_month(start, 3 * i + 3)) for i in range(4)]
    stable = sum(
        (
            Case(
                When(_bought_in(q_start, q_end - dt.timedelta(days=1)), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            for q_start, q_end in quarters
        ),
        Value(0),
    )
    return (
        purchase_totals(customers=customers, start=start, end=end, basis=basis)
        .annotate(stable=stable)
        .order_by()
        .values("pk", "machines_total", "parts_total", "service_total", "purchases_total", "stable")
    )


@dataclass
class TierResult:
    month: dt.date
    customers: int
    counts: dict[str, int]
    basis: str = "revenue"


# The ranking is a CTE materialised once: inlined, PostgreSQL copied each customer's
# correlated sums into every expression that used them (sort key, shares, output) and ran
# them several times per row (bench: 14.5 s → see docs/benchmarks.md).
INSERT = """
WITH ranked AS {materialized} ({ranked})
INSERT INTO {table} (month, basis, customer_id, machines_total, parts_total, service_total,
    contribution, rank, share_before, tier, stable_quarters, grid, previous_tier)
SELECT %s, %s, r.pk, r.machines_total, r.parts_total, r.service_total, r.purchases_total, r.rnk,
    CASE WHEN r.grand > 0
         THEN CAST(r.running - r.positive AS DOUBLE PRECISION) / r.grand
         ELSE 1 END,
    {tier},
    r.stable,
    CASE WHEN {tier} = 'A' AND r.stable >= %s THEN 'EI'
         WHEN {tier} = 'A' THEN 'EII'
         WHEN r.stable >= %s THEN 'EIII'
         ELSE 'EIV' END,
    COALESCE(p.tier, '')
FROM (
    SELECT t.*,
        ROW_NUMBER() OVER (ORDER BY t.purchases_total DESC, t.pk) AS rnk,
        SUM(t.positive) OVER (
            ORDER BY t.purchases_total DESC, t.pk ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS running,
        SUM(t.positive) OVER () AS grand
    FROM (
        SELECT u.*,
            CASE WHEN u.purchases_total > 0 THEN u.purchases_total ELSE 0 END AS positive
        FROM ranked u
    ) t
) r
LEFT JOIN {table} p ON p.customer_id = r.pk AND p.month = %s
"""
# seed 003: before-share below 80% → A, below 95% → B; compared as ×100 to stay exact.
# Shares are of the positive contributions: a customer sold below cost (gross-profit basis)
# is C and does not shrink the total the others are measured against.
TIER_SQL = (
    "CASE WHEN r.purchases_total > 0 AND (r.running - r.positive) * 100 < 80 * r.grand "
    "THEN 'A' WHEN r.purchases_total > 0 AND (r.running - r.positive) * 100 < 95 * r.grand "
    "THEN 'B' ELSE 'C' END"
)


def tiers_compute(*, actor: roles.Actor, month: dt.date, basis: str | None = None) -> TierResult:
    """Compute (or recompute) one month's snapshot for every customer, ranked on `basis`
    (default: the TIER_BASIS setting)."""
    roles.require(roles.can_run_scheduled_jobs, actor)
    month = month_start(month)
    basis = basis or settings.DEALERCRM["TIER_BASIS"]
    if basis not in TierSnapshot.Basis.values:
        raise ValueError(f"unknown tier basis {basis!r}")
    for attempt in range(2):
        try:
            with transaction.atomic():
                _write(month, basis)
            break
        except IntegrityError:
            # Another run inserted the month between our DELETE and INSERT: run again,
            # replacing its rows with the same result.
            if attempt:
                raise
    counts = dict(
        TierSnapshot.objects.filter(month=month)
        .values_list("tier")
        .annotate(n=Sum(Value(1)))
        .values_list("tier", "n")
    )
    return TierResult(
        month=month,
        customers=sum(counts.values()),
        counts={t: counts.get(t, 0) for t in TierSnapshot.Tier.values},
        basis=basis,
    )


def _write(month: dt.date, basis: str) -> None:
    TierSnapshot.objects.filter(month=month).delete()
    ranked_sql, ranked_params = _ranked(month, basis).query.sql_with_params()
    stable_min = int(settings.DEALERCRM["TIER_STABLE_QUARTERS"])
    previous = shift_month(month, -1)
    sql = INSERT.format(
        table=connection.ops.quote_name(TierSnapshot._meta.db_table),
        ranked=ranked_sql,
        tier=TIER_SQL,
        # SQLite materialises a CTE used once anyway; PostgreSQL 12+ needs to be told.
        materialized="MATERIALIZED" if connection.vendor == "postgresql" else "",
    )
    # Parameters in the order of the SQL text: the ranking's, month, basis, stability twice,
    # previous month.
    params = [*ranked_params, month, basis, stable_min, stable_min, previous]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    # A customer merged away while the INSERT ran (it waited for the merge on his row, then
    # wrote his line anyway): his line would be hidden on the tombstone. Every line of the
    # month is this run's own, so those are simply dropped.
    TierSnapshot.objects.filter(month=month, customer__merged_into__isnull=False).delete()
    # A month recomputed after the one that follows it: that month's "tier the month
    # before" is now this month's.
    link_previous_tiers(shift_month(month, 1))


# link_previous_tiers(): the month's snapshots against the month before, one hash join.
LINK_PREVIOUS = """
UPDATE {table} SET previous_tier = linked.before
FROM (
    SELECT this.id AS id, COALESCE(prior.tier, '') AS before
    FROM {table} this
    LEFT JOIN {table} prior ON prior.customer_id = this.customer_id AND prior.month = %s
    WHERE this.month = %s
) AS linked
WHERE {table}.id = linked.id AND {table}.previous_tier <> linked.before
"""


def link_previous_tiers(month: dt.date) -> int:
    """Set each of the month's snapshots' `previous_tier` to the customer's tier in the
    month before ('' when he was not ranked then); returns the rows changed.

    The INSERT above writes it with the month; this keeps it true when the month before is
    recomputed later. The 80/20 dashboard reads its movement against the month before from
    this column instead of joining the two months (loyalty.selectors.dashboard.pareto)."""
    # One set-based UPDATE … FROM a join of the two months. The ORM's correlated subquery
    # (ORDER BY month, rank LIMIT 1 per row) let the planner walk the month before by its
    # (month, tier) index for every row when that month's statistics said it was empty (a
    # month computed inside the same transaction): 100,000 × 100,000 rows, still running
    # after 17 minutes in the bench. A hash join does not depend on the estimate.
    sql = LINK_PREVIOUS.format(table=connection.ops.quote_name(TierSnapshot._meta.db_table))
    month = month_start(month)
    with connection.cursor() as cursor:
        cursor.execute(sql, [shift_month(month, -1), month])
        return int(cursor.rowcount)
