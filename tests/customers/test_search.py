"""Customer search at scale (issue 19): one- and two-character fragments are looked up in the
name's grams (`Customer.name_grams`, kept on every write), a search's count stops at a cap,
and every kind of search finds the same customers as before, within the user's scope."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from rest_framework.test import APIClient

from customers import selectors
from customers import services as dossier
from customers.importing import services as importing
from customers.matching import services as matching
from customers.matching.normalise import name_grams, parse_search, search_gram
from customers.models import Customer
from customers.selectors import CustomerFilters
from dealercrm.pagination import CappedPaginator
from tests.customers.test_import import csv_bytes
from tests.factories import CustomerFactory, PhoneFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "刘文才",
    "王云红",
    "王云",
    "云红",
    "欧阳云红",
    "王建军",
    "临沂鼎盛工程机械有限公司",
    "ABC 机械3号",
    "王\u200b云",  # a zero-width space pasted in: 王云 is not in this name
]


def found(user, query: str) -> set[str]:
    listed = selectors.customer_list(user=user, filters=CustomerFilters(search=query))
    return {c.name for c in listed}


def before(user, query: str) -> set[str]:
    """What the search found before the grams: the text itself anywhere in the name."""
    term = parse_search(query)
    assert term is not None and term.kind == "text"
    visible = selectors.visible_customers(user=user)
    return {c.name for c in visible.filter(name__contains=term.value)}


# --- the grams ------------------------------------------------------------------------


def test_grams_are_every_character_and_pair_once():
    assert name_grams("王云红") == " 王 云 红 王云 云红 "
    assert name_grams("云云云") == " 云 云云 "
    assert name_grams("ABC 机") == " A B C 机 AB BC "
    assert name_grams("") == name_grams(None) == ""


def test_only_short_terms_without_whitespace_use_the_grams():
    assert search_gram("军") == " 军 " and search_gram("云红") == " 云红 "
    assert search_gram("王云红") is None and search_gram("") is None and search_gram("a b") is None


def test_the_migration_computes_the_grams_as_the_model_does():
    migration = importlib.import_module("customers.migrations.0011_name_grams_backfill")
    for name in [*NAMES, "", " 王 云 ", "a\tb"]:
        assert migration._grams(name) == name_grams(name)


def test_the_migration_backfills_every_customer(archivist):
    migration = importlib.import_module("customers.migrations.0011_name_grams_backfill")
    for name in NAMES:
        CustomerFactory(name=name)
    Customer.all_objects.update(name_grams="")
    from django.apps import apps

    migration.backfill(apps, SimpleNamespace(connection=connection))
    assert {c.name: c.name_grams for c in Customer.all_objects.all()} == {
        name: name_grams(name) for name in NAMES
    }


# --- the same customers as before -------------------------------------------------------


@pytest.fixture
def everyone(manager):
    return [CustomerFactory(name=name, manager=manager) for name in NAMES]


def test_every_fragment_of_one_or_two_characters_finds_what_it_found_before(
    archivist, manager, everyone
):
    fragments = {
        name[i : i + size] for name in NAMES for size in (1, 2) for i in range(len(name) - size + 1)
    }
    checked = 0
    for fragment in sorted(fragments):
        term = parse_search(fragment)
        if term is None or term.kind != "text":
            continue  # latin letters search the pinyin, digits the phones
        for user in (archivist, manager):
            assert found(user, fragment) == before(user, fragment), fragment
        checked += 1
    assert checked > 40


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("军", {"王建军"}),
        ("云", {"王云红", "王云", "云红", "欧阳云红", "王\u200b云"}),
        ("云红", {"王云红", "云红", "欧阳云红"}),
        ("王云", {"王云红", "王云"}),
        ("王云红", {"王云红"}),
        ("機械", {"临沂鼎盛工程机械有限公司", "ABC 机械3号"}),  # traditional folds to simplified
        ("3号", {"ABC 机械3号"}),
        ("工程机械", {"临沂鼎盛工程机械有限公司"}),
    ],
)
def test_chinese_text_of_any_length(archivist, everyone, query, names):
    assert found(archivist, query) == names == before(archivist, query)


@pytest.fixture
def phoned(manager, other_manager):
    mine = CustomerFactory(name="王云红", manager=manager)
    PhoneFactory(customer=mine, raw="139 1748 1266")
    theirs = CustomerFactory(name="王云虹", manager=other_manager)
    PhoneFactory(customer=theirs, raw="138 0986 2281")
    return mine, theirs


@pytest.mark.parametrize(
    ("query", "archivist_finds"),
    [
        ("云", {"王云红", "王云虹"}),
        ("王云", {"王云红", "王云虹"}),
        ("王云红", {"王云红"}),
        ("wyh", {"王云红", "王云虹"}),
        ("wangyunhong", {"王云红", "王云虹"}),
        ("139-1748-1266", {"王云红"}),
        ("1266", {"王云红"}),
        ("13809862281", {"王云虹"}),
        ("2281", {"王云虹"}),
    ],
)
def test_every_kind_of_search_within_the_users_scope(
    archivist, manager, phoned, query, archivist_finds
):
    assert found(archivist, query) == archivist_finds
    # another manager's customer is never found, whatever the kind of search
    assert found(manager, query) == archivist_finds - {"王云虹"}


# --- the grams are kept on every write ----------------------------------------------------


def test_create_and_edit_keep_the_grams(archivist, manager):
    customer = dossier.customer_create(
        actor=archivist, data={"name": "王云红", "manager": manager}, confirm_new=True,
        confirm_reason="test",
    )  # fmt: skip
    assert Customer.objects.get(pk=customer.pk).name_grams == name_grams("王云红")
    dossier.customer_update(actor=archivist, customer=customer, data={"name": "李军"})
    assert Customer.objects.get(pk=customer.pk).name_grams == name_grams("李军")
    assert found(archivist, "军") == {"李军"} and found(archivist, "云红") == set()


def test_import_keeps_the_grams(archivist):
    batch = importing.import_upload(
        actor=archivist,
        file_name="customers.csv",
        content=csv_bytes([["王云红", "13912345678", "", "", "", "", "", ""]]),
    )
    batch = importing.import_map(actor=archivist, batch=batch, mapping=batch.mapping)
    importing.import_start_commit(actor=archivist, batch=batch)
    customer = Customer.objects.get()
    assert customer.name_grams == name_grams("王云红")
    assert found(archivist, "云红") == {"王云红"}


def test_merge_and_undo_keep_the_grams(archivist, manager):
    survivor = CustomerFactory(name="王云红", manager=manager)
    loser = CustomerFactory(name="王雲虹", manager=manager)
    record = matching.customer_merge(
        actor=archivist, survivor=survivor, loser=loser, choices={"name": "loser"}
    )
    survivor.refresh_from_db()
    assert survivor.name_grams == name_grams(survivor.name) and "虹" in survivor.name
    assert found(archivist, "虹") == {survivor.name}
    matching.merge_undo(actor=archivist, record=record)
    survivor.refresh_from_db()
    assert (survivor.name, survivor.name_grams) == ("王云红", name_grams("王云红"))
    assert found(archivist, "云红") == {"王云红"}


def test_derive_keys_sets_the_grams_for_bulk_writes():
    customer = Customer(name=" 王云红 ")
    customer.derive_keys()  # what bulk writers (the bench, the import) call before bulk_create
    assert customer.name_grams == name_grams("王云红")


# --- the capped count ---------------------------------------------------------------------


@pytest.fixture
def seven():
    return [CustomerFactory(name=f"王{given}") for given in "一二三四五六七"]


def test_a_count_under_the_cap_is_exact(seven):
    paginator = CappedPaginator(Customer.objects.order_by("name_pinyin", "id"), 2, cap=7)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (7, False, 4)
    assert not paginator.page(4).has_next()


def test_a_count_over_the_cap_stops_there_and_every_page_is_still_served(seven):
    qs = Customer.objects.order_by("name_pinyin", "id")
    paginator = CappedPaginator(qs, 2, cap=5)
    with connection.cursor():
        assert (paginator.count, paginator.capped) == (5, True)
    pages = []
    number = 1
    while True:
        page = paginator.page(number)
        pages.append(list(page))
        if not page.has_next():
            break
        number = page.next_page_number()
    assert [c.pk for rows in pages for c in rows] == list(qs.values_list("pk", flat=True))
    assert (number, paginator.page(4).end_index(), paginator.exact_num_pages()) == (4, 7, 4)
    with pytest.raises(EmptyPage):
        paginator.page(5)
    assert paginator.get_page(99).number == 4 and paginator.get_page("x").number == 1


def test_the_list_page_says_more_than_the_cap(client, archivist, seven, monkeypatch):
    monkeypatch.setattr("customers.views.SEARCH_COUNT_CAP", 5)
    client.force_login(archivist)
    body = client.get("/customers/", {"q": "王"}).content.decode()
    assert "5+ customers" in body and "王七" in body
    assert "7 customers" in client.get("/customers/").content.decode()  # no search: exact


def test_the_api_says_the_count_is_capped_and_next_leads_through_every_page(
    archivist, seven, monkeypatch
):
    monkeypatch.setattr("customers.api.SEARCH_COUNT_CAP", 5)
    api = APIClient()
    api.force_authenticate(archivist)
    body = api.get("/api/v1/customers/", {"search": "王", "page_size": 2}).json()
    assert (body["count"], body["count_capped"]) == (5, True)
    names = [c["name"] for c in body["results"]]
    while body["next"]:
        body = api.get(body["next"]).json()
        names += [c["name"] for c in body["results"]]
    assert sorted(names) == sorted(f"王{given}" for given in "一二三四五六七")
    last = api.get("/api/v1/customers/", {"search": "王", "page_size": 2, "page": "last"})
    assert [c["name"] for c in last.json()["results"]] == names[-1:]
    exact = api.get("/api/v1/customers/", {"search": "王一"}).json()
    assert (exact["count"], exact["count_capped"]) == (1, False)
    listed = api.get("/api/v1/customers/", {"page_size": 2}).json()
    assert (listed["count"], listed["count_capped"]) == (7, False)


def test_the_schema_documents_the_capped_count():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(public=True)
    listed = schema["components"]["schemas"]["PaginatedCustomerOutputList"]
    assert "count_capped" in listed["required"]
    assert "1,000" in listed["properties"]["count"]["description"]
    search = next(
        p
        for p in schema["paths"]["/api/v1/customers/"]["get"]["parameters"]
        if p["name"] == "search"
    )
    assert "last 4 digits" in search["description"]
