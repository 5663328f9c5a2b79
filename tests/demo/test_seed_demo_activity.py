"""seed_demo's activity: contacts, parts, service, hour readings, reminders and tiers, written
through the services, idempotent, so the dashboards and the manager's home page have figures."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from contacts.models import ContactLog, Notification, Reminder, Submission
from contacts.selectors import manager_home
from customers.models import Customer, Machine
from customers.selectors import at_risk_filter
from demo.activity_plan import month_events, profile
from loyalty.models import LedgerEntry, TierSnapshot
from loyalty.selectors.dashboard import DashboardFilters, gold_dashboard
from parts.models import Part, PartsOrder, PartsOrderLine
from service.models import HourReading, ServiceRecord

# One xdist worker takes the module, so the seed runs once, not once a worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo_activity")]

# As CI's backup/restore check runs it.
CUSTOMERS = 60
ACTIVITY = (
    ContactLog,
    Submission,
    Notification,
    PartsOrder,
    PartsOrderLine,
    Part,
    ServiceRecord,
    HourReading,
    Machine,
    Reminder,
    TierSnapshot,
    LedgerEntry,
)


def seed(**options: Any) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, customers=CUSTOMERS, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    state = {m.__name__: m.objects.count() for m in ACTIVITY}
    state.update(
        {f"{m.__name__} history": m.history.count() for m in ACTIVITY if hasattr(m, "history")}
    )
    state["at risk"] = Customer.objects.filter(at_risk_filter()).count()
    state["reminders satisfied"] = Reminder.objects.filter(status=Reminder.Status.SATISFIED).count()
    return state


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """One seeded database for the module (the seed takes most of a minute on a loaded 2-core
    machine), in a transaction rolled back at the end of the module; each test runs in its own
    savepoint inside it, so what a test writes (a second run) is gone before the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


def test_the_demo_has_activity_costs_and_figures_for_the_dashboards(seeded):
    assert ContactLog.objects.filter(submission__isnull=False).exists()  # filed reports
    assert ContactLog.objects.filter(submission__isnull=True).exists()  # entered by the archivist
    assert not ContactLog.history.exclude(history_user__username="archivist").exists()
    orders = PartsOrder.objects.all()
    assert orders.count() >= 20
    assert not orders.filter(lines__isnull=True).exists()
    lines = PartsOrderLine.objects.all()
    # most lines carry our cost, so gross profit means something; a few were bought in
    assert lines.filter(unit_cost__isnull=False).count() > 0.8 * lines.count()
    assert lines.filter(unit_cost__isnull=True).exists()
    assert orders.filter(created_by__username="archivist").count() == orders.count()
    kinds = set(ServiceRecord.objects.values_list("kind", flat=True))
    assert {"maintenance", "repair"} <= kinds
    for complaint in ServiceRecord.objects.filter(kind="complaint", status="closed"):
        assert complaint.resolution and complaint.satisfaction
    assert HourReading.objects.filter(source=HourReading.Source.VISIT).exists()
    months = set(TierSnapshot.objects.values_list("month", flat=True))
    this_month = timezone.localdate().replace(day=1)
    assert this_month in months
    assert len(months) == 4
    assert "contact logs" in seeded and "snapshots" in seeded

    # machines bought from us carry their cost
    from_us = Machine.objects.filter(source=Machine.Source.FROM_US)

    assert from_us.exists()
    for machine in from_us:
        assert machine.purchase_price is not None and machine.purchase_cost is not None
        ratio = machine.purchase_cost / machine.purchase_price
        assert Decimal("0.84") <= ratio <= Decimal("0.96")
    assert not Machine.objects.exclude(source=Machine.Source.FROM_US).filter(
        purchase_cost__isnull=False
    )

    # the gold dashboard and the managers' home pages have figures
    executive = get_user_model().objects.get(username="exec1")
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    board = gold_dashboard(user=executive, filters=DashboardFilters(month=last_month))

    assert board.active_gold > 0
    assert board.due > 0
    assert board.rate is not None and 0 < board.rate <= 100
    now = gold_dashboard(user=executive, filters=DashboardFilters(month=this_month))
    assert now.due > 0 and now.contacted > 0  # even on the 1st of the month
    # compliance is high but not perfect: some months a gold customer was missed
    assert Reminder.objects.filter(kind="gold_contact", status="missed").exists()
    assert Customer.objects.filter(at_risk_filter()).exists()
    homes = [
        manager_home(user=manager)
        for manager in get_user_model().objects.filter(username__startswith="manager")
    ]
    assert sum(home.gold_contacted for home in homes) >= 1
    assert sum(home.at_risk_total for home in homes) >= 1
    assert Customer.objects.filter(status=Customer.Status.LOST).exists()


def test_running_twice_changes_no_activity_counts(seeded):
    before = counts()

    out = seed()

    assert counts() == before
    assert "(0 new rows)" in out


def test_a_months_events_do_not_depend_on_the_day_they_are_drawn():
    customer = Customer(
        external_ref="demo-0042",
        status=Customer.Status.ACTIVE,
        is_gold_card=True,
        manager_id=1,
    )
    plan = profile(customer)

    first = month_events(customer, plan, 3, dt.date(2026, 5, 1))
    again = month_events(customer, plan, 3, dt.date(2026, 5, 1))

    assert plan.kind == "gold"
    assert first == again
