"""service.services: readings that never go down, records the desk writes, charges only
the archivist writes, the gold-card discount, and forecasts kept in step."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from customers.models import Machine
from dealercrm.jobs import system_actor
from service import services
from service.models import HourReading, MaintenanceForecast, MaintenancePlan, ServiceRecord
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
def machine(customer):
    return MachineFactory(customer=customer, model_raw="ZL50C-Ⅱ")


@pytest.fixture
def gold(manager):
    return CustomerFactory(name="金卡王老板", manager=manager, is_gold_card=True)


def record_data(**extra):
    return {"kind": "repair", "subject": "动臂油缸漏油", "opened_on": ago(2), **extra}


# --- hour readings ------------------------------------------------------------------


def test_readings_predict_the_next_maintenance_and_mirror_the_meter(service_user, machine):
    # when: 100 h and 400 h thirty days apart
    services.hour_reading_add(actor=service_user, machine=machine, read_on=ago(40), hours=100)
    services.hour_reading_add(actor=service_user, machine=machine, read_on=ago(10), hours=400)
    # then: 10 h/day, the 500 h service on day 10 from the last reading
    fc = MaintenanceForecast.objects.get(machine=machine)
    assert fc.state == "predicted" and fc.rate_per_day == Decimal("10.00")
    assert fc.next_due_hours == Decimal("500") and fc.next_due_on == TODAY
    machine.refresh_from_db()
    assert (machine.hour_meter, machine.hour_meter_date) == (Decimal("400"), ago(10))


def test_one_reading_gives_not_enough_readings(service_user, machine):
    services.hour_reading_add(actor=service_user, machine=machine, read_on=ago(1), hours=120)
    fc = MaintenanceForecast.objects.get(machine=machine)
    assert fc.state == "not_enough" and fc.next_due_on is None


def test_a_reading_lower_than_the_previous_one_is_refused_and_nothing_written(
    service_user, machine
):
    services.hour_reading_add(actor=service_user, machine=machine, read_on=ago(10), hours=400)
    before = MaintenanceForecast.objects.get(machine=machine).computed_at
    with pytest.raises(ValidationError) as exc:
        services.hour_reading_add(actor=service_user, machine=machine, read_on=ago(5), hours=390)
    message = " ".join(exc.value.message_dict["hours"])
    assert "390.0" in message and "400.0" in message and str(ago(10)) in message
    assert HourReading.objects.count() == 1
    machine.refresh_from_db()
    assert machine.hour_meter == Decimal("400")
    assert MaintenanceForecast.objects.get(machine=machine).computed_at == before


def test_a_back_dated_reading_must_fit_between_its_neighbours(service_user, machine):
    HourReadingFactory(machine=machine, read_on=ago(30), hours=100)
    HourReadingFactory(machine=machine, read_on=ago(10), hours=300)
    with pytest.raises(ValidationError):  # higher than the later one
        services.hour_reading_add(actor=service_user, machine=machine, read_on=ago(20), hours=350)
    services.hour_reading_add(actor=service_user, machine=machine, read_on=ago(20), hours=200)
    machine.refresh_from_db()
    assert machine.hour_meter == Decimal("300")  # the latest by date, not the last entered


@pytest.mark.parametrize(
    ("read_on", "hours", "field"),
    [
        (TODAY + dt.timedelta(days=1), 500, "read_on"),  # the future
        (ago(9), 700, "hours"),  # 300 h in one day
        (ago(5), -1, "hours"),
    ],
)
def test_impossible_readings_are_refused(service_user, machine, read_on, hours, field):
    HourReadingFactory(machine=machine, read_on=ago(10), hours=400)
    with pytest.raises(ValidationError) as exc:
        services.hour_reading_add(actor=service_user, machine=machine, read_on=read_on, hours=hours)
    assert field in exc.value.message_dict
    assert HourReading.objects.count() == 1


def test_the_hour_meter_typed_on_the_machine_becomes_the_first_reading(service_user, customer):
    machine = MachineFactory(customer=customer, hour_meter=Decimal("800"), hour_meter_date=ago(20))
    with pytest.raises(ValidationError):
        services.hour_reading_add(actor=service_user, machine=machine, read_on=ago(1), hours=700)
    assert not HourReading.objects.exists()  # the refused add rolled the import back too
    services.hour_reading_add(actor=service_user, machine=machine, read_on=ago(1), hours=900)
    sources = list(HourReading.objects.order_by("read_on").values_list("source", "hours"))
    assert sources == [("machine_record", Decimal("800")), ("direct", Decimal("900"))]


@pytest.mark.parametrize("role", ["manager", "executive", "outsider"])
def test_only_the_desk_adds_readings(request, role, machine):
    with pytest.raises(PermissionDenied):
        services.hour_reading_add(
            actor=request.getfixturevalue(role), machine=machine, read_on=ago(1), hours=10
        )
    assert not HourReading.objects.exists()


def test_the_archivist_removes_a_wrong_reading_and_the_mirror_follows(
    archivist, service_user, machine
):
    services.hour_reading_add(actor=service_user, machine=machine, read_on=ago(10), hours=400)
    wrong = services.hour_reading_add(
        actor=service_user, machine=machine, read_on=ago(5), hours=500
    )
    with pytest.raises(PermissionDenied):
        services.hour_reading_delete(actor=service_user, reading=wrong)
    services.hour_reading_delete(actor=archivist, reading=wrong)
    machine.refresh_from_db()
    assert machine.hour_meter == Decimal("400")
    assert MaintenanceForecast.objects.get(machine=machine).reading_count == 1


# --- service records ----------------------------------------------------------------------


def test_service_staff_open_a_record_with_a_visit_reading(service_user, customer, machine):
    HourReadingFactory(machine=machine, read_on=ago(32), hours=100)
    record = services.service_record_create(
        actor=service_user,
        customer=customer,
        data=record_data(kind="maintenance", machine=machine, hour_meter=Decimal("400")),
    )
    assert record.created_by == service_user and record.status == "open"
    reading = HourReading.objects.get(service_record=record)
    assert (reading.read_on, reading.hours, reading.source) == (ago(2), Decimal("400"), "visit")
    assert record.history.get().history_user == service_user
    # the maintenance visit at 400 h does not cover 500 h: next is 500
    assert MaintenanceForecast.objects.get(machine=machine).next_due_hours == Decimal("500")


def test_a_maintenance_visit_just_before_a_point_counts_as_that_service(
    service_user, customer, machine
):
    HourReadingFactory(machine=machine, read_on=ago(32), hours=100)
    services.service_record_create(
        actor=service_user,
        customer=customer,
        data=record_data(kind="maintenance", machine=machine, hour_meter=Decimal("240")),
    )
    assert MaintenanceForecast.objects.get(machine=machine).next_due_hours == Decimal("500")


def test_changing_the_visit_reading_moves_the_reading(service_user, customer, machine):
    record = services.service_record_create(
        actor=service_user, customer=customer, data=record_data(machine=machine, hour_meter=300)
    )
    services.service_record_update(actor=service_user, record=record, data={"hour_meter": 310})
    assert list(HourReading.objects.values_list("hours", flat=True)) == [Decimal("310")]
    services.service_record_update(actor=service_user, record=record, data={"hour_meter": None})
    assert not HourReading.objects.exists()


def test_a_visit_reading_lower_than_the_meter_is_refused_on_the_record(
    service_user, customer, machine
):
    HourReadingFactory(machine=machine, read_on=ago(10), hours=400)
    with pytest.raises(ValidationError) as exc:
        services.service_record_create(
            actor=service_user, customer=customer, data=record_data(machine=machine, hour_meter=350)
        )
    assert "hour_meter" in exc.value.message_dict
    assert not ServiceRecord.objects.exists()


def test_a_closed_date_before_the_opened_date_is_refused_and_nothing_written(
    service_user, customer
):
    with pytest.raises(ValidationError) as exc:
        services.service_record_create(
            actor=service_user,
            customer=customer,
            data=record_data(status="closed", opened_on=ago(2), closed_on=ago(5)),
        )
    assert "closed_on" in exc.value.message_dict
    assert not ServiceRecord.objects.exists()


def test_closing_sets_today_and_a_record_never_goes_back(service_user, customer):
    record = services.service_record_create(
        actor=service_user, customer=customer, data=record_data()
    )
    record = services.service_record_update(
        actor=service_user, record=record, data={"status": "in_progress"}
    )
    with pytest.raises(ValidationError) as exc:
        services.service_record_update(actor=service_user, record=record, data={"status": "open"})
    assert "status" in exc.value.message_dict
    record = services.service_record_update(
        actor=service_user, record=record, data={"status": "closed"}
    )
    assert record.closed_on == TODAY


def test_a_closed_record_is_final_for_the_desk_but_the_archivist_may_correct_it(
    service_user, archivist, customer
):
    record = services.service_record_create(
        actor=service_user, customer=customer, data=record_data(status="closed")
    )
    with pytest.raises(PermissionDenied):
        services.service_record_update(actor=service_user, record=record, data={"subject": "x"})
    services.service_record_update(actor=archivist, record=record, data={"subject": "更正"})
    record.refresh_from_db()
    assert record.subject == "更正"


def test_a_complaint_closes_only_with_its_resolution_and_satisfaction(service_user, customer):
    complaint = services.service_record_create(
        actor=service_user, customer=customer, data=record_data(kind="complaint")
    )
    with pytest.raises(ValidationError) as exc:
        services.service_record_update(
            actor=service_user, record=complaint, data={"status": "closed"}
        )
    assert {"resolution", "satisfaction"} <= set(exc.value.message_dict)
    complaint.refresh_from_db()
    assert complaint.status == "open"
    services.service_record_update(
        actor=service_user,
        record=complaint,
        data={"status": "closed", "resolution": "更换配件，赔偿误工", "satisfaction": 4},
    )


def test_the_machine_must_be_the_customers_own(service_user, customer):
    stranger = MachineFactory(customer=CustomerFactory())
    with pytest.raises(ValidationError) as exc:
        services.service_record_create(
            actor=service_user, customer=customer, data=record_data(machine=stranger)
        )
    assert "machine" in exc.value.message_dict


def test_the_technician_must_be_service_staff(service_user, manager, customer):
    with pytest.raises(ValidationError) as exc:
        services.service_record_create(
            actor=service_user, customer=customer, data=record_data(technician=manager)
        )
    assert "technician" in exc.value.message_dict


@pytest.mark.parametrize("role", ["manager", "other_manager", "executive", "outsider"])
def test_only_the_desk_writes_service_records(request, role, customer):
    with pytest.raises(PermissionDenied):
        services.service_record_create(
            actor=request.getfixturevalue(role), customer=customer, data=record_data()
        )
    assert not ServiceRecord.objects.exists()


def test_service_staff_may_not_write_charges(service_user, customer):
    with pytest.raises(PermissionDenied):
        services.service_record_create(
            actor=service_user, customer=customer, data=record_data(labour_charge=Decimal("300"))
        )
    assert not ServiceRecord.objects.exists()
    record = ServiceRecordFactory(customer=customer)
    with pytest.raises(PermissionDenied):
        services.service_record_update(
            actor=service_user, record=record, data={"parts_charge": Decimal("1")}
        )
    record.refresh_from_db()
    assert record.parts_charge == 0


def test_the_archivist_fills_the_charges_to_the_fen(archivist, customer):
    record = services.service_record_create(
        actor=archivist,
        customer=customer,
        data=record_data(labour_charge=Decimal("350.50"), parts_charge=Decimal("1249.99")),
    )
    assert record.discount_rate == 0 and record.discount_amount == 0
    assert record.total_charge == Decimal("1600.49")


def test_a_gold_customer_gets_the_discount_on_repair_automatically(archivist, service_user, gold):
    # given: the desk opens the record, the archivist fills the charges later
    record = services.service_record_create(actor=service_user, customer=gold, data=record_data())
    assert record.discount_rate == Decimal("0.05")
    record = services.service_record_update(
        actor=archivist,
        record=record,
        data={"labour_charge": Decimal("333.33"), "parts_charge": Decimal("0.10")},
    )
    # then: 5% of 333.43 = 16.6715 → 16.67 (half up), total exact
    assert record.discount_amount == Decimal("16.67")
    assert record.total_charge == Decimal("316.76")


def test_the_rate_recorded_on_the_record_survives_card_and_setting_changes(
    archivist, gold, settings
):
    record = services.service_record_create(
        actor=archivist, customer=gold, data=record_data(labour_charge=Decimal("100"))
    )
    gold.is_gold_card = False
    gold.save()
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_DISCOUNT": Decimal("0.10")}
    record = services.service_record_update(
        actor=archivist, record=record, data={"labour_charge": Decimal("200")}
    )
    assert record.discount_rate == Decimal("0.05") and record.total_charge == Decimal("190.00")


def test_the_configured_discount_applies_to_new_records(archivist, gold, settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_DISCOUNT": Decimal("0.08")}
    record = services.service_record_create(
        actor=archivist, customer=gold, data=record_data(labour_charge=Decimal("100"))
    )
    assert record.total_charge == Decimal("92.00")


def test_deleting_is_the_archivists_and_takes_the_visit_reading(
    archivist, service_user, customer, machine
):
    record = services.service_record_create(
        actor=service_user, customer=customer, data=record_data(machine=machine, hour_meter=120)
    )
    with pytest.raises(PermissionDenied):
        services.service_record_delete(actor=service_user, record=record)
    services.service_record_delete(actor=archivist, record=record)
    assert not ServiceRecord.objects.exists() and not HourReading.objects.exists()


def test_a_record_protects_its_customer_from_deletion(archivist, customer):
    from customers import services as customer_services

    ServiceRecordFactory(customer=customer)
    with pytest.raises(ValidationError):
        customer_services.customer_delete(actor=archivist, customer=customer)
    assert type(customer).objects.filter(pk=customer.pk).exists()


# --- plans and the bulk refresh ---------------------------------------------------------------


def test_a_family_plan_replaces_the_default_at_once(archivist, machine):
    HourReadingFactory(machine=machine, read_on=ago(40), hours=100)
    HourReadingFactory(machine=machine, read_on=ago(10), hours=400)
    services.refresh_forecasts(machine_ids=[machine.pk])
    assert MaintenanceForecast.objects.get(machine=machine).next_due_hours == Decimal("500")
    # when: ZL50 machines are serviced every 300 h
    plan = services.maintenance_plan_save(
        actor=archivist,
        plan=None,
        data={"model_family": "zl50c", "first_service_hours": 100, "interval_hours": 300},
    )
    # then: the family key is normalised and the forecast follows
    assert plan.model_family == "ZL50"
    fc = MaintenanceForecast.objects.get(machine=machine)
    assert fc.next_due_hours == Decimal("600") and fc.next_due_on == ago(10) + dt.timedelta(20)
    services.maintenance_plan_delete(actor=archivist, plan=plan)
    assert MaintenanceForecast.objects.get(machine=machine).next_due_hours == Decimal("500")
    assert not MaintenancePlan.objects.exists()


def test_plans_are_configured_by_the_archivist_only(service_user):
    with pytest.raises(PermissionDenied):
        services.maintenance_plan_save(
            actor=service_user,
            plan=None,
            data={"model_family": "LG855", "first_service_hours": 50, "interval_hours": 250},
        )


def test_the_nightly_refresh_recomputes_every_machine_in_bulk(customer, django_assert_num_queries):
    machines = [MachineFactory(customer=customer) for _ in range(30)]
    for i, machine in enumerate(machines):
        HourReadingFactory(machine=machine, read_on=ago(60), hours=100 + i)
        if i % 3:
            HourReadingFactory(machine=machine, read_on=ago(30), hours=300 + i)
    Machine.objects.filter(pk=machines[0].pk).update(status="sold")
    actor = system_actor()
    # reads: plans, serviced hours, readings; writes: delete + one bulk insert (+ savepoints)
    with django_assert_num_queries(7):
        result = services.maintenance_forecasts_refresh(actor=actor)
    assert (result.machines, result.predicted, result.not_enough) == (30, 20, 10)
    assert MaintenanceForecast.objects.count() == 30


def test_only_the_system_or_the_archivist_runs_the_refresh(service_user):
    with pytest.raises(PermissionDenied):
        services.maintenance_forecasts_refresh(actor=service_user)


def test_the_command_and_the_task_run_the_refresh(customer):
    from django.core.management import call_command

    from service.tasks import refresh_maintenance_forecasts_task

    machine = MachineFactory(customer=customer)
    HourReadingFactory(machine=machine, read_on=ago(20), hours=10)
    HourReadingFactory(machine=machine, read_on=ago(10), hours=110)
    out = io.StringIO()
    call_command("refresh_maintenance_forecasts", stdout=out)
    assert "1 machines: 1 predicted" in out.getvalue()
    assert MaintenanceForecast.objects.get().next_due_on == ago(10) + dt.timedelta(days=14)
    assert refresh_maintenance_forecasts_task.delay().get() == 1


def test_the_archivist_records_the_cost_and_service_staff_may_not(
    archivist, service_user, customer
):
    record = services.service_record_create(
        actor=archivist,
        customer=customer,
        data=record_data(labour_charge=Decimal("300"), cost_total=Decimal("120.005")),
    )
    assert record.cost_total == Decimal("120.01")
    assert record.total_charge == Decimal("300.00")
    with pytest.raises(PermissionDenied):
        services.service_record_update(
            actor=service_user, record=record, data={"cost_total": Decimal("1")}
        )
    record.refresh_from_db()
    assert record.cost_total == Decimal("120.01")
    # clearing it is allowed: the cost becomes unknown, not zero
    record = services.service_record_update(
        actor=archivist, record=record, data={"cost_total": None}
    )
    assert record.cost_total is None
