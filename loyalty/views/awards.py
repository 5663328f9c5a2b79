"""Gold user of the year (年度金牌用户): the ranking and the award."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers.models import Customer
from dealercrm import roles
from dealercrm.decorators import policy_required

from .. import selectors, services
from ..forms import AwardForm, YearForm


@policy_required(roles.can_view_all_gold_programme)
def ranking(request: HttpRequest) -> HttpResponse:
    form = YearForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
    return render(
        request,
        "loyalty/goldaward_ranking.html",
        {
            "year": year,
            "rows": selectors.ranking(user=request.user, year=year),
            "scoring": selectors.scoring(),
            "award": selectors.award_for(year),
            "awards": selectors.award_list(),
            "can_award": roles.can_manage_gold_cards(request.user),
        },
    )


@policy_required(roles.can_manage_gold_cards)
@require_http_methods(["GET", "POST"])
def award(request: HttpRequest, year: int) -> HttpResponse:
    rows = selectors.ranking(user=request.user, year=year)
    scoring = selectors.scoring()
    form = AwardForm(
        request.POST or None,
        rows=rows,
        initial={
            "customer": rows[0].customer.pk if rows else None,
            "prize": scoring.default_prize,
            "prize_value": scoring.default_prize_value,
        },
    )
    back = f"{reverse('loyalty:ranking')}?year={year}"
    if request.method == "POST" and form.is_valid():
        try:
            services.gold_award_create(
                actor=request.user,
                year=year,
                customer=Customer.objects.get(pk=form.cleaned_data["customer"]),
                prize=form.cleaned_data["prize"],
                prize_value=form.cleaned_data["prize_value"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Gold user of %(year)s recorded.") % {"year": year})
            return redirect(back)
    return render(
        request,
        "loyalty/goldaward_form.html",
        {"form": form, "year": year, "rows": rows, "cancel_url": back},
    )
