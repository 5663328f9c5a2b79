"""The archivist's "look for duplicates now" button (issue 17): the refresh runs as a Celery
task (customers.refresh_duplicates) and reports its progress in the cache, where the review
queue's page reads it. One refresh at a time: a second click while one is queued or
running changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from dealercrm import roles

if TYPE_CHECKING:
    from .refresh import RefreshResult

STATE_KEY = "customers:duplicates-refresh"
# A refresh that stops reporting for this long (a worker killed) no longer blocks the button.
STALE_SECONDS = 30 * 60

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def refresh_state() -> dict[str, Any]:
    """{"state", "step", "done", "total", "proposed", "finished_at"}; state "" if none yet."""
    return cache.get(STATE_KEY) or {"state": ""}


def set_state(**state: Any) -> None:
    cache.set(STATE_KEY, {**state, "at": timezone.now().isoformat()}, STALE_SECONDS)


_set = set_state


def report_done(result: RefreshResult) -> None:
    set_state(
        state=DONE,
        proposed=result.proposed,
        relatives=result.relatives,
        changed=result.changed,
        finished_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    )


def refresh_start(*, actor: roles.Actor) -> bool:
    """Queue a refresh of the review queue; False when one is already queued or running."""
    roles.require(roles.can_refresh_duplicates, actor)
    from customers.tasks import refresh_duplicates_task

    if not cache.add(STATE_KEY, {"state": QUEUED, "at": timezone.now().isoformat()}, STALE_SECONDS):
        if refresh_state().get("state") in {QUEUED, RUNNING}:
            return False
        _set(state=QUEUED)
    transaction.on_commit(lambda: refresh_duplicates_task.delay(actor.pk))
    return True


def refresh_run(*, actor: roles.Actor) -> int:
    """The task's body: the incremental refresh, its progress in the cache. Fanned out
    (MATCHING_FANOUT_PARTITIONS > 1), the partitions and the merge report the rest."""
    from .fanout import refresh_or_fan_out

    roles.require(roles.can_refresh_duplicates, actor)
    _set(state=RUNNING, step="", done=0, total=0)

    def progress(step: str, done: int, total: int) -> None:
        _set(state=RUNNING, step=step, done=done, total=total)

    try:
        result = refresh_or_fan_out(actor=actor, progress=progress, report_progress=True)
    except Exception:
        _set(state=FAILED)
        raise
    if result is None:
        return 0
    report_done(result)
    return result.proposed
