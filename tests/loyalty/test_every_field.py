"""Every field of the gold-card programme's forms and write serializers, filled with a
distinct valid value and read back (issue 15). See tests/every_field.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from loyalty.api import (
    CardChangeSerializer,
    RedeemSerializer,
    ReferralInputSerializer,
    RegistrationSerializer,
    ReverseSerializer,
)
from loyalty.models import BenefitRule, GoldCard, LedgerEntry, Referral, Tender, Trait
from tests import every_field as ef
from tests.factories import CustomerFactory, PartsOrderFactory

pytestmark = pytest.mark.django_db

# Every trait with its own evidence (a dict a type cannot imply).
EVIDENCE = {code: f"证据{i}：{code}" for i, code in enumerate(Trait.values)}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _ok(response, code=200):
    assert response.status_code == code, response.content.decode()[:800]
    return response.json()


def _recently(days: int) -> str:
    # a card dated a little back: valid under any sane bound on backdating
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def _credits(customer, amount="1000"):
    return LedgerEntry.objects.create(
        customer=customer,
        kind="earn",
        amount=Decimal(amount),
        rule=BenefitRule.objects.get(code="purchase"),
        buyer=customer,
        machine_number=1,
        occurred_on=timezone.localdate(),
    )


# --- API ------------------------------------------------------------------------------------


def test_registration_keeps_every_field(archivist, manager, other_manager):
    customer = CustomerFactory(manager=manager)
    body = ef.api_values(
        RegistrationSerializer(),
        overrides={
            "customer": customer.pk,
            "manager": other_manager.pk,
            "traits": EVIDENCE,
            "number": "JK-EVERY-1",
            "issued_on": _recently(7),
        },
    )
    card = _ok(api(archivist).post("/api/v1/gold-cards/", body, format="json"), 201)
    assert ef.echo_diff(body, card) == {}
    assert ef.echo_diff(body, _ok(api(archivist).get(f"/api/v1/gold-cards/{card['id']}/"))) == {}


def test_card_change_keeps_reason_and_date(archivist, gold):
    card = gold.gold_cards.get()
    body = ef.api_values(CardChangeSerializer(), overrides={"on": _recently(3)})
    answer = _ok(api(archivist).post(f"/api/v1/gold-cards/{card.pk}/suspend/", body, format="json"))
    (event,) = [e for e in answer["events"] if e["kind"] == "suspended"]
    assert ef.echo_diff(body, event) == {}


def test_referral_keeps_every_field(archivist, manager):
    referrer, referred = CustomerFactory(manager=manager), CustomerFactory(manager=manager)
    body = ef.api_values(
        ReferralInputSerializer(),
        overrides={"referrer": referrer.pk, "referred": referred.pk, "referred_on": _recently(5)},
    )
    created = _ok(api(archivist).post("/api/v1/referrals/", body, format="json"), 201)
    assert ef.echo_diff(body, created) == {}
    assert ef.echo_diff(body, _ok(api(archivist).get(f"/api/v1/referrals/{created['id']}/"))) == {}


def test_redeem_and_reverse_keep_every_field(archivist, gold):
    _credits(gold)
    order = PartsOrderFactory(customer=gold, subtotal=500, total=500)
    body = ef.api_values(
        RedeemSerializer(),
        overrides={"customer": gold.pk, "parts_order": order.pk, "amount": "123.45"},
    )
    entry = _ok(api(archivist).post("/api/v1/ledger/redeem/", body, format="json"), 201)
    # the ledger writes a redemption as a negative amount
    assert Decimal(entry["amount"]) == -Decimal(body["amount"])
    assert ef.echo_diff({k: body[k] for k in ("customer", "parts_order")}, entry) == {}
    assert LedgerEntry.objects.get(pk=entry["id"]).reason == body["note"]

    body = ef.api_values(ReverseSerializer())
    reversal = _ok(
        api(archivist).post(f"/api/v1/ledger/{entry['id']}/reverse/", body, format="json"), 201
    )
    assert ef.echo_diff(body, reversal) == {}


# --- browser --------------------------------------------------------------------------------


def test_registration_form_keeps_every_field(client, archivist, manager, other_manager):
    customer = CustomerFactory(name="登记的客户", manager=manager)
    client.force_login(archivist)
    url = f"/loyalty/cards/new/{customer.pk}/"
    page = client.get(url)
    form = page.context["form"]
    data, expected = ef.fill(
        page.content.decode(),
        form,
        {"issued_on": _recently(7), "manager": str(other_manager.pk), "number": "JK-EVERY-2"},
    )
    ef.submit(client, url, data)

    card = GoldCard.objects.get(customer=customer)
    assert card.number == expected["number"] and card.note == expected["note"]
    assert card.issued_on.isoformat() == _recently(7)
    customer.refresh_from_db()
    assert customer.manager == other_manager
    ticked = {c: expected[f"evidence_{c}"] for c in Trait.values if expected[f"trait_{c}"]}
    assert ticked == card.traits and len(ticked) == len(Trait.values)
    detail = client.get(card.get_absolute_url()).content.decode()
    shown = {k: v for k, v in expected.items() if not k.startswith("trait_")}
    assert ef.not_shown(detail, form.fields, shown) == {}


def test_card_change_form_keeps_reason_and_date(client, archivist, gold):
    card = gold.gold_cards.get()
    client.force_login(archivist)
    url = f"/loyalty/cards/{card.pk}/suspend/"
    page = client.get(url)
    form = page.context["form"]
    data, expected = ef.fill(page.content.decode(), form, {"on": _recently(3)})
    ef.submit(client, url, data)
    detail = client.get(card.get_absolute_url()).content.decode()
    assert ef.not_shown(detail, form.fields, expected) == {}


def test_referral_form_keeps_every_field(client, archivist, manager):
    referrer = CustomerFactory(name="介绍人", manager=manager)
    referred = CustomerFactory(name="新客户", manager=manager)
    client.force_login(archivist)
    page = client.get("/loyalty/referrals/new/")
    form = page.context["form"]
    data, expected = ef.fill(
        page.content.decode(),
        form,
        {
            "referrer_id": str(referrer.pk),
            "referrer_query": referrer.name,
            "referred_id": str(referred.pk),
            "referred_query": referred.name,
            "referred_on": _recently(5),
        },
    )
    ef.submit(client, "/loyalty/referrals/new/", data)
    referral = Referral.objects.get(referrer=referrer, referred=referred)
    assert referral.referred_on.isoformat() == _recently(5)
    assert referral.note == expected["note"]


def test_redeem_and_reverse_forms_keep_every_field(client, archivist, gold):
    _credits(gold)
    PartsOrderFactory(customer=gold, subtotal=500, total=500)
    client.force_login(archivist)
    url = f"/loyalty/customers/{gold.pk}/redeem/"
    page = client.get(url)
    form = page.context["form"]
    data, expected = ef.fill(page.content.decode(), form)
    ef.submit(client, url, data)
    entry = LedgerEntry.objects.get(kind="redeem")
    assert (entry.parts_order_id, -entry.amount, entry.reason) == (
        expected["parts_order"],
        expected["amount"],
        expected["note"],
    )

    url = f"/loyalty/ledger/{entry.pk}/reverse/"
    page = client.get(url)
    data, expected = ef.fill(page.content.decode(), page.context["form"])
    ef.submit(client, url, data)
    assert LedgerEntry.objects.get(reverses=entry).reason == expected["reason"]


def test_tender_form_keeps_every_field(client, archivist):
    account = CustomerFactory(is_key_account=True)
    client.force_login(archivist)
    url = f"/loyalty/key-accounts/{account.pk}/tenders/new/"
    page = client.get(url)
    data, expected = ef.fill(page.content.decode(), page.context["form"])
    ef.submit(client, url, data)
    tender = Tender.objects.get(customer=account)
    edit_url = f"/loyalty/tenders/{tender.pk}/edit/"
    edit = client.get(edit_url)
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}

    data, expected = ef.fill(edit.content.decode(), edit.context["form"], start=10)
    ef.submit(client, edit_url, data)
    edit = client.get(edit_url)
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}


def test_trait_ticks_keep_every_tick_and_note(client, archivist, manager):
    customer = CustomerFactory(manager=manager)
    client.force_login(archivist)
    url = f"/loyalty/customers/{customer.pk}/traits/"
    page = client.get(url)
    data, expected = ef.fill(page.content.decode(), page.context["form"])
    ef.submit(client, url, data)
    again = client.get(url)
    assert ef.diff(expected, ef.page_values(again.content.decode(), again.context["form"])) == {}


# --- the manager's monthly gold-card report (its entries are one per gold customer) ---------


def _open_report(manager):
    from contacts import services as contact_services

    return contact_services.monthly_report_open(
        actor=manager, month=timezone.localdate().replace(day=1)
    )


def test_monthly_report_api_keeps_summary_and_every_entry_field(manager, gold):
    from contacts.api import EntryInputSerializer, MonthlyReportInputSerializer

    report = _open_report(manager)
    (entry,) = report.entries.all()
    body = ef.api_values(MonthlyReportInputSerializer())
    body["entries"] = [ef.api_values(EntryInputSerializer(), overrides={"id": entry.pk}, start=20)]
    url = f"/api/v1/monthly-reports/{report.pk}/"
    answer = _ok(api(manager).patch(url, body, format="json"))
    # `submit` is what to do, not a value to keep: it shows as the report's status
    assert body.pop("submit") is True and answer["status"] == "submitted"
    assert ef.echo_diff(body, answer) == {}
    assert ef.echo_diff(body, _ok(api(manager).get(url))) == {}


def test_monthly_report_page_keeps_summary_and_every_entry_field(client, manager, gold):
    from contacts.api import EntryInputSerializer

    report = _open_report(manager)
    (entry,) = report.entries.all()
    client.force_login(manager)
    page = client.get(report.get_absolute_url())
    form_el = ef._soup_form(page.content.decode(), ["summary"])
    data = ef.browser_data(form_el)
    # the page's boxes, named after the entry fields the API takes too
    names = [n for n in EntryInputSerializer().fields if n != "id"]
    boxes = {f"entry-{entry.pk}-{name}": f"{name}：第{i}条" for i, name in enumerate(names)}
    assert set(boxes) <= set(data), sorted(data)
    data.update(boxes, summary="本月总结")
    response = client.post(report.get_absolute_url(), data)
    assert response.status_code == 302
    again = client.get(report.get_absolute_url()).content.decode()
    shown = ef.browser_data(ef._soup_form(again, ["summary"]))
    assert {k: shown[k] for k in boxes} == {k: [v] for k, v in boxes.items()}
    assert shown["summary"] == ["本月总结"]


def test_award_form_keeps_every_field(client, archivist, manager, gold):
    from loyalty.models import GoldAward
    from tests.loyalty.helpers import register

    register(archivist, CustomerFactory(name="另一位金卡", manager=manager))
    year = timezone.localdate().year
    client.force_login(archivist)
    url = f"/loyalty/gold-user-of-the-year/{year}/award/"
    page = client.get(url)
    form = page.context["form"]
    assert len(form.fields["customer"].choices) == 2  # a choice other than the first
    data, expected = ef.fill(page.content.decode(), form)
    ef.submit(client, url, data)

    award = GoldAward.objects.get(year=year)
    stored = {"customer": award.customer_id, "prize": award.prize}
    stored |= {"prize_value": award.prize_value, "note": award.note}
    assert ef.diff(expected, stored) == {}
    ranking = client.get(f"/loyalty/gold-user-of-the-year/?year={year}").content.decode()
    shown = {k: v for k, v in expected.items() if k != "customer"}  # written as the name
    assert ef.not_shown(ranking, form.fields, shown) == {}
    assert award.customer.name in ef.page_text(ranking)
