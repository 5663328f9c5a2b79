"""No signal is no loss (issue 18, part 3), in a real browser with Playwright's offline mode.

A report typed offline waits on the phone (待发送), goes once when the connection returns;
pages the manager opened before open again offline, marked 离线.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from contacts.models import Submission
from tests.browser.conftest import login
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

FORGET_EVERYTHING = """async () => {
  for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
  for (const name of await caches.keys()) await caches.delete(name);
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase("dealercrm");
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}"""

KEPT_URLS = """async () => (await Promise.all((await caches.keys()).map(async (name) =>
  (await (await caches.open(name)).keys()).map((request) => request.url)))).flat()"""


@pytest.fixture
def phone(page, live_server):
    """The shared browser at phone size; its worker, pages and outbox are wiped afterwards
    so that other browser tests start as a first visit."""
    page.set_viewport_size(PHONE)
    yield page
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/login/")
    page.evaluate(FORGET_EVERYTHING)


def _controlled(page) -> None:
    """Wait until the service worker controls the page (from then on visits are kept)."""
    # polled from here: the strict CSP forbids the eval that page.wait_for_function needs
    deadline = time.monotonic() + 20
    while not page.evaluate("() => Boolean(navigator.serviceWorker.controller)"):
        assert time.monotonic() < deadline, "the service worker never took control"
        page.wait_for_timeout(100)


def test_report_typed_offline_is_sent_once_when_back_online(phone, live_server, manager):
    page = phone
    customer = CustomerFactory(name="刘文才", manager=manager)
    login(page, live_server, "manager1")
    _controlled(page)

    # online: the manager opens the dossier and the report form once (so they are kept)
    dossier = f"{live_server.url}/customers/{customer.pk}/"
    form_url = f"{live_server.url}/contacts/submit/?customer={customer.pk}"
    page.goto(dossier)
    page.goto(form_url)
    assert page.locator("[data-testid=outbox-badge]").is_hidden()
    # the dossier changes on the server after his visit: offline he sees his kept copy
    customer.name = "刘文才（已改名）"
    customer.save()

    # the signal goes: the kept dossier opens, marked 离线
    page.context.set_offline(True)
    page.goto(dossier)
    assert "离线" in page.locator("[data-testid=offline-notice]").inner_text()
    assert "已改名" not in page.content()
    assert "刘文才" in page.locator("h1").inner_text()

    # he types a report: it stays on the phone, the badge says 待发送
    page.goto(form_url)
    assert "离线" in page.locator("[data-testid=offline-notice]").inner_text()
    key = page.input_value("#id_idempotency_key")
    assert len(key) == 36
    page.select_option("#id_channel", "visit")
    page.fill("#id_summary", "工地没信号：客户下月要一台装载机")
    page.click("button[type=submit].primary")
    badge = page.locator("[data-testid=outbox-badge]")
    badge.wait_for(state="visible")
    assert "待发送" in badge.inner_text() and "1" in badge.inner_text()
    assert page.locator("[data-testid=outbox-saved]").is_visible()
    assert not Submission.objects.exists()
    # the form is ready for the next report, with a new key
    assert page.input_value("#id_idempotency_key") not in ("", key)

    # the signal returns: sent by itself, exactly once, and the badge goes
    page.context.set_offline(False)
    badge.wait_for(state="hidden", timeout=15000)
    assert page.locator("[data-testid=offline-notice]").count() == 0
    submission = Submission.objects.get()
    assert str(submission.idempotency_key) == key
    assert submission.author == manager and submission.customer_id == customer.pk
    assert submission.summary == "工地没信号：客户下月要一台装载机"
    assert submission.channel == "visit"

    # another page load (which would resend anything left) stores nothing new
    page.goto(f"{live_server.url}/")
    page.wait_for_timeout(500)
    assert Submission.objects.count() == 1
    assert page.locator("[data-testid=outbox-badge]").is_hidden()


def test_report_sent_online_leaves_nothing_waiting(phone, live_server, manager):
    page = phone
    customer = CustomerFactory(name="刘文才", manager=manager)
    login(page, live_server, "manager1")
    _controlled(page)
    page.goto(f"{live_server.url}/contacts/submit/?customer={customer.pk}")
    page.fill("#id_summary", "电话回访")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/contacts/submissions/*/")
    assert page.locator("[data-testid=outbox-badge]").is_hidden()
    page.goto(f"{live_server.url}/")
    page.wait_for_timeout(500)
    assert Submission.objects.count() == 1
    assert page.locator("[data-testid=outbox-badge]").is_hidden()
    count = page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open("dealercrm", 1);
          open.onupgradeneeded = () => open.result.createObjectStore("outbox", {keyPath: "key"});
          open.onsuccess = () => {
            const req = open.result.transaction("outbox").objectStore("outbox").count();
            req.onsuccess = () => { resolve(req.result); open.result.close(); };
          };
        })"""
    )
    assert count == 0


def test_logout_drops_the_kept_pages(phone, live_server, manager):
    page = phone
    customer = CustomerFactory(name="刘文才", manager=manager)
    login(page, live_server, "manager1")
    _controlled(page)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.goto(f"{live_server.url}/api/v1/customers/")
    assert not [url for url in page.evaluate(KEPT_URLS) if "/api/" in url]  # never kept
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    dossier = f"{live_server.url}/customers/{customer.pk}/"
    assert dossier in page.evaluate(KEPT_URLS)
    logout = page.locator("form[action='/logout/'] button")
    if not logout.is_visible():  # on a phone the user box sits behind the menu button
        page.click("[data-testid=nav-menu]")
    logout.click()
    page.wait_for_url("**/login/**")
    assert dossier not in page.evaluate(KEPT_URLS)
    # offline, the dossier is gone for whoever holds the phone now
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError, match="ERR_"):  # the browser's own network error
        page.goto(dossier)


def test_report_the_server_refuses_waits_for_the_manager(phone, live_server, manager):
    page = phone
    CustomerFactory(name="刘文才", manager=manager)
    CustomerFactory(name="刘文财", manager=manager)
    login(page, live_server, "manager1")
    _controlled(page)
    form_url = f"{live_server.url}/contacts/submit/"
    page.goto(form_url)

    # offline he types initials that turn out to match two of his customers
    page.context.set_offline(True)
    page.goto(form_url)
    key = page.input_value("#id_idempotency_key")
    page.fill("[data-testid=customer-query]", "lwc")
    page.fill("#id_summary", "没信号时记下的")
    page.click("button[type=submit].primary")
    badge = page.locator("[data-testid=outbox-badge]")
    badge.wait_for(state="visible")

    # back online the server asks which one: nothing stored, the report stays waiting
    page.context.set_offline(False)
    expect(badge).to_have_attribute("href", re.compile(f"#draft={key}$"), timeout=15000)
    page.wait_for_timeout(500)
    assert not Submission.objects.exists()
    assert badge.is_visible() and key in badge.get_attribute("href")

    # the badge opens the form refilled; he picks the customer and sends it
    badge.click()
    expect(page.locator("#id_summary")).to_have_value("没信号时记下的")
    assert page.input_value("#id_idempotency_key") == key
    page.fill("[data-testid=customer-query]", "lwc")
    page.click("#customer-suggestions li >> text=刘文才")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/contacts/submissions/*/")
    submission = Submission.objects.get()
    assert str(submission.idempotency_key) == key and submission.customer.name == "刘文才"
    assert page.locator("[data-testid=outbox-badge]").is_hidden()
