"""Merge two dossiers into one, and undo it (issue 10).

One transaction, both customers locked in primary-key order. Every row that refers to the
merged customer ("loser") is re-pointed to the kept one ("survivor"); the rows are found
from the model metadata — reverse foreign keys and one-to-ones including hidden ones
(history tables, guardian's object permissions, any app added later) and generic foreign
keys — never from a hand-kept list. A row that would break a unique or check constraint
on the survivor stays on the loser and the merge record says why; nothing is deleted. The
loser stays as a tombstone pointing at the survivor. The MergeRecord lists exactly which
rows moved, so undoing moves back those rows and nothing created since.

A few Customer fields follow rows another app owns (DERIVED: is_gold_card follows the gold
cards). They are never chosen: once the rows have moved (merge or undo), the owning app
says what they are now (customers.signals.customer_rows_moved; customers imports no app
that builds on it) and the merge writes that, with history and the gold-card cap check.
The flags (FLAGS: key account, benchmark) are not chosen either: the kept customer holds a
flag when either customer held it, and the undo gives each customer his own value back.

Rows that cannot simply move and need the archivist's word (both customers hold a gold
card: which one to keep?) are asked about by the app that owns them (customers.signals:
merge_questions, merge_answered, merge_answer_undone): the merge writes nothing until each
question is answered, the app carries the answer out before the rows move, and the undo
asks the app to reverse it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.db.models import CheckConstraint, F, Q, UniqueConstraint
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from guardian.models.models import BaseObjectPermission

from customers.models import Customer, DuplicateCandidate, MatchKey, MatchState, MergeRecord
from customers.services import check_gold_cap
from customers.signals import (
    MergeQuestion,
    customer_rows_moved,
    customer_rows_settled,
    merge_answer_undone,
    merge_answered,
    merge_questions,
)
from dealercrm import roles

from .refresh import duplicates_refresh

# Fields the archivist chooses between; the rest are derived (pinyin keys), bookkeeping
# (timestamps, the tombstone link) or stay with the survivor (external_ref is unique).
NOT_CHOSEN = {"id", "created_at", "updated_at", "external_ref", "merged_into", "merged_at"}
# Fields that follow rows of another app, with what they follow: not chosen either, but set
# from what that app says once the rows have moved (_derived).
DERIVED = {"is_gold_card": gettext_lazy("follows the customer's gold card")}
# Flags the kept customer holds when either customer held them (never chosen); the undo gives
# each customer his own value back.
FLAGS = {
    "is_key_account": gettext_lazy("kept if either customer is one"),
    "is_benchmark": gettext_lazy("kept if either customer is one"),
}
SURVIVOR = "survivor"
LOSER = "loser"


def merge_fields() -> list[models.Field[Any, Any]]:
    """The fields the archivist chooses between."""
    return [
        f
        for f in Customer._meta.concrete_fields
        if f.editable and f.name not in NOT_CHOSEN and f.name not in DERIVED | FLAGS.keys()
    ]


def derived_fields() -> list[models.Field[Any, Any]]:
    return [f for f in Customer._meta.concrete_fields if f.name in DERIVED]


def flag_fields() -> list[models.Field[Any, Any]]:
    return [f for f in Customer._meta.concrete_fields if f.name in FLAGS]


def flags_kept(survivor: Customer, loser: Customer) -> list[str]:
    """The flags the kept customer holds after the merge, as the preview says them
    ("重点客户：合并后保留")."""
    return [
        _("%(flag)s: kept after the merge") % {"flag": capfirst(f.verbose_name)}
        for f in flag_fields()
        if getattr(survivor, f.attname) or getattr(loser, f.attname)
    ]


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
    """Keep the survivor's value, except where it is empty and the loser's is not.

    The flags (FLAGS) are not among them: either customer's flag stays set. Nor is
    is_gold_card: it follows the cards the survivor holds after the merge
    (DERIVED). But a gold customer stays with the manager who looks after him: when the
    loser is gold and the survivor is not, the loser's active card moves and makes the
    survivor gold, so the loser's manager is proposed. The survivor then takes the loser's
    place under that manager's cap (seed 000: at most 10 gold customers each) and no
    manager's count changes, so the proposed merge always fits. The archivist may choose
    the other manager instead; the merge checks his cap like any reassignment and, when he
    has no place left, refuses with the reason and writes nothing (the dry run says so
    first). A dedupe is never refused for the cap, and the cap is never exceeded.
    """
    choices = {}
    for f in merge_fields():
        mine, theirs = getattr(survivor, f.attname), getattr(loser, f.attname)
        choices[f.name] = LOSER if _is_empty(mine) and not _is_empty(theirs) else SURVIVOR
    if loser.is_gold_card and not survivor.is_gold_card and loser.manager_id is not None:
        choices["manager"] = LOSER
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
    for f in flag_fields():
        if getattr(loser, f.attname) and not getattr(survivor, f.attname):
            values[f.attname] = True
    return values


# --- the apps' questions (customers.signals) -------------------------------------------


def _questions(survivor: Customer, loser: Customer) -> list[MergeQuestion]:
    asked: list[MergeQuestion] = []
    for _receiver, answer in merge_questions.send(sender=Customer, survivor=survivor, loser=loser):
        asked.extend(cast("Sequence[MergeQuestion]", answer or ()))
    return asked


def merge_question_list(*, actor: Any, survivor: Customer, loser: Customer) -> list[MergeQuestion]:
    """What the merge of this pair asks the archivist (the pair page's required choices)."""
    roles.require(roles.can_merge, actor)
    return _questions(survivor, loser)


def _checked_answers(
    questions: Sequence[MergeQuestion], answers: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Each question answered with one of its options (the option's own value), or a
    ValidationError naming every field that is not. An empty answer is no answer."""
    given = {k: v for k, v in (answers or {}).items() if v is not None and str(v).strip() != ""}
    errors: dict[str, list[str]] = {}
    checked: dict[str, Any] = {}
    for question in questions:
        options = pgettext("list separator", ", ").join(
            f"{o.value} ({o.label})" for o in question.options
        )
        if question.key not in given:
            errors[question.key] = [
                _("%(help)s Send %(field)s, one of: %(options)s.")
                % {"help": question.help, "field": question.key, "options": options}
            ]
            continue
        value = str(given.pop(question.key)).strip()
        match = [o for o in question.options if str(o.value) == value]
        if not match:
            errors[question.key] = [
                _("%(value)s is not one of the choices: %(options)s.")
                % {"value": value, "options": options}
            ]
            continue
        checked[question.key] = match[0].value
    for key in given:
        errors[key] = [
            _("There is nothing to choose for %(field)s in this merge.") % {"field": key}
        ]
    if errors:
        raise ValidationError(errors)
    return checked


def _answer(
    *,
    actor: Any,
    survivor: Customer,
    loser: Customer,
    questions: Sequence[MergeQuestion],
    answers: Mapping[str, Any],
    merge_id: Any,
) -> list[dict[str, Any]]:
    """The apps carry out the archivist's answers (before any row moves): what each did,
    for the merge record and the undo."""
    if not answers:
        return []
    done: dict[str, Any] = {}
    for receiver, said in merge_answered.send(
        sender=Customer,
        actor=actor,
        survivor=survivor,
        loser=loser,
        answers=dict(answers),
        merge_id=merge_id,
    ):
        for key, data in cast("Mapping[str, Any]", said or {}).items():
            if key not in answers or key in done:
                raise ImproperlyConfigured(f"{receiver!r} answered {key!r}, not its question")
            done[key] = data
    missing = sorted(set(answers) - set(done))
    if missing:
        raise ImproperlyConfigured(f"nobody carried out the answers {missing}")
    return [
        {
            "field": q.key,
            "value": _json(answers[q.key]),
            "effect": str(done[q.key].get("effect", "")),
            "done": done[q.key],
        }
        for q in questions
    ]


def _check_input(
    survivor: Customer,
    loser: Customer,
    choices: Mapping[str, str] | None,
    answers: Mapping[str, Any] | None,
) -> tuple[list[MergeQuestion], dict[str, Any]]:
    """The choices and the answers, checked before anything is written; every field that is
    wrong is named at once."""
    errors: dict[str, list[str]] = {}
    try:
        _chosen_values(survivor, loser, choices)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    questions = _questions(survivor, loser)
    checked: dict[str, Any] = {}
    try:
        checked = _checked_answers(questions, answers)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return questions, checked


def _plan(survivor: Customer, loser: Customer, choices: Mapping[str, str] | None) -> MergePlan:
    values = _chosen_values(survivor, loser, choices)
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


def _move(move: Move, survivor_pk: Any) -> None:
    updated = move.ref.model._base_manager.filter(pk__in=move.pks).update(
        **{move.ref.attname: move.ref.target_value(survivor_pk)}
    )
    if updated != len(move.pks):
        raise ValidationError(_("The data changed during the merge; try again."))


def _derived(customers: Sequence[Customer]) -> dict[Any, dict[str, Any]]:
    """Each customer's DERIVED fields as the apps that own them say, for the rows as they
    stand now: call it once the rows have moved."""
    values: dict[Any, dict[str, Any]] = {c.pk: {} for c in customers}
    for receiver, answer in customer_rows_moved.send(sender=Customer, customers=list(customers)):
        said = cast("Mapping[Any, Mapping[str, Any]]", answer or {})
        for pk, fields in said.items():
            if pk not in values or not set(fields) <= set(DERIVED):
                raise ImproperlyConfigured(
                    f"{receiver!r} answered {fields!r} for customer {pk!r}; it may answer "
                    f"{sorted(DERIVED)} for {sorted(values)}"
                )
            values[pk].update(fields)
    return values


def _tombstone(
    loser: Customer,
    survivor: Customer,
    derived: Mapping[str, Any],
    *,
    actor: Any,
    tag: str,
    now: dt.datetime,
) -> None:
    """The loser points at the survivor (its old URL redirects) and keeps what its own
    remaining rows say (a gold card that moved no longer makes it gold)."""
    changed = [attname for attname, value in derived.items() if getattr(loser, attname) != value]
    for attname in changed:
        setattr(loser, attname, derived[attname])
    loser.merged_into = survivor
    loser.merged_at = now
    loser._history_user = actor  # type: ignore[attr-defined]
    loser._change_reason = tag  # type: ignore[attr-defined]
    loser.save(update_fields=["merged_into", "merged_at", "updated_at", *changed])


def _take(survivor: Customer, values: Mapping[str, Any]) -> bool:
    """Give the survivor its new values (chosen and derived), validated like any change to
    a dossier, the gold-card cap included. False when nothing changes. Call it once the
    loser is a tombstone: the loser's place under a manager's cap is then free."""
    was_gold, old_manager_id = survivor.is_gold_card, survivor.manager_id
    changed = {a: v for a, v in values.items() if getattr(survivor, a) != v}
    if not changed:
        return False
    for attname, value in changed.items():
        setattr(survivor, attname, value)
    check_gold_cap(survivor, was_gold=was_gold, old_manager_id=old_manager_id)
    survivor.full_clean(exclude=["external_ref"])
    return True


def _new_values(plan: MergePlan) -> dict[str, Any]:
    return {attname: new for attname, (_old, new) in plan.changes.items()}


class _DryRun(Exception):
    """Rolls the dry run's trial merge back."""


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
    *,
    actor: Any,
    survivor: Customer,
    loser: Customer,
    choices: Mapping[str, str] | None = None,
    answers: Mapping[str, Any] | None = None,
) -> MergePlan:
    """The dry run: what would move, what would stay and which fields would change, the
    derived ones included, and what the answers to the apps' questions do; it refuses what
    the merge would refuse (a question not answered, a manager over his gold-card cap)."""
    roles.require(roles.can_merge, actor)
    with transaction.atomic():
        locked = _lock(survivor.pk, loser.pk)
        s, lo = locked.get(survivor.pk), locked.get(loser.pk)
        _check_pair(s, lo)
        assert s is not None and lo is not None  # noqa: S101 -- checked just above
        questions, checked = _check_input(s, lo, choices, answers)
        # What the answers do and what the derived fields become are the apps' answers once
        # the rows have moved: try the merge in a savepoint, keep the plan, roll it all back.
        derived: dict[Any, dict[str, Any]] = {}
        plan: MergePlan | None = None
        try:
            with transaction.atomic():
                answered = _answer(
                    actor=actor,
                    survivor=s,
                    loser=lo,
                    questions=questions,
                    answers=checked,
                    merge_id=None,
                )
                plan = _plan(s, lo, choices)
                plan.answers = answered
                trial = {c.pk: c for c in Customer.all_objects.filter(pk__in=[s.pk, lo.pk])}
                for move in plan.moves:
                    _move(move, s.pk)
                derived = _derived([trial[s.pk], trial[lo.pk]])
                _tombstone(
                    trial[lo.pk],
                    trial[s.pk],
                    derived[lo.pk],
                    actor=actor,
                    tag="dry run",
                    now=timezone.now(),
                )
                _take(trial[s.pk], _new_values(plan) | derived[s.pk])
                raise _DryRun
        except _DryRun:
            pass
        assert plan is not None  # noqa: S101 -- made in the savepoint
        for attname, value in derived[s.pk].items():
            if getattr(s, attname) != value:
                plan.changes[attname] = (getattr(s, attname), value)
        return plan


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
    answers: Mapping[str, Any] | None = None,
) -> MergeRecord:
    """Merge `loser` into `survivor`; `choices` maps field names to "survivor"/"loser",
    `answers` the apps' questions (merge_question_list) to the chosen option's value."""
    roles.require(roles.can_merge, actor)
    locked = _lock(survivor.pk, loser.pk)
    s, lo = locked.get(survivor.pk), locked.get(loser.pk)
    _check_pair(s, lo)
    assert s is not None and lo is not None  # noqa: S101 -- checked just above
    survivor, loser = s, lo
    questions, checked = _check_input(survivor, loser, choices, answers)
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

    # 0. The apps carry out the archivist's answers before the rows move (the gold card she
    # did not keep is revoked, so that the other can move to the kept customer).
    record.answers = _answer(
        actor=actor,
        survivor=survivor,
        loser=loser,
        questions=questions,
        answers=checked,
        merge_id=record.pk,
    )
    plan = _plan(survivor, loser, choices)

    # 1. Re-point every row, model by model, and say so in each row's history.
    moved = []
    for move in plan.moves:
        _move(move, survivor.pk)
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

    # 2. The derived fields are what their apps say now that the rows have moved: the
    # survivor holding an active gold card (his own or the loser's) is gold, a loser whose
    # card moved is not.
    derived = _derived([survivor, loser])

    # 3. The loser becomes a tombstone pointing at the survivor (its old URL redirects).
    # Before the survivor's change: a tombstone no longer counts against its manager's
    # gold-card cap, so the survivor can take its place.
    _tombstone(loser, survivor, derived[loser.pk], actor=actor, tag=tag, now=now)
    written.append(_last_history(loser))

    # 4. The survivor takes the chosen values and the derived ones, validated like any
    # other change (a gold customer's manager within his cap, or nothing is written).
    before = _snapshot(survivor)
    if _take(survivor, _new_values(plan) | derived[survivor.pk]):
        survivor._history_user = actor  # type: ignore[attr-defined]
        survivor._change_reason = tag  # type: ignore[attr-defined]
        survivor.save()
        written.append(_last_history(survivor))
    after = _snapshot(survivor)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    # Rows moved in bulk above (contact logs: the survivor's last contact may be the
    # loser's): the apps that keep a column in step with them refresh it now.
    customer_rows_settled.send(sender=Customer, customer_ids=[survivor.pk, loser.pk])

    # 5. The queue: this pair is done; the loser's other proposals are withdrawn and both
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
    anything the survivor got after the merge stays with it. The derived fields follow the
    rows back (a gold card that goes back makes the merged customer gold again, under his
    manager's cap: when the manager has no place left the undo is refused with the reason
    and nothing changes)."""
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
    # Who counted against which manager's gold-card cap before the undo (a tombstone: no one).
    counted = {survivor.pk: (survivor.is_gold_card, survivor.manager_id), loser.pk: (False, None)}

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

    # 1b. What the apps did with the archivist's answers is reversed, now that their rows are
    # back on their customers (the gold card the merge revoked is live again).
    done = {a["field"]: a["done"] for a in record.answers or []}
    if done:
        for _receiver, said in merge_answer_undone.send(
            sender=Customer, actor=actor, survivor=survivor, loser=loser, done=done
        ):
            notes.extend(str(note) for note in cast("Sequence[str]", said or ()))

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
        elif attname in DERIVED:
            conflicts = True  # it follows the rows whatever it was: step 6
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
    as_it_was = ("merged_into_id", "merged_at", "updated_at", *DERIVED)
    Customer.all_objects.filter(pk=loser.pk).update(
        **_typed({k: snapshot[k] for k in as_it_was if k in snapshot})
    )

    # 5. The pair is open again; both customers are matched afresh (at the end, below).
    if record.candidate_id:
        DuplicateCandidate.objects.filter(
            pk=record.candidate_id, status=DuplicateCandidate.Status.MERGED
        ).update(status=DuplicateCandidate.Status.OPEN, decided_by=None, decided_at=None)
    _forget(survivor.pk, loser.pk)

    customer_rows_settled.send(sender=Customer, customer_ids=[survivor.pk, loser.pk])

    # 6. The derived fields follow the rows where they are now. Unless those rows changed
    # since the merge (a card suspended, say), steps 3 and 4 restored exactly that; if they
    # did, the value follows them, with a history entry and a note. A gold customer coming
    # back counts against his manager's cap again.
    customers = list(Customer.all_objects.filter(pk__in=[survivor.pk, loser.pk]).order_by("pk"))
    derived = _derived(customers)
    labels = {f.attname: f.verbose_name for f in derived_fields()}
    for customer in customers:
        changed = {a: v for a, v in derived[customer.pk].items() if getattr(customer, a) != v}
        if not changed:
            continue
        for attname, value in changed.items():
            setattr(customer, attname, value)
            notes.append(
                _("%(field)s of %(name)s now follows what it holds: %(value)s.")
                % {
                    "field": labels[attname],
                    "name": customer.name,
                    "value": _shown(value),
                }
            )
        customer._history_user = actor  # type: ignore[attr-defined]
        customer._change_reason = f"undo merge #{record.pk}"  # type: ignore[attr-defined]
        customer.save(update_fields=[*changed, "updated_at"])
    for customer in customers:
        was_gold, old_manager_id = counted[customer.pk]
        check_gold_cap(customer, was_gold=was_gold, old_manager_id=old_manager_id)

    record.status = MergeRecord.Status.UNDONE
    record.undone_by = actor
    record.undone_at = timezone.now()
    record.undo_notes = notes
    record.save()
    _log(actor, "unmerge", record)
    # The pairs that involved either customer are back in the queue now, not after the
    # next nightly run (issue 17): both were forgotten above, so the incremental run
    # blocks and scores them afresh (dismissed pairs stay dismissed while unchanged).
    duplicates_refresh(actor=actor)
    return record


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


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


def thing_label(label: str) -> str:
    """A table's label (customers.HistoricalMachine) as the archivist says it."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    if _is_history(model):
        return str(_("history entries"))
    if _is_permission(model):
        return str(_("access permissions"))
    return str(model._meta.verbose_name_plural)


def kept_label(thing: str, label: str, field_name: str) -> str:
    """`thing`, a row left with the merged customer as the archivist reads it; a column that
    only mentions the customer (a credit's buyer) is named, for the row itself moved."""
    try:
        column = apps.get_model(label)._meta.get_field(field_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return thing
    if column.is_relation and getattr(column, "null", False):
        return _("%(thing)s (%(field)s)") % {"thing": thing, "field": column.verbose_name}
    return thing


def moves_sentence(rows: Iterable[tuple[str, int]], name: str) -> str:
    """ "电话 3 条、设备 2 条、联系记录 14 条将转到 刘文才": what moves, history and access
    aside (they follow the rows). `rows` are (model label or plain label, count)."""
    skip = {str(_("history entries")), str(_("access permissions"))}
    counts: dict[str, int] = {}
    for label, n in rows:
        thing = thing_label(label) if "." in label else label
        if thing not in skip:
            counts[thing] = counts.get(thing, 0) + n
    if not counts:
        return str(_("Nothing moves to %(name)s.") % {"name": name})
    parts = [str(_("%(count)s %(things)s") % {"count": n, "things": t}) for t, n in counts.items()]
    separator = pgettext("list separator", ", ")
    return str(_("%(rows)s will move to %(name)s.") % {"rows": separator.join(parts), "name": name})
