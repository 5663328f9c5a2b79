"""parts API: parts-orders with their lines; same policy as the pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from parts.models import PartsOrder
from tests.factories import CustomerFactory, PartsOrderFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()
LINE = {"name": "液压油", "category": "oil", "quantity": "1.5", "unit_price": "19.99"}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_returns_computed_amounts_as_exact_strings(archivist, manager):
    gold = CustomerFactory(manager=manager, is_gold_card=True)
    response = api(archivist).post(
        "/api/v1/parts-orders/",
        {"customer": gold.pk, "ordered_on": TODAY, "invoice_number": "NO.1",
         "lines": [LINE, {**LINE, "quantity": "2", "unit_price": "100"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    # 29.985 → 29.99, + 200.00 = 229.99; 5% = 11.4995 → 11.50; total 218.49
    assert [line["amount"] for line in body["lines"]] == ["29.99", "200.00"]
    assert (body["subtotal"], body["discount_rate"], body["discount_amount"], body["total"]) == (
        "229.99",
        "0.0500",
        "11.50",
        "218.49",
    )


def test_a_negative_quantity_is_400_and_nothing_written(archivist, customer):
    response = api(archivist).post(
        "/api/v1/parts-orders/",
        {"customer": customer.pk, "ordered_on": TODAY, "lines": [{**LINE, "quantity": "-3"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "Line 1" in response.json()["lines"][0]
    assert not PartsOrder.objects.exists()


def test_typed_amounts_are_ignored(archivist, customer):
    response = api(archivist).post(
        "/api/v1/parts-orders/",
        {"customer": customer.pk, "ordered_on": TODAY, "total": "1.00",
         "lines": [{**LINE, "amount": "1.00"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201 and response.json()["total"] == "29.99"


def test_service_staff_get_403_and_managers_their_own(service_user, manager, other_manager):
    mine = PartsOrderFactory(customer=CustomerFactory(manager=manager))
    theirs = PartsOrderFactory(customer=CustomerFactory(manager=other_manager))
    assert api(service_user).get("/api/v1/parts-orders/").status_code == 403
    assert [o["id"] for o in api(manager).get("/api/v1/parts-orders/").json()["results"]] == [
        mine.pk
    ]
    assert api(manager).get(f"/api/v1/parts-orders/{theirs.pk}/").status_code == 404
    assert api(manager).patch(f"/api/v1/parts-orders/{mine.pk}/", {"note": "x"}).status_code == 403


def test_patch_lines_replaces_them(archivist, customer):
    order = PartsOrderFactory(customer=customer)
    response = api(archivist).patch(
        f"/api/v1/parts-orders/{order.pk}/", {"lines": [LINE, LINE]}, format="json"
    )
    assert response.status_code == 200 and len(response.json()["lines"]) == 2
    order.refresh_from_db()
    assert order.total == Decimal("59.98")
