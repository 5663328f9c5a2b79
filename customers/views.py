"""Browser views of the dossier: a scoped object from a selector, a service call, a page."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from dealercrm import exports, roles
from dealercrm.decorators import policy_required
from dealercrm.pagination import SEARCH_COUNT_CAP, page_of, querystring_without_page

from . import selectors, services
from .forms import (
    CustomerFilterForm,
    CustomerForm,
    MachineForm,
    OperatorForm,
    PhoneForm,
    ProjectForm,
    ShareholderForm,
)
from .importing.export import customer_table
from .matching.door import DoorCandidate, door_candidates
from .models import Customer, Machine, Operator, Phone, Project, SalesRegion, Shareholder


@dataclass(frozen=True)
class Section:
    model: type[models.Model]
    form: type[Any]
    title: Any
    anchor: str


SECTIONS: dict[str, Section] = {
    "phones": Section(Phone, PhoneForm, gettext_lazy("Phone number"), "phones"),
    "shareholders": Section(
        Shareholder, ShareholderForm, gettext_lazy("Shareholder"), "shareholders"
    ),
    "machines": Section(Machine, MachineForm, gettext_lazy("Machine"), "fleet"),
    "operators": Section(Operator, OperatorForm, gettext_lazy("Operator"), "operators"),
    "projects": Section(Project, ProjectForm, gettext_lazy("Project"), "projects"),
}


def _section(slug: str) -> Section:
    try:
        return SECTIONS[slug]
    except KeyError as exc:
        raise Http404("No such section") from exc


def _row_form(section: Section, customer: Customer, *args: Any, **kwargs: Any) -> Any:
    if section.form is OperatorForm:
        kwargs["customer"] = customer
    return section.form(*args, **kwargs)


@policy_required(roles.can_view_customers)
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.CustomerFilters(
        search=data.get("q") or "",
        region=data.get("region"),
        manager=data.get("manager"),
        status=data.get("status") or "",
        kind=data.get("kind") or "",
        flags=data.get("flag") or [],
        at_risk=bool(data.get("at_risk")),
    )
    fmt = exports.requested_format(request)
    if fmt:
        # Every row of the current filters, not just the page; columns by role.
        headers, rows = customer_table(
            user=request.user, customers=selectors.customer_list(user=request.user, filters=filters)
        )
        return exports.export_response(
            request, fmt=fmt, name="customers", title=_("Customers"), headers=headers, rows=rows
        )
    page = page_of(
        request,
        selectors.customer_list(user=request.user, filters=filters),
        # a search says "1,000+" rather than count every match of a one-letter query
        count_cap=SEARCH_COUNT_CAP if selectors.is_search(filters) else None,
    )
    return render(
        request,
        "customers/customer_list.html",
        {
            "page": page,
            "filter_form": form,
            "filters": filters,
            "querystring": querystring_without_page(request),
            "regions": SalesRegion.objects.all(),
            "managers": selectors.managers_for_filter(user=request.user),
            "can_write": roles.can_write_dossier(request.user),
            "show_contacts": roles.can_view_contact_logs(request.user),
            "show_tiers": roles.can_view_money(request.user),
            "can_import": roles.can_import_customers(request.user),
            "export_csv": exports.export_url(request, "csv"),
            "export_xlsx": exports.export_url(request, "xlsx"),
        },
    )


@policy_required(roles.can_view_customers)
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    roles.require(roles.can_write_dossier, request.user)
    form = CustomerForm(request.POST or None)
    phone_text = request.POST.get("phones", "") if request.method == "POST" else ""
    confirm_new = request.POST.get("confirm_new") == "1"
    confirm_reason = request.POST.get("confirm_reason", "")
    candidates: list[DoorCandidate] = []
    if request.method == "POST" and form.is_valid():
        phones = [{"raw": line} for line in phone_text.splitlines() if line.strip()]
        try:
            customer = services.customer_create(
                actor=request.user,
                data=form.cleaned_data,
                phones=phones,
                confirm_new=confirm_new,
                confirm_reason=confirm_reason,
            )
        except services.PossibleDuplicates as exc:
            # Nothing saved: she opens one of them, or confirms and says why.
            candidates = exc.candidates
        except ValidationError as exc:
            form.add_service_errors(exc)
            if hasattr(exc, "error_dict") and "confirm_reason" in exc.error_dict:
                candidates = door_candidates(form.cleaned_data, phones)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect(customer)
    return render(
        request,
        "customers/customer_form.html",
        {
            "form": form,
            "phone_text": phone_text,
            "creating": True,
            "candidates": candidates,
            "confirm_reason": confirm_reason,
            "confirm_reason_max": services.CONFIRM_REASON_MAX,
        },
    )


@policy_required(roles.can_view_customers)
@require_http_methods(["GET"])
def customer_check(request: HttpRequest) -> JsonResponse:
    """Who is already in the archive, while the archivist types a new customer (issue 17):
    the create form's side panel (static/js/door-check.js) asks here."""
    roles.require(roles.can_write_dossier, request.user)
    params = request.GET
    data: dict[str, Any] = {
        name: params.get(name, "")[:200]
        for name in ("name", "id_number", "province", "city", "county", "address")
    }
    with contextlib.suppress(ValueError):  # half typed: not used
        data["birth_date"] = parse_date(params.get("birth_date", ""))
    year = params.get("birth_year", "")
    if year.isdigit() and len(year) == 4:
        data["birth_year"] = int(year)
    phones = [line for line in params.get("phones", "")[:500].splitlines() if line.strip()][:5]
    found = door_candidates(data, phones)
    return JsonResponse(
        {"candidates": [{**c.as_dict(), "url": c.customer.get_absolute_url()} for c in found]}
    )


