"""Service records: the desk writes them, the archivist alone writes their charges."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, Machine
from customers.services import customer_lock_for_write
from dealercrm import roles
from dealercrm.money import discounted, gold_discount_rate, to_fen

from ..fields import CHARGE_FIELDS, MONEY_FIELDS, RECORD_FIELDS
from ..models import ServiceRecord
from .maintenance import refresh_forecasts
from .readings import sync_machine_meter, sync_visit_reading

STATUS_ORDER = {s: i for i, s in enumerate(ServiceRecord.Status.values)}


def _apply_record(record: ServiceRecord, data: Mapping[str, Any], actor: roles.Actor) -> None:
    """Only the record's own fields; money only from someone allowed to write it."""
    money = [name for name in MONEY_FIELDS if name in data]
    if money:
        roles.require(
            roles.can_write_service_charges, actor, message=_("Only the archivist records charges.")
        )
    for name in (*RECORD_FIELDS, *money):
        if name in data:
            value = data[name]
            if isinstance(value, str) and name not in {"kind", "status"}:
                value = value.strip()
            setattr(record, name, value)
    for name in CHARGE_FIELDS:
        if getattr(record, name) is None:
            setattr(record, name, Decimal("0"))


def _check_record(record: ServiceRecord, old_status: str | None) -> None:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if old_status and STATUS_ORDER[record.status] < STATUS_ORDER[old_status]:
        errors["status"] = _(
            "A record only moves forward (open → in progress → closed); "
            "for a problem that came back, open a new record."
        )
    if record.status == ServiceRecord.Status.CLOSED and record.closed_on is None:
        record.closed_on = today
    if record.closed_on and record.status != ServiceRecord.Status.CLOSED:
        errors["closed_on"] = _("Only a closed record has a closed date.")
    if record.opened_on and record.opened_on > today:
        errors["opened_on"] = _("A record cannot be opened in the future.")
    if record.closed_on and record.closed_on > today:
        errors["closed_on"] = _("A record cannot be closed in the future.")
    if record.closed_on and record.opened_on and record.closed_on < record.opened_on:
        errors["closed_on"] = _("The closed date (%(closed)s) is before the opened date.") % {
            "closed": record.closed_on
        }
    if record.follow_up_on and record.opened_on and record.follow_up_on < record.opened_on:
        errors["follow_up_on"] = _("The follow-up cannot be due before the record was opened.")
    if record.machine_id and record.machine.customer_id != record.customer_id:  # type: ignore[union-attr]
        errors["machine"] = _("This machine belongs to another customer.")
    if record.follows_id:
        follows = record.follows
        if follows is None or follows.customer_id != record.customer_id:
            errors["follows"] = _("That record belongs to another customer.")
        elif record.pk and follows.pk == record.pk:
            errors["follows"] = _("A record cannot follow itself.")
    if record.technician_id and not roles.has_role(record.technician, roles.SERVICE):
        errors["technician"] = _("%(user)s is not on the service staff.") % {
            "user": record.technician
        }
    if record.kind == ServiceRecord.Kind.COMPLAINT and record.status == ServiceRecord.Status.CLOSED:
        if not (record.resolution or "").strip():
            errors["resolution"] = _("Say how the complaint was resolved before closing it.")
        if record.satisfaction is None:
            errors["satisfaction"] = _("Record the customer's satisfaction (1–5) when closing.")
    if errors:
        raise ValidationError(errors)


def _price(record: ServiceRecord) -> None:
    """Labour and parts less the rate recorded on the record (gold card), to the fen."""
    record.labour_charge = to_fen(record.labour_charge)
    record.parts_charge = to_fen(record.parts_charge)
    if record.cost_total is not None:
        record.cost_total = to_fen(record.cost_total)
    record.discount_amount, record.total_charge = discounted(
        record.labour_charge + record.parts_charge, record.discount_rate
    )


def _save_record(record: ServiceRecord, actor: roles.Actor) -> None:
    record.full_clean()
    record._history_user = actor  # type: ignore[attr-defined]
    record.save()


@transaction.atomic
def service_record_create(
    *, actor: roles.Actor, customer: Customer, data: Mapping[str, Any]
) -> ServiceRecord:
    roles.require(roles.can_write_service_record, actor)
    # First of all the locks this write takes (a merge moving this customer's rows waits).
    customer = customer_lock_for_write(customer, actor=actor)
    roles.require(roles.can_view_customer(actor, customer))
    record = ServiceRecord(
        customer=customer,
        created_by=roles.signed_in(actor),
        discount_rate=gold_discount_rate(customer),
    )
    _apply_record(record, data, actor)
    _check_record(record, None)
    _price(record)
    _save_record(record, actor)
    sync_visit_reading(record, actor, None)
    return record


@transaction.atomic
def service_record_update(
    *, actor: roles.Actor, record: ServiceRecord, data: Mapping[str, Any]
) -> ServiceRecord:
    roles.require(roles.can_write_service_record, actor)
    record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if record.is_closed:
        roles.require(
            roles.can_edit_closed_service_record,
            actor,
            message=_("This record is closed; ask the archivist to correct it."),
        )
    old_status, old_machine_id = record.status, record.machine_id
    _apply_record(record, data, actor)
    _check_record(record, old_status)
    _price(record)
    _save_record(record, actor)
    sync_visit_reading(record, actor, old_machine_id)
    return record


@transaction.atomic
def service_record_delete(*, actor: roles.Actor, record: ServiceRecord) -> None:
    """Remove a record entered by mistake (its visit reading goes with it)."""
    roles.require(roles.can_delete_service_record, actor)
    machine_id = record.machine_id
    record._history_user = actor  # type: ignore[attr-defined]
    record.delete()
    if machine_id:
        for machine in Machine.objects.filter(pk=machine_id):
            sync_machine_meter(machine)
        refresh_forecasts(machine_ids=[machine_id])
