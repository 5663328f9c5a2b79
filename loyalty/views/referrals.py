"""Who brought whom, and the snowball each gold customer started."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers import selectors as customer_selectors
from customers.models import Customer
from dealercrm import roles
from dealercrm.decorators import policy_required

from .. import selectors, services
from ..forms import ReferralForm
from .common import resolve_customer


@policy_required(roles.can_view_gold_programme)
def referral_tree(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    return render(
        request,
        "loyalty/referral_tree.html",
        {
            "customer": customer,
            "tree": selectors.referral_tree(user=request.user, customer=customer),
            "referred_by": selectors.referrer_of(customer),
            "can_manage": roles.can_manage_gold_cards(request.user),
        },
    )


@policy_required(roles.can_manage_gold_cards)
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    initial = {
        side: customer_selectors.customer_get(user=request.user, pk=request.GET[side])
        for side in ("referrer", "referred")
        if request.GET.get(side)
    }
    form = ReferralForm(
        request.POST or None,
        initial={
            **{f"{side}_id": c.pk for side, c in initial.items()},
            **{f"{side}_query": c.name for side, c in initial.items()},
        },
    )
    choices: dict[str, list[Customer]] = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        picked: dict[str, Customer] = {}
        for side in ("referrer", "referred"):
            customer, hits = resolve_customer(request, data[f"{side}_id"], data[f"{side}_query"])
            if customer is None:
                choices[side] = hits or []
                form.add_error(
                    f"{side}_query",
                    _("Several customers match; pick one.")
                    if hits
                    else _("No customer matches; check the name, pinyin or phone."),
                )
            else:
                picked[side] = customer
        if not choices:
            try:
                referral = services.referral_create(
                    actor=request.user,
                    referrer=picked["referrer"],
                    referred=picked["referred"],
                    referred_on=data["referred_on"],
                    note=data["note"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _("Recorded: %(new)s was referred by %(by)s.")
                    % {"new": referral.referred.name, "by": referral.referrer.name},
                )
                return redirect("loyalty:referral_tree", pk=referral.referrer_id)
    return render(request, "loyalty/referral_form.html", {"form": form, "choices": choices})
