"""loyalty.services, the helpers the card and credit writes stand on: the gold flag as the
cards say, card numbers, a card's active periods from its events, a buyer's purchase units,
and the nightly credit sync (the writes themselves: test_cards, test_ledger, test_credits)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from customers.models import Machine
from dealercrm.jobs import system_actor
from loyalty import services
from loyalty.models import GoldCard, GoldCardEvent, LedgerEntry
from loyalty.services.ledger import Period
from tests.factories import (
    CustomerFactory,
    GoldCardFactory,
    LedgerEntryFactory,
    MachineFactory,
    ReferralFactory,
)
from tests.loyalty.helpers import days_ago

pytestmark = pytest.mark.django_db


def bought(customer, on: dt.date, quantity: int = 1) -> Machine:
    return MachineFactory(
        customer=customer,
        source=Machine.Source.FROM_US,
        purchase_date=on,
        purchase_price=Decimal("380000"),
        quantity=quantity,
        **({"serial_number": ""} if quantity > 1 else {}),  # a counted line has no serial
    )


# --- gold_flags -----------------------------------------------------------------------------


def test_only_an_active_card_makes_a_customer_gold():
    active = GoldCardFactory().customer
    suspended = GoldCardFactory(state=GoldCard.State.SUSPENDED).customer
    revoked = GoldCardFactory(state=GoldCard.State.REVOKED, revoked_on=days_ago(1)).customer
    without = CustomerFactory()

    flags = services.gold_flags([active.pk, suspended.pk, revoked.pk, without.pk])

    assert flags == {active.pk: True, suspended.pk: False, revoked.pk: False, without.pk: False}


def test_gold_flags_of_nobody_is_empty():
    assert services.gold_flags([]) == {}


# --- next_card_number -----------------------------------------------------------------------


def test_card_numbers_count_per_year_and_skip_hand_typed_ones():
    GoldCardFactory(number="JK20250007")
    GoldCardFactory(number="JK20260002")
    GoldCardFactory(number="JK2026-VIP")  # typed by hand: not part of the sequence

    assert services.next_card_number(2026) == "JK20260003"
    assert services.next_card_number(2025) == "JK20250008"
    assert services.next_card_number(2027) == "JK20270001"


# --- active_periods -------------------------------------------------------------------------


def test_active_periods_follow_the_cards_events():
    # given: a card issued, suspended, reactivated; another issued and revoked
    card = GoldCardFactory(issued_on=days_ago(300))
    GoldCardEvent.objects.create(card=card, kind="suspended", on=days_ago(200), reason="欠款")
    GoldCardEvent.objects.create(card=card, kind="reactivated", on=days_ago(100), reason="已还")
    gone = GoldCardFactory(
        issued_on=days_ago(50), state=GoldCard.State.REVOKED, revoked_on=days_ago(20)
    )
    GoldCardEvent.objects.create(card=gone, kind="revoked", on=days_ago(20), reason="退出")
    nobody = CustomerFactory()

    # when
    periods = services.active_periods([card.customer_id, gone.customer_id, nobody.pk])

    # then: open periods end with None; a customer without a card has none
    assert periods == {
        card.customer_id: [Period(days_ago(300), days_ago(200)), Period(days_ago(100), None)],
        gone.customer_id: [Period(days_ago(50), days_ago(20))],
    }


# --- purchase_units -------------------------------------------------------------------------


def test_purchase_units_number_each_machine_bought_from_us_oldest_first():
    customer = CustomerFactory()
    later = bought(customer, days_ago(10))
    fleet = bought(customer, days_ago(40), quantity=2)
    MachineFactory(customer=customer, source=Machine.Source.USED, purchase_date=days_ago(50))

    units = services.purchase_units(customer)

    assert [(u.number, u.machine.pk, u.bought_on) for u in units] == [
        (1, fleet.pk, days_ago(40)),
        (2, fleet.pk, days_ago(40)),
        (3, later.pk, days_ago(10)),
    ]


# --- credits_sync_all -----------------------------------------------------------------------


def test_the_nightly_sync_pays_gold_buyers_and_referrers_once():
    # given: a gold buyer, a buyer referred by a gold customer, and a plain buyer
    gold = GoldCardFactory().customer
    bought(gold, days_ago(5))
    referrer = GoldCardFactory().customer
    referred = CustomerFactory()
    ReferralFactory(referrer=referrer, referred=referred, referred_on=days_ago(30))
    bought(referred, days_ago(5))
    plain = CustomerFactory()
    bought(plain, days_ago(5))

    # when: run twice
    first = services.credits_sync_all(actor=system_actor())
    second = services.credits_sync_all(actor=system_actor())

    # then: the first buyer's credit, the referrer's credit, nothing for the plain buyer
    assert (first, second) == (2, 0)
    earned = set(LedgerEntry.objects.values_list("customer_id", "buyer_id", "amount"))
    assert earned == {
        (gold.pk, gold.pk, Decimal("1000.00")),
        (referrer.pk, referred.pk, Decimal("1000.00")),
    }


def test_the_nightly_sync_is_not_for_people(manager, executive):
    for user in (manager, executive):
        with pytest.raises(PermissionDenied):
            services.credits_sync_all(actor=user)


def test_credits_already_earned_are_not_paid_again_by_the_sync():
    card = GoldCardFactory()
    machine = bought(card.customer, days_ago(5))
    LedgerEntryFactory(customer=card.customer, machine=machine, machine_number=1)

    assert services.credits_sync(actor=system_actor(), customer=card.customer) == 0
    assert LedgerEntry.objects.count() == 1
