"""Browser pages of the service desk: records, hour readings, the "due soon" list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.decorators import policy_required
from dealercrm.pagination import page_of, querystring_without_page

from . import selectors, services
from .forms import DueFilterForm, HourReadingForm, RecordFilterForm, ServiceRecordForm
from .models import ServiceRecord


def _record_data(form: ServiceRecordForm) -> dict[str, Any]:
    return {k: v for k, v in form.cleaned_data.items() if k in form.fields}


# --- service records -------------------------------------------------------------------


@policy_required(roles.can_view_service_records)
def record_list(request: HttpRequest) -> HttpResponse:
    form = RecordFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.RecordFilters(
        kind=data.get("kind") or "",
        status=data.get("status") or "",
        technician=data.get("technician"),
        customer=data.get("customer"),
        machine=data.get("machine"),
        overdue_follow_ups=bool(data.get("overdue")),
    )
    return render(
        request,
        "service/servicerecord_list.html",
        {
            "page": page_of(
                request, selectors.service_record_list(user=request.user, filters=filters)
            ),
            "filter_form": form,
            "filters": filters,
            "technicians": selectors.technicians(),
            "querystring": querystring_without_page(request),
            "show_money": roles.can_view_service_charges(request.user),
            "today": timezone.localdate(),
        },
    )


@policy_required(roles.can_write_service_record)
@require_http_methods(["GET", "POST"])
def record_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    follows = None
    if request.GET.get("follows"):
        follows = selectors.service_record_get(user=request.user, pk=request.GET["follows"])
    initial: dict[str, Any] = {"opened_on": timezone.localdate()}
    if selectors.technicians().filter(pk=request.user.pk).exists():
        initial["technician"] = request.user.pk  # the technician writing the record did the job
    if follows is not None:
        initial.update(kind=ServiceRecord.Kind.FOLLOW_UP, machine=follows.machine_id)
        initial["subject"] = _("Follow-up: %(subject)s") % {"subject": follows.subject}
    if request.GET.get("machine"):
        initial["machine"] = request.GET["machine"]
    form = ServiceRecordForm(
        request.POST or None,
        initial=initial,
        customer=customer,
        show_charges=roles.can_write_service_charges(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = _record_data(form)
        if follows is not None:
            data["follows"] = follows
        try:
            record = services.service_record_create(
                actor=request.user, customer=customer, data=data
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Service record saved."))
            return redirect(record)
    return render(
        request,
        "service/servicerecord_form.html",
        {"form": form, "customer": customer, "follows": follows, "creating": True},
    )


@policy_required(roles.can_view_service_records)
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.service_record_get(user=request.user, pk=pk)
    may_write = roles.can_write_service_record(request.user)
    return render(
        request,
        "service/servicerecord_detail.html",
        {
            "record": record,
            "customer": record.customer,
            "follow_ups": selectors.follow_ups_of(record),
            "show_money": roles.can_view_service_charges(request.user),
            "can_edit": may_write
            and (not record.is_closed or roles.can_edit_closed_service_record(request.user)),
            "can_follow_up": may_write,
            "can_delete": roles.can_delete_service_record(request.user),
        },
    )


@policy_required(roles.can_view_service_records)
@require_http_methods(["GET", "POST"])
def record_update(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.service_record_get(user=request.user, pk=pk)
    roles.require(roles.can_write_service_record, request.user)
    if record.is_closed:
        roles.require(
            roles.can_edit_closed_service_record,
            request.user,
            message=_("This record is closed; ask the archivist to correct it."),
        )
    form = ServiceRecordForm(
        request.POST or None,
        instance=record,
        customer=record.customer,
        show_charges=roles.can_write_service_charges(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.service_record_update(
                actor=request.user, record=record, data=_record_data(form)
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(record)
    return render(
        request,
        "service/servicerecord_form.html",
        {"form": form, "customer": record.customer, "record": record},
    )


@policy_required(roles.can_view_service_records)
@require_http_methods(["GET", "POST"])
def record_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.service_record_get(user=request.user, pk=pk)
    roles.require(roles.can_delete_service_record, request.user)
    back = f"{record.customer.get_absolute_url()}#service"
    if request.method == "POST":
        services.service_record_delete(actor=request.user, record=record)
        messages.success(request, _("Service record deleted."))
        return redirect(back)
    return render(
        request,
        "customers/confirm_delete.html",
        {"customer": record.customer, "object": record, "cancel_url": record.get_absolute_url()},
    )


# --- hour readings ------------------------------------------------------------------------


@policy_required(roles.can_view_customers)
@require_http_methods(["GET", "POST"])
def machine_readings(request: HttpRequest, pk: int) -> HttpResponse:
    machine = selectors.machine_get(user=request.user, pk=pk)
    can_add = roles.can_write_hour_reading(request.user)
    form = HourReadingForm(request.POST or None)
    if request.method == "POST":
        roles.require(roles.can_write_hour_reading, request.user)
        if form.is_valid():
            try:
                services.hour_reading_add(
                    actor=request.user,
                    machine=machine,
                    read_on=form.cleaned_data["read_on"],
                    hours=form.cleaned_data["hours"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Reading saved."))
                return redirect("service:machine_readings", pk=machine.pk)
    return render(
        request,
        "service/hourreading_list.html",
        {
            "machine": machine,
            "customer": machine.customer,
            "page": page_of(request, selectors.hour_readings_of(machine=machine)),
            "forecast": selectors.forecast_of(machine),
            "form": form if can_add else None,
            "can_delete": roles.can_delete_hour_reading(request.user),
            "querystring": "",
        },
    )


@policy_required(roles.can_view_customers)
@require_http_methods(["GET", "POST"])
def reading_delete(request: HttpRequest, pk: int) -> HttpResponse:
    reading = selectors.hour_reading_get(user=request.user, pk=pk)
    roles.require(roles.can_delete_hour_reading, request.user)
    back = reverse("service:machine_readings", args=[reading.machine_id])
    if request.method == "POST":
        try:
            services.hour_reading_delete(actor=request.user, reading=reading)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Reading deleted."))
        return redirect(back)
    return render(
        request,
        "customers/confirm_delete.html",
        {"customer": reading.machine.customer, "object": reading, "cancel_url": back},
    )


# --- maintenance due ------------------------------------------------------------------------


@policy_required(roles.can_view_maintenance_due)
def maintenance_due(request: HttpRequest) -> HttpResponse:
    form = DueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.DueFilters(
        within_days=data.get("days"),
        overdue_only=bool(data.get("overdue")),
        manager=data.get("manager"),
    )
    return render(
        request,
        "service/maintenance_due.html",
        {
            "page": page_of(request, selectors.maintenance_due(user=request.user, filters=filters)),
            "filter_form": form,
            "filters": filters,
            "days": selectors.due_soon_days()
            if filters.within_days is None
            else filters.within_days,
            "managers": customer_selectors.managers_for_filter(user=request.user),
            "querystring": querystring_without_page(request),
            "today": timezone.localdate(),
            "can_add_reading": roles.can_write_hour_reading(request.user),
        },
    )
