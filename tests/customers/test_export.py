"""Customer list exports (issue 8): the current filters, what the user may see, re-importable."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from customers.importing import services
from customers.models import Customer, ImportRow
from dealercrm.models import SecurityEvent
from tests.factories import CustomerFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def read_csv(response):
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


@pytest.fixture
def archive(manager, other_manager):
    mine = CustomerFactory(
        name="刘文才",
        manager=manager,
        province="山东省",
        county="沂南县",
        id_number="370000198001011234",
        registered_capital=Decimal("500000"),
        status="active",
    )
    PhoneFactory(customer=mine, raw="138 5399 1234")
    theirs = CustomerFactory(name="王建国", manager=other_manager, status="prospect")
    return mine, theirs


def test_manager_exports_only_his_own_customers(client, manager, archive):
    client.force_login(manager)
    response = client.get(reverse("customers:list"), {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    headers, rows = read_csv(response)
    assert [r[headers.index("Name")] for r in rows] == ["刘文才"]
    assert SecurityEvent.objects.filter(kind="export").get().detail["rows"] == 1


def test_export_keeps_the_filters(client, archivist, archive):
    client.force_login(archivist)
    response = client.get(reverse("customers:list"), {"export": "csv", "status": "prospect"})
    headers, rows = read_csv(response)
    assert [r[headers.index("Name")] for r in rows] == ["王建国"]


def test_service_gets_no_personal_details_or_amounts(client, service_user, archive):
    client.force_login(service_user)
    response = client.get(reverse("customers:list"), {"export": "csv"})
    headers, rows = read_csv(response)
    assert "ID number" not in headers
    assert "Birth date" not in headers
    assert "Capital (CNY)" not in headers
    assert "Tier" not in headers
    body = response.content.decode("utf-8-sig")
    assert "370000198001011234" not in body
    assert "500000" not in body
    assert len(rows) == 2


def test_archivist_export_has_personal_and_money_columns_in_xlsx(client, archivist, archive):
    client.force_login(archivist)
    response = client.get(reverse("customers:list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    headers = list(values[0])
    assert {"ID number", "Capital (CNY)", "Name", "Phone"} <= set(headers)
    liu = next(v for v in values[1:] if v[headers.index("Name")] == "刘文才")
    assert liu[headers.index("ID number")] == "370000198001011234"


def test_an_export_imports_again_without_creating_anything(client, archivist, archive):
    client.force_login(archivist)
    response = client.get(reverse("customers:list"), {"export": "csv"})
    before = (Customer.objects.count(), sum(c.phones.count() for c in Customer.objects.all()))

    batch = services.import_upload(
        actor=archivist, file_name="export.csv", content=response.content
    )
    assert {"name", "phones", "province", "county", "manager", "status"} <= set(
        batch.mapping.values()
    )
    batch = services.import_map(actor=archivist, batch=batch, mapping=batch.mapping)
    assert batch.rows_invalid == 0, list(batch.rows.values_list("errors", flat=True))
    assert batch.rows_existing == 2
    batch = services.import_start_commit(actor=archivist, batch=batch)

    assert (
        Customer.objects.count(),
        sum(c.phones.count() for c in Customer.objects.all()),
    ) == before
    assert set(batch.rows.values_list("outcome", flat=True)) == {ImportRow.Outcome.UNCHANGED}


def test_list_offers_export_links_and_import_only_to_the_archivist(client, archivist, manager):
    client.force_login(manager)
    page = client.get(reverse("customers:list")).content.decode()
    assert "export=csv" in page and "export=xlsx" in page
    assert reverse("customers:import_list") not in page
    client.force_login(archivist)
    assert (
        reverse("customers:import_list") in client.get(reverse("customers:list")).content.decode()
    )
