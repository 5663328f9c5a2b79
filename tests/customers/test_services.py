"""customers.services: the only write path of the dossier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from customers import services
from customers.models import Customer, Machine, Phone, Shareholder
from dealercrm import roles
from tests.factories import CustomerFactory, MachineFactory, PhoneFactory, ShareholderFactory

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Customer, Phone, Shareholder, Machine)}


def test_archivist_creates_customer_with_phones_and_keys(archivist, manager):
    # when
    customer = services.customer_create(
        actor=archivist,
        data={"name": "劉文財", "manager": manager, "status": "active"},
        phones=[{"raw": "＋86 138-0013-8000"}, {"raw": "(0539)8888-6666", "label": "landline"}],
    )
    # then
    customer.refresh_from_db()
    assert customer.name_pinyin == "liuwencai"
    assert customer.name_initials == "lwc"
    assert sorted(p.e164 for p in customer.phones.all()) == ["+8613800138000", "+8653988886666"]
    assert manager.has_perm(roles.VIEW_CUSTOMER_PERM, customer)
    assert customer.history.first().history_user == archivist


@pytest.mark.parametrize("role", ["manager", "service_user", "executive", "outsider"])
def test_only_the_archivist_writes(request, role):
    actor = request.getfixturevalue(role)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.customer_create(actor=actor, data={"name": "张三"})
    assert counts() == before


def test_superuser_may_write(superuser):
    assert services.customer_create(actor=superuser, data={"name": "张三"}).pk


def test_missing_name_is_refused_and_nothing_written(archivist):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=archivist, data={"name": "  "})
    assert "name" in exc.value.message_dict
    assert counts() == before


def test_invalid_phone_rolls_back_the_whole_customer(archivist):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            actor=archivist,
            data={"name": "张三"},
            phones=[{"raw": "138 0013 8000"}, {"raw": "abc"}],
        )
    assert "phones" in exc.value.message_dict
    assert "#2" in exc.value.message_dict["phones"][0]
    assert counts() == before


def test_future_birth_date_is_refused(archivist, customer):
    with pytest.raises(ValidationError) as exc:
        services.customer_update(
            actor=archivist, customer=customer, data={"birth_date": dt.date(2999, 1, 1)}
        )
    assert "birth_date" in exc.value.message_dict
    customer.refresh_from_db()
    assert customer.birth_date is None


def test_birth_year_follows_birth_date(archivist, customer):
    services.customer_update(
        actor=archivist, customer=customer, data={"birth_date": dt.date(1975, 3, 8)}
    )
    customer.refresh_from_db()
    assert customer.birth_year == 1975


def test_manager_assignment_moves_the_view_permission(archivist, manager, other_manager, customer):
    assert manager.has_perm(roles.VIEW_CUSTOMER_PERM, customer)
    # when
    services.customer_assign_manager(actor=archivist, customer=customer, manager=other_manager)
    # then: fresh user objects, since guardian caches per instance
    manager = type(manager).objects.get(pk=manager.pk)
    other_manager = type(other_manager).objects.get(pk=other_manager.pk)
    assert not manager.has_perm(roles.VIEW_CUSTOMER_PERM, customer)
    assert other_manager.has_perm(roles.VIEW_CUSTOMER_PERM, customer)


def test_only_a_sales_manager_can_be_assigned(archivist, executive, customer):
    with pytest.raises(ValidationError) as exc:
        services.customer_assign_manager(actor=archivist, customer=customer, manager=executive)
    assert "manager" in exc.value.message_dict
    customer.refresh_from_db()
    assert customer.manager.username == "manager1"


def test_unassigning_removes_the_permission(archivist, manager, customer):
    services.customer_update(actor=archivist, customer=customer, data={"manager": None})
    manager = type(manager).objects.get(pk=manager.pk)
    assert not manager.has_perm(roles.VIEW_CUSTOMER_PERM, customer)


def test_extra_and_derived_fields_are_ignored(archivist, customer):
    services.customer_update(
        actor=archivist,
        customer=customer,
        data={"name_pinyin": "hacked", "id": 999, "created_at": None, "nonsense": 1},
    )
    customer.refresh_from_db()
    assert customer.name_pinyin == "liuwencai"
    assert customer.pk != 999


def test_share_over_100_is_refused(archivist, customer):
    with pytest.raises(ValidationError) as exc:
        services.row_add(
            actor=archivist,
            customer=customer,
            model=Shareholder,
            data={"name": "王五", "share_percent": Decimal("100.01")},
        )
    assert "share_percent" in exc.value.message_dict
    assert not Shareholder.objects.exists()


def test_current_shares_cannot_sum_over_100(archivist, customer):
    ShareholderFactory(customer=customer, share_percent=Decimal("60"))
    ShareholderFactory(
        customer=customer, share_percent=Decimal("50"), left_on=dt.date(2020, 1, 1)
    )  # left: does not count
    services.row_add(
        actor=archivist,
        customer=customer,
        model=Shareholder,
        data={"name": "赵六", "share_percent": Decimal("40")},
    )
    with pytest.raises(ValidationError):
        services.row_add(
            actor=archivist,
            customer=customer,
            model=Shareholder,
            data={"name": "钱七", "share_percent": Decimal("0.01")},
        )
    assert Shareholder.objects.filter(customer=customer).count() == 3


def test_shareholder_change_keeps_history(archivist, customer):
    holder = ShareholderFactory(customer=customer, share_percent=Decimal("30"))
    services.shareholder_leave(actor=archivist, shareholder=holder, on=dt.date(2024, 5, 1))
    holder.refresh_from_db()
    assert holder.left_on == dt.date(2024, 5, 1)
    assert holder.history.count() == 2
    assert holder.history.first().history_user == archivist


def test_retired_phone_stays_as_history(archivist, customer):
    phone = PhoneFactory(customer=customer, raw="13800138000")
    services.phone_retire(actor=archivist, phone=phone, on=dt.date(2025, 1, 1))
    services.phone_add(actor=archivist, customer=customer, data={"raw": "13900139000"})
    rows = {p.e164: p for p in customer.phones.all()}
    assert set(rows) == {"+8613800138000", "+8613900139000"}
    assert rows["+8613800138000"].is_active is False
    assert rows["+8613800138000"].obsolete_since == dt.date(2025, 1, 1)


def test_machine_model_is_normalised(archivist, customer):
    machine = services.row_add(
        actor=archivist,
        customer=customer,
        model=Machine,
        data={"brand": "临工", "model_raw": "ＺＬ５０Ｃ－Ⅱ", "serial_number": " sn-001 "},
    )
    assert (machine.model_key, machine.model_family) == ("ZL50CII", "ZL50")
    assert machine.serial_number == "SN-001"


def test_price_only_for_machines_bought_from_us(archivist, customer):
    with pytest.raises(ValidationError) as exc:
        services.row_add(
            actor=archivist,
            customer=customer,
            model=Machine,
            data={
                "brand": "三一",
                "model_raw": "SY215C",
                "source": "elsewhere",
                "purchase_price": Decimal("500000"),
            },
        )
    assert "purchase_price" in exc.value.message_dict
    assert not Machine.objects.exists()


def test_duplicate_serial_is_refused(archivist, customer):
    MachineFactory(customer=customer, brand="临工", serial_number="SN1")
    with pytest.raises(ValidationError):
        services.row_add(
            actor=archivist,
            customer=customer,
            model=Machine,
            data={"brand": "临工", "model_raw": "LG855", "serial_number": "sn1"},
        )
    assert Machine.objects.count() == 1


def test_delete_customer_records_who_deleted_each_row(archivist, customer):
    PhoneFactory(customer=customer)
    services.customer_delete(actor=archivist, customer=customer)
    assert not Customer.objects.exists()
    assert Customer.history.filter(history_type="-").get().history_user == archivist
    assert Phone.history.filter(history_type="-").get().history_user == archivist


def test_row_writes_are_archivist_only(manager, customer):
    phone = PhoneFactory(customer=customer)
    for call in (
        lambda: services.phone_add(actor=manager, customer=customer, data={"raw": "13800138000"}),
        lambda: services.row_update(actor=manager, row=phone, data={"note": "x"}),
        lambda: services.row_delete(actor=manager, row=phone),
    ):
        with pytest.raises(PermissionDenied):
            call()
    phone.refresh_from_db()
    assert phone.note == ""


def test_factory_customer_is_visible_only_to_its_manager(customer, other_manager):
    assert not other_manager.has_perm(roles.VIEW_CUSTOMER_PERM, customer)
    assert CustomerFactory().pk


def test_customer_with_manager_reports_cannot_be_deleted(archivist, customer):
    from tests.factories import SubmissionFactory

    PhoneFactory(customer=customer)
    SubmissionFactory(customer=customer)
    with pytest.raises(ValidationError) as exc:
        services.customer_delete(actor=archivist, customer=customer)
    assert "刘文才" in exc.value.messages[0]
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert customer.phones.count() == 1  # the phone deleted first came back with the rollback
