"""Registering gold customers (金卡客户登记表), their VIP cards' lives, and the traits the
archivist ticks by hand. Customer.is_gold_card follows the card (`gold_flags` is the rule):
it is set through customers.services.customer_update, so the dossier history records it
and the per-manager cap (seed 000: at most 10 gold customers) is checked in that one
place. A merge or unmerge moves cards in bulk and asks `gold_flags` too (loyalty.signals)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import services as customer_services
from customers.models import Customer
from dealercrm import roles
from dealercrm.validators import founded_on, validate_event_date

from ..models import CustomerTrait, GoldCard, GoldCardEvent, Trait
from .ledger import credits_sync

NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$")
NUMBER_PREFIX = "JK"  # 金卡


def gold_flags(customer_ids: Iterable[Any]) -> dict[Any, bool]:
    """Customer.is_gold_card as the cards say, per customer: True while he holds an active
    card; a suspended card (no benefits) or a revoked one does not make him gold."""
    ids = list(customer_ids)
    holders = set(
        GoldCard.objects.filter(customer_id__in=ids, state=GoldCard.State.ACTIVE).values_list(
            "customer_id", flat=True
        )
    )
    return {pk: pk in holders for pk in ids}


def min_traits() -> int:
    return int(settings.DEALERCRM["GOLD_CANDIDATE_MIN_TRAITS"])


def next_card_number(year: int) -> str:
    """JK + year + a four-digit sequence: JK20260001, JK20260002 …"""
    prefix = f"{NUMBER_PREFIX}{year}"
    taken = GoldCard.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    sequence = max((int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{sequence + 1:04d}"


def _clean_traits(traits: Mapping[str, str]) -> dict[str, str]:
    unknown = set(traits) - set(Trait.values)
    if unknown:
        raise ValidationError({"traits": _("Unknown traits: %(t)s.") % {"t": ", ".join(unknown)}})
    cleaned = {t: (traits[t] or "").strip() for t in Trait.values if t in traits}
    labels = dict(Trait.choices)
    missing = [str(labels[t]) for t, evidence in cleaned.items() if not evidence]
    if missing:
        raise ValidationError(
            {"traits": _("Give the evidence for: %(t)s.") % {"t": "; ".join(missing)}}
        )
    if len(cleaned) < min_traits():
        raise ValidationError(
            {
                "traits": _(
                    "A gold customer shows at least %(n)s of the seven traits; %(k)s recorded."
                )
                % {"n": min_traits(), "k": len(cleaned)}
            }
        )
    return cleaned


def _check_date(on: dt.date | None, field: str) -> dt.date:
    """A card event's day: from the dealer's founding to today (the field's validator)."""
    on = on or timezone.localdate()
    try:
        validate_event_date(on)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    return on


def earliest_issue_date(actor: roles.Actor) -> dt.date:
    """How far back the actor may date a card: GOLD_CARD_BACKDATE_DAYS (a registration
    form filed late), or for the administrator the dealer's founding (paper cards of
    earlier years moved in). Credits count purchases from the issue date on
    (ledger.credits_sync), so a card dated earlier pays at once for older purchases."""
    if roles.can_date_cards_before_the_window(actor):
        return founded_on()
    days = int(settings.DEALERCRM["GOLD_CARD_BACKDATE_DAYS"])
    return max(timezone.localdate() - dt.timedelta(days=days), founded_on())


def _check_issue_date(actor: roles.Actor, on: dt.date | None) -> dt.date:
    on = _check_date(on, "issued_on")
    earliest = earliest_issue_date(actor)
    if on < earliest:
        raise ValidationError(
            {
                "issued_on": _(
                    "A card can be dated back to %(date)s at the earliest (%(days)s days); "
                    "purchases before the issue date earn no credits."
                )
                % {"date": earliest, "days": settings.DEALERCRM["GOLD_CARD_BACKDATE_DAYS"]}
            }
        )
    return on


@transaction.atomic
def gold_card_register(
    *,
    actor: roles.Actor,
    customer: Customer,
    manager: Any,
    traits: Mapping[str, str],
    number: str = "",
    issued_on: dt.date | None = None,
    note: str = "",
) -> GoldCard:
    """Register a gold customer: the form's traits and evidence, the responsible manager
    (within his cap) and a VIP card number — all or nothing."""
    roles.require(roles.can_manage_gold_cards, actor)
    customer = customer_services.customer_lock_for_write(customer, actor=actor)
    if customer.is_key_account:
        # Seed 000: a key account will never be anyone's loyal customer; keep the kinds apart.
        raise ValidationError(
            _("%(name)s is a key account: key accounts are not offered a gold card.")
            % {"name": customer.name}
        )
    live = GoldCard.objects.filter(customer=customer).exclude(state=GoldCard.State.REVOKED).first()
    if live is not None:
        raise ValidationError(
            _("%(name)s already holds card %(number)s (%(state)s).")
            % {"name": customer.name, "number": live.number, "state": live.get_state_display()}
        )
    errors: dict[str, Any] = {}
    try:
        traits = _clean_traits(traits)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        issued_on = _check_issue_date(actor, issued_on)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        issued_on = timezone.localdate()
    if manager is None:
        errors["manager"] = [_("Assign the sales manager responsible for this gold customer.")]
    typed = (number or "").strip().upper()
    number = typed or next_card_number(issued_on.year)
    if not NUMBER_RE.match(number):
        errors["number"] = [
            _("A card number is 3 to 20 letters, digits or hyphens, such as JK20260001.")
        ]
    elif GoldCard.objects.filter(number=number).exists():
        errors["number"] = [_("Card number %(number)s is already taken.") % {"number": number}]
    if errors:
        raise ValidationError(errors)
    if customer.manager_id != manager.pk or not customer.is_gold_card:
        # The manager's cap is checked there, with his row locked (customers.services).
        customer_services.customer_update(
            actor=actor, customer=customer, data={"manager": manager, "is_gold_card": True}
        )
    card = GoldCard(
        customer=customer,
        number=number,
        issued_on=issued_on,
        traits=traits,
        note=(note or "").strip(),
        issued_by=roles.signed_in(actor),
    )
    for attempt in range(5):
        try:
            with transaction.atomic():
                card.save()
            break
        except IntegrityError as exc:  # a registration at the same moment took the number
            if typed or attempt == 4:
                raise ValidationError(
                    {"number": [_("Card number %(number)s is already taken.") % {"number": number}]}
                ) from exc
            card.pk, card.number = None, next_card_number(issued_on.year)
            number = card.number
    GoldCardEvent.objects.create(
        card=card, kind=GoldCardEvent.Kind.ISSUED, on=issued_on, actor=roles.signed_in(actor)
    )
    # Purchases from the issue date on may already earn credits (a backdated registration).
    credits_sync(actor=actor, customer=customer)
    return card


# state -> (allowed from, event kind)
_TRANSITIONS = {
    GoldCard.State.SUSPENDED: ({GoldCard.State.ACTIVE}, GoldCardEvent.Kind.SUSPENDED),
    GoldCard.State.ACTIVE: ({GoldCard.State.SUSPENDED}, GoldCardEvent.Kind.REACTIVATED),
    GoldCard.State.REVOKED: (
        {GoldCard.State.ACTIVE, GoldCard.State.SUSPENDED},
        GoldCardEvent.Kind.REVOKED,
    ),
}


def _change_state(
    *,
    actor: roles.Actor,
    card: GoldCard,
    to: str,
    reason: str,
    on: dt.date | None,
    holder_follows: bool = True,
) -> GoldCard:
    roles.require(roles.can_manage_gold_cards, actor)
    # The holder's row first, then the card: a merge locks the customers, then moves their
    # cards; the other order would deadlock with it.
    holder = GoldCard.objects.filter(pk=card.pk).values_list("customer_id", flat=True).first()
    if holder is not None:
        customer_services.customer_lock_for_write(holder, actor=actor)
    card = GoldCard.objects.select_for_update().select_related("customer").get(pk=card.pk)
    if card.customer_id != holder:
        raise ValidationError(_("The card changed meanwhile; open it again."))
    allowed, kind = _TRANSITIONS[GoldCard.State(to)]
    if card.state not in allowed:
        raise ValidationError(
            _("Card %(number)s is %(state)s; it cannot be %(action)s.")
            % {
                "number": card.number,
                "state": card.get_state_display(),
                "action": GoldCardEvent.Kind(kind).label,
            }
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    on = _check_date(on, "on")
    last = card.events.order_by("-on", "-id").first()
    if last is not None and on < last.on:
        raise ValidationError(
            {"on": _("The date cannot be before the card's last change (%(d)s).") % {"d": last.on}}
        )
    was_active = card.is_active
    card.state = to
    card.revoked_on = on if to == GoldCard.State.REVOKED else None
    card.save(update_fields=["state", "revoked_on", "updated_at"])
    GoldCardEvent.objects.create(
        card=card, kind=kind, on=on, reason=reason, actor=roles.signed_in(actor)
    )
    if holder_follows and was_active != card.is_active:
        # Reactivating counts against the manager's cap again (customers.services).
        customer_services.customer_update(
            actor=actor,
            customer=card.customer,
            data={"is_gold_card": gold_flags([card.customer_id])[card.customer_id]},
        )
    if card.is_active:
        credits_sync(actor=actor, customer=card.customer)
    return card


@transaction.atomic
def gold_card_suspend(
    *, actor: roles.Actor, card: GoldCard, reason: str, on: dt.date | None = None
) -> GoldCard:
    """No discount and no new credits while suspended; the balance is kept."""
    return _change_state(actor=actor, card=card, to=GoldCard.State.SUSPENDED, reason=reason, on=on)


@transaction.atomic
def gold_card_reactivate(
    *, actor: roles.Actor, card: GoldCard, reason: str, on: dt.date | None = None
) -> GoldCard:
    return _change_state(actor=actor, card=card, to=GoldCard.State.ACTIVE, reason=reason, on=on)


@transaction.atomic
def gold_card_revoke(
    *,
    actor: roles.Actor,
    card: GoldCard,
    reason: str,
    on: dt.date | None = None,
    holder_follows: bool = True,
) -> GoldCard:
    """For good: the card stays as history; a new registration issues a new card.

    holder_follows=False leaves the holder's is_gold_card alone: a merge revokes the card
    its archivist did not keep and then writes the flag itself, for the cards as they stand
    once moved (customers.signals.customer_rows_moved)."""
    return _change_state(
        actor=actor,
        card=card,
        to=GoldCard.State.REVOKED,
        reason=reason,
        on=on,
        holder_follows=holder_follows,
    )


@transaction.atomic
def gold_card_revoke_undo(
    *, actor: roles.Actor, card_id: Any, event_id: Any, state: str, updated_at: dt.datetime
) -> str:
    """Take back a revocation that a merge made, when the merge is undone: the card is
    `state` again (its number, its events and its holder's ledger never changed) and the
    revocation event goes, as the merge's other history does. Answers '' when restored,
    else why the card stays revoked. The holder's is_gold_card is the undo's to write."""
    roles.require(roles.can_manage_gold_cards, actor)
    card = GoldCard.objects.select_for_update().select_related("customer").filter(pk=card_id)
    found = card.first()
    event = GoldCardEvent.objects.filter(
        pk=event_id, card_id=card_id, kind=GoldCardEvent.Kind.REVOKED
    ).first()
    if found is None or event is None or found.state != GoldCard.State.REVOKED:
        return _("Card #%(pk)s changed since the merge and was left as it is.") % {"pk": card_id}
    other = (
        GoldCard.objects.filter(customer_id=found.customer_id)
        .exclude(state=GoldCard.State.REVOKED)
        .exclude(pk=found.pk)
        .first()
    )
    if other is not None:
        return _("Card %(number)s stays revoked: %(name)s holds card %(other)s now.") % {
            "number": found.number,
            "name": found.customer.name,
            "other": other.number,
        }
    card.update(state=state, revoked_on=None, updated_at=updated_at)
    event.delete()
    return ""


CARD_ACTIONS = {
    "suspend": gold_card_suspend,
    "reactivate": gold_card_reactivate,
    "revoke": gold_card_revoke,
}


@transaction.atomic
def traits_set(
    *, actor: roles.Actor, customer: Customer, ticks: Mapping[str, str]
) -> list[CustomerTrait]:
    """The traits the archivist asserts by hand, each with its note; others are unticked."""
    roles.require(roles.can_manage_gold_cards, actor)
    unknown = set(ticks) - set(Trait.values)
    if unknown:
        raise ValidationError(_("Unknown traits: %(t)s.") % {"t": ", ".join(sorted(unknown))})
    wanted = {t: (note or "").strip() for t, note in ticks.items()}
    labels = dict(Trait.choices)
    missing = [str(labels[t]) for t, note in wanted.items() if not note]
    if missing:
        raise ValidationError(
            _("Write a note for each ticked trait: %(t)s.") % {"t": "; ".join(missing)}
        )
    customer = customer_services.customer_lock_for_write(customer, actor=actor)
    current = {row.trait: row for row in CustomerTrait.objects.filter(customer=customer)}
    for trait, row in current.items():
        if trait not in wanted:
            row._history_user = actor  # type: ignore[attr-defined]
            row.delete()
    result = []
    for trait, note in wanted.items():
        row = current.get(trait) or CustomerTrait(customer=customer, trait=trait)
        if row.pk and row.note == note:
            result.append(row)
            continue
        row.note = note
        row.ticked_by = roles.signed_in(actor)
        row._history_user = actor  # type: ignore[attr-defined]
        row.save()
        result.append(row)
    return result
