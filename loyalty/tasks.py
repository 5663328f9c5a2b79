"""Celery tasks of the gold-card programme: thin, idempotent, called with ids."""

from __future__ import annotations

from celery import shared_task

from customers.models import Customer
from dealercrm.jobs import system_actor

from . import services


@shared_task(name="loyalty.sync_customer_credits")
def sync_customer_credits_task(customer_id: int) -> int:
    """After a purchase: the buyer's and his referrer's credits (safe to run twice)."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return 0
    return services.credits_sync(actor=system_actor(), customer=customer)


@shared_task(name="loyalty.sync_all_credits")
def sync_all_credits_task() -> int:
    """Nightly: every buyer whose purchases may earn credits (catches anything missed)."""
    return services.credits_sync_all(actor=system_actor())


@shared_task(name="loyalty.compute_tiers")
def compute_tiers_task(month: str | None = None) -> int:
    """1st of the month, 03:00: rank the month just ended (recomputing replaces it)."""
    import datetime as dt

    from django.utils import timezone

    from .services.tiers import tiers_compute

    if month:
        target = dt.date.fromisoformat(month)
    else:
        target = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return tiers_compute(actor=system_actor(), month=target).customers
