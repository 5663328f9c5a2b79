"""Issue 17, part 3: the database refresh fanned out over Celery workers (eager here; the
test with two real workers is test_matching_fanout_workers.py). The partitions hold every
candidate pair once, and the queue they write is the single-process refresh's, pair for pair,
score for score, reason for reason."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction

from customers import services as dossier
from customers.matching import fanout, refresh_jobs
from customers.matching.candidates import (
    Context,
    candidate_array,
    candidate_pairs,
    find_matches,
    prepare_all,
)
from customers.matching.refresh import duplicates_refresh
from customers.models import (
    Customer,
    DuplicateCandidate,
    FanoutPartition,
    FanoutRun,
    MatchRun,
    MatchState,
)
from customers.tasks import merge_duplicates_partitions_task, score_duplicates_partition_task
from dealercrm.jobs import system_actor
from tests.customers.fanout_archive import matcher_state, queue_rows, reset_matcher, seed_archive
from tests.customers.test_matching_bulk import LATIN, _records

# ---------------------------------------------------------------------------
# Partitions, without the database
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine_set():
    features = prepare_all(_records(1500, 5) + LATIN)
    return features, Context.build(features)


@pytest.mark.parametrize("partitions", [1, 2, 3, 7])
def test_every_candidate_pair_lands_in_exactly_one_partition(engine_set, partitions):
    features, _ctx = engine_set
    single = candidate_pairs(features)
    parts = fanout.partition_pairs(candidate_array(features), partitions)
    assert len(parts) == partitions
    seen = [tuple(p) for part in parts for p in part.tolist()]
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(single)
    sizes = [len(part) for part in parts]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_partitions_scored_apart_give_the_single_process_matches(engine_set, partitions):
    features, ctx = engine_set
    single = find_matches(features, ctx=ctx)
    payloads = [
        fanout.partition_payload(features, part, ctx)
        for part in fanout.partition_pairs(candidate_array(features), partitions)
    ]
    # Each payload carries only the records its pairs name, and goes through JSON.
    assert all(len(p["features"]) < len(features) for p in payloads if partitions > 1)
    scored = [
        [fanout.match_from_json(fanout.match_to_json(m)) for m in fanout.score_payload(p)]
        for p in payloads
    ]
    # Pairs implied by groups (刘文才 / 刘文财 / 老刘) are added after the merge, from the
    # payloads' features and counts alone.
    assert any(r.code == "group" for m in single for r in m.reasons)
    merged = fanout.group_payloads(payloads, fanout.merge_matches(scored))
    assert single and merged == single


def test_merging_keeps_one_of_a_pair_reported_twice(engine_set):
    features, ctx = engine_set
    single = find_matches(features, ctx=ctx)
    assert fanout.merge_matches([single, single[:5], list(reversed(single))]) == single


def test_an_empty_partition_scores_nothing(engine_set):
    features, ctx = engine_set
    payload = fanout.partition_payload(features, np.zeros((0, 2), np.int64), ctx)
    assert payload == {"features": [], "pairs": [], "counts": {}}
    assert fanout.score_payload(payload) == []


# ---------------------------------------------------------------------------
# The run on the database, Celery eager
# ---------------------------------------------------------------------------


@pytest.fixture
def archive(db):
    return seed_archive(80, 11)


@pytest.fixture
def retries_run_eagerly():
    """Eager Celery runs a retry at once, unless an attempt's exception propagates."""
    from dealercrm.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


def _fan_out(capture, partitions: int = 3, **kwargs) -> FanoutRun:
    with capture(execute=True):
        run = fanout.fanout_start(actor=system_actor(), partitions=partitions, **kwargs)
    run.refresh_from_db()
    return run


