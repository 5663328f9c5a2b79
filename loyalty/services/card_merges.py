"""Two duplicates that each hold a gold card: the merge asks which card to keep.

A customer holds one live (active or suspended) card at most, so the two cards cannot both
end up on the kept customer. customers.matching.merge asks loyalty through the
customers.signals merge protocol (loyalty.signals answers it):

- the question `keep_card`, with both cards shown (number, state, issue date, the holder's
  credit balance and manager), whenever both customers hold a live card;
- the answer carried out before any row moves: the card not kept is revoked through the
  card's own life (gold_card_revoke: a revocation event dated today, with the reason
  "合并重复客户：保留卡 JK…"), then the merge moves the cards (the revoked one too, as
  history) and writes is_gold_card for the cards as they stand;
- the undo: the revoked card is live again, as it was (gold_card_revoke_undo).

Credits are the customer's, not the card's (LedgerEntry.customer): the merge moves both
dossiers' ledger rows to the kept customer, so his balance is the sum of both and the kept
card redeems all of it; nothing is forfeited or transferred by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.signals import MergeOption, MergeQuestion
from dealercrm import roles
from dealercrm.templatetags.dealercrm import money, person

from ..models import GoldCard
from ..selectors.cards import balance_of, live_card
from .cards import gold_card_revoke, gold_card_revoke_undo

KEEP_CARD = "keep_card"


def merge_reason(kept: GoldCard) -> str:
    """The revocation's reason, on the card not kept."""
    return _("Merged duplicate customers: card %(number)s kept") % {"number": kept.number}


def _label(field: str) -> str:
    return str(capfirst(GoldCard._meta.get_field(field).verbose_name))  # type: ignore[union-attr]


def _option(card: GoldCard, holder: Customer, other: GoldCard, *, kept: bool) -> MergeOption:
    whose = (
        _("%(name)s (#%(pk)s), the kept customer")
        if kept
        else _("%(name)s (#%(pk)s), the customer merged into it")
    )
    return MergeOption(
        value=card.pk,
        label=card.number,
        facts=(
            (_("Holder"), whose % {"name": holder.name, "pk": holder.pk}),
            (_label("state"), str(card.get_state_display())),
            (_label("issued_on"), card.issued_on.isoformat()),
            (_("Credit balance (CNY)"), money(balance_of(holder.pk))),
            (
                str(capfirst(Customer._meta.get_field("manager").verbose_name)),
                person(holder.manager),
            ),
        ),
        effect=_("Card %(other)s is revoked: “%(reason)s”.")
        % {"other": other.number, "reason": merge_reason(card)},
    )


def card_question(survivor: Customer, loser: Customer) -> MergeQuestion | None:
    """`keep_card`, when both customers hold a live card."""
    mine, theirs = live_card(survivor), live_card(loser)
    if mine is None or theirs is None:
        return None
    return MergeQuestion(
        key=KEEP_CARD,
        label=_("Gold card to keep"),
        help=_(
            "Both customers hold a gold card and a customer holds one at most: choose the "
            "card to keep; the other is revoked, with the reason, and stays in the history. "
            "The credits of both stay with the kept customer."
        ),
        options=(
            _option(mine, survivor, theirs, kept=True),
            _option(theirs, loser, mine, kept=False),
        ),
    )


def keep_card(
    *, actor: roles.Actor, survivor: Customer, loser: Customer, keep: Any
) -> dict[str, Any]:
    """Revoke the card not kept (before the merge moves the rows). Answers what the merge
    record keeps: the effect as the archivist reads it, and what the undo needs."""
    kept = GoldCard.objects.get(pk=keep, customer__in=[survivor, loser])
    other = live_card(loser if kept.customer_id == survivor.pk else survivor)
    assert other is not None  # noqa: S101 -- the question is asked only then
    state, updated_at = other.state, other.updated_at
    reason = merge_reason(kept)
    revoked = gold_card_revoke(actor=actor, card=other, reason=reason, holder_follows=False)
    event = revoked.events.order_by("-id").first()
    assert event is not None  # noqa: S101 -- the revocation just wrote it
    return {
        "effect": _("Card %(kept)s kept; card %(other)s revoked: “%(reason)s”.")
        % {"kept": kept.number, "other": revoked.number, "reason": reason},
        "kept": kept.pk,
        "revoked": revoked.pk,
        "event": event.pk,
        "state": state,
        "updated_at": updated_at.isoformat(),
    }


def keep_card_undo(*, actor: roles.Actor, done: Mapping[str, Any]) -> list[str]:
    """The card the merge revoked is live again, as it was."""
    note = gold_card_revoke_undo(
        actor=actor,
        card_id=done["revoked"],
        event_id=done["event"],
        state=done["state"],
        updated_at=dt.datetime.fromisoformat(done["updated_at"]),
    )
    return [note] if note else []
