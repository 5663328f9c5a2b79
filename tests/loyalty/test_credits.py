"""Credits earned by rule (seed 000), on constructed purchase histories: each due once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customers import services as customer_services
from customers.models import Machine
from loyalty import selectors, services
from loyalty.models import BenefitRule, LedgerEntry
from tests.factories import CustomerFactory, MachineFactory
from tests.loyalty.helpers import buy, days_ago

pytestmark = pytest.mark.django_db


def credits(customer) -> list[tuple[str, int, Decimal]]:
    return list(
        LedgerEntry.objects.filter(customer=customer, kind="earn")
        .order_by("machine_number", "rule__code")
        .values_list("rule__code", "machine_number", "amount")
    )


def test_first_machine_earns_1000(archivist, gold, django_capture_on_commit_callbacks):
    # when
    buy(archivist, gold, on=days_ago(10), capture=django_capture_on_commit_callbacks)

    # then
    assert credits(gold) == [("purchase", 1, Decimal("1000.00"))]
    assert selectors.balance_of(gold.pk) == Decimal("1000.00")


def test_own_second_and_third_machine_earn_1500_each_and_the_fourth_nothing(
    archivist, gold, django_capture_on_commit_callbacks
):
    for n in range(4):
        buy(archivist, gold, on=days_ago(40 - n), capture=django_capture_on_commit_callbacks)

    assert credits(gold) == [
        ("purchase", 1, Decimal("1000.00")),
        ("own_repeat", 2, Decimal("1500.00")),
        ("own_repeat", 3, Decimal("1500.00")),
    ]


def test_referral_then_referred_customers_machines_earn_the_referrer_once_each(
    archivist, gold, django_capture_on_commit_callbacks
):
    # given: the gold customer brings 刘新 (no card of his own)
    new = CustomerFactory(name="刘新")
    services.referral_create(actor=archivist, referrer=gold, referred=new, referred_on=days_ago(30))

    # when: 刘新 buys three machines; the second is saved twice and edited
    buy(archivist, new, on=days_ago(20), capture=django_capture_on_commit_callbacks)
    second = buy(archivist, new, on=days_ago(10), capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.row_update(actor=archivist, row=second, data={"note": "再存一次"})
        customer_services.row_update(
            actor=archivist, row=second, data={"purchase_price": Decimal("390000")}
        )
    buy(archivist, new, on=days_ago(5), capture=django_capture_on_commit_callbacks)

    # then: the referrer got ¥1,000 + ¥1,500 + ¥1,500, once each; 刘新 nothing (no card)
    assert credits(gold) == [
        ("referral", 1, Decimal("1000.00")),
        ("referral_repeat", 2, Decimal("1500.00")),
        ("referral_repeat", 3, Decimal("1500.00")),
    ]
    assert credits(new) == []
    # a re-sync of everything adds nothing
    assert services.credits_sync_all(actor=archivist) == 0
    assert LedgerEntry.objects.count() == 3


def test_reordering_purchases_by_editing_dates_pays_nothing_twice(
    archivist, gold, django_capture_on_commit_callbacks
):
    first = buy(archivist, gold, on=days_ago(30), capture=django_capture_on_commit_callbacks)
    buy(archivist, gold, on=days_ago(20), capture=django_capture_on_commit_callbacks)

    # the first purchase was really the latest: its date is corrected
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.row_update(
            actor=archivist, row=first, data={"purchase_date": days_ago(5)}
        )

    assert [(code, n) for code, n, _ in credits(gold)] == [("purchase", 1), ("own_repeat", 2)]


def test_a_counted_line_of_three_machines_is_three_purchases(
    archivist, gold, django_capture_on_commit_callbacks
):
    line = buy(archivist, gold, quantity=3, capture=django_capture_on_commit_callbacks)
    assert [(c, n) for c, n, _ in credits(gold)] == [
        ("purchase", 1),
        ("own_repeat", 2),
        ("own_repeat", 3),
    ]
    assert set(LedgerEntry.objects.values_list("machine", flat=True)) == {line.pk}


def test_machines_bought_elsewhere_or_before_the_card_earn_nothing(
    archivist, gold, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        MachineFactory(customer=gold, source=Machine.Source.ELSEWHERE)
    buy(archivist, gold, on=days_ago(400), capture=django_capture_on_commit_callbacks)

    assert credits(gold) == []
    # …but it counts as his first: the next one is his second
    buy(archivist, gold, on=days_ago(3), capture=django_capture_on_commit_callbacks)
    assert credits(gold) == [("own_repeat", 2, Decimal("1500.00"))]


def test_no_credits_while_suspended(archivist, gold, django_capture_on_commit_callbacks):
    card = gold.gold_cards.get()
    services.gold_card_suspend(actor=archivist, card=card, reason="欠款未还", on=days_ago(15))
    buy(archivist, gold, on=days_ago(10), capture=django_capture_on_commit_callbacks)
    assert credits(gold) == []

    # reactivated later: the purchase made while suspended still earns nothing
    services.gold_card_reactivate(actor=archivist, card=card, reason="已还清")
    assert credits(gold) == []


def test_changed_amounts_apply_to_new_credits_only(
    archivist, gold, django_capture_on_commit_callbacks
):
    buy(archivist, gold, on=days_ago(9), capture=django_capture_on_commit_callbacks)
    rule = BenefitRule.objects.get(code="own_repeat")
    rule.amount = Decimal("2000")
    services.benefit_rule_save(actor=archivist, rule=rule)
    buy(archivist, gold, on=days_ago(8), capture=django_capture_on_commit_callbacks)

    assert [a for _, _, a in credits(gold)] == [Decimal("1000.00"), Decimal("2000.00")]


def test_the_same_credit_inserted_twice_is_refused_by_the_database(archivist, gold):
    # given: a credit in the ledger
    rule = BenefitRule.objects.get(code="purchase")
    row = dict(customer=gold, kind="earn", amount=Decimal("1000"), rule=rule, buyer=gold)
    LedgerEntry.objects.create(**row, machine_number=1, occurred_on=days_ago(1))

    # when: a second one with the same key
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(**row, machine_number=1, occurred_on=days_ago(2))
