"""Money arithmetic shared by service charges and parts orders: Decimal only, to the fen.

Both apps price with the same rounding and the same gold-card rate, and neither imports
the other; the loyalty issue will widen `gold_discount_rate` into configurable benefits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(value: Decimal | int | str) -> Decimal:
    """Round half up to 0.01 CNY (the invoice rule: 0.005 → 0.01)."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def gold_discount_rate(customer: Any) -> Decimal:
    """The rate a gold-card customer gets on parts and repair (seed 000: 九五折 = 0.05), 0
    for everyone else. Callers record the rate on the document, so a later change of the
    setting or of the customer's card never rewrites old documents."""
    if not getattr(customer, "is_gold_card", False):
        return Decimal("0")
    return Decimal(settings.DEALERCRM["GOLD_DISCOUNT"])


def discounted(subtotal: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(discount, total) of a subtotal: the discount is rounded, the total is exact."""
    discount = to_fen(subtotal * rate)
    return discount, subtotal - discount


# --- totals by period ------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodTotals:
    """This calendar year, the last 12 months (after the same day a year ago), all time."""

    this_year: Decimal
    last_12_months: Decimal
    all_time: Decimal
    count: int


def year_ago(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def period_totals(
    qs: QuerySet[Any], *, date_field: str, amount: str, today: dt.date
) -> PeriodTotals:
    """Three sums and a count of `qs` in one aggregate query (SQLite and PostgreSQL)."""
    money = DecimalField(max_digits=16, decimal_places=2)
    zero = Value(Decimal("0"), output_field=money)
    values = qs.aggregate(
        this_year=Coalesce(
            Sum(amount, filter=Q(**{f"{date_field}__gte": today.replace(month=1, day=1)})),
            zero,
            output_field=money,
        ),
        last_12_months=Coalesce(
            Sum(amount, filter=Q(**{f"{date_field}__gt": year_ago(today)})),
            zero,
            output_field=money,
        ),
        all_time=Coalesce(Sum(amount), zero, output_field=money),
        count=Count("pk"),
    )
    return PeriodTotals(
        this_year=to_fen(values["this_year"]),
        last_12_months=to_fen(values["last_12_months"]),
        all_time=to_fen(values["all_time"]),
        count=values["count"],
    )


def percent(rate: Decimal) -> str:
    """0.0500 → "5", 0.1 → "10", 0.125 → "12.5" (normalize() would show 1E+1)."""
    text = f"{rate * 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
