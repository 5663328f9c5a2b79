"""Permission matrix entries of the service desk: service staff and the archivist write
records and readings; a manager reads his customers' (another's: 404); deleting is the
archivist's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from tests.factories import HourReadingFactory, MachineFactory, ServiceRecordFactory
from tests.permissions import (
    API_READ_LIST,
    API_READ_OWN,
    API_WRITE_OWN,
    READ_LIST,
    READ_OWN,
    WRITE_OWN,
    archivist_gets,
    detail,
    obj,
    statuses,
)

TODAY = timezone.localdate().isoformat()
RECORD_FORM = {"kind": "repair", "status": "open", "subject": "动臂油缸漏油", "opened_on": TODAY}
# The desk writes (archivist and service staff); others 403; another manager's: 404.
DESK_NEW = statuses(403, anonymous=302, archivist=200, service=200)
DESK_OWN = {**DESK_NEW, "other_manager": 404}
API_DESK_OWN = statuses(403, anonymous=401, archivist=200, service=200, other_manager=404)


def _with(table: dict[str, int], code: int) -> dict[str, int]:
    """The same table with the writers' success code."""
    return {r: (code if r in {"archivist", "service"} else c) for r, c in table.items()}


MATRIX = {
    "service:record_list": {"GET": (lambda ctx: reverse("service:record_list"), None, READ_LIST)},
    "service:record_create": {
        "GET": (detail("service:record_create"), None, DESK_NEW),
        "POST": (detail("service:record_create"), RECORD_FORM, _with(DESK_NEW, 302)),
    },
    "service:record_detail": {"GET": (obj("service:record_detail", "record"), None, READ_OWN)},
    "service:record_update": {
        "GET": (obj("service:record_update", "record"), None, DESK_OWN),
        # an empty form comes back with its errors, nothing written
        "POST": (obj("service:record_update", "record"), {}, DESK_OWN),
    },
    "service:record_delete": {
        "GET": (obj("service:record_delete", "record"), None, archivist_gets(200, WRITE_OWN)),
        "POST": (obj("service:record_delete", "record"), {}, archivist_gets(302, WRITE_OWN)),
    },
    "service:machine_readings": {
        "GET": (obj("service:machine_readings", "machine"), None, READ_OWN),
        "POST": (
            obj("service:machine_readings", "machine"),
            {"read_on": TODAY, "hours": "150"},
            _with(statuses(403, anonymous=302, other_manager=404), 302),
        ),
    },
    "service:reading_delete": {
        "GET": (obj("service:reading_delete", "reading"), None, archivist_gets(200, WRITE_OWN)),
        "POST": (obj("service:reading_delete", "reading"), {}, archivist_gets(302, WRITE_OWN)),
    },
    "service:maintenance_due": {
        "GET": (lambda ctx: reverse("service:maintenance_due"), None, READ_LIST)
    },
    "service-record-list": {
        "GET": (lambda ctx: reverse("service-record-list"), None, API_READ_LIST),
        "POST": (
            lambda ctx: reverse("service-record-list"),
            lambda ctx: {**RECORD_FORM, "customer": ctx["customer"].pk},
            statuses(403, anonymous=401, archivist=201, service=201),
        ),
    },
    "service-record-detail": {
        "GET": (obj("service-record-detail", "record"), None, API_READ_OWN),
        "PATCH": (obj("service-record-detail", "record"), {"work_done": "换密封件"}, API_DESK_OWN),
        "DELETE": (
            obj("service-record-detail", "record"),
            None,
            archivist_gets(204, API_WRITE_OWN),
        ),
    },
    "hour-reading-list": {
        "GET": (lambda ctx: reverse("hour-reading-list"), None, API_READ_LIST),
        "POST": (
            lambda ctx: reverse("hour-reading-list"),
            lambda ctx: {"machine": ctx["machine"].pk, "read_on": TODAY, "hours": "150"},
            statuses(403, anonymous=401, archivist=201, service=201),
        ),
    },
    "hour-reading-detail": {
        "GET": (obj("hour-reading-detail", "reading"), None, API_READ_OWN),
        "DELETE": (obj("hour-reading-detail", "reading"), None, archivist_gets(204, API_WRITE_OWN)),
    },
}


def extend_ctx(ctx: dict[str, Any]) -> None:
    machine = MachineFactory(customer=ctx["customer"])
    ctx["machine"] = machine
    ctx["reading"] = HourReadingFactory(
        machine=machine, read_on=timezone.localdate() - dt.timedelta(days=30), hours=100
    )
    ctx["record"] = ServiceRecordFactory(customer=ctx["customer"], machine=machine)
