"""service.selectors: scoped records and machines, overdue follow-ups, the due list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from service import selectors, services
from service.models import MaintenanceForecast
from tests.factories import (
    CustomerFactory,
    HourReadingFactory,
    MachineFactory,
    ServiceRecordFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture
def theirs(other_manager):
    return CustomerFactory(name="别人的客户", manager=other_manager)


def test_a_manager_reads_only_his_customers_records(manager, customer, theirs):
    mine = ServiceRecordFactory(customer=customer)
    other = ServiceRecordFactory(customer=theirs)
    assert list(selectors.service_record_list(user=manager)) == [mine]
    with pytest.raises(Http404):
        selectors.service_record_get(user=manager, pk=other.pk)


@pytest.mark.parametrize("role", ["service_user", "archivist", "executive"])
def test_the_desk_and_the_office_read_every_record(request, role, customer, theirs):
    ServiceRecordFactory(customer=customer)
    ServiceRecordFactory(customer=theirs)
    assert selectors.service_record_list(user=request.getfixturevalue(role)).count() == 2


def test_outsiders_read_nothing(outsider, customer):
    ServiceRecordFactory(customer=customer)
    assert not selectors.service_record_list(user=outsider).exists()


def test_overdue_follow_ups_are_those_due_before_today_without_a_follow_up(archivist, customer):
    overdue = ServiceRecordFactory(customer=customer, follow_up_on=ago(1), opened_on=ago(9))
    done = ServiceRecordFactory(customer=customer, follow_up_on=ago(1), opened_on=ago(9))
    ServiceRecordFactory(customer=customer, kind="follow_up", follows=done)
    ServiceRecordFactory(customer=customer, follow_up_on=TODAY)  # due today: not yet overdue
    found = selectors.service_record_list(
        user=archivist, filters=selectors.RecordFilters(overdue_follow_ups=True)
    )
    assert list(found) == [overdue]


def test_filters_by_kind_status_and_technician(archivist, service_user, customer):
    a = ServiceRecordFactory(customer=customer, kind="complaint", technician=service_user)
    ServiceRecordFactory(customer=customer, kind="complaint", status="in_progress")
    ServiceRecordFactory(customer=customer, kind="repair", technician=service_user)
    found = selectors.service_record_list(
        user=archivist,
        filters=selectors.RecordFilters(
            kind="complaint", status="open", technician=service_user.pk
        ),
    )
    assert list(found) == [a]


def _due_machine(customer, last_hours: int, days_ago: int = 10):
    """10 h/day; the next 250-multiple decides the date."""
    machine = MachineFactory(customer=customer)
    span = min(30, last_hours // 10)
    HourReadingFactory(machine=machine, read_on=ago(days_ago + span), hours=last_hours - 10 * span)
    HourReadingFactory(machine=machine, read_on=ago(days_ago), hours=last_hours)
    services.refresh_forecasts(machine_ids=[machine.pk])
    return machine


def test_the_due_list_for_service_staff_and_for_a_manager(manager, service_user, customer, theirs):
    soon = _due_machine(customer, 400)  # 500 h in 10 days from 10 days ago: today
    late = _due_machine(theirs, 450, days_ago=20)  # 500 h 5 days after, 15 days ago
    _due_machine(customer, 310)  # 500 h 19 days after 10 days ago: in 9 days
    far = _due_machine(customer, 260)  # 500 h 24 days after: in 14 days, inside the window
    _due_machine(customer, 251, days_ago=0)  # 249 h at 10 h/day: in 25 days, outside
    sold = _due_machine(customer, 400)
    sold.status = "sold"
    sold.save()
    everyone = [f.machine for f in selectors.maintenance_due(user=service_user)]
    assert everyone[0] == late and soon in everyone and far in everyone
    assert len(everyone) == 4 and sold not in everyone
    his = [f.machine for f in selectors.maintenance_due(user=manager)]
    assert late not in his and len(his) == 3
    overdue = selectors.maintenance_due(
        user=service_user, filters=selectors.DueFilters(overdue_only=True)
    )
    assert [f.machine for f in overdue] == [late]
    assert overdue[0].is_overdue


def test_the_dossier_section_marks_overdue_machines_and_hides_money_from_service(
    archivist, service_user, customer
):
    late = _due_machine(customer, 450, days_ago=20)
    fresh = MachineFactory(customer=customer)
    ServiceRecordFactory(customer=customer, status="closed", closed_on=ago(1), opened_on=ago(2),
                         total_charge=Decimal("88.80"))  # fmt: skip
    machines = [late, fresh]
    as_service = selectors.dossier_service(user=service_user, customer=customer, machines=machines)
    assert as_service.totals is None and not as_service.show_money and as_service.can_write
    assert as_service.overdue_machines == 1
    rows = {row.machine: row for row in as_service.machines}
    assert rows[late].overdue and rows[fresh].forecast is None and not rows[fresh].overdue
    as_archivist = selectors.dossier_service(user=archivist, customer=customer, machines=machines)
    assert as_archivist.totals.all_time == Decimal("88.80")
    assert MaintenanceForecast.objects.count() == 1
