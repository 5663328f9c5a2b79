"""loyalty.services.card_merges and the card services under it: the `keep_card` question a
merge of two card holders asks, the revocation of the card not kept (through the card's own
life), and its undo."""

from __future__ import annotations

import pytest
from django.utils import timezone

from customers.matching import services as matching
from customers.models import Customer
from dealercrm.templatetags.dealercrm import person
from loyalty import services
from loyalty.models import GoldCard, GoldCardEvent, LedgerEntry
from loyalty.services import card_merges
from tests.customers.test_merge import changed_tables, snapshot, undo_exactly
from tests.factories import CustomerFactory
from tests.loyalty.helpers import buy, days_ago, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def twin(archivist, other_manager):
    """The same man as `gold`, registered again under another manager."""
    customer = CustomerFactory(name="王金卡", manager=other_manager)
    register(archivist, customer, number="JK20269999", issued_on=days_ago(10))
    return Customer.objects.get(pk=customer.pk)


def fresh(customer: Customer) -> Customer:
    return Customer.all_objects.get(pk=customer.pk)


# --- the card service ---------------------------------------------------------------------------


def test_a_revocation_for_a_merge_leaves_the_holders_flag_to_the_merge(archivist, gold):
    card = GoldCard.objects.get(customer=gold)
    history = gold.history.count()

    services.gold_card_revoke(
        actor=archivist, card=card, reason="合并重复客户", holder_follows=False
    )

    card.refresh_from_db()
    assert card.state == "revoked" and card.revoked_on == timezone.localdate()
    assert card.events.order_by("-id").first().reason == "合并重复客户"
    # the holder's row is untouched: the merge writes is_gold_card for the cards as they end
    assert fresh(gold).is_gold_card and gold.history.count() == history


def test_an_ordinary_revocation_still_takes_the_flag_away(archivist, gold):
    services.gold_card_revoke(actor=archivist, card=GoldCard.objects.get(), reason="长期未采购")
    assert not fresh(gold).is_gold_card


@pytest.mark.parametrize("state", ["active", "suspended"])
def test_the_undo_of_a_merge_revocation_gives_the_card_back_as_it_was(archivist, gold, state):
    # given
    card = GoldCard.objects.get()
    if state == "suspended":
        services.gold_card_suspend(actor=archivist, card=card, reason="欠款未结")
    before = snapshot(skip=set())
    card.refresh_from_db()
    updated_at = card.updated_at
    services.gold_card_revoke(actor=archivist, card=card, reason="合并", holder_follows=False)
    event = GoldCardEvent.objects.get(kind="revoked")

    # when
    note = services.cards.gold_card_revoke_undo(
        actor=archivist, card_id=card.pk, event_id=event.pk, state=state, updated_at=updated_at
    )

    # then
    assert note == ""
    assert changed_tables(before, snapshot(skip=set())) == []


def test_the_undo_leaves_a_card_revoked_beside_a_newer_one_and_says_why(archivist, gold):
    card = GoldCard.objects.get()
    updated_at = card.updated_at
    services.gold_card_revoke(actor=archivist, card=card, reason="合并", holder_follows=False)
    event = GoldCardEvent.objects.get(kind="revoked")
    register(archivist, gold, number="JK20260077")

    note = services.cards.gold_card_revoke_undo(
        actor=archivist, card_id=card.pk, event_id=event.pk, state="active", updated_at=updated_at
    )

    card.refresh_from_db()
    assert card.state == "revoked" and GoldCardEvent.objects.filter(pk=event.pk).exists()
    assert note == f"Card {card.number} stays revoked: 王金卡 holds card JK20260077 now."


def test_the_undo_leaves_a_card_whose_revocation_is_gone(archivist, gold):
    card = GoldCard.objects.get()
    note = services.cards.gold_card_revoke_undo(
        actor=archivist, card_id=card.pk, event_id=0, state="active", updated_at=card.updated_at
    )
    assert note == f"Card #{card.pk} changed since the merge and was left as it is."
    assert GoldCard.objects.get().state == "active"


# --- the question ---------------------------------------------------------------------------


def test_no_question_unless_both_hold_a_live_card(archivist, gold, other_manager):
    plain = CustomerFactory(name="王金卡", manager=other_manager)
    assert card_merges.card_question(gold, plain) is None
    revoked = CustomerFactory(name="王金卡", manager=other_manager)
    services.gold_card_revoke(
        actor=archivist, card=register(archivist, revoked, number="JK20268888"), reason="注销"
    )
    assert card_merges.card_question(gold, revoked) is None


def test_the_question_shows_both_cards(archivist, gold, twin, other_manager):
    theirs_card = GoldCard.objects.get(customer=twin)
    services.gold_card_suspend(actor=archivist, card=theirs_card, reason="欠款")

    question = card_merges.card_question(gold, twin)

    assert question is not None and question.key == "keep_card"
    mine, theirs = question.options
    card = GoldCard.objects.get(customer=gold)
    assert (mine.value, mine.label) == (card.pk, card.number)
    assert theirs.label == "JK20269999"
    facts = dict(theirs.facts)
    assert facts["Holder"] == f"王金卡 (#{twin.pk}), the customer merged into it"
    assert facts["State"] == "Suspended"
    assert facts["Issued on"] == days_ago(10).isoformat()
    assert facts["Credit balance (CNY)"] == "¥0.00"
    assert facts["Sales manager"] == person(other_manager)
    assert theirs.effect == (
        f"Card {mine.label} is revoked: “Merged duplicate customers: card JK20269999 kept”."
    )


# --- through the merge: a suspended card is a live card too ------------------------------------


