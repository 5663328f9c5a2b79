"""Issue 17 part 4: two duplicates that each hold a gold card. A customer holds one live card
at most, so the merge asks which card to keep (`keep_card`, browser and API), revokes the
other through the card's own life with the reason, keeps the credits of both on the kept
customer, and the undo gives everything back exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from customers.matching import services
from customers.models import Customer, DuplicateCandidate, MergeRecord
from loyalty import services as loyalty
from loyalty.models import GoldCard, GoldCardEvent, LedgerEntry
from loyalty.selectors.cards import balance_of
from tests import every_field as ef
from tests.factories import CustomerFactory, DuplicateCandidateFactory
from tests.loyalty.helpers import buy, days_ago, ensure_rules, register

from .test_merge import changed_tables, snapshot

pytestmark = pytest.mark.django_db

REASON_1 = "Merged duplicate customers: card JK20260001 kept"
REASON_2 = "Merged duplicate customers: card JK20260002 kept"
# The browser keeps its messages in the session: a refused form writes nothing else.
SESSION = {"sessions.Session"}


@pytest.fixture(autouse=True)
def _english(settings, db):
    settings.LANGUAGE_CODE = "en"
    ensure_rules()
    with translation.override("en"):
        yield


@pytest.fixture
def kept(archivist, manager, django_capture_on_commit_callbacks):
    """刘文才, `manager`'s gold customer: card JK20260001, one machine bought (1,000 credit)."""
    customer = CustomerFactory(name="刘文才", manager=manager)
    register(archivist, customer, number="JK20260001", issued_on=days_ago(60))
    buy(archivist, customer, capture=django_capture_on_commit_callbacks, on=days_ago(20))
    return Customer.objects.get(pk=customer.pk)


@pytest.fixture
def dup(archivist, other_manager, django_capture_on_commit_callbacks):
    """刘文财, the same man, `other_manager`'s gold customer: card JK20260002, one machine."""
    customer = CustomerFactory(name="刘文财", manager=other_manager)
    register(archivist, customer, number="JK20260002", issued_on=days_ago(30))
    buy(archivist, customer, capture=django_capture_on_commit_callbacks, on=days_ago(10))
    return Customer.objects.get(pk=customer.pk)


def card(number: str) -> GoldCard:
    return GoldCard.objects.get(number=number)


def fresh(customer: Customer) -> Customer:
    return Customer.all_objects.get(pk=customer.pk)


def gold_count(manager: Any) -> int:
    return Customer.objects.filter(manager=manager, is_gold_card=True).count()


# --- no merge without the choice ---------------------------------------------------------------


def test_both_cards_and_no_choice_the_merge_and_its_dry_run_are_refused_naming_keep_card(
    archivist, kept, dup
):
    # given
    before = snapshot(skip=set())
    one, two = card("JK20260001"), card("JK20260002")

    for service in (services.merge_preview, services.customer_merge):
        # when
        with pytest.raises(ValidationError) as caught:
            service(actor=archivist, survivor=kept, loser=dup)

        # then the field is named, with both cards to choose from
        errors = caught.value.message_dict
        assert list(errors) == ["keep_card"]
        assert "Both customers hold a gold card" in errors["keep_card"][0]
        assert f"{one.pk} (JK20260001)" in errors["keep_card"][0]
        assert f"{two.pk} (JK20260002)" in errors["keep_card"][0]

    # and nothing was written anywhere
    assert changed_tables(before, snapshot(skip=set())) == []


@pytest.mark.parametrize("answer", ["", "abc", "999999"])
def test_a_card_that_is_not_one_of_the_two_is_refused(archivist, kept, dup, answer):
    before = snapshot(skip=set())
    with pytest.raises(ValidationError) as caught:
        services.customer_merge(
            actor=archivist, survivor=kept, loser=dup, answers={"keep_card": answer}
        )
    assert list(caught.value.message_dict) == ["keep_card"]
    assert changed_tables(before, snapshot(skip=set())) == []


def test_a_third_customers_card_is_refused(archivist, kept, dup):
    stranger = CustomerFactory(name="王振海", manager=kept.manager)
    third = register(archivist, stranger, number="JK20260003")
    with pytest.raises(ValidationError, match="is not one of the choices"):
        services.customer_merge(
            actor=archivist, survivor=kept, loser=dup, answers={"keep_card": third.pk}
        )
    assert third.customer_id == stranger.pk and card("JK20260003").state == "active"


