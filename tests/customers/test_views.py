"""Browser views of the dossier."""

from __future__ import annotations

import pytest

from customers.models import Customer, Phone, Shareholder
from tests.factories import CustomerFactory, PhoneFactory, ShareholderFactory

pytestmark = pytest.mark.django_db


def test_list_paginates_and_searches(client, archivist):
    for i in range(30):
        CustomerFactory(name=f"客户{i:02d}")
    CustomerFactory(name="刘文才")
    client.force_login(archivist)
    page1 = client.get("/customers/")
    assert page1.status_code == 200
    assert len(page1.context["page"].object_list) == 25
    assert page1.context["page"].paginator.count == 31
    found = client.get("/customers/", {"q": "lwc"})
    assert [c.name for c in found.context["page"].object_list] == ["刘文才"]


def test_empty_search_shows_empty_state(client, archivist):
    client.force_login(archivist)
    response = client.get("/customers/", {"q": "zzzzzz"})
    assert response.status_code == 200
    assert (
        "没有符合" in response.content.decode()
        or "No customer matches" in response.content.decode()
    )


def test_dossier_page_shows_sections_and_history(client, archivist, customer):
    PhoneFactory(customer=customer, raw="138 0013 8000")
    ShareholderFactory(customer=customer, name="刘大")
    client.force_login(archivist)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    for anchor in (
        'id="profile"',
        'id="phones"',
        'id="shareholders"',
        'id="fleet"',
        'id="operators"',
        'id="projects"',
        'id="history"',
    ):
        assert anchor in html
    assert "+8613800138000" in html and "刘大" in html


def test_service_dossier_page_hides_personal_and_shareholders(client, service_user, customer):
    customer.hobbies = "钓鱼很厉害"
    customer.save()
    ShareholderFactory(customer=customer, name="刘大股东")
    client.force_login(service_user)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "钓鱼很厉害" not in html and "刘大股东" not in html
    assert 'id="history"' not in html


def test_manager_sees_no_edit_buttons(client, manager, customer):
    client.force_login(manager)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/customers/{customer.pk}/edit/" not in html


def test_create_form_errors_write_nothing(client, archivist):
    client.force_login(archivist)
    response = client.post(
        "/customers/new/",
        {
            "name": "",
            "kind": "end_user",
            "status": "active",
            "birth_date": "1980-02-31",
            "phones": "abc",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors and "birth_date" in form.errors
    assert not Customer.objects.exists()


def test_create_with_bad_phone_keeps_input_and_writes_nothing(client, archivist):
    client.force_login(archivist)
    response = client.post(
        "/customers/new/",
        {"name": "张三", "kind": "end_user", "status": "active", "phones": "13800138000\nabc"},
    )
    assert response.status_code == 200
    assert "abc" in response.content.decode()
    assert not Customer.objects.exists() and not Phone.objects.exists()


def test_create_then_redirect_to_dossier(client, archivist, manager):
    client.force_login(archivist)
    response = client.post(
        "/customers/new/",
        {
            "name": "刘文财",
            "kind": "end_user",
            "status": "active",
            "manager": manager.pk,
            "phones": "138-0013-8000\n(0531)8888-6666",
        },
    )
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert customer.phones.count() == 2


def test_share_over_100_shows_field_error(client, archivist, customer):
    client.force_login(archivist)
    response = client.post(
        f"/customers/{customer.pk}/shareholders/new/", {"name": "王五", "share_percent": "120"}
    )
    assert response.status_code == 200
    assert "share_percent" in response.context["form"].errors
    assert not Shareholder.objects.exists()


def test_invalid_phone_row_shows_error(client, archivist, customer):
    client.force_login(archivist)
    response = client.post(
        f"/customers/{customer.pk}/phones/new/", {"raw": "12", "label": "mobile", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "raw" in response.context["form"].errors
    assert not Phone.objects.exists()


def test_unknown_section_is_404(client, archivist, customer):
    client.force_login(archivist)
    assert client.get(f"/customers/{customer.pk}/nonsense/new/").status_code == 404


def test_row_of_another_customer_is_404(client, archivist, customer):
    stranger_phone = PhoneFactory()
    client.force_login(archivist)
    url = f"/customers/{customer.pk}/phones/{stranger_phone.pk}/edit/"
    assert client.get(url).status_code == 404


def test_english_is_available(client, archivist):
    client.force_login(archivist)
    client.post("/i18n/setlang/", {"language": "en"})
    assert "Customers" in client.get("/customers/").content.decode()


def test_chinese_is_the_default(client, archivist, settings):
    from dealercrm import settings as configured

    assert configured.LANGUAGE_CODE == "zh-hans"
    settings.LANGUAGE_CODE = configured.LANGUAGE_CODE  # tests otherwise run in English
    client.force_login(archivist)
    assert "客户" in client.get("/customers/").content.decode()


def test_the_fleet_shows_models_in_their_normal_form(client, archivist, customer):
    from tests.factories import MachineFactory

    MachineFactory(customer=customer, model_raw="ＳＹ２１５Ｃ", serial_number="")
    client.force_login(archivist)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert ">SY215C</td>" in html
    assert "ＳＹ２１５Ｃ</td>" not in html
    assert "ＳＹ２１５Ｃ" in html  # kept as the cell's title: what was typed
