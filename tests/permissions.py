"""Shared vocabulary of the permission matrix: roles, expected-status shorthands, URL
builders. Apps add their routes in `tests/<app>/matrix.py` (a MATRIX dict and, when they
need objects, an `extend_ctx(ctx)` function); tests/dealercrm/test_permission_matrix.py
collects them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import timezone

ROLES = ("anonymous", "archivist", "manager", "other_manager", "service", "executive", "outsider")


def statuses(default: int, **per_role: int) -> dict[str, int]:
    table = dict.fromkeys(ROLES, default)
    table.update(per_role)
    return table


# Shorthands for the common shapes of the policy.
ANY_LOGGED_IN = statuses(200, anonymous=302)
READ_LIST = statuses(200, anonymous=302, outsider=403)
READ_OWN = statuses(200, anonymous=302, other_manager=404, outsider=403)
WRITE_NEW = statuses(403, anonymous=302)
WRITE_OWN = statuses(403, anonymous=302, other_manager=404)
API_READ_LIST = statuses(200, anonymous=401, outsider=403)
API_READ_OWN = statuses(200, anonymous=401, other_manager=404, outsider=403)
API_WRITE_OWN = statuses(403, anonymous=401, other_manager=404)
# The manager's loop: contact logs and reports are sales information, not for service staff.
SALES_READ = statuses(200, anonymous=302, service=403, outsider=403)
SALES_READ_OWN = {**SALES_READ, "other_manager": 404}
ARCHIVIST_ONLY = statuses(403, anonymous=302, archivist=200)
MANAGERS_ONLY = statuses(403, anonymous=302, manager=200, other_manager=200)
API_SALES_READ = statuses(200, anonymous=401, service=403, outsider=403)
API_SALES_READ_OWN = {**API_SALES_READ, "other_manager": 404}
API_SALES_WRITE_OWN = statuses(403, anonymous=401, other_manager=404)


def archivist_gets(code: int, table: dict[str, int]) -> dict[str, int]:
    return {**table, "archivist": code}


CUSTOMER_JSON = {"name": "孙大圣", "status": "prospect", "kind": "end_user"}
REPORT = {"channel": "phone", "occurred_at": "2026-01-05T10:00:00+08:00", "summary": "电话回访"}
THIS_MONTH = timezone.localdate().strftime("%Y-%m")

# route name -> {method: (path builder, body, {role: status})}
Builder = Callable[[dict[str, Any]], str]


def detail(name: str) -> Builder:
    return lambda ctx: reverse(name, args=[ctx["customer"].pk])


def obj(name: str, key: str) -> Builder:
    return lambda ctx: reverse(name, args=[ctx[key].pk])


def row(name: str) -> Builder:
    return lambda ctx: reverse(name, args=[ctx["customer"].pk, "phones", ctx["phone"].pk])


Entry = dict[str, tuple[Builder, Any, dict[str, int]]]
