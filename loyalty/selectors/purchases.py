"""What each customer bought from the dealer — machines, parts and paid service together, the
figure the 80/20 tiering ranks on (seed 003) — and how much of a period's revenue has no
recorded cost.

It reads machines (customers), parts orders (parts) and charged service (service) by
aggregate only. It lives in loyalty, the floor above parts and service, because it needs
both of them and siblings never import each other (ARCHITECTURE.md, floors); loyalty's
tiers, awards and referrals are what reads it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from customers.models import Customer, Machine
from parts.models import PartsOrder
from service.models import ServiceRecord

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

MONEY = DecimalField(max_digits=16, decimal_places=2)


def _window(prefix: str, start: dt.date | None, end: dt.date | None) -> Q:
    q = Q()
    if start is not None:
        q &= Q(**{f"{prefix}__gte": start})
    if end is not None:
        q &= Q(**{f"{prefix}__lte": end})
    return q


def _per_customer(qs: QuerySet[Any], amount: Any) -> Coalesce:
    """SUM(amount) of the customer's rows as a correlated subquery, 0 without rows."""
    summed = (
        qs.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(total=Sum(amount, output_field=MONEY))
        .values("total")[:1]
    )
    return Coalesce(Subquery(summed, output_field=MONEY), Value(Decimal("0")), output_field=MONEY)


def _purchases(
    start: dt.date | None, end: dt.date | None
) -> tuple[QuerySet[Machine], QuerySet[PartsOrder], QuerySet[ServiceRecord]]:
    """What counts as buying from us in [start, end]: machines bought from us with a price
    (by purchase date), parts orders (by order date), closed service records (by the day
    they closed)."""
    return (
        Machine.objects.filter(
            _window("purchase_date", start, end),
            source=Machine.Source.FROM_US,
            purchase_price__isnull=False,
        ),
        PartsOrder.objects.filter(_window("ordered_on", start, end)),
        ServiceRecord.objects.filter(
            _window("closed_on", start, end), status=ServiceRecord.Status.CLOSED
        ),
    )


REVENUE = "revenue"
GROSS_PROFIT = "gross_profit"
BASES = (REVENUE, GROSS_PROFIT)


class PurchaseTotals(TypedDict):
    """What purchase_totals() annotates on each customer."""

    machines_total: Decimal
    parts_total: Decimal
    service_total: Decimal
    purchases_total: Decimal


def purchase_totals(
    *,
    customers: QuerySet[Customer] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    basis: str = REVENUE,
) -> QuerySet[WithAnnotations[Customer, PurchaseTotals]]:
    """Customers annotated with what they bought from us in [start, end] (either open):

    - `machines_total`: machines bought from us (price × quantity), by purchase date;
    - `parts_total`: parts orders after the gold-card discount, by order date;
    - `service_total`: charged service (labour + parts less discount) of closed records,
      by the day they closed;
    - `purchases_total`: the three together.

    With `basis="gross_profit"` each amount is less what it cost us where that cost is
    recorded (machine cost × quantity, an order's cost when every line has one, a service
    job's cost); an item without a recorded cost counts in full — `uncosted_revenue()`
    says how much of the period that is.

    One SQL query (three correlated sums), the same on SQLite and PostgreSQL; sort it,
    filter it or add a window function over it for cumulative shares. Machines without a
    purchase date count only when no window is asked for.
    """
    machines, parts, service = _purchases(start, end)
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}; one of {', '.join(BASES)}")
    zero = Value(Decimal("0"))
    if basis == GROSS_PROFIT:
        machine_amount: Any = ExpressionWrapper(
            (F("purchase_price") - Coalesce("purchase_cost", zero)) * F("quantity"),
            output_field=MONEY,
        )
        parts_amount: Any = ExpressionWrapper(
            F("total") - Coalesce("cost_total", zero), output_field=MONEY
        )
        service_amount: Any = ExpressionWrapper(
            F("total_charge") - Coalesce("cost_total", zero), output_field=MONEY
        )
    else:
        machine_amount = ExpressionWrapper(F("purchase_price") * F("quantity"), output_field=MONEY)
        parts_amount, service_amount = F("total"), F("total_charge")
    qs = customers if customers is not None else Customer.objects.all()
    return qs.annotate(
        machines_total=_per_customer(machines, machine_amount),
        parts_total=_per_customer(parts, parts_amount),
        service_total=_per_customer(service, service_amount),
    ).annotate(
        purchases_total=ExpressionWrapper(
            F("machines_total") + F("parts_total") + F("service_total"), output_field=MONEY
        )
    )


@dataclass(frozen=True)
class Uncosted:
    """Revenue in a period, and the part of it with no recorded cost."""

    revenue: Decimal
    uncosted: Decimal

    @property
    def share(self) -> float:
        return float(self.uncosted / self.revenue) if self.revenue else 0.0


def uncosted_revenue(*, start: dt.date | None = None, end: dt.date | None = None) -> Uncosted:
    """How much of [start, end]'s revenue has no recorded cost (three aggregate queries):
    on the gross-profit basis that revenue counts in full, and the tier pages say so."""
    zero = Value(Decimal("0"))

    def split(qs: QuerySet[Any], amount: Any, uncosted: Q) -> tuple[Decimal, Decimal]:
        row = qs.aggregate(
            revenue=Coalesce(Sum(amount, output_field=MONEY), zero, output_field=MONEY),
            uncosted=Coalesce(
                Sum(amount, filter=uncosted, output_field=MONEY), zero, output_field=MONEY
            ),
        )
        return row["revenue"], row["uncosted"]

    machines_qs, parts_qs, service_qs = _purchases(start, end)
    machines = split(
        machines_qs, F("purchase_price") * F("quantity"), Q(purchase_cost__isnull=True)
    )
    parts = split(parts_qs, F("total"), Q(cost_total__isnull=True))
    service = split(service_qs, F("total_charge"), Q(cost_total__isnull=True))
    return Uncosted(
        revenue=parts[0] + machines[0] + service[0],
        uncosted=parts[1] + machines[1] + service[1],
    )
