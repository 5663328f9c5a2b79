"""Every URL pattern × role × method → the exact status the policy must give.

A route missing from MATRIX fails `test_every_route_is_in_the_matrix`, so a new page or
endpoint cannot ship without its permissions being decided here.
"""

from __future__ import annotations

import copy
import importlib
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from rest_framework.authtoken.models import Token

from dealercrm.models import SecurityEvent
from tests.conftest import make_users
from tests.factories import (
    ContactLogFactory,
    CustomerFactory,
    MonthlyReportFactory,
    PhoneFactory,
    SubmissionFactory,
)
from tests.permissions import (
    ANY_LOGGED_IN,
    API_READ_LIST,
    API_READ_OWN,
    API_SALES_READ,
    API_SALES_READ_OWN,
    API_SALES_WRITE_OWN,
    API_WRITE_OWN,
    ARCHIVIST_ONLY,
    CUSTOMER_JSON,
    MANAGERS_ONLY,
    READ_LIST,
    READ_OWN,
    REPORT,
    ROLES,
    SALES_READ,
    SALES_READ_OWN,
    THIS_MONTH,
    WRITE_NEW,
    WRITE_OWN,
    Builder,
    archivist_gets,
    detail,
    obj,
    row,
    statuses,
)

pytestmark = pytest.mark.django_db

