"""The dashboards' filters (month, region, manager, compared month) and the customer scope
every figure and list is read through."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    DecimalField,
    Q,
    QuerySet,
)
from django.utils import timezone

from customers.models import Customer
from customers.selectors import visible_customers_filter
from dealercrm import roles
from dealercrm.months import month_end, shift_month

MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class DashboardFilters:
    """What every dashboard is filtered by; the URL (and the API's query) carries it."""

    month: dt.date  # the first day of the month
    region: int | None = None
    manager: int | None = None
    compare: dt.date | None = None  # 80/20: the month the tiers moved from (default: before)

    @property
    def compare_month(self) -> dt.date:
        return self.compare or shift_month(self.month, -1)


def as_of(month: dt.date) -> dt.date:
    """The day a month's "now" figures are read on: its last day, or today if sooner."""
    return min(month_end(month), timezone.localdate())


# --- scope ---------------------------------------------------------------------------------


def _all(user: roles.Actor) -> bool:
    return roles.can_view_all_dashboards(user)


def customer_scope(
    user: roles.Actor, filters: DashboardFilters, prefix: str = "", *, by_manager: bool = True
) -> Q:
    """A Q on `prefix`-related customers: visible to the user, in the region and (with
    `by_manager`) held by the manager. For the whole group no IN list of visible customers."""
    p = f"{prefix}__" if prefix else ""
    if not roles.can_view_dashboards(user):
        return Q(pk__in=[])
    # Visible live customers without joining every customer again (a hash of 100,000 rows
    # per query cost the 80/20 view most of its time; bench).
    q = visible_customers_filter(user=user, prefix=prefix)
    if _all(user) and by_manager and filters.manager:
        q &= Q(**{f"{p}manager_id": filters.manager})
    if filters.region:
        q &= Q(**{f"{p}sales_region_id": filters.region})
    return q


def scoped_customers(user: roles.Actor, filters: DashboardFilters) -> QuerySet[Customer]:
    if not roles.can_view_dashboards(user):
        return Customer.objects.none()
    return Customer.objects.filter(customer_scope(user, filters))
