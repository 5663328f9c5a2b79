"""Every customer list carries the newest 80/20 tier: customers.selectors.customer_list asks
loyalty for `latest_tier` through its hook (add_list_annotation, registered in
LoyaltyConfig.ready()), since customers imports nothing of loyalty (ARCHITECTURE.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.selectors import customer_list
from tests.factories import CustomerFactory, TierSnapshotFactory

pytestmark = pytest.mark.django_db


def months_ago(n: int) -> dt.date:
    month = timezone.localdate().replace(day=1)
    for _ in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


@pytest.fixture
def ranked(manager):
    customer = CustomerFactory(name="刘文才", manager=manager)
    TierSnapshotFactory(customer=customer, month=months_ago(2), tier="C")
    TierSnapshotFactory(customer=customer, month=months_ago(1), tier="B")
    CustomerFactory(name="王建国", manager=manager)  # never ranked
    return customer


def test_the_list_selector_annotates_the_newest_tier(archivist, ranked):
    assert {c.name: c.latest_tier for c in customer_list(user=archivist)} == {
        "刘文才": "B",
        "王建国": None,
    }


def test_the_list_page_and_the_export_show_it(client, archivist, ranked):
    client.force_login(archivist)
    page = client.get(reverse("customers:list")).content.decode()
    assert 'class="badge tier-B"' in page and "tier-C" not in page
    response = client.get(reverse("customers:list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(r for r in rows if "刘文才" in r)
    assert "B" in row and "C" not in row
