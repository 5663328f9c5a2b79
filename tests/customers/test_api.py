"""The customers API: same policy and services as the browser."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from customers.models import Customer, Phone
from tests.factories import CustomerFactory, MachineFactory, PhoneFactory, ShareholderFactory

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_token_login_then_list(client, archivist, customer):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "archivist", "password": "pw-12345678"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listed = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/customers/")
    assert listed.status_code == 200
    body = listed.json()
    assert set(body) == {"count", "count_capped", "next", "previous", "results"}
    assert body["count"] == 1 and body["results"][0]["name"] == "刘文才"
    assert body["count_capped"] is False


def test_anonymous_gets_401_with_token_challenge():
    response = api().get("/api/v1/customers/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_search_by_initials_and_phone_format(manager, customer):
    PhoneFactory(customer=customer, raw="13800138000")
    CustomerFactory(name="王建国", manager=manager)
    for query in ("lwc", "liuwencai", "+86 138-0013-8000"):
        results = api(manager).get("/api/v1/customers/", {"search": query}).json()["results"]
        assert [r["name"] for r in results] == ["刘文才"], query


def test_retrieve_nests_phones_shareholders_machines(executive, customer):
    PhoneFactory(customer=customer, raw="13800138000")
    ShareholderFactory(customer=customer, name="刘大", share_percent=60)
    MachineFactory(customer=customer, source="from_us", purchase_price=450000)
    body = api(executive).get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["phones"][0]["e164"] == "+8613800138000"
    assert body["shareholders"][0]["name"] == "刘大"
    assert body["machines"][0]["purchase_price"] == "450000.00"


def test_service_sees_no_personal_side_shareholders_or_money(service_user, customer):
    customer.hobbies = "钓鱼"
    customer.save()
    MachineFactory(customer=customer, source="from_us", purchase_price=450000)
    body = api(service_user).get(f"/api/v1/customers/{customer.pk}/").json()
    assert "hobbies" not in body and "birth_date" not in body
    assert "shareholders" not in body
    assert "purchase_price" not in body["machines"][0]
    assert body["machines"][0]["model_raw"] == "LG855N"


def test_archivist_creates_with_phones(archivist, manager):
    response = api(archivist).post(
        "/api/v1/customers/",
        {"name": "刘稳材", "manager": manager.pk, "phones": [{"raw": "138 0013 8000"}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name_initials"] == "lwc"
    assert body["phones"][0]["e164"] == "+8613800138000"
    assert manager.has_perm("customers.view_customer", Customer.objects.get(pk=body["id"]))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({}, "name"),
        ({"name": "张三", "birth_date": "1980-13-45"}, "birth_date"),
        ({"name": "张三", "birth_date": "2999-01-01"}, "birth_date"),
        ({"name": "张三", "status": "vip"}, "status"),
        ({"name": "张三", "phones": [{"raw": "not a phone"}]}, "phones"),
        ({"name": "张三", "started_operating_year": 99999}, "started_operating_year"),
    ],
)
def test_bad_input_is_400_and_writes_nothing(archivist, payload, field):
    response = api(archivist).post("/api/v1/customers/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Customer.objects.exists() and not Phone.objects.exists()


def test_extra_fields_change_nothing(archivist, customer):
    response = api(archivist).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"name_pinyin": "zzz", "created_at": "2000-01-01T00:00:00Z", "notes": "老客户"},
        format="json",
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.name_pinyin == "liuwencai" and customer.notes == "老客户"


def test_manager_cannot_write_own_customer(manager, customer):
    response = api(manager).patch(
        f"/api/v1/customers/{customer.pk}/", {"notes": "x"}, format="json"
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.notes == ""


def test_other_managers_customer_is_404_for_every_method(other_manager, customer):
    client = api(other_manager)
    url = f"/api/v1/customers/{customer.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"notes": "x"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_errors_have_one_format(archivist):
    response = api(archivist).get("/api/v1/customers/99999/")
    assert response.status_code == 404 and "detail" in response.json()
    response = api(archivist).get("/api/v1/customers/", {"status": "nope"})
    assert response.status_code == 400 and "status" in response.json()


def test_schema_documents_customers(archivist):
    response = api(archivist).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/customers/" in paths and "/api/v1/customers/{id}/" in paths
    assert "/api/v1/auth/token/" in paths


def test_docs_page_uses_local_assets(client, archivist):
    client.force_login(archivist)
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()


def test_docs_page_sends_a_visitor_who_is_not_signed_in_to_the_login_page(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/api/docs/")
