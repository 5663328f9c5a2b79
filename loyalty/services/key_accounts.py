"""Tenders of key accounts (大客户): the archivist keeps them, managers bid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.services import customer_lock_for_write
from dealercrm import roles

from ..models import Tender

TENDER_FIELDS = ("title", "due_on", "status", "notes")


def _save(tender: Tender, data: Mapping[str, Any], actor: roles.Actor) -> Tender:
    for name in TENDER_FIELDS:
        if name in data:
            setattr(tender, name, data[name] if name == "due_on" else (data[name] or ""))
    tender.title = tender.title.strip()
    tender.full_clean()
    tender._history_user = actor  # type: ignore[attr-defined]
    tender.save()
    return tender


@transaction.atomic
def tender_create(*, actor: roles.Actor, customer: Customer, data: Mapping[str, Any]) -> Tender:
    roles.require(roles.can_write_tender, actor)
    customer = customer_lock_for_write(customer, actor=actor)
    if not customer.is_key_account:
        raise ValidationError(
            _("%(name)s is not a key account; tenders are tracked for key accounts.")
            % {"name": customer.name}
        )
    return _save(Tender(customer=customer, created_by=roles.signed_in(actor)), data, actor)


@transaction.atomic
def tender_update(*, actor: roles.Actor, tender: Tender, data: Mapping[str, Any]) -> Tender:
    roles.require(roles.can_write_tender, actor)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    return _save(tender, data, actor)
