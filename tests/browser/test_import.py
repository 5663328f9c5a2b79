"""The archivist brings a notebook in: upload → columns → dry run → import."""

from __future__ import annotations

import pytest

from customers.models import Customer
from tests.browser.conftest import login
from tests.factories import CustomerFactory, PhoneFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTEBOOK = (
    "客户名称,联系电话,县,机型\n"
    "刘文财,138-5399-1234,沂南县,ZL50C\n"
    "王建国,13900001111,兰山区,\n"
    "王建国,139 0000 1111,兰山区,LG953\n"
)


def test_archivist_imports_a_notebook(page, live_server, archivist, manager, tmp_path):
    # given: 刘文才 is in the archive already
    liu = CustomerFactory(name="刘文才", manager=manager, county="沂南县")
    PhoneFactory(customer=liu, raw="13853991234")
    path = tmp_path / "笔记本.csv"
    path.write_bytes(NOTEBOOK.encode("gb18030"))

    # when: upload, accept the recognised columns, read the dry run, import
    login(page, live_server, "archivist")
    page.goto(f"{live_server.url}/customers/")
    page.click("[data-testid=import-link]")
    page.set_input_files("input[type=file]", str(path))
    page.click("[data-testid=import-upload] button[type=submit]")
    page.wait_for_selector("[data-testid=import-mapping]")
    page.click("[data-testid=import-mapping] button[type=submit]")
    page.wait_for_selector("[data-testid=import-rows]")
    table = page.locator("[data-testid=import-rows]").inner_text()
    assert "疑似已有客户 刘文才" in table  # the browser asks for zh-CN
    assert "与第 3 行重复" in table
    page.click("[data-testid=import-commit]")
    page.wait_for_selector("[data-testid=import-result]")

    # then: one new customer (王建国, with both machines' lines), 刘文才 got his loader
    assert Customer.objects.count() == 2
    wang = Customer.objects.get(name="王建国")
    assert list(wang.machines.values_list("model_raw", flat=True)) == ["LG953"]
    assert list(liu.machines.values_list("model_raw", flat=True)) == ["ZL50C"]
    assert page.console_errors == []
