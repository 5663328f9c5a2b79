"""Merging and the gold-card flag: Customer.is_gold_card is not chosen in a merge, it follows
the gold cards the customers hold once the rows have moved (loyalty's rule: an active card),
within the per-manager cap (seed 000: at most 10 gold customers), and follows them back on
undo."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from customers import services as dossier
from customers.matching import services
from customers.models import Customer, DuplicateCandidate, MergeRecord
from loyalty import services as loyalty
from loyalty.models import GoldCard
from tests.factories import CustomerFactory, DuplicateCandidateFactory, UserFactory
from tests.loyalty.helpers import ensure_rules, register

from .test_merge import changed_tables, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, db):
    settings.LANGUAGE_CODE = "en"
    ensure_rules()
    with translation.override("en"):
        yield


@pytest.fixture
def plain(manager):
    """The dossier kept: 刘文才, no card, `manager`'s customer."""
    return CustomerFactory(name="刘文才", manager=manager)


@pytest.fixture
def gold(archivist, other_manager):
    """The duplicate merged into it: 刘文财, holding card JK20260001, `other_manager`'s."""
    customer = CustomerFactory(name="刘文财", manager=other_manager)
    register(archivist, customer, number="JK20260001")
    customer.refresh_from_db()
    return customer


def fresh(customer: Customer) -> Customer:
    return Customer.all_objects.get(pk=customer.pk)


def gold_count(manager: Any) -> int:
    return Customer.objects.filter(manager=manager, is_gold_card=True).count()


def cap(settings: Any, n: int) -> None:
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CARD_CAP_PER_MANAGER": n}


# --- the flag follows the cards ---------------------------------------------------------------


def test_a_gold_duplicate_makes_the_kept_customer_gold_with_its_card_and_manager(
    archivist, plain, gold, manager, other_manager
):
    # when
    record = services.customer_merge(actor=archivist, survivor=plain, loser=gold)

    # then the card moved and the kept customer is gold, with the card's manager
    card = GoldCard.objects.get(number="JK20260001")
    assert card.customer_id == plain.pk and card.state == "active"
    survivor, loser = fresh(plain), fresh(gold)
    assert survivor.is_gold_card and survivor.manager == other_manager
    # the tombstone no longer holds a card, so it is not gold either
    assert not loser.is_gold_card and loser.merged_into_id == survivor.pk
    assert record.survivor_changes["is_gold_card"] == [False, True]
    entry = survivor.history.first()
    assert entry.is_gold_card and entry.history_change_reason == f"merge #{record.pk}"
    assert (gold_count(manager), gold_count(other_manager)) == (0, 1)


def test_a_plain_duplicate_leaves_a_gold_customer_gold(archivist, gold, other_manager):
    # given
    duplicate = CustomerFactory(name="刘文财", manager=other_manager)

    # when
    record = services.customer_merge(actor=archivist, survivor=gold, loser=duplicate)

    # then
    assert fresh(gold).is_gold_card
    assert GoldCard.objects.get().customer_id == gold.pk
    assert "is_gold_card" not in record.survivor_changes


def test_neither_holding_a_card_gives_no_gold_customer(archivist, plain, manager):
    duplicate = CustomerFactory(name="刘文财", manager=manager)
    services.customer_merge(actor=archivist, survivor=plain, loser=duplicate)
    assert not fresh(plain).is_gold_card


@pytest.mark.parametrize("action", ["suspend", "revoke"])
def test_a_suspended_or_revoked_card_does_not_make_the_kept_customer_gold(
    archivist, plain, gold, action
):
    # given the duplicate's card is no longer active
    loyalty.CARD_ACTIONS[action](
        actor=archivist, card=GoldCard.objects.get(), reason="客户长期未采购"
    )
    assert not fresh(gold).is_gold_card

    # when
    services.customer_merge(actor=archivist, survivor=plain, loser=gold)

    # then the card moved with its state, and nobody is gold
    card = GoldCard.objects.get()
    assert card.customer_id == plain.pk and card.state != "active"
    assert not fresh(plain).is_gold_card and not fresh(gold).is_gold_card


def test_the_flag_follows_the_cards_not_the_duplicates_flag(archivist, plain, other_manager):
    # given a duplicate flagged gold by an old import, without any card
    flagged = CustomerFactory(name="刘文财", manager=other_manager, is_gold_card=True)

    # when
    services.customer_merge(actor=archivist, survivor=plain, loser=flagged)

    # then
    assert not fresh(plain).is_gold_card


