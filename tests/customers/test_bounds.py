"""Bounds of the dossier (issue 15 part 4): names made only of invisible characters and
birth dates before 1900 or in the future are refused by the browser, the API and the
import alike (the models' field validators), with a clear message and nothing written."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from customers import services as customer_services
from customers.importing import services as import_services
from customers.models import Customer, ImportRow, Operator, Shareholder
from dealercrm.validators import has_visible_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chinese")]

INVISIBLE = "名称没有可见字符（只有空格或不可见字符）。"
BEFORE_1900 = "出生日期不能早于 1900-01-01。"
INVISIBLE_NAMES = ["\u200b", "\u200b\u200c\u200d\u2060\ufeff", "\u3000 \u200b\t"]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def dry_run(actor, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "手机", "出生日期"])
    writer.writerows(rows)
    batch = import_services.import_upload(
        actor=actor, file_name="customers.csv", content=buffer.getvalue().encode()
    )
    return import_services.import_map(actor=actor, batch=batch, mapping=batch.mapping)


def test_visible_text_is_any_letter_digit_or_sign():
    assert has_visible_text("张三") and has_visible_text("\u200b张") and has_visible_text("·")
    assert not any(has_visible_text(name) for name in INVISIBLE_NAMES)


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_a_customer_named_only_with_invisible_characters_is_refused(client, archivist, name):
    response = api(archivist).post("/api/v1/customers/", {"name": name}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["name"] in ([INVISIBLE], ["该字段不能为空。"])
    client.force_login(archivist)
    page = client.post("/customers/new/", {"name": name, "kind": "end_user", "status": "active"})
    assert page.status_code == 200
    assert "name" in page.context["form"].errors
    assert not Customer.all_objects.exists()


def test_a_zero_width_space_alone_gets_the_invisible_message(archivist):
    response = api(archivist).post("/api/v1/customers/", {"name": "\u200b"}, format="json")
    assert response.json()["name"] == [INVISIBLE]


def test_a_name_with_a_zero_width_character_among_letters_is_accepted(archivist):
    response = api(archivist).post(
        "/api/v1/customers/", {"name": "张\u200b三", "confirm_new": True}, format="json"
    )
    assert response.status_code == 201, response.content


def test_the_import_marks_an_invisible_name_invalid(archivist):
    batch = dry_run(archivist, [["\u200b\u200b", "13905390001", ""], ["王五", "13905390002", ""]])
    (invalid,) = batch.rows.filter(verdict=ImportRow.Verdict.INVALID)
    assert invalid.number == 2
    assert [e["column"] for e in invalid.errors] == ["姓名"]
    assert batch.rows_new == 1
    assert not Customer.all_objects.exists()


def test_shareholder_and_operator_names_need_a_visible_character(client, archivist, customer):
    client.force_login(archivist)
    page = client.post(f"/customers/{customer.pk}/shareholders/new/", {"name": "\u200b"})
    assert page.status_code == 200
    assert page.context["form"].errors["name"] == [INVISIBLE]
    with pytest.raises(ValidationError) as exc:
        customer_services.row_add(
            actor=archivist, customer=customer, model=Operator, data={"name": "\ufeff\u200b"}
        )
    assert exc.value.message_dict["name"] == [INVISIBLE]
    assert not Shareholder.objects.exists() and not Operator.objects.exists()


# --- birth dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_date", "message"),
    [
        ("0001-01-01", BEFORE_1900),
        ("1899-12-31", BEFORE_1900),
        ("2999-01-01", "出生日期不能晚于今天。"),
    ],
)
def test_a_birth_date_out_of_bounds_is_refused(client, archivist, birth_date, message):
    response = api(archivist).post(
        "/api/v1/customers/", {"name": "张三", "birth_date": birth_date}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["birth_date"] == [message]
    client.force_login(archivist)
    page = client.post(
        "/customers/new/",
        {"name": "张三", "kind": "end_user", "status": "active", "birth_date": birth_date},
    )
    assert page.status_code == 200
    assert page.context["form"].errors["birth_date"] == [message]
    assert not Customer.all_objects.exists()


def test_the_import_refuses_a_birth_date_before_1900(archivist):
    batch = dry_run(
        archivist,
        [["张三", "13905390001", "1899-12-31"], ["李四", "13905390002", "1900-01-01"]],
    )
    (invalid,) = batch.rows.filter(verdict=ImportRow.Verdict.INVALID)
    assert invalid.number == 2
    assert [e["column"] for e in invalid.errors] == ["出生日期"]
    assert batch.rows_new == 1


def test_a_birth_date_on_1_january_1900_is_accepted(archivist):
    response = api(archivist).post(
        "/api/v1/customers/",
        {"name": "张三", "birth_date": "1900-01-01", "confirm_new": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Customer.objects.get().birth_date == dt.date(1900, 1, 1)
