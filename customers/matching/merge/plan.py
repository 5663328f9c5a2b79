"""The plan of a merge: which rows would move to the kept customer, which stay with the
merged one and why, and which fields of the kept customer change (MergePlan)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from customers.models import Customer

from .fields import _chosen_values, _json
from .rows import Reference, _checks, _collision, _is_history, references


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
    # The archivist's answers to the apps' questions and what each does (_answer).
    answers: list[dict[str, Any]] = field(default_factory=list)

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
            "answers": [
                {"field": a["field"], "value": a["value"], "effect": a["effect"]}
                for a in self.answers
            ],
        }


def _plan(
    survivor: Customer,
    loser: Customer,
    choices: Mapping[str, str] | None,
    cleared: frozenset[str] = frozenset(),
) -> MergePlan:
    values = _chosen_values(survivor, loser, choices, cleared)
    changes = {name: (getattr(survivor, name), value) for name, value in values.items()}
    moves: list[Move] = []
    kept: list[Kept] = []
    # Live rows first: a row left with the loser keeps its history with it too.
    stays: dict[tuple[str, str], set[Any]] = {}
    # A row that names the loser in two columns (a credit's customer and its buyer) is
    # checked column by column as it will be, the columns planned to move already moved; the
    # customer it belongs to (a required column) moves before a mere mention (a nullable
    # one), so a collision keeps the mention on the loser, not the row.
    refs = sorted(references(), key=lambda r: (_is_history(r.model), _is_mention(r)))
    twice = {r.label for r in refs if sum(o.label == r.label for o in refs) > 1}
    planned: dict[tuple[str, Any], dict[str, Any]] = {}
    for ref in refs:
        rows = ref.rows(loser.pk)
        if _is_history(ref.model):
            pk_name = ref.model.instance_type._meta.pk.attname  # type: ignore[attr-defined]
            left = stays.get((ref.model.instance_type._meta.label, ref.field), set())  # type: ignore[attr-defined]
            if left:
                rows = rows.exclude(**{f"{pk_name}__in": left})
        checks = _checks(ref)
        same_as = getattr(ref.model, "merge_identity", ())
        target = ref.target_value(survivor.pk)
        if not checks and not same_as:
            pks = list(rows.order_by("pk").values_list("pk", flat=True))
            if pks:
                moves.append(Move(ref, pks))
            if ref.label in twice:
                for pk in pks:
                    planned.setdefault((ref.label, pk), {})[ref.attname] = target
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
            for attname, value in planned.get((ref.label, row.pk), {}).items():
                setattr(row, attname, value)
            setattr(row, ref.attname, target)
            reason = _collision(ref, row, checks, target) if checks else ""
            if reason:
                kept.append(Kept(ref, row.pk, reason))
            else:
                move.pks.append(row.pk)
                if ref.label in twice:
                    planned.setdefault((ref.label, row.pk), {})[ref.attname] = target
        if move.pks:
            moves.append(move)
        _note_stays(kept, stays)
    return MergePlan(survivor, loser, changes, moves, kept)


def _is_mention(ref: Reference) -> bool:
    """A nullable column that names a customer (a credit's buyer), not the one the row
    belongs to."""
    return not ref.generic and bool(getattr(ref.model._meta.get_field(ref.field), "null", False))


def _note_stays(kept: list[Kept], stays: dict[tuple[str, str], set[Any]]) -> None:
    for k in kept:
        stays.setdefault((k.ref.label, k.ref.field), set()).add(k.pk)


def _new_values(plan: MergePlan) -> dict[str, Any]:
    return {attname: new for attname, (_old, new) in plan.changes.items()}
