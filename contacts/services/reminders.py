"""Dynamic management on a clock (seed 000): the monthly gold-card contact, weekly nudges,
the month-end escalation, and the daily at-risk and birthday reminders.

Every job is safe to run twice or twice at once: rows are keyed by unique constraints and
inserted with ignore_conflicts, and each side effect (a notification, an e-mail) is tied
to a row that exactly one run claims with a conditional update.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.selectors import at_risk_filter, with_last_contact
from customers.services import customers_lock_live
from dealercrm import roles
from dealercrm.months import month_bounds, month_end, month_start

from ..models import ContactLog, Escalation, Notification, Nudge, Reminder
from .notifications import archivists, notification_send


def _gold_customers() -> Any:
    return Customer.objects.filter(is_gold_card=True).exclude(status=Customer.Status.LOST)


def _claim_unnotified(qs: Any) -> list[Reminder]:
    """Reminders of `qs` not yet told to anyone, claimed by this run (and only this run)."""
    now = timezone.now()
    claimed = []
    for reminder in qs.filter(notified_at__isnull=True).select_related("customer", "manager"):
        if Reminder.objects.filter(pk=reminder.pk, notified_at__isnull=True).update(
            notified_at=now
        ):
            claimed.append(reminder)
    return claimed


def _digest(reminders: list[Reminder], title: str, kind: str = Notification.Kind.REMINDER) -> int:
    """One notification per manager listing his reminders (not one per customer)."""
    by_manager: dict[Any, list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        if reminder.manager_id:
            by_manager[reminder.manager].append(reminder)
    for manager, items in by_manager.items():
        notification_send(
            recipients=[manager],
            kind=kind,
            title=title % {"n": len(items)},
            body="\n".join(
                f"{r.customer.name}" + (f" ({r.due_on:%m-%d})" if r.due_on else "") for r in items
            ),
            url=reverse("home"),
        )
    return len(by_manager)


@dataclass
class OpenResult:
    reminders: int
    unassigned: int
    satisfied: int


@transaction.atomic
def reminders_open_month(*, actor: roles.Actor, month: dt.date) -> OpenResult:
    """One reminder per active gold customer for his manager; gold customers without a
    manager raise an 'unassigned' alert to the archivist instead."""
    roles.require(roles.can_run_scheduled_jobs, actor)
    month = month_start(month)
    due = month_end(month)
    gold = list(_gold_customers().values_list("pk", "manager_id"))
    # Locked as a merge locks them: no reminder lands on a customer merged away meanwhile.
    live = set(customers_lock_live(pk for pk, _manager in gold))
    gold = [(pk, manager_id) for pk, manager_id in gold if pk in live]
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=Reminder.Kind.GOLD_CONTACT if manager_id else Reminder.Kind.UNASSIGNED,
                customer_id=pk,
                manager_id=manager_id,
                period=month,
                due_on=due,
            )
            for pk, manager_id in gold
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    satisfied = reminders_satisfy_month(month=month)
    unassigned = _claim_unnotified(
        Reminder.objects.filter(kind=Reminder.Kind.UNASSIGNED, period=month)
    )
    if unassigned:
        notification_send(
            recipients=archivists(),
            kind=Notification.Kind.ALERT,
            title=_("%(n)s gold customers have no sales manager") % {"n": len(unassigned)},
            body="\n".join(r.customer.name for r in unassigned),
            url=reverse("customers:list") + "?flag=gold",
        )
    return OpenResult(
        reminders=Reminder.objects.filter(kind=Reminder.Kind.GOLD_CONTACT, period=month).count(),
        unassigned=len(unassigned),
        satisfied=satisfied,
    )


def reminders_satisfy_month(*, month: dt.date) -> int:
    """Mark done every open gold-contact reminder whose customer has a log in the month."""
    start, end = month_bounds(month)
    logs = ContactLog.objects.filter(
        customer=OuterRef("customer"), occurred_at__gte=start, occurred_at__lt=end
    )
    return (
        Reminder.objects.filter(
            kind=Reminder.Kind.GOLD_CONTACT, period=month_start(month), status=Reminder.Status.OPEN
        )
        .filter(Exists(logs))
        .update(status=Reminder.Status.SATISFIED, satisfied_at=timezone.now())
    )


def reminders_after_contact(*, log: ContactLog) -> int:
    """A filed contact log satisfies the month's gold reminder and any at-risk reminder.

    Called inside the filing transaction, so a rolled-back filing satisfies nothing.
    """
    month = month_start(timezone.localtime(log.occurred_at).date())
    now = timezone.now()
    done = Reminder.objects.filter(
        customer_id=log.customer_id,
        kind=Reminder.Kind.GOLD_CONTACT,
        period=month,
        status=Reminder.Status.OPEN,
    ).update(status=Reminder.Status.SATISFIED, satisfied_at=now, satisfied_by=log)
    done += Reminder.objects.filter(
        customer_id=log.customer_id,
        kind=Reminder.Kind.AT_RISK,
        status=Reminder.Status.OPEN,
        period__lte=timezone.localtime(log.occurred_at).date(),
    ).update(status=Reminder.Status.SATISFIED, satisfied_at=now, satisfied_by=log)
    return done


def _week_of_month(day: dt.date) -> int:
    return (day.day - 1) // 7 + 1


@transaction.atomic
def reminders_nudge(*, actor: roles.Actor, today: dt.date) -> int:
    """Weekly: each manager with open gold-contact reminders this month gets one nudge
    (a notification and its e-mail); in the month's last week the nudge says so."""
    roles.require(roles.can_run_scheduled_jobs, actor)
    month = month_start(today)
    reminders_satisfy_month(month=month)
    open_counts = dict(
        Reminder.objects.filter(
            kind=Reminder.Kind.GOLD_CONTACT, period=month, status=Reminder.Status.OPEN
        )
        .values_list("manager")
        .annotate(n=Count("id"))
        .values_list("manager", "n")
    )
    last_week = today + dt.timedelta(days=7) > month_end(month)
    week = _week_of_month(today)
    sent = 0
    managers = get_user_model().objects.filter(pk__in=list(open_counts))
    for manager in managers:
        try:
            with transaction.atomic():
                Nudge.objects.create(manager=manager, month=month, week=week)
        except IntegrityError:
            continue  # this week's nudge went out already
        n = open_counts[manager.pk]
        title = (
            _("Last week of the month: %(n)s gold customers still to contact")
            if last_week
            else _("%(n)s gold customers still to contact this month")
        )
        notification_send(
            recipients=[manager],
            kind=Notification.Kind.REMINDER,
            title=title % {"n": n},
            url=reverse("home"),
        )
        sent += 1
    return sent


