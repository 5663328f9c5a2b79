"""Credits after a merge (issue 17 part 4): the duplicate's machines come to the kept customer
with the credits they earned on the duplicate's own count, and no machine is paid twice
when the two counts become one (loyalty.services.ledger.credited_places)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customers.matching import services as matching
from customers.models import Customer, MergeRecord
from loyalty import services
from loyalty.models import GoldCard, LedgerEntry
from loyalty.selectors.cards import balance_of
from tests.factories import CustomerFactory
from tests.loyalty.helpers import buy, days_ago, ensure_rules, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rules(db):
    ensure_rules()


def credits(customer: Customer) -> list[tuple[str, str, int, Decimal]]:
    """(rule, buyer's name, buyer's machine no., amount) of the customer's credits."""
    return sorted(
        LedgerEntry.objects.filter(customer=customer, kind="earn").values_list(
            "rule__code", "buyer__name", "machine_number", "amount"
        )
    )


def gold(archivist, manager, name: str, number: str) -> Customer:
    customer = CustomerFactory(name=name, manager=manager)
    register(archivist, customer, number=number, issued_on=days_ago(300))
    return Customer.objects.get(pk=customer.pk)


def merge(archivist, kept: Customer, dup: Customer, capture) -> None:
    """The archivist merges (keeping the kept customer's card when both hold one); the
    on-commit syncs run."""
    answers = {}
    card = GoldCard.objects.filter(customer=kept).first()
    if card is not None and GoldCard.objects.filter(customer=dup).exists():
        answers["keep_card"] = card.pk
    with capture(execute=True):
        matching.customer_merge(actor=archivist, survivor=kept, loser=dup, answers=answers)


def merge_and_sync(archivist, kept: Customer, dup: Customer, capture) -> int:
    """The merge, then every buyer synced again (the nightly job): the credits it added."""
    merge(archivist, kept, dup, capture)
    return services.credits_sync_all(actor=archivist)


@pytest.mark.parametrize("duplicate_bought_first", [False, True])
def test_no_machine_is_paid_twice_and_the_next_purchase_counts_from_both(
    archivist, manager, other_manager, django_capture_on_commit_callbacks, duplicate_bought_first
):
    # given the same man twice, each dossier paid ¥1,000 for "his first machine"
    capture = django_capture_on_commit_callbacks
    kept = gold(archivist, manager, "刘文才", "JK20260001")
    dup = gold(archivist, other_manager, "刘文财", "JK20260002")
    buy(archivist, kept, capture=capture, on=days_ago(100 if not duplicate_bought_first else 50))
    buy(archivist, dup, capture=capture, on=days_ago(50 if not duplicate_bought_first else 100))
    assert balance_of(kept.pk) + balance_of(dup.pk) == Decimal("2000.00")

    # when they are merged and everything is synced again (the nightly job)
    added = merge_and_sync(archivist, kept, dup, capture)

    # then neither machine earns again: not the duplicate's as the kept customer's second,
    # nor the kept customer's own when the duplicate's earlier one is counted first
    assert added == 0
    assert credits(kept) == [
        ("purchase", "刘文才", 1, Decimal("1000.00")),
        ("purchase", "刘文财", 1, Decimal("1000.00")),
    ]

    # and his next machine is his third: a repeat purchase (¥1,500), the one after it his
    # fourth, which no rule pays
    buy(archivist, kept, capture=capture, on=days_ago(5))
    buy(archivist, kept, capture=capture, on=days_ago(2))
    assert credits(kept) == [
        ("own_repeat", "刘文才", 3, Decimal("1500.00")),
        ("purchase", "刘文才", 1, Decimal("1000.00")),
        ("purchase", "刘文财", 1, Decimal("1000.00")),
    ]
    assert balance_of(kept.pk) == Decimal("3500.00")
    assert services.credits_sync_all(actor=archivist) == 0


