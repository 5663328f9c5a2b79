"""Reads of the service desk, scoped like customers: a sales manager sees his customers'
records and machines (another's answer 404), service staff and the archivist everyone's.
Charges are left out for those who may not see money."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from customers.models import Customer, Machine
from customers.selectors import visible_customers
from dealercrm import roles
from dealercrm.money import PeriodTotals, period_totals
from dealercrm.security import not_found

from .models import HourReading, MaintenanceForecast, ServiceRecord

DOSSIER_RECORDS = 10
_M = TypeVar("_M", bound=Model)


def due_soon_days() -> int:
    return int(settings.DEALERCRM["MAINTENANCE_DUE_SOON_DAYS"])


def _scoped(qs: QuerySet[_M], user: roles.Actor, path: str) -> QuerySet[_M]:
    """Rows whose customer (reached through `path`) the user may see."""
    if roles.can_view_all_customers(user):
        return qs
    return qs.filter(**{f"{path}__in": visible_customers(user=user)})


# --- service records ----------------------------------------------------------------


def followed_up() -> Exists:
    return Exists(ServiceRecord.objects.filter(follows=OuterRef("pk")))


def overdue_follow_up_filter(today: dt.date | None = None) -> Q:
    """A follow-up was due before today and no follow-up record points back at this one."""
    return Q(~followed_up(), follow_up_on__lt=today or timezone.localdate())


def service_records(*, user: roles.Actor) -> QuerySet[ServiceRecord]:
    if not roles.can_view_service_records(user):
        return ServiceRecord.objects.none()
    return _scoped(ServiceRecord.objects.all(), user, "customer")


@dataclass
class RecordFilters:
    kind: str = ""
    status: str = ""
    technician: int | None = None
    customer: int | None = None
    machine: int | None = None
    overdue_follow_ups: bool = False


def service_record_list(
    *, user: roles.Actor, filters: RecordFilters | None = None, today: dt.date | None = None
) -> QuerySet[ServiceRecord]:
    filters = filters or RecordFilters()
    qs = service_records(user=user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.technician:
        qs = qs.filter(technician_id=filters.technician)
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.machine:
        qs = qs.filter(machine_id=filters.machine)
    if filters.overdue_follow_ups:
        qs = qs.filter(overdue_follow_up_filter(today))
    return (
        qs.select_related("customer", "machine", "technician")
        .annotate(has_follow_up=followed_up())
        .order_by("-opened_on", "-id")
    )


def service_record_get(*, user: roles.Actor, pk: Any) -> ServiceRecord:
    try:
        return (
            service_records(user=user)
            .select_related("customer", "machine", "technician", "follows", "created_by")
            .get(pk=pk)
        )
    except (ServiceRecord.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(ServiceRecord, pk, "service record") from exc


def follow_ups_of(record: ServiceRecord) -> list[ServiceRecord]:
    return list(record.follow_ups.select_related("technician").order_by("opened_on", "id"))


def technicians() -> QuerySet[Any]:
    return roles.users_with_role(roles.SERVICE).order_by("username")


# --- machines and hour readings --------------------------------------------------------


def machine_get(*, user: roles.Actor, pk: Any) -> Machine:
    """A machine of a customer the user may see, else 404."""
    if not roles.can_view_customers(user):
        raise not_found(Machine, pk, "machine")
    try:
        return _scoped(Machine.objects.select_related("customer"), user, "customer").get(pk=pk)
    except (Machine.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(Machine, pk, "machine") from exc


def hour_readings(*, user: roles.Actor) -> QuerySet[HourReading]:
    if not roles.can_view_customers(user):
        return HourReading.objects.none()
    return _scoped(HourReading.objects.all(), user, "machine__customer")


def hour_readings_of(*, machine: Machine) -> QuerySet[HourReading]:
    """A machine's readings, newest first (the caller got `machine` from machine_get)."""
    return machine.hour_readings.select_related("entered_by", "service_record").order_by(
        "-read_on", "-hours", "-id"
    )


