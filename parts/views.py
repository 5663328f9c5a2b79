"""Browser pages of the parts ledger: orders with their lines (the archivist writes)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.decorators import policy_required
from dealercrm.money import gold_discount_rate, percent

from . import selectors, services
from .forms import LineFormSet, OrderFilterForm, PartsOrderForm, initial_lines, line_rows

PAGE_SIZE = 25


@policy_required(roles.can_view_parts_orders)
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    customer = None
    if data.get("customer"):
        customer = customer_selectors.customer_get(user=request.user, pk=data["customer"])
    qs = selectors.parts_order_list(
        user=request.user, customer=customer.pk if customer else None, search=data.get("q") or ""
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "parts/partsorder_list.html",
        {
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "filter_form": form,
            "customer": customer,
            "querystring": query.urlencode(),
            "can_write": roles.can_write_parts_order(request.user),
        },
    )


def _save_errors(form: PartsOrderForm, exc: ValidationError) -> list[str]:
    """Order fields on the form, line problems in a list above the lines."""
    line_errors: list[str] = []
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            if name == "lines":
                line_errors.extend(errors)
            else:
                form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)
    return line_errors


@policy_required(roles.can_write_parts_order)
@require_http_methods(["GET", "POST"])
def order_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    form = PartsOrderForm(request.POST or None, initial={"ordered_on": timezone.localdate()})
    lines = LineFormSet(request.POST or None, prefix="lines")
    line_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            order = services.parts_order_create(
                actor=request.user,
                customer=customer,
                data=form.cleaned_data,
                lines=line_rows(lines),
            )
        except ValidationError as exc:
            line_errors = _save_errors(form, exc)
        else:
            messages.success(request, _("Parts order saved."))
            return redirect(order)
    return render(
        request,
        "parts/partsorder_form.html",
        {
            "form": form,
            "lines": lines,
            "line_errors": line_errors,
            "customer": customer,
            "creating": True,
            "gold_percent": percent(gold_discount_rate(customer)),
        },
    )


@policy_required(roles.can_view_parts_orders)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.parts_order_get(user=request.user, pk=pk)
    return render(
        request,
        "parts/partsorder_detail.html",
        {
            "order": order,
            "customer": order.customer,
            "lines": selectors.lines_of(order),
            "can_write": roles.can_write_parts_order(request.user),
        },
    )


@policy_required(roles.can_view_parts_orders)
@require_http_methods(["GET", "POST"])
def order_update(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.parts_order_get(user=request.user, pk=pk)
    roles.require(roles.can_write_parts_order, request.user)
    form = PartsOrderForm(request.POST or None, instance=order)
    lines = LineFormSet(
        request.POST or None, prefix="lines", initial=initial_lines(selectors.lines_of(order))
    )
    line_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            services.parts_order_update(
                actor=request.user, order=order, data=form.cleaned_data, lines=line_rows(lines)
            )
        except ValidationError as exc:
            line_errors = _save_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(order)
    return render(
        request,
        "parts/partsorder_form.html",
        {
            "form": form,
            "lines": lines,
            "line_errors": line_errors,
            "customer": order.customer,
            "order": order,
            "gold_percent": order.discount_percent,
        },
    )


@policy_required(roles.can_view_parts_orders)
@require_http_methods(["GET", "POST"])
def order_delete(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.parts_order_get(user=request.user, pk=pk)
    roles.require(roles.can_write_parts_order, request.user)
    if request.method == "POST":
        try:
            services.parts_order_delete(actor=request.user, order=order)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(order)
        messages.success(request, _("Parts order deleted."))
        return redirect(f"{order.customer.get_absolute_url()}#parts")
    context: dict[str, Any] = {
        "customer": order.customer,
        "object": order,
        "cancel_url": order.get_absolute_url(),
    }
    return render(request, "customers/confirm_delete.html", context)
