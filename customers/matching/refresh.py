"""find_duplicates on the database: the same engine as the file run, fed with customers.

A run re-blocks only the customers whose compared data changed since the last run (their
fingerprint differs, or they have none yet): their keys are stored (MatchKey), every
customer sharing a key is loaded with the features stored for it (MatchState), and only
pairs involving a changed customer are scored. The queue (DuplicateCandidate) keeps the
archivist's decisions: a dismissed pair is proposed again only when its data changes.
A run is two halves, `plan_refresh` and `finish_refresh`; fanout.py scores between them on
the Celery workers when MATCHING_FANOUT_PARTITIONS > 1.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from customers.models import (
    Customer,
    DuplicateCandidate,
    Machine,
    MatchKey,
    MatchRun,
    MatchState,
    Phone,
)
from dealercrm import roles

from .candidates import (
    DEFAULT_THRESHOLD,
    BlockStats,
    Context,
    Features,
    Match,
    Progress,
    Record,
    blocking_keys,
    count_keys,
    find_matches,
    prepare,
)
from .records import FEATURES_VERSION

CHUNK = 1000
_QUEUE_FIELDS = [
    "score",
    "kind",
    "reasons",
    "fingerprint",
    "status",
    "decided_by",
    "decided_at",
    "updated_at",
]


@dataclass
class RefreshResult:
    full: bool
    customers: int = 0
    changed: int = 0
    neighbours: int = 0
    pairs_compared: int = 0
    proposed: int = 0
    relatives: int = 0
    reopened: int = 0
    removed: int = 0
    seconds: float = 0.0
    run_id: int | None = None
    stats: BlockStats = field(default_factory=BlockStats)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def customer_record(customer: Customer) -> Record:
    """A customer as the matcher reads it (phones and machines prefetched)."""
    if customer.birth_date:
        birth = customer.birth_date.isoformat()
    else:
        birth = str(customer.birth_year) if customer.birth_year else ""
    address = "".join(
        part for part in (customer.province, customer.city, customer.county, customer.address)
    )
    machines = list(customer.machines.all())
    return Record(
        id=str(customer.pk),
        name=customer.name,
        # Old numbers too: "his old number" is evidence as good as his current one.
        phones=tuple(p.e164 or p.raw for p in customer.phones.all()),
        address=address,
        birth_date=birth,
        id_number=customer.id_number,
        models=tuple(m.model_raw for m in machines if m.model_raw),
        serials=tuple(m.serial_number for m in machines if m.serial_number),
    )


def fingerprint(record: Record) -> str:
    data = json.dumps(
        [
            FEATURES_VERSION,
            record.name,
            sorted(record.phones),
            record.address,
            record.birth_date,
            record.id_number,
            sorted(record.models),
            sorted(record.serials),
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(data.encode()).hexdigest()


def pair_fingerprint(low: str, high: str) -> str:
    return hashlib.sha256(f"{low}:{high}".encode()).hexdigest()


def _records(ids: Iterable[int]) -> Iterator[Record]:
    ids = sorted(ids)
    for chunk in _chunks(ids):
        qs = Customer.objects.filter(pk__in=chunk).prefetch_related("phones", "machines")
        for customer in qs.order_by("pk"):
            yield customer_record(customer)


def _changed_since(since: Any) -> set[int]:
    """Customers whose compared data may have changed since `since` (rows written through
    the services leave updated_at or a history row; merges clear the match state)."""
    ids: set[int] = set(
        Customer.objects.filter(Q(updated_at__gte=since) | Q(match_state__isnull=True)).values_list(
            "pk", flat=True
        )
    )
    for model in (Phone, Machine):
        ids.update(
            model.objects.filter(updated_at__gte=since).values_list("customer_id", flat=True)
        )
        # Deleted rows leave only their history.
        ids.update(
            model.history.filter(history_date__gte=since, history_type="-").values_list(
                "customer_id", flat=True
            )
        )
    return ids


def _forget_tombstones() -> None:
    """Merged customers are no one's neighbour; their open proposals are gone."""
    merged = Customer.all_objects.filter(merged_into__isnull=False)
    MatchKey.objects.filter(customer__in=merged).delete()
    MatchState.objects.filter(customer__in=merged).delete()
    DuplicateCandidate.objects.filter(
        Q(low__in=merged) | Q(high__in=merged), status=DuplicateCandidate.Status.OPEN
    ).delete()


