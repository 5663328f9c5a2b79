"""The bench data keeps the gold-card cap (issue 19): the generator gives no manager more
than GOLD_CARD_CAP_PER_MANAGER gold customers, and a bench database made before it did is
corrected before the load test logs in as its managers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bench import generate as gen
from contacts.models import Reminder
from customers.models import Customer
from tests.factories import CustomerFactory, GoldCardFactory


def test_the_generator_gives_a_manager_at_most_the_cap(settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CARD_CAP_PER_MANAGER": 10}
    maker = gen._Maker(1)
    manager, other = SimpleNamespace(pk=1), SimpleNamespace(pk=2)
    assert sum(maker.gold(manager, True) for _ in range(25)) == 10
    assert not maker.gold(manager, False)
    assert maker.gold(other, True)  # his own cap
    assert all(maker.gold(None, True) for _ in range(25))  # no manager: the archivist's alert


@pytest.mark.django_db
def test_gold_customers_over_the_cap_are_unflagged_card_holders_kept(
    manager, other_manager, settings
):
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_CARD_CAP_PER_MANAGER": 3}
    flagged = [CustomerFactory(manager=manager, is_gold_card=True) for _ in range(4)]
    carded = [GoldCardFactory(customer__manager=manager).customer for _ in range(2)]
    within = [CustomerFactory(manager=other_manager, is_gold_card=True) for _ in range(3)]
    for customer in flagged + carded:
        Reminder.objects.create(
            kind=Reminder.Kind.GOLD_CONTACT,
            customer=customer,
            manager=manager,
            period="2026-10-01",
        )
    assert gen.enforce_gold_cap() == 3
    kept = set(Customer.objects.filter(manager=manager, is_gold_card=True))
    assert kept == {*carded, flagged[0]}
    assert set(Reminder.objects.values_list("customer", flat=True)) == {c.pk for c in kept}
    assert Customer.objects.filter(manager=other_manager, is_gold_card=True).count() == len(within)
    assert gen.enforce_gold_cap() == 0
