"""The executives' dashboards (issue 7): the gold-card group, the 80/20 view, the list behind
every number, and the printable monthly gold-card report. Read-only; the figures come from
loyalty.selectors.dashboard, scoped to the user. Every table exports (?export=csv|xlsx and
&table=…) with the current filters. The tables, charts and links each page shows are built in
dashboard_tables, dashboard_charts and dashboard_links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dealercrm import exports, roles
from dealercrm.decorators import policy_required
from dealercrm.money import to_fen
from dealercrm.months import this_month
from dealercrm.pagination import page_of, querystring_without_page

from ..forms import DashboardFilterForm, DrillForm
from ..selectors import dashboard as selectors
from ..selectors.dashboard import NO_TIER, DashboardFilters, Drill
from ..selectors.tiers import latest_month
from .dashboard_charts import gold_charts, pareto_charts
from .dashboard_links import gold_links, pareto_links, tabs
from .dashboard_tables import LIST_TITLES, Table, gold_tables, list_table, pareto_tables


def _filters(request: HttpRequest, default_month: Any) -> tuple[DashboardFilterForm, Any]:
    form = DashboardFilterForm(request.GET, user=request.user, default_month=default_month)
    return form, form.filters()


def _export_links(request: HttpRequest, table: str) -> dict[str, str]:
    return {fmt: f"{exports.export_url(request, fmt)}&table={table}" for fmt in exports.FORMATS}


def _export(
    request: HttpRequest,
    form: DashboardFilterForm,
    name: str,
    tables: dict[str, Callable[[], Table]],
) -> HttpResponse | None:
    """The export asked for, if any (and the filters are valid): one table per file."""
    fmt = exports.requested_format(request)
    key = request.GET.get("table", "")
    if not fmt or key not in tables or not form.is_valid():
        return None
    table = tables[key]()
    return exports.export_response(
        request,
        fmt=fmt,
        name=f"{name}-{key}",
        title=table.title,
        headers=table.headers,
        rows=table.rows,
    )


# --- the gold-card dashboard -----------------------------------------------------------------


@policy_required(roles.can_view_dashboards)
def gold_dashboard(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request, this_month())
    dash = selectors.gold_dashboard(user=request.user, filters=filters)
    tables = gold_tables(dash)
    exported = _export(request, form, "gold-dashboard", tables)
    if exported is not None:
        return exported
    return render(
        request,
        "loyalty/dashboard_gold.html",
        {
            "form": form,
            "filters": filters,
            "dash": dash,
            **gold_links(dash, filters),
            "exports": {k: _export_links(request, k) for k in tables},
            "charts": gold_charts(dash),
            "tabs": tabs(filters),
            "tab": "gold",
        },
    )


# --- the 80/20 view --------------------------------------------------------------------------


@policy_required(roles.can_view_dashboards)
def pareto_dashboard(request: HttpRequest) -> HttpResponse:
    # The 80/20 view opens on the newest computed month (tiers are computed monthly).
    form, filters = _filters(request, latest_month() or this_month())
    dash = selectors.pareto_dashboard(user=request.user, filters=filters)
    tables = pareto_tables(dash)
    exported = _export(request, form, "pareto-dashboard", tables)
    if exported is not None:
        return exported
    return render(
        request,
        "loyalty/dashboard_pareto.html",
        {
            "form": form,
            "filters": filters,
            "dash": dash,
            **pareto_links(dash, filters),
            "reach80": dash.reach(80),
            "reach95": dash.reach(95),
            "exports": {k: _export_links(request, k) for k in tables},
            "charts": pareto_charts(dash),
            "tabs": tabs(filters),
            "tab": "pareto",
            "no_tier": NO_TIER,
            "show_compare": True,
        },
    )


# --- the list behind a number ------------------------------------------------------------------


def _extra(
    request: HttpRequest, filters: DashboardFilters, drill: Drill, rows: list[Any]
) -> dict[int, Any]:
    """The figure column of a customer list: a balance, or what a referred customer bought."""
    if drill.kind == "credits":
        return {c.pk: to_fen(c.balance) for c in rows}
    if drill.kind in ("referred", "referred_month"):
        return selectors.referred_revenue(request.user, filters, [c.pk for c in rows])
    return {}


@policy_required(roles.can_view_dashboards)
def dashboard_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request, this_month())
    drill_form = DrillForm(request.GET)
    valid = form.is_valid() and drill_form.is_valid()
    flavour, qs, drill = "customers", None, None
    if valid:
        drill = drill_form.drill()
        flavour, qs = selectors.drilldown(user=request.user, filters=filters, drill=drill)
    fmt = exports.requested_format(request)
    if fmt and qs is not None and drill is not None:
        rows = list(qs)
        return exports.export_response(
            request,
            fmt=fmt,
            name=f"dashboard-{drill.kind}",
            title=_(LIST_TITLES[drill.kind]),
            headers=list_table(flavour, [], {}).headers,
            rows=list_table(flavour, rows, _extra(request, filters, drill, rows)).rows,
        )
    page = page_of(request, qs if qs is not None else [])
    extra = _extra(request, filters, drill, list(page.object_list)) if drill else {}
    return render(
        request,
        "loyalty/dashboard_list.html",
        {
            "form": form,
            "drill_form": drill_form,
            "filters": filters,
            "drill": drill,
            "title": _(LIST_TITLES[drill.kind]) if drill else _("Dashboard list"),
            "flavour": flavour,
            "page": page,
            "rows": [(row, extra.get(row.pk, "")) for row in page.object_list],
            "querystring": querystring_without_page(request),
            "exports": {fmt: exports.export_url(request, fmt) for fmt in exports.FORMATS}
            if valid
            else {},
            "tabs": tabs(filters),
            "show_compare": True,
            "hidden_params": [
                (name, request.GET[name])
                for name in ("list", "tier", "grid", "was", "now", "top")
                if request.GET.get(name)
            ],
        },
    )


# --- the monthly gold-card report (printable) -----------------------------------------------------


@policy_required(roles.can_view_dashboards)
def dashboard_report(request: HttpRequest) -> HttpResponse:
    """The month's compliance, tier changes and referrals on one printable page."""
    form, filters = _filters(request, this_month())
    gold = selectors.gold_dashboard(user=request.user, filters=filters)
    pareto = selectors.pareto_dashboard(user=request.user, filters=filters)
    referred_qs = selectors.drilldown(
        user=request.user, filters=filters, drill=Drill(kind="referred_month")
    )[1]
    referred = list(referred_qs[:200])
    revenue = selectors.referred_revenue(request.user, filters, [c.pk for c in referred])
    return render(
        request,
        "loyalty/dashboard_report.html",
        {
            "form": form,
            "filters": filters,
            "gold": gold,
            "pareto": pareto,
            "moved": selectors.moved_customers(user=request.user, filters=filters)[:200],
            "referred": [(c, revenue.get(c.pk)) for c in referred],
            "tabs": tabs(filters),
            "tab": "report",
            "show_compare": True,
        },
    )
