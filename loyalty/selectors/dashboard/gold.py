"""The gold-card dashboard: gold customers over time, contact compliance per manager,
at-risk and overdue customers, credits, referrals and what the referred customers bought."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from contacts.models import ContactLog, Reminder
from customers.models import Customer, Machine
from customers.selectors import at_risk_filter, visible_customers
from dealercrm import roles
from dealercrm.money import ZERO
from dealercrm.months import month_end, months_ending, shift_month
from parts.models import PartsOrder
from service.models import ServiceRecord

from ...models import GoldCard, GoldCardEvent, LedgerEntry, Referral
from .filters import (
    MONEY,
    DashboardFilters,
    _all,
    as_of,
    customer_scope,
    scoped_customers,
)

TREND_MONTHS = 12
MISSED_MONTHS = 6
# Seed 000: a manager contacts each gold customer at least once a month; one without a
# contact in this many days (up to the month's end, or today) is overdue.
GOLD_CONTACT_DAYS = 31


def gold_reminders(user: roles.Actor, filters: DashboardFilters) -> QuerySet[Reminder]:
    """Monthly gold-contact reminders of the visible customers, by the manager they were
    opened for (a manager: his own, as on his reminder list)."""
    if not roles.can_view_dashboards(user):
        return Reminder.objects.none()
    qs = Reminder.objects.filter(
        customer_scope(user, filters, "customer", by_manager=False),
        kind=Reminder.Kind.GOLD_CONTACT,
    )
    if not _all(user):
        qs = qs.filter(manager=user)
    elif filters.manager:
        qs = qs.filter(manager_id=filters.manager)
    return qs


def gold_referrals(user: roles.Actor, filters: DashboardFilters) -> QuerySet[Referral]:
    """Referrals made by gold customers (who held a card by the month's end): the referrer
    in the filters, and both sides visible to the user (no count leaks another manager's
    customer)."""
    if not roles.can_view_dashboards(user):
        return Referral.objects.none()
    held = GoldCard.objects.filter(
        customer=OuterRef("referrer"), issued_on__lte=month_end(filters.month)
    )
    qs = Referral.objects.filter(customer_scope(user, filters, "referrer")).filter(Exists(held))
    if not _all(user):
        qs = qs.filter(referred__in=visible_customers(user=user).values("pk"))
    return qs


# --- gold customers over time ----------------------------------------------------------------


def _active_at(
    cards: Iterable[Mapping[str, Any]], events: dict[int, list[tuple[dt.date, str]]], day: dt.date
) -> dict[int, int | None]:
    """{customer id: manager id} of the cards active at the end of `day`."""
    active: dict[int, int | None] = {}
    for card in cards:
        if card["issued_on"] > day or (card["revoked_on"] and card["revoked_on"] <= day):
            continue
        suspended = False
        for on, kind in events.get(card["id"], ()):
            if on > day:
                break
            suspended = kind == GoldCardEvent.Kind.SUSPENDED
        if not suspended:
            active[card["customer_id"]] = card["customer__manager_id"]
    return active


def active_gold_by_month(
    user: roles.Actor, filters: DashboardFilters, months: list[dt.date]
) -> dict[dt.date, dict[int, int | None]]:
    """For each month, the gold customers whose card was active at its end (today for the
    current month), with their manager. Two queries: the cards, their suspensions."""
    last = as_of(max(months))
    cards = list(
        GoldCard.objects.filter(customer_scope(user, filters, "customer"), issued_on__lte=last)
        .order_by()
        .values("id", "customer_id", "customer__manager_id", "issued_on", "revoked_on")
    )
    events: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for card_id, on, kind in (
        GoldCardEvent.objects.filter(
            card_id__in=[c["id"] for c in cards],
            kind__in=[GoldCardEvent.Kind.SUSPENDED, GoldCardEvent.Kind.REACTIVATED],
            on__lte=last,
        )
        .order_by("on", "id")
        .values_list("card_id", "on", "kind")
    ):
        events[card_id].append((on, kind))
    return {m: _active_at(cards, events, as_of(m)) for m in months}


# --- the gold-card dashboard ------------------------------------------------------------------


@dataclass
class ManagerRow:
    manager: Any
    held: int = 0
    cap: int = 0
    due: int = 0
    contacted: int = 0
    missed_month: int = 0
    missed_6m: int = 0
    credits: Decimal = ZERO

    @property
    def rate(self) -> float | None:
        """Contact compliance in percent (contacted / due), None when nothing was due."""
        return round(100 * self.contacted / self.due, 1) if self.due else None

    @property
    def over_cap(self) -> bool:
        return self.held > self.cap


@dataclass
class ComplianceMonth:
    month: dt.date
    due: int
    contacted: int
    missed: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.contacted / self.due, 1) if self.due else None


@dataclass
class ReferralMonth:
    month: dt.date
    new: int
    revenue: Decimal


@dataclass
class Referrer:
    customer_id: int
    name: str
    referred: int
    revenue: Decimal


@dataclass
class GoldDashboard:
    filters: DashboardFilters
    cap: int
    active_gold: int
    trend: list[tuple[dt.date, int]]
    managers: list[ManagerRow]
    compliance_trend: list[ComplianceMonth]
    overdue: int
    at_risk: int
    at_risk_gold: int
    credits_outstanding: Decimal
    credits_customers: int
    referrals_new: int
    referrals_total: int
    referral_revenue_month: Decimal
    referral_revenue_total: Decimal
    referral_trend: list[ReferralMonth]
    referrers: list[Referrer] = field(default_factory=list)

    @property
    def due(self) -> int:
        return sum(r.due for r in self.managers)

    @property
    def contacted(self) -> int:
        return sum(r.contacted for r in self.managers)

    @property
    def rate(self) -> float | None:
        return round(100 * self.contacted / self.due, 1) if self.due else None


def _referred_revenue(
    referrals: QuerySet[Referral], start: dt.date, end: dt.date, group: str
) -> dict[Any, Decimal]:
    """What referred customers bought from us in [start, end], on or after the day they
    were referred, summed per `group`: "month_referrer" (month, referrer) pairs or "referred"
    customers: the same money as
    loyalty.selectors.purchases.purchase_totals (machines from us, parts after discount,
    charged service of closed records). Three grouped queries."""
    totals: dict[Any, Decimal] = defaultdict(lambda: ZERO)
    link = "customer__referrals_received"
    sources = (
        (
            Machine.objects.filter(source=Machine.Source.FROM_US, purchase_price__isnull=False),
            "purchase_date",
            ExpressionWrapper(F("purchase_price") * F("quantity"), output_field=MONEY),
        ),
        (PartsOrder.objects.all(), "ordered_on", F("total")),
        (
            ServiceRecord.objects.filter(status=ServiceRecord.Status.CLOSED),
            "closed_on",
            F("total_charge"),
        ),
    )
    for qs, day, amount in sources:
        # One filter() call: the referral joined is the one the date is compared with.
        rows = qs.filter(
            Q(**{f"{link}__in": referrals.values("pk")}),
            Q(**{f"{day}__gte": F(f"{link}__referred_on")}),
            **{f"{day}__gte": start, f"{day}__lte": end},
        )
        by_group: dict[str, dict[str, Any]] = {
            "month_referrer": {"month": TruncMonth(day), "referrer": F(f"{link}__referrer")},
            "referred": {"referred": F("customer_id")},
        }
        keys = by_group[group]
        for *key, total in (
            rows.annotate(**keys)
            .order_by()
            .values(*keys)
            .annotate(s=Sum(amount, output_field=MONEY))
            .values_list(*keys, "s")
        ):
            key = [k.date() if isinstance(k, dt.datetime) else k for k in key]
            totals[tuple(key) if len(key) > 1 else key[0]] += total or ZERO
    return totals


def gold_dashboard(
    *, user: roles.Actor, filters: DashboardFilters, referrers: int = 10
) -> GoldDashboard:
    cap = int(settings.DEALERCRM["GOLD_CARD_CAP_PER_MANAGER"])
    month = filters.month
    months = months_ending(month, TREND_MONTHS)
    per_period = active_gold_by_month(user, filters, months)
    gold_now = per_period[month]

    # per manager: held (at the month's end), compliance, missed, credits
    rows: dict[int | None, ManagerRow] = {}

    def row(manager_id: int | None) -> ManagerRow:
        return rows.setdefault(manager_id, ManagerRow(manager=None, cap=cap))

    for manager_id in gold_now.values():
        row(manager_id).held += 1
    reminders = gold_reminders(user, filters)
    for r in (
        reminders.filter(period=month)
        .order_by()
        .values("manager")
        .annotate(
            due=Count("id"),
            contacted=Count("id", filter=Q(status=Reminder.Status.SATISFIED)),
            missed=Count("id", filter=Q(status=Reminder.Status.MISSED)),
        )
    ):
        target = row(r["manager"])
        target.due, target.contacted, target.missed_month = r["due"], r["contacted"], r["missed"]
    missed_from = shift_month(month, -(MISSED_MONTHS - 1))
    for manager_id, n in (
        reminders.filter(period__gte=missed_from, period__lte=month, status=Reminder.Status.MISSED)
        .order_by()
        .values("manager")
        .annotate(n=Count("id"))
        .values_list("manager", "n")
    ):
        row(manager_id).missed_6m = n
    ledger = LedgerEntry.objects.filter(
        customer_scope(user, filters, "customer"), occurred_on__lte=as_of(month)
    )
    for manager_id, total in (
        ledger.order_by()
        .values("customer__manager")
        .annotate(s=Sum("amount"))
        .values_list("customer__manager", "s")
    ):
        if total:
            row(manager_id).credits = total
    _attach_managers(user, filters, rows, cap)

    compliance_trend = {
        m: ComplianceMonth(month=m, due=0, contacted=0, missed=0)
        for m in months_ending(month, MISSED_MONTHS)
    }
    for period_counts in (
        reminders.filter(period__gte=missed_from, period__lte=month)
        .order_by()
        .values("period")
        .annotate(
            due=Count("id"),
            contacted=Count("id", filter=Q(status=Reminder.Status.SATISFIED)),
            missed=Count("id", filter=Q(status=Reminder.Status.MISSED)),
        )
    ):
        point = compliance_trend[period_counts["period"]]
        point.due, point.contacted = period_counts["due"], period_counts["contacted"]
        point.missed = period_counts["missed"]

    risk = (
        scoped_customers(user, filters)
        .filter(at_risk_filter())
        .aggregate(total=Count("id"), gold=Count("id", filter=Q(is_gold_card=True)))
    )
    credit_customers = (
        ledger.order_by().values("customer").annotate(b=Sum("amount")).filter(b__gt=0).count()
    )
    outstanding = ledger.aggregate(s=Sum("amount"))["s"] or ZERO

    referrals = gold_referrals(user, filters)
    first = months[0]
    end = month_end(month)
    new_by_month = dict(
        referrals.filter(referred_on__gte=first, referred_on__lte=end)
        .annotate(m=TruncMonth("referred_on"))
        .order_by()
        .values("m")
        .annotate(n=Count("id"))
        .values_list("m", "n")
    )
    new_by_month = {
        (k.date() if isinstance(k, dt.datetime) else k): v for k, v in new_by_month.items()
    }
    to_date = referrals.filter(referred_on__lte=end)
    # One pass per source for both the monthly trend and the referrers: bought up to the
    # month's end, on or after the referral (so referred by then), per month and referrer.
    revenue_by_month: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    revenue_by_referrer: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (bought, referrer), total in _referred_revenue(
        to_date, dt.date.min, end, "month_referrer"
    ).items():
        revenue_by_referrer[referrer] += total
        if bought >= first:
            revenue_by_month[bought] += total
    counts = dict(
        to_date.order_by().values("referrer").annotate(n=Count("id")).values_list("referrer", "n")
    )
    top = sorted(counts, key=lambda pk: (-revenue_by_referrer.get(pk, ZERO), -counts[pk], pk))
    top = top[:referrers]
    names = dict(Customer.objects.filter(pk__in=top).values_list("pk", "name"))

    return GoldDashboard(
        filters=filters,
        cap=cap,
        active_gold=len(gold_now),
        trend=[(m, len(per_period[m])) for m in months],
        managers=sorted(
            rows.values(), key=lambda r: (r.rate if r.rate is not None else 101, str(r.manager))
        ),
        compliance_trend=list(compliance_trend.values()),
        overdue=overdue_customers(user, filters, gold=gold_now).count(),
        at_risk=risk["total"],
        at_risk_gold=risk["gold"],
        credits_outstanding=outstanding,
        credits_customers=credit_customers,
        referrals_new=new_by_month.get(month, 0),
        referrals_total=sum(counts.values()),
        referral_revenue_month=revenue_by_month.get(month, ZERO),
        referral_revenue_total=sum(revenue_by_referrer.values(), ZERO),
        referral_trend=[
            ReferralMonth(
                month=m, new=new_by_month.get(m, 0), revenue=revenue_by_month.get(m, ZERO)
            )
            for m in months
        ],
        referrers=[
            Referrer(
                customer_id=pk,
                name=names.get(pk, ""),
                referred=counts[pk],
                revenue=revenue_by_referrer.get(pk, ZERO),
            )
            for pk in top
        ],
    )


def _attach_managers(
    user: roles.Actor, filters: DashboardFilters, rows: dict[int | None, ManagerRow], cap: int
) -> None:
    """Name each row's manager (one query). The whole group also lists every active sales
    manager without figures (holding no gold customer is a figure too), unless a region
    narrows the view to the managers who have figures in it."""
    users = get_user_model().objects.all()
    if not _all(user):
        wanted = Q(pk=user.pk)
    elif filters.manager:
        wanted = Q(pk=filters.manager)
    elif filters.region:
        wanted = Q(pk__in=[pk for pk in rows if pk])
    else:
        wanted = Q(pk__in=roles.users_with_role(roles.SALES_MANAGER).values("pk")) | Q(
            pk__in=[pk for pk in rows if pk]
        )
    for person in users.filter(wanted).distinct():
        rows.setdefault(person.pk, ManagerRow(manager=None, cap=cap)).manager = person


def overdue_customers(
    user: roles.Actor, filters: DashboardFilters, gold: dict[int, int | None] | None = None
) -> QuerySet[Customer]:
    """Gold customers (card active at the month's end) not lost, and not contacted in the
    GOLD_CONTACT_DAYS before the month's end (or today)."""
    if gold is None:
        gold = active_gold_by_month(user, filters, [filters.month])[filters.month]
    day = as_of(filters.month)
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    start = end - dt.timedelta(days=GOLD_CONTACT_DAYS)
    recent = ContactLog.objects.filter(
        customer=OuterRef("pk"), occurred_at__gte=start, occurred_at__lt=end
    )
    return (
        scoped_customers(user, filters)
        .filter(pk__in=list(gold))
        .exclude(status=Customer.Status.LOST)
        .filter(~Exists(recent))
    )


def referred_revenue(
    user: roles.Actor, filters: DashboardFilters, customer_ids: list[int]
) -> dict[int, Decimal]:
    """What each of these referred customers bought since his referral, to the month's end
    (the referral drill-down's amounts; their sum is the dashboard's total)."""
    referrals = gold_referrals(user, filters).filter(referred_id__in=customer_ids)
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    by_referral = _referred_revenue(referrals, dt.date.min, month_end(filters.month), "referred")
    totals.update(by_referral)
    return totals
