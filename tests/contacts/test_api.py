"""contacts API: submissions (create/list/file/reject), contact-logs, monthly-reports."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contacts.models import ContactLog, Submission
from tests.factories import ContactLogFactory, CustomerFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

REPORT = {
    "channel": "phone",
    "occurred_at": "2026-01-05T10:00:00+08:00",
    "summary": "电话回访，客户想租一台挖掘机",
    "intents": ["rental"],
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_manager_submits_and_sees_status(manager, archivist, customer):
    response = api(manager).post(
        "/api/v1/submissions/", {**REPORT, "customer": customer.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["intents"] == ["rental"]
    sid = body["id"]
    filed = api(archivist).post(f"/api/v1/submissions/{sid}/file/", {}, format="json")
    assert filed.status_code == 201
    mine = api(manager).get(f"/api/v1/submissions/{sid}/").json()
    assert mine["status"] == "filed" and mine["contact_log"] == filed.json()["id"]


def test_manager_gets_404_for_another_managers_customer(other_manager, customer):
    response = api(other_manager).post(
        "/api/v1/submissions/", {**REPORT, "customer": customer.pk}, format="json"
    )
    assert response.status_code == 404
    assert not Submission.objects.exists()


def test_manager_lists_only_his_submissions(manager, other_manager, customer):
    SubmissionFactory(customer=customer)
    SubmissionFactory(customer=CustomerFactory(manager=other_manager))
    results = api(manager).get("/api/v1/submissions/").json()["results"]
    assert [r["author"] for r in results] == [manager.pk]


def test_archivist_inbox_is_oldest_first(archivist, customer):
    old = SubmissionFactory(
        customer=customer, submitted_at=timezone.now() - timezone.timedelta(days=2)
    )
    new = SubmissionFactory(customer=customer)
    results = api(archivist).get("/api/v1/submissions/", {"status": "pending"}).json()["results"]
    assert [r["id"] for r in results] == [old.pk, new.pk]


def test_submissions_cannot_be_edited_or_deleted(manager, archivist, customer):
    submission = SubmissionFactory(customer=customer)
    for user in (manager, archivist):
        client = api(user)
        assert (
            client.patch(f"/api/v1/submissions/{submission.pk}/", {"summary": "x"}).status_code
            == 405
        )
        assert (
            client.put(f"/api/v1/submissions/{submission.pk}/", {"summary": "x"}).status_code == 405
        )
        assert client.delete(f"/api/v1/submissions/{submission.pk}/").status_code == 405
    submission.refresh_from_db()
    assert submission.summary != "x"


def test_manager_cannot_file(manager, customer):
    submission = SubmissionFactory(customer=customer)
    assert api(manager).post(f"/api/v1/submissions/{submission.pk}/file/", {}).status_code == 403
    assert not ContactLog.objects.exists()


def test_file_twice_is_400_and_one_log(archivist, customer):
    submission = SubmissionFactory(customer=customer)
    client = api(archivist)
    assert client.post(f"/api/v1/submissions/{submission.pk}/file/", {}).status_code == 201
    second = client.post(f"/api/v1/submissions/{submission.pk}/file/", {})
    assert second.status_code == 400
    assert ContactLog.objects.count() == 1


def test_file_rejects_dossier_fields_outside_the_allowed_set(archivist, customer):
    submission = SubmissionFactory(customer=customer)
    response = api(archivist).post(
        f"/api/v1/submissions/{submission.pk}/file/",
        {"customer": {"is_gold_card": True}},
        format="json",
    )
    assert response.status_code == 400 and "customer" in response.json()
    customer.refresh_from_db()
    assert not customer.is_gold_card and not ContactLog.objects.exists()


def test_reject_requires_reason(archivist, customer):
    submission = SubmissionFactory(customer=customer)
    response = api(archivist).post(
        f"/api/v1/submissions/{submission.pk}/reject/", {}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    ok = api(archivist).post(
        f"/api/v1/submissions/{submission.pk}/reject/", {"reason": "信息不全"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["reject_reason"] == "信息不全"


@pytest.mark.parametrize(
    "payload",
    [
        {**REPORT, "channel": "fax"},
        {**REPORT, "occurred_at": "yesterday"},
        {**REPORT, "intents": ["bribe"]},
        {k: v for k, v in REPORT.items() if k != "summary"},
        {**REPORT, "customer": 0},
    ],
)
def test_bad_report_is_400(manager, customer, payload):
    payload = {"customer": customer.pk, **payload}
    response = api(manager).post("/api/v1/submissions/", payload, format="json")
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_contact_logs_filter_by_intent_and_customer(executive, customer):
    ContactLogFactory(customer=customer, intents=",parts,")
    ContactLogFactory(customer=customer, intents=",rental,")
    ContactLogFactory(customer=CustomerFactory())
    results = (
        api(executive)
        .get("/api/v1/contact-logs/", {"customer": customer.pk, "intent": "parts"})
        .json()["results"]
    )
    assert len(results) == 1 and results[0]["intents"] == ["parts"]


def test_service_staff_cannot_read_contact_logs(service_user, customer):
    ContactLogFactory(customer=customer)
    assert api(service_user).get("/api/v1/contact-logs/").status_code == 403


def test_manager_reads_only_his_customers_logs(manager, other_manager, customer):
    ContactLogFactory(customer=customer)
    theirs = ContactLogFactory(customer=CustomerFactory(manager=other_manager))
    assert api(manager).get("/api/v1/contact-logs/").json()["count"] == 1
    assert api(manager).get(f"/api/v1/contact-logs/{theirs.pk}/").status_code == 404


def test_monthly_report_via_api(manager, executive):
    CustomerFactory(manager=manager, is_gold_card=True)
    month = timezone.localdate().strftime("%Y-%m")
    created = api(manager).post("/api/v1/monthly-reports/", {"month": month}, format="json")
    assert created.status_code == 201
    report = created.json()
    entry = report["entries"][0]
    patched = api(manager).patch(
        f"/api/v1/monthly-reports/{report['id']}/",
        {"entries": [{"id": entry["id"], "problems": "配件不到货"}], "submit": True},
        format="json",
    )
    assert patched.status_code == 200 and patched.json()["status"] == "submitted"
    assert api(executive).get("/api/v1/monthly-reports/").json()["count"] == 1
    again = api(manager).patch(
        f"/api/v1/monthly-reports/{report['id']}/", {"summary": "x"}, format="json"
    )
    assert again.status_code == 400


def test_schema_documents_the_loop(archivist):
    paths = api(archivist).get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in (
        "/api/v1/submissions/",
        "/api/v1/submissions/{id}/file/",
        "/api/v1/submissions/{id}/reject/",
        "/api/v1/contact-logs/",
        "/api/v1/monthly-reports/{id}/",
    ):
        assert path in paths
