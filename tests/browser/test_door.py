"""Issue 17: while the archivist types a new customer, who is already in the archive appears
beside the form (door-check.js, under the strict CSP)."""

from __future__ import annotations

import pytest

from customers.models import Customer
from tests.browser.conftest import login
from tests.factories import CustomerFactory, PhoneFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_known_phone_shows_the_existing_customer_then_asks(page, live_server, archivist):
    existing = CustomerFactory(name="刘文才", county="沂水县")
    PhoneFactory(customer=existing, raw="13853991234")
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    login(page, live_server, "archivist")
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("#id_name", "刘文财")
    page.fill("#id_phones", "+86 138-5399-1234")
    link = page.locator("[data-door-list] a", has_text="刘文才")
    link.wait_for(timeout=5000)
    assert link.get_attribute("href") == existing.get_absolute_url()
    page.click("button[type=submit].primary")
    page.locator("#door-choice").wait_for()
    assert Customer.objects.count() == 1
    page.check("input[name=confirm_new]")
    page.fill("#id_confirm_reason", "同号不同人")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/customers/*/")
    assert Customer.objects.count() == 2
    assert not violations
