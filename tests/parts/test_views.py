"""Browser pages of the parts ledger: an order with its lines (a formset)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from parts.models import PartsOrder
from tests.factories import CustomerFactory, PartFactory, PartsOrderFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()


def order_form(*lines: dict[str, str], **extra: str) -> dict[str, str]:
    data = {
        "ordered_on": TODAY,
        "invoice_number": "",
        "note": "",
        "lines-TOTAL_FORMS": str(len(lines) + 1),
        "lines-INITIAL_FORMS": "0",
        **extra,
    }
    for i, line in enumerate(lines):
        data.update({f"lines-{i}-{k}": v for k, v in line.items()})
    return data  # the last form stays empty, as a browser sends it


def test_the_archivist_enters_an_order_with_catalogue_and_free_lines(client, archivist, manager):
    gold = CustomerFactory(manager=manager, is_gold_card=True)
    PartFactory(part_number="LG-860-1105", name="机油滤芯", category="filter", list_price=85)
    client.force_login(archivist)
    page = client.get(f"/parts/customer/{gold.pk}/new/")
    assert 'data-testid="gold-note"' in page.content.decode()
    response = client.post(
        f"/parts/customer/{gold.pk}/new/",
        order_form(
            {"part_number": "LG-860-1105", "quantity": "2"},
            {"name": "黄油", "category": "oil", "quantity": "3", "unit_price": "45.50"},
        ),
    )
    order = PartsOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/parts/orders/{order.pk}/"
    # 170.00 + 136.50 = 306.50; 5% = 15.325 → 15.33; total 291.17
    assert (order.subtotal, order.discount_amount, order.total) == (
        Decimal("306.50"),
        Decimal("15.33"),
        Decimal("291.17"),
    )
    detail = client.get(order.get_absolute_url()).content.decode()
    assert "291.17" in detail and "15.33" in detail and "5%" in detail


def test_a_negative_quantity_comes_back_with_the_line_number_and_nothing_saved(
    client, archivist, customer
):
    client.force_login(archivist)
    response = client.post(
        f"/parts/customer/{customer.pk}/new/",
        order_form(
            {"name": "滤芯", "category": "filter", "quantity": "1", "unit_price": "10"},
            {"name": "滤芯", "category": "filter", "quantity": "-1", "unit_price": "10"},
        ),
    )
    assert response.status_code == 200
    assert any("Line 2" in e for e in response.context["line_errors"])
    assert not PartsOrder.objects.exists()


def test_editing_replaces_the_lines_and_recomputes(client, archivist, customer):
    order = PartsOrderFactory(customer=customer)
    client.force_login(archivist)
    page = client.get(f"/parts/orders/{order.pk}/edit/")
    assert page.context["lines"].forms[0].initial["name"] == "液压油"
    data = order_form(
        {"name": "液压油", "category": "oil", "quantity": "2", "unit_price": "100"},
        note="补一桶",
    )
    assert client.post(f"/parts/orders/{order.pk}/edit/", data).status_code == 302
    order.refresh_from_db()
    assert order.total == Decimal("200.00") and order.note == "补一桶"


def test_a_manager_reads_his_customers_orders_only(client, manager, other_manager, customer):
    mine = PartsOrderFactory(customer=customer)
    theirs = PartsOrderFactory(customer=CustomerFactory(manager=other_manager))
    client.force_login(manager)
    listed = client.get("/parts/").context["page"].object_list
    assert list(listed) == [mine]
    assert client.get(f"/parts/orders/{theirs.pk}/").status_code == 404
    assert client.get("/parts/", {"customer": theirs.customer_id}).status_code == 404