def test_a_choice_where_there_is_nothing_to_choose_is_refused(archivist, kept):
    # given a plain duplicate: one card, nothing to choose
    plain = CustomerFactory(name="刘文财", manager=kept.manager)
    with pytest.raises(ValidationError) as caught:
        services.customer_merge(
            actor=archivist,
            survivor=kept,
            loser=plain,
            answers={"keep_card": card("JK20260001").pk},
        )
    assert caught.value.message_dict == {
        "keep_card": ["There is nothing to choose for keep_card in this merge."]
    }
    # without it the merge goes through as before
    services.customer_merge(actor=archivist, survivor=kept, loser=plain)
    assert fresh(kept).is_gold_card


def test_a_bad_field_choice_and_a_missing_card_are_named_together(archivist, kept, dup):
    with pytest.raises(ValidationError) as caught:
        services.customer_merge(
            actor=archivist, survivor=kept, loser=dup, choices={"is_gold_card": "loser"}
        )
    assert set(caught.value.message_dict) == {"is_gold_card", "keep_card"}


# --- the choice carried out ------------------------------------------------------------------


def test_keeping_the_kept_customers_card_revokes_the_duplicates_with_the_reason(
    archivist, kept, dup, manager, other_manager
):
    # given
    one, two = card("JK20260001"), card("JK20260002")
    balances = balance_of(kept.pk) + balance_of(dup.pk)
    assert balances == Decimal("2000.00")
    credit = LedgerEntry.objects.get(customer=dup)

    # when
    record = services.customer_merge(
        actor=archivist, survivor=kept, loser=dup, answers={"keep_card": one.pk}
    )

    # then the kept card stays, active, on the kept customer
    one.refresh_from_db()
    assert (one.customer_id, one.state) == (kept.pk, "active")
    # the other is revoked today through its own life, with the reason, and moved along as
    # the dossier's history
    two.refresh_from_db()
    assert (two.customer_id, two.state, two.revoked_on) == (
        kept.pk,
        "revoked",
        timezone.localdate(),
    )
    event = two.events.order_by("-id").first()
    assert (event.kind, event.reason, event.actor) == ("revoked", REASON_1, archivist)
    assert [e.kind for e in two.events.order_by("id")] == ["issued", "revoked"]
    # one gold customer, under the kept customer's manager; the tombstone is nobody's
    assert fresh(kept).is_gold_card and not fresh(dup).is_gold_card
    assert (gold_count(manager), gold_count(other_manager)) == (1, 0)
    # the credits of both are one balance on the kept customer (this merge used to fail on
    # the ledger's unique key: each dossier was paid for its "first machine")
    assert balance_of(kept.pk) == balances and balance_of(dup.pk) == 0
    # the duplicate's credit still names his purchase: re-pointing its buyer would make it
    # the kept customer's first-machine credit a second time, so the record says so
    credit.refresh_from_db()
    assert (credit.customer_id, credit.buyer_id) == (kept.pk, dup.pk)
    assert [(k["model"], k["field"], k["pk"]) for k in record.kept] == [
        ("loyalty.LedgerEntry", "buyer", credit.pk)
    ]
    # the record says what was chosen and done, in her words
    assert record.answers[0]["field"] == "keep_card"
    assert record.answers[0]["value"] == one.pk
    assert record.answers[0]["effect"] == (
        f"Card JK20260001 kept; card JK20260002 revoked: “{REASON_1}”."
    )


def test_keeping_the_duplicates_card_moves_it_and_revokes_the_kept_customers(
    archivist, kept, dup, manager, other_manager
):
    one, two = card("JK20260001"), card("JK20260002")

    services.customer_merge(
        actor=archivist, survivor=kept, loser=dup, answers={"keep_card": str(two.pk)}
    )

    one.refresh_from_db()
    two.refresh_from_db()
    assert (two.customer_id, two.state) == (kept.pk, "active")
    assert (one.customer_id, one.state) == (kept.pk, "revoked")
    assert one.events.order_by("-id").first().reason == REASON_2
    assert fresh(kept).is_gold_card and not fresh(dup).is_gold_card
    # the kept customer's manager keeps him (the manager is a field choice of its own)
    assert (gold_count(manager), gold_count(other_manager)) == (1, 0)
    # the kept card redeems the credits of both
    assert balance_of(kept.pk) == Decimal("2000.00")