def test_two_cards_the_archivist_keeps_one_and_the_other_is_revoked_not_left_behind(
    archivist, gold, manager
):
    # given both dossiers hold an active card (one live card per customer at most)
    other = CustomerFactory(name="刘文才", manager=manager)
    register(archivist, other, number="JK20260002")
    with pytest.raises(ValidationError, match="choose the card to keep"):
        services.customer_merge(actor=archivist, survivor=gold, loser=other)

    # when she keeps the kept customer's card (test_merge_two_cards.py has the rest)
    kept = GoldCard.objects.get(number="JK20260001")
    record = services.customer_merge(
        actor=archivist, survivor=gold, loser=other, answers={"keep_card": kept.pk}
    )

    # then the other card is revoked and moved along as history: nothing is left on the
    # tombstone, which is nobody's gold customer
    assert fresh(gold).is_gold_card
    assert GoldCard.objects.get(number="JK20260001").customer_id == gold.pk
    revoked = GoldCard.objects.get(number="JK20260002")
    assert (revoked.customer_id, revoked.state) == (gold.pk, "revoked")
    assert record.kept == []
    assert gold_count(manager) == 0


def test_the_dry_run_shows_the_flag_that_follows_and_writes_nothing(archivist, plain, gold):
    before = snapshot(skip=set())
    plan = services.merge_preview(actor=archivist, survivor=plain, loser=gold)
    assert plan.summary()["changes"]["is_gold_card"] == {"before": False, "after": True}
    assert changed_tables(before, snapshot(skip=set())) == []


# --- it cannot be chosen ---------------------------------------------------------------------


@pytest.mark.parametrize("side", ["survivor", "loser"])
def test_choosing_the_flag_is_refused_and_nothing_is_written(archivist, plain, gold, side):
    before = snapshot(skip=set())
    for service in (services.customer_merge, services.merge_preview):
        with pytest.raises(ValidationError) as caught:
            service(actor=archivist, survivor=plain, loser=gold, choices={"is_gold_card": side})
        assert caught.value.message_dict == {
            "is_gold_card": ["This field cannot be chosen in a merge."]
        }
    assert changed_tables(before, snapshot(skip=set())) == []


def test_the_api_refuses_choosing_the_flag(archivist, plain, gold):
    api = APIClient()
    api.force_authenticate(archivist)
    for dry_run in (True, False):
        response = api.post(
            "/api/v1/merges/",
            {
                "survivor": plain.pk,
                "loser": gold.pk,
                "choices": {"is_gold_card": "survivor"},
                "dry_run": dry_run,
            },
            format="json",
        )
        assert response.status_code == 400
        assert "is_gold_card" in str(response.json()["choices"])
    assert not MergeRecord.objects.exists()
    assert fresh(gold).merged_into_id is None and GoldCard.objects.get().customer_id == gold.pk


def test_the_merge_form_does_not_offer_the_flag_and_refuses_it(client, archivist, plain, gold):
    candidate = DuplicateCandidateFactory(low=plain, high=gold)
    client.force_login(archivist)

    # the pair page shows the flag with what it follows, without a choice
    page = client.get(candidate.get_absolute_url(), {"keep": plain.pk})
    html = page.content.decode()
    assert 'name="choice_is_gold_card"' not in html
    assert 'name="choice_manager"' in html
    assert "follows the customer&#x27;s gold card" in html
    row = next(r for r in page.context["view"].rows if r.name == "is_gold_card")
    assert row.follows and (row.left, row.right) == ("no", "yes")
    # the gold duplicate's manager is proposed, and the plan shows the flag that follows
    manager_row = next(r for r in page.context["view"].rows if r.name == "manager")
    assert manager_row.choice == "loser"
    assert page.context["plan"].changes["is_gold_card"] == (False, True)

    # a forged choice is refused with the reason, and nothing is written (but the message)
    before = snapshot(skip={"sessions.Session"})
    response = client.post(
        reverse("customers:duplicate_merge", args=[candidate.pk]),
        {"survivor": plain.pk, "choice_is_gold_card": "survivor"},
        follow=True,
    )
    assert "This field cannot be chosen in a merge." in response.content.decode()
    assert changed_tables(before, snapshot(skip={"sessions.Session"})) == []
    assert DuplicateCandidate.objects.get(pk=candidate.pk).status == "open"


# --- the per-manager cap --------------------------------------------------------------------


def test_the_gold_customer_keeps_his_managers_place_when_the_other_manager_is_full(
    settings, archivist, plain, gold, manager, other_manager
):
    # given the kept customer's manager already looks after as many gold customers as allowed
    cap(settings, 1)
    register(archivist, CustomerFactory(name="王振海", manager=manager), number="JK20260003")

    # when merged as proposed
    services.customer_merge(actor=archivist, survivor=plain, loser=gold)

    # then the gold customer stays with the card's manager: no count changed
    assert fresh(plain).manager == other_manager and fresh(plain).is_gold_card
    assert (gold_count(manager), gold_count(other_manager)) == (1, 1)


