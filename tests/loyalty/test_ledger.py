"""The benefit ledger: redemptions (never below zero, never twice), reversals with a
reason, append-only rows, and two redemptions at once (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from loyalty import selectors, services
from loyalty.models import BenefitRule, LedgerEntry
from tests.factories import CustomerFactory, PartsOrderFactory
from tests.loyalty.helpers import days_ago, ensure_rules, register

pytestmark = pytest.mark.django_db


def credit(customer, amount: str = "1000", number: int = 1) -> LedgerEntry:
    """A credit earned by the purchase rule (the rules' own tests are in test_credits)."""
    return LedgerEntry.objects.create(
        customer=customer,
        kind="earn",
        amount=Decimal(amount),
        rule=BenefitRule.objects.get(code="purchase" if number == 1 else "own_repeat"),
        buyer=customer,
        machine_number=number,
        occurred_on=days_ago(3),
    )


def order(customer, total: str = "2000") -> object:
    return PartsOrderFactory(customer=customer, subtotal=Decimal(total), total=Decimal(total))


def test_redeem_against_an_order_lowers_the_balance(archivist, gold):
    credit(gold)
    entry = services.ledger_redeem(
        actor=archivist, customer=gold, parts_order=order(gold), amount="600", note="换滤芯"
    )
    assert entry.kind == "redeem" and entry.amount == Decimal("-600.00")
    assert entry.created_by == archivist
    assert selectors.balance_of(gold.pk) == Decimal("400.00")


def test_a_redemption_above_the_balance_is_refused_and_nothing_written(archivist, gold):
    credit(gold)
    with pytest.raises(ValidationError) as exc:
        services.ledger_redeem(
            actor=archivist, customer=gold, parts_order=order(gold), amount="1000.01"
        )
    assert "1000.00" in exc.value.message_dict["amount"][0]
    assert not LedgerEntry.objects.filter(kind="redeem").exists()
    assert selectors.balance_of(gold.pk) == Decimal("1000.00")


@pytest.mark.parametrize("amount", ["0", "-5", "abc"])
def test_the_amount_must_be_positive_money(archivist, gold, amount):
    credit(gold)
    with pytest.raises(ValidationError):
        services.ledger_redeem(
            actor=archivist, customer=gold, parts_order=order(gold), amount=amount
        )
    assert LedgerEntry.objects.count() == 1


def test_no_more_than_the_orders_total(archivist, gold):
    credit(gold)
    with pytest.raises(ValidationError, match="total is 300"):
        services.ledger_redeem(
            actor=archivist, customer=gold, parts_order=order(gold, "300"), amount="500"
        )


def test_an_order_is_paid_with_credits_once_unless_reversed(archivist, gold):
    credit(gold, "1000")
    credit(gold, "1500", number=2)
    the_order = order(gold)
    first = services.ledger_redeem(
        actor=archivist, customer=gold, parts_order=the_order, amount="500"
    )

    with pytest.raises(ValidationError, match="already redeemed"):
        services.ledger_redeem(actor=archivist, customer=gold, parts_order=the_order, amount="100")

    services.ledger_reverse(actor=archivist, entry=first, reason="金额录错")
    again = services.ledger_redeem(
        actor=archivist, customer=gold, parts_order=the_order, amount="800"
    )
    assert again.redemption_attempt == 2
    assert selectors.balance_of(gold.pk) == Decimal("1700.00")


def test_another_customers_order_is_refused(archivist, gold):
    credit(gold)
    with pytest.raises(ValidationError, match="another customer"):
        services.ledger_redeem(
            actor=archivist, customer=gold, parts_order=order(CustomerFactory()), amount="10"
        )


def test_no_redemption_while_the_card_is_suspended(archivist, gold):
    credit(gold)
    services.gold_card_suspend(actor=archivist, card=gold.gold_cards.get(), reason="暂停")
    with pytest.raises(ValidationError, match="active"):
        services.ledger_redeem(actor=archivist, customer=gold, parts_order=order(gold), amount="10")


def test_a_reversal_needs_a_reason_and_happens_once(archivist, gold):
    entry = credit(gold)
    with pytest.raises(ValidationError):
        services.ledger_reverse(actor=archivist, entry=entry, reason="  ")
    reversal = services.ledger_reverse(actor=archivist, entry=entry, reason="机器是别家卖的")
    assert reversal.amount == Decimal("-1000.00") and reversal.reverses == entry
    with pytest.raises(ValidationError, match="already reversed"):
        services.ledger_reverse(actor=archivist, entry=entry, reason="再来一次")
    assert selectors.balance_of(gold.pk) == Decimal("0.00")
    # the reversed credit is not earned again by the next sync: its key is taken
    assert services.credits_sync(actor=archivist, customer=gold) == 0


def test_a_spent_credit_cannot_be_reversed_below_zero(archivist, gold):
    entry = credit(gold)
    services.ledger_redeem(actor=archivist, customer=gold, parts_order=order(gold), amount="900")
    with pytest.raises(ValidationError, match="below zero"):
        services.ledger_reverse(actor=archivist, entry=entry, reason="录错")
    assert selectors.balance_of(gold.pk) == Decimal("100.00")


def test_rows_are_append_only(gold):
    entry = credit(gold)
    entry.amount = Decimal("5000")
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    entry.refresh_from_db()
    assert entry.amount == Decimal("1000.00")


@pytest.mark.parametrize("role", ["manager", "service_user", "executive", "outsider"])
def test_only_the_archivist_redeems_and_corrects(request, gold, role):
    actor = request.getfixturevalue(role)
    entry = credit(gold)
    with pytest.raises(PermissionDenied):
        services.ledger_redeem(actor=actor, customer=gold, parts_order=order(gold), amount="10")
    with pytest.raises(PermissionDenied):
        services.ledger_reverse(actor=actor, entry=entry, reason="x")
    assert LedgerEntry.objects.count() == 1


# --- two redemptions at once -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_redemptions_never_take_the_balance_below_zero(archivist, manager):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite has no row locks (select_for_update), so two threads "
            "cannot race on it; CI runs this with DATABASE_URL on PostgreSQL"
        )
    # given: ¥1,000 of credits and two orders, each redeemed for ¥800 at the same moment
    ensure_rules()
    gold = CustomerFactory(name="并发金卡", manager=manager)
    register(archivist, gold, issued_on=days_ago(30))
    credit(gold)
    orders = [order(gold), order(gold)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    read_balance = services.ledger.balance_of

    def slow_balance(customer_id: int) -> Decimal:
        # Hold the window between reading the balance and writing the row open, so that
        # without the lock both threads would read ¥1,000 and both redeem.
        value = read_balance(customer_id)
        time.sleep(0.5)
        return value

    def redeem(parts_order) -> None:
        try:
            barrier.wait(timeout=10)
            services.ledger_redeem(
                actor=archivist, customer=gold, parts_order=parts_order, amount="800"
            )
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=redeem, args=(o,)) for o in orders]
    with mock.patch.object(services.ledger, "balance_of", slow_balance):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    # then: exactly one went through; the other saw the first one's balance
    assert sorted(outcomes)[1] == "ok" and outcomes.count("ok") == 1, outcomes
    assert "balance is 200.00" in next(o for o in outcomes if o != "ok")
    assert selectors.balance_of(gold.pk) == Decimal("200.00")
    assert LedgerEntry.objects.filter(kind="redeem").count() == 1