def test_the_dry_run_says_what_the_choice_does_and_writes_nothing(archivist, kept, dup):
    before = snapshot(skip=set())
    two = card("JK20260002")

    plan = services.merge_preview(
        actor=archivist, survivor=kept, loser=dup, answers={"keep_card": two.pk}
    )

    summary = plan.summary()
    assert summary["answers"] == [
        {
            "field": "keep_card",
            "value": two.pk,
            "effect": f"Card JK20260002 kept; card JK20260001 revoked: “{REASON_2}”.",
        }
    ]
    assert {"model": "loyalty.GoldCard", "field": "customer", "count": 1} in summary["moves"]
    assert {"model": "loyalty.LedgerEntry", "field": "customer", "count": 1} in summary["moves"]
    assert [k["model"] for k in summary["kept"]] == ["loyalty.LedgerEntry"]  # its buyer
    assert changed_tables(before, snapshot(skip=set())) == []


# --- undo -------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep", ["JK20260001", "JK20260002"])
def test_undo_restores_every_table_exactly(archivist, kept, dup, manager, other_manager, keep):
    # given
    before = snapshot()
    record = services.customer_merge(
        actor=archivist, survivor=kept, loser=dup, answers={"keep_card": card(keep).pk}
    )

    # when
    record = services.merge_undo(actor=archivist, record=record)

    # then every row of every table is as it was: both cards active on their own customers
    # (same numbers, same events, no revocation), both customers gold, the ledger as it was
    assert changed_tables(before, snapshot()) == []
    assert record.undo_notes == []
    assert card("JK20260001").customer_id == kept.pk and card("JK20260001").state == "active"
    assert card("JK20260002").customer_id == dup.pk and card("JK20260002").state == "active"
    assert not GoldCardEvent.objects.filter(kind="revoked").exists()
    assert fresh(kept).is_gold_card and fresh(dup).is_gold_card
    assert (gold_count(manager), gold_count(other_manager)) == (1, 1)
    assert balance_of(kept.pk) == balance_of(dup.pk) == Decimal("1000.00")


def test_undo_after_the_kept_card_was_replaced_leaves_the_old_card_revoked_and_says_why(
    archivist, kept, dup
):
    # given the duplicate's card was kept, then revoked and replaced by a new one
    one, two = card("JK20260001"), card("JK20260002")
    record = services.customer_merge(
        actor=archivist, survivor=kept, loser=dup, answers={"keep_card": two.pk}
    )
    loyalty.gold_card_revoke(actor=archivist, card=two, reason="卡片遗失")
    register(archivist, fresh(kept), number="JK20260003")

    # when
    record = services.merge_undo(actor=archivist, record=record)

    # then the cards went back to their customers; JK20260001 cannot be live beside
    # JK20260003, so it stays revoked and the undo says so
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.customer_id, one.state) == (kept.pk, "revoked")
    assert (two.customer_id, two.state) == (dup.pk, "revoked")
    assert "Card JK20260001 stays revoked: 刘文才 holds card JK20260003 now." in record.undo_notes
    assert fresh(kept).is_gold_card and not fresh(dup).is_gold_card


def test_the_merge_and_its_undo_stay_within_the_gold_card_cap(
    settings, archivist, kept, dup, manager, other_manager
):
    # given each manager looks after as many gold customers as allowed
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CARD_CAP_PER_MANAGER": 1}

    # when the duplicate's manager is chosen with the duplicate's card
    record = services.customer_merge(
        actor=archivist,
        survivor=kept,
        loser=dup,
        choices={"manager": "loser"},
        answers={"keep_card": card("JK20260002").pk},
    )

    # then one gold customer, under the chosen manager, and the undo gives both back
    assert fresh(kept).manager == other_manager
    assert (gold_count(manager), gold_count(other_manager)) == (0, 1)
    services.merge_undo(actor=archivist, record=record)
    assert (gold_count(manager), gold_count(other_manager)) == (1, 1)


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture
def pair(kept, dup):
    return DuplicateCandidateFactory(low=kept, high=dup)


