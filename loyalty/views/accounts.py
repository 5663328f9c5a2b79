"""Benchmark customers and key accounts: their own lists and next actions (seed 000)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.decorators import policy_required

from .. import selectors, services
from ..forms import TenderForm
from .common import page_of, querystring


@policy_required(roles.can_view_account_lists)
def benchmarks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "loyalty/benchmark_list.html",
        {
            "page": page_of(request, selectors.benchmark_list(user=request.user)),
            "querystring": querystring(request),
            "can_register": roles.can_manage_gold_cards(request.user),
        },
    )


@policy_required(roles.can_view_account_lists)
def key_accounts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "loyalty/keyaccount_list.html",
        {
            "page": page_of(request, selectors.key_account_list(user=request.user)),
            "querystring": querystring(request),
            "can_write": roles.can_write_tender(request.user),
        },
    )


@policy_required(roles.can_write_tender)
@require_http_methods(["GET", "POST"])
def tender_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    form = TenderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tender_create(actor=request.user, customer=customer, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Tender added."))
            return redirect(f"{reverse('loyalty:key_accounts')}#c{customer.pk}")
    return render(
        request,
        "loyalty/tender_form.html",
        {"form": form, "customer": customer, "creating": True},
    )


@policy_required(roles.can_write_tender)
@require_http_methods(["GET", "POST"])
def tender_update(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_get(user=request.user, pk=pk)
    form = TenderForm(request.POST or None, instance=tender)
    if request.method == "POST" and form.is_valid():
        try:
            services.tender_update(actor=request.user, tender=tender, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(f"{reverse('loyalty:key_accounts')}#c{tender.customer_id}")
    return render(
        request,
        "loyalty/tender_form.html",
        {"form": form, "customer": tender.customer, "tender": tender},
    )
