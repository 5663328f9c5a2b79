"""The dashboards' charts: what static/js/dashboard-charts.js draws for the gold-card and
the 80/20 view (labels translated here, figures as plain numbers)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dealercrm.templatetags.dealercrm import person

from ..selectors import dashboard as selectors


def gold_charts(dash: selectors.GoldDashboard) -> dict[str, Any]:
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


def pareto_charts(dash: selectors.ParetoDashboard) -> dict[str, Any]:
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
