"""Bounds of after-sales data (issue 15 parts 2 and 4): hour readings a machine can have,
a new machine's first reading against its delivery day, forecasts that cannot overflow
their columns, and service records dated from the dealer's founding to today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from customers import services as customer_services
from customers.models import Machine
from service import forecast, services
from service.forecast import Plan, predict
from service.models import HourReading, MaintenanceForecast, ServiceRecord
from tests.factories import MachineFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chinese")]

TODAY = timezone.localdate()
HOURS_LIMIT = "小时表读数最多为 200000 小时，请核对数字。"


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def machine(customer):
    """A machine without a delivery date: only the meter's own bound applies."""
    return MachineFactory(customer=customer)


# --- what a meter can show ------------------------------------------------------------------


def test_a_first_reading_of_9999999_9_hours_is_refused_everywhere_and_nothing_written(
    client, service_user, machine
):
    response = api(service_user).post(
        "/api/v1/hour-readings/",
        {"machine": machine.pk, "read_on": ago(1).isoformat(), "hours": "9999999.9"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["hours"] == [HOURS_LIMIT]
    client.force_login(service_user)
    page = client.post(
        f"/service/machines/{machine.pk}/readings/",
        {"read_on": ago(1).isoformat(), "hours": "9999999.9"},
    )
    assert page.status_code == 200
    assert page.context["form"].errors["hours"] == [HOURS_LIMIT]
    assert not HourReading.objects.exists()
    assert not MaintenanceForecast.objects.exists()
    machine.refresh_from_db()
    assert machine.hour_meter is None


def test_200000_hours_is_the_largest_reading_accepted(service_user, machine):
    response = api(service_user).post(
        "/api/v1/hour-readings/",
        {"machine": machine.pk, "read_on": ago(1).isoformat(), "hours": "200000.0"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert MaintenanceForecast.objects.get(machine=machine).last_hours == Decimal("200000")


def test_a_visit_reading_beyond_the_bound_is_refused_on_the_record(service_user, customer, machine):
    response = api(service_user).post(
        "/api/v1/service-records/",
        {
            "kind": "maintenance",
            "subject": "保养",
            "customer": customer.pk,
            "machine": machine.pk,
            "hour_meter": "200000.1",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["hour_meter"] == [HOURS_LIMIT]
    assert not ServiceRecord.objects.exists() and not HourReading.objects.exists()


# --- a new machine's first reading against its delivery ---------------------------------------


def test_a_new_machines_first_reading_is_at_most_24_hours_a_day_since_delivery(
    client, service_user, customer
):
    # given: delivered 9 days ago: 10 days with the delivery day, at most 240 h
    delivered = MachineFactory(customer=customer, purchase_date=ago(9), source="from_us")
    client.force_login(service_user)
    # when: 240.1 h
    page = client.post(
        f"/service/machines/{delivered.pk}/readings/",
        {"read_on": TODAY.isoformat(), "hours": "240.1"},
    )
    # then
    assert page.status_code == 200
    assert page.context["form"].errors["hours"] == [
        f"240.1 小时意味着自 {ago(9).isoformat()} 交机以来每天超过 24 小时。"
    ]
    api_refused = api(service_user).post(
        "/api/v1/hour-readings/",
        {"machine": delivered.pk, "read_on": TODAY.isoformat(), "hours": "9999999.9"},
        format="json",
    )
    assert api_refused.status_code == 400 and "hours" in api_refused.json()
    assert not HourReading.objects.exists()
    # the boundary: exactly 24 h a day
    ok = client.post(
        f"/service/machines/{delivered.pk}/readings/",
        {"read_on": TODAY.isoformat(), "hours": "240"},
    )
    assert ok.status_code == 302
    assert HourReading.objects.get().hours == Decimal("240")


def test_a_used_machine_comes_with_hours_on_its_meter(service_user, customer):
    used = MachineFactory(customer=customer, purchase_date=ago(2), source="used")
    reading = services.hour_reading_add(
        actor=service_user, machine=used, read_on=ago(1), hours=Decimal("8000")
    )
    assert reading.hours == Decimal("8000")


def test_the_meter_typed_on_a_machine_is_checked_against_its_purchase(archivist, customer):
    data = {
        "brand": "临工",
        "model_raw": "LG855N",
        "source": "from_us",
        "purchase_date": ago(1),
        "hour_meter": Decimal("48.1"),
        "hour_meter_date": TODAY,
    }
    with pytest.raises(ValidationError) as exc:
        customer_services.row_add(actor=archivist, customer=customer, model=Machine, data=data)
    assert exc.value.message_dict["hour_meter"] == [
        f"48.1 小时意味着自 {ago(1).isoformat()} 交机以来每天超过 24 小时。"
    ]
    with pytest.raises(ValidationError) as exc:
        customer_services.row_add(
            actor=archivist,
            customer=customer,
            model=Machine,
            data={**data, "purchase_date": None, "hour_meter": Decimal("200000.1")},
        )
    assert exc.value.message_dict["hour_meter"] == [HOURS_LIMIT]
    assert not Machine.objects.filter(customer=customer).exists()
    machine = customer_services.row_add(
        actor=archivist, customer=customer, model=Machine, data={**data, "hour_meter": 48}
    )
    assert machine.hour_meter == 48


# --- forecasts that fit their columns ----------------------------------------------------------


def test_a_forecast_from_a_legacy_reading_near_the_columns_limit_is_clamped():
    # given: readings stored before the bound (9,999,999.9 is the column's largest value)
    points = [(ago(20), Decimal("9999000.0")), (ago(10), Decimal("9999999.9"))]
    # when: the next 250 h point would be 10,000,000 h
    result = predict(points, Plan(first_service_hours=50, interval_hours=250))
    # then: it fits the column, and no date is promised for it
    assert result.next_due_hours <= forecast.MAX_DUE_HOURS
    assert result.next_due_on is None


def test_a_due_date_beyond_the_horizon_is_left_empty_instead_of_overflowing():
    # 0.1 h a day towards a plan point two billion hours away
    points = [(ago(100), Decimal("10")), (ago(0), Decimal("20"))]
    result = predict(points, Plan(first_service_hours=2_000_000_000, interval_hours=1))
    assert result.state == forecast.PREDICTED
    assert result.next_due_on is None
    assert result.next_due_hours == forecast.MAX_DUE_HOURS


def test_a_rate_beyond_its_column_is_clamped():
    points = [(ago(1), Decimal("0")), (ago(0), Decimal("99999.0"))]
    result = predict(points, Plan(first_service_hours=50, interval_hours=250))
    assert result.rate_per_day == forecast.MAX_RATE_PER_DAY


def test_refreshing_a_legacy_machine_writes_a_forecast_that_fits(machine):
    # given: a reading stored before the bound, straight into the table
    HourReading.objects.create(machine=machine, read_on=ago(20), hours=Decimal("9999000.0"))
    HourReading.objects.create(machine=machine, read_on=ago(10), hours=Decimal("9999999.9"))
    # when
    services.refresh_forecasts(machine_ids=[machine.pk])
    # then
    row = MaintenanceForecast.objects.get(machine=machine)
    assert row.next_due_hours == Decimal("9999999.9") and row.next_due_on is None


# --- service record dates ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened_on", "message"),
    [
        ("0001-01-01", "日期不能早于经销商成立之日（2000-01-01）。"),
        ("1999-12-31", "日期不能早于经销商成立之日（2000-01-01）。"),
        ("2999-01-01", "开单日期不能晚于今天。"),
    ],
)
def test_a_record_opened_out_of_bounds_is_refused(
    client, service_user, customer, opened_on, message
):
    response = api(service_user).post(
        "/api/v1/service-records/",
        {"kind": "repair", "subject": "漏油", "customer": customer.pk, "opened_on": opened_on},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["opened_on"] == [message]
    client.force_login(service_user)
    page = client.post(
        f"/service/customer/{customer.pk}/new/",
        {"kind": "repair", "status": "open", "subject": "漏油", "opened_on": opened_on},
    )
    assert page.status_code == 200
    assert page.context["form"].errors["opened_on"] == [message]
    assert not ServiceRecord.objects.exists()


def test_a_record_opened_on_the_founding_day_is_accepted(service_user, customer):
    response = api(service_user).post(
        "/api/v1/service-records/",
        {"kind": "repair", "subject": "漏油", "customer": customer.pk, "opened_on": "2000-01-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
