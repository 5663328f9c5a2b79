"""find_duplicates on the database, fanned out over Celery workers (issue 17) when a dealer
group's archive outgrows one process: MATCHING_FANOUT_PARTITIONS > 1.

The coordinator prepares and blocks exactly as the single-process refresh does (in its
transaction, rolled back), cuts the engine's candidate pairs (each pair once) into
partitions and stages each with the features and counts its pairs need (FanoutPartition).
A Celery group scores the partitions with the engine's own bound and comparison; the
partition that finishes last queues the merge, which writes the keys, the queue and the run
in one transaction, as the single-process refresh does. The join is counted in the
database, not by a Celery chord: the project keeps no result backend, and a claimed state
change (scoring → merging) lets exactly one partition queue the merge.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import Customer, FanoutPartition, FanoutRun
from dealercrm import roles

from .candidates import (
    DEFAULT_THRESHOLD,
    BlockStats,
    Context,
    Features,
    Match,
    Progress,
    Reason,
    candidate_array,
    count_keys,
    group_links,
    score_pairs,
)
from .refresh import (
    RefreshResult,
    _chunks,
    _forget_tombstones,
    _store,
    finish_refresh,
    plan_refresh,
)

Pairs = np.ndarray


def fanout_partitions() -> int:
    """How many partitions a database refresh is cut into; 1 scores in the calling process."""
    return max(1, int(settings.DEALERCRM.get("MATCHING_FANOUT_PARTITIONS", 1)))


# ---------------------------------------------------------------------------
# Partitions: pure functions, no database
# ---------------------------------------------------------------------------


def partition_pairs(pairs: Pairs, partitions: int) -> list[Pairs]:
    """The candidate pairs (candidate_array: sorted, each pair once, however many blocks it
    shares) cut into `partitions` contiguous slices of near-equal size, as find_matches
    cuts them for its forked workers: every pair lands in exactly one partition, so none is
    scored twice and the union is the single-process set."""
    return [np.asarray(part) for part in np.array_split(pairs, max(1, partitions))]


def partition_payload(features: Sequence[Features], pairs: Pairs, ctx: Context) -> dict[str, Any]:
    """What a worker needs to score `pairs`: the features of the records they name (in
    index order, so each pair keeps its orientation), the pairs renumbered to them, and the
    counts those records' values have in the whole run."""
    members = np.unique(pairs.ravel()) if len(pairs) else np.zeros(0, np.int64)
    local = np.searchsorted(members, pairs) if len(pairs) else np.zeros((0, 2), np.int64)
    chosen = [features[i] for i in members.tolist()]
    counts: dict[str, int] = {}
    for f in chosen:
        for key in count_keys(f):
            if ctx.counts.get(key):
                counts[key] = ctx.counts[key]
    return {
        "features": [f.as_dict() for f in chosen],
        "pairs": local.tolist(),
        "counts": counts,
    }


def score_payload(payload: dict[str, Any], *, threshold: float = DEFAULT_THRESHOLD) -> list[Match]:
    """The pairs of one partition worth showing: the engine's bulk bound, then its exact
    comparison, as find_matches scores a chunk."""
    features = [Features.from_dict(data) for data in payload["features"]]
    for index, f in enumerate(features):
        f.index = index
    pairs = np.asarray(payload["pairs"], dtype=np.int64).reshape(-1, 2)
    return score_pairs(features, pairs, Context(Counter(payload["counts"])), threshold=threshold)


def match_to_json(match: Match) -> list[Any]:
    """A match exactly as scored (full-precision weights, parameters in their order)."""
    reasons = [[r.code, r.weight, [list(p) for p in r.params]] for r in match.reasons]
    return [match.left_id, match.right_id, match.score, match.kind, reasons]


def match_from_json(data: list[Any]) -> Match:
    left, right, score, kind, reasons = data
    return Match(
        str(left),
        str(right),
        float(score),
        str(kind),
        tuple(
            Reason(str(code), float(weight), tuple((str(k), str(v)) for k, v in params))
            for code, weight, params in reasons
        ),
    )


def merge_matches(results: Sequence[Sequence[Match]]) -> list[Match]:
    """The partitions' matches as find_matches returns them: best first, each pair once
    (the first kept should a pair ever come twice, so a merge never depends on order)."""
    seen: set[tuple[str, str]] = set()
    out: list[Match] = []
    everything = [m for part in results for m in part]
    everything.sort(key=lambda m: (-m.score, m.left_id, m.right_id, repr(m.reasons)))
    for match in everything:
        pair = (match.left_id, match.right_id)
        if pair not in seen:
            seen.add(pair)
            out.append(match)
    return out


