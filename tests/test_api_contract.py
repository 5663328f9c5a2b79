"""API contract fuzzing (issue 9): schemathesis runs every operation of /api/schema/ in
process, as each role (archivist, sales manager, service, executive), with generated valid
and invalid data. `make fuzz` (bench/fuzz.py) runs all of schemathesis' checks against a
real server for longer; CI runs both.

Checked for every response: no server error, a documented status code, a documented
content type and a body matching the documented schema. NUL bytes, huge integers,
overlong strings and bad dates therefore answer 400/404, never 500. (Invalid data
rejected and valid data accepted are checked by `make fuzz`, which reads schemathesis.toml.)
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import ContactLogFactory, CustomerFactory, PhoneFactory, SubmissionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.contract]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,  # the same cases on every run: CI failures reproduce
    suppress_health_check=list(HealthCheck),
)


def _spec() -> dict:
    """The schema /api/schema/ serves, generated the same way (no request needed)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))


SCHEMA = schemathesis.openapi.from_dict(_spec())
SCHEMA.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Schemathesis calls the WSGI app directly; like Django's test client, keep the
    request signals from closing the test transaction's database connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def data(manager, other_manager):
    for owner in (manager, other_manager):
        for i in range(3):
            customer = CustomerFactory(name=f"测试客户{i}", manager=owner, is_gold_card=i == 0)
            PhoneFactory(customer=customer)
            ContactLogFactory(customer=customer)
            SubmissionFactory(customer=customer)


def _headers(user) -> dict[str, str]:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


# Made once a test, not once a generated case (hypothesis runs a test's body for every case,
# some 90 an operation): the token is the same, the look-up was 5% of these tests' time.
@pytest.fixture
def as_archivist(archivist) -> dict[str, str]:
    return _headers(archivist)


@pytest.fixture
def as_manager(manager) -> dict[str, str]:
    return _headers(manager)


@pytest.fixture
def as_service(service_user) -> dict[str, str]:
    return _headers(service_user)


@pytest.fixture
def as_executive(executive) -> dict[str, str]:
    return _headers(executive)


@SCHEMA.parametrize()
@EXAMPLES
def test_api_contract_as_archivist(case, data, as_archivist):
    case.call_and_validate(headers=as_archivist, checks=CHECKS)


@SCHEMA.parametrize()
@EXAMPLES
def test_api_contract_as_manager(case, data, as_manager):
    case.call_and_validate(headers=as_manager, checks=CHECKS)


@SCHEMA.parametrize()
@EXAMPLES
def test_api_contract_as_service(case, data, as_service):
    case.call_and_validate(headers=as_service, checks=CHECKS)


@SCHEMA.parametrize()
@EXAMPLES
def test_api_contract_as_executive(case, data, as_executive):
    case.call_and_validate(headers=as_executive, checks=CHECKS)
