"""Keep Customer.last_contacted_at true whichever way a contact log is saved or deleted
(services, admin, factories), and when a merge or unmerge moves logs in bulk (customers
announces it with customers.signals.customer_rows_settled; connected in ContactsConfig)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import ContactLog
from .services.last_contact import refresh_last_contacted


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


def customer_rows_settled(sender: Any, customer_ids: Iterable[Any], **kwargs: Any) -> None:
    """A merge or unmerge moved contact logs in bulk (no log signals): the survivor's last
    contact may now be the loser's, and the other way round after an undo."""
    refresh_last_contacted(customer_ids)
