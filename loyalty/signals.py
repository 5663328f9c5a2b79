"""A machine bought from us was saved: queue the credits it may earn, after the commit.

The receiver saves nothing itself; the task calls loyalty.services.credits_sync as the
system actor, and the ledger's unique key makes a repeated save (or a repeated task) a
no-op. Nothing is queued when the transaction rolls back.
"""

from __future__ import annotations

from typing import Any

from customers.models import Machine


def machine_saved(sender: Any, instance: Machine, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.source != Machine.Source.FROM_US:
        return
    from .selectors import may_earn_credits
    from .tasks import sync_customer_credits_task

    # Most buyers hold no card and were brought by nobody who does: no task for them.
    if may_earn_credits(instance.customer_id):
        sync_customer_credits_task.delay_on_commit(instance.customer_id)
