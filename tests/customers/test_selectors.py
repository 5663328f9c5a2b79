"""customers.selectors: scoping and search."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers import selectors
from customers.selectors import CustomerFilters
from tests.factories import (
    CustomerFactory,
    HourReadingFactory,
    MachineFactory,
    OperatorFactory,
    PartsOrderFactory,
    PhoneFactory,
    ProjectFactory,
    SalesRegionFactory,
    ServiceRecordFactory,
    ShareholderFactory,
)

pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return {c.name for c in qs}


@pytest.fixture
def people(manager, other_manager):
    liu = CustomerFactory(name="刘文才", manager=manager)
    PhoneFactory(customer=liu, raw="138 0013 8000")
    wang = CustomerFactory(name="王建国", manager=manager)
    PhoneFactory(customer=wang, raw="(0531)8888-6666")
    zhang = CustomerFactory(name="张伟", manager=other_manager)
    PhoneFactory(customer=zhang, raw="13912345678")
    return {"liu": liu, "wang": wang, "zhang": zhang}


@pytest.mark.parametrize(
    "query",
    [
        "lwc",
        "liuwencai",
        "LiuWenCai",
        "liu wen cai",
        "刘文",
        "劉文才",
        "13800138000",
        "+86 138-0013-8000",
        "８６１３８００１３８０００",
        "8000",
    ],
)
def test_search_finds_liu_wencai_every_way(archivist, people, query):
    found = selectors.customer_list(user=archivist, filters=CustomerFilters(search=query))
    assert "刘文才" in names(found)


def test_search_by_landline_any_format(archivist, people):
    for query in ("0531-88886666", "(0531) 8888 6666", "88886666"):
        found = selectors.customer_list(user=archivist, filters=CustomerFilters(search=query))
        assert names(found) == {"王建国"}, query


def test_fuzzy_pinyin_finds_homophones(archivist, people):
    CustomerFactory(name="刘稳材")
    found = selectors.customer_list(user=archivist, filters=CustomerFilters(search="liuwencai"))
    assert names(found) == {"刘文才", "刘稳材"}


def test_manager_sees_only_his_customers(manager, people):
    assert names(selectors.customer_list(user=manager)) == {"刘文才", "王建国"}


def test_manager_search_never_leaks_other_managers_customer(manager, people):
    for query in ("zw", "张伟", "13912345678", "5678"):
        assert not selectors.customer_list(user=manager, filters=CustomerFilters(search=query))


def test_manager_cannot_filter_by_another_manager(manager, other_manager, people):
    found = selectors.customer_list(user=manager, filters=CustomerFilters(manager=other_manager.pk))
    assert names(found) == {"刘文才", "王建国"}


def test_other_managers_customer_is_404(manager, people):
    with pytest.raises(Http404):
        selectors.customer_get(user=manager, pk=people["zhang"].pk)


@pytest.mark.parametrize("fixture", ["archivist", "executive", "service_user"])
def test_all_readers_see_everyone(request, people, fixture):
    user = request.getfixturevalue(fixture)
    assert len(selectors.customer_list(user=user)) == 3


def test_outsider_sees_nobody(outsider, people):
    assert not selectors.customer_list(user=outsider).exists()


def test_filters_combine(archivist, manager, people):
    region = SalesRegionFactory(name="鲁南区")
    people["liu"].sales_region = region
    people["liu"].is_gold_card = True
    people["liu"].save()
    found = selectors.customer_list(
        user=archivist,
        filters=CustomerFilters(region=region.pk, flags=["gold"], manager=manager.pk),
    )
    assert names(found) == {"刘文才"}
    assert not selectors.customer_list(
        user=archivist, filters=CustomerFilters(flags=["key_account"])
    ).exists()


def test_service_dossier_hides_personal_side_and_shareholders(service_user, people):
    dossier = selectors.dossier_get(user=service_user, pk=people["liu"].pk)
    assert dossier.shareholders is None
    assert dossier.history is None
    assert not dossier.show_personal
    assert not dossier.show_money


def _dossier_queries(user, customer) -> int:
    user = type(user).objects.get(pk=user.pk)  # a fresh request's user: no cached roles
    with CaptureQueriesContext(connection) as ctx:
        selectors.dossier_get(user=user, pk=customer.pk)
    return len(ctx.captured_queries)


def _after_sales_rows(customer, machine, n: int) -> None:
    """Service records (one closed with charges), readings, parts orders with lines."""
    import datetime as dt

    from django.utils import timezone

    from service.services import refresh_forecasts

    today = timezone.localdate()
    for i in range(n):
        ServiceRecordFactory(customer=customer, machine=machine, follow_up_on=today)
        order = PartsOrderFactory(customer=customer)
        for _ in range(3):
            order.lines.create(name="滤芯", category="filter", quantity=1, unit_price=1, amount=1)
        HourReadingFactory(machine=machine, read_on=today - dt.timedelta(days=i + 1), hours=100)
    ServiceRecordFactory(
        customer=customer, status="closed", opened_on=today, closed_on=today, total_charge=9
    )
    refresh_forecasts(machine_ids=[machine.pk])


def test_dossier_query_count_does_not_grow_with_rows(archivist):
    small = CustomerFactory()
    PhoneFactory(customer=small)
    big = CustomerFactory()
    for _ in range(15):
        PhoneFactory(customer=big)
        ShareholderFactory(customer=big)
        machine = MachineFactory(customer=big)
        OperatorFactory(customer=big, machine=machine)
        ProjectFactory(customer=big)
    _after_sales_rows(big, machine, 15)
    assert _dossier_queries(archivist, small) == _dossier_queries(archivist, big)


@pytest.mark.parametrize("role", ["manager", "service_user", "executive"])
def test_dossier_query_count_with_after_sales_rows_for_every_reader(request, role):
    """Service records, parts lines and forecasts add a fixed number of queries per role."""
    user = request.getfixturevalue(role)
    manager = request.getfixturevalue("manager")
    small = CustomerFactory(manager=manager)
    big = CustomerFactory(manager=manager)
    machine = None
    for _ in range(10):
        machine = MachineFactory(customer=big)
    _after_sales_rows(big, machine, 20)
    assert _dossier_queries(user, small) == _dossier_queries(user, big)


def test_history_shows_what_changed(archivist, customer):
    from customers import services

    services.customer_update(actor=archivist, customer=customer, data={"hobbies": "钓鱼"})
    entries = selectors.customer_history(customer=customer)
    changed = [e for e in entries if e.kind == "~"]
    assert changed and changed[0].who == archivist
    assert ("爱好" in changed[0].changes[0][0]) or ("hobbies" in changed[0].changes[0][0])
    assert changed[0].changes[0][1:] == ("", "钓鱼")


@pytest.mark.parametrize(
    "role", ["archivist", "manager", "other_manager", "service", "executive", "outsider"]
)
def test_visible_customers_filter_is_visible_customers(people, users, manager, role):
    # given: a merged duplicate of one of the manager's customers, with a phone of its own
    user = users[role]
    tombstone = CustomerFactory(name="刘文财", manager=manager)
    PhoneFactory(customer=tombstone, raw="13800138001")
    type(tombstone).all_objects.filter(pk=tombstone.pk).update(
        merged_into=people["liu"], merged_at=timezone.now()
    )
    visible = set(selectors.visible_customers(user=user).values_list("pk", flat=True))

    # when: the same scope as a condition on customers, and on rows pointing at one
    on_customers = type(tombstone).all_objects.filter(selectors.visible_customers_filter(user=user))
    phones = PhoneFactory._meta.model.objects.filter(
        selectors.visible_customers_filter(user=user, prefix="customer")
    )

    # then
    assert set(on_customers.values_list("pk", flat=True)) == visible
    assert set(phones.values_list("customer", flat=True)) == visible
    assert tombstone.pk not in visible


@pytest.mark.parametrize(
    "role", ["archivist", "manager", "other_manager", "service", "executive", "outsider"]
)
def test_visible_count_is_the_count_of_visible_customers(people, users, manager, role):
    # given: a merged duplicate the manager still holds a view permission on
    tombstone = CustomerFactory(name="刘文财", manager=manager)
    type(tombstone).all_objects.filter(pk=tombstone.pk).update(
        merged_into=people["liu"], merged_at=timezone.now()
    )
    user = users[role]
    assert selectors.visible_count(user=user) == selectors.visible_customers(user=user).count()
    if role == "manager":
        assert selectors.visible_count(user=user) == 2  # 刘文才, 王建国; not the tombstone
