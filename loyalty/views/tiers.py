"""The 80/20 tier list: a month's ranking with its A/B/C counts, filters and moves."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from dealercrm import exports, roles
from dealercrm.decorators import policy_required
from dealercrm.months import month_of_query
from dealercrm.pagination import page_of, querystring_without_page
from dealercrm.templatetags.dealercrm import person

from ..models import TierSnapshot
from ..selectors import tiers as selectors


@policy_required(roles.can_view_money)
def tier_list(request: HttpRequest) -> HttpResponse:
    month = month_of_query(request.GET) or selectors.latest_month()
    tier = request.GET.get("tier", "")
    tier = tier if tier in TierSnapshot.Tier.values else ""
    manager = request.GET.get("manager", "")
    manager_id = int(manager) if manager.isdigit() else None
    month_qs = selectors.tier_list(user=request.user, month=month, manager=manager_id)
    qs = month_qs.filter(tier=tier) if tier else month_qs
    fmt = exports.requested_format(request)
    if fmt and month is not None:
        return exports.export_response(
            request,
            fmt=fmt,
            name=f"tiers-{month:%Y-%m}",
            title=_("80/20 tiers"),
            headers=[
                _("Rank"),
                _("Customer"),
                _("Manager"),
                _("Machines (CNY)"),
                _("Parts (CNY)"),
                _("Paid service (CNY)"),
                _("Contribution (CNY)"),
                _("Share before"),
                _("Tier"),
                _("Grid"),
                _("Tier the month before"),
            ],
            rows=(
                (
                    s.rank,
                    s.customer.name,
                    person(s.customer.manager) if s.customer.manager_id else "",
                    s.machines_total,
                    s.parts_total,
                    s.service_total,
                    s.contribution,
                    round(s.share_before, 4),
                    s.tier,
                    s.grid,
                    s.previous_tier,
                )
                for s in qs.iterator(chunk_size=2000)
            ),
        )
    basis = selectors.month_basis(month)
    return render(
        request,
        "loyalty/tier_list.html",
        {
            "month": month,
            "tier": tier,
            "manager": manager_id,
            "managers": customer_selectors.managers_for_filter(user=request.user),
            "counts": selectors.tier_counts(month_qs),
            "page": page_of(request, qs, 50),
            "querystring": querystring_without_page(request),
            "basis": basis,
            "uncosted": (
                selectors.month_uncosted(month)
                if basis == TierSnapshot.Basis.GROSS_PROFIT and month is not None
                else None
            ),
            "export_csv": exports.export_url(request, "csv"),
            "export_xlsx": exports.export_url(request, "xlsx"),
        },
    )
