"""Browser views of the manager's loop: submit, inbox, file/reject, logs, monthly reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from customers import selectors as customer_selectors
from customers.matching.door import door_candidates
from customers.models import Customer
from dealercrm import roles
from dealercrm.decorators import policy_required
from dealercrm.months import month_of_query, this_month
from dealercrm.pagination import page_of, querystring_without_page

from . import selectors, services
from .fields import ENTRY_FIELDS, NEW_CUSTOMER_FIELDS, REPORT_FIELDS
from .forms import (
    DATETIME_FORMATS,
    ContactLogForm,
    CustomerQuickForm,
    FileForm,
    LogFilterForm,
    MonthForm,
    RejectForm,
    SubmissionForm,
)
from .models import Channel, Reminder, Submission


def _report_data(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.cleaned_data.items() if k in REPORT_FIELDS}


# --- submissions ---------------------------------------------------------------------


def _resolve_customer(request: HttpRequest, form: SubmissionForm) -> tuple[Customer | None, Any]:
    """The customer the manager picked: by id (from the picker) or by a unique search hit.

    Returns (customer, candidates); candidates is a list when the search was ambiguous.
    """
    data = form.cleaned_data
    if data.get("customer_id"):
        return customer_selectors.customer_get(user=request.user, pk=data["customer_id"]), None
    query = (data.get("customer_query") or "").strip()
    if not query:
        return None, None
    hits = list(
        customer_selectors.customer_list(
            user=request.user, filters=customer_selectors.CustomerFilters(search=query)
        )[:11]
    )
    if len(hits) == 1:
        return hits[0], None
    if not hits and (data.get("new_customer_name") or "").strip():
        return None, None
    return None, hits


def _call_initial(request: HttpRequest) -> dict[str, Any]:
    """The report form pre-filled from a tapped number: channel and the moment of the tap
    (GET parameters; anything unreadable or in the future falls back to the defaults)."""
    initial: dict[str, Any] = {}
    if request.GET.get("channel") in Channel.values:
        initial["channel"] = request.GET["channel"]
    at = request.GET.get("at", "")
    for fmt in DATETIME_FORMATS:
        try:
            moment = timezone.make_aware(dt.datetime.strptime(at, fmt))  # noqa: DTZ007
        except ValueError:
            continue
        if moment <= timezone.now():
            initial["occurred_at"] = moment
        break
    return initial


@policy_required(roles.can_submit_report)
@require_http_methods(["GET", "POST"])
def submission_create(request: HttpRequest) -> HttpResponse:
    form = SubmissionForm(request.POST or None, initial=_call_initial(request))
    candidates = None
    customer = None
    called = ""
    if request.GET.get("customer"):
        customer = customer_selectors.customer_get(user=request.user, pk=request.GET["customer"])
        # 记录这次通话: the number tapped is shown only when it is one of this customer's
        called = request.GET.get("phone", "")
        if called not in {p.raw for p in customer.phones.all()}:
            called = ""
        if called:  # the note is all that is left to type
            form.fields["summary"].widget.attrs["autofocus"] = True
    if request.method == "POST" and form.is_valid():
        customer, candidates = _resolve_customer(request, form)
        if candidates is not None:
            form.add_error(
                None,
                _("Several of your customers match; pick one.")
                if candidates
                else _(
                    "None of your customers matches; check the name or describe a new customer."
                ),
            )
        else:
            data = {
                **_report_data(form),
                **{k: form.cleaned_data.get(k, "") for k in NEW_CUSTOMER_FIELDS},
            }
            key = form.cleaned_data.get("idempotency_key")
            try:
                if key is None:
                    submission = services.submission_create(
                        actor=request.user, customer=customer, data=data
                    )
                    created = True
                else:
                    submission, created = services.submission_create_once(
                        actor=request.user, idempotency_key=key, customer=customer, data=data
                    )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _("Report sent to the archivist. You will be told when it is filed.")
                    if created
                    else _("This report had already arrived; it was not sent twice."),
                )
                return redirect(submission)
    return render(
        request,
        "contacts/submission_form.html",
        {
            "form": form,
            "candidates": candidates,
            "customer": customer,
            "called": called,
            "customer_query": request.POST.get("customer_query", customer.name if customer else ""),
        },
    )


@policy_required(roles.can_view_contact_logs)
def submission_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Submission.Status.values:
        status = ""
    qs = selectors.submission_list(user=request.user, status=status).order_by(
        "-submitted_at", "-id"
    )
    return render(
        request,
        "contacts/submission_list.html",
        {
            "page": page_of(request, qs),
            "status": status,
            "statuses": Submission.Status.choices,
            "querystring": querystring_without_page(request),
            "can_submit": roles.can_submit_report(request.user),
        },
    )


@policy_required(roles.can_file_submissions)
def inbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "contacts/inbox.html",
        {"page": page_of(request, selectors.inbox(user=request.user)), "querystring": ""},
    )


@policy_required(roles.can_view_contact_logs)
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get(user=request.user, pk=pk)
    return render(
        request,
        "contacts/submission_detail.html",
        {
            "submission": submission,
            "can_file": roles.can_file_submissions(request.user) and submission.is_pending,
            "can_correct": submission.author_id == request.user.pk
            and roles.can_submit_report(request.user),
        },
    )


@policy_required(roles.can_file_submissions)
@require_http_methods(["GET", "POST"])
def submission_file(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get(user=request.user, pk=pk)
    if not submission.is_pending:
        messages.info(request, _("This report was already handled."))
        return redirect(submission)
    initial = {f: getattr(submission, f) for f in REPORT_FIELDS}
    form = FileForm(request.POST or None, initial=initial)
    customer_form = CustomerQuickForm(
        request.POST or None, instance=submission.customer, prefix="customer"
    )
    # A report about a new customer: who may already be in the archive (issue 17).
    candidates = (
        door_candidates(
            {"name": submission.new_customer_name, "address": submission.new_customer_place},
            [submission.new_customer_phone],
        )
        if submission.customer_id is None
        else []
    )
    choice = request.POST.get("door_choice", "")
    if request.method == "POST" and form.is_valid() and customer_form.is_valid():
        changed = {k: customer_form.cleaned_data[k] for k in customer_form.changed_data}
        attach_to = None
        if choice.isdigit():
            # Attach to one of the customers found (and only those: the choice is hers
            # among what the matcher showed, the lookup still scoped to what she may see).
            if int(choice) not in {c.customer.pk for c in candidates}:
                raise Http404("No such candidate")
            attach_to = customer_selectors.customer_get(user=request.user, pk=int(choice))
        try:
            log = services.submission_file(
                actor=request.user,
                submission=submission,
                log_data=_report_data(form),
                customer_data=changed or None,
                attach_to=attach_to,
                confirm_new=choice == "new",
                confirm_reason=request.POST.get("confirm_reason", ""),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, _("Filed on the dossier of %(name)s.") % {"name": log.customer}
            )
            return redirect("contacts:inbox")
    return render(
        request,
        "contacts/submission_file.html",
        {
            "submission": submission,
            "form": form,
            "customer_form": customer_form,
            "candidates": candidates,
            "door_choice": choice,
            "confirm_reason": request.POST.get("confirm_reason", ""),
        },
    )


@policy_required(roles.can_file_submissions)
@require_http_methods(["GET", "POST"])
def submission_reject(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_get(user=request.user, pk=pk)
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submission_reject(
                actor=request.user, submission=submission, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Report rejected; the manager has been told why."))
            return redirect("contacts:inbox")
    return render(
        request, "contacts/submission_reject.html", {"submission": submission, "form": form}
    )


# --- contact logs on the dossier ---------------------------------------------------------


@policy_required(roles.can_view_contact_logs)
def customer_logs(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    form = LogFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.contact_logs_for(
        user=request.user,
        customer=customer,
        filters=selectors.LogFilters(
            channel=data.get("channel", ""), intent=data.get("intent", "")
        ),
    )
    return render(
        request,
        "contacts/contactlog_list.html",
        {
            "customer": customer,
            "page": page_of(request, qs),
            "filter_form": form,
            "querystring": querystring_without_page(request),
            "can_write": roles.can_write_contact_log(request.user),
        },
    )


@policy_required(roles.can_write_contact_log)
@require_http_methods(["GET", "POST"])
def contact_log_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    form = ContactLogForm(request.POST or None, initial={"staff": customer.manager_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_log_create(
                actor=request.user,
                customer=customer,
                data=_report_data(form),
                staff=form.cleaned_data.get("staff"),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Contact log added."))
            return redirect(f"{customer.get_absolute_url()}#contacts")
    return render(
        request,
        "contacts/contactlog_form.html",
        {"form": form, "customer": customer, "creating": True},
    )


@policy_required(roles.can_write_contact_log)
@require_http_methods(["GET", "POST"])
def contact_log_update(request: HttpRequest, pk: int) -> HttpResponse:
    log = selectors.contact_log_get(user=request.user, pk=pk)
    form = ContactLogForm(request.POST or None, instance=log)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_log_update(
                actor=request.user,
                log=log,
                data={**_report_data(form), "staff": form.cleaned_data.get("staff")},
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(f"{log.customer.get_absolute_url()}#contacts")
    return render(
        request,
        "contacts/contactlog_form.html",
        {"form": form, "customer": log.customer, "log": log},
    )


@policy_required(roles.can_write_contact_log)
@require_http_methods(["GET", "POST"])
def contact_log_delete(request: HttpRequest, pk: int) -> HttpResponse:
    log = selectors.contact_log_get(user=request.user, pk=pk)
    back = f"{log.customer.get_absolute_url()}#contacts"
    if request.method == "POST":
        try:
            services.contact_log_delete(actor=request.user, log=log)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Contact log deleted."))
        return redirect(back)
    return render(
        request,
        "customers/confirm_delete.html",
        {"customer": log.customer, "object": log, "cancel_url": back},
    )


# --- monthly gold-card reports -------------------------------------------------------------


@policy_required(roles.can_view_contact_logs)
@require_http_methods(["GET", "POST"])
def monthly_list(request: HttpRequest) -> HttpResponse:
    form = MonthForm(request.POST or None, initial={"month": timezone.localdate()})
    if request.method == "POST":
        roles.require(roles.can_write_monthly_report, request.user)
        if form.is_valid():
            try:
                report = services.monthly_report_open(
                    actor=request.user, month=form.cleaned_data["month"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect(report)
    return render(
        request,
        "contacts/monthlyreport_list.html",
        {
            "page": page_of(request, selectors.monthly_report_list(user=request.user)),
            "querystring": "",
            "form": form,
            "can_write": roles.can_write_monthly_report(request.user),
        },
    )


@policy_required(roles.can_view_contact_logs)
@require_http_methods(["GET", "POST"])
def monthly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.monthly_report_get(user=request.user, pk=pk)
    editable = roles.can_write_monthly_report(request.user, report) and not report.is_submitted
    if request.method == "POST":
        roles.require(roles.can_write_monthly_report, request.user, report)
        entries = {
            entry.pk: {
                name: request.POST.get(f"entry-{entry.pk}-{name}", "") for name in ENTRY_FIELDS
            }
            for entry in report.entries.all()
        }
        try:
            services.monthly_report_save(
                actor=request.user,
                report=report,
                summary=request.POST.get("summary", ""),
                entries=entries,
                submit="submit" in request.POST,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Report submitted.") if "submit" in request.POST else _("Draft saved."),
            )
        return redirect(report)
    return render(
        request,
        "contacts/monthlyreport_detail.html",
        {
            "report": report,
            "entries": selectors.monthly_report_entries(report=report),
            "editable": editable,
        },
    )


# --- notifications -----------------------------------------------------------------------


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "contacts/notification_list.html",
        {
            "page": page_of(
                request, selectors.notifications_for(user=roles.signed_in(request.user))
            ),
            "querystring": "",
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.notification_mark_read(actor=request.user, notification_ids=ids)
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("contacts:notifications")


# --- reminders and compliance ------------------------------------------------------------


def _month_param(request: HttpRequest) -> Any:
    return month_of_query(request.GET) or this_month()


@policy_required(roles.can_view_reminders)
def reminder_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Reminder.Status.values else ""
    month = _month_param(request) if request.GET.get("month") else None
    qs = selectors.reminder_list(user=request.user, month=month, status=status)
    return render(
        request,
        "contacts/reminder_list.html",
        {
            "page": page_of(request, qs),
            "querystring": querystring_without_page(request),
            "status": status,
            "statuses": Reminder.Status.choices,
            "month": month,
        },
    )


@policy_required(roles.can_view_all_reminders)
def compliance(request: HttpRequest) -> HttpResponse:
    month = _month_param(request)
    rows = selectors.compliance(user=request.user, month=month)
    return render(
        request,
        "contacts/compliance.html",
        {
            "month": month,
            "rows": rows,
            "totals": {
                "due": sum(r.due for r in rows),
                "contacted": sum(r.contacted for r in rows),
                "missed": sum(r.missed for r in rows),
                "open": sum(r.open for r in rows),
            },
        },
    )
