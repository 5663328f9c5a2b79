"""The admin configures maintenance plans and the part catalogue through the services;
service records and parts orders are read-only there."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from parts.models import Part
from service.models import MaintenanceForecast, MaintenancePlan
from tests.factories import (
    HourReadingFactory,
    MachineFactory,
    PartsOrderFactory,
    ServiceRecordFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def staff_archivist(archivist):
    archivist.is_staff = True
    archivist.save()
    return archivist


def test_a_plan_added_in_the_admin_moves_the_forecasts(client, staff_archivist, customer):
    machine = MachineFactory(customer=customer, model_raw="LG855N")
    HourReadingFactory(machine=machine, read_on=TODAY - dt.timedelta(days=40), hours=100)
    HourReadingFactory(machine=machine, read_on=TODAY - dt.timedelta(days=10), hours=400)
    client.force_login(staff_archivist)
    response = client.post(
        "/admin/service/maintenanceplan/add/",
        {"model_family": "lg855", "first_service_hours": "100", "interval_hours": "1000"},
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    plan = MaintenancePlan.objects.get()
    assert plan.model_family == "LG855"
    assert plan.history.get().history_user == staff_archivist
    assert MaintenanceForecast.objects.get(machine=machine).next_due_hours == Decimal("1000")


def test_the_catalogue_is_kept_in_the_admin(client, staff_archivist):
    client.force_login(staff_archivist)
    response = client.post(
        "/admin/parts/part/add/",
        {"part_number": "860-1105", "name": "机油滤芯", "category": "filter",
         "list_price": "85.00", "unit": "件", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Part.objects.get().list_price == Decimal("85.00")


def test_records_and_orders_are_read_only_in_the_admin(client, staff_archivist, customer):
    record = ServiceRecordFactory(customer=customer)
    order = PartsOrderFactory(customer=customer)
    client.force_login(staff_archivist)
    assert client.get(f"/admin/service/servicerecord/{record.pk}/change/").status_code == 200
    assert client.get("/admin/service/servicerecord/add/").status_code == 403
    assert client.get(f"/admin/parts/partsorder/{order.pk}/change/").status_code == 200
    assert (
        client.post(f"/admin/parts/partsorder/{order.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


@pytest.mark.parametrize("value", ["1.5", "-0.01", "five percent"])
def test_a_bad_gold_discount_setting_stops_the_start(value):
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "GOLD_DISCOUNT": value},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "GOLD_DISCOUNT" in result.stderr