def hour_reading_get(*, user: roles.Actor, pk: Any) -> HourReading:
    try:
        return hour_readings(user=user).select_related("machine__customer").get(pk=pk)
    except (HourReading.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(HourReading, pk, "reading") from exc


def forecast_of(machine: Machine) -> MaintenanceForecast | None:
    return MaintenanceForecast.objects.filter(machine=machine).first()


# --- maintenance due ---------------------------------------------------------------------


@dataclass
class DueFilters:
    within_days: int | None = None  # None: the configured "due soon" window
    overdue_only: bool = False
    manager: int | None = None


def maintenance_due(
    *, user: roles.Actor, filters: DueFilters | None = None, today: dt.date | None = None
) -> QuerySet[MaintenanceForecast]:
    """Machines in use whose next maintenance is predicted within the window (or already
    past: overdue), soonest first. Service staff see all; a manager his customers'."""
    if not roles.can_view_maintenance_due(user):
        return MaintenanceForecast.objects.none()
    filters = filters or DueFilters()
    today = today or timezone.localdate()
    days = due_soon_days() if filters.within_days is None else filters.within_days
    qs = _scoped(MaintenanceForecast.objects.all(), user, "machine__customer").filter(
        state=MaintenanceForecast.State.PREDICTED,
        machine__status=Machine.Status.IN_USE,
    )
    if filters.overdue_only:
        qs = qs.filter(next_due_on__lt=today)
    else:
        qs = qs.filter(next_due_on__lte=today + dt.timedelta(days=days))
    if filters.manager and roles.can_view_all_managers(user):
        qs = qs.filter(machine__customer__manager_id=filters.manager)
    return qs.select_related("machine__customer__manager").order_by(
        "next_due_on", "machine__customer__name_pinyin", "machine_id"
    )


# --- the dossier's section -------------------------------------------------------------------


@dataclass
class MachineDue:
    machine: Machine
    forecast: MaintenanceForecast | None
    overdue: bool
    due_soon: bool


@dataclass
class ServiceSection:
    records: Sequence[ServiceRecord]
    record_count: int
    show_money: bool
    can_write: bool
    totals: PeriodTotals | None
    today: dt.date
    machines: list[MachineDue] = field(default_factory=list)
    overdue_machines: int = 0


def dossier_service(
    *, user: roles.Actor, customer: Customer, machines: list[Machine], today: dt.date | None = None
) -> ServiceSection | None:
    """After-sales history and each machine's next maintenance, in four queries however
    many records and machines (`machines` are the dossier's, already loaded)."""
    if not roles.can_view_service_records(user):
        return None
    today = today or timezone.localdate()
    show_money = roles.can_view_service_charges(user)
    qs = ServiceRecord.objects.filter(customer=customer)
    records = list(
        qs.select_related("machine", "technician")
        .annotate(has_follow_up=followed_up())
        .order_by("-opened_on", "-id")[:DOSSIER_RECORDS]
    )
    # Paid service: closed records, by the day they closed (as in the purchase totals).
    totals = (
        period_totals(
            qs.filter(status=ServiceRecord.Status.CLOSED),
            date_field="closed_on",
            amount="total_charge",
            today=today,
        )
        if show_money
        else None
    )
    forecasts = {
        f.machine_id: f for f in MaintenanceForecast.objects.filter(machine__customer=customer)
    }
    soon = today + dt.timedelta(days=due_soon_days())
    rows = []
    for machine in machines:
        fc = forecasts.get(machine.pk)
        due_on = fc.next_due_on if fc else None
        in_use = machine.status == Machine.Status.IN_USE
        rows.append(
            MachineDue(
                machine=machine,
                forecast=fc,
                overdue=in_use and due_on is not None and due_on < today,
                due_soon=in_use and due_on is not None and today <= due_on <= soon,
            )
        )
    return ServiceSection(
        records=records,
        record_count=qs.count(),
        show_money=show_money,
        can_write=roles.can_write_service_record(user),
        totals=totals,
        today=today,
        machines=rows,
        overdue_machines=sum(1 for r in rows if r.overdue),
    )
