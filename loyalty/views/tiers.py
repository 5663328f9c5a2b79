"""The 80/20 tier list: a month's ranking with its A/B/C counts, filters and moves."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contacts.forms import MonthForm
from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.decorators import policy_required

from ..models import TierSnapshot
from ..selectors import tiers as selectors


@policy_required(roles.can_view_money)
def tier_list(request: HttpRequest) -> HttpResponse:
    form = MonthForm({"month": request.GET.get("month", "")})
    month = form.cleaned_data["month"] if form.is_valid() else selectors.latest_month()
    tier = request.GET.get("tier", "")
    tier = tier if tier in TierSnapshot.Tier.values else ""
    manager = request.GET.get("manager", "")
    manager_id = int(manager) if manager.isdigit() else None
    month_qs = selectors.tier_list(user=request.user, month=month, manager=manager_id)
    qs = month_qs.filter(tier=tier) if tier else month_qs
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "loyalty/tier_list.html",
        {
            "month": month,
            "tier": tier,
            "manager": manager_id,
            "managers": customer_selectors.managers_for_filter(user=request.user),
            "counts": selectors.tier_counts(month_qs),
            "page": Paginator(qs, 50).get_page(request.GET.get("page")),
            "querystring": query.urlencode(),
        },
    )
