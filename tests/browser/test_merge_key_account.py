"""A key account and a gold customer found to be one man, merged on a phone: the pair page
asks which stays (issue 17, part 4), in Chinese, and the merge does what she chose."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from customers.models import Customer
from loyalty.models import GoldCard
from tests.browser.conftest import login
from tests.factories import CustomerFactory, DuplicateCandidateFactory
from tests.loyalty.helpers import ensure_rules, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_on_a_phone_she_keeps_the_gold_card_of_a_key_account_duplicate(
    page, live_server, archivist, manager, other_manager, tmp_path
):
    # given 刘文才, a gold customer, and 刘文财, the same man entered as a key account
    ensure_rules()
    gold = CustomerFactory(name="刘文才", manager=manager)
    register(archivist, gold, number="JK20260007")
    key = CustomerFactory(name="刘文财", manager=other_manager, is_key_account=True)
    candidate = DuplicateCandidateFactory(low=gold, high=key)
    page.set_viewport_size({"width": 390, "height": 844})

    # when the archivist opens the pair on her phone
    login(page, live_server, "archivist")
    page.goto(f"{live_server.url}{candidate.get_absolute_url()}")
    question = page.locator("[data-testid=merge-question-key_account_card]")
    # then the question is asked in her language, both choices saying what they do
    text = question.inner_text()
    assert "保留大客户还是金卡" in text and "大客户不发金卡" in text
    assert "保留大客户" in text and "保留金卡" in text and "JK20260007" in text
    # and nothing on the page is wider than the phone
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shots = Path(os.environ.get("SHOTS", tmp_path))
    page.screenshot(path=str(shots / "key-account.png"), full_page=True)
    question.screenshot(path=str(shots / "key-account-question.png"))

    # when she keeps the gold card and merges
    question.locator("input[value=gold_card]").check()
    page.click("[data-testid=merge-button]")
    page.wait_for_load_state("networkidle")

    # then one customer is left: holding the live card, no longer a key account
    alive = Customer.objects.filter(name__in=["刘文才", "刘文财"], merged_into__isnull=True)
    assert alive.count() == 1
    kept = alive.get()
    assert kept.is_gold_card and not kept.is_key_account
    assert GoldCard.objects.get(number="JK20260007").state == "active"
    assert page.console_errors == []
