"""Scheduled work of the customers app: thin, idempotent, acting as the system actor."""

from __future__ import annotations

from celery import Task, shared_task

from dealercrm.jobs import system_actor


@shared_task(name="customers.find_duplicates")
def find_duplicates_task(full: bool = False) -> int:
    """Nightly: bring the archivist's duplicate queue up to date (only customers changed
    since the last run are re-blocked). Returns how many pairs are proposed (0 when fanned
    out over the workers: the merge writes the queue)."""
    from customers.matching.fanout import refresh_or_fan_out

    result = refresh_or_fan_out(actor=system_actor(), full=full)
    return result.proposed if result else 0


def _import_task(batch_id: int, user_id: int, language: str, service: str) -> bool:
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from customers.importing import services
    from customers.models import ImportBatch

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    actor = get_user_model().objects.filter(pk=user_id).first()
    if batch is None or actor is None:
        return False
    with translation.override(language or None):
        getattr(services, service)(actor=actor, batch=batch)
    return True


@shared_task(name="customers.import_check")
def import_check_task(batch_id: int, user_id: int, language: str = "") -> bool:
    """The dry run of an import, as the archivist who started it."""
    return _import_task(batch_id, user_id, language, "import_check_guarded")


@shared_task(name="customers.import_commit")
def import_commit_task(batch_id: int, user_id: int, language: str = "") -> bool:
    """The all-or-nothing commit of an import, as the archivist who started it."""
    return _import_task(batch_id, user_id, language, "import_commit_guarded")


@shared_task(name="customers.refresh_duplicates")
def refresh_duplicates_task(user_id: int) -> int:
    """The archivist's "look for duplicates now": the incremental refresh, as her."""
    from django.contrib.auth import get_user_model

    from customers.matching.refresh_jobs import refresh_run

    actor = get_user_model().objects.filter(pk=user_id).first()
    if actor is None:
        return 0
    return refresh_run(actor=actor)


# Issue 17: a refresh fanned out over the workers (MATCHING_FANOUT_PARTITIONS > 1). A
# partition's result overwrites a retried attempt's, and the merge runs once (a claimed
# state), so both are safe to run twice; after the last retry the run is marked failed.
@shared_task(name="customers.score_duplicates_partition", bind=True, max_retries=3)
def score_duplicates_partition_task(self: Task, run_id: int, index: int) -> bool:
    """Score one partition of a fanned-out duplicate search."""
    from customers.matching import fanout

    try:
        return fanout.partition_score(
            run_id=run_id, index=index, worker=str(self.request.hostname or "")
        )
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            fanout.fanout_fail(run_id=run_id)
            raise
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


@shared_task(name="customers.merge_duplicates_partitions", bind=True, max_retries=3)
def merge_duplicates_partitions_task(self: Task, run_id: int) -> int:
    """Write the review queue from a fanned-out search's partitions."""
    from customers.matching import fanout

    try:
        result = fanout.fanout_merge(run_id=run_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            fanout.fanout_fail(run_id=run_id)
            raise
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    return result.proposed if result else 0
