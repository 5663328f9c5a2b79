"""Writes of the manager's loop: submit, file, reject, contact logs, monthly reports.
Every function checks dealercrm.roles first and is atomic."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import services as customer_services
from customers.models import Customer
from dealercrm import roles
from dealercrm.months import month_bounds, month_start
from dealercrm.validators import validate_event_month

from ..fields import ENTRY_FIELDS, NEW_CUSTOMER_FIELDS, REPORT_FIELDS
from ..models import (
    ContactLog,
    MonthlyReport,
    MonthlyReportEntry,
    Notification,
    Submission,
    pack_intents,
)
from .notifications import archivists, notification_send
from .reminders import reminders_after_contact


def _report_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Only the report's own fields; intents packed. Anything else a client sends is dropped."""
    clean = {k: data[k] for k in REPORT_FIELDS if k in data}
    if "intents" in clean and not isinstance(clean["intents"], str):
        clean["intents"] = pack_intents(clean["intents"])
    return clean


# --- submissions ---------------------------------------------------------------


@transaction.atomic
def submission_create(
    *, actor: roles.Actor, data: Mapping[str, Any], customer: Customer | None = None
) -> Submission:
    """Store a manager's report exactly as submitted, for the archivist's inbox."""
    submission = _submission_new(actor=actor, data=data, customer=customer)
    submission.full_clean()
    submission.save()
    _announce(actor, submission)
    return submission


def _submission_new(
    *,
    actor: roles.Actor,
    data: Mapping[str, Any],
    customer: Customer | None,
    idempotency_key: uuid.UUID | None = None,
) -> Submission:
    """The unsaved submission, after the policy and the ownership checks."""
    roles.require(roles.can_submit_report, actor)
    if customer is not None:
        customer = customer_services.customer_lock_for_write(customer, actor=actor)
        # The caller looked the customer up through the scoped selector (404 otherwise);
        # this is the service's own guard for every other path.
        roles.require(roles.can_view_customer(actor, customer))
    corrects = data.get("corrects")
    if corrects is not None and corrects.author_id != actor.pk:
        raise ValidationError({"corrects": _("You can only correct your own submissions.")})
    return Submission(
        author=roles.signed_in(actor),
        customer=customer,
        corrects=corrects,
        idempotency_key=idempotency_key,
        **_report_data(data),
        **{k: (data.get(k) or "").strip() for k in NEW_CUSTOMER_FIELDS if customer is None},
    )


def _announce(actor: roles.Actor, submission: Submission) -> None:
    notification_send(
        recipients=archivists(),
        kind=Notification.Kind.SUBMISSION_NEW,
        title=_("New report from %(who)s: %(what)s") % {"who": actor, "what": submission},
        url=submission.get_absolute_url(),
    )


