"""service API: service-records and hour-readings; same policy as the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from service.models import HourReading, ServiceRecord
from tests.factories import (
    CustomerFactory,
    HourReadingFactory,
    MachineFactory,
    ServiceRecordFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
RECORD = {"kind": "repair", "subject": "发动机无法启动"}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_service_staff_create_a_record_and_never_see_charges(service_user, customer):
    response = api(service_user).post(
        "/api/v1/service-records/", {**RECORD, "customer": customer.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["opened_on"] == TODAY.isoformat()
    assert "labour_charge" not in body and "total_charge" not in body


def test_service_staff_sending_charges_get_403_and_nothing_written(service_user, customer):
    response = api(service_user).post(
        "/api/v1/service-records/",
        {**RECORD, "customer": customer.pk, "labour_charge": "500.00"},
        format="json",
    )
    assert response.status_code == 403
    assert not ServiceRecord.objects.exists()


def test_service_staff_cannot_rename_the_customer(service_user, customer):
    response = api(service_user).patch(
        f"/api/v1/customers/{customer.pk}/", {"name": "改名"}, format="json"
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "刘文才"


def test_the_archivist_sees_and_writes_charges(archivist, customer):
    record = ServiceRecordFactory(customer=customer)
    response = api(archivist).patch(
        f"/api/v1/service-records/{record.pk}/",
        {"labour_charge": "100.10", "parts_charge": "0.01"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["total_charge"] == "100.11"


def test_a_closed_date_before_the_opened_date_is_400(service_user, customer):
    response = api(service_user).post(
        "/api/v1/service-records/",
        {**RECORD, "customer": customer.pk, "status": "closed",
         "opened_on": TODAY.isoformat(), "closed_on": (TODAY - dt.timedelta(days=1)).isoformat()},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "closed_on" in response.json()
    assert not ServiceRecord.objects.exists()


def test_a_manager_lists_only_his_customers_records(manager, other_manager, customer):
    mine = ServiceRecordFactory(customer=customer)
    theirs = ServiceRecordFactory(customer=CustomerFactory(manager=other_manager))
    results = api(manager).get("/api/v1/service-records/").json()["results"]
    assert [r["id"] for r in results] == [mine.pk]
    assert "total_charge" in results[0]  # managers may see money of their customers
    assert api(manager).get(f"/api/v1/service-records/{theirs.pk}/").status_code == 404


def test_a_machine_of_another_customer_is_400(service_user, customer):
    stranger = MachineFactory(customer=CustomerFactory())
    response = api(service_user).post(
        "/api/v1/service-records/",
        {**RECORD, "customer": customer.pk, "machine": stranger.pk},
        format="json",
    )
    assert response.status_code == 400 and "machine" in response.json()


def test_hour_readings_refuse_a_lower_reading_with_a_clear_message(service_user, customer):
    machine = MachineFactory(customer=customer)
    HourReadingFactory(machine=machine, read_on=TODAY - dt.timedelta(days=10), hours=400)
    client = api(service_user)
    bad = client.post(
        "/api/v1/hour-readings/",
        {"machine": machine.pk, "read_on": TODAY.isoformat(), "hours": "399.5"},
        format="json",
    )
    assert bad.status_code == 400 and "never goes back" in bad.json()["hours"][0]
    ok = client.post(
        "/api/v1/hour-readings/",
        {"machine": machine.pk, "read_on": TODAY.isoformat(), "hours": "480"},
        format="json",
    )
    assert ok.status_code == 201 and HourReading.objects.count() == 2
    listed = client.get("/api/v1/hour-readings/", {"machine": machine.pk}).json()["results"]
    assert [r["hours"] for r in listed] == ["480.0", "400.0"]


def test_a_manager_cannot_add_readings_or_see_other_managers_machines(
    manager, other_manager, customer
):
    mine = MachineFactory(customer=customer)
    theirs = MachineFactory(customer=CustomerFactory(manager=other_manager))
    reading = HourReadingFactory(machine=theirs)
    client = api(manager)
    response = client.post(
        "/api/v1/hour-readings/",
        {"machine": mine.pk, "read_on": TODAY.isoformat(), "hours": "10"},
        format="json",
    )
    assert response.status_code == 403
    assert client.get(f"/api/v1/hour-readings/{reading.pk}/").status_code == 404
    assert not client.get("/api/v1/hour-readings/").json()["results"]


def test_the_schema_documents_the_new_resources(archivist):
    schema = api(archivist).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/service-records/", "/api/v1/hour-readings/", "/api/v1/parts-orders/"):
        assert path in schema["paths"], path


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/service-records/{HUGE}/",
        f"/api/v1/service-records/?customer={HUGE}",
        f"/api/v1/hour-readings/?machine={HUGE}",
        f"/api/v1/parts-orders/?customer={HUGE}",
        f"/service/?technician={HUGE}",
        f"/service/maintenance/?manager={HUGE}",
        f"/service/machines/{HUGE}/readings/",
    ],
)
def test_huge_ids_are_bad_input_not_server_errors(client, archivist, url):
    if url.startswith("/api/"):
        response = api(archivist).get(url)
    else:
        client.force_login(archivist)
        response = client.get(url)
    assert response.status_code in (200, 400, 404)
