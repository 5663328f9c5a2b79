"""The gold-card loop in a real browser: the archivist registers a gold customer from the
candidates page; the responsible manager then finds him on his home page."""

from __future__ import annotations

import pytest

from loyalty import services
from loyalty.models import GoldCard
from tests.browser.conftest import login, nav
from tests.factories import CustomerFactory
from tests.loyalty.helpers import ensure_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_archivist_registers_from_candidates_and_the_manager_sees_him(
    page, live_server, archivist, manager
):
    # given: a customer of manager1 with two traits (in the trade since 2001; ticked trust)
    ensure_rules()
    customer = CustomerFactory(name="马铁山", manager=manager, started_operating_year=2001)
    services.traits_set(
        actor=archivist, customer=customer, ticks={"trust": "每月都来店里，和王总很熟"}
    )

    # the archivist opens the candidates page and registers him
    login(page, live_server, "archivist")
    nav(page, "nav-candidates")
    row = page.locator(f"[data-testid=candidate-{customer.pk}]")
    assert "每月都来店里" in row.inner_text()
    row.locator(f"[data-testid=register-{customer.pk}]").click()
    page.wait_for_url(f"**/loyalty/cards/new/{customer.pk}/")
    # the form comes pre-filled with the traits and the manager
    assert page.is_checked("#id_trait_early") and page.is_checked("#id_trait_trust")
    assert page.input_value("#id_manager") == str(manager.pk)
    page.click("[data-testid=registration-form] button[type=submit].primary")
    page.wait_for_url("**/loyalty/cards/*/")
    card = GoldCard.objects.get()
    assert card.number in page.locator("[data-testid=card-number]").inner_text()
    assert card.customer == customer and card.is_active
    page.click("form[action='/logout/'] button")

    # the manager sees his new gold customer on his home page
    login(page, live_server, "manager1")
    assert "马铁山" in page.locator("[data-testid=gold-table]").inner_text()
    # and opens the printable card
    page.goto(f"{live_server.url}/loyalty/cards/{card.pk}/print/")
    assert card.number in page.locator("[data-testid=vipcard]").inner_text()
    assert page.console_errors == []
