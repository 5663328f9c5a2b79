"""Every writable field of every write serializer of the API, sent with a distinct valid value
as the role allowed to write it; the answer and a later GET must carry each value back
(issue 15: nothing a client sends is silently dropped). Values come from the serializers'
own fields (tests/every_field.py); an id or a domain format comes from an override."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from contacts.api import (
    ContactLogInputSerializer,
    ContactLogUpdateSerializer,
    FileInputSerializer,
    RejectInputSerializer,
    ReportInputSerializer,
    SubmissionInputSerializer,
)
from customers.api import CustomerInputSerializer, PhoneInputSerializer
from parts.api import LineInputSerializer, PartsOrderInputSerializer, PartsOrderUpdateSerializer
from service.api import (
    HourReadingInputSerializer,
    ServiceRecordInputSerializer,
    ServiceRecordUpdateSerializer,
)
from tests import every_field as ef
from tests.factories import (
    CustomerFactory,
    MachineFactory,
    SalesRegionFactory,
    ServiceRecordFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ID_NUMBER = "37130219800101123X"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _ok(response, code=200):
    assert response.status_code == code, response.content.decode()[:800]
    return response.json()


# --- customers -------------------------------------------------------------------------------


def _customer_body(manager, start=0, phones=True):
    region = SalesRegionFactory()
    body = ef.api_values(
        CustomerInputSerializer(),
        start=start,
        overrides={
            "manager": manager.pk,
            "sales_region": region.pk,
            "id_number": ID_NUMBER,
            "birth_date": "1980-01-01",
            "birth_year": 1980,
            "phones": [
                ef.api_values(PhoneInputSerializer(), overrides={"raw": raw}, start=start + i)
                for i, raw in enumerate(["13800138001", "0539-8123456"])
            ],
        },
    )
    if not phones:
        del body["phones"]
    return body


# Instructions to the duplicate check at the door, not dossier data: what they do is tested in
# tests/customers/test_door.py.
CONFIRMATION = ("confirm_new", "confirm_reason")


def _dossier_data(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in CONFIRMATION}


def test_customer_create_keeps_every_field(archivist, manager):
    body = _customer_body(manager)
    created = _ok(api(archivist).post("/api/v1/customers/", body, format="json"), 201)
    assert ef.echo_diff(_dossier_data(body), created) == {}
    again = _ok(api(archivist).get(f"/api/v1/customers/{created['id']}/"))
    assert ef.echo_diff(_dossier_data(body), again) == {}


@pytest.mark.parametrize("method", ["put", "patch"])
def test_customer_update_keeps_every_field(archivist, manager, other_manager, method):
    customer = CustomerFactory(manager=manager)
    body = _customer_body(other_manager, start=30, phones=False)
    client = api(archivist)
    answer = _ok(getattr(client, method)(f"/api/v1/customers/{customer.pk}/", body, format="json"))
    assert ef.echo_diff(_dossier_data(body), answer) == {}
    stored = _ok(client.get(f"/api/v1/customers/{customer.pk}/"))
    assert ef.echo_diff(_dossier_data(body), stored) == {}


def test_customer_update_refuses_phones_instead_of_dropping_them(archivist, manager):
    # An update used to answer 200 and drop the phones it was sent.
    customer = CustomerFactory(manager=manager)
    body = _customer_body(manager)
    response = api(archivist).put(f"/api/v1/customers/{customer.pk}/", body, format="json")
    assert response.status_code == 400
    assert "phones" in response.json()
    assert not customer.phones.exists()


# --- contact logs, submissions -------------------------------------------------------------


def test_contact_log_create_and_update_keep_every_field(archivist, manager, other_manager):
    customer = CustomerFactory(manager=manager)
    client = api(archivist)
    body = ef.api_values(
        ContactLogInputSerializer(), overrides={"customer": customer.pk, "staff": manager.pk}
    )
    created = _ok(client.post("/api/v1/contact-logs/", body, format="json"), 201)
    assert ef.echo_diff(body, created) == {}

    body = ef.api_values(
        ContactLogUpdateSerializer(), overrides={"staff": other_manager.pk}, start=20
    )
    url = f"/api/v1/contact-logs/{created['id']}/"
    assert ef.echo_diff(body, _ok(client.put(url, body, format="json"))) == {}
    assert ef.echo_diff(body, _ok(client.get(url))) == {}


@pytest.mark.parametrize("new_customer", [False, True])
def test_submission_keeps_every_field(manager, archivist, new_customer):
    customer = CustomerFactory(manager=manager)
    earlier = SubmissionFactory(author=manager, customer=customer)
    if new_customer:
        # a customer not in the archive yet: described, not picked
        overrides = {"customer": None, "new_customer_phone": "13700137003"}
    else:
        overrides = {
            "customer": customer.pk,
            "new_customer_name": "",
            "new_customer_phone": "",
            "new_customer_place": "",
        }
    body = ef.api_values(
        SubmissionInputSerializer(), overrides={**overrides, "corrects": earlier.pk}
    )
    created = _ok(api(manager).post("/api/v1/submissions/", body, format="json"), 201)
    assert ef.echo_diff(body, created) == {}
    assert (
        ef.echo_diff(body, _ok(api(archivist).get(f"/api/v1/submissions/{created['id']}/"))) == {}
    )


def test_filing_keeps_every_log_field_and_dossier_correction(manager, archivist):
    customer = CustomerFactory(manager=manager)
    submission = SubmissionFactory(author=manager, customer=customer)
    log = ef.api_values(ReportInputSerializer(), start=10)
    corrections = {
        "status": "dormant",
        "province": "河北省",
        "city": "石家庄市",
        "county": "正定县",
        "address": "归档时改的地址",
        "industry": "mining",
        "notes": "归档时改的备注",
    }
    # attach_to / confirm_new / confirm_reason answer the door check on a new customer's
    # report (tests/customers/test_door.py); this report is about a known customer
    door = {"attach_to", *CONFIRMATION}
    assert set(FileInputSerializer().fields) - door == {"log", "customer"}
    client = api(archivist)
    body = {"log": log, "customer": corrections}
    filed = _ok(client.post(f"/api/v1/submissions/{submission.pk}/file/", body, format="json"), 201)
    assert ef.echo_diff(log, filed) == {}
    assert ef.echo_diff(log, _ok(client.get(f"/api/v1/contact-logs/{filed['id']}/"))) == {}
    assert ef.echo_diff(corrections, _ok(client.get(f"/api/v1/customers/{customer.pk}/"))) == {}


def test_rejection_keeps_its_reason(manager, archivist):
    submission = SubmissionFactory(author=manager, customer=CustomerFactory(manager=manager))
    body = ef.api_values(RejectInputSerializer())
    url = f"/api/v1/submissions/{submission.pk}/reject/"
    answer = _ok(api(archivist).post(url, body, format="json"))
    assert answer["reject_reason"] == body["reason"]
    again = _ok(api(manager).get(f"/api/v1/submissions/{submission.pk}/"))
    assert again["reject_reason"] == body["reason"]


# --- service records -----------------------------------------------------------------------


def test_service_record_create_and_update_keep_every_field(archivist, service_user):
    customer = CustomerFactory()
    machines = [MachineFactory(customer=customer), MachineFactory(customer=customer)]
    other_tech = UserFactory(username="service2", role="service")
    earlier = ServiceRecordFactory(customer=customer)
    client = api(archivist)
    body = ef.api_values(
        ServiceRecordInputSerializer(),
        overrides={
            "customer": customer.pk,
            "machine": machines[0].pk,
            "technician": service_user.pk,
            "follows": earlier.pk,
            "status": "in_progress",
            "closed_on": None,
            "satisfaction": 4,
        },
    )
    created = _ok(client.post("/api/v1/service-records/", body, format="json"), 201)
    assert ef.echo_diff(body, created) == {}

    body = ef.api_values(
        ServiceRecordUpdateSerializer(),
        start=30,
        overrides={
            "machine": machines[1].pk,
            "technician": other_tech.pk,
            "follows": earlier.pk,
            "status": "closed",
            "satisfaction": 2,
        },
    )
    url = f"/api/v1/service-records/{created['id']}/"
    assert ef.echo_diff(body, _ok(client.put(url, body, format="json"))) == {}
    assert ef.echo_diff(body, _ok(client.get(url))) == {}


def test_hour_reading_keeps_every_field(service_user):
    machine = MachineFactory(customer=CustomerFactory())
    client = api(service_user)
    body = ef.api_values(HourReadingInputSerializer(), overrides={"machine": machine.pk})
    created = _ok(client.post("/api/v1/hour-readings/", body, format="json"), 201)
    assert ef.echo_diff(body, created) == {}
    assert ef.echo_diff(body, _ok(client.get(f"/api/v1/hour-readings/{created['id']}/"))) == {}


# --- parts orders ----------------------------------------------------------------------------


def test_parts_order_create_and_update_keep_every_field_of_order_and_lines(archivist):
    customer = CustomerFactory()
    client = api(archivist)
    body = ef.api_values(PartsOrderInputSerializer(), overrides={"customer": customer.pk})
    assert len(body["lines"]) == 2 and set(body["lines"][0]) == set(LineInputSerializer().fields)
    created = _ok(client.post("/api/v1/parts-orders/", body, format="json"), 201)
    assert ef.echo_diff(body, created) == {}

    body = ef.api_values(PartsOrderUpdateSerializer(), start=5)
    url = f"/api/v1/parts-orders/{created['id']}/"
    assert ef.echo_diff(body, _ok(client.put(url, body, format="json"))) == {}
    assert ef.echo_diff(body, _ok(client.get(url))) == {}
