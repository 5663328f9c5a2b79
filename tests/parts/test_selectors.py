"""parts.selectors: scoped reads and the dossier's totals (purchase_totals, what a customer
bought from us altogether, is loyalty's: tests/loyalty/test_purchases.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from parts import selectors, services
from tests.factories import CustomerFactory, PartsOrderFactory
from tests.factories import parts_order_via_service as order

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def test_a_manager_sees_only_his_customers_orders(manager, other_manager, customer):
    mine = PartsOrderFactory(customer=customer)
    theirs = PartsOrderFactory(customer=CustomerFactory(manager=other_manager))
    assert list(selectors.parts_order_list(user=manager)) == [mine]
    with pytest.raises(Http404):
        selectors.parts_order_get(user=manager, pk=theirs.pk)


def test_service_staff_and_outsiders_see_no_orders(service_user, outsider, customer):
    PartsOrderFactory(customer=customer)
    assert not selectors.parts_order_list(user=service_user).exists()
    assert not selectors.parts_order_list(user=outsider).exists()
    assert selectors.dossier_parts(user=service_user, customer=customer) is None


def test_search_finds_orders_by_invoice_or_line(archivist, customer):
    a = order(archivist, customer, "10", ago(1), "INV-001")
    services.parts_order_create(
        actor=archivist,
        customer=customer,
        data={"ordered_on": ago(1)},
        lines=[{"part_number": "860-1105", "name": "滤芯", "category": "filter",
                "quantity": "1", "unit_price": "5"}],
    )  # fmt: skip
    assert [o.pk for o in selectors.parts_order_list(user=archivist, search="inv-001")] == [a.pk]
    assert selectors.parts_order_list(user=archivist, search="1105").get().line_count == 1


def test_dossier_totals_this_year_last_12_months_all_time(archivist, customer):
    jan_first = TODAY.replace(month=1, day=1)
    order(archivist, customer, "100.10", TODAY)
    order(archivist, customer, "200.20", jan_first)
    order(archivist, customer, "300.30", ago(366))
    order(archivist, customer, "400.40", ago(800))
    section = selectors.dossier_parts(user=archivist, customer=customer, today=TODAY)
    in_12_months = sum(
        (Decimal(a) for a, on in (("100.10", TODAY), ("200.20", jan_first)) if on > ago(365)),
        Decimal("0"),
    )
    assert section.totals.this_year == Decimal("300.30")
    assert section.totals.last_12_months == in_12_months
    assert section.totals.all_time == Decimal("1001.00")
    assert section.totals.count == 4 and len(section.orders) == 4
