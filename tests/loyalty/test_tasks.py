"""The credit sync as a task, a command and a reaction to a purchase: idempotent, acting
as the system actor, and nothing when the purchase is rolled back."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from customers.models import Machine
from loyalty.models import LedgerEntry, TierSnapshot
from loyalty.tasks import compute_tiers_task, sync_all_credits_task, sync_customer_credits_task
from tests.factories import CustomerFactory, MachineFactory
from tests.loyalty.helpers import days_ago

pytestmark = pytest.mark.django_db


def bought(customer) -> Machine:
    return MachineFactory(
        customer=customer,
        source=Machine.Source.FROM_US,
        purchase_date=days_ago(2),
        purchase_price=Decimal("1"),
    )


def test_a_purchase_queues_the_sync_on_commit_as_the_system_actor(
    gold, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bought(gold)
    assert len(callbacks) == 1
    entry = LedgerEntry.objects.get()
    assert entry.created_by.username == "system" and entry.amount == Decimal("1000.00")


def test_a_rolled_back_purchase_earns_nothing(gold, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                bought(gold)
                raise RuntimeError("the archivist's save failed")
        except RuntimeError:
            pass
    assert callbacks == [] and not LedgerEntry.objects.exists()


def test_machines_bought_elsewhere_queue_nothing(gold, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        MachineFactory(customer=gold, source=Machine.Source.USED)
    assert callbacks == []


def test_tasks_are_idempotent_and_quiet_about_gone_customers(gold):
    bought(gold)  # outside on-commit capture: nothing ran yet
    assert sync_customer_credits_task(gold.pk) == 1
    assert sync_customer_credits_task(gold.pk) == 0
    assert sync_all_credits_task() == 0
    assert sync_customer_credits_task(987654) == 0


def test_the_command_syncs_everything_once(gold):
    bought(gold)
    out = io.StringIO()
    call_command("sync_gold_credits", stdout=out)
    call_command("sync_gold_credits", stdout=out)
    call_command("sync_gold_credits", "--customer", str(gold.pk), stdout=out)
    assert out.getvalue().splitlines() == ["1 credits added", "0 credits added", "0 credits added"]
    assert LedgerEntry.objects.count() == 1


def test_buyers_who_cannot_earn_queue_nothing(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        bought(CustomerFactory(manager=manager))
    assert callbacks == []


# --- compute_tiers_task --------------------------------------------------------------------


def _buyer_in(month_day: dt.date, amount: str):
    customer = CustomerFactory()
    MachineFactory(
        customer=customer,
        source=Machine.Source.FROM_US,
        purchase_date=month_day,
        purchase_price=Decimal(amount),
    )
    return customer


def test_compute_tiers_task_ranks_the_month_it_is_given_and_replaces_a_rerun():
    big = _buyer_in(dt.date(2026, 6, 10), "900")
    small = _buyer_in(dt.date(2026, 6, 10), "100")

    assert compute_tiers_task("2026-06-15") == 2
    assert compute_tiers_task("2026-06-15") == 2  # recomputing replaces the month

    rows = TierSnapshot.objects.filter(month=dt.date(2026, 6, 1))
    assert dict(rows.values_list("customer_id", "tier")) == {big.pk: "A", small.pk: "B"}
    assert TierSnapshot.objects.count() == 2


def test_compute_tiers_task_defaults_to_the_month_just_ended(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 3, 1))
    _buyer_in(dt.date(2026, 2, 27), "500")

    assert compute_tiers_task() == 1
    assert list(TierSnapshot.objects.values_list("month", flat=True)) == [dt.date(2026, 2, 1)]
