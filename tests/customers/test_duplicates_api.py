"""The `duplicates` and `merges` API resources: archivist only, the same services."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from customers.models import Customer, MergeRecord
from tests.factories import CustomerFactory, DuplicateCandidateFactory, PhoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(archivist):
    client = APIClient()
    client.force_authenticate(archivist)
    return client


@pytest.fixture
def candidate(manager):
    low = CustomerFactory(name="刘文才", manager=manager)
    high = CustomerFactory(name="刘文财", manager=manager, notes="电话报备")
    PhoneFactory(customer=low, raw="13853991234")
    PhoneFactory(customer=high, raw="15953962287")
    return DuplicateCandidateFactory(low=low, high=high)


def test_duplicates_lists_open_pairs_with_readable_reasons(api, candidate):
    DuplicateCandidateFactory(status="dismissed")
    body = api.get("/api/v1/duplicates/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["low"]["name"] == "刘文才"
    assert row["reasons"][1]["code"] == "phone_same"
    assert row["reasons"][1]["params"] == {"phone": "138 5399 1234"}
    assert row["reasons"][1]["text"]
    assert api.get("/api/v1/duplicates/", {"status": "all"}).json()["count"] == 2
    assert api.get("/api/v1/duplicates/", {"status": "nonsense"}).status_code == 400


def test_dismiss_and_relate(api, candidate):
    response = api.post(
        f"/api/v1/duplicates/{candidate.pk}/dismiss/", {"note": "两个人"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    again = api.post(f"/api/v1/duplicates/{candidate.pk}/relate/", {}, format="json")
    assert again.status_code == 400  # already decided
    other = DuplicateCandidateFactory()
    related = api.post(f"/api/v1/duplicates/{other.pk}/relate/", {"note": "兄弟"}, format="json")
    assert related.status_code == 200
    assert related.json()["relation"]["note"] == "兄弟"


def test_a_dry_run_answers_what_would_move_and_changes_nothing(api, candidate):
    body = {
        "survivor": candidate.low_id,
        "loser": candidate.high_id,
        "choices": {"notes": "loser"},
        "dry_run": True,
    }
    response = api.post("/api/v1/merges/", body, format="json")
    assert response.status_code == 200
    plan = response.json()
    assert plan["dry_run"] is True
    assert {"model": "customers.Phone", "field": "customer", "count": 1} in plan["moves"]
    assert plan["changes"]["notes"] == {"before": "", "after": "电话报备"}
    assert not MergeRecord.objects.exists()
    assert Customer.objects.filter(pk=candidate.high_id).exists()


def test_merge_then_undo(api, candidate):
    phone = candidate.high.phones.get()
    response = api.post(
        "/api/v1/merges/",
        {"survivor": candidate.low_id, "loser": candidate.high_id, "candidate": candidate.pk},
        format="json",
    )
    assert response.status_code == 201
    record = response.json()
    assert record["status"] == "done"
    assert {"model": "customers.Phone", "field": "customer", "pks": [phone.pk]} in record["moved"]
    assert api.get(f"/api/v1/merges/{record['id']}/").status_code == 200
    assert api.get("/api/v1/merges/").json()["count"] == 1
    undone = api.post(f"/api/v1/merges/{record['id']}/undo/")
    assert undone.status_code == 200
    assert undone.json()["status"] == "undone"
    assert api.post(f"/api/v1/merges/{record['id']}/undo/").status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"survivor": 999999, "loser": 1}, "survivor"),
        ({"choices": {"external_ref": "loser"}}, "choices"),
        ({"choices": {"notes": "both"}}, "choices"),
    ],
)
def test_bad_merge_requests_are_refused(api, candidate, body, field):
    data = {"survivor": candidate.low_id, "loser": candidate.high_id, **body}
    response = api.post("/api/v1/merges/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not MergeRecord.objects.exists()


def test_merging_a_customer_with_himself_is_refused(api, candidate):
    response = api.post(
        "/api/v1/merges/", {"survivor": candidate.low_id, "loser": candidate.low_id}, format="json"
    )
    assert response.status_code == 400


def test_the_id_number_is_personal_data(client, service_user, manager):
    customer = CustomerFactory(manager=manager, id_number="371324196602113512")
    api = APIClient()
    api.force_authenticate(service_user)
    assert "id_number" not in api.get(f"/api/v1/customers/{customer.pk}/").json()
    api.force_authenticate(manager)
    assert api.get(f"/api/v1/customers/{customer.pk}/").json()["id_number"] == "371324196602113512"
