"""The archivist's decisions on a candidate pair other than merging: "not a duplicate"
(remembered until the data changes) and "relatives" (linked as related customers)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import CustomerRelation, DuplicateCandidate
from customers.services import customer_lock_for_write
from dealercrm import roles

from .merge import customer_merge, merge_preview, merge_question_list, merge_undo
from .refresh import duplicates_refresh

__all__ = [
    "candidate_dismiss",
    "candidate_relate",
    "customer_merge",
    "duplicates_refresh",
    "merge_preview",
    "merge_question_list",
    "merge_undo",
    "relation_remove",
]


def _open_candidate(candidate: DuplicateCandidate) -> DuplicateCandidate:
    # Claim the pair: a dismiss racing a merge (or a second click) finds it decided.
    locked = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.status != DuplicateCandidate.Status.OPEN:
        raise ValidationError(
            _("This pair has already been decided (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def candidate_dismiss(
    *, actor: roles.Actor, candidate: DuplicateCandidate, note: str = ""
) -> DuplicateCandidate:
    """Not a duplicate: the pair leaves the queue and comes back only when the data of
    one of the two customers changes (its fingerprint)."""
    roles.require(roles.can_review_duplicates, actor)
    candidate = _open_candidate(candidate)
    candidate.status = DuplicateCandidate.Status.DISMISSED
    candidate.decided_by = roles.signed_in(actor)
    candidate.decided_at = timezone.now()
    candidate.note = note[:200]
    candidate.save(update_fields=["status", "decided_by", "decided_at", "note", "updated_at"])
    return candidate


@transaction.atomic
def candidate_relate(
    *, actor: roles.Actor, candidate: DuplicateCandidate, note: str = ""
) -> CustomerRelation:
    """Relatives (brothers of one village, father and son): linked as related customers,
    and the pair leaves the queue like a dismissed one."""
    roles.require(roles.can_review_duplicates, actor)
    # The customers first (in primary-key order, as a merge takes them), then the pair: a
    # merge of either refuses this or waits for it, and the relation never links a
    # merged-away customer.
    for pk in (candidate.low_id, candidate.high_id):
        customer_lock_for_write(pk, actor=actor)
    candidate = _open_candidate(candidate)
    existing = CustomerRelation.objects.filter(
        customer_id__in=(candidate.low_id, candidate.high_id),
        related_id__in=(candidate.low_id, candidate.high_id),
    ).first()
    if existing is None:
        relation = CustomerRelation(
            customer_id=candidate.low_id,
            related_id=candidate.high_id,
            note=note[:200],
            created_by=roles.signed_in(actor),
        )
        relation.full_clean()
        relation._history_user = actor  # type: ignore[attr-defined]
        relation.save()
    else:
        relation = existing
    candidate.status = DuplicateCandidate.Status.RELATED
    candidate.decided_by = roles.signed_in(actor)
    candidate.decided_at = timezone.now()
    candidate.note = note[:200]
    candidate.save(update_fields=["status", "decided_by", "decided_at", "note", "updated_at"])
    return relation


@transaction.atomic
def relation_remove(*, actor: roles.Actor, relation: CustomerRelation) -> None:
    roles.require(roles.can_review_duplicates, actor)
    relation._history_user = actor  # type: ignore[attr-defined]
    relation.delete()
