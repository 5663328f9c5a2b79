"""What loyalty hears from the customers app.

A machine bought from us was saved: queue the credits it may earn, after the commit. The
receiver saves nothing itself; the task calls loyalty.services.credits_sync as the system
actor, and the ledger's unique key makes a repeated save (or a repeated task) a no-op.
Nothing is queued when the transaction rolls back.

A merge or unmerge moved rows (gold cards among them) between customers: answer what each
customer's is_gold_card is now; the merge writes it.

A merge of two customers who each hold a gold card: ask which card to keep, revoke the other
before the rows move, and take the revocation back when the merge is undone; a merge that
would leave a key account holding a card: ask which of the two stays (services.card_merges).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from customers.models import Customer, Machine
from customers.signals import MergeQuestion
from dealercrm import roles


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


def merge_questions(
    sender: Any, survivor: Customer, loser: Customer, **kwargs: Any
) -> list[MergeQuestion]:
    from .services.card_merges import card_question, key_account_question

    asked = [card_question(survivor, loser), key_account_question(survivor, loser)]
    return [q for q in asked if q is not None]


def merge_answered(
    sender: Any,
    actor: roles.Actor,
    survivor: Customer,
    loser: Customer,
    answers: Mapping[str, Any],
    **kwargs: Any,
) -> dict[str, Any]:
    from .services.card_merges import (
        KEEP_CARD,
        KEY_ACCOUNT_CARD,
        keep_card,
        keep_key_account_or_card,
    )

    done: dict[str, Any] = {}
    # The card to keep first: a key account kept then revokes the card that is left.
    if KEEP_CARD in answers:
        done[KEEP_CARD] = keep_card(
            actor=actor, survivor=survivor, loser=loser, keep=answers[KEEP_CARD]
        )
    if KEY_ACCOUNT_CARD in answers:
        done[KEY_ACCOUNT_CARD] = keep_key_account_or_card(
            actor=actor, survivor=survivor, loser=loser, keep=answers[KEY_ACCOUNT_CARD]
        )
    return done


def merge_answer_undone(
    sender: Any, actor: roles.Actor, done: Mapping[str, Any], **kwargs: Any
) -> list[str]:
    from .services.card_merges import (
        KEEP_CARD,
        KEY_ACCOUNT_CARD,
        keep_card_undo,
        keep_key_account_or_card_undo,
    )

    notes: list[str] = []
    # Reversed: the key-account answer was carried out last.
    if KEY_ACCOUNT_CARD in done:
        notes += keep_key_account_or_card_undo(actor=actor, done=done[KEY_ACCOUNT_CARD])
    if KEEP_CARD in done:
        notes += keep_card_undo(actor=actor, done=done[KEEP_CARD])
    return notes
