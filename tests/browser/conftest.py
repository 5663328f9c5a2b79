"""Playwright driving Debian's Chromium against pytest-django's live server.

Test tools cannot download browsers here, so Chromium comes from the system
(`apt-get install chromium`); without it these tests skip locally and fail under CI
(REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, REQUIRE_SERVICES

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# for their setup are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium(live_server):
    # Started after the live server, so closed before it: Chromium's kept-alive connections
    # end while the server's request threads may still use the test database connection
    # it shares with them (in-memory SQLite).
    if not Path(CHROMIUM).exists():
        if REQUIRE_SERVICES:
            pytest.fail(f"Chromium is required but missing at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # The live server's request threads close their database connection at the end of each
    # request (CONN_MAX_AGE 0) instead of keeping it for the next one: a thread whose
    # kept-alive browser connection outlives the tests would otherwise leave its session
    # open on the test database, and dropping that database at the end of the run fails
    # ("is being accessed by other users").
    db = connections.settings["default"]
    max_age = db.get("CONN_MAX_AGE")
    db["CONN_MAX_AGE"] = 0
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, locale="zh-CN"
        )
        yield context
        context.close()
    db["CONN_MAX_AGE"] = max_age


@pytest.fixture
def page(chromium, request):
    page = chromium.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    page.context.clear_cookies()
    page.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def login(page, live_server, username: str, password: str = "pw-12345678") -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")


def nav(page, testid: str) -> None:
    """Follow a menu link: the menu button first on a narrow screen, then the link's group."""
    link = page.locator(f"[data-testid={testid}]")
    if not link.is_visible() and page.locator("[data-testid=nav-menu]").is_visible():
        page.click("[data-testid=nav-menu]")
    if not link.is_visible():
        page.click(f"details.navgroup:has([data-testid={testid}]) > summary")
    link.click()