# ---------------------------------------------------------------------------
# The run: coordinator, partitions, merge
# ---------------------------------------------------------------------------


def fanout_start(
    *,
    actor: roles.Actor,
    partitions: int,
    full: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Progress | None = None,
    report_progress: bool = False,
) -> FanoutRun:
    """Prepare a refresh and queue its partitions (on commit); the merge writes the queue."""
    roles.require(roles.can_refresh_duplicates, actor)
    with transaction.atomic():
        plan = plan_refresh(full=full, progress=progress)
        result = plan.result
        if plan.changed:
            pairs = candidate_array(plan.features, only=plan.only, stats=result.stats)
        else:
            pairs = np.zeros((0, 2), np.int64)
        if progress:
            progress("block", len(pairs), 0)
        parts = partition_pairs(pairs, partitions)
        payloads = [partition_payload(plan.features, part, plan.ctx) for part in parts]
        # What the merge writes besides the queue, shared out so that no row holds it all:
        # the changed customers' features (their keys and states) and, with each partition,
        # the fingerprints of the customers its pairs name.
        changed = [[pk, fp, f.as_dict()] for pk, _r, f, fp in plan.changed]
        for payload, share in zip(payloads, _shares(changed, len(payloads)), strict=True):
            payload["changed"] = share
            payload["fingerprints"] = {
                f["id"]: plan.fingerprints[int(f["id"])] for f in payload["features"]
            }
        staged = {
            "threshold": threshold,
            "customers": result.customers,
            "changed": result.changed,
            "neighbours": result.neighbours,
            "stats": asdict(result.stats),
        }
        # The keys and states are written by the merge, with the queue and the run, so a
        # run that fails half way leaves the next one everything to redo.
        transaction.set_rollback(True)
    with transaction.atomic():
        run = FanoutRun.objects.create(
            started_at=plan.started_at,
            actor_id=getattr(actor, "pk", None),
            full=plan.full,
            partitions=len(payloads),
            report_progress=report_progress,
            plan=staged,
        )
        FanoutPartition.objects.bulk_create(
            FanoutPartition(run=run, index=index, payload=payload)
            for index, payload in enumerate(payloads)
        )
        transaction.on_commit(lambda: _queue_partitions(run.pk, len(payloads)))
    return run


def _shares(items: list[Any], n: int) -> list[list[Any]]:
    """`items` cut as partition_pairs cuts the pairs: n contiguous, near-equal slices."""
    return [[items[i] for i in part.tolist()] for part in np.array_split(np.arange(len(items)), n)]


def _queue_partitions(run_id: int, partitions: int) -> None:
    from celery import group

    from customers.tasks import score_duplicates_partition_task

    group(score_duplicates_partition_task.si(run_id, index) for index in range(partitions)).delay()


def _report(run: FanoutRun, **state: Any) -> None:
    if run.report_progress:
        from .refresh_jobs import set_state

        set_state(**state)


def partition_score(*, run_id: int, index: int, worker: str = "") -> bool:
    """Score one partition and store its matches (overwriting a retried attempt's); the
    last partition to finish queues the merge. False if the run is gone or over."""
    part = FanoutPartition.objects.select_related("run").filter(run_id=run_id, index=index).first()
    if part is None or part.run.state in {FanoutRun.State.DONE, FanoutRun.State.FAILED}:
        return False
    run = part.run
    matches = score_payload(part.payload, threshold=float(run.plan["threshold"]))
    FanoutPartition.objects.filter(pk=part.pk).update(
        result=[match_to_json(m) for m in matches], worker=worker, finished_at=timezone.now()
    )
    # Counted after this partition's result is committed: of two finishing at once, the
    # later sees both; the claim lets one of them queue the merge.
    done = FanoutPartition.objects.filter(run_id=run_id, finished_at__isnull=False).count()
    if done < run.partitions:
        from .refresh_jobs import RUNNING

        _report(run, state=RUNNING, step="score", done=done, total=run.partitions)
        return True
    claimed = FanoutRun.objects.filter(pk=run_id, state=FanoutRun.State.SCORING).update(
        state=FanoutRun.State.MERGING
    )
    # A redelivered last partition (its worker lost after the claim) queues it again: the
    # merge runs once, whoever asks.
    if claimed or FanoutRun.objects.filter(pk=run_id, state=FanoutRun.State.MERGING).exists():
        from customers.tasks import merge_duplicates_partitions_task

        transaction.on_commit(lambda: merge_duplicates_partitions_task.delay(run_id))
    return True


