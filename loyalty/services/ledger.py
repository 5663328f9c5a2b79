"""The benefit ledger's writes: credits earned by rule, redemptions, reversals.

`credits_sync` is the one place credits are earned. It is safe to run any number of
times, at once or in any order: it works out which (rule, beneficiary, buyer's n-th
machine) credits the data calls for, and the database's unique key turns a second
insert into a no-op. It runs after a machine bought from us is saved (on commit, as the
system actor), after a registration, a reactivation or a referral, and nightly.

Money leaves the ledger only with the customer's row locked, so two redemptions at once
see each other's balance and the balance never goes below zero.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, Machine
from customers.services import customer_lock_for_write, customers_lock_live
from dealercrm import roles
from dealercrm.money import to_fen

from ..models import BenefitRule, GoldCard, GoldCardEvent, LedgerEntry, Referral
from ..selectors.cards import balance_of

# --- when was a customer's card active ---------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date | None  # exclusive: not active on the day of a suspension or revocation

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def active_periods(customer_ids: Iterable[int]) -> dict[int, list[Period]]:
    """The periods each customer held an active card, from the cards' events (one query)."""
    periods: dict[int, list[Period]] = {}
    opened: dict[int, dt.date] = {}
    events = GoldCardEvent.objects.filter(card__customer_id__in=list(customer_ids)).order_by(
        "on", "id"
    )
    for customer_id, kind, on in events.values_list("card__customer_id", "kind", "on"):
        if kind in (GoldCardEvent.Kind.ISSUED, GoldCardEvent.Kind.REACTIVATED):
            opened.setdefault(customer_id, on)
        elif customer_id in opened:
            periods.setdefault(customer_id, []).append(Period(opened.pop(customer_id), on))
    for customer_id, start in opened.items():
        periods.setdefault(customer_id, []).append(Period(start, None))
    return periods


def _active_on(periods: list[Period], day: dt.date) -> bool:
    return any(p.covers(day) for p in periods)


# --- earning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One machine bought from us, numbered in the buyer's purchase order (1st, 2nd …)."""

    number: int
    machine: Machine
    bought_on: dt.date


def purchase_units(customer: Customer) -> list[Unit]:
    """The customer's machines bought from us, oldest first; a counted line of 3 is 3 units.
    A machine without a purchase date counts from the day it was entered."""
    machines = sorted(
        Machine.objects.filter(customer=customer, source=Machine.Source.FROM_US),
        key=lambda m: (m.purchase_date or timezone.localtime(m.created_at).date(), m.pk),
    )
    units: list[Unit] = []
    for machine in machines:
        bought_on = machine.purchase_date or timezone.localtime(machine.created_at).date()
        for _unit in range(machine.quantity):
            units.append(Unit(len(units) + 1, machine, bought_on))
    return units


class Earned(NamedTuple):
    """An earned credit, as credits_sync reads them."""

    rule_id: int | None
    beneficiary: int
    buyer_id: int | None
    machine_id: int | None
    number: int | None


def earned_credits(customer: Customer, units: list[Unit], beneficiaries: set[int]) -> list[Earned]:
    """The beneficiaries' earned credits a sync of `customer` must know (one query): those
    of his purchases (buyer: him), and those paid on his machines under another buyer (a
    merged duplicate's)."""
    rows = LedgerEntry.objects.filter(
        Q(buyer=customer) | Q(machine_id__in={unit.machine.pk for unit in units}),
        kind=LedgerEntry.Kind.EARN,
        customer_id__in=beneficiaries,
    ).values_list("rule_id", "customer_id", "buyer_id", "machine_id", "machine_number")
    return [Earned(*row) for row in rows]


