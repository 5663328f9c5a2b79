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
