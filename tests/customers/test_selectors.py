"""customers.selectors: scoping and search."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from customers import selectors
from customers.selectors import CustomerFilters
from tests.factories import (
    CustomerFactory,
    MachineFactory,
    OperatorFactory,
    PhoneFactory,
    ProjectFactory,
    SalesRegionFactory,
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
    assert _dossier_queries(archivist, small) == _dossier_queries(archivist, big)


def test_history_shows_what_changed(archivist, customer):
    from customers import services

    services.customer_update(actor=archivist, customer=customer, data={"hobbies": "钓鱼"})
    entries = selectors.customer_history(customer=customer)
    changed = [e for e in entries if e.kind == "~"]
    assert changed and changed[0].who == archivist
    assert ("爱好" in changed[0].changes[0][0]) or ("hobbies" in changed[0].changes[0][0])
    assert changed[0].changes[0][1:] == ("", "钓鱼")
