"""What loyalty hears from the customers app.

A machine bought from us was saved: queue the credits it may earn, after the commit. The
receiver saves nothing itself; the task calls loyalty.services.credits_sync as the system
actor, and the ledger's unique key makes a repeated save (or a repeated task) a no-op.
Nothing is queued when the transaction rolls back.

A merge or unmerge moved rows (gold cards among them) between customers: answer what each
customer's is_gold_card is now; the merge writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from customers.models import Customer, Machine


def machine_saved(sender: Any, instance: Machine, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.source != Machine.Source.FROM_US:
        return
    from .selectors import may_earn_credits
    from .tasks import sync_customer_credits_task

    # Most buyers hold no card and were brought by nobody who does: no task for them.
    if may_earn_credits(instance.customer_id):
        sync_customer_credits_task.delay_on_commit(instance.customer_id)


def customer_rows_moved(
    sender: Any, customers: Sequence[Customer], **kwargs: Any
) -> dict[Any, dict[str, Any]]:
    from .services.cards import gold_flags

    flags = gold_flags(c.pk for c in customers)
    return {pk: {"is_gold_card": flag} for pk, flag in flags.items()}