def credited_places(
    customer: Customer, units: list[Unit], earned: list[Earned]
) -> set[tuple[int, int]]:
    """The (beneficiary, number) places of the customer's purchase count that credits paid
    under another count already hold: no rule pays at them again.

    A credit is keyed by the buyer's n-th machine, so that correcting purchase dates or
    entering an older purchase later never pays a place twice. Two things change the count
    itself, and keyed by number alone the next sync would then pay a machine twice:

    - a merge joins two counts: the duplicate's machines come to the kept customer with the
      credits they earned as *his* first, second … (buyer: the duplicate). Each such credited
      unit takes a place in the kept customer's count: its machine's own place, or, when a
      credit of the kept customer's own already holds that place, the next free one. So the
      duplicate's machine is not paid again as a repeat purchase, nor the kept customer's own
      first machine once the duplicate's earlier one counts first.
    - a merge undone splits them again: a credit the kept customer earned after the merge
      (his third machine, say) is numbered beyond his count once the duplicate's machines
      go back. Such a credit takes the first free place, so the same machine, now his
      second, is not paid again.

    The person is paid once per machine, as if the dossiers had been one (or two) from the
    start, except that a credit once paid is never rewritten: the duplicate's first-purchase
    ¥1,000 stays ¥1,000 where one dossier would have paid ¥1,500 for a second machine.
    Machines the duplicate bought without a credit (before his card, or with none) are
    counted and earn like any other.
    """
    own: dict[int, set[int]] = defaultdict(set)  # beneficiary → numbers of his credits
    other: dict[tuple[int, int], set[Any]] = defaultdict(set)  # (beneficiary, machine) → units
    for e in earned:
        if e.buyer_id == customer.pk and e.number is not None:
            own[e.beneficiary].add(e.number)
        elif e.buyer_id != customer.pk and e.machine_id is not None:
            other[e.beneficiary, e.machine_id].add((e.buyer_id, e.number))
    by_machine: dict[int, list[Unit]] = defaultdict(list)  # in purchase order
    for unit in units:
        by_machine[unit.machine.pk].append(unit)
    taken: set[tuple[int, int]] = set()
    for beneficiary in {e.beneficiary for e in earned}:
        held = set(own[beneficiary])
        # each unit credited on another count at its own place; each credit numbered beyond
        # the count at the first place; either moved on past the places already held
        places = [
            unit.number
            for machine_id, mine in by_machine.items()
            for unit in mine[: len(other[beneficiary, machine_id])]
        ] + [1 for n in own[beneficiary] if n > len(units)]
        for place in places:
            while place in held:
                place += 1
            held.add(place)
            taken.add((beneficiary, place))
    return taken


@transaction.atomic
def credits_sync(*, actor: roles.Actor, customer: Customer) -> int:
    """Insert the credits the customer's purchases call for, for him and his referrer.

    A credit is due when the beneficiary held an active card on the purchase day (and, for
    the referrer, the purchase came on or after the referral). Returns the rows added.
    """
    roles.require(roles.can_sync_credits, actor)
    # The rows a merge locks: credits never land on a customer merged away meanwhile. One
    # merged since (a task queued before the merge) earns nothing here; the survivor's
    # own sync, nightly at the latest, counts his purchases.
    if not customers_lock_live([customer.pk]):
        return 0
    rules = list(BenefitRule.objects.filter(is_active=True))
    referral = Referral.objects.filter(referred=customer).first()
    if referral is not None and not customers_lock_live([referral.referrer_id]):
        # The referrer was merged away while we waited: his credits wait for the next sync
        # (nightly), which finds the referral on the survivor.
        referral = None
    beneficiaries = {BenefitRule.Beneficiary.BUYER: customer.pk}
    if referral is not None:
        beneficiaries[BenefitRule.Beneficiary.REFERRER] = referral.referrer_id
    periods = active_periods(beneficiaries.values())
    if not rules or not periods:
        return 0
    units = purchase_units(customer)
    today = timezone.localdate()
    earned = earned_credits(customer, units, set(beneficiaries.values()))
    credited = credited_places(customer, units, earned)
    due = []
    for rule in rules:
        beneficiary = beneficiaries.get(BenefitRule.Beneficiary(rule.beneficiary))
        if beneficiary is None or beneficiary not in periods:
            continue
        for unit in units:
            if not rule.covers(unit.number) or unit.bought_on > today:
                continue
            if (beneficiary, unit.number) in credited:
                continue
            if not _active_on(periods[beneficiary], unit.bought_on):
                continue
            if rule.beneficiary == BenefitRule.Beneficiary.REFERRER and (
                referral is None or unit.bought_on < referral.referred_on
            ):
                continue
            due.append(
                LedgerEntry(
                    customer_id=beneficiary,
                    kind=LedgerEntry.Kind.EARN,
                    amount=rule.amount,
                    occurred_on=unit.bought_on,
                    rule=rule,
                    buyer=customer,
                    machine_number=unit.number,
                    machine=unit.machine,
                    created_by=roles.signed_in(actor),
                )
            )
    paid = {(e.rule_id, e.beneficiary, e.number) for e in earned if e.buyer_id == customer.pk}
    missing = [e for e in due if (e.rule_id, e.customer_id, e.machine_number) not in paid]
    # The unique key (loyalty_ledgerentry_earn_once) makes a concurrent run's rows a no-op.
    LedgerEntry.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def credits_sync_all(*, actor: roles.Actor) -> int:
    """Re-sync every buyer whose purchases may earn credits (the nightly job; idempotent)."""
    roles.require(roles.can_sync_credits, actor)
    cards = GoldCard.objects.filter(customer=OuterRef("pk"))
    referred_by_holder = Referral.objects.filter(
        referred=OuterRef("pk"),
        referrer__in=GoldCard.objects.values("customer"),
    )
    bought = Machine.objects.filter(customer=OuterRef("pk"), source=Machine.Source.FROM_US)
    buyers = (
        Customer.objects.filter(Exists(bought))
        .filter(Q(Exists(cards)) | Q(Exists(referred_by_holder)))
        .order_by("pk")
    )
    added = 0
    for customer in buyers.iterator(chunk_size=500):
        added += credits_sync(actor=actor, customer=customer)  # one transaction each
    return added


