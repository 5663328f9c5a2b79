"""The executives' dashboards (issue 7): the gold-card group, the 80/20 view, the list behind
every number, and the printable monthly gold-card report. Read-only; the figures come from
loyalty.selectors.dashboard, scoped to the user. Every table exports (?export=csv|xlsx and
&table=…) with the current filters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from dealercrm import exports, roles
from dealercrm.decorators import policy_required
from dealercrm.money import to_fen
from dealercrm.pagination import page_of, querystring_without_page
from dealercrm.templatetags.dealercrm import person

from ..forms import DashboardFilterForm, DrillForm
from ..selectors import dashboard as selectors
from ..selectors.dashboard import NO_TIER, DashboardFilters, Drill
from ..selectors.tiers import latest_month


@dataclass
class Table:
    """One dashboard table as it is exported (the page renders it with its links)."""

    title: str
    headers: Sequence[Any]
    rows: Iterable[Sequence[Any]]


def _filters(request: HttpRequest, default_month: Any) -> tuple[DashboardFilterForm, Any]:
    form = DashboardFilterForm(request.GET, user=request.user, default_month=default_month)
    return form, form.filters()


def _query(filters: DashboardFilters, **extra: Any) -> dict[str, Any]:
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
    return f"{reverse('loyalty:dashboard_list')}?{urlencode(_query(filters, list=kind, **extra))}"


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


def _pct(value: float | None) -> Any:
    return "" if value is None else value


def _tabs(filters: DashboardFilters) -> list[tuple[str, str, str]]:
    query = urlencode(_query(filters))
    return [
        ("gold", _("Gold customers"), f"{reverse('loyalty:dashboard_gold')}?{query}"),
        ("pareto", _("80/20"), f"{reverse('loyalty:dashboard_pareto')}?{query}"),
        ("report", _("Monthly report"), f"{reverse('loyalty:dashboard_report')}?{query}"),
    ]


# --- the gold-card dashboard -----------------------------------------------------------------


def _gold_tables(dash: selectors.GoldDashboard) -> dict[str, Callable[[], Table]]:
    return {
        "summary": lambda: Table(
            _("Gold-card summary"),
            [_("Figure"), _("Value")],
            [
                (_("Active gold customers"), dash.active_gold),
                (_("Contacts due this month"), dash.due),
                (_("Contacted"), dash.contacted),
                (_("Compliance (%)"), _pct(dash.rate)),
                (_("Gold customers overdue for contact"), dash.overdue),
                (_("At-risk customers"), dash.at_risk),
                (_("At-risk gold customers"), dash.at_risk_gold),
                (_("Outstanding benefit credits (CNY)"), dash.credits_outstanding),
                (_("Customers holding credits"), dash.credits_customers),
                (_("New customers referred this month"), dash.referrals_new),
                (_("Customers referred to date"), dash.referrals_total),
                (
                    _("Revenue from referred customers this month (CNY)"),
                    dash.referral_revenue_month,
                ),
                (_("Revenue from referred customers to date (CNY)"), dash.referral_revenue_total),
            ],
        ),
        "trend": lambda: Table(
            _("Active gold customers by month"),
            [_("Month"), _("Active gold customers")],
            [(f"{m:%Y-%m}", n) for m, n in dash.trend],
        ),
        "managers": lambda: Table(
            _("Gold customers per manager"),
            [
                _("Sales manager"),
                _("Gold customers"),
                _("Cap"),
                pgettext("number of gold-card contacts due", "Due"),
                _("Contacted"),
                _("Compliance (%)"),
                _("Missed, 6 months"),
                _("Outstanding credits (CNY)"),
            ],
            [
                (
                    person(r.manager) if r.manager else _("(no manager)"),
                    r.held,
                    r.cap,
                    r.due,
                    r.contacted,
                    _pct(r.rate),
                    r.missed_6m,
                    r.credits,
                )
                for r in dash.managers
            ],
        ),
        "compliance": lambda: Table(
            _("Contact compliance by month"),
            [
                _("Month"),
                pgettext("number of gold-card contacts due", "Due"),
                _("Contacted"),
                _("Missed"),
                _("Compliance (%)"),
            ],
            [
                (f"{c.month:%Y-%m}", c.due, c.contacted, c.missed, _pct(c.rate))
                for c in dash.compliance_trend
            ],
        ),
        "referrals": lambda: Table(
            _("Referral snowball by month"),
            [_("Month"), _("New customers referred"), _("Revenue from referred customers (CNY)")],
            [(f"{r.month:%Y-%m}", r.new, r.revenue) for r in dash.referral_trend],
        ),
        "referrers": lambda: Table(
            _("Gold customers who brought the most"),
            [_("Gold customer"), _("Customers referred"), _("Their revenue (CNY)")],
            [(r.name, r.referred, r.revenue) for r in dash.referrers],
        ),
    }


def _gold_charts(dash: selectors.GoldDashboard) -> dict[str, Any]:
    return {
        "trend": {
            "type": "line",
            "labels": [f"{m:%Y-%m}" for m, _n in dash.trend],
            "datasets": [
                {"label": _("Active gold customers"), "data": [n for _m, n in dash.trend]}
            ],
        },
        "managers": {
            "type": "bar",
            "labels": [
                person(r.manager) if r.manager else _("(no manager)") for r in dash.managers
            ],
            "datasets": [
                {"label": _("Gold customers"), "data": [r.held for r in dash.managers]},
                {
                    "label": pgettext("number of gold-card contacts due", "Due"),
                    "data": [r.due for r in dash.managers],
                },
                {"label": _("Contacted"), "data": [r.contacted for r in dash.managers]},
                {"label": _("Missed, 6 months"), "data": [r.missed_6m for r in dash.managers]},
            ],
            "line": {"label": _("Cap"), "value": dash.cap},
        },
        "compliance": {
            "type": "bar",
            "labels": [f"{c.month:%Y-%m}" for c in dash.compliance_trend],
            "datasets": [
                {"label": _("Contacted"), "data": [c.contacted for c in dash.compliance_trend]},
                {"label": _("Missed"), "data": [c.missed for c in dash.compliance_trend]},
                {
                    "label": pgettext("number of gold-card contacts due", "Due"),
                    "data": [c.due for c in dash.compliance_trend],
                },
            ],
        },
        "referrals": {
            "type": "bar",
            "labels": [f"{r.month:%Y-%m}" for r in dash.referral_trend],
            "datasets": [
                {
                    "label": _("Revenue from referred customers (CNY)"),
                    "data": [float(r.revenue) for r in dash.referral_trend],
                    "axis": "money",
                },
                {
                    "label": _("New customers referred"),
                    "data": [r.new for r in dash.referral_trend],
                    "kind": "line",
                },
            ],
        },
    }


@policy_required(roles.can_view_dashboards)
def gold_dashboard(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request, selectors.this_month())
    dash = selectors.gold_dashboard(user=request.user, filters=filters)
    tables = _gold_tables(dash)
    exported = _export(request, form, "gold-dashboard", tables)
    if exported is not None:
        return exported
    managers = [
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
    ]
    return render(
        request,
        "loyalty/dashboard_gold.html",
        {
            "form": form,
            "filters": filters,
            "dash": dash,
            "managers": managers,
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
            "exports": {k: _export_links(request, k) for k in tables},
            "charts": _gold_charts(dash),
            "tabs": _tabs(filters),
            "tab": "gold",
        },
    )


# --- the 80/20 view --------------------------------------------------------------------------


def _pareto_tables(dash: selectors.ParetoDashboard) -> dict[str, Callable[[], Table]]:
    labels = dash.tier_labels
    return {
        "curve": lambda: Table(
            _("Pareto curve"),
            [_("First customers"), _("Share of customers (%)"), _("Share of contribution (%)")],
            [(p.customers, p.customers_pct, p.share_pct) for p in dash.curve],
        ),
        "tiers": lambda: Table(
            _("Tiers"),
            [
                _("Tier"),
                _("Customers"),
                _("Share of customers (%)"),
                _("Contribution (CNY)"),
                _("Share of contribution (%)"),
            ],
            [
                (t.tier, t.customers, t.customers_pct, t.contribution, t.contribution_pct)
                for t in dash.tiers
            ],
        ),
        "movement": lambda: Table(
            _("Tier movement"),
            [_("Tier before"), *labels],
            [(a, *[n for _b, n in cells]) for a, cells in dash.movement_rows()],
        ),
        "grid": lambda: Table(
            _("Contribution × stability grid"),
            [_("Grid"), _("Meaning"), _("Customers"), _("Contribution (CNY)")],
            [(g.grid, g.label, g.customers, g.contribution) for g in dash.grid],
        ),
    }


def _pareto_charts(dash: selectors.ParetoDashboard) -> dict[str, Any]:
    points = [{"x": 0, "y": 0}] + [{"x": p.customers_pct, "y": p.share_pct} for p in dash.curve]
    return {
        "pareto": {
            "type": "pareto",
            "datasets": [{"label": _("Cumulative share of contribution (%)"), "data": points}],
            "marks": [
                {"label": _("80% (A)"), "value": 80},
                {"label": _("95% (B)"), "value": 95},
            ],
            "x": _("Share of customers, ranked by contribution (%)"),
            "y": _("Share of contribution (%)"),
        },
        "tiers": {
            "type": "bar",
            "labels": [t.tier for t in dash.tiers],
            "datasets": [
                {
                    "label": _("Share of customers (%)"),
                    "data": [t.customers_pct for t in dash.tiers],
                },
                {
                    "label": _("Share of contribution (%)"),
                    "data": [t.contribution_pct for t in dash.tiers],
                },
            ],
        },
        "grid": {
            "type": "bar",
            "labels": [g.grid for g in dash.grid],
            "datasets": [{"label": _("Customers"), "data": [g.customers for g in dash.grid]}],
        },
    }


@policy_required(roles.can_view_dashboards)
def pareto_dashboard(request: HttpRequest) -> HttpResponse:
    # The 80/20 view opens on the newest computed month (tiers are computed monthly).
    form, filters = _filters(request, latest_month() or selectors.this_month())
    dash = selectors.pareto_dashboard(user=request.user, filters=filters)
    tables = _pareto_tables(dash)
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
            "curve": [(p, drill_url(filters, "top", top=p.customers)) for p in dash.curve],
            "deciles": _deciles(dash, filters),
            "tiers": [(t, drill_url(filters, "tier", tier=t.tier)) for t in dash.tiers],
            "movement": [
                (a, [(n, drill_url(filters, "move", was=a, now=b)) for b, n in cells])
                for a, cells in dash.movement_rows()
            ],
            "grid": [(g, drill_url(filters, "grid", grid=g.grid)) for g in dash.grid],
            "reach80": dash.reach(80),
            "reach95": dash.reach(95),
            "exports": {k: _export_links(request, k) for k in tables},
            "charts": _pareto_charts(dash),
            "tabs": _tabs(filters),
            "tab": "pareto",
            "no_tier": NO_TIER,
            "show_compare": True,
        },
    )


def _deciles(dash: selectors.ParetoDashboard, filters: DashboardFilters) -> list[Any]:
    """Every tenth point of the curve for the table under the chart (all when few)."""
    points = dash.curve if len(dash.curve) <= 10 else dash.curve[9::10]
    return [(p, drill_url(filters, "top", top=p.customers)) for p in points]


# --- the list behind a number ------------------------------------------------------------------


def _list_table(flavour: str, rows: Iterable[Any], extra: dict[int, Any]) -> Table:
    if flavour == "reminders":
        return Table(
            _("Gold-card contacts"),
            [_("Month"), _("Customer"), _("Sales manager"), _("Sales region"), _("Status")],
            (
                (
                    f"{r.period:%Y-%m}",
                    r.customer.name,
                    person(r.manager) if r.manager else "",
                    str(r.customer.sales_region or ""),
                    r.get_status_display(),
                )
                for r in rows
            ),
        )
    if flavour == "snapshots":
        return Table(
            _("Tiers"),
            [
                _("Month"),
                _("Rank"),
                _("Customer"),
                _("Sales manager"),
                _("Sales region"),
                _("Contribution (CNY)"),
                _("Tier"),
                _("Grid"),
            ],
            (
                (
                    f"{s.month:%Y-%m}",
                    s.rank,
                    s.customer.name,
                    person(s.customer.manager) if s.customer.manager_id else "",
                    str(s.customer.sales_region or ""),
                    s.contribution,
                    s.tier,
                    s.grid,
                )
                for s in rows
            ),
        )
    return Table(
        _("Customers"),
        [_("Customer"), _("Sales manager"), _("Sales region"), _("Status"), _("Figure")],
        (
            (
                c.name,
                person(c.manager) if c.manager_id else "",
                str(c.sales_region or ""),
                c.get_status_display(),
                extra.get(c.pk, ""),
            )
            for c in rows
        ),
    )


# gettext_noop: extracted for translation here, translated with _() where shown.
LIST_TITLES = {
    "gold": gettext_noop("Active gold customers"),
    "overdue": gettext_noop("Gold customers overdue for contact"),
    "at_risk": gettext_noop("At-risk customers"),
    "at_risk_gold": gettext_noop("At-risk gold customers"),
    "credits": gettext_noop("Customers holding benefit credits"),
    "referred": gettext_noop("Customers referred by gold customers, to date"),
    "referred_month": gettext_noop("Customers referred by gold customers this month"),
    "due": gettext_noop("Gold-card contacts due"),
    "contacted": gettext_noop("Gold-card contacts done"),
    "missed": gettext_noop("Gold-card contacts missed (6 months)"),
    "tier": gettext_noop("Customers of a tier"),
    "grid": gettext_noop("Customers of a grid cell"),
    "move": gettext_noop("Customers whose tier moved"),
    "top": gettext_noop("Customers making the first share of the contribution"),
}


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
    form, filters = _filters(request, selectors.this_month())
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
            headers=_list_table(flavour, [], {}).headers,
            rows=_list_table(flavour, rows, _extra(request, filters, drill, rows)).rows,
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
            "tabs": _tabs(filters),
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
    form, filters = _filters(request, selectors.this_month())
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
            "tabs": _tabs(filters),
            "tab": "report",
            "show_compare": True,
        },
    )
