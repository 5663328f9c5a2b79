"""A manager logs in, searches `lwc`, and opens his customer's dossier."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.factories import CustomerFactory, PhoneFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_searches_by_initials_and_opens_dossier(page, live_server, manager, other_manager):
    # given: his 刘文才, and another manager's 刘文财 with the same initials
    mine = CustomerFactory(name="刘文才", manager=manager, county="沂南县")
    PhoneFactory(customer=mine, raw="138 0013 8000")
    CustomerFactory(name="刘文财", manager=other_manager)
    CustomerFactory(name="王建国", manager=manager)

    # when
    login(page, live_server, "manager1")
    page.goto(f"{live_server.url}/customers/")
    page.fill("[data-testid=customer-search]", "lwc")
    page.press("[data-testid=customer-search]", "Enter")
    page.wait_for_url("**/customers/?q=lwc*")

    # then: only his own customer is listed
    rows = page.locator("[data-testid=customer-table] tbody tr")
    assert rows.count() == 1
    assert "刘文才" in rows.first.inner_text()
    assert "刘文财" not in page.content()

    page.click("text=刘文才")
    page.wait_for_url(f"**/customers/{mine.pk}/")
    assert page.locator("[data-testid=dossier-name]").inner_text().startswith("刘文才")
    assert "+8613800138000" in page.locator("#phones").inner_text()
    assert page.locator("[data-testid=nav-user]").inner_text() == "张伟"
    assert page.console_errors == []


def test_other_managers_dossier_is_not_found(page, live_server, manager, other_manager):
    theirs = CustomerFactory(name="刘文财", manager=other_manager)
    login(page, live_server, "manager1")
    response = page.goto(f"{live_server.url}/customers/{theirs.pk}/")
    assert response.status == 404
    assert "刘文财" not in page.content()
