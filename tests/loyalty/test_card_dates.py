"""How far back a gold card may be dated, by whom, and what it then earns (issue 15 part 4).

The rule (README, 金卡): credits count the machines bought from us on or after the card's
issue date; the archivist may date a card back GOLD_CARD_BACKDATE_DAYS (365) at most, a
superuser down to the dealer's founding (DEALER_FOUNDED_ON), nobody earlier.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Machine
from loyalty import services
from loyalty.models import GoldCard, GoldCardEvent, LedgerEntry, Referral
from tests.factories import CustomerFactory, MachineFactory
from tests.loyalty.helpers import TRAITS, days_ago, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chinese")]

FLOOR = "日期不能早于经销商成立之日（2000-01-01）。"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def window_message(days: int = 365) -> str:
    earliest = timezone.localdate() - dt.timedelta(days=days)
    return (
        f"发卡日期最早只能追溯到 {earliest.isoformat()}（{days} 天）；"
        "发卡日之前的购机不获配件赠送。"
    )


@pytest.fixture
def veteran(manager):
    """A customer who bought machines from us from 2009 to 2024."""
    customer = CustomerFactory(name="老客户", manager=manager)
    for year in (2009, 2015, 2018, 2024):
        MachineFactory(
            customer=customer,
            source=Machine.Source.FROM_US,
            purchase_date=dt.date(year, 5, 1),
            purchase_price=Decimal("380000"),
        )
    return customer


def registration(manager, **extra):
    return {
        "manager": manager.pk,
        "issued_on": timezone.localdate().isoformat(),
        "trait_early": "on",
        "evidence_early": "2001年入行",
        "trait_trust": "on",
        "evidence_trust": "每周都来店里",
        **extra,
    }


def assert_nothing_written() -> None:
    assert not GoldCard.objects.exists()
    assert not GoldCardEvent.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_a_card_dated_year_one_is_refused_in_the_api_and_the_form(
    client, archivist, manager, veteran
):
    response = api(archivist).post(
        "/api/v1/gold-cards/",
        {
            "customer": veteran.pk,
            "manager": manager.pk,
            "traits": TRAITS,
            "issued_on": "0001-01-01",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["issued_on"] == [FLOOR]
    client.force_login(archivist)
    page = client.post(
        f"/loyalty/cards/new/{veteran.pk}/", registration(manager, issued_on="0001-01-01")
    )
    assert page.status_code == 200
    assert FLOOR in page.context["form"].errors["issued_on"]
    assert_nothing_written()
    veteran.refresh_from_db()
    assert not veteran.is_gold_card


def test_the_archivist_dates_a_card_back_one_year_at_most(archivist, manager, veteran):
    response = api(archivist).post(
        "/api/v1/gold-cards/",
        {
            "customer": veteran.pk,
            "manager": manager.pk,
            "traits": TRAITS,
            "issued_on": days_ago(366).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["issued_on"] == [window_message()]
    assert_nothing_written()
    card = register(archivist, veteran, issued_on=days_ago(365))
    assert card.issued_on == days_ago(365)


def test_the_window_is_a_setting(archivist, manager, veteran, settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CARD_BACKDATE_DAYS": 30}
    response = api(archivist).post(
        "/api/v1/gold-cards/",
        {
            "customer": veteran.pk,
            "manager": manager.pk,
            "traits": TRAITS,
            "issued_on": days_ago(31).isoformat(),
        },
        format="json",
    )
    assert response.json()["issued_on"] == [window_message(30)]
    assert_nothing_written()


def test_a_superuser_dates_a_card_back_to_the_founding_and_not_before(superuser, veteran):
    with pytest.raises(Exception) as exc:
        register(superuser, veteran, issued_on=dt.date(1999, 12, 31))
    assert exc.value.message_dict["issued_on"] == [FLOOR]  # type: ignore[attr-defined]
    assert_nothing_written()
    card = register(superuser, veteran, issued_on=dt.date(2000, 1, 1))
    assert card.number == "JK20000001"


def test_a_card_issued_today_earns_nothing_for_earlier_purchases(archivist, veteran):
    register(archivist, veteran)
    assert not LedgerEntry.objects.exists()


def test_a_card_earns_for_the_purchases_from_its_issue_date_on(
    archivist, manager, django_capture_on_commit_callbacks
):
    # given: machines bought in 2018 and 2024, a third one 100 days ago
    customer = CustomerFactory(manager=manager)
    for bought in (dt.date(2018, 5, 1), dt.date(2024, 5, 1), days_ago(100)):
        MachineFactory(
            customer=customer,
            source=Machine.Source.FROM_US,
            purchase_date=bought,
            purchase_price=Decimal("380000"),
        )
    # when: the card is dated back 200 days
    with django_capture_on_commit_callbacks(execute=True):
        register(archivist, customer, issued_on=days_ago(200))
    # then: the third machine earns (own 2nd/3rd machine: ¥1,500); the older ones nothing
    assert list(
        LedgerEntry.objects.values_list("rule__code", "machine_number", "amount", "occurred_on")
    ) == [("own_repeat", 3, Decimal("1500.00"), days_ago(100))]


def test_a_new_buyer_with_a_card_dated_before_his_purchase_earns_the_first_machine_credit(
    archivist, manager, django_capture_on_commit_callbacks
):
    newcomer = CustomerFactory(manager=manager)
    MachineFactory(
        customer=newcomer,
        source=Machine.Source.FROM_US,
        purchase_date=days_ago(10),
        purchase_price=Decimal("380000"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        register(archivist, newcomer, issued_on=days_ago(20))
    assert list(LedgerEntry.objects.values_list("amount", "occurred_on")) == [
        (Decimal("1000.00"), days_ago(10))
    ]


def test_card_events_and_referrals_are_bounded_too(archivist, manager, veteran):
    card = register(archivist, veteran)
    response = api(archivist).post(
        f"/api/v1/gold-cards/{card.pk}/suspend/",
        {"reason": "拖欠配件款", "on": "0001-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["on"] == [FLOOR]
    card.refresh_from_db()
    assert card.state == "active"
    referral = api(archivist).post(
        "/api/v1/referrals/",
        {
            "referrer": veteran.pk,
            "referred": CustomerFactory(manager=manager).pk,
            "referred_on": "1999-12-31",
        },
        format="json",
    )
    assert referral.status_code == 400
    assert referral.json()["referred_on"] == [FLOOR]
    assert not Referral.objects.exists()
    ok = services.referral_create(
        actor=archivist,
        referrer=veteran,
        referred=CustomerFactory(manager=manager),
        referred_on=dt.date(2000, 1, 1),
    )
    assert ok.referred_on == dt.date(2000, 1, 1)