def group_payloads(
    payloads: Sequence[dict[str, Any]],
    matches: list[Match],
    *,
    only: set[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Match]:
    """The merged matches with the pairs their groups imply, as find_matches adds them: the
    features come from the partitions' payloads (each keeps its run-wide index, so pairs
    keep their orientation), the counts of their values from the payloads' run-wide counts."""
    counts: Counter[str] = Counter()
    for payload in payloads:
        # the same run-wide count in every payload that names the value: set, not added
        for key, count in payload["counts"].items():
            counts[key] = count

    def features(ids: Iterable[str]) -> dict[str, Features]:
        wanted = set(ids)
        found: dict[str, Features] = {}
        for payload in payloads:
            for data in payload["features"]:
                if data["id"] in wanted and data["id"] not in found:
                    found[data["id"]] = Features.from_dict(data)
        return found

    return group_links(matches, features, Context(counts), only=only, threshold=threshold)


def fanout_merge(*, run_id: int) -> RefreshResult | None:
    """Write the queue from every partition's matches, as the single-process refresh does;
    None if the run is gone, already merged or failed."""
    with transaction.atomic():
        run = FanoutRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.state != FanoutRun.State.MERGING:
            return None
        parts = list(run.partition_rows.order_by("index"))
        if len(parts) != run.partitions or any(p.finished_at is None for p in parts):
            raise RuntimeError(f"duplicate search {run_id}: a partition has no result")
        matches = merge_matches([[match_from_json(m) for m in p.result or []] for p in parts])
        staged = run.plan
        changed = [
            (int(pk), None, Features.from_dict(f), fp)
            for p in parts
            for pk, fp, f in p.payload["changed"]
        ]
        fingerprints = {int(pk): fp for p in parts for pk, fp in p.payload["fingerprints"].items()}
        fingerprints.update((pk, fp) for pk, _r, _f, fp in changed)
        # Customers merged or deleted while the partitions ran are no one's pair.
        named = {pk for pk, *_ in changed} | {int(m.left_id) for m in matches}
        named |= {int(m.right_id) for m in matches}
        alive = _alive(named)
        changed = [c for c in changed if c[0] in alive]
        matches = [m for m in matches if int(m.left_id) in alive and int(m.right_id) in alive]
        only = None if run.full else {str(pk) for pk, *_ in changed}
        matches = group_payloads(
            [p.payload for p in parts], matches, only=only, threshold=float(run.plan["threshold"])
        )
        _forget_tombstones()
        _store(changed)
        result = RefreshResult(
            full=run.full,
            customers=staged["customers"],
            changed=staged["changed"],
            neighbours=staged["neighbours"],
            stats=BlockStats(**staged["stats"]),
        )
        # The run's seconds count from the coordinator's start.
        since = time.monotonic() - (timezone.now() - run.started_at).total_seconds()
        finish_refresh(
            full=run.full,
            started_at=run.started_at,
            matches=matches,
            changed_ids={pk for pk, *_ in changed},
            fingerprints=fingerprints,
            result=result,
            started=since,
        )
        run.state = FanoutRun.State.DONE
        run.finished_at = timezone.now()
        run.match_run_id = result.run_id
        run.plan = {**staged, "workers": sorted({p.worker for p in parts if p.worker})}
        run.save(update_fields=["state", "finished_at", "match_run", "plan"])
        # The payloads can be large; the run row keeps what was done.
        run.partition_rows.all().delete()
    if run.report_progress:
        from .refresh_jobs import report_done

        report_done(result)
    return result


def _alive(ids: set[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        found.update(Customer.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    return found


def fanout_fail(*, run_id: int) -> None:
    """A partition or the merge gave up: the run is over, the button free again."""
    run = FanoutRun.objects.filter(pk=run_id).first()
    updated = FanoutRun.objects.filter(
        pk=run_id, state__in=[FanoutRun.State.SCORING, FanoutRun.State.MERGING]
    ).update(state=FanoutRun.State.FAILED, finished_at=timezone.now())
    # The staged payloads are of no use any more (the next run starts afresh).
    FanoutPartition.objects.filter(run_id=run_id).delete()
    if run is not None and updated:
        from .refresh_jobs import FAILED

        _report(run, state=FAILED)


def refresh_or_fan_out(
    *,
    actor: roles.Actor,
    full: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Progress | None = None,
    report_progress: bool = False,
    partitions: int | None = None,
) -> RefreshResult | None:
    """The database refresh as configured: in this process (one partition), or fanned out
    (None: the queue is written later, by the merge)."""
    from .refresh import duplicates_refresh

    partitions = fanout_partitions() if partitions is None else partitions
    if partitions <= 1:
        return duplicates_refresh(actor=actor, full=full, threshold=threshold, progress=progress)
    fanout_start(
        actor=actor,
        partitions=partitions,
        full=full,
        threshold=threshold,
        progress=progress,
        report_progress=report_progress,
    )
    return None