MATRIX: dict[str, dict[str, tuple[Builder, Any, dict[str, int]]]] = {
    "home": {"GET": (lambda ctx: reverse("home"), None, ANY_LOGGED_IN)},
    "login": {
        "GET": (lambda ctx: reverse("login"), None, statuses(302, anonymous=200)),
        "POST": (lambda ctx: reverse("login"), {}, statuses(302, anonymous=200)),
    },
    "logout": {
        "GET": (lambda ctx: reverse("logout"), None, statuses(405)),
        "POST": (lambda ctx: reverse("logout"), {}, statuses(302)),
    },
    "set_language": {
        "POST": (lambda ctx: reverse("set_language"), {"language": "en"}, statuses(302))
    },
    "customers:list": {"GET": (lambda ctx: reverse("customers:list"), None, READ_LIST)},
    "customers:create": {
        "GET": (lambda ctx: reverse("customers:create"), None, archivist_gets(200, WRITE_NEW)),
        # an empty form comes back with its errors (200), nothing written
        "POST": (lambda ctx: reverse("customers:create"), {}, archivist_gets(200, WRITE_NEW)),
    },
    "customers:detail": {"GET": (detail("customers:detail"), None, READ_OWN)},
    "customers:update": {
        "GET": (detail("customers:update"), None, archivist_gets(200, WRITE_OWN)),
        "POST": (detail("customers:update"), {}, archivist_gets(200, WRITE_OWN)),
    },
    "customers:delete": {
        "GET": (detail("customers:delete"), None, archivist_gets(200, WRITE_OWN)),
        "POST": (detail("customers:delete"), {}, archivist_gets(302, WRITE_OWN)),
    },
    "customers:row_create": {
        "GET": (
            lambda ctx: reverse("customers:row_create", args=[ctx["customer"].pk, "phones"]),
            None,
            archivist_gets(200, WRITE_OWN),
        ),
        "POST": (
            lambda ctx: reverse("customers:row_create", args=[ctx["customer"].pk, "phones"]),
            {"raw": "139 0000 1111", "label": "mobile", "is_active": "on"},
            archivist_gets(302, WRITE_OWN),
        ),
    },
    "customers:row_update": {
        "GET": (row("customers:row_update"), None, archivist_gets(200, WRITE_OWN)),
        "POST": (row("customers:row_update"), {}, archivist_gets(200, WRITE_OWN)),
    },
    "customers:row_delete": {
        "GET": (row("customers:row_delete"), None, archivist_gets(200, WRITE_OWN)),
        "POST": (row("customers:row_delete"), {}, archivist_gets(302, WRITE_OWN)),
    },
    "api-token": {
        "POST": (
            lambda ctx: reverse("api-token"),
            {"username": "nobody", "password": "wrong"},
            statuses(400),
        ),
    },
    "customer-list": {
        "GET": (lambda ctx: reverse("customer-list"), None, API_READ_LIST),
        "POST": (
            lambda ctx: reverse("customer-list"),
            CUSTOMER_JSON,
            statuses(403, anonymous=401, archivist=201),
        ),
    },
    "customer-detail": {
        "GET": (detail("customer-detail"), None, API_READ_OWN),
        "PUT": (detail("customer-detail"), CUSTOMER_JSON, archivist_gets(200, API_WRITE_OWN)),
        "PATCH": (detail("customer-detail"), {"notes": "x"}, archivist_gets(200, API_WRITE_OWN)),
        # the customer has a manager's report, which protects it: past the policy, a 400
        "DELETE": (detail("customer-detail"), None, archivist_gets(400, API_WRITE_OWN)),
    },
    "contacts:submit": {
        "GET": (lambda ctx: reverse("contacts:submit"), None, MANAGERS_ONLY),
        "POST": (lambda ctx: reverse("contacts:submit"), {}, MANAGERS_ONLY),
    },
    "contacts:submission_list": {
        "GET": (lambda ctx: reverse("contacts:submission_list"), None, SALES_READ)
    },
    "contacts:submission_detail": {
        "GET": (obj("contacts:submission_detail", "submission"), None, SALES_READ_OWN)
    },
    "contacts:submission_file": {
        "GET": (obj("contacts:submission_file", "submission"), None, ARCHIVIST_ONLY),
        "POST": (obj("contacts:submission_file", "submission"), {}, ARCHIVIST_ONLY),
    },
    "contacts:submission_reject": {
        "GET": (obj("contacts:submission_reject", "submission"), None, ARCHIVIST_ONLY),
        "POST": (obj("contacts:submission_reject", "submission"), {}, ARCHIVIST_ONLY),
    },
    "contacts:inbox": {"GET": (lambda ctx: reverse("contacts:inbox"), None, ARCHIVIST_ONLY)},
    "contacts:customer_logs": {"GET": (detail("contacts:customer_logs"), None, SALES_READ_OWN)},
    "contacts:log_create": {
        "GET": (detail("contacts:log_create"), None, ARCHIVIST_ONLY),
        "POST": (detail("contacts:log_create"), {}, ARCHIVIST_ONLY),
    },
    "contacts:log_update": {
        "GET": (obj("contacts:log_update", "log"), None, ARCHIVIST_ONLY),
        "POST": (obj("contacts:log_update", "log"), {}, ARCHIVIST_ONLY),
    },
    "contacts:log_delete": {
        "GET": (obj("contacts:log_delete", "log"), None, ARCHIVIST_ONLY),
        "POST": (obj("contacts:log_delete", "log"), {}, archivist_gets(302, ARCHIVIST_ONLY)),
    },
    "contacts:monthly_list": {
        "GET": (lambda ctx: reverse("contacts:monthly_list"), None, SALES_READ),
        "POST": (
            lambda ctx: reverse("contacts:monthly_list"),
            {"month": THIS_MONTH},
            statuses(403, anonymous=302, manager=302, other_manager=302),
        ),
    },
    "contacts:monthly_detail": {
        "GET": (obj("contacts:monthly_detail", "report"), None, SALES_READ_OWN),
        "POST": (
            obj("contacts:monthly_detail", "report"),
            {"summary": "本月正常"},
            statuses(403, anonymous=302, manager=302, other_manager=404),
        ),
    },
    "contacts:notifications": {
        "GET": (lambda ctx: reverse("contacts:notifications"), None, ANY_LOGGED_IN)
    },
    "contacts:notifications_read": {
        "GET": (
            lambda ctx: reverse("contacts:notifications_read"),
            None,
            statuses(405, anonymous=302),
        ),
        "POST": (lambda ctx: reverse("contacts:notifications_read"), {}, statuses(302)),
    },
    "contact-log-list": {
        "GET": (lambda ctx: reverse("contact-log-list"), None, API_SALES_READ),
        "POST": (
            lambda ctx: reverse("contact-log-list"),
            lambda ctx: {**REPORT, "customer": ctx["customer"].pk},
            statuses(403, anonymous=401, archivist=201),
        ),
    },
    "contact-log-detail": {
        "GET": (obj("contact-log-detail", "log"), None, API_SALES_READ_OWN),
        "PATCH": (
            obj("contact-log-detail", "log"),
            {"summary": "改过"},
            archivist_gets(200, API_SALES_WRITE_OWN),
        ),
        "DELETE": (
            obj("contact-log-detail", "log"),
            None,
            archivist_gets(204, API_SALES_WRITE_OWN),
        ),
    },
    "submission-list": {
        "GET": (lambda ctx: reverse("submission-list"), None, API_SALES_READ),
        "POST": (
            lambda ctx: reverse("submission-list"),
            lambda ctx: {**REPORT, "customer": ctx["customer"].pk},
            statuses(403, anonymous=401, manager=201, other_manager=404),
        ),
    },
    "submission-detail": {
        "GET": (obj("submission-detail", "submission"), None, API_SALES_READ_OWN),
        # submitted reports are never edited
        "PATCH": (
            obj("submission-detail", "submission"),
            {"summary": "改"},
            statuses(405, anonymous=401, service=403, outsider=403),
        ),
    },
    "submission-file": {
        "POST": (
            obj("submission-file", "submission"),
            {},
            archivist_gets(201, API_SALES_WRITE_OWN),
        )
    },
    "submission-reject": {
        "POST": (
            obj("submission-reject", "submission"),
            {"reason": "重复汇报"},
            archivist_gets(200, API_SALES_WRITE_OWN),
        )
    },
    "monthly-report-list": {
        "GET": (lambda ctx: reverse("monthly-report-list"), None, API_SALES_READ),
        "POST": (
            lambda ctx: reverse("monthly-report-list"),
            {"month": THIS_MONTH},
            statuses(403, anonymous=401, manager=201, other_manager=201),
        ),
    },
    "monthly-report-detail": {
        "GET": (obj("monthly-report-detail", "report"), None, API_SALES_READ_OWN),
        "PATCH": (
            obj("monthly-report-detail", "report"),
            {"summary": "本月正常"},
            statuses(403, anonymous=401, manager=200, other_manager=404),
        ),
    },
    "schema": {"GET": (lambda ctx: reverse("schema"), None, statuses(200, anonymous=401))},
    # the installable app's files: public, like the login page's styles
    "service_worker": {"GET": (lambda ctx: reverse("service_worker"), None, statuses(200))},
    "manifest": {"GET": (lambda ctx: reverse("manifest"), None, statuses(200))},
    # any other /api/ path: a JSON 404 for everyone, whatever the method
    "api-not-found": {
        method: (lambda ctx: "/api/v1/no-such-resource/0.5/", {}, statuses(404))
        for method in ("GET", "POST")
    },
    # the docs page is for people: an anonymous visitor is sent to the login page (302)
    "api-docs": {"GET": (lambda ctx: reverse("api-docs"), None, ANY_LOGGED_IN)},
}


