"""bench.generate.wipe: the bench's own customers go with every row that points at them,
the duplicate queue's pairs too (their foreign keys are hidden: related_name="+"), and
nothing else is touched."""

from __future__ import annotations

import pytest

from bench import generate as gen
from customers.models import Customer, DuplicateCandidate, MatchKey
from tests.factories import CustomerFactory, DuplicateCandidateFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_wipe_takes_the_bench_customers_with_their_duplicate_pairs_and_keys():
    a = CustomerFactory(external_ref="BENCHFIX-A")
    b = CustomerFactory(external_ref="BENCHFIX-B")
    kept = CustomerFactory(external_ref="REAL-1")
    DuplicateCandidateFactory(low=a, high=b)
    DuplicateCandidateFactory(
        low=min(a, kept, key=lambda c: c.pk), high=max(a, kept, key=lambda c: c.pk)
    )
    MatchKey.objects.create(customer=a, key="s:刘:test")

    assert gen.wipe("BENCHFIX-") == 2

    assert list(Customer.all_objects.values_list("external_ref", flat=True)) == ["REAL-1"]
    assert not DuplicateCandidate.objects.exists()
    assert not MatchKey.objects.exists()
