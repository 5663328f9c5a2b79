"""Reads of the 80/20 tiers, scoped to the customers the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.selectors import visible_customers
from dealercrm import roles
from dealercrm.months import shift_month, window_of

from ..models import TierSnapshot
from .purchases import Uncosted, uncosted_revenue


def latest_month() -> dt.date | None:
    month: dt.date | None = TierSnapshot.objects.aggregate(m=Max("month"))["m"]
    return month


def tier_list(
    *, user: roles.Actor, month: dt.date | None, tier: str = "", manager: int | None = None
) -> QuerySet[TierSnapshot]:
    """A month's snapshots the user may see (tiers come from money: not for service)."""
    if not roles.can_view_money(user) or month is None:
        return TierSnapshot.objects.none()
    qs = TierSnapshot.objects.filter(month=month, customer__in=visible_customers(user=user))
    if tier:
        qs = qs.filter(tier=tier)
    if manager and roles.can_view_all_managers(user):
        qs = qs.filter(customer__manager_id=manager)
    return qs.select_related("customer", "customer__manager").order_by("rank")


def month_basis(month: dt.date | None) -> str | None:
    """What the month was ranked on (revenue or gross profit), None before it is computed."""
    if month is None:
        return None
    return TierSnapshot.objects.filter(month=month).values_list("basis", flat=True).first()


def month_uncosted(month: dt.date) -> Uncosted:
    """How much of the month's 12-month window has no recorded cost (counts in full on
    the gross-profit basis)."""
    start, end = window_of(month)
    return uncosted_revenue(start=start, end=end)


def tier_counts(qs: QuerySet[TierSnapshot]) -> dict[str, int]:
    counts = dict(qs.order_by().values_list("tier").annotate(n=Count("id")))
    return {t: counts.get(t, 0) for t in TierSnapshot.Tier.values}


def tier_history(*, user: roles.Actor, customer: Any, limit: int = 12) -> list[TierSnapshot] | None:
    """The customer's last snapshots, newest first (None when the user may not see money)."""
    if not roles.can_view_money(user):
        return None
    return list(TierSnapshot.objects.filter(customer=customer).order_by("-month")[:limit])


def with_latest_tier(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """Annotate each customer with the tier of his newest snapshot (`latest_tier`)."""
    newest = TierSnapshot.objects.filter(customer=OuterRef("pk")).order_by("-month")
    return qs.annotate(latest_tier=Subquery(newest.values("tier")[:1]))


def movement_reason(snapshot: TierSnapshot, before: TierSnapshot | None) -> str:
    """Why a tier moved: which amounts changed against the month before."""
    if before is None:
        return _("first month ranked")
    parts = []
    for field, label in (
        ("machines_total", _("machines")),
        ("parts_total", _("parts")),
        ("service_total", _("service")),
    ):
        delta: Decimal = getattr(snapshot, field) - getattr(before, field)
        if delta:
            parts.append(f"{label} {delta:+,.0f}")
    if not parts:
        parts.append(_("own amounts unchanged; other customers' shares moved"))
    return "; ".join(parts)


@dataclass
class HistoryRow:
    snapshot: TierSnapshot
    reason: str


def history_with_reasons(snapshots: list[TierSnapshot]) -> list[HistoryRow]:
    """Newest-first snapshots, each with the reason of its move from the one before."""
    rows = []
    for index, snap in enumerate(snapshots):
        before = snapshots[index + 1] if index + 1 < len(snapshots) else None
        if before is not None and before.month != shift_month(snap.month, -1):
            before = None
        rows.append(HistoryRow(snap, movement_reason(snap, before) if snap.moved else ""))
    return rows
