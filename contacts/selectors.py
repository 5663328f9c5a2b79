"""Reads of the manager's loop, scoped to the user like every other selector."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Window
from django.utils import timezone

from customers.models import Customer, Phone
from customers.selectors import at_risk_filter, visible_customers, with_last_contact
from dealercrm import roles
from dealercrm.months import month_bounds, month_start
from dealercrm.security import not_found

from .models import ContactLog, MonthlyReport, Notification, Reminder, Submission

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# --- contact logs -------------------------------------------------------------------


@dataclass
class LogFilters:
    channel: str = ""
    intent: str = ""


def contact_logs_for(
    *, user: roles.Actor, customer: Customer, filters: LogFilters | None = None
) -> QuerySet[ContactLog]:
    """A customer's contact log, newest first; the caller got `customer` from a selector."""
    if not roles.can_view_contact_logs(user):
        return ContactLog.objects.none()
    qs = ContactLog.objects.filter(customer=customer).select_related("staff", "submission")
    filters = filters or LogFilters()
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.intent:
        qs = qs.filter(intents__contains=f",{filters.intent},")
    return qs.order_by("-occurred_at", "-id")


@dataclass
class LogsSection:
    """The dossier's contact-log section: the newest logs and how many there are."""

    logs: Sequence[ContactLog]
    count: int


def dossier_logs(*, user: roles.Actor, customer: Customer, limit: int) -> LogsSection | None:
    """The customer's newest `limit` logs and the count of all of them, in one query (the
    count a window over every log, computed before the LIMIT); None when not allowed."""
    if not roles.can_view_contact_logs(user):
        return None
    logs = list(
        contact_logs_for(user=user, customer=customer).annotate(total=Window(Count("id")))[:limit]
    )
    return LogsSection(logs=logs, count=logs[0].total if logs else 0)


def contact_log_list(*, user: roles.Actor) -> QuerySet[ContactLog]:
    if not roles.can_view_contact_logs(user):
        return ContactLog.objects.none()
    return (
        ContactLog.objects.filter(customer__in=visible_customers(user=user))
        .select_related("customer", "staff")
        .order_by("-occurred_at", "-id")
    )


