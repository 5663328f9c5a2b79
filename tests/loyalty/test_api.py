"""The gold-card API: gold-cards, referrals, ledger (+ balance, redeem, reverse),
gold-candidates — scoped like the browser, errors in the one format, nothing half-written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loyalty import services
from loyalty.models import BenefitRule, GoldCard, LedgerEntry, Referral
from tests.factories import CustomerFactory, PartsOrderFactory
from tests.loyalty.helpers import TRAITS, register

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_archivist_registers_through_the_api(archivist, manager):
    customer = CustomerFactory(name="孙大圣")
    response = api(archivist).post(
        "/api/v1/gold-cards/",
        {"customer": customer.pk, "manager": manager.pk, "traits": TRAITS, "number": "VIP-7"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "VIP-7" and body["state"] == "active"
    assert body["manager"] == manager.pk and body["balance"] == "0.00"
    assert [e["kind"] for e in body["events"]] == ["issued"]


def test_bad_registration_answers_field_errors_and_writes_nothing(archivist, manager, customer):
    register(archivist, customer, number="VIP-1")
    other = CustomerFactory()
    response = api(archivist).post(
        "/api/v1/gold-cards/",
        {"customer": other.pk, "manager": manager.pk, "traits": {"early": "x"}, "number": "VIP-1"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"traits", "number"}
    assert GoldCard.objects.count() == 1


def test_a_manager_lists_only_his_own_gold_customers(archivist, manager, other_manager, customer):
    register(archivist, customer)
    register(archivist, CustomerFactory(manager=other_manager))
    mine = api(manager).get("/api/v1/gold-cards/").json()
    assert [c["customer"] for c in mine["results"]] == [customer.pk]
    theirs = GoldCard.objects.exclude(customer=customer).get()
    assert api(manager).get(f"/api/v1/gold-cards/{theirs.pk}/").status_code == 404
    assert api(manager).get("/api/v1/gold-cards/").json()["count"] == 1


def test_suspend_through_the_api(archivist, customer):
    card = register(archivist, customer)
    response = api(archivist).post(
        f"/api/v1/gold-cards/{card.pk}/suspend/", {"reason": "拖欠配件款"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "suspended"
    customer.refresh_from_db()
    assert not customer.is_gold_card


def test_referral_loop_through_the_api(archivist, manager):
    a, b = CustomerFactory(manager=manager), CustomerFactory(manager=manager)
    assert (
        api(archivist)
        .post("/api/v1/referrals/", {"referrer": a.pk, "referred": b.pk}, format="json")
        .status_code
        == 201
    )
    response = api(archivist).post(
        "/api/v1/referrals/", {"referrer": b.pk, "referred": a.pk}, format="json"
    )
    assert response.status_code == 400 and "loop" in response.json()["referrer"][0]
    assert Referral.objects.count() == 1


def test_balance_redeem_and_reverse(archivist, manager, gold):
    entry = LedgerEntry.objects.create(
        customer=gold,
        kind="earn",
        amount=Decimal("1000"),
        rule=BenefitRule.objects.get(code="purchase"),
        buyer=gold,
        machine_number=1,
        occurred_on=gold.created_at.date(),
    )
    order = PartsOrderFactory(customer=gold, subtotal=500, total=500)

    balance = api(manager).get(f"/api/v1/ledger/balance/?customer={gold.pk}").json()
    assert balance == {
        "customer": gold.pk,
        "balance": "1000.00",
        "card": gold.gold_cards.get().number,
        "card_state": "active",
    }

    too_much = api(archivist).post(
        "/api/v1/ledger/redeem/",
        {"customer": gold.pk, "parts_order": order.pk, "amount": "600"},
        format="json",
    )
    assert too_much.status_code == 400 and "500" in too_much.json()["amount"][0]

    redeemed = api(archivist).post(
        "/api/v1/ledger/redeem/",
        {"customer": gold.pk, "parts_order": order.pk, "amount": "400"},
        format="json",
    )
    assert redeemed.status_code == 201 and redeemed.json()["amount"] == "-400.00"

    reversed_ = api(archivist).post(
        f"/api/v1/ledger/{entry.pk}/reverse/", {"reason": "不是我司卖的机器"}, format="json"
    )
    assert reversed_.status_code == 400 and "below zero" in str(reversed_.json())

    listing = api(manager).get(f"/api/v1/ledger/?customer={gold.pk}").json()
    assert [r["kind"] for r in listing["results"]] == ["earn", "redeem"]


def test_service_staff_see_no_ledger(service_user, gold):
    assert api(service_user).get("/api/v1/ledger/").status_code == 403
    assert api(service_user).get("/api/v1/gold-cards/").status_code == 403


def test_candidates_api_gives_traits_with_evidence(archivist, executive, manager):
    c = CustomerFactory(name="候选人", manager=manager, started_operating_year=2001)
    services.traits_set(actor=archivist, customer=c, ticks={"trust": "每周来店"})
    body = api(executive).get("/api/v1/gold-candidates/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["name"] == "候选人" and row["trait_count"] == 2 and row["card_state"] is None
    traits = {t["code"]: t for t in row["traits"]}
    assert traits["early"]["met"] and traits["early"]["computed"]
    assert traits["trust"]["note"] == "每周来店" and not traits["trust"]["computed"]
    assert api(manager).get("/api/v1/gold-candidates/").status_code == 403
