"""Customer.last_contacted_at: the newest contact log's time, kept by this app (it owns the
logs) so that "at risk" is an indexed comparison. The contact log's signals call it, and so
does the answer to customers.signals.customer_rows_settled (a merge or unmerge moved logs
in bulk)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Subquery

from customers.models import Customer

from ..models import ContactLog


def refresh_last_contacted(customer_ids: Iterable[Any]) -> int:
    """Set each customer's `last_contacted_at` to his newest contact log (or none): called
    by the contact log's signals, and after merge/unmerge, which move logs in bulk. A derived
    value, not an edit: no history row, no actor, `updated_at` untouched."""
    ids = {pk for pk in customer_ids if pk is not None}
    if not ids:
        return 0
    latest = (
        ContactLog.objects.filter(customer=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    return Customer.all_objects.filter(pk__in=ids).update(last_contacted_at=Subquery(latest))
