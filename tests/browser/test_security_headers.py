"""The content security policy is strict, and the pages people use actually satisfy it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.factories import CustomerFactory, PhoneFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/customers/",
    "/customers/{pk}/",
    "/customers/{pk}/edit/",
    "/customers/new/",
    "/contacts/inbox/",
    "/contacts/submissions/",
    "/contacts/monthly/",
    "/api/docs/",
]


def test_pages_raise_no_csp_violation(page, live_server, archivist, manager):
    customer = CustomerFactory(name="刘文才", manager=manager)
    PhoneFactory(customer=customer)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = page.goto(f"{live_server.url}/login/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    login(page, live_server, "archivist")
    for path in PAGES:
        response = page.goto(live_server.url + path.format(pk=customer.pk))
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # swagger renders after load
        assert violations == [], path
    assert page.console_errors == []


def test_manager_report_form_picker_works_under_csp(page, live_server, manager):
    CustomerFactory(name="刘文才", manager=manager)
    login(page, live_server, "manager1")
    page.goto(f"{live_server.url}/contacts/submit/")
    page.fill("[data-testid=customer-query]", "liuwen")
    page.wait_for_selector("#customer-suggestions li")
    assert "刘文才" in page.inner_text("#customer-suggestions")
    assert page.console_errors == []
