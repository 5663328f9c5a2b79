"""The credit sync as a task, a command and a reaction to a purchase: idempotent, acting
as the system actor, and nothing when the purchase is rolled back."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from customers.models import Machine
from loyalty.models import LedgerEntry
from loyalty.tasks import sync_all_credits_task, sync_customer_credits_task
from tests.factories import MachineFactory
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
    from tests.factories import CustomerFactory

    with django_capture_on_commit_callbacks() as callbacks:
        bought(CustomerFactory(manager=manager))
    assert callbacks == []
