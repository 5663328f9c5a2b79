"""Gold-card candidates: the seven traits computed in SQL or ticked with a note; key accounts
never offered; card holders left out (or marked); only archivist and executives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contacts.models import ContactLog
from customers.models import Customer, Machine
from loyalty import selectors, services
from tests.factories import ContactLogFactory, CustomerFactory, MachineFactory, PartsOrderFactory
from tests.loyalty.helpers import register

pytestmark = pytest.mark.django_db


def traits_of(user, customer) -> dict[str, tuple[bool, bool, str]]:
    return {
        t.code: (t.met, t.computed, t.evidence)
        for t in selectors.customer_traits(user=user, customer=customer)
    }


def logs(customer, n: int, intents: str = "", days: int = 10) -> None:
    for i in range(n):
        ContactLogFactory(
            customer=customer,
            intents=intents,
            occurred_at=timezone.now() - dt.timedelta(days=days + i),
        )


def test_each_computed_trait_from_the_data(archivist, manager):
    # given: a customer whose dossier shows five of the seven traits
    c = CustomerFactory(manager=manager, started_operating_year=timezone.localdate().year - 15)
    MachineFactory(customer=c, source=Machine.Source.FROM_US, purchase_price=Decimal("1"))
    MachineFactory(customer=c, source=Machine.Source.FROM_US, purchase_price=Decimal("1"))
    MachineFactory(customer=c, model_raw="ZL50", serial_number="", quantity=3)
    PartsOrderFactory(customer=c)
    logs(c, 4)
    logs(c, 2, intents=",information,new_machine,")
    logs(c, 5, days=400)  # too old to count

    # when
    traits = traits_of(archivist, c)

    # then
    assert traits["early"][:2] == (True, True) and "15" in traits["early"][2]
    assert traits["buys_often"] == (True, True, "2 machines bought from us, 1 parts orders")
    assert traits["trust"] == (True, True, "6 contacts in the last 12 months")
    assert traits["big_fleet"] == (True, True, "5 machines in use")
    assert traits["informant"][:2] == (True, True)
    assert traits["potential"][:2] == (True, True)
    assert traits["influential"][:2] == (False, False)


def test_thresholds_are_settings(archivist, manager, settings):
    c = CustomerFactory(manager=manager)
    logs(c, 2)
    assert not traits_of(archivist, c)["trust"][0]
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_TRAIT_CONTACTS_PER_YEAR": 2}
    assert traits_of(archivist, c)["trust"][0]


def test_benchmark_or_referrals_show_influence(archivist, manager):
    bench = CustomerFactory(manager=manager, is_benchmark=True)
    assert traits_of(archivist, bench)["influential"][:2] == (True, True)


def test_a_ticked_trait_counts_with_its_note(archivist, manager):
    c = CustomerFactory(manager=manager)
    services.traits_set(actor=archivist, customer=c, ticks={"influential": "县里土方协会会长"})
    result = next(
        t for t in selectors.customer_traits(user=archivist, customer=c) if t.code == "influential"
    )
    assert result.met and not result.computed and result.note == "县里土方协会会长"
    assert result.form_evidence == "县里土方协会会长"


def candidate_names(user, **kwargs) -> list[str]:
    return list(selectors.candidate_list(user=user, **kwargs).values_list("name", flat=True))


def two_traits(customer, archivist) -> Customer:
    services.traits_set(
        actor=archivist, customer=customer, ticks={"trust": "每周都来店里", "potential": "在扩队伍"}
    )
    return customer


def test_candidates_have_enough_traits_key_accounts_never(archivist, manager):
    two_traits(CustomerFactory(name="甲候选", manager=manager), archivist)
    one = CustomerFactory(name="乙一条", manager=manager)
    services.traits_set(actor=archivist, customer=one, ticks={"trust": "常来"})
    two_traits(CustomerFactory(name="丙大客户", manager=manager, is_key_account=True), archivist)

    assert candidate_names(archivist) == ["甲候选"]


def test_the_minimum_is_a_setting(archivist, manager, settings):
    one = CustomerFactory(name="乙一条", manager=manager)
    services.traits_set(actor=archivist, customer=one, ticks={"trust": "常来"})
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CANDIDATE_MIN_TRAITS": 1}
    assert candidate_names(archivist) == ["乙一条"]


def test_card_holders_are_left_out_unless_asked(archivist, manager):
    holder = two_traits(CustomerFactory(name="金卡户", manager=manager), archivist)
    register(archivist, holder)
    assert candidate_names(archivist) == []
    rows = list(selectors.candidate_list(user=archivist, include_holders=True))
    assert [(r.name, r.card_state) for r in rows] == [("金卡户", "active")]


def test_candidates_are_for_the_archivist_and_executives(
    archivist, executive, manager, service_user, customer
):
    two_traits(customer, archivist)
    assert candidate_names(executive) == [customer.name]
    assert candidate_names(manager) == []
    assert candidate_names(service_user) == []


def test_the_candidate_list_takes_the_same_queries_for_many_customers(
    archivist, manager, django_assert_max_num_queries
):
    for i in range(30):
        c = two_traits(CustomerFactory(name=f"候选{i}", manager=manager), archivist)
        ContactLogFactory(customer=c)
    assert ContactLog.objects.count() == 30
    with django_assert_max_num_queries(3):  # the page and the notes of its rows
        rows = list(selectors.candidate_list(user=archivist)[:25])
        selectors.attach_traits(rows)
    assert len(rows) == 25 and all(len(r.traits) == 7 for r in rows)
