"""Candidates, registration (金卡客户登记表), cards and their state, ticked traits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.decorators import policy_required

from .. import selectors, services
from ..forms import (
    CandidateFilterForm,
    CardChangeForm,
    CardFilterForm,
    RegistrationForm,
    TraitTickForm,
)
from ..models import CustomerTrait
from .common import page_of, querystring


@policy_required(roles.can_view_gold_candidates)
def candidates(request: HttpRequest) -> HttpResponse:
    form = CandidateFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.candidate_list(
        user=request.user, search=data.get("q") or "", include_holders=bool(data.get("holders"))
    )
    page = page_of(request, qs)
    selectors.attach_traits(list(page.object_list))
    return render(
        request,
        "loyalty/candidate_list.html",
        {
            "page": page,
            "filter_form": form,
            "querystring": querystring(request),
            "min_traits": selectors.min_traits(),
            "can_register": roles.can_manage_gold_cards(request.user),
        },
    )


@policy_required(roles.can_view_gold_programme)
def card_list(request: HttpRequest) -> HttpResponse:
    form = CardFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.card_list(
        user=request.user, state=data.get("state") or "", search=data.get("q") or ""
    )
    return render(
        request,
        "loyalty/goldcard_list.html",
        {
            "page": page_of(request, qs),
            "filter_form": form,
            "querystring": querystring(request),
            "can_manage": roles.can_manage_gold_cards(request.user),
            "can_rank": roles.can_view_all_gold_programme(request.user),
        },
    )


@policy_required(roles.can_manage_gold_cards)
@require_http_methods(["GET", "POST"])
def card_register(request: HttpRequest, customer_pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=customer_pk)
    traits = selectors.customer_traits(user=request.user, customer=customer)
    form = RegistrationForm(
        request.POST or None, traits=traits, initial={"manager": customer.manager_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            card = services.gold_card_register(
                actor=request.user,
                customer=customer,
                manager=form.cleaned_data["manager"],
                traits=form.traits(),
                number=form.cleaned_data["number"],
                issued_on=form.cleaned_data["issued_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("%(name)s registered as a gold customer: card %(number)s.")
                % {"name": customer.name, "number": card.number},
            )
            return redirect(card)
    return render(
        request,
        "loyalty/goldcard_form.html",
        {
            "form": form,
            "customer": customer,
            "traits": traits,
            "min_traits": selectors.min_traits(),
            "live_card": selectors.live_card(customer),
        },
    )


@policy_required(roles.can_view_gold_programme)
def card_detail(request: HttpRequest, pk: int) -> HttpResponse:
    card = selectors.card_get(user=request.user, pk=pk)
    return render(
        request,
        "loyalty/goldcard_detail.html",
        {
            "card": card,
            "customer": card.customer,
            "events": selectors.card_events(card),
            "can_manage": roles.can_manage_gold_cards(request.user),
        },
    )


@policy_required(roles.can_view_gold_programme)
def card_print(request: HttpRequest, pk: int) -> HttpResponse:
    card = selectors.card_get(user=request.user, pk=pk)
    return render(request, "loyalty/goldcard_print.html", {"card": card, "customer": card.customer})


CHANGE_TITLES = {
    "suspend": gettext_lazy("Suspend card"),
    "reactivate": gettext_lazy("Reactivate card"),
    "revoke": gettext_lazy("Revoke card"),
}


@policy_required(roles.can_manage_gold_cards)
@require_http_methods(["GET", "POST"])
def card_change(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in services.CARD_ACTIONS:
        raise Http404("No such action")
    card = selectors.card_get(user=request.user, pk=pk)
    form = CardChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.CARD_ACTIONS[action](
                actor=request.user,
                card=card,
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data.get("on"),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Card %(number)s updated.") % {"number": card.number})
            return redirect(card)
    return render(
        request,
        "loyalty/goldcard_change.html",
        {
            "card": card,
            "form": form,
            "action": action,
            "title": CHANGE_TITLES[action],
        },
    )


@policy_required(roles.can_view_gold_candidates)
@require_http_methods(["GET", "POST"])
def customer_traits(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    ticks = dict(CustomerTrait.objects.filter(customer=customer).values_list("trait", "note"))
    form = TraitTickForm(request.POST or None, ticks=ticks)
    if request.method == "POST":
        roles.require(roles.can_manage_gold_cards, request.user)
        if form.is_valid():
            try:
                services.traits_set(actor=request.user, customer=customer, ticks=form.ticks())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Traits saved."))
                return redirect("loyalty:traits", pk=customer.pk)
    return render(
        request,
        "loyalty/customertrait_form.html",
        {
            "customer": customer,
            "traits": selectors.customer_traits(user=request.user, customer=customer),
            "form": form,
            "min_traits": selectors.min_traits(),
            "live_card": selectors.live_card(customer),
            "can_manage": roles.can_manage_gold_cards(request.user),
        },
    )
