"""What refers to a customer: every column of every installed app (reverse foreign keys,
one-to-ones, generic foreign keys), found from the model metadata; whether one row may point
at another customer without breaking a unique or check constraint; the history rows written
for moved rows. Shared by the plan, the merge and the undo."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import CheckConstraint, F, Q, UniqueConstraint
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from guardian.models.models import BaseObjectPermission

from customers.models import Customer
from dealercrm import roles


@dataclass(frozen=True)
class Reference:
    """One way rows of `model` point at a customer: a foreign key column, or a generic
    foreign key (content type + object id)."""

    model: type[models.Model]
    field: str  # the FK's name, or the GFK's object id field
    attname: str
    ct_field: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def generic(self) -> bool:
        return bool(self.ct_field)

    def rows(self, customer_pk: Any) -> models.QuerySet[Any]:
        manager = self.model._base_manager
        if self.generic:
            ct = ContentType.objects.get_for_model(Customer, for_concrete_model=True)
            return manager.filter(**{self.ct_field: ct, self.attname: str(customer_pk)})
        return manager.filter(**{self.attname: customer_pk})

    def target_value(self, customer_pk: Any) -> Any:
        return str(customer_pk) if self.generic else customer_pk


def references() -> list[Reference]:
    """Every column in every installed app that can point at a customer."""
    refs: list[Reference] = []
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        model = rel.related_model
        # The queue, the merge records and the matcher's own state: the merge handles them.
        if not getattr(model, "merge_moves", True):
            continue
        fk = rel.field  # type: ignore[union-attr]
        if model is not None:
            refs.append(Reference(model, fk.name, fk.attname))
    for model in apps.get_models():
        for private in model._meta.private_fields:
            if isinstance(private, GenericForeignKey):
                refs.append(Reference(model, private.fk_field, private.fk_field, private.ct_field))
    return sorted(refs, key=lambda r: (r.label, r.field))


def _mentions(condition: Any, name: str) -> bool:
    if isinstance(condition, Q):
        return any(_mentions(child, name) for child in condition.children)
    if isinstance(condition, tuple):
        lookup, value = condition
        return lookup.split("__")[0] in {name, f"{name}_id"} or _mentions(value, name)
    if isinstance(condition, F):
        return str(getattr(condition, "name", "")).split("__")[0] in {name, f"{name}_id"}
    return False


@dataclass
class Checks:
    """The rules a re-pointed row might break."""

    unique_field: bool = False
    together: list[tuple[str, ...]] = field(default_factory=list)
    constraints: list[Any] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.unique_field or bool(self.together) or bool(self.constraints)


def _checks(ref: Reference) -> Checks:
    meta = ref.model._meta
    checks = Checks()
    if not ref.generic:
        checks.unique_field = bool(getattr(meta.get_field(ref.field), "unique", False))
    names = {ref.field, ref.attname}
    checks.together = [tuple(t) for t in meta.unique_together if names & set(t)]
    for constraint in meta.constraints:
        if (isinstance(constraint, UniqueConstraint) and names & set(constraint.fields)) or (
            isinstance(constraint, CheckConstraint) and _mentions(constraint.condition, ref.field)
        ):
            checks.constraints.append(constraint)
    return checks


def _collision(ref: Reference, row: models.Model, checks: Checks, survivor_pk: Any) -> str:
    """Why `row` cannot point at the survivor, or '' when it can (row is re-pointed in
    memory by the caller)."""
    manager = ref.model._base_manager
    others = manager.exclude(pk=row.pk)
    if checks.unique_field and others.filter(**{ref.attname: survivor_pk}).exists():
        return _("the kept customer already has one")
    for together in checks.together:
        attnames = [str(getattr(ref.model._meta.get_field(n), "attname", n)) for n in together]
        if others.filter(**{a: getattr(row, a) for a in attnames}).exists():
            if _is_permission(ref.model):
                return _("the same access is already granted on the kept customer")
            return _("the kept customer already has the same %(fields)s") % {
                "fields": _field_names(ref.model, together)
            }
    for constraint in checks.constraints:
        try:
            constraint.validate(ref.model, row)
        except ValidationError:
            # Said as the archivist reads it, never the constraint's name.
            fields = getattr(constraint, "fields", ()) or ()
            named = [n for n in fields if n != ref.field]
            if isinstance(constraint, UniqueConstraint) and named:
                return _("the kept customer already has one with the same %(fields)s") % {
                    "fields": _field_names(ref.model, named)
                }
            return _("the kept customer already has such a %(thing)s") % {
                "thing": ref.model._meta.verbose_name
            }
    return ""


def _field_names(model: type[models.Model], names: Iterable[str]) -> str:
    out = []
    for name in names:
        try:
            out.append(str(getattr(model._meta.get_field(name), "verbose_name", name)))
        except FieldDoesNotExist:  # a generic key part: shown as it is
            out.append(name)
    return pgettext("list separator", ", ").join(out)


def _is_history(model: type[models.Model]) -> bool:
    """A django-simple-history table (its rows are moved, never given history of their own)."""
    return hasattr(model, "instance_type")


def _history_model(model: type[models.Model]) -> Any:
    history = getattr(model, "history", None)
    return getattr(history, "model", None)


def _write_history(
    model: type[models.Model], pks: list[Any], *, actor: roles.Actor, reason: str
) -> list[Any]:
    """One history row per moved row ("changed: customer"), tagged with the merge, so the
    dossier's history says where each row came from. Returns their ids."""
    history = _history_model(model)
    if history is None or not pks:
        return []
    rows = list(model._base_manager.filter(pk__in=pks))
    model.history.bulk_history_create(  # type: ignore[attr-defined]
        rows, update=True, default_user=actor, default_change_reason=reason
    )
    return list(
        history.objects.filter(
            history_change_reason=reason, **{f"{model._meta.pk.attname}__in": pks}
        ).values_list("pk", flat=True)
    )


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _is_permission(model: type[models.Model]) -> bool:
    return issubclass(model, BaseObjectPermission)