@policy_required(roles.can_view_customers)
@require_http_methods(["GET", "POST"])
def customer_update(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk)
    roles.require(roles.can_write_dossier, request.user)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(actor=request.user, customer=customer, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@policy_required(roles.can_view_customers)
@require_http_methods(["GET", "POST"])
def customer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk)
    roles.require(roles.can_write_dossier, request.user)
    if request.method == "POST":
        try:
            services.customer_delete(actor=request.user, customer=customer)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(customer)
        messages.success(request, _("Customer %(name)s deleted.") % {"name": customer.name})
        return redirect("customers:list")
    return render(
        request,
        "customers/confirm_delete.html",
        {"customer": customer, "object": customer, "cancel_url": customer.get_absolute_url()},
    )


@policy_required(roles.can_view_customers)
@require_http_methods(["GET", "POST"])
def row_create(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk)
    sec = _section(section)
    roles.require(roles.can_write_dossier, request.user)
    form = _row_form(sec, customer, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.row_add(
                actor=request.user, customer=customer, model=sec.model, data=form.cleaned_data
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("%(what)s added.") % {"what": sec.title})
            return redirect(f"{customer.get_absolute_url()}#{sec.anchor}")
    return render(
        request,
        "customers/row_form.html",
        {"form": form, "customer": customer, "section": sec, "creating": True},
    )


@policy_required(roles.can_view_customers)
@require_http_methods(["GET", "POST"])
def row_update(request: HttpRequest, pk: int, section: str, row_pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk)
    sec = _section(section)
    row = selectors.row_get(user=request.user, customer=customer, model=sec.model, pk=row_pk)
    roles.require(roles.can_write_dossier, request.user)
    form = _row_form(sec, customer, request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        try:
            services.row_update(actor=request.user, row=row, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(f"{customer.get_absolute_url()}#{sec.anchor}")
    return render(
        request,
        "customers/row_form.html",
        {"form": form, "customer": customer, "section": sec, "row": row},
    )


@policy_required(roles.can_view_customers)
@require_http_methods(["GET", "POST"])
def row_delete(request: HttpRequest, pk: int, section: str, row_pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk)
    sec = _section(section)
    row = selectors.row_get(user=request.user, customer=customer, model=sec.model, pk=row_pk)
    roles.require(roles.can_write_dossier, request.user)
    if request.method == "POST":
        services.row_delete(actor=request.user, row=row)
        messages.success(request, _("%(what)s deleted.") % {"what": sec.title})
        return redirect(f"{customer.get_absolute_url()}#{sec.anchor}")
    return render(
        request,
        "customers/confirm_delete.html",
        {
            "customer": customer,
            "object": row,
            "cancel_url": f"{customer.get_absolute_url()}#{sec.anchor}",
        },
    )
