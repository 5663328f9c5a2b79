"""The benefit ledger: the statement with its balance, redemptions, corrections."""

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
from ..forms import RedeemForm, ReverseForm
from .common import page_of


@policy_required(roles.can_view_gold_programme)
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    statement = selectors.ledger_statement(user=request.user, customer=customer)
    return render(
        request,
        "loyalty/ledgerentry_list.html",
        {
            "customer": customer,
            "statement": statement,
            "page": page_of(request, statement.rows, size=50),
            "querystring": "",
            "can_redeem": roles.can_redeem_credits(request.user),
            "can_correct": roles.can_manage_gold_cards(request.user),
        },
    )


@policy_required(roles.can_redeem_credits)
@require_http_methods(["GET", "POST"])
def redeem(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    form = RedeemForm(
        request.POST or None,
        orders=selectors.redeemable_orders(customer),
        initial={"parts_order": request.GET.get("order")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.ledger_redeem(
                actor=request.user,
                customer=customer,
                parts_order=form.cleaned_data["parts_order"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Credits redeemed."))
            return redirect("loyalty:ledger", pk=customer.pk)
    return render(
        request,
        "loyalty/ledgerentry_redeem.html",
        {
            "customer": customer,
            "form": form,
            "balance": selectors.balance_of(customer.pk),
            "card": selectors.live_card(customer),
        },
    )


@policy_required(roles.can_manage_gold_cards)
@require_http_methods(["GET", "POST"])
def reverse_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.ledger_entry_get(user=request.user, pk=pk)
    back = reverse("loyalty:ledger", args=[entry.customer_id])
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ledger_reverse(
                actor=request.user, entry=entry, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The entry was reversed."))
            return redirect(back)
    return render(
        request,
        "loyalty/ledgerentry_reverse.html",
        {"entry": entry, "customer": entry.customer, "form": form, "cancel_url": back},
    )
