"""The admin writes through the same policy and services as every other path."""

from __future__ import annotations

import pytest

from customers.models import Customer, Phone
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_archivist(archivist):
    archivist.is_staff = True
    archivist.save()
    return archivist


@pytest.fixture
def staff_executive(executive):
    executive.is_staff = True
    executive.save()
    return executive


def test_archivist_adds_customer_in_admin_with_keys_and_history(client, staff_archivist):
    client.force_login(staff_archivist)
    response = client.post(
        "/admin/customers/customer/add/",
        {"name": "劉文才", "kind": "end_user", "status": "active", "gender": "", "education": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get()
    assert customer.name_initials == "lwc"
    assert customer.history.get().history_user == staff_archivist


def test_staff_executive_may_look_but_not_change(client, staff_executive):
    customer = CustomerFactory()
    client.force_login(staff_executive)
    assert client.get("/admin/customers/customer/").status_code == 200
    assert client.get("/admin/customers/customer/add/").status_code == 403
    response = client.post(
        f"/admin/customers/customer/{customer.pk}/change/", {"name": "改名", "kind": "end_user"}
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name != "改名"


def test_admin_phone_add_is_normalised(client, staff_archivist, customer):
    client.force_login(staff_archivist)
    response = client.post(
        "/admin/customers/phone/add/",
        {"customer": customer.pk, "raw": "+86 139-0000-1111", "label": "mobile", "is_active": "on"},
    )
    assert response.status_code == 302
    assert Phone.objects.get().e164 == "+8613900001111"
