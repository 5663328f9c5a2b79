"""Input no view should ever see (issue 15, part 2): NUL characters (PostgreSQL cannot store
them) and JSON nested or sized to make parsing expensive. Each answers a 4xx with a clear
message and writes nothing, anonymous or logged in. Run on PostgreSQL as well
(DATABASE_URL): that is where a NUL used to become a 500."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from customers.models import Customer
from dealercrm.models import LoginThrottle, SecurityEvent

pytestmark = pytest.mark.django_db

NUL = "\x00"


@pytest.fixture(autouse=True)
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the messages users read


@pytest.fixture
def nothing_written():
    """Call it after the request: no login counted, nothing in the security log since the
    test's users were made."""
    events = SecurityEvent.objects.count()
    return lambda: not LoginThrottle.objects.exists() and SecurityEvent.objects.count() == events


# --- NUL in the user name ------------------------------------------------------------------


def test_nul_in_the_login_forms_user_name_is_refused(manager, nothing_written):
    response = Client().post("/login/", {"username": f"manager1{NUL}", "password": "x"})
    assert response.status_code == 400
    assert "不允许的控制字符" in response.content.decode()
    assert nothing_written()


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_nul_in_the_token_endpoints_user_name_is_refused(manager, nothing_written, fmt):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": f"manager1{NUL}", "password": "x"}, format=fmt
    )
    assert response.status_code == 400
    assert "不允许的控制字符" in json.dumps(response.json(), ensure_ascii=False)
    assert nothing_written()


def test_nul_in_a_form_encoded_token_request_is_refused(manager, nothing_written):
    response = APIClient().post(
        "/api/v1/auth/token/",
        "username=manager1%00&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert nothing_written()


def test_nul_in_any_json_string_is_refused_before_the_view(archivist):
    api = APIClient()
    api.force_authenticate(archivist)
    body = {"name": "刘文才", "kind": "person", "phones": [], "notes": f"a{NUL}b"}
    response = api.post("/api/v1/customers/", body, format="json")
    assert response.status_code == 400
    assert "不允许的控制字符" in response.json()["detail"]
    assert not Customer.objects.exists()


def test_nul_in_a_browser_form_field_is_refused(client, archivist):
    client.force_login(archivist)
    response = client.post("/customers/new/", {"name": f"刘{NUL}文才", "kind": "person"})
    assert response.status_code == 400
    assert not Customer.objects.exists()


# --- NUL in search filters -------------------------------------------------------------------


API_SEARCHES = [
    "/api/v1/duplicates/?search=",
    "/api/v1/customers/?search=",
    "/api/v1/parts-orders/?search=",
    "/api/v1/gold-candidates/?search=",
    "/api/v1/contact-logs/?status=",
    "/api/v1/submissions/?status=",
]
PAGE_SEARCHES = [
    "/customers/duplicates/?q=",
    "/customers/?q=",
    "/parts/?q=",
    "/loyalty/candidates/?q=",
    "/loyalty/cards/?q=",
    "/customers/import/?verdict=",
]


@pytest.mark.parametrize("url", API_SEARCHES)
def test_nul_in_an_api_filter_answers_400(archivist, url):
    api = APIClient()
    api.force_authenticate(archivist)
    response = api.get(url + "%00")
    assert response.status_code == 400
    assert "不允许的控制字符" in response.json()["detail"]


@pytest.mark.parametrize("url", PAGE_SEARCHES)
def test_nul_in_a_page_filter_answers_400_with_a_message(client, archivist, url):
    client.force_login(archivist)
    response = client.get(url + "liu%00")
    assert response.status_code == 400
    assert "不允许的控制字符" in response.content.decode()


def test_nul_in_the_admin_search_answers_400(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/customers/customer/?q=%00").status_code == 400


def test_an_ordinary_search_still_works(client, archivist, customer):
    client.force_login(archivist)
    assert client.get("/customers/?q=刘").status_code == 200
    api = APIClient()
    api.force_authenticate(archivist)
    found = api.get("/api/v1/customers/?search=刘").json()
    assert [c["id"] for c in found["results"]] == [customer.pk]


# --- deep and oversized JSON -----------------------------------------------------------------


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def deep_object(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize("body", [nested(1000), deep_object(1000), nested(100_000)])
def test_deeply_nested_json_at_the_token_endpoint_answers_400(manager, nothing_written, body):
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套" in response.json()["detail"]
    assert nothing_written()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/customers/"),
        ("patch", "/api/v1/customers/{pk}/"),
        ("post", "/api/v1/contact-logs/"),
        ("post", "/api/v1/duplicates/1/dismiss/"),
        ("post", "/api/v1/gold-cards/"),  # JSON-only views name their parser
        ("post", "/api/v1/referrals/"),
    ],
)
def test_deeply_nested_json_answers_400_when_logged_in(archivist, customer, method, url):
    api = APIClient()
    api.force_authenticate(archivist)
    body = '{"name": ' + nested(1000) + "}"
    response = getattr(api, method)(
        url.format(pk=customer.pk), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "嵌套" in response.json()["detail"]
    customer.refresh_from_db()
    assert customer.name == "刘文才" and Customer.objects.count() == 1


def test_json_at_the_depth_limit_is_parsed(settings, manager):
    depth = settings.DEALERCRM["JSON_MAX_DEPTH"]
    # a body exactly at the limit reaches the view (which refuses its shape, not its depth)
    body = '{"username": ' + nested(depth - 1) + ', "password": "x"}'
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert "username" in response.json()
    too_deep = '{"username": ' + nested(depth) + ', "password": "x"}'
    response = APIClient().post("/api/v1/auth/token/", too_deep, content_type="application/json")
    assert response.status_code == 400 and "嵌套" in response.json()["detail"]


def test_brackets_inside_strings_do_not_count_as_depth(manager):
    username = "[[[{{{" * 20 + '\\"' + "]]]"
    body = json.dumps({"username": username, "password": "x"})
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    # parsed and refused as a wrong login, not as nesting
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert LoginThrottle.objects.filter(key=username.lower()).exists()


def test_oversized_json_answers_413(settings, manager, nothing_written):
    # Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds it before any parsing (DRF reads
    # request.body); the API answers it as 413 Payload Too Large, in JSON (issue 15, part 5)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"username": "manager1", "password": "x" * 20_000})
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert nothing_written()
    assert get_user_model().objects.count() == 1


def depth_of(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


@pytest.mark.parametrize(
    "body",
    [
        nested(32),
        nested(33),
        deep_object(33),
        "[" + ",".join([nested(31)] * 200) + "]",  # wide, at the limit
        "[" + ",".join([nested(20)] * 200 + [nested(32)]) + "]",  # one deep branch
        '{"a": [1, {"b": "]]]}}}"}, [[[]]]], "c": {"d": "\\"[[[["}}',
    ],
)
def test_the_depth_scan_agrees_with_the_parsed_depth(body):
    from dealercrm.parsers import too_deep

    assert too_deep(body, 32) == (depth_of(json.loads(body)) > 32)
