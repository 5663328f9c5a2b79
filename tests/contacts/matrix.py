"""Permission matrix entries for the reminder and compliance routes of contacts."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from contacts.models import Reminder
from tests.permissions import API_SALES_READ, API_SALES_READ_OWN, SALES_READ, obj, statuses

MATRIX = {
    "contacts:reminders": {"GET": (lambda ctx: reverse("contacts:reminders"), None, SALES_READ)},
    "contacts:compliance": {
        "GET": (
            lambda ctx: reverse("contacts:compliance"),
            None,
            statuses(403, anonymous=302, archivist=200, executive=200),
        )
    },
    "reminder-list": {"GET": (lambda ctx: reverse("reminder-list"), None, API_SALES_READ)},
    "reminder-detail": {"GET": (obj("reminder-detail", "reminder"), None, API_SALES_READ_OWN)},
}


def extend_ctx(ctx: dict[str, Any]) -> None:
    ctx["reminder"] = Reminder.objects.create(
        kind=Reminder.Kind.GOLD_CONTACT,
        customer=ctx["customer"],
        manager=ctx["customer"].manager,
        period=timezone.localdate().replace(day=1),
    )