# --- spending and correcting ------------------------------------------------------------------


def _lock_ledger(customer_id: int, actor: roles.Actor) -> Customer:
    """Serialise every movement of one customer's credits (the customer's row is the lock,
    the one a merge takes too: an entry never lands on a customer merged away meanwhile)."""
    return customer_lock_for_write(customer_id, actor=actor)


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = to_fen(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError({field: _("Enter an amount in yuan, such as 500.00.")}) from exc
    if amount <= 0:
        raise ValidationError({field: _("Enter an amount above zero.")})
    return amount


@transaction.atomic
def ledger_redeem(
    *, actor: roles.Actor, customer: Customer, parts_order: Any, amount: Any, note: str = ""
) -> LedgerEntry:
    """Spend credits on one of the customer's parts orders: never more than the balance or
    the order's total, and never twice for the same order (unless that one was reversed)."""
    roles.require(roles.can_redeem_credits, actor)
    amount = _money(amount, "amount")
    if parts_order.customer_id != customer.pk:
        raise ValidationError({"parts_order": _("This parts order belongs to another customer.")})
    customer = _lock_ledger(customer.pk, actor)
    card = GoldCard.objects.filter(customer=customer).exclude(state=GoldCard.State.REVOKED).first()
    if card is None or not card.is_active:
        raise ValidationError(_("Credits are redeemed only while the customer's card is active."))
    earlier = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REDEEM, parts_order=parts_order)
    standing = earlier.filter(reversed_by__isnull=True).first()
    if standing is not None:
        raise ValidationError(
            {
                "parts_order": _(
                    "Credits were already redeemed on this order (%(amount)s CNY); reverse "
                    "that entry first to redeem again."
                )
                % {"amount": -standing.amount}
            }
        )
    if amount > parts_order.total:
        raise ValidationError(
            {
                "amount": _("The order's total is %(total)s CNY; no more can be redeemed on it.")
                % {"total": parts_order.total}
            }
        )
    balance = balance_of(customer.pk)
    if amount > balance:
        raise ValidationError(
            {
                "amount": _("The balance is %(balance)s CNY; %(amount)s CNY cannot be redeemed.")
                % {"balance": balance, "amount": amount}
            }
        )
    entry = LedgerEntry(
        customer=customer,
        kind=LedgerEntry.Kind.REDEEM,
        amount=-amount,
        occurred_on=timezone.localdate(),
        parts_order=parts_order,
        redemption_attempt=earlier.count() + 1,
        reason=(note or "").strip(),
        created_by=roles.signed_in(actor),
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # the unique key: redeemed twice on one order
        raise ValidationError(
            {"parts_order": _("Credits were already redeemed on this order.")}
        ) from exc
    return entry


@transaction.atomic
def ledger_reverse(*, actor: roles.Actor, entry: LedgerEntry, reason: str) -> LedgerEntry:
    """Correct a mistake: a new row cancelling `entry`, with the reason. The balance stays
    at or above zero (a credit already spent cannot be taken back here)."""
    roles.require(roles.can_manage_gold_cards, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    _lock_ledger(entry.customer_id, actor)
    entry = LedgerEntry.objects.get(pk=entry.pk)
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This entry was already reversed."))
    balance = balance_of(entry.customer_id)
    if balance - entry.amount < 0:
        raise ValidationError(
            _(
                "Reversing %(amount)s CNY would take the balance (%(balance)s CNY) below zero: "
                "the credit was already spent."
            )
            % {"amount": entry.amount, "balance": balance}
        )
    reversal = LedgerEntry(
        customer_id=entry.customer_id,
        kind=LedgerEntry.Kind.REVERSAL,
        amount=-entry.amount,
        occurred_on=timezone.localdate(),
        reverses=entry,
        reason=reason,
        created_by=roles.signed_in(actor),
    )
    try:
        with transaction.atomic():
            reversal.save()
    except IntegrityError as exc:  # reversed at the same moment by someone else
        raise ValidationError(_("This entry was already reversed.")) from exc
    return reversal


@transaction.atomic
def benefit_rule_save(*, actor: roles.Actor, rule: BenefitRule) -> BenefitRule:
    """Rules are dealer policy, changed in the admin; credits already earned keep their
    amount (each row records it)."""
    roles.require(roles.can_manage_gold_cards, actor)
    rule.full_clean()
    rule._history_user = actor  # type: ignore[attr-defined]
    rule.save()
    return rule
