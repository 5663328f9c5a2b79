"""loyalty.selectors of cards and ledgers: scoped like customers (a manager sees his own,
another manager's card answers 404), the live card, who may earn, the running balance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from loyalty import selectors
from loyalty.models import GoldCard, LedgerEntry
from tests.factories import (
    BenefitRuleFactory,
    CustomerFactory,
    GoldCardFactory,
    LedgerEntryFactory,
    PartsOrderFactory,
    ReferralFactory,
)
from tests.loyalty.helpers import days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(manager, other_manager):
    """One card of `manager`'s customer, one of `other_manager`'s."""
    return {
        "own": GoldCardFactory(customer=CustomerFactory(manager=manager)),
        "other": GoldCardFactory(customer=CustomerFactory(manager=other_manager)),
    }


def test_a_manager_lists_only_his_own_customers_cards(manager, cards):
    assert list(selectors.card_list(user=manager)) == [cards["own"]]


def test_archivist_and_executive_list_every_card(archivist, executive, cards):
    for user in (archivist, executive):
        assert set(selectors.card_list(user=user)) == set(cards.values())


def test_service_staff_and_outsiders_list_no_cards(service_user, outsider, cards):
    for user in (service_user, outsider):
        assert not selectors.card_list(user=user).exists()


def test_a_manager_gets_404_for_another_managers_card(manager, cards):
    assert selectors.card_get(user=manager, pk=cards["own"].pk) == cards["own"]
    with pytest.raises(Http404):
        selectors.card_get(user=manager, pk=cards["other"].pk)
    with pytest.raises(Http404):
        selectors.card_get(user=manager, pk="not-a-number")


def test_the_card_list_carries_each_balance_and_filters_by_state(archivist, cards):
    LedgerEntryFactory(customer=cards["own"].customer, amount=Decimal("1000.00"))
    LedgerEntryFactory(customer=cards["own"].customer, amount=Decimal("1500.00"))
    GoldCard.objects.filter(pk=cards["other"].pk).update(state=GoldCard.State.SUSPENDED)

    balances = {c.pk: c.balance for c in selectors.card_list(user=archivist)}
    suspended = list(selectors.card_list(user=archivist, state=GoldCard.State.SUSPENDED))

    assert balances == {cards["own"].pk: Decimal("2500.00"), cards["other"].pk: Decimal("0")}
    assert suspended == [GoldCard.objects.get(pk=cards["other"].pk)]


def test_the_live_card_is_the_unrevoked_one():
    customer = CustomerFactory()
    GoldCardFactory(customer=customer, state=GoldCard.State.REVOKED, revoked_on=days_ago(400))
    live = GoldCardFactory(customer=customer, state=GoldCard.State.SUSPENDED)

    assert selectors.live_card(customer) == live
    assert selectors.live_card(CustomerFactory()) is None


def test_who_may_earn_credits_the_holder_and_the_referred_of_a_holder():
    holder = GoldCardFactory().customer
    referred = CustomerFactory()
    ReferralFactory(referrer=holder, referred=referred)
    referred_by_plain = CustomerFactory()
    ReferralFactory(referred=referred_by_plain)

    assert selectors.may_earn_credits(holder.pk)
    assert selectors.may_earn_credits(referred.pk)
    assert not selectors.may_earn_credits(referred_by_plain.pk)
    assert not selectors.may_earn_credits(CustomerFactory().pk)


def test_the_statement_runs_the_balance_and_hides_buyers_the_manager_may_not_see(
    manager, other_manager, archivist
):
    # given: a gold customer of `manager` credited for his own purchase and for one by a
    # customer of another manager he referred
    card = GoldCardFactory(customer=CustomerFactory(manager=manager))
    stranger = CustomerFactory(manager=other_manager)
    LedgerEntryFactory(customer=card.customer, amount=Decimal("1000.00"))
    LedgerEntryFactory(
        customer=card.customer,
        buyer=stranger,
        rule=BenefitRuleFactory(code="referral", beneficiary="referrer"),
        amount=Decimal("1000.00"),
    )
    LedgerEntry.objects.create(
        customer=card.customer,
        kind=LedgerEntry.Kind.REDEEM,
        amount=Decimal("-300.00"),
        occurred_on=days_ago(1),
        parts_order=PartsOrderFactory(customer=card.customer),
        redemption_attempt=1,
    )

    # when
    statement = selectors.ledger_statement(user=manager, customer=card.customer)
    for_archivist = selectors.ledger_statement(user=archivist, customer=card.customer)

    # then
    assert [r.running for r in statement.rows] == [
        Decimal("1000.00"),
        Decimal("2000.00"),
        Decimal("1700.00"),
    ]
    assert statement.balance == selectors.balance_of(card.customer_id) == Decimal("1700.00")
    assert statement.card == card
    assert statement.hidden_buyers == {stranger.pk}
    assert for_archivist.hidden_buyers == set()


def test_orders_paid_with_credits_are_not_redeemable_until_reversed():
    customer = GoldCardFactory().customer
    paid = PartsOrderFactory(customer=customer, ordered_on=days_ago(3))
    open_order = PartsOrderFactory(customer=customer, ordered_on=days_ago(2))
    PartsOrderFactory()  # another customer's
    redemption = LedgerEntry.objects.create(
        customer=customer,
        kind=LedgerEntry.Kind.REDEEM,
        amount=Decimal("-100.00"),
        occurred_on=days_ago(1),
        parts_order=paid,
        redemption_attempt=1,
    )

    assert list(selectors.redeemable_orders(customer)) == [open_order]

    LedgerEntry.objects.create(
        customer=customer,
        kind=LedgerEntry.Kind.REVERSAL,
        amount=Decimal("100.00"),
        occurred_on=days_ago(0),
        reverses=redemption,
        reason="录错了",
    )
    assert list(selectors.redeemable_orders(customer)) == [open_order, paid]


def test_the_dossier_shows_the_live_card_before_a_revoked_one_and_no_money_to_service(
    archivist, manager, service_user
):
    customer = CustomerFactory(manager=manager)
    GoldCardFactory(customer=customer, state=GoldCard.State.REVOKED, revoked_on=days_ago(400))
    live = GoldCardFactory(customer=customer, issued_on=days_ago(500))
    LedgerEntryFactory(customer=customer, amount=Decimal("1500.00"))

    section = selectors.dossier_gold(user=archivist, customer=customer)
    for_manager = selectors.dossier_gold(user=manager, customer=customer)

    assert section is not None and section.card == live
    assert section.balance == Decimal("1500.00") and section.can_manage
    assert for_manager is not None and not for_manager.can_manage
    assert selectors.dossier_gold(user=service_user, customer=customer) is None
    assert selectors.dossier_gold(user=archivist, customer=CustomerFactory()).card is None


def test_the_referrer_of_a_customer():
    referral = ReferralFactory()
    assert selectors.referrer_of(referral.referred) == referral
    assert selectors.referrer_of(referral.referrer) is None
