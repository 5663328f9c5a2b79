"""Keep Customer.last_contacted_at true whichever way a contact log is saved or deleted
(services, admin, factories); bulk moves (merge) refresh it themselves."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from customers.services import refresh_last_contacted

from .models import ContactLog


@receiver(pre_save, sender=ContactLog)
def _remember_customer(sender: Any, instance: ContactLog, raw: bool = False, **kwargs: Any) -> None:
    # A log moved to another customer (a correction) leaves the old one to refresh too.
    instance._customer_before = (  # type: ignore[attr-defined]
        ContactLog.objects.filter(pk=instance.pk).values_list("customer_id", flat=True).first()
        if instance.pk and not raw
        else None
    )


@receiver(post_save, sender=ContactLog)
def _log_saved(sender: Any, instance: ContactLog, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    refresh_last_contacted([instance.customer_id, getattr(instance, "_customer_before", None)])


@receiver(post_delete, sender=ContactLog)
def _log_deleted(sender: Any, instance: ContactLog, **kwargs: Any) -> None:
    refresh_last_contacted([instance.customer_id])
