"""Referrals (seed 000's snowball): bad input refused with nothing written; the tree with
the revenue each referred customer brought since he was referred."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from customers.models import Machine
from loyalty import selectors, services
from loyalty.models import LedgerEntry, Referral
from tests.factories import CustomerFactory, MachineFactory, PartsOrderFactory
from tests.loyalty.helpers import days_ago

pytestmark = pytest.mark.django_db


def refer(archivist, referrer, referred, days: int = 60):
    return services.referral_create(
        actor=archivist, referrer=referrer, referred=referred, referred_on=days_ago(days)
    )


def test_a_customer_referring_himself_is_refused(archivist, customer):
    with pytest.raises(ValidationError) as exc:
        refer(archivist, customer, customer)
    assert "himself" in exc.value.message_dict["referrer"][0]
    assert not Referral.objects.exists()


def test_a_referral_loop_is_refused_and_nothing_written(archivist, manager):
    a, b, c = (CustomerFactory(name=n, manager=manager) for n in ("甲", "乙", "丙"))
    refer(archivist, a, b)

    with pytest.raises(ValidationError) as exc:
        refer(archivist, b, a)  # A→B→A
    assert "loop" in exc.value.message_dict["referrer"][0]

    refer(archivist, b, c)
    with pytest.raises(ValidationError, match="loop"):
        refer(archivist, c, a)  # A→B→C→A
    assert Referral.objects.count() == 2


def test_a_customer_has_one_referrer(archivist, manager):
    a, b, c = (CustomerFactory(manager=manager) for _ in range(3))
    refer(archivist, a, c)
    with pytest.raises(ValidationError) as exc:
        refer(archivist, b, c)
    assert "already referred" in exc.value.message_dict["referred"][0]
    assert Referral.objects.get().referrer == a


def test_a_future_date_is_refused(archivist, manager):
    a, b = CustomerFactory(manager=manager), CustomerFactory(manager=manager)
    with pytest.raises(ValidationError):
        refer(archivist, a, b, days=-1)


@pytest.mark.parametrize("role", ["manager", "service_user", "executive", "outsider"])
def test_only_the_archivist_records_referrals(request, manager, role):
    a, b = CustomerFactory(manager=manager), CustomerFactory(manager=manager)
    with pytest.raises(PermissionDenied):
        refer(request.getfixturevalue(role), a, b)


def test_recording_a_referral_later_credits_purchases_made_since(archivist, gold):
    # given: 刘新 bought his first machine from us a week ago, referred by 王金卡 a month ago
    new = CustomerFactory(name="刘新")
    MachineFactory(
        customer=new,
        source=Machine.Source.FROM_US,
        purchase_date=days_ago(7),
        purchase_price=Decimal("300000"),
    )

    # when: the archivist records the referral only now — no step by either customer
    refer(archivist, gold, new, days=30)

    # then
    assert list(LedgerEntry.objects.filter(customer=gold).values_list("rule__code", "amount")) == [
        ("referral", Decimal("1000.00"))
    ]


def test_the_tree_shows_the_snowball_and_the_revenue_it_brought(archivist, executive, gold):
    # given: 王金卡 → 乙 → 丙, and 王金卡 → 丁
    b, c, d = (CustomerFactory(name=n) for n in ("乙", "丙", "丁"))
    refer(archivist, gold, b, days=100)
    refer(archivist, b, c, days=50)
    refer(archivist, gold, d, days=20)
    # 乙 bought a machine before he was referred (does not count) and one after
    for days, price in ((200, "100000"), (60, "250000")):
        MachineFactory(
            customer=b,
            source=Machine.Source.FROM_US,
            purchase_date=days_ago(days),
            purchase_price=Decimal(price),
        )
    PartsOrderFactory(customer=c, ordered_on=days_ago(10), subtotal=800, total=800)

    # when
    tree = selectors.referral_tree(user=executive, customer=gold)

    # then
    rows = [(r.name, r.depth, r.revenue, r.subtree) for r in tree.rows]
    assert rows == [
        ("乙", 0, Decimal("250000.00"), Decimal("250800.00")),
        ("丙", 1, Decimal("800.00"), Decimal("800.00")),
        ("丁", 0, Decimal("0.00"), Decimal("0.00")),
    ]
    assert tree.direct == 2 and tree.total == Decimal("250800.00")


def test_a_manager_sees_other_managers_customers_in_the_tree_without_their_names(
    archivist, manager, other_manager, gold
):
    theirs = CustomerFactory(name="别人的客户", manager=other_manager)
    refer(archivist, gold, theirs)
    tree = selectors.referral_tree(user=manager, customer=gold)
    assert [(r.visible, r.name) for r in tree.rows] == [(False, "")]
    # and the API list holds only referrals between his own customers
    assert not selectors.referral_list(user=manager).exists()
    assert selectors.referral_list(user=other_manager).count() == 0
