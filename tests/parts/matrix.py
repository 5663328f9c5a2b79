"""Permission matrix entries of the parts ledger: money records, so the archivist writes,
managers read their customers' (another's: 404), service staff have no access."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from tests.factories import PartsOrderFactory
from tests.permissions import (
    API_SALES_READ,
    API_SALES_READ_OWN,
    API_SALES_WRITE_OWN,
    ARCHIVIST_ONLY,
    SALES_READ,
    SALES_READ_OWN,
    archivist_gets,
    detail,
    obj,
    statuses,
)

TODAY = timezone.localdate().isoformat()
LINE = {"name": "机油滤芯", "category": "filter", "quantity": "2", "unit_price": "85.00"}
ORDER_FORM = {
    "ordered_on": TODAY,
    "invoice_number": "",
    "lines-TOTAL_FORMS": "1",
    "lines-INITIAL_FORMS": "0",
    **{f"lines-0-{k}": v for k, v in LINE.items()},
}
# Past the role check the scoped lookup: another manager's order is 404.
SALES_WRITE_OWN = statuses(403, anonymous=302, other_manager=404)

MATRIX = {
    "parts:order_list": {"GET": (lambda ctx: reverse("parts:order_list"), None, SALES_READ)},
    "parts:order_create": {
        "GET": (detail("parts:order_create"), None, ARCHIVIST_ONLY),
        "POST": (detail("parts:order_create"), ORDER_FORM, archivist_gets(302, ARCHIVIST_ONLY)),
    },
    "parts:order_detail": {"GET": (obj("parts:order_detail", "order"), None, SALES_READ_OWN)},
    "parts:order_update": {
        "GET": (obj("parts:order_update", "order"), None, archivist_gets(200, SALES_WRITE_OWN)),
        "POST": (obj("parts:order_update", "order"), {}, archivist_gets(200, SALES_WRITE_OWN)),
    },
    "parts:order_delete": {
        "GET": (obj("parts:order_delete", "order"), None, archivist_gets(200, SALES_WRITE_OWN)),
        "POST": (obj("parts:order_delete", "order"), {}, archivist_gets(302, SALES_WRITE_OWN)),
    },
    "parts-order-list": {
        "GET": (lambda ctx: reverse("parts-order-list"), None, API_SALES_READ),
        "POST": (
            lambda ctx: reverse("parts-order-list"),
            lambda ctx: {"customer": ctx["customer"].pk, "ordered_on": TODAY, "lines": [LINE]},
            statuses(403, anonymous=401, archivist=201),
        ),
    },
    "parts-order-detail": {
        "GET": (obj("parts-order-detail", "order"), None, API_SALES_READ_OWN),
        "PATCH": (
            obj("parts-order-detail", "order"),
            {"note": "补开发票"},
            archivist_gets(200, API_SALES_WRITE_OWN),
        ),
        "DELETE": (
            obj("parts-order-detail", "order"),
            None,
            archivist_gets(204, API_SALES_WRITE_OWN),
        ),
    },
}


def extend_ctx(ctx: dict[str, Any]) -> None:
    ctx["order"] = PartsOrderFactory(customer=ctx["customer"])
