"""After the demo's activity: the scheduled jobs as the system actor, run by hand exactly as
`open_contact_reminders`, `close_contact_month`, `daily_reminders` and `compute_tiers` run
them, so compliance, missed contacts, at-risk reminders and tiers have figures. Every job is
idempotent (unique keys; a month's tiers are replaced), so a second run changes no count."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from contacts import services as contacts
from customers.models import Customer
from dealercrm.jobs import system_actor
from demo.activity_plan import shift_month
from demo.spec import REF_PREFIX
from loyalty.services.tiers import tiers_compute, window_of
from parts.models import PartsOrder
from service.models import ServiceRecord

CLOSED_MONTHS = 6  # reminders opened and closed for the months the compliance trend shows
TIER_MONTHS = 3  # complete months with tiers, besides the current one


@dataclass
class JobStats:
    missed: int = 0
    tiers: dict[str, int] = field(default_factory=dict)
    months: list[dt.date] = field(default_factory=list)


def run_jobs(today: dt.date | None = None) -> JobStats:
    today = today or timezone.localdate()
    system = system_actor()
    this_month = today.replace(day=1)
    stats = JobStats()
    for back in range(CLOSED_MONTHS, 0, -1):
        month = shift_month(this_month, -back)
        contacts.reminders_open_month(actor=system, month=month)
        stats.missed += contacts.reminders_close_month(actor=system, month=month).missed
    contacts.reminders_open_month(actor=system, month=this_month)
    contacts.reminders_daily(actor=system, today=today)
    for back in range(TIER_MONTHS, -1, -1):
        month = shift_month(this_month, -back)
        stats.tiers = tiers_compute(actor=system, month=month).counts
        stats.months.append(month)
    return stats


def top_fifth_share(today: dt.date | None = None) -> Decimal:
    """Percent of the last 12 months' parts and service money brought by the best 20% of
    the demo customers (seed 003: about 80%)."""
    start, end = window_of((today or timezone.localdate()).replace(day=1))
    money: dict[int, Decimal] = defaultdict(Decimal)
    demo = {"customer__external_ref__startswith": REF_PREFIX}
    for pk, total in (
        PartsOrder.objects.filter(ordered_on__gte=start, ordered_on__lte=end, **demo)
        .values_list("customer")
        .annotate(s=Sum("total"))
    ):
        money[pk] += total or 0
    for pk, total in (
        ServiceRecord.objects.filter(
            status=ServiceRecord.Status.CLOSED, closed_on__gte=start, closed_on__lte=end, **demo
        )
        .values_list("customer")
        .annotate(s=Sum("total_charge"))
    ):
        money[pk] += total or 0
    customers = Customer.objects.filter(external_ref__startswith=REF_PREFIX).count()
    amounts = sorted(money.values(), reverse=True)
    total = sum(amounts, Decimal(0))
    if not total:
        return Decimal(0)
    top = sum(amounts[: max(customers // 5, 1)], Decimal(0))
    return (100 * top / total).quantize(Decimal("1"))
