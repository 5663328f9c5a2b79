"""Customer.last_contacted_at follows the contact log whichever way it changes — filing,
editing, deleting, merge and unmerge — so "at risk" can be an indexed comparison."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import reports
from customers.matching import merge
from customers.models import Customer
from customers.selectors import at_risk_filter
from tests.factories import ContactLogFactory, CustomerFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def last(customer: Customer) -> dt.datetime | None:
    return Customer.all_objects.values_list("last_contacted_at", flat=True).get(pk=customer.pk)


def at_risk(customer: Customer) -> bool:
    return Customer.objects.filter(at_risk_filter(), pk=customer.pk).exists()


def test_the_newest_log_sets_it_and_an_older_one_does_not(customer):
    assert last(customer) is None and at_risk(customer)
    ContactLogFactory(customer=customer, occurred_at=NOW - dt.timedelta(days=3))
    ContactLogFactory(customer=customer, occurred_at=NOW - dt.timedelta(days=200))
    assert last(customer) == NOW - dt.timedelta(days=3)
    assert not at_risk(customer)


def test_editing_and_deleting_logs_through_the_services(archivist, customer):
    log = reports.contact_log_create(
        actor=archivist,
        customer=customer,
        data={"channel": "phone", "occurred_at": NOW - dt.timedelta(days=2), "summary": "回访"},
    )
    assert last(customer) == NOW - dt.timedelta(days=2)
    reports.contact_log_update(
        actor=archivist,
        log=log,
        data={"channel": "phone", "occurred_at": NOW - dt.timedelta(days=100), "summary": "回访"},
    )
    assert last(customer) == NOW - dt.timedelta(days=100)
    assert at_risk(customer)  # 100 days > AT_RISK_DAYS
    reports.contact_log_delete(actor=archivist, log=log)
    assert last(customer) is None


def test_a_log_moved_to_another_customer_refreshes_both(customer):
    other = CustomerFactory(name="另一个")
    log = ContactLogFactory(customer=customer, occurred_at=NOW - dt.timedelta(days=1))
    log.customer = other
    log.save()
    assert last(customer) is None
    assert last(other) == NOW - dt.timedelta(days=1)


def test_merge_carries_the_losers_newer_contact_and_unmerge_gives_it_back(archivist):
    survivor = CustomerFactory(name="刘文才")
    loser = CustomerFactory(name="刘文财")
    ContactLogFactory(customer=survivor, occurred_at=NOW - dt.timedelta(days=90))
    ContactLogFactory(customer=loser, occurred_at=NOW - dt.timedelta(days=5))
    assert at_risk(survivor)
    record = merge.customer_merge(actor=archivist, survivor=survivor, loser=loser)
    assert last(survivor) == NOW - dt.timedelta(days=5)
    assert not at_risk(survivor)
    assert last(loser) is None  # the tombstone keeps no logs
    merge.merge_undo(actor=archivist, record=record)
    assert last(survivor) == NOW - dt.timedelta(days=90)
    assert last(loser) == NOW - dt.timedelta(days=5)


def test_a_lost_customer_is_never_at_risk(customer):
    customer.status = Customer.Status.LOST
    customer.save()
    assert last(customer) is None and not at_risk(customer)
