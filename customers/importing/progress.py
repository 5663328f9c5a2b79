"""Live progress of a running import. The commit runs in one transaction, so its progress
cannot be read from the batch row by anyone else: it goes through the cache (Redis when
configured, where the worker and the web process share it)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

TIMEOUT = 6 * 3600


def _key(batch_id: int) -> str:
    return f"customers:import:{batch_id}:progress"


def report(batch_id: int, phase: str, done: int, total: int) -> None:
    cache.set(_key(batch_id), {"phase": phase, "done": done, "total": total}, TIMEOUT)


def clear(batch_id: int) -> None:
    cache.delete(_key(batch_id))


def read(batch: Any) -> dict[str, Any]:
    """{status, phase, done, total, percent} for the progress bar."""
    live = cache.get(_key(batch.pk)) if batch.is_running else None
    phase = live["phase"] if live else batch.phase
    done = live["done"] if live else batch.progress_done
    total = live["total"] if live else batch.progress_total
    percent = min(100, round(100 * done / total)) if total else 0
    return {
        "status": batch.status,
        "running": batch.is_running,
        "phase": phase,
        "done": done,
        "total": total,
        "percent": percent,
    }