def test_a_counted_line_of_the_duplicates_takes_as_many_places(
    archivist, manager, other_manager, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    kept = gold(archivist, manager, "刘文才", "JK20260001")
    dup = gold(archivist, other_manager, "刘文财", "JK20260002")
    buy(archivist, dup, capture=capture, on=days_ago(100), quantity=3)  # ¥1,000 + 2 × ¥1,500
    buy(archivist, kept, capture=capture, on=days_ago(50))  # ¥1,000

    merge(archivist, kept, dup, capture)

    # four machines, four credits: nothing more, now or at the next purchase (his fifth)
    assert services.credits_sync_all(actor=archivist) == 0
    buy(archivist, kept, capture=capture, on=days_ago(5))
    assert balance_of(kept.pk) == Decimal("5000.00")
    assert len(credits(kept)) == 4


def test_the_duplicates_purchases_without_a_credit_earn_on_the_kept_customers_count(
    archivist, manager, other_manager, django_capture_on_commit_callbacks
):
    # given the duplicate dossier held no card: his machine earned nothing there
    capture = django_capture_on_commit_callbacks
    kept = gold(archivist, manager, "刘文才", "JK20260001")
    dup = CustomerFactory(name="刘文财", manager=other_manager)
    buy(archivist, kept, capture=capture, on=days_ago(100))
    buy(archivist, dup, capture=capture, on=days_ago(50))
    assert credits(dup) == []

    merge_and_sync(archivist, kept, dup, capture)

    # then, the man holding a card when he bought it, it is his second machine: ¥1,500
    assert credits(kept) == [
        ("own_repeat", "刘文才", 2, Decimal("1500.00")),
        ("purchase", "刘文才", 1, Decimal("1000.00")),
    ]


def test_the_referrer_is_not_paid_twice_for_the_same_machine(
    archivist, manager, other_manager, django_capture_on_commit_callbacks
):
    # given 王金卡 referred 刘文财, whose machine earned him ¥1,000; 刘文才 (the same man,
    # not referred in his dossier) bought a machine later
    capture = django_capture_on_commit_callbacks
    referrer = gold(archivist, manager, "王金卡", "JK20260009")
    kept = CustomerFactory(name="刘文才", manager=manager)
    dup = CustomerFactory(name="刘文财", manager=other_manager)
    services.referral_create(
        actor=archivist, referrer=referrer, referred=dup, referred_on=days_ago(80)
    )
    buy(archivist, dup, capture=capture, on=days_ago(50))
    buy(archivist, kept, capture=capture, on=days_ago(40))
    assert credits(referrer) == [("referral", "刘文财", 1, Decimal("1000.00"))]

    # when merged, the referral now the kept customer's
    merge_and_sync(archivist, kept, dup, capture)

    # then the referred man's first machine is not paid again (its credit now names the kept
    # customer as the buyer: the merge re-points a buyer where no credit of his own holds
    # the place); his second earns the repeat
    assert credits(referrer) == [
        ("referral", "刘文才", 1, Decimal("1000.00")),
        ("referral_repeat", "刘文才", 2, Decimal("1500.00")),
    ]


def test_after_an_undo_the_machine_bought_meanwhile_is_not_paid_again(
    archivist, manager, other_manager, django_capture_on_commit_callbacks
):
    # given the merged man bought his third machine (¥1,500 as a repeat purchase)
    capture = django_capture_on_commit_callbacks
    kept = gold(archivist, manager, "刘文才", "JK20260001")
    dup = gold(archivist, other_manager, "刘文财", "JK20260002")
    buy(archivist, kept, capture=capture, on=days_ago(100))
    buy(archivist, dup, capture=capture, on=days_ago(50))
    merge(archivist, kept, dup, capture)
    record = MergeRecord.objects.get(survivor=kept, loser=dup)
    buy(archivist, kept, capture=capture, on=days_ago(5))
    assert balance_of(kept.pk) == Decimal("3500.00")

    # when the merge is undone (the duplicate's machine and credit go back) and all is synced
    with capture(execute=True):
        matching.merge_undo(actor=archivist, record=record)
    added = services.credits_sync_all(actor=archivist)

    # then the machine bought meanwhile, now 刘文才's second, keeps its one credit
    assert added == 0
    assert credits(kept) == [
        ("own_repeat", "刘文才", 3, Decimal("1500.00")),
        ("purchase", "刘文才", 1, Decimal("1000.00")),
    ]
    assert credits(dup) == [("purchase", "刘文财", 1, Decimal("1000.00"))]
    assert (balance_of(kept.pk), balance_of(dup.pk)) == (Decimal("2500.00"), Decimal("1000.00"))