def test_keeping_a_suspended_card_and_undoing_it(archivist, gold, twin):
    # given the duplicate's card is suspended (a live card: one per customer)
    suspended = GoldCard.objects.get(customer=twin)
    services.gold_card_suspend(actor=archivist, card=suspended, reason="欠款未结")
    active = GoldCard.objects.get(customer=gold)
    before = snapshot()

    # when she keeps the suspended one
    record = matching.customer_merge(
        actor=archivist, survivor=gold, loser=twin, answers={"keep_card": suspended.pk}
    )

    # then the kept customer holds it, suspended, and is not gold while it is
    suspended.refresh_from_db()
    active.refresh_from_db()
    assert (suspended.customer_id, suspended.state) == (gold.pk, "suspended")
    assert (active.customer_id, active.state) == (gold.pk, "revoked")
    assert not fresh(gold).is_gold_card
    assert record.survivor_changes["is_gold_card"] == [True, False]

    # when undone, both cards are as they were, and so is every table
    undo_exactly(archivist, record, before)
    assert fresh(gold).is_gold_card and not fresh(twin).is_gold_card


def test_a_credit_moves_whole_when_the_kept_customer_has_no_such_credit(
    archivist, gold, django_capture_on_commit_callbacks
):
    # given the gold duplicate earned a credit for his first machine; the kept one has none
    buy(archivist, gold, capture=django_capture_on_commit_callbacks, on=days_ago(5))
    credit = LedgerEntry.objects.get()
    plain = CustomerFactory(name="王金卡", manager=gold.manager)

    # when
    record = matching.customer_merge(actor=archivist, survivor=plain, loser=gold)

    # then the credit is the kept customer's, for his purchase, and nothing stays behind
    credit.refresh_from_db()
    assert (credit.customer_id, credit.buyer_id) == (plain.pk, plain.pk)
    assert [k for k in record.kept if k["model"] == "loyalty.LedgerEntry"] == []


# --- a key account and a gold card (the merge asks which stays) --------------------------------


@pytest.fixture
def key_account(other_manager):
    """The same man as `gold`, entered again as a key account (大客户) by another manager."""
    return CustomerFactory(name="王金卡", manager=other_manager, is_key_account=True)


def test_no_key_account_question_without_a_key_account_or_a_live_card(
    archivist, gold, key_account, other_manager
):
    plain = CustomerFactory(name="王金卡", manager=other_manager)
    assert card_merges.key_account_question(gold, plain) is None
    assert card_merges.key_account_question(key_account, plain) is None
    question = card_merges.key_account_question(key_account, gold)
    assert question is not None and question.key == "key_account_card"
    assert [o.value for o in question.options] == ["key_account", "gold_card"]


def key_account_merged(archivist, gold, key_account, keep: str):
    """`gold` merged into `key_account` with key_account_card = `keep`: gold's card and the
    kept customer as they are now, the merge record, and every table as it was before."""
    card = GoldCard.objects.get(customer=gold)
    before = snapshot()
    record = matching.customer_merge(
        actor=archivist, survivor=key_account, loser=gold, answers={"key_account_card": keep}
    )
    card.refresh_from_db()
    return card, fresh(key_account), record, before


def test_the_merge_refuses_until_asked_whether_the_key_account_or_the_card_stays(
    archivist, gold, key_account
):
    from django.core.exceptions import ValidationError

    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        matching.customer_merge(actor=archivist, survivor=key_account, loser=gold)
    assert "key_account_card" in refused.value.message_dict
    assert changed_tables(before, snapshot()) == []


def test_keeping_the_key_account_revokes_the_card_and_the_undo_gives_it_back(
    archivist, gold, key_account
):
    # given 王金卡 a gold customer, and his duplicate a key account (kept); when the
    # archivist keeps the key account
    card, kept, record, before = key_account_merged(archivist, gold, key_account, "key_account")
    # then the card moved to him revoked, with the reason; he is a key account, not gold
    assert (card.customer_id, card.state) == (key_account.pk, "revoked")
    assert card.events.order_by("-id").first().reason == (
        "Merged duplicate customers: a key account is not offered a gold card"
    )
    assert kept.is_key_account and not kept.is_gold_card
    assert "JK" in record.answers[0]["effect"] and "revoked" in record.answers[0]["effect"]
    # and a key account never holds a live card
    assert not GoldCard.objects.filter(customer=kept).exclude(state="revoked").exists()
    # when undone, every table is as it was
    undo_exactly(archivist, record, before)


def test_keeping_the_card_clears_the_key_account_flag_and_the_undo_sets_it_again(
    archivist, gold, key_account
):
    # when the kept customer is the key account, and the archivist keeps the card
    card, kept, record, before = key_account_merged(archivist, gold, key_account, "gold_card")
    # then he holds the live card and is no longer a key account (the merge record says so)
    assert (card.customer_id, card.state) == (key_account.pk, "active")
    assert kept.is_gold_card and not kept.is_key_account
    assert record.survivor_changes["is_key_account"] == [True, False]
    assert "cleared" in record.answers[0]["effect"]
    # when undone, the flag is back and every table is as it was
    undo_exactly(archivist, record, before)
    assert fresh(key_account).is_key_account


def test_two_cards_and_a_key_account_kept_revoke_both_cards(archivist, gold, twin):
    Customer.objects.filter(pk=twin.pk).update(is_key_account=True)
    twin = fresh(twin)
    mine, theirs = GoldCard.objects.get(customer=gold), GoldCard.objects.get(customer=twin)
    before = snapshot()
    record = matching.customer_merge(
        actor=archivist,
        survivor=gold,
        loser=twin,
        answers={"keep_card": mine.pk, "key_account_card": "key_account"},
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.state, theirs.state) == ("revoked", "revoked")
    kept = fresh(gold)
    assert kept.is_key_account and not kept.is_gold_card
    undo_exactly(archivist, record, before)
