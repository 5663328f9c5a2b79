"""The sales manager's loop (seed 000): reports → the archivist's inbox → the contact log.

Managers never write the dossier: they submit reports (Submission), which stay exactly as
submitted; the archivist files each into a ContactLog (or rejects it with a reason).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from customers.models import Customer, validate_phone
from dealercrm.models import TimeStampedModel
from dealercrm.validators import (
    validate_event_datetime,
    validate_event_month,
    validate_follow_up_date,
    validate_visible_name,
)


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit to the customer's site")
    CAME_IN = "came_in", _("Customer came to the dealer")
    MESSAGE = "message", _("Text message")
    EVENT = "event", _("Event / exhibition")


class Intent(models.TextChoices):
    NEW_MACHINE = "new_machine", _("New machine")
    RENTAL = "rental", _("Rental")
    USED_MACHINE = "used_machine", _("Used machine")
    SUBCONTRACTING = "subcontracting", _("Project subcontracting")
    PARTS = "parts", _("Parts")
    REPAIR = "repair", _("Repair")
    TRAINING = "training", _("Training")
    INFORMATION = "information", _("Information given")


class IntentsField(models.CharField):
    """Several intents in one column as ",a,b," so `intents__contains=",parts,"` is a
    plain LIKE that works the same on SQLite and PostgreSQL (no JSON/array lookups)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)


def pack_intents(values: list[str] | tuple[str, ...] | None) -> str:
    valid = [v for v in Intent.values if v in set(values or ())]  # canonical order
    return f",{','.join(valid)}," if valid else ""


def unpack_intents(packed: str) -> list[str]:
    return [v for v in (packed or "").split(",") if v]


class ReportFields(models.Model):
    """What a call or visit report says; shared by Submission and ContactLog."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    occurred_at = models.DateTimeField(_("when"), validators=[validate_event_datetime])
    place = models.CharField(_("where"), max_length=200, blank=True)
    project_status = models.TextField(_("customer's current project / job"), blank=True)
    equipment_status = models.TextField(_("equipment status"), blank=True)
    intents = IntentsField(_("intents"))
    summary = models.TextField(_("summary"))
    next_step = models.TextField(_("next step"), blank=True)
    follow_up_on = models.DateField(
        _("follow up on"), null=True, blank=True, validators=[validate_follow_up_date]
    )

    class Meta:
        abstract = True

    @property
    def intent_list(self) -> list[str]:
        return unpack_intents(self.intents)

    @property
    def intent_labels(self) -> list[str]:
        labels = dict(Intent.choices)
        return [str(labels[v]) for v in self.intent_list if v in labels]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        # occurred_at's bounds (the founding to now) are its field validator's.
        if not (self.summary or "").strip():
            errors["summary"] = _("Write what was discussed.")
        if (
            self.follow_up_on
            and self.occurred_at
            and self.follow_up_on < timezone.localtime(self.occurred_at).date()
        ):
            errors["follow_up_on"] = _("The follow-up date cannot be before the contact.")
        if errors:
            raise ValidationError(errors)


class Submission(ReportFields, TimeStampedModel):
    """A manager's report as submitted: never edited afterwards (a correction is a new one)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        FILED = "filed", _("Filed")
        REJECTED = "rejected", _("Rejected")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
    )
    # A customer not in the archive yet, described by the manager.
    new_customer_name = models.CharField(
        _("new customer's name"), max_length=100, blank=True, validators=[validate_visible_name]
    )
    # Checked as the customers API checks a phone, so filing never meets a number it refuses.
    new_customer_phone = models.CharField(
        _("new customer's phone"), max_length=60, blank=True, validators=[validate_phone]
    )
    new_customer_place = models.CharField(_("new customer's place"), max_length=200, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )

    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_submissions",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    # Made on the phone when the report is typed: a report kept offline and sent again when
    # the connection returns (or a double tap) carries the same key and creates nothing new.
    idempotency_key = models.UUIDField(_("idempotency key"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(new_customer_name=""),
                name="contacts_submission_has_customer",
                violation_error_message=_(
                    "Pick one of your customers or describe the new customer."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="contacts_submission_rejection_has_reason",
            ),
            # submission_create_once(): one submission per key and submitter; also the lookup.
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="contacts_submission_idempotency_key_unique",
            ),
        ]
        indexes = [
            # inbox(): pending submissions, oldest first.
            models.Index(fields=["status", "submitted_at", "id"], name="submission_inbox_idx"),
            # submission_list() for a manager: his own, newest first.
            models.Index(fields=["author", "-submitted_at"], name="submission_author_idx"),
        ]

    def __str__(self) -> str:
        who = (
            self.customer.name
            if self.customer_id and self.customer is not None
            else self.new_customer_name
        )
        return f"{who} · {timezone.localtime(self.occurred_at):%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("contacts:submission_detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if not self.customer_id and not (self.new_customer_name or "").strip():
            errors["customer"] = _("Pick one of your customers or describe the new customer.")
        if errors:
            raise ValidationError(errors)


