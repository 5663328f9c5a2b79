"""Every write to a customer dossier. Each service checks the policy first, validates
the whole row, saves it atomically and records the acting user in the history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, Sum
from django.http import Http404
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from dealercrm import roles

from .matching.door import DoorCandidate, door_candidates
from .models import Customer, Machine, Operator, Phone, Project, Shareholder

Row = TypeVar("Row", bound=models.Model)

# The related rows of a dossier, by the slug used in URLs and the API.
ROW_MODELS: dict[str, type[models.Model]] = {
    "phones": Phone,
    "shareholders": Shareholder,
    "machines": Machine,
    "operators": Operator,
    "projects": Project,
}


def _apply(instance: Row, data: Mapping[str, Any]) -> Row:
    """Set only real, editable fields: stray keys (an API client's extras) change nothing."""
    editable = {
        f.name
        for f in instance._meta.get_fields()
        if getattr(f, "editable", False) and not getattr(f, "auto_created", False)
    }
    for name, value in data.items():
        attname = name
        field_name = name[:-3] if name.endswith("_id") else name
        if field_name in editable and field_name not in {"id", "customer", "created_at"}:
            setattr(instance, attname, value)
    return instance


def _save(instance: Row, *, actor: roles.Actor) -> Row:
    instance.full_clean()
    instance._history_user = actor  # type: ignore[attr-defined]
    instance.save()
    return instance


class CustomerMerged(ValidationError):
    """A write aimed at a customer who has been merged into another: refused, naming the
    survivor, so the user can redo it there (the API answers 409 with `survivor`)."""

    def __init__(self, customer: Customer, survivor: Customer) -> None:
        self.customer, self.survivor = customer, survivor
        # Read by dealercrm.api_support: the extra fields of the 409 answer.
        self.conflict = {"survivor": survivor.pk}
        super().__init__(
            _(
                "%(name)s (#%(pk)s) has been merged into %(survivor)s (#%(survivor_pk)s) "
                "meanwhile; nothing was saved. Enter it on %(survivor)s."
            )
            % {
                "name": customer.name,
                "pk": customer.pk,
                "survivor": survivor.name,
                "survivor_pk": survivor.pk,
            },
            code="merged",
        )


# The reason for creating a customer despite possible duplicates goes into the history's
# change reason (100 characters, with the candidates' ids before it).
CONFIRM_REASON_MAX = 60


class PossibleDuplicates(ValidationError):
    """A new customer who may already be in the archive: refused, naming the candidates
    (the API answers 409 with `candidates`; the form shows them and asks for a choice)."""

    def __init__(self, candidates: list[DoorCandidate]) -> None:
        self.candidates = candidates
        # Read by dealercrm.api_support: the extra fields of the 409 answer.
        self.conflict = {"candidates": [c.as_dict() for c in candidates]}
        super().__init__(
            _(
                "Possibly already in the archive: %(names)s. Open the existing dossier, or "
                "confirm that this is a new customer and say why."
            )
            % {"names": ", ".join(f"{c.customer.name} (#{c.customer.pk})" for c in candidates)},
            code="possible_duplicates",
        )


def customer_lock_for_write(customer: Customer | int, *, actor: roles.Actor) -> Customer:
    """Lock a customer's row for a write that changes him or attaches a row to him (a
    contact log, a service record, a phone …) and return him as he is now. Call it first,
    before taking any other lock, inside the write's transaction.

    A merge locks both customers' rows the same way (customers.matching.merge.apply._lock)
    before it moves their rows, so the two take turns: a write that gets the lock first commits
    before the merge looks for rows to move (its row moves to the survivor); a write that
    waits for the merge then finds a tombstone and is refused (CustomerMerged) instead of
    leaving its row on the merged-away customer, where nobody would see it. Customer.objects
    would hide the tombstone: the base manager is used to tell "merged" from "deleted".
    Someone who may not see the survivor (another manager's customer) is told nothing
    about it: for him the customer is gone (404).
    """
    pk = customer.pk if isinstance(customer, Customer) else customer
    locked = Customer.all_objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise Http404("No such customer")
    if locked.merged_into_id is None:
        return locked
    survivor = locked
    seen = {locked.pk}
    # A survivor may itself have been merged since: name the dossier that lives now.
    while survivor.merged_into_id is not None and survivor.merged_into_id not in seen:
        seen.add(survivor.merged_into_id)
        survivor = Customer.all_objects.get(pk=survivor.merged_into_id)
    if not roles.can_view_customer(actor, survivor):
        raise Http404("No such customer")
    raise CustomerMerged(locked, survivor)


def customers_lock_live(customer_ids: Iterable[Any]) -> list[Any]:
    """customer_lock_for_write for a job that attaches rows to many customers (reminders,
    report lines, credits): their rows locked in primary-key order, as a merge locks its
    two, and the ids of those still live — one merged away meanwhile gets nothing."""
    return list(
        Customer.all_objects.select_for_update()
        .filter(pk__in={pk for pk in customer_ids if pk is not None}, merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _validate_manager(manager: Any) -> None:
    if manager is not None and not roles.has_role(manager, roles.SALES_MANAGER):
        raise ValidationError(
            {"manager": _("%(user)s is not a sales manager.") % {"user": manager}}
        )


def check_gold_cap(customer: Customer, *, was_gold: bool, old_manager_id: int | None) -> None:
    """Seed 000: a manager looks after at most GOLD_CARD_CAP_PER_MANAGER gold customers.

    Checked wherever a gold customer gets a manager (a card issued or reactivated, a
    reassignment, a merge or unmerge that moves a card), with the manager's user row locked
    so that two assignments at once cannot both take the last place. Merged customers
    (tombstones) do not count.
    """
    if not customer.is_gold_card or customer.manager_id is None:
        return
    if was_gold and old_manager_id == customer.manager_id:
        return
    get_user_model().objects.select_for_update().filter(pk=customer.manager_id).exists()
    cap = int(settings.DEALERCRM["GOLD_CARD_CAP_PER_MANAGER"])
    held = (
        Customer.objects.filter(manager_id=customer.manager_id, is_gold_card=True)
        .exclude(pk=customer.pk)
        .count()
    )
    if held >= cap:
        raise ValidationError(
            {
                "manager": _(
                    "%(user)s already looks after %(held)s gold-card customers; the limit is "
                    "%(cap)s. Give this customer to another manager or free a place first."
                )
                % {"user": customer.manager, "held": held, "cap": cap}
            }
        )


def _sync_manager_permission(customer: Customer, old_manager_id: int | None) -> None:
    """Keep guardian's per-object read permission in step with the assignment."""
    if old_manager_id == customer.manager_id:
        return
    User = get_user_model()
    if old_manager_id is not None:
        old = User.objects.filter(pk=old_manager_id).first()
        if old is not None:
            remove_perm(roles.VIEW_CUSTOMER_PERM, old, customer)
    if customer.manager_id is not None:
        assign_perm(roles.VIEW_CUSTOMER_PERM, customer.manager, customer)


@transaction.atomic
def customer_create(
    *,
    actor: roles.Actor,
    data: Mapping[str, Any],
    phones: Iterable[Mapping[str, Any]] = (),
    confirm_new: bool = False,
    confirm_reason: str = "",
) -> Customer:
    """Create a dossier, after a look at who is already in the archive (issue 17): when the
    matcher finds possible duplicates or relatives, nothing is written and PossibleDuplicates
    names them, unless the caller confirms the customer is new and says why (the reason is
    kept in the dossier's history)."""
    roles.require(roles.can_write_dossier, actor)
    phones = list(phones)
    customer = _apply(Customer(), data)
    _validate_manager(customer.manager)
    check_gold_cap(customer, was_gold=False, old_manager_id=None)
    reason = (confirm_reason or "").strip()
    if len(reason) > CONFIRM_REASON_MAX:
        raise ValidationError(
            {
                "confirm_reason": _("Keep the reason under %(n)s characters.")
                % {"n": CONFIRM_REASON_MAX}
            }
        )
    customer.full_clean()  # bad input is a 400 before any look at the archive
    found = door_candidates(data, phones)
    if found:
        if not confirm_new:
            raise PossibleDuplicates(found)
        if not reason:
            raise ValidationError(
                {"confirm_reason": _("Say why this is a new customer and not one of those found.")}
            )
        ids = " ".join(f"#{c.customer.pk}" for c in found)
        customer._change_reason = f"new despite {ids}: {reason}"[:100]  # type: ignore[attr-defined]
    _save(customer, actor=actor)
    errors: dict[str, list[str]] = {}
    for index, phone_data in enumerate(phones):
        try:
            phone_add(actor=actor, customer=customer, data=phone_data)
        except ValidationError as exc:
            errors.setdefault("phones", []).extend(
                f"#{index + 1}: {message}" for message in exc.messages
            )
    if errors:
        raise ValidationError(errors)  # rolls back the customer too: nothing half-written
    _sync_manager_permission(customer, None)
    return customer


@transaction.atomic
def customer_update(*, actor: roles.Actor, customer: Customer, data: Mapping[str, Any]) -> Customer:
    roles.require(roles.can_write_dossier, actor)
    customer = customer_lock_for_write(customer, actor=actor)
    old_manager_id, was_gold = customer.manager_id, customer.is_gold_card
    _apply(customer, data)
    _validate_manager(customer.manager)
    check_gold_cap(customer, was_gold=was_gold, old_manager_id=old_manager_id)
    _save(customer, actor=actor)
    _sync_manager_permission(customer, old_manager_id)
    return customer


def customer_assign_manager(*, actor: roles.Actor, customer: Customer, manager: Any) -> Customer:
    return customer_update(actor=actor, customer=customer, data={"manager": manager})


@transaction.atomic
def customer_delete(*, actor: roles.Actor, customer: Customer) -> None:
    """Delete a dossier. Records other people rely on (a manager's reports, service
    documents) protect it: then the answer is a clear error and nothing is deleted."""
    roles.require(roles.can_write_dossier, actor)
    customer._history_user = actor  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            for model in ROW_MODELS.values():
                # One by one, so each related row leaves a history entry naming the actor.
                for row in model.objects.filter(customer=customer):  # type: ignore[attr-defined]
                    row._history_user = actor
                    row.delete()
            customer.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ValidationError(
            _("%(name)s cannot be deleted: these records refer to the customer: %(kinds)s.")
            % {"name": customer.name, "kinds": ", ".join(kinds)}
        ) from exc


# --- related rows ------------------------------------------------------------


def _check_shares(customer: Customer, row: Shareholder) -> None:
    if row.share_percent is None or row.left_on is not None:
        return
    others = Shareholder.objects.filter(customer=customer, left_on__isnull=True).exclude(
        pk=row.pk
    ).aggregate(total=Sum("share_percent"))["total"] or Decimal("0")
    if others + row.share_percent > Decimal("100"):
        raise ValidationError(
            {
                "share_percent": _(
                    "Current shareholders would hold %(total)s%%; the total cannot exceed 100%%."
                )
                % {"total": others + row.share_percent}
            }
        )


def _check_row(row: models.Model) -> None:
    if isinstance(row, Shareholder):
        _check_shares(row.customer, row)
    if (
        isinstance(row, Operator)
        and row.machine_id
        and row.machine is not None
        and row.machine.customer_id != row.customer_id
    ):
        raise ValidationError({"machine": _("This machine belongs to another customer.")})


@transaction.atomic
def row_add(
    *, actor: roles.Actor, customer: Customer, model: type[Row], data: Mapping[str, Any]
) -> Row:
    """Add a phone, shareholder, machine, operator or project to a dossier."""
    roles.require(roles.can_write_dossier, actor)
    if model not in ROW_MODELS.values():
        raise ValueError(f"{model.__name__} is not a dossier row")
    customer = customer_lock_for_write(customer, actor=actor)
    row = _apply(model(customer=customer), data)
    _check_row(row)
    return _save(row, actor=actor)


@transaction.atomic
def row_update(*, actor: roles.Actor, row: Row, data: Mapping[str, Any]) -> Row:
    roles.require(roles.can_write_dossier, actor)
    row = type(row)._default_manager.select_for_update().get(pk=row.pk)
    _apply(row, data)
    _check_row(row)
    return _save(row, actor=actor)


@transaction.atomic
def row_delete(*, actor: roles.Actor, row: models.Model) -> None:
    roles.require(roles.can_write_dossier, actor)
    row._history_user = actor  # type: ignore[attr-defined]
    row.delete()


def phone_add(*, actor: roles.Actor, customer: Customer, data: Mapping[str, Any]) -> Phone:
    return row_add(actor=actor, customer=customer, model=Phone, data=data)


@transaction.atomic
def phone_retire(*, actor: roles.Actor, phone: Phone, on: Any = None) -> Phone:
    """Mark a number obsolete: it stays in the dossier as history (a changed number)."""
    from django.utils import timezone

    return row_update(
        actor=actor,
        row=phone,
        data={"is_active": False, "obsolete_since": on or timezone.localdate()},
    )


def shareholder_leave(*, actor: roles.Actor, shareholder: Shareholder, on: Any) -> Shareholder:
    """A shareholder leaves: the row keeps its history with a left date."""
    return row_update(actor=actor, row=shareholder, data={"left_on": on})