@pytest.mark.django_db
@pytest.mark.parametrize("partitions", [2, 3, 5])
def test_a_full_fanned_out_run_writes_the_single_process_queue(
    archive, django_capture_on_commit_callbacks, partitions
):
    duplicates_refresh(actor=system_actor(), full=True)
    single = matcher_state()
    assert any(kind == "duplicate" for _l, _h, _s, kind, *_ in single[0])
    assert any(kind == "relatives" for _l, _h, _s, kind, *_ in single[0])
    assert any(r["code"] == "group" for *_x, reasons, _st in single[0] for r in reasons)
    reset_matcher()

    run = _fan_out(django_capture_on_commit_callbacks, partitions, full=True)

    assert run.state == FanoutRun.State.DONE and run.partitions == partitions
    assert matcher_state() == single
    assert run.match_run == MatchRun.objects.get()
    assert not FanoutPartition.objects.exists()  # the payloads are gone with the run


@pytest.mark.django_db
def test_an_incremental_fanned_out_run_writes_the_single_process_queue(
    archive, django_capture_on_commit_callbacks, archivist
):
    duplicates_refresh(actor=system_actor(), full=True)
    # given: a dismissed pair, an edited customer and a new one (a homophone of him)
    dismissed = DuplicateCandidate.objects.order_by("pk").first()
    DuplicateCandidate.objects.filter(pk=dismissed.pk).update(status="dismissed")
    edited = archive[3]
    dossier.customer_update(actor=archivist, customer=edited, data={"address": "费县探沂镇王庄村"})
    Customer.objects.create(name="王建果", address="费县探沂镇王庄村", birth_year=1960)
    # when: the single-process run, rolled back, then the fanned-out one
    with transaction.atomic():
        result = duplicates_refresh(actor=system_actor())
        single = matcher_state()
        transaction.set_rollback(True)
    assert not result.full and result.changed == 2
    run = _fan_out(django_capture_on_commit_callbacks, 3)
    # then
    assert not run.full and run.state == FanoutRun.State.DONE
    assert matcher_state() == single


@pytest.mark.django_db
def test_a_run_with_nothing_changed_changes_nothing(archive, django_capture_on_commit_callbacks):
    duplicates_refresh(actor=system_actor(), full=True)
    before = queue_rows()
    run = _fan_out(django_capture_on_commit_callbacks, 4)
    assert run.state == FanoutRun.State.DONE
    assert queue_rows() == before
    assert MatchRun.objects.count() == 2


@pytest.mark.django_db
def test_a_retried_partition_and_a_second_merge_count_once(
    archive, django_capture_on_commit_callbacks, monkeypatch
):
    duplicates_refresh(actor=system_actor(), full=True)
    single = queue_rows()
    reset_matcher()
    merges = []
    monkeypatch.setattr(
        "customers.tasks.merge_duplicates_partitions_task.delay", lambda *a: merges.append(a)
    )
    with django_capture_on_commit_callbacks(execute=False):
        run = fanout.fanout_start(actor=system_actor(), partitions=3, full=True)
    # given: every partition scored, the first one twice (a worker lost after it wrote)
    assert fanout.partition_score(run_id=run.pk, index=0) is True
    first = FanoutPartition.objects.get(run=run, index=0).result
    with django_capture_on_commit_callbacks(execute=True):
        for index in (0, 1, 2, 2):
            assert fanout.partition_score(run_id=run.pk, index=index) is True
    assert FanoutPartition.objects.get(run=run, index=0).result == first
    run.refresh_from_db()
    assert run.state == FanoutRun.State.MERGING
    assert merges == [(run.pk,), (run.pk,)]  # the claim, then the redelivered last partition
    # when: the merge runs twice
    assert fanout.fanout_merge(run_id=run.pk) is not None
    assert fanout.fanout_merge(run_id=run.pk) is None
    # then: one queue, one run, and a late partition changes nothing
    assert queue_rows() == single
    assert MatchRun.objects.count() == 1
    assert fanout.partition_score(run_id=run.pk, index=1) is False


