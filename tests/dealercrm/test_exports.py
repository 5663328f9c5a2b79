import csv
import io

import pytest
from django.test import RequestFactory
from openpyxl import load_workbook

from dealercrm import exports
from dealercrm.models import SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def get(archivist):
    def make(query=""):
        request = RequestFactory().get(f"/customers/?{query}")
        request.user = archivist
        return request

    return make


def test_requested_format_accepts_only_known_formats(get):
    assert exports.requested_format(get("export=CSV")) == "csv"
    assert exports.requested_format(get("export=xlsx")) == "xlsx"
    assert exports.requested_format(get("export=pdf")) is None
    assert exports.requested_format(get("")) is None


def test_export_url_keeps_filters_and_drops_page(get):
    url = exports.export_url(get("q=%E5%88%98&page=3&tier=A"), "xlsx")
    assert url.startswith("/customers/?")
    assert "page=" not in url
    assert "tier=A" in url and "export=xlsx" in url and "q=%E5%88%98" in url


def test_csv_has_bom_chinese_text_and_escapes_formulas(get):
    response = exports.export_response(
        get("q=x"),
        fmt="csv",
        name="customers",
        title="客户",
        headers=["姓名", "电话"],
        rows=[("刘文才", "13812345678"), ('=HYPERLINK("x")', "+8613812345678")],
    )
    body = response.content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        ["姓名", "电话"],
        ["刘文才", "13812345678"],
        ['\'=HYPERLINK("x")', "'+8613812345678"],
    ]
    assert "attachment" in response["Content-Disposition"]
    assert ".csv" in response["Content-Disposition"]


def test_xlsx_round_trips_and_never_writes_formulas(get):
    response = exports.export_response(
        get(),
        fmt="xlsx",
        name="customers",
        title="客户/名单[1]",
        headers=["姓名", "金额"],
        rows=[("刘文才", 12), ("=1+1", None)],
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "客户名单1"
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values == [["姓名", "金额"], ["刘文才", 12], ["=1+1", None]]
    assert sheet["A3"].data_type == "s"


def test_every_export_is_logged_with_filters_and_row_count(get, archivist):
    exports.export_response(
        get("tier=A&page=2&export=csv"),
        fmt="csv",
        name="customers",
        title="x",
        headers=["a"],
        rows=[(1,), (2,), (3,)],
    )
    event = SecurityEvent.objects.get(kind="export")
    assert event.user == archivist
    assert event.detail == {
        "export": "customers",
        "format": "csv",
        "filters": {"tier": "A"},
        "rows": 3,
    }


def test_unknown_format_is_refused(get):
    with pytest.raises(ValueError):
        exports.export_response(get(), fmt="pdf", name="x", title="x", headers=[], rows=[])
    assert not SecurityEvent.objects.filter(kind="export").exists()


def test_xlsx_shows_money_with_thousands_separators_and_two_decimals():
    from decimal import Decimal

    content = exports.xlsx_bytes("金额", ["客户", "金额"], [["刘文才", Decimal("7740045")]])
    cell = load_workbook(io.BytesIO(content)).active["B2"]
    assert cell.value == 7740045
    assert cell.number_format == "#,##0.00"


def test_xlsx_shows_rates_with_one_decimal():
    content = exports.xlsx_bytes("联系达标率", ["经理", "达标率"], [["张伟", 66.66666]])
    cell = load_workbook(io.BytesIO(content)).active["B2"]
    assert cell.value == 66.66666
    assert cell.number_format == "0.0"
