"""Bounds of parts orders (issue 15 part 4): a line's quantity and unit price, the order's
date from the dealer's founding to today — the browser and the API alike, nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from loyalty.models import TierSnapshot
from parts.models import PartsOrder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chinese")]

TODAY = timezone.localdate().isoformat()
LINE = {"name": "液压油", "category": "oil", "quantity": "1", "unit_price": "100"}
# as a line's problem: "第 1 行：…。"
QUANTITY_LIMIT = "每行数量最多为 9999，更大的数量请分行录入"
PRICE_LIMIT = "单价最多为 ¥999999.99，请核对数字"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


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
    return data


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({**LINE, "quantity": "99999999.99"}, QUANTITY_LIMIT),
        ({**LINE, "quantity": "9999.01"}, QUANTITY_LIMIT),
        ({**LINE, "unit_price": "1000000"}, PRICE_LIMIT),
        ({**LINE, "unit_price": "9999999999.99"}, PRICE_LIMIT),
    ],
)
def test_a_line_out_of_bounds_is_refused_with_a_clear_message(
    client, archivist, customer, line, message
):
    response = api(archivist).post(
        "/api/v1/parts-orders/",
        {"customer": customer.pk, "ordered_on": TODAY, "lines": [line]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert message in str(response.json()["lines"])
    client.force_login(archivist)
    page = client.post(f"/parts/customer/{customer.pk}/new/", order_form(line))
    assert page.status_code == 200
    assert any(message in e for e in page.context["line_errors"])
    assert not PartsOrder.objects.exists()


def test_the_largest_line_is_accepted_and_fits_its_columns(archivist, customer):
    response = api(archivist).post(
        "/api/v1/parts-orders/",
        {
            "customer": customer.pk,
            "ordered_on": TODAY,
            "lines": [{**LINE, "quantity": "9999", "unit_price": "999999.99"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert PartsOrder.objects.get().subtotal == Decimal("9999") * Decimal("999999.99")


@pytest.mark.parametrize(
    ("ordered_on", "message"),
    [
        ("0001-01-01", "日期不能早于经销商成立之日（2000-01-01）。"),
        ("1999-12-31", "日期不能早于经销商成立之日（2000-01-01）。"),
        ("2999-01-01", "订单日期不能晚于今天。"),
    ],
)
def test_an_order_dated_out_of_bounds_is_refused(client, archivist, customer, ordered_on, message):
    response = api(archivist).post(
        "/api/v1/parts-orders/",
        {"customer": customer.pk, "ordered_on": ordered_on, "lines": [LINE]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["ordered_on"] == [message]
    client.force_login(archivist)
    page = client.post(
        f"/parts/customer/{customer.pk}/new/", order_form(LINE, ordered_on=ordered_on)
    )
    assert page.status_code == 200
    assert page.context["form"].errors["ordered_on"] == [message]
    assert not PartsOrder.objects.exists()
    assert not TierSnapshot.objects.exists()


def test_an_order_on_the_founding_day_is_accepted(archivist, customer):
    response = api(archivist).post(
        "/api/v1/parts-orders/",
        {"customer": customer.pk, "ordered_on": "2000-01-01", "lines": [LINE]},
        format="json",
    )
    assert response.status_code == 201, response.content