@dataclass
class CloseResult:
    missed: int
    escalated: bool


@transaction.atomic
def reminders_close_month(*, actor: roles.Actor, month: dt.date) -> CloseResult:
    """At month end unmet gold-contact reminders become missed, and executives get one
    summary for the month (seed 000: leaders check the managers' work)."""
    roles.require(roles.can_run_scheduled_jobs, actor)
    month = month_start(month)
    if month_end(month) >= timezone.localdate():
        raise ValueError(f"{month:%Y-%m} has not ended yet")
    reminders_satisfy_month(month=month)
    Reminder.objects.filter(
        kind=Reminder.Kind.GOLD_CONTACT, period=month, status=Reminder.Status.OPEN
    ).update(status=Reminder.Status.MISSED)
    missed = list(
        Reminder.objects.filter(
            kind=Reminder.Kind.GOLD_CONTACT, period=month, status=Reminder.Status.MISSED
        )
        .values_list("manager__username", "manager__last_name", "manager__first_name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    total = sum(row[3] for row in missed)
    try:
        with transaction.atomic():
            Escalation.objects.create(month=month, missed=total)
    except IntegrityError:
        return CloseResult(missed=total, escalated=False)
    executives = roles.users_with_role(roles.EXECUTIVE)
    notification_send(
        recipients=executives,
        kind=Notification.Kind.ALERT,
        title=_("%(month)s: %(n)s gold-card contacts missed")
        % {"month": f"{month:%Y-%m}", "n": total},
        body="\n".join(f"{last}{first or ''} ({user}): {n}" for user, last, first, n in missed),
        url=reverse("contacts:compliance") + f"?month={month:%Y-%m}",
    )
    return CloseResult(missed=total, escalated=True)


def _upcoming_birthdays(today: dt.date, days: int) -> tuple[Q, dict[tuple[int, int], dt.date]]:
    """Month/day pairs of the next `days` days; 29 February counts on the 28th otherwise."""
    dates: dict[tuple[int, int], dt.date] = {}
    for offset in range(days + 1):
        day = today + dt.timedelta(days=offset)
        dates[(day.month, day.day)] = day
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            dates[(2, 29)] = day
    query = Q()
    for month, day_of_month in dates:
        query |= Q(birth_date__month=month, birth_date__day=day_of_month)
    return query, dates


@dataclass
class DailyResult:
    at_risk: int
    birthdays: int


@transaction.atomic
def reminders_daily(*, actor: roles.Actor, today: dt.date, birthday_days: int = 7) -> DailyResult:
    """Customers crossing the at-risk threshold tell their manager once per quiet spell;
    birthdays in the next week remind him once a year (seed 003: the most important part)."""
    roles.require(roles.can_run_scheduled_jobs, actor)
    quiet = with_last_contact(
        Customer.objects.filter(manager__isnull=False).filter(at_risk_filter(today))
    ).values_list("pk", "manager_id", "last_contacted_at", "created_at")
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=Reminder.Kind.AT_RISK,
                customer_id=pk,
                manager_id=manager_id,
                period=timezone.localtime(last or created).date(),
                due_on=today,
            )
            for pk, manager_id, last, created in quiet.iterator(chunk_size=2000)
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    risky = _claim_unnotified(
        Reminder.objects.filter(kind=Reminder.Kind.AT_RISK, status=Reminder.Status.OPEN)
    )
    _digest(risky, _("%(n)s of your customers have not been contacted for a long time"))

    query, dates = _upcoming_birthdays(today, birthday_days)
    born = Customer.objects.filter(manager__isnull=False, birth_date__isnull=False).filter(query)
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=Reminder.Kind.BIRTHDAY,
                customer_id=c.pk,
                manager_id=c.manager_id,
                period=dates[(birth.month, birth.day)].replace(month=1, day=1),
                due_on=dates[(birth.month, birth.day)],
            )
            for c in born.only("pk", "manager_id", "birth_date")
            if (birth := c.birth_date) is not None  # always: filtered on birth_date__isnull
        ],
        ignore_conflicts=True,
    )
    birthdays = _claim_unnotified(
        Reminder.objects.filter(
            kind=Reminder.Kind.BIRTHDAY, period__year__in={d.year for d in dates.values()}
        )
    )
    _digest(birthdays, _("%(n)s of your customers have a birthday this week"))
    # Birthdays are done once the day has passed.
    Reminder.objects.filter(
        kind=Reminder.Kind.BIRTHDAY, status=Reminder.Status.OPEN, due_on__lt=today
    ).update(status=Reminder.Status.CLOSED)
    return DailyResult(at_risk=len(risky), birthdays=len(birthdays))
