"""The merge and its dry run: both customers locked, the answers carried out, the rows
re-pointed with history, the derived fields as their apps say, the merged customer a
tombstone, the kept one its chosen values, the queue and the matcher's state updated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, DuplicateCandidate, MatchKey, MatchState, MergeRecord
from customers.services import check_gold_cap
from customers.signals import customer_rows_moved, customer_rows_settled
from dealercrm import roles

from .fields import DERIVED, _json, _snapshot
from .plan import MergePlan, Move, _new_values, _plan
from .questions import _answer, _check_input, cleared_flags
from .rows import _history_model, _is_history, _write_history


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
    actor: roles.Actor,
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


class _DryRun(Exception):
    """Rolls the dry run's trial merge back."""


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
    actor: roles.Actor,
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
                plan = _plan(s, lo, choices, cleared_flags(answered))
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


@transaction.atomic
def customer_merge(
    *,
    actor: roles.Actor,
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
        merged_by=roles.signed_in(actor),
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
    plan = _plan(survivor, loser, choices, cleared_flags(record.answers))

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
        pair.decided_by = roles.signed_in(actor)
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
    latest = customer.history.order_by("-history_id").values_list("pk", flat=True).first()
    return {"model": Customer.history.model._meta.label, "pks": [latest] if latest else []}


def _forget(*pks: Any) -> None:
    MatchKey.objects.filter(customer_id__in=pks).delete()
    MatchState.objects.filter(customer_id__in=pks).delete()


def _log(actor: roles.Actor, kind: str, record: MergeRecord) -> None:
    from dealercrm.models import SecurityEvent
    from dealercrm.security import log_event

    log_event(
        SecurityEvent.Kind.MERGE if kind == "merge" else SecurityEvent.Kind.UNMERGE,
        user=actor,
        outcome=f"merge #{record.pk}: {record.loser_id} → {record.survivor_id}",
        detail={"merge": record.pk, "survivor": record.survivor_id, "loser": record.loser_id},
    )
