"""A report sent twice with the same idempotency key is stored once (issue 18, part 3).

The phone keeps a report typed without signal and sends it again when the connection
returns; a send whose answer was lost is sent again too. The key, made on the phone when
the report is typed, makes every resend answer with the submission the first send made.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from contacts import services
from contacts.models import Notification, Submission
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

REPORT = {
    "channel": "phone",
    "occurred_at": timezone.now() - dt.timedelta(hours=1),
    "summary": "工地没信号，回到镇上才发出",
    "intents": ["parts"],
}


def report_form(**extra):
    return {
        "channel": "visit",
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "summary": "工地没信号，回到镇上才发出",
        **extra,
    }


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the service -----------------------------------------------------------------------


def test_a_resend_with_the_same_key_creates_nothing_new(manager, archivist, customer):
    key = uuid.uuid4()
    first, created = services.submission_create_once(
        actor=manager, idempotency_key=key, customer=customer, data=REPORT
    )
    again, created_again = services.submission_create_once(
        actor=manager, idempotency_key=key, customer=customer, data=REPORT
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and first.idempotency_key == key
    assert Submission.objects.count() == 1
    # the archivist is told once
    assert Notification.objects.filter(recipient=archivist).count() == 1


def test_a_resend_answers_with_the_first_report_even_if_its_body_differs(manager, customer):
    key = uuid.uuid4()
    first, _ = services.submission_create_once(
        actor=manager, idempotency_key=key, customer=customer, data=REPORT
    )
    again, created = services.submission_create_once(
        actor=manager, idempotency_key=key, customer=customer, data={**REPORT, "summary": "改了"}
    )
    assert not created and again.pk == first.pk
    assert Submission.objects.get().summary == REPORT["summary"]


def test_different_keys_make_different_reports(manager, customer):
    for _ in range(2):
        services.submission_create_once(
            actor=manager, idempotency_key=uuid.uuid4(), customer=customer, data=REPORT
        )
    assert Submission.objects.count() == 2


def test_the_key_is_per_submitter(manager, other_manager, customer):
    # another manager's phone that happened to make the same key neither finds nor
    # blocks the first manager's report
    key = uuid.uuid4()
    mine, _ = services.submission_create_once(
        actor=manager, idempotency_key=key, customer=customer, data=REPORT
    )
    theirs, created = services.submission_create_once(
        actor=other_manager,
        idempotency_key=key,
        customer=CustomerFactory(manager=other_manager),
        data=REPORT,
    )
    assert created and theirs.pk != mine.pk and theirs.author == other_manager


@pytest.mark.parametrize("role", ["archivist", "service_user", "executive", "outsider"])
def test_only_managers_submit_even_with_a_known_key(request, role, manager, customer):
    key = uuid.uuid4()
    services.submission_create_once(
        actor=manager, idempotency_key=key, customer=customer, data=REPORT
    )
    with pytest.raises(PermissionDenied):
        services.submission_create_once(
            actor=request.getfixturevalue(role), idempotency_key=key, customer=None, data=REPORT
        )
    assert Submission.objects.count() == 1


def test_a_resend_after_a_rejected_first_send_creates_it(manager, customer):
    # the first send was refused (nothing stored): the key does not block the corrected one
    key = uuid.uuid4()
    with pytest.raises(ValidationError):  # neither a customer nor a new one described
        services.submission_create_once(
            actor=manager, idempotency_key=key, customer=None, data=REPORT
        )
    submission, created = services.submission_create_once(
        actor=manager, idempotency_key=key, customer=customer, data=REPORT
    )
    assert created and Submission.objects.get() == submission


# --- the browser form --------------------------------------------------------------------


def test_form_posted_twice_with_the_same_key_stores_one_report(client, manager, customer):
    client.force_login(manager)
    key = str(uuid.uuid4())
    form = report_form(customer_id=customer.pk, idempotency_key=key)
    first = client.post("/contacts/submit/", form)
    second = client.post("/contacts/submit/", form, follow=True)
    submission = Submission.objects.get()
    assert first["Location"] == second.redirect_chain[-1][0] == submission.get_absolute_url()
    assert str(submission.idempotency_key) == key
    assert "it was not sent twice" in second.content.decode()


def test_form_without_a_key_still_works(client, manager, customer):
    client.force_login(manager)
    for _ in range(2):
        client.post("/contacts/submit/", report_form(customer_id=customer.pk))
    assert Submission.objects.filter(idempotency_key=None).count() == 2


def test_form_leaves_the_key_to_the_phone(client, manager):
    # the page may be served from the offline cache for several reports: a key rendered
    # here would be shared by all of them; static/js/offline.js makes one per report
    client.force_login(manager)
    html = client.get("/contacts/submit/").content.decode()
    assert '<input type="hidden" name="idempotency_key" id="id_idempotency_key">' in html


def test_form_sent_back_with_errors_keeps_its_key(client, manager):
    client.force_login(manager)
    key = str(uuid.uuid4())
    response = client.post("/contacts/submit/", report_form(idempotency_key=key))
    assert response.status_code == 200 and not Submission.objects.exists()
    assert f'value="{key}"' in response.content.decode()


def test_report_page_names_its_key_so_the_phone_can_forget_it(client, manager, customer):
    client.force_login(manager)
    key = str(uuid.uuid4())
    response = client.post(
        "/contacts/submit/", report_form(customer_id=customer.pk, idempotency_key=key), follow=True
    )
    assert f'data-idempotency-key="{key}"' in response.content.decode()


def test_form_with_a_broken_key_shows_an_error_and_stores_nothing(client, manager, customer):
    client.force_login(manager)
    response = client.post(
        "/contacts/submit/", report_form(customer_id=customer.pk, idempotency_key="not-a-uuid")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["idempotency_key"]
    assert 'class="error"' in response.content.decode()
    assert not Submission.objects.exists()


# --- the API -----------------------------------------------------------------------------


API_REPORT = {**REPORT, "occurred_at": "2026-01-05T10:00:00+08:00"}


def test_api_resend_with_the_same_key_answers_200_with_the_first(manager, customer):
    key = str(uuid.uuid4())
    body = {**API_REPORT, "customer": customer.pk}
    first = api(manager).post("/api/v1/submissions/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api(manager).post("/api/v1/submissions/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again.json() == first.json()
    assert Submission.objects.count() == 1


def test_api_without_the_header_creates_each_time(manager, customer):
    body = {**API_REPORT, "customer": customer.pk}
    for _ in range(2):
        assert api(manager).post("/api/v1/submissions/", body, format="json").status_code == 201
    assert Submission.objects.count() == 2


def test_api_rejects_a_key_that_is_not_a_uuid(manager, customer):
    response = api(manager).post(
        "/api/v1/submissions/",
        {**API_REPORT, "customer": customer.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="twice",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]
    assert not Submission.objects.exists()


def test_api_key_of_another_manager_finds_nothing_of_his(manager, other_manager, customer):
    key = str(uuid.uuid4())
    api(manager).post(
        "/api/v1/submissions/",
        {**API_REPORT, "customer": customer.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    theirs = api(other_manager).post(
        "/api/v1/submissions/",
        {**API_REPORT, "new_customer_name": "王大锤"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert theirs.status_code == 201
    assert theirs.json()["author"] == other_manager.pk and theirs.json()["customer"] is None


def test_api_schema_documents_the_idempotency_header(manager):
    schema = api(manager).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    create = schema["paths"]["/api/v1/submissions/"]["post"]
    header = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and header["schema"]["format"] == "uuid"
    assert {"200", "201"} <= set(create["responses"])


# --- two sends at the same moment ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sends_of_the_same_report_at_once_store_it_once():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises whole transactions, so the two inserts "
            "this test is about never meet (CI runs it on PostgreSQL)"
        )
    manager = UserFactory(username="manager-t", role="sales_manager")
    customer = CustomerFactory(manager=manager)
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            submission, created = services.submission_create_once(
                actor=manager, idempotency_key=key, customer=customer, data=REPORT
            )
            results.append((submission.pk, created))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert len({pk for pk, _ in results}) == 1
    assert Submission.objects.filter(idempotency_key=key).count() == 1
