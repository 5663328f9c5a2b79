"""Reads of the executives' dashboards (issue 7): the gold-card group and the 80/20 view.

Scoped like every other selector: executives and the archivist see the whole group, a sales
manager the figures of his own customers only (another manager's customer is never counted).
Every figure is an aggregate or one bounded read, so the number of queries stays the same
however many managers and customers there are. The drill-down lists (`drilldown()`) use the
same filters as the figures, so a number and the list behind it always agree.
"""

# The month helpers the dashboards count by (dealercrm.months), for the dashboards' callers.
from dealercrm.months import months_ending, shift_month, this_month

from .drill import (
    CUSTOMER_LISTS,
    LISTS,
    REMINDER_LISTS,
    SNAPSHOT_LISTS,
    Drill,
    drilldown,
)
from .filters import (
    MONEY,
    DashboardFilters,
    as_of,
    customer_scope,
    scoped_customers,
)
from .gold import (
    GOLD_CONTACT_DAYS,
    MISSED_MONTHS,
    TREND_MONTHS,
    ComplianceMonth,
    GoldDashboard,
    ManagerRow,
    ReferralMonth,
    Referrer,
    active_gold_by_month,
    gold_dashboard,
    gold_referrals,
    gold_reminders,
    overdue_customers,
    referred_revenue,
)
from .pareto import (
    NO_TIER,
    PARETO_POINTS,
    GridRow,
    ParetoDashboard,
    ParetoPoint,
    TierRow,
    moved_customers,
    pareto_dashboard,
    pareto_positions,
    snapshots,
)

__all__ = [
    "CUSTOMER_LISTS",
    "GOLD_CONTACT_DAYS",
    "LISTS",
    "MISSED_MONTHS",
    "MONEY",
    "NO_TIER",
    "PARETO_POINTS",
    "REMINDER_LISTS",
    "SNAPSHOT_LISTS",
    "TREND_MONTHS",
    "ComplianceMonth",
    "DashboardFilters",
    "Drill",
    "GoldDashboard",
    "GridRow",
    "ManagerRow",
    "ParetoDashboard",
    "ParetoPoint",
    "ReferralMonth",
    "Referrer",
    "TierRow",
    "active_gold_by_month",
    "as_of",
    "customer_scope",
    "drilldown",
    "gold_dashboard",
    "gold_referrals",
    "gold_reminders",
    "months_ending",
    "moved_customers",
    "overdue_customers",
    "pareto_dashboard",
    "pareto_positions",
    "referred_revenue",
    "scoped_customers",
    "shift_month",
    "snapshots",
    "this_month",
]
