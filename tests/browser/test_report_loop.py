"""The sales manager's loop in a real browser: submit → archivist files → on the dossier."""

from __future__ import annotations

import pytest

from contacts.models import Submission
from tests.browser.conftest import login, nav
from tests.factories import CustomerFactory, PhoneFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reports_archivist_files_manager_sees_filed(page, live_server, manager, archivist):
    customer = CustomerFactory(name="刘文才", manager=manager)
    PhoneFactory(customer=customer, raw="13800138000")

    # the manager reports a visit, picking his customer through the search-as-you-type picker
    login(page, live_server, "manager1")
    nav(page, "nav-submit")
    page.fill("[data-testid=customer-query]", "lwc")
    page.click("#customer-suggestions li >> text=刘文才")
    assert page.input_value("#id_customer_id") == str(customer.pk)
    page.select_option("#id_channel", "visit")
    page.fill("#id_summary", "客户准备下个月再买一台装载机")
    page.check("input[name=intents][value=new_machine]")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/contacts/submissions/*/")
    submission = Submission.objects.get()
    assert submission.customer == customer and submission.status == "pending"
    page.click("form[action='/logout/'] button")

    # the archivist files it from the inbox
    login(page, live_server, "archivist")
    page.click("[data-testid=navgroup-contacts] > summary")
    assert page.locator("[data-testid=nav-inbox] .count").inner_text() == "1"
    page.click("[data-testid=nav-inbox]")
    page.click("[data-testid=inbox-table] a.button.primary")
    assert page.input_value("#id_summary") == "客户准备下个月再买一台装载机"  # pre-filled
    page.click("[data-testid=file-form] button[type=submit].primary")
    page.wait_for_url("**/contacts/inbox/")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    assert "客户准备下个月再买一台装载机" in page.locator("#contacts").inner_text()
    page.click("form[action='/logout/'] button")

    # the manager sees it filed
    login(page, live_server, "manager1")
    page.goto(f"{live_server.url}/contacts/submissions/{submission.pk}/")
    status = page.locator("[data-testid=submission-status]").inner_text()
    assert status in {"已归档", "Filed"}, status
    assert page.console_errors == []
