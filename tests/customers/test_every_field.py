"""Every field of the dossier's browser forms, filled and read back (issue 15: nothing typed
is lost). Values come from the rendered form's own fields: see tests/every_field.py."""

from __future__ import annotations

from typing import Any

import pytest

from customers.forms import CustomerForm
from customers.matching.normalise import normalize_model
from customers.models import Customer
from customers.views import SECTIONS
from tests import every_field as ef
from tests.factories import CustomerFactory, MachineFactory, SalesRegionFactory

pytestmark = pytest.mark.django_db

VALID_ID_NUMBER = "37130219800101123X"


@pytest.fixture
def dossier_choices(manager, other_manager):
    """Something to pick in every select: two regions, two managers."""
    SalesRegionFactory(name="临沂")
    SalesRegionFactory(name="日照")


def _customer_overrides(form_fields, start: int) -> dict[str, str]:
    # Rules a field type cannot imply: a real ID number, a birth year matching the birth date.
    birth = ef.form_value(form_fields["birth_date"], start, "birth_date")
    return {"id_number": VALID_ID_NUMBER, "birth_year": str(birth)[:4]}


def test_customer_form_puts_each_field_in_one_fieldset():
    # given the form's fieldsets, when counted, then every field is in exactly one
    placed = [name for _legend, names in CustomerForm.FIELDSETS for name in names]
    assert sorted(placed) == sorted(CustomerForm.base_fields)
    assert len(placed) == len(set(placed))


@pytest.mark.parametrize("url", ["/customers/new/", "edit"])
def test_customer_form_shows_notes_once(client, archivist, customer, url):
    # The 个人情况 fieldset picked its fields with a substring test against
    # "... birthday_notes", so 备注 (notes) was rendered twice.
    client.force_login(archivist)
    url = f"/customers/{customer.pk}/edit/" if url == "edit" else url
    html = client.get(url).content.decode()
    assert html.count('name="notes"') == 1


def test_customer_edit_keeps_notes_typed_in_the_only_box(
    client, archivist, customer, dossier_choices
):
    client.force_login(archivist)
    page = client.get(f"/customers/{customer.pk}/edit/")
    form = page.context["form"]
    data, _expected = ef.fill(page.content.decode(), form, _customer_overrides(form.fields, 0))
    data["notes"] = "只在这一个框里写的备注"
    ef.submit(client, f"/customers/{customer.pk}/edit/", data)
    customer.refresh_from_db()
    assert customer.notes == "只在这一个框里写的备注"


def test_archivist_creates_customer_with_every_field(client, archivist, dossier_choices):
    # given the new-customer page, every field filled with its own value
    client.force_login(archivist)
    page = client.get("/customers/new/")
    form = page.context["form"]
    data, expected = ef.fill(
        page.content.decode(),
        form,
        _customer_overrides(form.fields, 0) | {"name": "每项都填的客户"},
        extra={"phones": "13800138001\n0539-8123456"},
    )

    # when it is saved
    ef.submit(client, "/customers/new/", data)

    # then the edit page shows every value back, and so does the dossier page
    customer = Customer.objects.get(name="每项都填的客户")
    edit = client.get(f"/customers/{customer.pk}/edit/")
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}
    dossier = client.get(customer.get_absolute_url()).content.decode()
    assert set(ef.not_shown(dossier, form.fields, expected, DOSSIER_BADGES)) == NOT_ON_DOSSIER
    assert sorted(customer.phones.values_list("e164", flat=True)) == [
        "+8613800138001",
        "+865398123456",
    ]


def test_archivist_edits_every_customer_field(client, archivist, dossier_choices):
    customer = CustomerFactory(name="要改的客户", notes="旧备注", hobbies="旧爱好")
    client.force_login(archivist)
    url = f"/customers/{customer.pk}/edit/"
    page = client.get(url)
    form = page.context["form"]
    data, expected = ef.fill(
        page.content.decode(), form, _customer_overrides(form.fields, 40), start=40
    )

    ef.submit(client, url, data)

    edit = client.get(url)
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}
    dossier = client.get(customer.get_absolute_url()).content.decode()
    assert set(ef.not_shown(dossier, form.fields, expected, DOSSIER_BADGES)) == NOT_ON_DOSSIER


# Rules between a row's fields that no field type implies.
ROW_OVERRIDES = {
    "phones": {"raw": "13900139002"},
    "shareholders": {"share_percent": "35.50"},
    # a serial number counts as one machine; price and cost only for machines bought from us
    "machines": {"quantity": "1", "source": "from_us", "serial_number": "SN-EVERY-1"},
}
# The dossier's row tables show the main columns; these are shown on the row's own page
# (checked above the dossier check) and nowhere else.
NOT_IN_DOSSIER_TABLE = {
    "shareholders": {"note"},
    "projects": {"note", "is_subcontracted"},
    "machines": {"note"},
}
# How the dossier writes a ticked box (a badge), and what it leaves to the edit page.
DOSSIER_BADGES = {"is_benchmark": ["Benchmark"], "is_key_account": ["Key account"]}
NOT_ON_DOSSIER = {"external_ref"}  # the importer's reference, shown on the edit page only


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_archivist_adds_and_edits_every_field_of_a_dossier_row(
    client, archivist, dossier_choices, section
):
    customer = CustomerFactory(name="有行的客户")
    MachineFactory(customer=customer)  # an operator's machine to pick
    MachineFactory(customer=customer)
    client.force_login(archivist)
    model = SECTIONS[section].model
    before = set(model.objects.values_list("pk", flat=True))

    # when a row is added with every field filled
    url = f"/customers/{customer.pk}/{section}/new/"
    page = client.get(url)
    form = page.context["form"]
    data, expected = ef.fill(page.content.decode(), form, ROW_OVERRIDES.get(section))
    ef.submit(client, url, data)

    # then its edit page shows every value back, and the dossier page shows them
    (row_pk,) = set(model.objects.values_list("pk", flat=True)) - before
    edit_url = f"/customers/{customer.pk}/{section}/{row_pk}/edit/"
    edit = client.get(edit_url)
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}
    dossier = client.get(customer.get_absolute_url()).content.decode()
    missing = ef.not_shown(dossier, form.fields, expected, _writings(expected))
    assert set(missing) == NOT_IN_DOSSIER_TABLE.get(section, set())

    # and editing every field again keeps every new value
    data, expected = ef.fill(
        edit.content.decode(), edit.context["form"], ROW_OVERRIDES.get(section), start=30
    )
    ef.submit(client, edit_url, data)
    edit = client.get(edit_url)
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}


def _writings(expected: dict[str, Any]) -> dict[str, list[str]]:
    """How the dossier writes a value that it shows normalised: a machine model in its
    normal form (ＳＹ２１５Ｃ → SY215C; the typed form is the cell's title)."""
    if "model_raw" not in expected:
        return {}
    return {"model_raw": [normalize_model(expected["model_raw"]).display]}
