"""customers.selectors: scoping and search."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from customers import selectors
from customers.selectors import CustomerFilters
from tests.factories import (
    CustomerFactory,
    PhoneFactory,
    SalesRegionFactory,
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
