"""Gold user of the year (年度金牌用户): a transparent score and one award per year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from customers.models import Machine
from loyalty import selectors, services
from loyalty.models import AwardScoring
from tests.factories import ContactLogFactory, CustomerFactory, MachineFactory
from tests.loyalty.helpers import days_ago, register

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1  # a whole past year: every date in it is real


@pytest.fixture
def two_gold(archivist, superuser, manager):
    """甲 bought ¥250,000 this year; 乙 referred two customers and gave information twice."""
    a = CustomerFactory(name="甲", manager=manager)
    b = CustomerFactory(name="乙", manager=manager)
    for c in (a, b):
        # dated before GOLD_CARD_BACKDATE_DAYS: the administrator's to record
        register(superuser, c, issued_on=dt.date(YEAR, 1, 1))
    MachineFactory(
        customer=a,
        source=Machine.Source.FROM_US,
        purchase_date=dt.date(YEAR, 1, 2),
        purchase_price=Decimal("250000"),
    )
    for name in ("新一", "新二"):
        services.referral_create(
            actor=archivist,
            referrer=b,
            referred=CustomerFactory(name=name),
            referred_on=dt.date(YEAR, 1, 3),
        )
    for _ in range(2):
        ContactLogFactory(
            customer=b,
            intents=",information,",
            occurred_at=timezone.make_aware(dt.datetime(YEAR, 1, 4, 10)),
        )
    return a, b


def test_the_score_is_the_weighted_sum_shown_by_part(executive, two_gold):
    # weights 1 per ¥10,000, 20 per referral, 5 per information contact (the defaults)
    rows = selectors.ranking(user=executive, year=YEAR)
    assert [(r.rank, r.customer.name, r.score) for r in rows] == [
        (1, "乙", Decimal("50.00")),
        (2, "甲", Decimal("25.00")),
    ]
    assert rows[0].parts == {"purchases": "0.00", "referrals": "40.00", "information": "10.00"}


def test_weights_are_configurable(archivist, executive, two_gold):
    scoring = selectors.scoring()
    scoring.purchase_weight = Decimal("4")
    services.award_scoring_save(actor=archivist, scoring=scoring)
    rows = selectors.ranking(user=executive, year=YEAR)
    assert [(r.customer.name, r.score) for r in rows] == [
        ("甲", Decimal("100.00")),
        ("乙", Decimal("50.00")),
    ]
    assert AwardScoring.objects.count() == 1


def test_the_award_keeps_its_score_and_is_once_a_year(archivist, two_gold):
    a, b = two_gold
    award = services.gold_award_create(
        actor=archivist,
        year=YEAR,
        customer=b,
        prize="价值5000元的配件",
        prize_value=Decimal("5000"),
    )
    assert award.score == Decimal("50.00") and award.score_details["rank"] == 1
    with pytest.raises(ValidationError, match="already chosen"):
        services.gold_award_create(actor=archivist, year=YEAR, customer=a, prize="x")


def test_only_gold_customers_of_that_year_are_awarded(archivist, two_gold, manager):
    with pytest.raises(ValidationError, match="no gold card"):
        services.gold_award_create(
            actor=archivist, year=YEAR, customer=CustomerFactory(manager=manager), prize="x"
        )
    with pytest.raises(ValidationError):
        services.gold_award_create(actor=archivist, year=YEAR + 2, customer=two_gold[0], prize="x")


def test_a_card_revoked_before_the_year_is_not_ranked(archivist, superuser, executive, manager):
    c = CustomerFactory(manager=manager)
    card = register(superuser, c, issued_on=days_ago(900))  # the administrator's back-dating
    services.gold_card_revoke(actor=archivist, card=card, reason="流失", on=days_ago(760))
    assert selectors.ranking(user=executive, year=YEAR) == []


def test_the_ranking_is_for_the_archivist_and_executives(manager, two_gold, archivist):
    assert selectors.ranking(user=manager, year=YEAR) == []
    with pytest.raises(PermissionDenied):
        services.gold_award_create(actor=manager, year=YEAR, customer=two_gold[0], prize="x")