@transaction.atomic
def submission_create_once(
    *,
    actor: roles.Actor,
    idempotency_key: uuid.UUID,
    data: Mapping[str, Any],
    customer: Customer | None = None,
) -> tuple[Submission, bool]:
    """submission_create() that a resend with the same key (a report kept on the phone
    while offline, a double tap) answers with the submission the first send made.

    Returns (submission, created). The key is per submitter: another user's key finds nothing.
    """
    roles.require(roles.can_submit_report, actor)
    author = roles.signed_in(actor)
    existing = Submission.objects.filter(author=author, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    submission = _submission_new(
        actor=actor, data=data, customer=customer, idempotency_key=idempotency_key
    )
    # The key's uniqueness is left to the database (below), where a concurrent send waits.
    submission.full_clean(exclude=["idempotency_key"])
    try:
        # A savepoint: a concurrent send with the same key that committed first makes this
        # insert fail (on PostgreSQL it waits for that commit); then answer with its row.
        with transaction.atomic():
            submission.save()
    except IntegrityError:
        existing = Submission.objects.filter(author=author, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    _announce(actor, submission)
    return submission, True


def _claim(submission: Submission) -> Submission:
    """Lock the submission and make sure nobody handled it first."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status != Submission.Status.PENDING:
        raise ValidationError(
            _("This submission was already %(status)s.") % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def submission_file(
    *,
    actor: roles.Actor,
    submission: Submission,
    log_data: Mapping[str, Any] | None = None,
    customer_data: Mapping[str, Any] | None = None,
    attach_to: Any = None,
    confirm_new: bool = False,
    confirm_reason: str = "",
) -> ContactLog:
    """File a report: the contact log (pre-filled from the report, as the archivist edited
    it), any dossier edits, the new customer if the report described one — all or nothing.

    A report about a new customer goes through the door like every new customer (issue 17):
    when the archive holds possible duplicates, customer_create refuses (PossibleDuplicates)
    unless the archivist attaches the report to an existing customer (`attach_to`) or
    confirms the customer is new and says why."""
    roles.require(roles.can_file_submissions, actor)
    # The customer first, then the submission: a merge locks the customers, then moves
    # their pending submissions; taking the two locks the other way round would deadlock.
    reported_on = (
        Submission.objects.filter(pk=submission.pk).values_list("customer_id", flat=True).first()
    )
    if reported_on is not None:
        customer_services.customer_lock_for_write(reported_on, actor=actor)
    elif attach_to is not None:
        attach_to = customer_services.customer_lock_for_write(attach_to, actor=actor)
    submission = _claim(submission)
    if submission.customer_id != reported_on:
        raise ValidationError(_("The report changed meanwhile; open it again."))
    customer = submission.customer
    if customer is None and attach_to is not None:
        customer = attach_to
        if customer_data:
            customer = customer_services.customer_update(
                actor=actor, customer=customer, data=customer_data
            )
    elif customer is None:
        customer = customer_services.customer_create(
            confirm_new=confirm_new,
            confirm_reason=confirm_reason,
            actor=actor,
            data={
                "name": submission.new_customer_name,
                "address": submission.new_customer_place,
                "manager": submission.author
                if roles.has_role(submission.author, roles.SALES_MANAGER)
                else None,
                **(customer_data or {}),
            },
            phones=[{"raw": submission.new_customer_phone}]
            if submission.new_customer_phone
            else [],
        )
    elif customer_data:
        customer = customer_services.customer_update(
            actor=actor, customer=customer, data=customer_data
        )
    fields = {f: getattr(submission, f) for f in REPORT_FIELDS}
    fields.update(_report_data(log_data or {}))
    log = ContactLog(customer=customer, staff=submission.author, submission=submission, **fields)
    log.full_clean(exclude=["submission"])
    log._history_user = actor  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            log.save()
    except IntegrityError as exc:  # the one-log-per-submission constraint
        raise ValidationError(_("This submission was already filed.")) from exc
    reminders_after_contact(log=log)
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.FILED,
        handled_by=actor,
        handled_at=timezone.now(),
        customer=customer,
    )
    notification_send(
        recipients=[submission.author],
        kind=Notification.Kind.SUBMISSION_FILED,
        title=_("Your report on %(what)s was filed") % {"what": submission},
        url=submission.get_absolute_url(),
    )
    return log


@transaction.atomic
def submission_reject(*, actor: roles.Actor, submission: Submission, reason: str) -> Submission:
    roles.require(roles.can_file_submissions, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is rejected.")})
    submission = _claim(submission)
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.REJECTED,
        handled_by=actor,
        handled_at=timezone.now(),
        reject_reason=reason,
    )
    submission.refresh_from_db()
    notification_send(
        recipients=[submission.author],
        kind=Notification.Kind.SUBMISSION_REJECTED,
        title=_("Your report on %(what)s was rejected") % {"what": submission},
        body=reason,
        url=submission.get_absolute_url(),
    )
    return submission


# --- contact logs entered by the archivist ---------------------------------------


@transaction.atomic
def contact_log_create(
    *, actor: roles.Actor, customer: Customer, data: Mapping[str, Any], staff: Any = None
) -> ContactLog:
    roles.require(roles.can_write_contact_log, actor)
    customer = customer_services.customer_lock_for_write(customer, actor=actor)
    log = ContactLog(customer=customer, staff=staff, **_report_data(data))
    log.full_clean()
    log._history_user = actor  # type: ignore[attr-defined]
    log.save()
    reminders_after_contact(log=log)
    return log


@transaction.atomic
def contact_log_update(
    *, actor: roles.Actor, log: ContactLog, data: Mapping[str, Any]
) -> ContactLog:
    roles.require(roles.can_write_contact_log, actor)
    log = ContactLog.objects.select_for_update().get(pk=log.pk)
    for name, value in _report_data(data).items():
        setattr(log, name, value)
    if "staff" in data:
        log.staff = data["staff"]
    log.full_clean(exclude=["submission"])
    log._history_user = actor  # type: ignore[attr-defined]
    log.save()
    reminders_after_contact(log=log)
    return log


@transaction.atomic
def contact_log_delete(*, actor: roles.Actor, log: ContactLog) -> None:
    roles.require(roles.can_write_contact_log, actor)
    if log.submission_id:
        raise ValidationError(
            _("This log was filed from a manager's report; correct it instead of deleting it.")
        )
    log._history_user = actor  # type: ignore[attr-defined]
    log.delete()


# --- monthly gold-card reports ----------------------------------------------------


@transaction.atomic
def monthly_report_open(*, actor: roles.Actor, month: dt.date) -> MonthlyReport:
    """The manager's report for a month, created as a draft pre-filled from the month's
    contact logs with each of his gold customers (seed 000: at least one contact a month)."""
    roles.require(roles.can_write_monthly_report, actor)
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationError({"month": _("A report cannot be written for a future month.")})
    try:
        validate_event_month(month)  # the field's rule: from the dealer's founding month
    except ValidationError as exc:
        raise ValidationError({"month": exc.messages}) from exc
    report, _created = MonthlyReport.objects.get_or_create(
        manager=roles.signed_in(actor), month=month
    )
    if not report.is_submitted:
        _prefill(report)
    return report


def _prefill(report: MonthlyReport) -> None:
    start, end = month_bounds(report.month)
    gold = Customer.objects.filter(manager=report.manager, is_gold_card=True).order_by(
        "name_pinyin"
    )
    # Locked as a merge locks them: no report line lands on a customer merged away meanwhile.
    live = set(customer_services.customers_lock_live(gold.values_list("pk", flat=True)))
    gold = gold.filter(pk__in=live)
    existing = set(report.entries.values_list("customer_id", flat=True))
    logs: dict[int, list[ContactLog]] = {}
    for log in ContactLog.objects.filter(
        customer__in=gold, occurred_at__gte=start, occurred_at__lt=end
    ).order_by("occurred_at"):
        logs.setdefault(log.customer_id, []).append(log)
    new_entries = []
    for customer in gold:
        if customer.pk in existing:
            continue
        these = logs.get(customer.pk, [])
        new_entries.append(
            MonthlyReportEntry(
                report=report,
                customer=customer,
                contacted=bool(these),
                discussed="\n".join(
                    f"{timezone.localtime(log.occurred_at):%m-%d} {log.get_channel_display()}: "
                    f"{log.summary}"
                    for log in these
                ),
                next_month_plan="\n".join(log.next_step for log in these if log.next_step),
            )
        )
    MonthlyReportEntry.objects.bulk_create(new_entries)
    # A log filed after the draft was opened still marks the customer contacted.
    MonthlyReportEntry.objects.filter(report=report, customer_id__in=list(logs)).update(
        contacted=True
    )


@transaction.atomic
def monthly_report_save(
    *,
    actor: roles.Actor,
    report: MonthlyReport,
    summary: str | None = None,
    entries: Mapping[int, Mapping[str, Any]] | None = None,
    submit: bool = False,
) -> MonthlyReport:
    """Save the draft (re-saving replaces the draft); `submit` makes it final."""
    roles.require(roles.can_write_monthly_report, actor, report)
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.is_submitted:
        raise ValidationError(_("This report was already submitted and can no longer change."))
    if summary is not None:
        report.summary = summary
    by_id = {e.pk: e for e in report.entries.all()}
    for entry_id, values in (entries or {}).items():
        entry = by_id.get(int(entry_id))
        if entry is None:
            raise ValidationError(_("That line does not belong to this report."))
        for name in ENTRY_FIELDS:
            if name in values:
                setattr(entry, name, values[name] or "")
        entry.save()
    if submit:
        report.status = MonthlyReport.Status.SUBMITTED
        report.submitted_at = timezone.now()
    report.save()
    return report
