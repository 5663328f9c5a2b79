"""The dashboards' tables as they are exported (?export=csv|xlsx&table=…): the gold-card
and 80/20 figures, and the list behind a number."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from dealercrm.templatetags.dealercrm import person

from ..selectors import dashboard as selectors


@dataclass
class Table:
    """One dashboard table as it is exported (the page renders it with its links)."""

    title: str
    headers: Sequence[Any]
    rows: Iterable[Sequence[Any]]


def _pct(value: float | None) -> Any:
    return "" if value is None else value


# --- the gold-card dashboard -----------------------------------------------------------------


def gold_tables(dash: selectors.GoldDashboard) -> dict[str, Callable[[], Table]]:
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


# --- the 80/20 view --------------------------------------------------------------------------


def pareto_tables(dash: selectors.ParetoDashboard) -> dict[str, Callable[[], Table]]:
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


# --- the list behind a number ------------------------------------------------------------------


def list_table(flavour: str, rows: Iterable[Any], extra: dict[int, Any]) -> Table:
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