def _store(changed: Sequence[tuple[int, Any, Features, str]]) -> None:
    ids = [pk for pk, *_ in changed]
    for chunk in _chunks(ids):
        MatchKey.objects.filter(customer_id__in=chunk).delete()
        MatchState.objects.filter(customer_id__in=chunk).delete()
    keys: list[MatchKey] = []
    states: list[MatchState] = []
    for pk, _record, features, fp in changed:
        stored = {k[:200] for k in blocking_keys(features) + count_keys(features)}
        keys.extend(MatchKey(customer_id=pk, key=k) for k in sorted(stored))
        states.append(MatchState(customer_id=pk, fingerprint=fp, features=features.as_dict()))
    MatchKey.objects.bulk_create(keys, batch_size=5000)
    MatchState.objects.bulk_create(states, batch_size=2000)


def _neighbours(changed_ids: set[int], keys: set[str]) -> set[int]:
    found: set[int] = set()
    key_list = sorted(keys)
    for chunk in _chunks(key_list):
        found.update(MatchKey.objects.filter(key__in=chunk).values_list("customer_id", flat=True))
    return found - changed_ids


def _counts(keys: set[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for chunk in _chunks(sorted(keys)):
        for row in MatchKey.objects.filter(key__in=chunk).values("key").annotate(n=Count("id")):
            counts[row["key"]] = row["n"]
    return counts


def _write_queue(
    matches: list[Match], changed_ids: set[int], fingerprints: dict[int, str], result: RefreshResult
) -> None:
    wanted: dict[tuple[int, int], Match] = {}
    for match in matches:
        a, b = int(match.left_id), int(match.right_id)
        wanted[(min(a, b), max(a, b))] = match
    existing = {
        (c.low_id, c.high_id): c
        for chunk in _chunks(sorted(changed_ids))
        for c in DuplicateCandidate.objects.filter(Q(low_id__in=chunk) | Q(high_id__in=chunk))
    }
    now = timezone.now()
    create: list[DuplicateCandidate] = []
    update: list[DuplicateCandidate] = []
    for pair, match in wanted.items():
        low, high = pair
        fp = pair_fingerprint(fingerprints[low], fingerprints[high])
        values = {
            "score": match.score,
            "kind": match.kind,
            "reasons": [r.as_dict() for r in match.reasons],
            "fingerprint": fp,
        }
        candidate = existing.pop(pair, None)
        if candidate is None:
            create.append(DuplicateCandidate(low_id=low, high_id=high, **values))
            continue
        if candidate.status == DuplicateCandidate.Status.MERGED:
            continue
        if candidate.status != DuplicateCandidate.Status.OPEN:
            if candidate.fingerprint == fp:
                continue  # the archivist's decision stands while the data is the same
            candidate.status = DuplicateCandidate.Status.OPEN
            candidate.decided_by = None
            candidate.decided_at = None
            result.reopened += 1
        for name, value in values.items():
            setattr(candidate, name, value)
        candidate.updated_at = now
        update.append(candidate)
    stale = [c.pk for c in existing.values() if c.status == DuplicateCandidate.Status.OPEN]
    for chunk in _chunks(stale):
        result.removed += DuplicateCandidate.objects.filter(pk__in=chunk).delete()[0]
    DuplicateCandidate.objects.bulk_create(create, batch_size=2000)
    DuplicateCandidate.objects.bulk_update(
        update,
        _QUEUE_FIELDS,
        batch_size=1000,
    )


@dataclass
class Plan:
    """What a run compares, prepared in the run's transaction: the changed customers (their
    keys and features already stored, so the incremental counts include them), the records
    to block (changed first, then their neighbours), the counts and the pairs' filter."""

    full: bool
    started_at: Any
    result: RefreshResult
    changed: list[tuple[int, Record, Features, str]]
    features: list[Features]
    fingerprints: dict[int, str]
    ctx: Context
    only: set[int] | None

    @property
    def changed_ids(self) -> set[int]:
        return {pk for pk, *_ in self.changed}


def plan_refresh(*, full: bool, progress: Progress | None = None) -> Plan:
    """The first half of a run (inside its transaction): tombstones forgotten, changed
    customers found, prepared and stored, their neighbours loaded."""
    started_at = timezone.now()
    last = MatchRun.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    full = full or last is None
    result = RefreshResult(full=full)
    _forget_tombstones()
    if full or last is None:
        candidates = set(Customer.objects.values_list("pk", flat=True))
    else:
        candidates = _changed_since(last.started_at)
    stored: dict[int, str] = {}
    if not full:
        for chunk in _chunks(sorted(candidates)):
            stored.update(
                MatchState.objects.filter(customer_id__in=chunk).values_list(
                    "customer_id", "fingerprint"
                )
            )
    changed: list[tuple[int, Record, Features, str]] = []
    for index, record in enumerate(_records(candidates)):
        fp = fingerprint(record)
        if not full and stored.get(int(record.id)) == fp:
            continue
        changed.append((int(record.id), record, prepare(record), fp))
        if progress and (index + 1) % 10_000 == 0:
            progress("prepare", index + 1, len(candidates))
    _store(changed)
    changed_ids = {pk for pk, *_ in changed}
    result.changed = len(changed_ids)
    result.customers = Customer.objects.count()
    keys: set[str] = set()
    counted: set[str] = set()
    for _pk, _record, features, _fp in changed:
        keys.update(blocking_keys(features))
        counted.update(count_keys(features))
    neighbour_ids = _neighbours(changed_ids, keys) if changed_ids else set()
    result.neighbours = len(neighbour_ids)
    features_list: list[Features] = [f for _pk, _r, f, _fp in changed]
    fingerprints = {pk: fp for pk, _r, _f, fp in changed}
    for chunk in _chunks(sorted(neighbour_ids)):
        for state in MatchState.objects.filter(customer_id__in=chunk):
            features_list.append(Features.from_dict(state.features))
            fingerprints[state.customer_id] = state.fingerprint
    for index, features in enumerate(features_list):
        features.index = index
    if full:
        ctx = Context.build(features_list)
    else:
        ctx = Context(_counts(counted)) if changed_ids else Context()
    only = set(range(len(changed))) if not full else None
    return Plan(full, started_at, result, changed, features_list, fingerprints, ctx, only)


def finish_refresh(
    *,
    full: bool,
    started_at: Any,
    matches: list[Match],
    changed_ids: set[int],
    fingerprints: dict[int, str],
    result: RefreshResult,
    started: float,
) -> RefreshResult:
    """The second half of a run (inside its transaction): the queue written, the run
    recorded."""
    result.pairs_compared = result.stats.pairs
    result.proposed = sum(m.is_duplicate for m in matches)
    result.relatives = len(matches) - result.proposed
    _write_queue(matches, changed_ids, fingerprints, result)
    result.seconds = time.monotonic() - started
    run = MatchRun.objects.create(
        started_at=started_at,
        finished_at=timezone.now(),
        full=full,
        customers=result.customers,
        changed=result.changed,
        pairs_compared=result.pairs_compared,
        proposed=result.proposed,
        seconds=result.seconds,
    )
    result.run_id = run.pk
    return result


def duplicates_refresh(
    *,
    actor: roles.Actor,
    full: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Progress | None = None,
) -> RefreshResult:
    """Bring the review queue up to date with the database, in this process."""
    roles.require(roles.can_refresh_duplicates, actor)
    started = time.monotonic()
    with transaction.atomic():
        plan = plan_refresh(full=full, progress=progress)
        result = plan.result
        matches = (
            find_matches(
                plan.features,
                threshold=threshold,
                only=plan.only,
                ctx=plan.ctx,
                progress=progress,
                stats=result.stats,
            )
            if plan.changed
            else []
        )
        return finish_refresh(
            full=plan.full,
            started_at=plan.started_at,
            matches=matches,
            changed_ids=plan.changed_ids,
            fingerprints=plan.fingerprints,
            result=result,
            started=started,
        )
