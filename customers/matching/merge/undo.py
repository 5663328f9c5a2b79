"""Undoing a merge: the rows that moved go back, the apps reverse what they did with the
answers, the history the merge wrote goes, both customers are restored where nobody changed
them since, and the pairs are matched afresh."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, DuplicateCandidate, MergeRecord
from customers.services import check_gold_cap
from customers.signals import customer_rows_settled, merge_answer_undone
from dealercrm import roles

from ..refresh import duplicates_refresh
from .apply import _derived, _forget, _lock, _log
from .fields import DERIVED, _json, _typed, derived_fields
from .rows import _model, references


@transaction.atomic
def merge_undo(*, actor: roles.Actor, record: MergeRecord) -> MergeRecord:
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
    record.undone_by = roles.signed_in(actor)
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
