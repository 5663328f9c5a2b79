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

A key account merged with a customer who holds a live card (seed 000: a key account is
never offered a gold card, and registration refuses one) would leave a key account holding a
card. The merge asks `key_account_card`: keep the key account (every live card of the two is
revoked, with the reason "合并重复客户：大客户不发金卡"; the first option, and what the
preview shows) or keep the gold card (the kept customer's key-account flag is cleared: the
answer asks the merge to clear it, so the merge's own record and undo carry it). The undo
takes the revocations back; the flag comes back with the merge's undo.

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
from django.utils.translation import pgettext

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
    reason = merge_reason(kept)
    revoked = _revoke(actor, other, reason)
    return {
        "effect": _("Card %(kept)s kept; card %(other)s revoked: “%(reason)s”.")
        % {"kept": kept.number, "other": other.number, "reason": reason},
        "kept": kept.pk,
        "revoked": revoked["card"],
        "event": revoked["event"],
        "state": revoked["state"],
        "updated_at": revoked["updated_at"],
    }


def keep_card_undo(*, actor: roles.Actor, done: Mapping[str, Any]) -> list[str]:
    """The card the merge revoked is live again, as it was."""
    note = _restore(actor, {**done, "card": done["revoked"]})
    return [note] if note else []


def _revoke(actor: roles.Actor, card: GoldCard, reason: str) -> dict[str, Any]:
    """Revoke a card for a merge (the holder's flag is the merge's to write); what the undo
    needs to make it live again as it was."""
    state, updated_at = card.state, card.updated_at
    revoked = gold_card_revoke(actor=actor, card=card, reason=reason, holder_follows=False)
    event = revoked.events.order_by("-id").first()
    assert event is not None  # noqa: S101 -- the revocation just wrote it
    return {
        "card": revoked.pk,
        "event": event.pk,
        "state": state,
        "updated_at": updated_at.isoformat(),
    }


def _restore(actor: roles.Actor, revoked: Mapping[str, Any]) -> str:
    """Take back a revocation _revoke made: '' when restored, else why not."""
    return gold_card_revoke_undo(
        actor=actor,
        card_id=revoked["card"],
        event_id=revoked["event"],
        state=revoked["state"],
        updated_at=dt.datetime.fromisoformat(revoked["updated_at"]),
    )


# --- a key account and a gold card -------------------------------------------------------------

KEY_ACCOUNT_CARD = "key_account_card"
KEEP_KEY_ACCOUNT = "key_account"
KEEP_GOLD_CARD = "gold_card"


def key_account_reason() -> str:
    return _("Merged duplicate customers: a key account is not offered a gold card")


def _live_cards(survivor: Customer, loser: Customer) -> list[GoldCard]:
    return [c for c in (live_card(survivor), live_card(loser)) if c is not None]


def _numbers(cards: list[GoldCard]) -> str:
    return pgettext("list separator", ", ").join(c.number for c in cards)


def _flag_label() -> str:
    return str(capfirst(Customer._meta.get_field("is_key_account").verbose_name))


def _cards_revoked(numbers: str) -> str:
    """What keeping the key account does, as the option says it and the record keeps it."""
    return _("Card %(numbers)s revoked: “%(reason)s”.") % {
        "numbers": numbers,
        "reason": key_account_reason(),
    }


def _flag_cleared(numbers: str) -> str:
    """What keeping the gold card does, as the option says it and the record keeps it."""
    return _("%(flag)s cleared; card %(numbers)s kept.") % {
        "flag": _flag_label(),
        "numbers": numbers,
    }


def key_account_question(survivor: Customer, loser: Customer) -> MergeQuestion | None:
    """`key_account_card`, when either customer is a key account and either holds a live
    card."""
    if not (survivor.is_key_account or loser.is_key_account):
        return None
    cards = _live_cards(survivor, loser)
    if not cards:
        return None
    numbers = _numbers(cards)
    return MergeQuestion(
        key=KEY_ACCOUNT_CARD,
        label=_("Key account or gold card"),
        help=_(
            "One of the two is a key account and a live gold card would move to the kept "
            "customer; a key account is not offered a gold card. Choose which stays."
        ),
        options=(
            MergeOption(
                value=KEEP_KEY_ACCOUNT,
                label=_("Keep the key account"),
                facts=((_("Gold cards"), numbers),),
                effect=_cards_revoked(numbers),
            ),
            MergeOption(
                value=KEEP_GOLD_CARD,
                label=_("Keep the gold card"),
                facts=((_flag_label(), _("cleared on the kept customer")),),
                effect=_flag_cleared(numbers),
            ),
        ),
    )


def keep_key_account_or_card(
    *, actor: roles.Actor, survivor: Customer, loser: Customer, keep: Any
) -> dict[str, Any]:
    """Carry out `key_account_card` (after `keep_card`, when both were asked): revoke the
    live cards, or ask the merge to clear the kept customer's key-account flag
    (data["clear_flags"], customers.signals)."""
    cards = _live_cards(survivor, loser)
    numbers = _numbers(cards)
    if keep == KEEP_GOLD_CARD:
        return {
            "effect": _flag_cleared(numbers),
            "clear_flags": ["is_key_account"],
            "revoked": [],
        }
    revoked = [_revoke(actor, card, key_account_reason()) for card in cards]
    return {"effect": _cards_revoked(numbers), "revoked": revoked}


def keep_key_account_or_card_undo(*, actor: roles.Actor, done: Mapping[str, Any]) -> list[str]:
    """The cards the merge revoked are live again, as they were (newest revocation first)."""
    notes = [_restore(actor, item) for item in reversed(done.get("revoked", []))]
    return [note for note in notes if note]