@pytest.mark.django_db
def test_a_partition_failing_once_is_retried_and_the_queue_is_the_same(
    archive, django_capture_on_commit_callbacks, monkeypatch, retries_run_eagerly
):
    duplicates_refresh(actor=system_actor(), full=True)
    single = queue_rows()
    reset_matcher()
    real = fanout.score_payload
    calls = []

    def flaky(payload, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("worker lost its database")
        return real(payload, **kwargs)

    monkeypatch.setattr(fanout, "score_payload", flaky)
    with django_capture_on_commit_callbacks(execute=False):
        run = fanout.fanout_start(actor=system_actor(), partitions=3, full=True)
    # when: the second partition's first attempt fails (eager: its retry runs at once)
    with django_capture_on_commit_callbacks(execute=True):
        attempts = [
            score_duplicates_partition_task.apply(args=(run.pk, index), throw=False)
            for index in range(3)
        ]
    # then: the retry scored it once; the last partition queued the merge, which wrote the
    # single-process queue
    assert [a.state for a in attempts] == ["SUCCESS"] * 3 and len(calls) == 4
    run.refresh_from_db()
    assert run.state == FanoutRun.State.DONE
    assert queue_rows() == single


@pytest.mark.django_db
def test_a_partition_failing_for_good_fails_the_run_and_frees_the_button(
    archive, django_capture_on_commit_callbacks, monkeypatch, archivist, retries_run_eagerly
):
    def broken(payload, **kwargs):
        raise ValueError("bad payload")

    monkeypatch.setattr(fanout, "score_payload", broken)
    cache.delete(refresh_jobs.STATE_KEY)
    with django_capture_on_commit_callbacks(execute=False):
        run = fanout.fanout_start(actor=archivist, partitions=2, full=True, report_progress=True)
    attempt = score_duplicates_partition_task.apply(args=(run.pk, 0), throw=False)
    assert attempt.state == "FAILURE" and isinstance(attempt.result, ValueError)
    run.refresh_from_db()
    assert run.state == FanoutRun.State.FAILED
    assert refresh_jobs.refresh_state()["state"] == refresh_jobs.FAILED
    assert not DuplicateCandidate.objects.exists() and not MatchRun.objects.exists()
    assert not MatchState.objects.exists()  # the next run redoes everything
    assert fanout.partition_score(run_id=run.pk, index=1) is False
    cache.delete(refresh_jobs.STATE_KEY)


@pytest.mark.django_db
def test_the_button_fans_out_when_configured_and_reports_done(
    archive, client, archivist, settings, django_capture_on_commit_callbacks
):
    settings.DEALERCRM = {**settings.DEALERCRM, "MATCHING_FANOUT_PARTITIONS": 3}
    cache.delete(refresh_jobs.STATE_KEY)
    client.force_login(archivist)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/customers/duplicates/refresh/").status_code == 302
    run = FanoutRun.objects.get()
    assert run.state == FanoutRun.State.DONE and run.report_progress
    state = client.get("/customers/duplicates/refresh/progress/").json()
    assert state["state"] == "done" and state["running"] is False
    assert refresh_jobs.refresh_state()["proposed"] == MatchRun.objects.get().proposed > 0
    cache.delete(refresh_jobs.STATE_KEY)


@pytest.mark.django_db
def test_one_partition_is_the_single_process_refresh(archive, settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "MATCHING_FANOUT_PARTITIONS": 1}
    result = fanout.refresh_or_fan_out(actor=system_actor(), full=True)
    assert result is not None and result.proposed > 0
    assert not FanoutRun.objects.exists()


@pytest.mark.django_db
def test_the_merge_task_retries_then_marks_the_run_failed(archive, retries_run_eagerly):
    run = fanout.fanout_start(actor=system_actor(), partitions=2, full=True)
    FanoutRun.objects.filter(pk=run.pk).update(state=FanoutRun.State.MERGING)
    attempt = merge_duplicates_partitions_task.apply(args=(run.pk,), throw=False)
    assert attempt.state == "FAILURE"  # no partition has a result, however often it tries
    run.refresh_from_db()
    assert run.state == FanoutRun.State.FAILED


@pytest.mark.django_db
def test_the_command_fans_out_with_partitions(archive, django_capture_on_commit_callbacks):
    duplicates_refresh(actor=system_actor(), full=True)
    single = queue_rows()
    reset_matcher()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("find_duplicates", "--partitions", "3", "--full", stdout=out, stderr=out)
    assert "3 partitions queued" in out.getvalue()
    assert FanoutRun.objects.get().state == FanoutRun.State.DONE
    assert queue_rows() == single
    with pytest.raises(CommandError):
        call_command("find_duplicates", "--partitions", "0")
