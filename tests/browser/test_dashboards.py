"""The dashboards in a real browser: the charts are drawn by the vendored Chart.js under the
strict CSP (no console error, no violation), the tables sit under them, and a manager sees
only his own figures."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, nav
from tests.loyalty.dashboard_data import build
from tests.loyalty.helpers import ensure_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(archivist, manager, other_manager, executive):
    ensure_rules()
    return build(archivist, manager, other_manager)


def _charts_drawn(page, count: int) -> None:
    page.wait_for_selector("canvas[data-drawn=true]")
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() == count
    for i in range(count):
        canvas = canvases.nth(i)
        assert canvas.get_attribute("data-drawn") == "true"
        assert canvas.bounding_box()["height"] > 100


def test_executive_sees_charts_and_tables_of_the_whole_group(page, live_server, world):
    login(page, live_server, "exec1")
    nav(page, "nav-dashboards")
    page.wait_for_url("**/loyalty/dashboards/")
    _charts_drawn(page, 4)
    assert page.locator("[data-testid=stat-gold] .num").inner_text() == "3"
    managers = page.locator("[data-testid=table-managers]").inner_text()
    assert "张伟" in managers and "李强" in managers
    assert page.locator("[data-testid=table-trend] caption").count() == 1

    page.click("[data-testid=dashboard-tabs] >> nth=0 >> a >> nth=1")
    page.wait_for_url("**/loyalty/dashboards/80-20/**")
    _charts_drawn(page, 3)
    assert page.locator("[data-testid=tier-A]").inner_text() == "2"
    page.click("[data-testid=tier-A]")
    page.wait_for_url("**/loyalty/dashboards/list/**")
    assert page.locator("[data-testid=dashboard-list] tbody tr").count() == 2
    assert page.console_errors == []


def test_manager_sees_only_his_own_figures(page, live_server, world):
    login(page, live_server, "manager1")
    nav(page, "nav-dashboards")
    _charts_drawn(page, 4)
    assert page.locator("[data-testid=stat-gold] .num").inner_text() == "2"
    managers = page.locator("[data-testid=table-managers]").inner_text()
    assert "张伟" in managers and "李强" not in managers
    assert "金三" not in page.content()
    page.click("[data-testid=stat-overdue]")
    page.wait_for_url("**/loyalty/dashboards/list/**")
    rows = page.locator("[data-testid=dashboard-list]").inner_text()
    assert "金二" in rows and "金三" not in rows
    page.goto(f"{live_server.url}/loyalty/dashboards/report/")
    assert page.locator("[data-testid=monthly-report]").count() == 1
    assert page.console_errors == []
