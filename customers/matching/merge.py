"""Merge two dossiers into one, and undo it (issue 10).

One transaction, both customers locked in primary-key order. Every row that refers to the
merged customer ("loser") is re-pointed to the kept one ("survivor"); the rows are found
from the model metadata — reverse foreign keys and one-to-ones including hidden ones
(history tables, guardian's object permissions, any app added later) and generic foreign
keys — never from a hand-kept list. A row that would break a unique or check constraint
on the survivor stays on the loser and the merge record says why; nothing is deleted. The
loser stays as a tombstone pointing at the survivor. The MergeRecord lists exactly which
rows moved, so undoing moves back those rows and nothing created since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import CheckConstraint, F, Q, UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.models.models import BaseObjectPermission

from customers.models import Customer, DuplicateCandidate, MatchKey, MatchState, MergeRecord
from customers.services import refresh_last_contacted
from dealercrm import roles

# Fields the archivist chooses between; the rest are derived (pinyin keys), bookkeeping
# (timestamps, the tombstone link) or stay with the survivor (external_ref is unique).
NOT_CHOSEN = {"id", "created_at", "updated_at", "external_ref", "merged_into", "merged_at"}
SURVIVOR = "survivor"
LOSER = "loser"


def merge_fields() -> list[models.Field[Any, Any]]:
    return [f for f in Customer._meta.concrete_fields if f.editable and f.name not in NOT_CHOSEN]


# --- what refers to a customer ------------------------------------------------------


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
            return _("the kept customer already has the same (%(fields)s)") % {
                "fields": ", ".join(together)
            }
    for constraint in checks.constraints:
        try:
            constraint.validate(ref.model, row)
        except ValidationError:
            return _("it would break the rule %(rule)s") % {"rule": constraint.name}
    return ""


# --- the plan -------------------------------------------------------------------------


@dataclass
class Move:
    ref: Reference
    pks: list[Any] = field(default_factory=list)


@dataclass
class Kept:
    ref: Reference
    pk: Any
    reason: str


@dataclass
class MergePlan:
    """What a merge would do (the dry run answers with this)."""

    survivor: Customer
    loser: Customer
    changes: dict[str, tuple[Any, Any]]
    moves: list[Move]
    kept: list[Kept]

    @property
    def moved_count(self) -> int:
        return sum(len(m.pks) for m in self.moves)

    def summary(self) -> dict[str, Any]:
        return {
            "survivor": self.survivor.pk,
            "loser": self.loser.pk,
            "changes": {
                name: {"before": _json(before), "after": _json(after)}
                for name, (before, after) in self.changes.items()
            },
            "moves": [
                {"model": m.ref.label, "field": m.ref.field, "count": len(m.pks)}
                for m in self.moves
            ],
            "kept": [
                {"model": k.ref.label, "field": k.ref.field, "pk": _json(k.pk), "reason": k.reason}
                for k in self.kept
            ],
        }


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {f.attname: _json(getattr(customer, f.attname)) for f in Customer._meta.concrete_fields}


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def default_choices(survivor: Customer, loser: Customer) -> dict[str, str]:
    """Keep the survivor's value, except where it is empty and the loser's is not."""
    choices = {}
    for f in merge_fields():
        mine, theirs = getattr(survivor, f.attname), getattr(loser, f.attname)
        if isinstance(mine, bool):
            # A flag set on either dossier (gold card, key account) stays set.
            choices[f.name] = LOSER if theirs and not mine else SURVIVOR
        else:
            choices[f.name] = LOSER if _is_empty(mine) and not _is_empty(theirs) else SURVIVOR
    return choices


def _chosen_values(
    survivor: Customer, loser: Customer, choices: Mapping[str, str] | None
) -> dict[str, Any]:
    wanted = default_choices(survivor, loser)
    for name, side in (choices or {}).items():
        if name not in wanted:
            raise ValidationError({name: _("This field cannot be chosen in a merge.")})
        if side not in (SURVIVOR, LOSER):
            raise ValidationError({name: _("Choose the kept or the merged customer's value.")})
        wanted[name] = side
    values = {}
    for f in merge_fields():
        if wanted[f.name] == LOSER and getattr(loser, f.attname) != getattr(survivor, f.attname):
            values[f.attname] = getattr(loser, f.attname)
    return values


def _plan(survivor: Customer, loser: Customer, choices: Mapping[str, str] | None) -> MergePlan:
    values = _chosen_values(survivor, loser, choices)
    changes = {name: (getattr(survivor, name), value) for name, value in values.items()}
    moves: list[Move] = []
    kept: list[Kept] = []
    # Live rows first: a row left with the loser keeps its history with it too.
    stays: dict[tuple[str, str], set[Any]] = {}
    for ref in sorted(references(), key=lambda r: _is_history(r.model)):
        rows = ref.rows(loser.pk)
        if _is_history(ref.model):
            pk_name = ref.model.instance_type._meta.pk.attname  # type: ignore[attr-defined]
            left = stays.get((ref.model.instance_type._meta.label, ref.field), set())  # type: ignore[attr-defined]
            if left:
                rows = rows.exclude(**{f"{pk_name}__in": left})
        checks = _checks(ref)
        same_as = getattr(ref.model, "merge_identity", ())
        if not checks and not same_as:
            pks = list(rows.order_by("pk").values_list("pk", flat=True))
            if pks:
                moves.append(Move(ref, pks))
            continue
        existing: set[tuple[Any, ...]] = set()
        if same_as:
            existing = set(ref.rows(survivor.pk).values_list(*same_as))
        move = Move(ref)
        for row in rows.order_by("pk"):
            if same_as and tuple(getattr(row, n) for n in same_as) in existing:
                kept.append(
                    Kept(
                        ref,
                        row.pk,
                        _("the kept customer has the same %(what)s")
                        % {
                            "what": ", ".join(
                                str(row._meta.get_field(n).verbose_name) for n in same_as
                            )
                        },
                    )
                )
                continue
            setattr(row, ref.attname, ref.target_value(survivor.pk))
            reason = _collision(ref, row, checks, ref.target_value(survivor.pk)) if checks else ""
            if reason:
                kept.append(Kept(ref, row.pk, reason))
            else:
                move.pks.append(row.pk)
        if move.pks:
            moves.append(move)
        _note_stays(kept, stays)
    return MergePlan(survivor, loser, changes, moves, kept)


def _note_stays(kept: list[Kept], stays: dict[tuple[str, str], set[Any]]) -> None:
    for k in kept:
        stays.setdefault((k.ref.label, k.ref.field), set()).add(k.pk)


# --- merge ------------------------------------------------------------------------------


def _lock(*pks: Any) -> dict[Any, Customer]:
    # Primary-key order: two merges of the same pair (either way round) queue up instead
    # of deadlocking, and the second one sees the first one's result.
    locked = Customer.all_objects.select_for_update().filter(pk__in=pks).order_by("pk")
    return {c.pk: c for c in locked}


def _check_pair(survivor: Customer | None, loser: Customer | None) -> None:
    if survivor is None or loser is None:
        raise ValidationError(_("One of the customers no longer exists."))
    if survivor.pk == loser.pk:
        raise ValidationError(_("A customer cannot be merged with itself."))
    for customer in (survivor, loser):
        if customer.merged_into_id is not None:
            raise ValidationError(
                _("%(name)s has already been merged into another customer.")
                % {"name": customer.name}
            )


def merge_preview(
    *, actor: Any, survivor: Customer, loser: Customer, choices: Mapping[str, str] | None = None
) -> MergePlan:
    """The dry run: what would move, what would stay and which fields would change."""
    roles.require(roles.can_merge, actor)
    with transaction.atomic():
        locked = _lock(survivor.pk, loser.pk)
        s, lo = locked.get(survivor.pk), locked.get(loser.pk)
        _check_pair(s, lo)
        assert s is not None and lo is not None  # noqa: S101 -- checked just above
        return _plan(s, lo, choices)


def _is_history(model: type[models.Model]) -> bool:
    """A django-simple-history table (its rows are moved, never given history of their own)."""
    return hasattr(model, "instance_type")


def _history_model(model: type[models.Model]) -> Any:
    history = getattr(model, "history", None)
    return getattr(history, "model", None)


def _write_history(
    model: type[models.Model], pks: list[Any], *, actor: Any, reason: str
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


@transaction.atomic
def customer_merge(
    *,
    actor: Any,
    survivor: Customer,
    loser: Customer,
    choices: Mapping[str, str] | None = None,
    candidate: DuplicateCandidate | None = None,
) -> MergeRecord:
    """Merge `loser` into `survivor`; `choices` maps field names to "survivor"/"loser"."""
    roles.require(roles.can_merge, actor)
    locked = _lock(survivor.pk, loser.pk)
    s, lo = locked.get(survivor.pk), locked.get(loser.pk)
    _check_pair(s, lo)
    assert s is not None and lo is not None  # noqa: S101 -- checked just above
    survivor, loser = s, lo
    plan = _plan(survivor, loser, choices)
    now = timezone.now()
    record = MergeRecord.objects.create(
        survivor=survivor,
        loser=loser,
        candidate=candidate,
        merged_by=actor,
        merged_at=now,
        loser_snapshot=_snapshot(loser),
    )
    tag = f"merge #{record.pk}"
    written: list[dict[str, Any]] = []

    # 1. Re-point every row, model by model, and say so in each row's history.
    moved = []
    for move in plan.moves:
        updated = move.ref.model._base_manager.filter(pk__in=move.pks).update(
            **{move.ref.attname: move.ref.target_value(survivor.pk)}
        )
        if updated != len(move.pks):
            raise ValidationError(_("The data changed during the merge; try again."))
        moved.append(
            {"model": move.ref.label, "field": move.ref.field, "pks": [_json(p) for p in move.pks]}
        )
        if not _is_history(move.ref.model):
            reason = _("%(tag)s: from %(name)s (#%(pk)s)") % {
                "tag": tag,
                "name": loser.name,
                "pk": loser.pk,
            }
            ids = _write_history(move.ref.model, move.pks, actor=actor, reason=reason)
            if ids:
                written.append({"model": _history_model(move.ref.model)._meta.label, "pks": ids})

    # 2. The survivor takes the chosen values (validated like any other change).
    before = _snapshot(survivor)
    if plan.changes:
        for attname, (_old, new) in plan.changes.items():
            setattr(survivor, attname, new)
        survivor.full_clean(exclude=["external_ref"])
        survivor._history_user = actor  # type: ignore[attr-defined]
        survivor._change_reason = tag  # type: ignore[attr-defined]
        survivor.save()
        written.append(_last_history(survivor))
    after = _snapshot(survivor)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}

    # 3. The loser becomes a tombstone pointing at the survivor (its old URL redirects).
    loser.merged_into = survivor
    loser.merged_at = now
    loser._history_user = actor  # type: ignore[attr-defined]
    loser._change_reason = tag  # type: ignore[attr-defined]
    loser.save(update_fields=["merged_into", "merged_at", "updated_at"])
    written.append(_last_history(loser))
    # Contact logs moved in bulk above: the survivor's last contact may be the loser's.
    refresh_last_contacted([survivor.pk, loser.pk])

    # 4. The queue: this pair is done; the loser's other proposals are withdrawn and both
    # customers are matched afresh on the next run.
    low, high = sorted((survivor.pk, loser.pk))
    pair = DuplicateCandidate.objects.filter(low_id=low, high_id=high).first()
    if pair is not None:
        pair.status = DuplicateCandidate.Status.MERGED
        pair.decided_by = actor
        pair.decided_at = now
        pair.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        if record.candidate_id is None:
            record.candidate = pair
    DuplicateCandidate.objects.filter(
        Q(low=loser) | Q(high=loser), status=DuplicateCandidate.Status.OPEN
    ).delete()
    _forget(survivor.pk, loser.pk)

    record.survivor_changes = changes
    record.moved = moved
    record.kept = [
        {"model": k.ref.label, "field": k.ref.field, "pk": _json(k.pk), "reason": str(k.reason)}
        for k in plan.kept
    ]
    record.history_written = [w for w in written if w["pks"]]
    record.save()
    _log(actor, "merge", record)
    return record


def _last_history(customer: Customer) -> dict[str, Any]:
    latest = customer.history.order_by("-history_id").values_list("pk", flat=True).first()  # type: ignore[attr-defined]
    return {"model": Customer.history.model._meta.label, "pks": [latest] if latest else []}  # type: ignore[attr-defined]


def _forget(*pks: Any) -> None:
    MatchKey.objects.filter(customer_id__in=pks).delete()
    MatchState.objects.filter(customer_id__in=pks).delete()


def _log(actor: Any, kind: str, record: MergeRecord) -> None:
    from dealercrm.models import SecurityEvent
    from dealercrm.security import log_event

    log_event(
        SecurityEvent.Kind.MERGE if kind == "merge" else SecurityEvent.Kind.UNMERGE,
        user=actor,
        outcome=f"merge #{record.pk}: {record.loser_id} → {record.survivor_id}",
        detail={"merge": record.pk, "survivor": record.survivor_id, "loser": record.loser_id},
    )


# --- undo -------------------------------------------------------------------------------


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


@transaction.atomic
def merge_undo(*, actor: Any, record: MergeRecord) -> MergeRecord:
    """Restore both customers: the rows that moved go back (those still on the survivor);
    anything the survivor got after the merge stays with it."""
    roles.require(roles.can_merge, actor)
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if record.status != MergeRecord.Status.DONE:
        raise ValidationError(_("This merge has already been undone."))
    locked = _lock(record.survivor_id, record.loser_id)
    survivor, loser = locked[record.survivor_id], locked[record.loser_id]
    if survivor.merged_into_id is not None:
        raise ValidationError(
            _("%(name)s has since been merged into another customer: undo that merge first.")
            % {"name": survivor.name}
        )
    if loser.merged_into_id != survivor.pk:
        raise ValidationError(_("The merged customer no longer points at the kept one."))
    notes: list[str] = []
    refs = {(r.label, r.field): r for r in references()}

    # 1. Rows go back, exactly those that moved and still point at the survivor.
    for entry in record.moved:
        ref = refs.get((entry["model"], entry["field"]))
        if ref is None:
            notes.append(_("%(model)s no longer exists; its rows were not moved back.") % entry)
            continue
        pks = entry["pks"]
        back = (
            ref.rows(survivor.pk)
            .filter(pk__in=pks)
            .update(**{ref.attname: ref.target_value(loser.pk)})
        )
        if back != len(pks):
            notes.append(
                _("%(missing)s of %(total)s %(model)s rows were deleted or moved since the merge.")
                % {"missing": len(pks) - back, "total": len(pks), "model": entry["model"]}
            )

    # 2. The history rows the merge wrote describe a change that is now undone.
    for entry in record.history_written:
        _model(entry["model"])._base_manager.filter(pk__in=entry["pks"]).delete()

    # 3. The survivor's chosen values go back where nobody changed them since.
    restore: dict[str, Any] = {}
    conflicts = False
    for attname, (before, after) in record.survivor_changes.items():
        if attname == "updated_at":
            continue
        if _json(getattr(survivor, attname)) == after:
            restore[attname] = before
        else:
            conflicts = True
            notes.append(
                _("%(field)s of %(name)s was changed after the merge and was left as it is.")
                % {"field": attname, "name": survivor.name}
            )
    if restore and not conflicts and "updated_at" in record.survivor_changes:
        restore["updated_at"] = record.survivor_changes["updated_at"][0]
    if restore:
        Customer.all_objects.filter(pk=survivor.pk).update(**_typed(restore))

    # 4. The loser comes back to life exactly as it was.
    snapshot = record.loser_snapshot
    Customer.all_objects.filter(pk=loser.pk).update(
        **_typed({k: snapshot[k] for k in ("merged_into_id", "merged_at", "updated_at")})
    )

    # 5. The pair is open again; both customers are matched afresh on the next run.
    if record.candidate_id:
        DuplicateCandidate.objects.filter(
            pk=record.candidate_id, status=DuplicateCandidate.Status.MERGED
        ).update(status=DuplicateCandidate.Status.OPEN, decided_by=None, decided_at=None)
    _forget(survivor.pk, loser.pk)

    refresh_last_contacted([survivor.pk, loser.pk])

    record.status = MergeRecord.Status.UNDONE
    record.undone_by = actor
    record.undone_at = timezone.now()
    record.undo_notes = notes
    record.save()
    _log(actor, "unmerge", record)
    return record


def _typed(values: Mapping[str, Any]) -> dict[str, Any]:
    """Snapshot values (JSON) back into the model's Python types."""
    out = {}
    by_attname = {f.attname: f for f in Customer._meta.concrete_fields}
    for attname, value in values.items():
        f = by_attname[attname]
        out[attname] = None if value is None else f.to_python(value)
    return out


def _is_permission(model: type[models.Model]) -> bool:
    return issubclass(model, BaseObjectPermission)


def related_counts(customer: Customer) -> list[tuple[str, int]]:
    """How many rows of each kind refer to a customer (history and access permissions left
    out): what the archivist sees next to each dossier before merging."""
    out = []
    for ref in references():
        if _is_history(ref.model) or _is_permission(ref.model):
            continue
        count = ref.rows(customer.pk).count()
        if count:
            out.append((str(ref.model._meta.verbose_name_plural), count))
    return out


def plan_rows(plan: MergePlan) -> list[tuple[str, int]]:
    """The dry run's moves as people read them: rows per kind, then history and access."""
    rows: list[tuple[str, int]] = []
    history = permissions = 0
    for move in plan.moves:
        if _is_history(move.ref.model):
            history += len(move.pks)
        elif _is_permission(move.ref.model):
            permissions += len(move.pks)
        else:
            rows.append((str(move.ref.model._meta.verbose_name_plural), len(move.pks)))
    if history:
        rows.append((_("history entries"), history))
    if permissions:
        rows.append((_("access permissions"), permissions))
    return rows