def test_the_pair_page_asks_which_card_to_keep_with_both_cards_shown(client, archivist, pair):
    client.force_login(archivist)
    page = client.get(pair.get_absolute_url(), {"keep": pair.low_id})
    assert page.status_code == 200
    html = page.content.decode()
    form = ef._soup_form(html, ["keep_card"])
    radios = form.find_all("input", attrs={"name": "keep_card"})
    one, two = card("JK20260001"), card("JK20260002")
    # a required choice, nothing chosen for her
    assert [r["value"] for r in radios] == [str(one.pk), str(two.pk)]
    assert all(r.has_attr("required") and not r.has_attr("checked") for r in radios)
    # each card as she needs to see it: number, state, issue date, balance, manager
    question = ef.page_text(str(form.find(attrs={"data-testid": "merge-question-keep_card"})))
    for text in (
        "Gold card to keep",
        "JK20260001",
        "JK20260002",
        days_ago(60).isoformat(),
        days_ago(30).isoformat(),
        "1,000.00",
        "Active",
        "the kept customer",
        "the customer merged into it",
        f"Card JK20260002 is revoked: “{REASON_1}”.",
    ):
        assert text in question, text
    assert str(fresh(pair.low).manager.last_name) in question
    # the preview names the one column that stays: the duplicate's credit moves, its buyer
    # (his own first machine, already credited to the kept customer) stays his
    credit = LedgerEntry.objects.get(customer=pair.high)
    assert f"ledger entry (buyer) #{credit.pk} stays with the merged customer" in html


def test_the_form_as_she_leaves_it_is_refused_then_merges_with_her_choice(client, archivist, pair):
    # given the page's form, exactly as the browser would post it, without a card chosen
    client.force_login(archivist)
    url = reverse("customers:duplicate_merge", args=[pair.pk])
    form = ef._soup_form(client.get(pair.get_absolute_url()).content.decode(), ["keep_card"])
    data = ef.browser_data(form)
    assert "keep_card" not in data and data["asked"] == ["keep_card"]
    before = snapshot(skip=SESSION)

    # when
    refused = client.post(url, data, follow=True)

    # then she is told which field, and nothing is written
    assert "Send keep_card" in refused.content.decode()
    assert changed_tables(before, snapshot(skip=SESSION)) == []
    assert DuplicateCandidate.objects.get(pk=pair.pk).status == "open"

    # when she picks the duplicate's card
    two = card("JK20260002")
    response = client.post(url, {**data, "keep_card": [str(two.pk)]})

    # then the merge is done with it, and its record says so
    record = MergeRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    assert card("JK20260002").state == "active" and card("JK20260001").state == "revoked"
    assert record.answers[0]["value"] == two.pk
    detail = client.get(record.get_absolute_url()).content.decode()
    assert "Card JK20260002 kept; card JK20260001 revoked" in detail


@pytest.mark.parametrize("role", ["manager", "executive"])
def test_a_manager_or_an_executive_cannot_merge(request, client, pair, role):
    # given
    actor = request.getfixturevalue(role)
    api = APIClient()
    api.force_authenticate(actor)
    client.force_login(actor)
    # the refusals are logged (the security log); nothing else may change
    logged = {*SESSION, "dealercrm.SecurityEvent"}
    before = snapshot(skip=logged)

    # when
    browser = client.post(
        reverse("customers:duplicate_merge", args=[pair.pk]),
        {
            "survivor": pair.low_id,
            "asked": "keep_card",
            "keep_card": card("JK20260001").pk,
        },
    )
    answered = api.post(
        "/api/v1/merges/",
        {"survivor": pair.low_id, "loser": pair.high_id, "keep_card": card("JK20260001").pk},
        format="json",
    )

    # then
    assert (browser.status_code, answered.status_code) == (403, 403)
    assert changed_tables(before, snapshot(skip=logged)) == []


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def api(archivist):
    client = APIClient()
    client.force_authenticate(archivist)
    return client


def test_the_api_without_keep_card_answers_400_naming_it_and_writes_nothing(api, kept, dup):
    before = snapshot(skip=set())
    for dry_run in (True, False):
        response = api.post(
            "/api/v1/merges/",
            {"survivor": kept.pk, "loser": dup.pk, "dry_run": dry_run},
            format="json",
        )
        assert response.status_code == 400
        body = response.json()
        assert list(body) == ["keep_card"]
        assert f"{card('JK20260002').pk} (JK20260002)" in body["keep_card"][0]
    assert changed_tables(before, snapshot(skip=set())) == []


