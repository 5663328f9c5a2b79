"""loyalty.selectors.purchases: purchase_totals, machines, parts and paid service together
(what tiering ranks on)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from loyalty.selectors.purchases import purchase_totals
from service.models import ServiceRecord
from tests.factories import CustomerFactory, MachineFactory, ServiceRecordFactory
from tests.factories import parts_order_via_service as order

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def test_purchase_totals_count_machines_parts_and_paid_service(archivist, customer):
    # given: machines bought from us (one a line of two), one bought elsewhere, parts, and
    # service: closed (paid) and still open (not yet)
    MachineFactory(customer=customer, source="from_us", purchase_price=Decimal("520000.00"),
                   purchase_date=ago(100))  # fmt: skip
    MachineFactory(customer=customer, source="from_us", purchase_price=Decimal("300000.50"),
                   purchase_date=ago(500), serial_number="", quantity=2)  # fmt: skip
    MachineFactory(customer=customer, source="elsewhere", purchase_date=ago(10))
    order(archivist, customer, "1234.56", ago(5))
    ServiceRecordFactory(customer=customer, status="closed", closed_on=ago(3), opened_on=ago(4),
                         total_charge=Decimal("800.01"))  # fmt: skip
    ServiceRecordFactory(customer=customer, status="open", total_charge=Decimal("999"))
    other = CustomerFactory()
    # when
    rows = {c.pk: c for c in purchase_totals()}
    # then
    me = rows[customer.pk]
    assert me.machines_total == Decimal("1120001.00")
    assert me.parts_total == Decimal("1234.56") and me.service_total == Decimal("800.01")
    assert me.purchases_total == Decimal("1122035.57")
    assert rows[other.pk].purchases_total == Decimal("0")
    # a window: the last year leaves out the machines bought 500 days ago
    windowed = purchase_totals(
        customers=Customer.objects.filter(pk=customer.pk), start=ago(365), end=TODAY
    ).get()
    assert windowed.machines_total == Decimal("520000.00")
    assert windowed.purchases_total == Decimal("522034.57")


def test_purchase_totals_is_one_query_and_sorts_for_tiering(
    archivist, customer, django_assert_num_queries
):
    big = CustomerFactory(name="大客户")
    order(archivist, big, "5000", ago(1))
    order(archivist, customer, "10", ago(1))
    with django_assert_num_queries(1):
        ranked = list(purchase_totals().order_by("-purchases_total").values_list("name", flat=True))
    assert ranked[:2] == ["大客户", customer.name]
    assert ServiceRecord.objects.count() == 0