def _app_parts() -> list[Any]:
    """tests/<app>/matrix.py modules: each app decides the permissions of its own routes."""
    root = Path(__file__).resolve().parents[1]
    return [
        importlib.import_module(f"tests.{path.parent.name}.matrix")
        for path in sorted(root.glob("*/matrix.py"))
    ]


PARTS = _app_parts()
for _part in PARTS:
    _overlap = set(_part.MATRIX) & set(MATRIX)
    assert not _overlap, f"{_part.__name__} repeats routes {_overlap}"
    MATRIX.update(_part.MATRIX)


# The admin is checked by rule: only staff get in, and among our roles only the
# archivist is staff; the admin classes themselves ask dealercrm.roles.
ADMIN_PROBES = {
    "admin:index": statuses(302, archivist=200),
    "admin:customers_customer_changelist": statuses(302, archivist=200),
    "admin:customers_customer_add": statuses(302, archivist=200),
}


def _all_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if p.namespace and namespace:
                    ns = f"{namespace}:{p.namespace}"
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern):
                if namespace == "admin":
                    continue  # the admin's own redirects; checked by ADMIN_PROBES
                assert p.name, f"unnamed URL pattern {p.pattern} cannot be in the matrix"
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_route_is_in_the_matrix():
    names = _all_route_names()
    missing = {n for n in names if not n.startswith("admin:")} - set(MATRIX)
    assert not missing, f"routes without a permission decision: {sorted(missing)}"
    assert not set(MATRIX) - names, "matrix names routes that do not exist"


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    """The matrix's objects, built once for the module's 1,400 cases (building them per case
    was a third of the suite's time). They live in a transaction rolled back at the end of
    the module; each case runs in its own savepoint inside it, so what a case writes is
    gone before the next one (Django's TestCase.setUpTestData, for pytest)."""
    with django_db_blocker.unblock(), translation.override("en"), transaction.atomic():
        users = make_users()
        users["archivist"].is_staff = True
        users["archivist"].save()
        manager = users["manager"]
        customer = CustomerFactory(name="刘文才", manager=manager)
        context = {
            "customer": customer,
            "phone": PhoneFactory(customer=customer),
            "submission": SubmissionFactory(customer=customer),
            "log": ContactLogFactory(customer=customer),
            "report": MonthlyReportFactory(manager=manager),
            **users,
        }
        for part in PARTS:
            if hasattr(part, "extend_ctx"):
                part.extend_ctx(context)
        yield context
        transaction.set_rollback(True)