class ContactLog(ReportFields, TimeStampedModel):
    """One call, visit or meeting on the dossier (seed 000 item 2)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contact_logs"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dealer staff"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_logs",
        help_text=_("Who from the dealer made the contact."),
    )
    # One log per submission at most: filing twice cannot create a second log.
    submission = models.OneToOneField(
        Submission,
        verbose_name=_("from submission"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_log",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("contact log")
        verbose_name_plural = _("contact logs")
        indexes = [
            # dossier contact section and "last contacted" annotations.
            models.Index(fields=["customer", "-occurred_at"], name="contactlog_customer_idx"),
            # monthly report pre-fill and reminders: a manager's logs in a month.
            models.Index(fields=["staff", "occurred_at"], name="contactlog_staff_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {timezone.localtime(self.occurred_at):%Y-%m-%d}"


class MonthlyReport(TimeStampedModel):
    """A manager's monthly gold-card contact report (seed 000)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales manager"),
        on_delete=models.PROTECT,
        related_name="monthly_reports",
    )
    month = models.DateField(
        _("month"),
        help_text=_("The first day of the month."),
        validators=[validate_event_month],
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    summary = models.TextField(_("overall summary"), blank=True)

    class Meta:
        ordering = ["-month", "manager_id"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.UniqueConstraint(
                fields=["manager", "month"], name="contacts_monthlyreport_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="contacts_monthlyreport_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manager} · {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("contacts:monthly_detail", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class MonthlyReportEntry(TimeStampedModel):
    """One gold customer in a monthly report."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="entries"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    contacted = models.BooleanField(_("contacted this month"), default=False)
    discussed = models.TextField(_("what was discussed"), blank=True)
    changes = models.TextField(_("what changed at the customer"), blank=True)
    next_month_plan = models.TextField(_("next month's plan"), blank=True)
    problems = models.TextField(_("problems needing the company's help"), blank=True)

    class Meta:
        ordering = ["report_id", "id"]
        verbose_name = _("monthly report entry")
        verbose_name_plural = _("monthly report entries")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "customer"], name="contacts_monthlyreportentry_one_per_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.customer_id}"


class Notification(models.Model):
    """An in-app notice (with an e-mail copy) for one user."""

    class Kind(models.TextChoices):
        SUBMISSION_NEW = "submission_new", _("New submission")
        SUBMISSION_FILED = "submission_filed", _("Submission filed")
        SUBMISSION_REJECTED = "submission_rejected", _("Submission rejected")
        REMINDER = "reminder", _("Reminder")
        ALERT = "alert", _("Alert")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # unread count in the nav bar on every page.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_list_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Reminder(TimeStampedModel):
    """Something a manager must do, opened by a scheduled job (dynamic management).

    The unique (kind, customer, period) key makes every job safe to run twice: a second
    run finds the row and creates nothing.
    """

    class Kind(models.TextChoices):
        GOLD_CONTACT = "gold_contact", _("Monthly gold-card contact")
        AT_RISK = "at_risk", _("Customer at risk")
        BIRTHDAY = "birthday", _("Birthday coming")
        UNASSIGNED = "unassigned", _("Gold customer without a manager")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("reminder status: not yet done", "Open")
        SATISFIED = "satisfied", _("Done")
        MISSED = "missed", _("Missed")
        CLOSED = "closed", _("Closed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="reminders"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reminders",
    )
    # gold_contact: the month's first day; birthday: 1 January of the year; at_risk: the day
    # of the last contact before the customer went quiet (so a new quiet spell is a new row).
    period = models.DateField(_("period"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN)
    satisfied_at = models.DateTimeField(_("done at"), null=True, blank=True)
    satisfied_by = models.ForeignKey(
        ContactLog,
        verbose_name=_("done by contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Claimed with a conditional update by the one run that tells the manager.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "customer", "period"], name="contacts_reminder_once_per_period"
            ),
        ]
        indexes = [
            # reminder_list() for a manager's home page and the weekly nudge.
            models.Index(fields=["manager", "status", "kind"], name="reminder_manager_idx"),
            # a manager's open reminders by due date, the home page's first 20 straight off
            # the index (it joined all his 5,000 open ones to their customers, then sorted).
            models.Index(
                fields=["manager", "due_on", "id"],
                condition=Q(status="open"),
                name="reminder_open_due_idx",
            ),
            # compliance per manager and month; the month-end close.
            models.Index(fields=["kind", "period", "status"], name="reminder_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id} · {self.period}"


class Nudge(models.Model):
    """One reminder e-mail to one manager for one week of one month: sent at most once."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"))
    week = models.PositiveSmallIntegerField(_("week of the month"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")
        constraints = [
            models.UniqueConstraint(
                fields=["manager", "month", "week"], name="contacts_nudge_once_per_week"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manager_id} · {self.month:%Y-%m} · {self.week}"


class Escalation(models.Model):
    """The month's summary of missed gold-card contacts, sent to executives once."""

    month = models.DateField(_("month"), unique=True)
    missed = models.PositiveIntegerField(_("missed contacts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.missed}"
