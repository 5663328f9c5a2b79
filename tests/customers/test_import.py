"""Spreadsheet import (issue 8): dry run, duplicate checks, decisions, all-or-nothing commit."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from customers.importing import commit as commit_module
from customers.importing import services
from customers.importing.mapping import auto_mapping
from customers.importing.readers import read_table
from customers.models import Customer, ImportBatch, ImportRow, Machine, Phone, Shareholder
from dealercrm.models import SecurityEvent
from tests.factories import CustomerFactory, PhoneFactory

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "手机", "省", "市", "县", "地址", "机型", "股东"]


def csv_bytes(rows, headers=HEADERS, encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person(i):
    """A distinct, valid person per index (own name and phone, no place: nothing to match)."""
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰松红"
    name = surnames[i % 30] + given[(i // 30) % 28] + given[(i // 840) % 28]
    return [
        name,
        f"139{i:08d}",
        "",
        "",
        "",
        "",
        "ZL50C" if i % 3 == 0 else "",
        "",
    ]


def dry_run(actor, content, name="customers.csv"):
    batch = services.import_upload(actor=actor, file_name=name, content=content)
    return services.import_map(actor=actor, batch=batch, mapping=batch.mapping)


def commit(actor, batch):
    return services.import_start_commit(actor=actor, batch=batch)


def counts():
    return (
        Customer.all_objects.count(),
        Phone.objects.count(),
        Machine.objects.count(),
        Shareholder.objects.count(),
    )


# --- reading ------------------------------------------------------------------------


def test_headers_are_recognised_in_chinese_and_english():
    headers = ["客户名称", "联系电话", "Phone 2", "省份", "市", "区县", "详细地址", "型号", "备注"]
    headers.append("xyz")
    mapping = auto_mapping(headers)
    assert [mapping[str(i)] for i in range(len(headers))] == [
        "name", "phones", "phones", "province", "city", "county", "address", "models", "notes", "",
    ]  # fmt: skip
    assert auto_mapping(["Name", "Mobile", "Model"]) == {"0": "name", "1": "phones", "2": "models"}


def test_gbk_csv_imports_with_correct_chinese(archivist):
    row = ["刘文才", "13800138000", "山东省", "临沂市", "沂南县", "青驼镇刘家庄村", "柳工ZL50C", ""]
    content = csv_bytes([row], encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    table = read_table(content, "notebook.csv")
    assert (table.encoding, table.headers) == ("gb18030", HEADERS)

    commit(archivist, dry_run(archivist, content, "笔记本.csv"))

    customer = Customer.objects.get()
    assert (customer.name, customer.province, customer.city, customer.county, customer.address) == (
        "刘文才", "山东省", "临沂市", "沂南县", "青驼镇刘家庄村",
    )  # fmt: skip
    assert customer.name_pinyin == "liuwencai"
    assert customer.machines.get().model_raw == "柳工ZL50C"


def test_export_apostrophe_is_taken_off():
    content = csv_bytes([["'=SUM(A1)", "13800138000", "", "", "", "", "", ""]])
    assert next(read_table(content, "x.csv").rows)[0] == "=SUM(A1)"


# --- the dry run ----------------------------------------------------------------------


def test_dry_run_reports_exactly_the_bad_rows_and_writes_nothing(archivist):
    # given: 1,000 rows, 7 of them bad in different ways
    rows = [person(i) for i in range(1000)]
    bad = {
        12: ("手机", lambda r: r.__setitem__(1, "12345")),
        150: ("姓名", lambda r: r.__setitem__(0, "")),
        333: ("手机", lambda r: r.__setitem__(1, "not a number")),
        500: ("股东", lambda r: r.__setitem__(7, "张三 60%; 李四 50%")),
        640: ("姓名", lambda r: r.__setitem__(0, "名" * 101)),
        777: ("机型", lambda r: r.__setitem__(6, "X" * 61)),
        999: ("手机", lambda r: r.__setitem__(1, "139 0000")),
    }
    for index, (_column, spoil) in bad.items():
        spoil(rows[index])
    before = counts()

    # when
    batch = dry_run(archivist, csv_bytes(rows))

    # then: the seven rows, numbered as the spreadsheet numbers them (header = row 1)
    assert batch.status == ImportBatch.Status.CHECKED
    assert batch.rows_total == 1000
    invalid = list(batch.rows.filter(verdict=ImportRow.Verdict.INVALID).order_by("number"))
    assert [r.number for r in invalid] == [i + 2 for i in sorted(bad)]
    for row in invalid:
        column = bad[row.number - 2][0]
        assert {e["column"] for e in row.errors} == {column}, row.errors
        assert all(e["message"] for e in row.errors)
    assert batch.rows_new == 993
    assert counts() == before


def test_three_spellings_with_the_same_phone_propose_one_customer(archivist):
    rows = [
        ["刘文才", "138-5399-1234", "山东省", "临沂市", "沂南县", "青驼镇刘家庄村", "ZL50C", ""],
        ["王建国", "13900001111", "山东省", "临沂市", "兰山区", "", "", ""],
        ["刘文财", "13853991234", "山东省", "临沂市", "沂南县", "青驼镇刘家庄村", "", ""],
        ["刘稳材", "+86 138 5399 1234", "山东省", "临沂市", "沂南县", "青驼镇刘家庄", "", ""],
    ]
    batch = dry_run(archivist, csv_bytes(rows))
    verdicts = {r.number: (r.verdict, r.match_row) for r in batch.rows.all()}
    assert verdicts == {
        2: ("new", None),
        3: ("new", None),
        4: ("duplicate", 2),
        5: ("duplicate", 2),
    }
    assert batch.rows.get(number=4).reasons  # with the matcher's reasons

    batch = commit(archivist, batch)

    liu = Customer.objects.filter(name_fuzzy=Customer.objects.get(name="刘文才").name_fuzzy)
    assert liu.count() == 1
    assert batch.created_count == 2
    assert list(liu.get().phones.values_list("e164", flat=True)) == ["+8613853991234"]


def test_row_matching_the_archive_is_probably_existing_and_attached(archivist, manager):
    existing = CustomerFactory(name="刘文才", manager=manager, county="沂南县")
    PhoneFactory(customer=existing, raw="138 5399 1234")
    rows = [["刘文财", "13853991234", "山东省", "临沂市", "沂南县", "", "ZL50C", "刘文才 60%"]]

    batch = dry_run(archivist, csv_bytes(rows))

    row = batch.rows.get()
    assert row.verdict == ImportRow.Verdict.EXISTING
    assert row.match_customer == existing
    assert row.decision == ImportRow.Decision.ATTACH
    batch = commit(archivist, batch)
    assert Customer.objects.count() == 1
    assert existing.machines.get().model_raw == "ZL50C"
    assert existing.shareholders.get().name == "刘文才"
    assert existing.phones.count() == 1
    row.refresh_from_db()
    assert (row.outcome, row.customer) == (ImportRow.Outcome.ATTACHED, existing)


# --- the commit -----------------------------------------------------------------------


def test_commit_creates_customers_traceable_to_the_batch(archivist, manager):
    headers = [*HEADERS, "业务员"]
    rows = [[*person(i), "manager1"] for i in range(5)]
    batch = commit(archivist, dry_run(archivist, xlsx_bytes(rows, headers), "客户.xlsx"))

    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.created_count == 5
    created = Customer.objects.filter(import_rows__batch=batch)
    assert created.count() == 5
    first = created.get(name=person(0)[0])
    assert first.manager == manager
    assert manager.has_perm("customers.view_customer", first)  # the manager sees his own
    assert first.phones.get().e164 == "+8613900000000"
    assert first.machines.get().model_raw == "ZL50C"
    assert first.history.get().history_user == archivist
    assert f"import #{batch.pk}" in first.history.get().history_change_reason
    assert SecurityEvent.objects.filter(kind="import").count() == 1
    assert batch.source == b"" or bytes(batch.source) == b""


def test_importing_the_same_file_twice_creates_nothing_new(archivist):
    content = csv_bytes([person(i) for i in range(30)])
    commit(archivist, dry_run(archivist, content))
    before = counts()

    second = dry_run(archivist, content)

    assert second.rows_existing == 30
    second = commit(archivist, second)
    assert counts() == before
    assert second.created_count == 0
    assert set(second.rows.values_list("outcome", flat=True)) == {ImportRow.Outcome.UNCHANGED}


def test_the_page_says_when_a_file_was_imported_before(client, archivist):
    content = csv_bytes([person(1)])
    first = commit(archivist, dry_run(archivist, content))
    second = dry_run(archivist, content)
    client.force_login(archivist)
    response = client.get(second.get_absolute_url())
    assert f"import #{first.pk}" in response.content.decode()


def test_an_exception_in_the_middle_of_a_commit_leaves_no_rows(archivist, monkeypatch):
    # given: a checked batch of 50 rows, committed in chunks of 10
    batch = dry_run(archivist, csv_bytes([person(i) for i in range(50)]))
    before = counts()
    monkeypatch.setattr(commit_module, "CHUNK", 10)
    calls = {"n": 0}
    real = commit_module._write_chunk

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(commit_module, "_write_chunk", failing)

    # when
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.COMMITTING)
    with pytest.raises(RuntimeError):
        commit_module.import_commit(actor=archivist, batch=batch)

    # then: two chunks had been written, and are gone
    assert calls["n"] == 3
    assert counts() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED
    assert "disk full" in batch.error
    assert not batch.rows.exclude(outcome="").exists()


def test_decisions_skip_and_create(archivist, manager):
    existing = CustomerFactory(name="刘文才", manager=manager)
    PhoneFactory(customer=existing, raw="13853991234")
    rows = [["刘文才", "13853991234", "", "", "", "", "", ""], person(1), person(2)]
    batch = dry_run(archivist, csv_bytes(rows))
    by_number = {r.number: r for r in batch.rows.all()}

    services.import_decide(
        actor=archivist,
        batch=batch,
        decisions={by_number[2].pk: "create", by_number[3].pk: "skip"},
    )
    with pytest.raises(Exception, match="cannot be set"):
        services.import_decide(actor=archivist, batch=batch, decisions={by_number[4].pk: "attach"})
    batch = commit(archivist, batch)

    assert Customer.objects.filter(name="刘文才").count() == 2  # the archivist said: another man
    assert not Customer.objects.filter(name=person(1)[0]).exists()
    assert (batch.created_count, batch.skipped_count) == (2, 1)


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "file is empty"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "Old Excel files (.xls)"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "Only .xlsx and .csv"),
        ("broken.xlsx", b"PK\x03\x04garbage", "not a readable Excel workbook"),
    ],
)
def test_bad_files_get_a_clear_error_and_nothing_is_stored(
    client, archivist, name, content, message
):
    client.force_login(archivist)
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post(reverse("customers:import_list"), {"file": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_too_large_file_is_refused(client, archivist, monkeypatch):
    from customers.importing import forms, readers

    monkeypatch.setattr(forms, "MAX_BYTES", 100)
    monkeypatch.setattr(readers, "MAX_BYTES", 100)
    client.force_login(archivist)
    upload = io.BytesIO(csv_bytes([person(i) for i in range(20)]))
    upload.name = "big.csv"
    response = client.post(reverse("customers:import_list"), {"file": upload})
    assert "larger than" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_file_without_a_name_column_asks_for_one(client, archivist):
    client.force_login(archivist)
    upload = io.BytesIO(csv_bytes([["x", "13800138000"]], headers=["foo", "电话"]))
    upload.name = "x.csv"
    response = client.post(reverse("customers:import_list"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    response = client.post(reverse("customers:import_map", args=[batch.pk]), {"col_1": "phones"})
    assert response.status_code == 200
    assert "Choose the column that holds the customer" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.MAPPING
    assert not ImportRow.objects.exists()


# --- the browser flow and the command ---------------------------------------------------


def test_browser_flow_upload_map_check_commit(client, archivist):
    client.force_login(archivist)
    upload = io.BytesIO(xlsx_bytes([person(i) for i in range(3)]))
    upload.name = "notebook.xlsx"
    response = client.post(reverse("customers:import_list"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert response.url == batch.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "Start the dry run" in page
    data = {f"col_{i}": v for i, v in batch.mapping.items()}
    data["save_as"] = "销售笔记本"
    response = client.post(reverse("customers:import_map", args=[batch.pk]), data)
    assert response.status_code == 302
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "3 rows: 3 new" in page
    response = client.post(reverse("customers:import_commit", args=[batch.pk]))
    assert response.status_code == 302
    assert Customer.objects.count() == 3
    progress = client.get(reverse("customers:import_progress", args=[batch.pk])).json()
    assert progress["status"] == "committed"
    assert progress["running"] is False
    # the saved mapping is offered for the next file
    assert "销售笔记本" in client.get(reverse("customers:import_list")).content.decode()


def test_command_dry_run_then_import(tmp_path, archivist, capsys):
    path = tmp_path / "notebook.csv"
    nameless = ["", "13800138000", "", "", "", "", "", ""]
    path.write_bytes(csv_bytes([*(person(i) for i in range(4)), nameless]))

    call_command("import_customers", str(path), "--dry-run", "--user", "archivist")
    out = capsys.readouterr().out
    assert "row 6" in out and "The name is empty." in out
    assert Customer.objects.count() == 0

    call_command("import_customers", str(path), "--user", "archivist", "--skip-invalid")
    assert Customer.objects.count() == 4
