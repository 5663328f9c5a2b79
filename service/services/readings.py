"""Hour-meter readings: entered directly or taken on a service visit. A meter never goes
back and never runs more than 24 h a day; Machine.hour_meter mirrors the latest reading."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Machine
from dealercrm import roles

from ..models import HourReading, ServiceRecord
from .maintenance import refresh_forecasts

MAX_HOURS_PER_DAY = 24


def _hours(value: Any) -> str:
    return f"{Decimal(value):,.1f}"


def _exceeds_since_delivery(machine: Machine, read_on: dt.date, hours: Decimal) -> bool:
    """The first reading of a new machine against its delivery (purchase) day: at most
    24 h for each day, the delivery day included. A used machine came with hours on it."""
    if not machine.purchase_date or machine.source == Machine.Source.USED:
        return False
    days = max((read_on - machine.purchase_date).days + 1, 1)
    return hours > MAX_HOURS_PER_DAY * days


def _check_reading(
    machine: Machine, read_on: dt.date, hours: Decimal, exclude_pk: int | None = None
) -> None:
    """Meters only go up with time, and by at most 24 h a day: anything else is a typo
    (or another machine's meter) and would poison the usage rate."""
    errors: dict[str, str] = {}
    if read_on > timezone.localdate():
        errors["read_on"] = _("A reading cannot be in the future.")
    elif machine.purchase_date and read_on < machine.purchase_date:
        errors["read_on"] = _("The machine was bought on %(date)s, after this reading.") % {
            "date": machine.purchase_date
        }
    if hours < 0:
        errors["hours"] = _("Hours cannot be negative.")
    if errors:
        raise ValidationError(errors)
    others = HourReading.objects.filter(machine=machine)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    before = others.filter(read_on__lt=read_on).order_by("-hours", "-read_on").first()
    after = others.filter(read_on__gt=read_on).order_by("hours", "read_on").first()
    if before is not None and hours < before.hours:
        errors["hours"] = _(
            "%(hours)s h is lower than the reading of %(prev)s h on %(date)s: an hour meter "
            "never goes back. Check the number, or ask the archivist to remove the wrong reading."
        ) % {"hours": _hours(hours), "prev": _hours(before.hours), "date": before.read_on}
    elif after is not None and hours > after.hours:
        errors["hours"] = _(
            "%(hours)s h is higher than the later reading of %(next)s h on %(date)s."
        ) % {"hours": _hours(hours), "next": _hours(after.hours), "date": after.read_on}
    elif (
        before is not None
        and hours - before.hours > MAX_HOURS_PER_DAY * (read_on - before.read_on).days
    ):
        errors["hours"] = _(
            "%(hours)s h would mean more than 24 hours a day since the reading of %(prev)s h "
            "on %(date)s."
        ) % {"hours": _hours(hours), "prev": _hours(before.hours), "date": before.read_on}
    elif before is None and _exceeds_since_delivery(machine, read_on, hours):
        errors["hours"] = _(
            "%(hours)s h would mean more than 24 hours a day since the machine was delivered "
            "on %(date)s."
        ) % {"hours": _hours(hours), "date": machine.purchase_date}
    elif (
        after is not None
        and after.hours - hours > MAX_HOURS_PER_DAY * (after.read_on - read_on).days
    ):
        errors["hours"] = _(
            "%(hours)s h would mean more than 24 hours a day until the reading of %(next)s h "
            "on %(date)s."
        ) % {"hours": _hours(hours), "next": _hours(after.hours), "date": after.read_on}
    if errors:
        raise ValidationError(errors)


def _import_machine_record(machine: Machine) -> None:
    """The hour meter typed on the machine before it had readings becomes its first one,
    so the next reading is checked against it and the usage rate can use it."""
    if machine.hour_meter is None or machine.hour_meter_date is None:
        return
    if HourReading.objects.filter(machine=machine).exists():
        return
    HourReading.objects.create(
        machine=machine,
        read_on=machine.hour_meter_date,
        hours=machine.hour_meter,
        source=HourReading.Source.MACHINE_RECORD,
    )


def sync_machine_meter(machine: Machine) -> None:
    """Machine.hour_meter mirrors the latest reading. A plain update: the readings are the
    meter's history, one history row per reading on the machine would only repeat them."""
    latest = (
        HourReading.objects.filter(machine=machine).order_by("-read_on", "-hours", "-id").first()
    )
    if latest is None:
        return
    Machine.objects.filter(pk=machine.pk).update(
        hour_meter=latest.hours, hour_meter_date=latest.read_on, updated_at=timezone.now()
    )
    machine.hour_meter, machine.hour_meter_date = latest.hours, latest.read_on


def _locked_machine(machine: Machine) -> Machine:
    # One writer per machine at a time: two desks entering readings at once must not both
    # pass the "never goes down" check against the same neighbours.
    return Machine.objects.select_for_update().get(pk=machine.pk)


@transaction.atomic
def hour_reading_add(
    *,
    actor: roles.Actor,
    machine: Machine,
    read_on: dt.date,
    hours: Decimal,
    note: str = "",
) -> HourReading:
    """A reading entered directly (a phone call, a site visit, telematics)."""
    roles.require(roles.can_write_hour_reading, actor)
    roles.require(roles.can_view_customer(actor, machine.customer))
    machine = _locked_machine(machine)
    _import_machine_record(machine)
    hours = Decimal(hours)
    _check_reading(machine, read_on, hours)
    reading = HourReading(
        machine=machine,
        read_on=read_on,
        hours=hours,
        source=HourReading.Source.DIRECT,
        entered_by=roles.signed_in(actor),
        note=(note or "").strip(),
    )
    reading.full_clean()
    reading._history_user = actor  # type: ignore[attr-defined]
    reading.save()
    sync_machine_meter(machine)
    refresh_forecasts(machine_ids=[machine.pk])
    return reading


@transaction.atomic
def hour_reading_delete(*, actor: roles.Actor, reading: HourReading) -> None:
    roles.require(roles.can_delete_hour_reading, actor)
    if reading.service_record_id:
        raise ValidationError(
            _("This reading belongs to a service record; correct the record's hour meter.")
        )
    machine = _locked_machine(reading.machine)
    reading._history_user = actor  # type: ignore[attr-defined]
    reading.delete()
    sync_machine_meter(machine)
    refresh_forecasts(machine_ids=[machine.pk])


def sync_visit_reading(
    record: ServiceRecord, actor: roles.Actor, old_machine_id: int | None
) -> None:
    """The hour meter noted on a visit is a reading of its machine, dated the day the
    record was opened; it follows the record when the record changes."""
    existing = HourReading.objects.filter(service_record=record).first()
    machine_ids = {m for m in (old_machine_id, record.machine_id) if m}
    if record.machine_id is None or record.hour_meter is None:
        if existing is not None:
            existing._history_user = actor  # type: ignore[attr-defined]
            existing.delete()
    else:
        machine = _locked_machine(record.machine)  # type: ignore[arg-type]
        _import_machine_record(machine)
        try:
            _check_reading(
                machine,
                record.opened_on,
                record.hour_meter,
                exclude_pk=existing.pk if existing else None,
            )
        except ValidationError as exc:
            # The record's own field names: the form shows the error where it was typed.
            raise ValidationError(
                {
                    ("opened_on" if field == "read_on" else "hour_meter"): messages
                    for field, messages in exc.message_dict.items()
                }
            ) from exc
        reading = existing or HourReading(service_record=record, source=HourReading.Source.VISIT)
        reading.machine = machine
        reading.read_on = record.opened_on
        reading.hours = record.hour_meter
        reading.entered_by = reading.entered_by or roles.signed_in(actor)
        reading._history_user = actor  # type: ignore[attr-defined]
        reading.save()
    for machine in Machine.objects.filter(pk__in=machine_ids):
        sync_machine_meter(machine)
    refresh_forecasts(machine_ids=machine_ids)
