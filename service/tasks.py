"""Celery tasks of the service desk: thin, idempotent, acting as the system actor."""

from __future__ import annotations

from celery import shared_task

from dealercrm.jobs import system_actor

from . import services


@shared_task(name="service.refresh_maintenance_forecasts")
def refresh_maintenance_forecasts_task() -> int:
    """Every night, 02:30: every machine's forecast recomputed (safe to run twice: it
    replaces the derived rows). Picks up machines whose model was edited on the dossier."""
    return services.maintenance_forecasts_refresh(actor=system_actor()).machines
