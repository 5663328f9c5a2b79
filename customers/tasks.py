"""Scheduled work of the customers app: thin, idempotent, acting as the system actor."""

from __future__ import annotations

from celery import shared_task

from dealercrm.jobs import system_actor


@shared_task(name="customers.find_duplicates")
def find_duplicates_task(full: bool = False) -> int:
    """Nightly: bring the archivist's duplicate queue up to date (only customers changed
    since the last run are re-blocked). Returns how many pairs are proposed."""
    from customers.matching.refresh import duplicates_refresh

    return duplicates_refresh(actor=system_actor(), full=full).proposed