@pytest.fixture
def ctx(_world, db):
    # fresh copies: a case never sees another's cached permissions or changed attributes
    return copy.deepcopy(_world)


def _client(client, ctx, role: str, api: bool):
    if role == "anonymous":
        return client
    user = ctx[role]
    if api:
        token, _ = Token.objects.get_or_create(user=user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    else:
        client.force_login(user)
    return client


# Routes whose 404 is not a denial: there is nothing there to deny (an unroutable API path).
NO_OBJECT_ROUTES = {"api-not-found"}

CASES = [
    (name, method, role) for name, methods in MATRIX.items() for method in methods for role in ROLES
]


@pytest.mark.parametrize(("name", "method", "role"), CASES)
def test_permission_matrix(client, ctx, name, method, role):
    build, body, expected = MATRIX[name][method]
    path = build(ctx)
    api = path.startswith(("/api/v1/", "/api/schema/"))  # token auth; the rest is the browser
    c = _client(client, ctx, role, api)
    kwargs: dict[str, Any] = {}
    if callable(body):
        body = body(ctx)
    if body is not None:
        kwargs["data"] = body
        if api:
            kwargs["content_type"] = "application/json"
    denied_before = SecurityEvent.objects.filter(kind="access_denied").count()
    response = getattr(c, method.lower())(path, **kwargs)
    assert response.status_code == expected[role], (
        f"{method} {path} as {role}: got {response.status_code}, expected {expected[role]}"
    )
    # Every denial by the policy (401, 403, or 404 for an object that exists — all the
    # matrix's objects exist) writes exactly one security-log row; nothing else writes one.
    logged = SecurityEvent.objects.filter(kind="access_denied").count() - denied_before
    denial = expected[role] in (401, 403, 404) and name not in NO_OBJECT_ROUTES
    assert logged == (1 if denial else 0), f"{method} {path} as {role}: {logged} access_denied rows"


@pytest.mark.parametrize(("name", "role"), [(n, r) for n in ADMIN_PROBES for r in ROLES])
def test_admin_is_for_staff_only(client, ctx, name, role):
    c = _client(client, ctx, role, api=False)
    response = c.get(reverse(name))
    assert response.status_code == ADMIN_PROBES[name][role]