def contact_log_get(*, user: roles.Actor, pk: Any) -> ContactLog:
    try:
        return contact_log_list(user=user).get(pk=pk)
    except (ContactLog.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(ContactLog, pk, "contact log") from exc


# --- submissions -----------------------------------------------------------------------


def submission_list(*, user: roles.Actor, status: str = "") -> QuerySet[Submission]:
    if roles.can_view_all_submissions(user):
        qs = Submission.objects.all()
    elif roles.can_submit_report(user):
        qs = Submission.objects.filter(author=user)
    else:
        return Submission.objects.none()
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("author", "customer", "handled_by", "contact_log")


def inbox(*, user: roles.Actor) -> QuerySet[Submission]:
    """Pending submissions, oldest first (index submission_inbox_idx)."""
    if not roles.can_file_submissions(user):
        return Submission.objects.none()
    return (
        Submission.objects.filter(status=Submission.Status.PENDING)
        .select_related("author", "customer")
        .order_by("submitted_at", "id")
    )


def inbox_count(*, user: roles.Actor) -> int:
    if not roles.can_file_submissions(user):
        return 0
    return Submission.objects.filter(status=Submission.Status.PENDING).count()


def submission_get(*, user: roles.Actor, pk: Any) -> Submission:
    try:
        submission = (
            Submission.objects.select_related("author", "customer", "handled_by", "corrects")
            .select_related("contact_log")
            .get(pk=pk)
        )
    except (Submission.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(Submission, pk, "submission") from exc
    if not roles.can_view_submission(user, submission):
        raise not_found(Submission, pk, "submission")
    return submission


# --- the manager's home page -----------------------------------------------------------


class GoldContacted(TypedDict):
    contacted_this_month: bool


@dataclass
class ManagerHome:
    gold: list[
        WithAnnotations[Customer, GoldContacted]
    ]  # the first `limit`, not yet contacted first
    gold_contacted: int
    gold_total: int
    pending: list[Submission]
    at_risk: list[Customer]
    at_risk_total: int
    reminders: list[Reminder]


# The numbers a manager can tap to call from his lists (one query per list, not per row).
ACTIVE_PHONES = Prefetch("phones", queryset=Phone.objects.filter(is_active=True))
REMINDER_PHONES = Prefetch("customer__phones", queryset=Phone.objects.filter(is_active=True))


def manager_home(
    *, user: roles.SignedIn, today: dt.date | None = None, limit: int = 20
) -> ManagerHome:
    today = today or timezone.localdate()
    start, end = month_bounds(today)
    mine = (
        with_last_contact(Customer.objects.filter(manager=user))
        .select_related("sales_region")
        .prefetch_related(ACTIVE_PHONES)
    )
    this_month = ContactLog.objects.filter(
        customer=OuterRef("pk"), occurred_at__gte=start, occurred_at__lt=end
    )
    # Bounded like the other lists: the cap keeps a manager's gold customers few, but data
    # that breaks it (a legacy import, a raised cap, the load-test set) must not make the
    # home page render thousands of rows (bench: 2,518 gold customers, 700 ms).
    gold_qs = mine.filter(is_gold_card=True)
    gold = list(
        gold_qs.annotate(contacted_this_month=Exists(this_month)).order_by(
            "contacted_this_month", "name_pinyin"
        )[:limit]
    )
    at_risk_qs = mine.filter(at_risk_filter(today)).order_by("last_contacted_at", "name_pinyin")
    return ManagerHome(
        gold=gold,
        gold_contacted=gold_qs.filter(Exists(this_month)).count(),
        gold_total=gold_qs.count(),
        pending=list(
            Submission.objects.filter(author=user, status=Submission.Status.PENDING)
            .select_related("customer")
            .order_by("-submitted_at")[:limit]
        ),
        at_risk=list(at_risk_qs[:limit]),
        at_risk_total=at_risk_qs.count(),
        reminders=list(
            # At-risk customers have their own list below it on the page: not twice.
            Reminder.objects.filter(manager=user, status=Reminder.Status.OPEN)
            .exclude(kind=Reminder.Kind.AT_RISK)
            .select_related("customer")
            .prefetch_related(REMINDER_PHONES)
            .order_by("due_on", "id")[:limit]
        ),
    )


# --- monthly reports ---------------------------------------------------------------------


def monthly_report_list(
    *, user: roles.Actor, month: dt.date | None = None
) -> QuerySet[MonthlyReport]:
    if roles.can_view_all_monthly_reports(user):
        qs = MonthlyReport.objects.all()
    elif roles.can_submit_report(user):
        qs = MonthlyReport.objects.filter(manager=user)
    else:
        return MonthlyReport.objects.none()
    if month:
        qs = qs.filter(month=month_start(month))
    return (
        qs.select_related("manager")
        .annotate(
            entry_count=Count("entries"),
            contacted_count=Count("entries", filter=Q(entries__contacted=True)),
        )
        .order_by("-month", "manager__username")
    )


def monthly_report_get(*, user: roles.Actor, pk: Any) -> MonthlyReport:
    try:
        report = MonthlyReport.objects.select_related("manager").get(pk=pk)
    except (MonthlyReport.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(MonthlyReport, pk, "report") from exc
    if not roles.can_view_monthly_report(user, report):
        raise not_found(MonthlyReport, pk, "report")
    return report


def monthly_report_entries(*, report: MonthlyReport) -> list[Any]:
    return list(report.entries.select_related("customer").order_by("customer__name_pinyin"))


# --- notifications ----------------------------------------------------------------------


def notifications_for(*, user: roles.SignedIn) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user: roles.SignedIn) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# --- reminders and compliance --------------------------------------------------------------


def reminder_list(
    *, user: roles.Actor, month: dt.date | None = None, status: str = "", kind: str = ""
) -> QuerySet[Reminder]:
    if roles.can_view_all_reminders(user):
        qs = Reminder.objects.all()
    elif roles.can_view_reminders(user):
        qs = Reminder.objects.filter(manager=user)
    else:
        return Reminder.objects.none()
    if month:
        qs = qs.filter(period=month_start(month))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return (
        qs.select_related("customer", "manager")
        .prefetch_related(REMINDER_PHONES)
        .order_by("status", "due_on", "id")
    )


@dataclass
class ComplianceRow:
    manager: Any
    due: int
    contacted: int
    missed: int
    open: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.contacted / self.due, 1) if self.due else None


def compliance(*, user: roles.Actor, month: dt.date) -> list[ComplianceRow]:
    """Per manager: the month's gold-contact reminders, done, missed and still open."""
    rows = (
        reminder_list(user=user, month=month, kind=Reminder.Kind.GOLD_CONTACT)
        .order_by()
        .values("manager")
        .annotate(
            due=Count("id"),
            contacted=Count("id", filter=Q(status=Reminder.Status.SATISFIED)),
            missed=Count("id", filter=Q(status=Reminder.Status.MISSED)),
            still_open=Count("id", filter=Q(status=Reminder.Status.OPEN)),
        )
    )
    users = get_user_model().objects.in_bulk([r["manager"] for r in rows])
    result = [
        ComplianceRow(
            manager=users.get(r["manager"]),
            due=r["due"],
            contacted=r["contacted"],
            missed=r["missed"],
            open=r["still_open"],
        )
        for r in rows
    ]
    return sorted(result, key=lambda r: (r.rate if r.rate is not None else 101, str(r.manager)))
