"""The drill-down lists behind every dashboard number, filtered as the figures are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)

from contacts.models import Reminder
from customers.models import Customer
from customers.selectors import at_risk_filter
from dealercrm import roles
from dealercrm.months import month_end, shift_month

from ...models import LedgerEntry, TierSnapshot
from .filters import MONEY, DashboardFilters, as_of, scoped_customers
from .gold import (
    MISSED_MONTHS,
    active_gold_by_month,
    gold_referrals,
    gold_reminders,
    overdue_customers,
)
from .pareto import NO_TIER, snapshots

# --- drill-down lists ----------------------------------------------------------------------------
# Each number on a dashboard links to ?list=<kind> with the same filters; these are the rows
# behind it: customers, gold-contact reminders, or tier snapshots.

CUSTOMER_LISTS = (
    "gold",
    "overdue",
    "at_risk",
    "at_risk_gold",
    "credits",
    "referred",
    "referred_month",
)
REMINDER_LISTS = ("due", "contacted", "missed")
SNAPSHOT_LISTS = ("tier", "grid", "move", "top")
LISTS = (*CUSTOMER_LISTS, *REMINDER_LISTS, *SNAPSHOT_LISTS)


@dataclass(frozen=True)
class Drill:
    """Which list: `kind` and its own arguments (a tier, a grid cell, a move, a top n)."""

    kind: str
    tier: str = ""
    grid: str = ""
    was: str = ""
    now: str = ""
    top: int = 0


def drilldown(
    *, user: roles.Actor, filters: DashboardFilters, drill: Drill
) -> tuple[str, QuerySet[Any]]:
    """("customers" | "reminders" | "snapshots", the rows), scoped like the dashboard."""
    kind, month = drill.kind, filters.month
    if kind in CUSTOMER_LISTS:
        return "customers", _customer_drill(user, filters, kind)
    if kind in REMINDER_LISTS:
        reminders = gold_reminders(user, filters)
        if kind == "missed":
            reminders = reminders.filter(
                period__gte=shift_month(month, -(MISSED_MONTHS - 1)),
                period__lte=month,
                status=Reminder.Status.MISSED,
            )
        else:
            reminders = reminders.filter(period=month)
            if kind == "contacted":
                reminders = reminders.filter(status=Reminder.Status.SATISFIED)
        return "reminders", reminders.select_related(
            "customer", "manager", "customer__sales_region"
        ).order_by("-period", "customer__name_pinyin", "id")
    if kind in SNAPSHOT_LISTS:
        qs = snapshots(user, filters, month)
        if kind == "tier":
            qs = qs.filter(tier=drill.tier)
        elif kind == "grid":
            qs = qs.filter(grid=drill.grid)
        elif kind == "top":
            ranks = list(
                qs.order_by("rank", "customer_id").values_list("pk", flat=True)[: drill.top]
            )
            qs = qs.filter(pk__in=ranks)
        elif kind == "move":
            qs = _moved(user, filters, drill.was, drill.now)
        return "snapshots", qs.select_related(
            "customer", "customer__manager", "customer__sales_region"
        ).order_by("month", "rank", "customer_id")
    raise ValueError(f"unknown list {kind!r}")


def _moved(
    user: roles.Actor, filters: DashboardFilters, was: str, now: str
) -> QuerySet[TierSnapshot]:
    month, compare = filters.month, filters.compare_month
    if now == NO_TIER:  # left the ranking: shown with the tier they had
        after = TierSnapshot.objects.filter(customer=OuterRef("customer"), month=month)
        return snapshots(user, filters, compare).filter(~Exists(after), tier=was)
    before = TierSnapshot.objects.filter(customer=OuterRef("customer"), month=compare)
    qs = snapshots(user, filters, month).filter(tier=now)
    if was == NO_TIER:
        return qs.filter(~Exists(before))
    return qs.filter(Exists(before.filter(tier=was)))


def _customer_drill(user: roles.Actor, filters: DashboardFilters, kind: str) -> QuerySet[Customer]:
    month = filters.month
    qs = scoped_customers(user, filters)
    if kind == "gold":
        gold = active_gold_by_month(user, filters, [month])[month]
        qs = qs.filter(pk__in=list(gold))
    elif kind == "overdue":
        qs = overdue_customers(user, filters)
    elif kind in ("at_risk", "at_risk_gold"):
        qs = qs.filter(at_risk_filter())
        if kind == "at_risk_gold":
            qs = qs.filter(is_gold_card=True)
    elif kind == "credits":
        day = as_of(month)
        balance = (
            LedgerEntry.objects.filter(customer=OuterRef("pk"), occurred_on__lte=day)
            .order_by()
            .values("customer")
            .annotate(s=Sum("amount"))
            .values("s")[:1]
        )
        qs = qs.annotate(balance=Subquery(balance, output_field=MONEY)).filter(balance__gt=0)
    elif kind in ("referred", "referred_month"):
        referrals = gold_referrals(user, filters).filter(referred_on__lte=month_end(month))
        if kind == "referred_month":
            referrals = referrals.filter(referred_on__gte=month)
        # the referred customer, not the referrer: the manager filter chose the referrer
        base = Customer.objects.filter(referrals_received__in=referrals.values("pk"))
        return (
            base.select_related("manager", "sales_region")
            .annotate(
                referred_on=F("referrals_received__referred_on"),
                referrer_name=F("referrals_received__referrer__name"),
            )
            .order_by("-referred_on", "id")
        )
    return qs.select_related("manager", "sales_region").order_by("name_pinyin", "id")
