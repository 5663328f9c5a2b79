"""Reads of the review queue and the merge records (archivist only), and where a merged
customer's old address leads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from customers.models import Customer, DuplicateCandidate, MergeRecord
from dealercrm import roles
from dealercrm.templatetags.dealercrm import person

from .merge import (
    DERIVED,
    FLAGS,
    LOSER,
    SURVIVOR,
    default_choices,
    derived_fields,
    flag_fields,
    merge_fields,
    related_counts,
)
from .normalise import parse_search

MAX_CHAIN = 20


@dataclass
class CandidateFilters:
    status: str = DuplicateCandidate.Status.OPEN
    kind: str = ""
    min_score: float | None = None
    search: str = ""


def candidate_list(
    *, user: roles.Actor, filters: CandidateFilters | None = None
) -> QuerySet[DuplicateCandidate]:
    """The queue, best first (index duplicate_queue_idx)."""
    if not roles.can_review_duplicates(user):
        return DuplicateCandidate.objects.none()
    filters = filters or CandidateFilters()
    qs = DuplicateCandidate.objects.select_related(
        "low", "high", "low__manager", "high__manager", "decided_by"
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.min_score is not None:
        qs = qs.filter(score__gte=filters.min_score)
    term = parse_search(filters.search)
    if term is not None:
        if term.kind == "pinyin":
            match = Q(low__name_pinyin__startswith=term.value) | Q(
                high__name_pinyin__startswith=term.value
            )
            match |= Q(low__name_initials__startswith=term.value) | Q(
                high__name_initials__startswith=term.value
            )
        elif term.kind == "phone":
            match = Q(low__phones__national__contains=term.value) | Q(
                high__phones__national__contains=term.value
            )
        else:
            match = Q(low__name__contains=term.value) | Q(high__name__contains=term.value)
        qs = qs.filter(match).distinct()
    return qs.order_by("-score", "id")


def candidate_get(*, user: roles.Actor, pk: Any) -> DuplicateCandidate:
    try:
        return candidate_list(user=user, filters=CandidateFilters(status="")).get(pk=pk)
    except (DuplicateCandidate.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such pair") from exc


@dataclass
class FieldRow:
    name: str
    label: str
    left: Any
    right: Any
    differs: bool
    choice: str  # "survivor" (the left customer) or "loser"
    follows: str = ""  # a derived field (not chosen): what it follows


@dataclass
class PairView:
    """Two dossiers side by side, the left one proposed as the one to keep."""

    candidate: DuplicateCandidate
    left: Customer
    right: Customer
    rows: list[FieldRow]
    left_counts: list[tuple[str, int]]
    right_counts: list[tuple[str, int]]
    left_phones: list[Any] = field(default_factory=list)
    right_phones: list[Any] = field(default_factory=list)
    left_machines: list[Any] = field(default_factory=list)
    right_machines: list[Any] = field(default_factory=list)


def _shown(customer: Customer, f: Any) -> Any:
    if f.choices:
        return getattr(customer, f"get_{f.name}_display")()
    if f.is_relation:
        value = getattr(customer, f.name)
        return person(value) if value is not None and f.name == "manager" else value
    value = getattr(customer, f.attname)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return value


def _keep_first(candidate: DuplicateCandidate) -> tuple[Customer, Customer]:
    """Propose keeping the fuller, older dossier: more related rows, then the lower pk."""
    low, high = candidate.low, candidate.high
    low_rows = sum(n for _, n in related_counts(low))
    high_rows = sum(n for _, n in related_counts(high))
    return (high, low) if high_rows > low_rows else (low, high)


def pair_view(*, user: roles.Actor, candidate: DuplicateCandidate, keep: Any = None) -> PairView:
    roles.require(roles.can_review_duplicates, user)
    left, right = _keep_first(candidate)
    if keep is not None and str(keep) == str(right.pk):
        left, right = right, left
    choices = default_choices(left, right)
    rows = []
    # The chosen fields, then the flags and the derived ones (shown, not chosen: they follow
    # a rule or other rows).
    follows = {**FLAGS, **DERIVED}
    for f in [*merge_fields(), *flag_fields(), *derived_fields()]:
        derived = f.name in follows
        rows.append(
            FieldRow(
                name=f.name,
                label=str(f.verbose_name),
                left=_shown(left, f),
                right=_shown(right, f),
                differs=getattr(left, f.attname) != getattr(right, f.attname),
                choice=SURVIVOR if derived else choices.get(f.name, SURVIVOR),
                follows=str(follows[f.name]) if derived else "",
            )
        )
    return PairView(
        candidate=candidate,
        left=left,
        right=right,
        rows=rows,
        left_counts=related_counts(left),
        right_counts=related_counts(right),
        left_phones=list(left.phones.all()),
        right_phones=list(right.phones.all()),
        left_machines=list(left.machines.all()),
        right_machines=list(right.machines.all()),
    )


def merge_list(*, user: roles.Actor) -> QuerySet[MergeRecord]:
    if not roles.can_merge(user):
        return MergeRecord.objects.none()
    return MergeRecord.objects.select_related("survivor", "loser", "merged_by", "undone_by")


def merge_get(*, user: roles.Actor, pk: Any) -> MergeRecord:
    try:
        return merge_list(user=user).get(pk=pk)
    except (MergeRecord.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such merge") from exc


def merged_target(*, pk: Any) -> Customer | None:
    """The live customer a merged customer's chain of merges ends at, or None when `pk` is
    not a merged customer. Who may see it is the caller's question (the customer selector)."""
    try:
        customer = Customer.all_objects.only("pk", "merged_into").get(pk=pk)
    except (Customer.DoesNotExist, ValueError, TypeError):
        return None
    seen = 0
    while customer.merged_into_id is not None and seen < MAX_CHAIN:
        customer = Customer.all_objects.only("pk", "merged_into").get(pk=customer.merged_into_id)
        seen += 1
    return customer if seen else None


__all__ = [
    "LOSER",
    "SURVIVOR",
    "CandidateFilters",
    "FieldRow",
    "PairView",
    "candidate_get",
    "candidate_list",
    "merge_get",
    "merge_list",
    "merged_target",
    "pair_view",
]
