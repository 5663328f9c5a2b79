"""The dashboards' links: the filters as URL parameters, the tabs, and the list behind every
number of the gold-card and the 80/20 view (each link carries the page's filters)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..selectors import dashboard as selectors
from ..selectors.dashboard import DashboardFilters


def filter_query(filters: DashboardFilters, **extra: Any) -> dict[str, Any]:
    """The valid filters as URL parameters (what links and exports carry)."""
    query: dict[str, Any] = {"month": f"{filters.month:%Y-%m}"}
    if filters.region:
        query["region"] = filters.region
    if filters.manager:
        query["manager"] = filters.manager
    if filters.compare:
        query["compare"] = f"{filters.compare:%Y-%m}"
    query.update({k: v for k, v in extra.items() if v is not None})
    return query


def drill_url(filters: DashboardFilters, kind: str, **extra: Any) -> str:
    query = filter_query(filters, list=kind, **extra)
    return f"{reverse('loyalty:dashboard_list')}?{urlencode(query)}"


def tabs(filters: DashboardFilters) -> list[tuple[str, str, str]]:
    query = urlencode(filter_query(filters))
    return [
        ("gold", _("Gold customers"), f"{reverse('loyalty:dashboard_gold')}?{query}"),
        ("pareto", _("80/20"), f"{reverse('loyalty:dashboard_pareto')}?{query}"),
        ("report", _("Monthly report"), f"{reverse('loyalty:dashboard_report')}?{query}"),
    ]


# --- the gold-card dashboard -----------------------------------------------------------------


def gold_links(dash: selectors.GoldDashboard, filters: DashboardFilters) -> dict[str, Any]:
    """The gold-card page's rows with the list behind each of their numbers."""
    return {
        "managers": [
            {
                "row": r,
                "links": {
                    "held": drill_url(filters, "gold", manager=r.manager.pk),
                    "due": drill_url(filters, "due", manager=r.manager.pk),
                    "contacted": drill_url(filters, "contacted", manager=r.manager.pk),
                    "missed": drill_url(filters, "missed", manager=r.manager.pk),
                    "credits": drill_url(filters, "credits", manager=r.manager.pk),
                }
                if r.manager
                else {},
            }
            for r in dash.managers
        ],
        "trend": [
            (m, n, drill_url(DashboardFilters(m, filters.region, filters.manager), "gold"))
            for m, n in dash.trend
        ],
        "compliance": [
            (
                c,
                {
                    k: drill_url(DashboardFilters(c.month, filters.region, filters.manager), k)
                    for k in ("due", "contacted")
                },
            )
            for c in dash.compliance_trend
        ],
        "referral_trend": [
            (
                r,
                drill_url(
                    DashboardFilters(r.month, filters.region, filters.manager), "referred_month"
                ),
            )
            for r in dash.referral_trend
        ],
        "links": {
            k: drill_url(filters, k)
            for k in (
                "gold",
                "overdue",
                "at_risk",
                "at_risk_gold",
                "credits",
                "referred",
                "referred_month",
                "due",
                "contacted",
                "missed",
            )
        },
    }


# --- the 80/20 view --------------------------------------------------------------------------


def pareto_links(dash: selectors.ParetoDashboard, filters: DashboardFilters) -> dict[str, Any]:
    """The 80/20 page's rows with the list behind each of their numbers."""
    return {
        "curve": [(p, drill_url(filters, "top", top=p.customers)) for p in dash.curve],
        "deciles": deciles(dash, filters),
        "tiers": [(t, drill_url(filters, "tier", tier=t.tier)) for t in dash.tiers],
        "movement": [
            (a, [(n, drill_url(filters, "move", was=a, now=b)) for b, n in cells])
            for a, cells in dash.movement_rows()
        ],
        "grid": [(g, drill_url(filters, "grid", grid=g.grid)) for g in dash.grid],
    }


def deciles(dash: selectors.ParetoDashboard, filters: DashboardFilters) -> list[Any]:
    """Every tenth point of the curve for the table under the chart (all when few)."""
    points = dash.curve if len(dash.curve) <= 10 else dash.curve[9::10]
    return [(p, drill_url(filters, "top", top=p.customers)) for p in points]