def test_choosing_a_full_manager_for_the_new_gold_customer_is_refused(
    settings, archivist, plain, gold, manager
):
    # given
    cap(settings, 1)
    register(archivist, CustomerFactory(name="王振海", manager=manager), number="JK20260003")
    before = snapshot(skip=set())

    # when the archivist keeps the kept customer's manager, who is full: dry run and merge
    for service in (services.merge_preview, services.customer_merge):
        with pytest.raises(ValidationError) as caught:
            service(actor=archivist, survivor=plain, loser=gold, choices={"manager": "survivor"})
        assert "the limit is 1" in caught.value.message_dict["manager"][0]

    # then nothing was written
    assert changed_tables(before, snapshot(skip=set())) == []


def test_choosing_a_manager_with_room_for_the_new_gold_customer_is_allowed(
    settings, archivist, plain, gold, manager, other_manager
):
    cap(settings, 1)
    services.customer_merge(
        actor=archivist, survivor=plain, loser=gold, choices={"manager": "survivor"}
    )
    assert fresh(plain).manager == manager and fresh(plain).is_gold_card
    assert (gold_count(manager), gold_count(other_manager)) == (1, 0)


def test_a_gold_customer_given_to_a_full_manager_by_a_merge_is_refused(
    settings, archivist, gold, manager
):
    # given a gold kept customer and a plain duplicate of a full manager
    cap(settings, 1)
    register(archivist, CustomerFactory(name="王振海", manager=manager), number="JK20260003")
    duplicate = CustomerFactory(name="刘文财", manager=manager)

    # when the duplicate's manager is chosen
    with pytest.raises(ValidationError, match="the limit is 1"):
        services.customer_merge(
            actor=archivist, survivor=gold, loser=duplicate, choices={"manager": "loser"}
        )
    assert not MergeRecord.objects.exists()


# --- undo ------------------------------------------------------------------------------------


def test_undo_gives_the_card_and_the_flag_back_to_the_duplicate(archivist, plain, gold):
    # given
    before = snapshot()
    record = services.customer_merge(actor=archivist, survivor=plain, loser=gold)

    # when
    record = services.merge_undo(actor=archivist, record=record)

    # then every table is as before: the card, both flags, both managers, the history
    assert changed_tables(before, snapshot()) == []
    assert fresh(gold).is_gold_card and not fresh(plain).is_gold_card
    assert GoldCard.objects.get().customer_id == gold.pk
    assert record.undo_notes == []


def test_undo_follows_a_card_that_changed_since_the_merge(archivist, plain, gold):
    # given the card was suspended on the kept customer after the merge
    record = services.customer_merge(actor=archivist, survivor=plain, loser=gold)
    loyalty.gold_card_suspend(actor=archivist, card=GoldCard.objects.get(), reason="欠款未结")
    assert not fresh(plain).is_gold_card

    # when
    record = services.merge_undo(actor=archivist, record=record)

    # then the suspended card went back, and neither customer is gold
    assert GoldCard.objects.get().customer_id == gold.pk
    assert not fresh(gold).is_gold_card and not fresh(plain).is_gold_card
    assert any("gold card of 刘文财" in note for note in record.undo_notes)
    assert fresh(gold).history.first().history_user == archivist


def test_undo_is_refused_when_the_gold_customers_manager_has_no_place_left(
    settings, archivist, plain, gold, other_manager
):
    # given the duplicate's manager lost the gold customer to the merge and filled the place
    cap(settings, 1)
    record = services.customer_merge(
        actor=archivist, survivor=plain, loser=gold, choices={"manager": "survivor"}
    )
    newcomer = CustomerFactory(name="王振海", manager=other_manager)
    register(archivist, newcomer, number="JK20260003")
    before = snapshot(skip=set())

    # when
    with pytest.raises(ValidationError, match="the limit is 1"):
        services.merge_undo(actor=archivist, record=record)

    # then nothing changed: the archivist frees a place first, then undoes
    assert changed_tables(before, snapshot(skip=set())) == []
    third = UserFactory(username="manager3", role="sales_manager")
    dossier.customer_assign_manager(actor=archivist, customer=newcomer, manager=third)
    services.merge_undo(actor=archivist, record=record)
    assert fresh(gold).is_gold_card and fresh(gold).manager == other_manager
