"""Browser pages of the service desk and the dossier's after-sales section."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from service import services
from service.models import HourReading, ServiceRecord
from tests.factories import (
    CustomerFactory,
    HourReadingFactory,
    MachineFactory,
    PartsOrderFactory,
    ServiceRecordFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture
def machine(customer):
    return MachineFactory(customer=customer, serial_number="LGZL50C0001")


def test_service_staff_open_a_record_from_the_dossier_without_charges(
    client, service_user, customer, machine
):
    client.force_login(service_user)
    page = client.get(f"/service/customer/{customer.pk}/new/")
    assert "labour_charge" not in page.context["form"].fields
    response = client.post(
        f"/service/customer/{customer.pk}/new/",
        {
            "kind": "maintenance",
            "status": "open",
            "subject": "250小时保养",
            "opened_on": ago(1).isoformat(),
            "machine": machine.pk,
            "hour_meter": "251",
            "technician": service_user.pk,
            # a forged field: ignored, the form has no such field for service staff
            "labour_charge": "999",
        },
    )
    record = ServiceRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/service/records/{record.pk}/"
    assert record.labour_charge == 0 and record.technician == service_user
    assert HourReading.objects.get().hours == Decimal("251")


def test_the_archivist_fills_charges_and_sees_the_gold_discount(client, archivist, manager):
    gold = CustomerFactory(manager=manager, is_gold_card=True)
    record = ServiceRecordFactory(customer=gold, discount_rate=Decimal("0.05"))
    client.force_login(archivist)
    response = client.post(
        f"/service/records/{record.pk}/edit/",
        {
            "kind": "repair",
            "status": "in_progress",
            "subject": record.subject,
            "opened_on": record.opened_on.isoformat(),
            "labour_charge": "400",
            "parts_charge": "600",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/service/records/{record.pk}/")
    content = page.content.decode()
    assert "950.00" in content and "50.00" in content
    record.refresh_from_db()
    assert record.total_charge == Decimal("950.00")


def test_a_closed_before_opened_form_shows_the_error_and_saves_nothing(
    client, service_user, customer
):
    client.force_login(service_user)
    response = client.post(
        f"/service/customer/{customer.pk}/new/",
        {
            "kind": "repair",
            "status": "closed",
            "subject": "x",
            "opened_on": ago(1).isoformat(),
            "closed_on": ago(3).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "closed_on" in response.context["form"].errors
    assert not ServiceRecord.objects.exists()


def test_service_staff_see_no_money_on_record_pages(client, service_user, customer):
    record = ServiceRecordFactory(customer=customer, labour_charge=Decimal("123.45"),
                                  total_charge=Decimal("123.45"))  # fmt: skip
    client.force_login(service_user)
    for url in (f"/service/records/{record.pk}/", "/service/", f"/customers/{customer.pk}/"):
        content = client.get(url).content.decode()
        assert "123.45" not in content, url


def test_a_closed_record_cannot_be_edited_by_the_desk(client, service_user, customer):
    record = ServiceRecordFactory(customer=customer, status="closed", closed_on=TODAY)
    client.force_login(service_user)
    assert client.get(f"/service/records/{record.pk}/edit/").status_code == 403
    assert not client.get(f"/service/records/{record.pk}/").context["can_edit"]


def test_a_follow_up_visit_links_back_and_clears_the_overdue_flag(client, service_user, customer):
    first = ServiceRecordFactory(customer=customer, opened_on=ago(10), follow_up_on=ago(2))
    client.force_login(service_user)
    overdue = client.get("/service/", {"overdue": "on"})
    assert list(overdue.context["page"].object_list) == [first]
    page = client.get(f"/service/customer/{customer.pk}/new/", {"follows": first.pk})
    assert page.context["form"].initial["kind"] == "follow_up"
    client.post(
        f"/service/customer/{customer.pk}/new/?follows={first.pk}",
        {"kind": "follow_up", "status": "closed", "subject": "回访", "opened_on": TODAY},
    )
    assert ServiceRecord.objects.get(kind="follow_up").follows == first
    assert not client.get("/service/", {"overdue": "on"}).context["page"].object_list


def test_the_readings_page_refuses_a_lower_reading_with_a_clear_message(
    client, service_user, machine
):
    HourReadingFactory(machine=machine, read_on=ago(10), hours=400)
    client.force_login(service_user)
    response = client.post(
        f"/service/machines/{machine.pk}/readings/",
        {"read_on": ago(1).isoformat(), "hours": "390"},
        HTTP_ACCEPT_LANGUAGE="en",  # the message is checked in the source language
    )
    assert response.status_code == 200
    assert "never goes back" in " ".join(response.context["form"].errors["hours"])
    assert HourReading.objects.count() == 1
    ok = client.post(
        f"/service/machines/{machine.pk}/readings/",
        {"read_on": ago(1).isoformat(), "hours": "490"},
    )
    assert ok.status_code == 302 and HourReading.objects.count() == 2


def test_the_manager_cannot_add_readings_but_sees_them(client, manager, machine):
    HourReadingFactory(machine=machine)
    client.force_login(manager)
    page = client.get(f"/service/machines/{machine.pk}/readings/")
    assert page.status_code == 200 and page.context["form"] is None
    response = client.post(
        f"/service/machines/{machine.pk}/readings/", {"read_on": TODAY, "hours": "200"}
    )
    assert response.status_code == 403 and HourReading.objects.count() == 1


def test_the_due_list_and_the_dossier_mark_the_overdue_machine(
    client, manager, service_user, other_manager, customer, machine
):
    HourReadingFactory(machine=machine, read_on=ago(50), hours=100)
    HourReadingFactory(machine=machine, read_on=ago(20), hours=400)  # 500 h 10 days ago
    services.refresh_forecasts()
    client.force_login(service_user)
    due = client.get("/service/maintenance/")
    assert [f.machine for f in due.context["page"].object_list] == [machine]
    assert "overdue" in due.content.decode()
    dossier = client.get(f"/customers/{customer.pk}/")
    assert dossier.context["dossier"].service.overdue_machines == 1
    assert 'data-testid="overdue-machines"' in dossier.content.decode()
    client.force_login(other_manager)
    assert not client.get("/service/maintenance/").context["page"].object_list


def test_a_machine_with_one_reading_says_so_on_the_dossier(client, archivist, customer, machine):
    services.hour_reading_add(actor=archivist, machine=machine, read_on=ago(1), hours=10)
    client.force_login(archivist)
    content = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not enough readings" in content


def test_the_dossier_shows_service_and_parts_with_totals(client, archivist, customer):
    ServiceRecordFactory(customer=customer, status="closed", closed_on=TODAY, opened_on=TODAY,
                         total_charge=Decimal("700.70"))  # fmt: skip
    PartsOrderFactory(customer=customer, subtotal=Decimal("250.25"), total=Decimal("250.25"))
    client.force_login(archivist)
    response = client.get(f"/customers/{customer.pk}/")
    content = response.content.decode()
    assert 'id="service"' in content and 'id="parts"' in content
    assert "700.70" in content and "250.25" in content


def test_service_staff_dossier_has_service_but_no_parts(client, service_user, customer):
    PartsOrderFactory(customer=customer)
    client.force_login(service_user)
    response = client.get(f"/customers/{customer.pk}/")
    assert response.context["dossier"].parts is None
    assert 'id="parts"' not in response.content.decode()
    assert 'id="service"' in response.content.decode()


def test_nav_links_follow_the_policy(client, service_user, manager):
    client.force_login(service_user)
    content = client.get("/").content.decode()
    assert 'data-testid="nav-service"' in content and 'data-testid="nav-parts"' not in content
    client.force_login(manager)
    content = client.get("/").content.decode()
    assert 'data-testid="nav-parts"' in content and 'data-testid="nav-maintenance"' in content


def test_the_technician_defaults_to_the_signed_in_technician(
    client, service_user, archivist, customer
):
    client.force_login(service_user)
    form = client.get(f"/service/customer/{customer.pk}/new/").context["form"]
    assert form["technician"].value() == service_user.pk
    # The archivist is no technician: she picks one.
    client.force_login(archivist)
    form = client.get(f"/service/customer/{customer.pk}/new/").context["form"]
    assert form["technician"].value() is None