def test_the_api_merges_with_keep_card_and_undoes_it(api, kept, dup):
    before = snapshot()
    one = card("JK20260001")
    body = {"survivor": kept.pk, "loser": dup.pk, "keep_card": one.pk}

    dry = api.post("/api/v1/merges/", {**body, "dry_run": True}, format="json")
    assert dry.status_code == 200
    assert dry.json()["answers"][0]["field"] == "keep_card"

    merged = api.post("/api/v1/merges/", body, format="json")
    assert merged.status_code == 201
    record = merged.json()
    assert record["answers"] == [
        {
            "field": "keep_card",
            "value": one.pk,
            "effect": f"Card JK20260001 kept; card JK20260002 revoked: “{REASON_1}”.",
        }
    ]
    assert card("JK20260002").state == "revoked"

    undone = api.post(f"/api/v1/merges/{record['id']}/undo/")
    assert undone.status_code == 200 and undone.json()["undo_notes"] == []
    assert changed_tables(before, snapshot()) == []


def test_keep_card_is_documented_in_the_openapi_schema():
    schema = SchemaGenerator().get_schema(public=True)
    field = schema["components"]["schemas"]["MergeInputRequest"]["properties"]["keep_card"]
    assert field["type"] == "integer" and field["nullable"] is True
    assert "the card to keep" in field["description"]
    assert "400" in field["description"]
    answers = schema["components"]["schemas"]["MergeRecord"]["properties"]["answers"]
    assert answers["type"] == "array"


# --- a key account and a gold card ------------------------------------------------------------


@pytest.fixture
def key_dup(other_manager):
    """刘文财, the same man as `kept`, entered as a key account (大客户), no card."""
    return CustomerFactory(name="刘文财", manager=other_manager, is_key_account=True)


def test_the_api_asks_whether_the_key_account_or_the_card_stays(api, kept, key_dup):
    before = snapshot(skip=set())
    body = {"survivor": kept.pk, "loser": key_dup.pk}
    # without the answer: 400 naming it, with both choices, and nothing written
    refused = api.post("/api/v1/merges/", body, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["key_account_card"]
    assert "key_account" in refused.json()["key_account_card"][0]
    assert "gold_card" in refused.json()["key_account_card"][0]
    # a value that is no choice: 400 from the field itself
    wrong = api.post("/api/v1/merges/", {**body, "key_account_card": "both"}, format="json")
    assert wrong.status_code == 400 and "key_account_card" in wrong.json()
    assert changed_tables(before, snapshot(skip=set())) == []
    # the dry run says what keeping the card does
    dry = api.post(
        "/api/v1/merges/", {**body, "key_account_card": "gold_card", "dry_run": True}, format="json"
    )
    assert dry.status_code == 200
    assert dry.json()["answers"][0]["effect"] == "Key account cleared; card JK20260001 kept."


def test_the_api_keeps_the_key_account_revokes_the_card_and_undoes_it(api, kept, key_dup):
    before = snapshot()
    body = {"survivor": kept.pk, "loser": key_dup.pk, "key_account_card": "key_account"}
    merged = api.post("/api/v1/merges/", body, format="json")
    assert merged.status_code == 201
    record = merged.json()
    assert record["answers"][0]["field"] == "key_account_card"
    assert card("JK20260001").state == "revoked"
    survivor = Customer.objects.get(pk=kept.pk)
    assert survivor.is_key_account and not survivor.is_gold_card
    undone = api.post(f"/api/v1/merges/{record['id']}/undo/")
    assert undone.status_code == 200 and undone.json()["undo_notes"] == []
    assert changed_tables(before, snapshot()) == []


def test_the_api_refuses_a_key_account_answer_when_there_is_no_such_choice(api, kept, dup):
    # both gold, neither a key account: the question is not asked
    body = {
        "survivor": kept.pk,
        "loser": dup.pk,
        "keep_card": card("JK20260001").pk,
        "key_account_card": "key_account",
    }
    response = api.post("/api/v1/merges/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["key_account_card"]


def test_the_pair_page_asks_key_account_or_gold_card(client, archivist, kept, key_dup):
    candidate = DuplicateCandidateFactory(low=kept, high=key_dup)
    client.force_login(archivist)
    page = client.get(candidate.get_absolute_url()).content.decode()
    assert "Key account or gold card" in page
    assert "Keep the key account" in page and "Keep the gold card" in page
    # when she keeps the card through the form
    response = client.post(
        reverse("customers:duplicate_merge", args=[candidate.pk]),
        {"survivor": kept.pk, "asked": "key_account_card", "key_account_card": "gold_card"},
    )
    assert response.status_code == 302
    survivor = Customer.objects.get(pk=kept.pk)
    assert survivor.is_gold_card and not survivor.is_key_account
    assert card("JK20260001").state == "active"
