"""Fixtures of the gold-card programme."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import CustomerFactory
from tests.loyalty.helpers import days_ago, ensure_rules, register


@pytest.fixture(autouse=True)
def benefit_rules(db):
    ensure_rules()


@pytest.fixture(autouse=True)
def _english(settings):
    """The tests read the clear error messages in their source language, so a Chinese
    catalog added later does not change what they check."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def gold(archivist, manager):
    """A registered gold customer of `manager` (card issued a year ago)."""
    customer = CustomerFactory(name="王金卡", manager=manager)
    register(archivist, customer, issued_on=days_ago(365))
    customer.refresh_from_db()
    return customer
