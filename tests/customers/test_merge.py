"""customers.matching.merge: one transaction, every referring row moved (found from the model
metadata), collisions kept and recorded, and an undo that restores every table."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse
from guardian.models import UserObjectPermission

from contacts.models import MonthlyReportEntry
from customers import selectors
from customers import services as dossier
from customers.matching import merge as merge_module
from customers.matching import services
from customers.matching.merge import apply as merge_apply
from customers.models import (
    Customer,
    CustomerRelation,
    DuplicateCandidate,
    MergeRecord,
    Phone,
)
from tests.factories import (
    ContactLogFactory,
    CustomerFactory,
    DuplicateCandidateFactory,
    MachineFactory,
    MonthlyReportFactory,
    ShareholderFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db

# The merge's own bookkeeping, which merge and undo are meant to change: the merge record
# itself, the queue, the matcher's state, and the security log of both operations.
BOOKKEEPING = {
    "customers.MergeRecord",
    "customers.DuplicateCandidate",
    "customers.MatchState",
    "customers.MatchKey",
    "customers.MatchRun",
    "dealercrm.SecurityEvent",
}


def snapshot(skip: set[str] = BOOKKEEPING) -> dict[str, list[str]]:
    """Every row of every table (the base manager: merged customers too)."""
    tables = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label in skip:
            continue
        tables[meta.label] = sorted(repr(row) for row in model._base_manager.values_list())
    return tables


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


def undo_exactly(actor: Any, record: Any, before: dict[str, list[str]]) -> Any:
    """Undo the merge and check it gave everything back: no note of anything it could not
    restore, and every table as in `before` (a snapshot taken before the merge)."""
    from customers.matching import services as matching

    record = matching.merge_undo(actor=actor, record=record)
    assert record.undo_notes == []
    assert changed_tables(before, snapshot()) == []
    return record


@pytest.fixture
def pair(manager, other_manager, archivist):
    """刘文才 (kept) and 刘文财 (merged): each with phones, fleet, reports, service rows."""
    survivor = dossier.customer_create(
        actor=archivist,
        data={"name": "刘文才", "manager": manager, "county": "沂南县", "birth_year": 1971},
        phones=[{"raw": "138 5399 1234"}],
    )
    loser = dossier.customer_create(
        actor=archivist,
        data={
            "name": "刘文财",
            "manager": other_manager,
            "county": "沂南县",
            "address": "青驼镇刘家庄村",
            "notes": "业务员电话报备",
        },
        phones=[{"raw": "138-5399-1234"}, {"raw": "159 5396 2287"}],
        # the duplicate on purpose: the door (issue 17) asks for a confirmation
        confirm_new=True,
        confirm_reason="业务员报备，待查",
    )
    dossier.row_add(
        actor=archivist,
        customer=loser,
        model=MachineFactory._meta.model,
        data={"brand": "广西柳工", "model_raw": "ＺＬ５０Ｃ－II", "serial_number": "CLG0812345"},
    )
    ShareholderFactory(customer=loser, name="刘文才")
    ContactLogFactory(customer=loser)
    SubmissionFactory(customer=loser, author=other_manager)
    return survivor, loser


def test_merge_moves_every_referring_row_and_unmerge_restores_every_table(
    pair, archivist, manager, other_manager
):
    survivor, loser = pair
    # given rows in other apps, guardian permissions (direct and generic) and a relative
    report = MonthlyReportFactory(manager=other_manager)
    MonthlyReportEntry.objects.create(report=report, customer=loser)
    shared = MonthlyReportFactory(manager=manager)
    MonthlyReportEntry.objects.create(report=shared, customer=survivor)
    MonthlyReportEntry.objects.create(report=shared, customer=loser)  # collides when moved
    UserObjectPermission.objects.create(
        user=archivist,
        permission=Permission.objects.get(codename="change_customer"),
        content_type=ContentType.objects.get_for_model(Customer),
        object_pk=str(loser.pk),
    )
    cousin = CustomerFactory(name="刘文武")
    CustomerRelation.objects.create(customer=loser, related=cousin, note="堂兄弟")
    DuplicateCandidateFactory(low=survivor, high=loser)
    before = snapshot()

    # when
    record = services.customer_merge(
        actor=archivist, survivor=survivor, loser=loser, choices={"notes": "loser"}
    )

    # then the loser is a tombstone and everything of his points at the survivor
    loser = Customer.all_objects.get(pk=loser.pk)
    assert loser.merged_into_id == survivor.pk and loser.merged_at is not None
    moved = {entry["model"] for entry in record.moved}
    assert {
        "contacts.ContactLog",
        "contacts.Submission",
        "contacts.MonthlyReportEntry",
        "contacts.HistoricalContactLog",
        "customers.Machine",
        "customers.HistoricalMachine",
        "customers.Shareholder",
        "customers.Phone",
        "customers.CustomerUserObjectPermission",
        "guardian.UserObjectPermission",
        "customers.CustomerRelation",
    } <= moved
    assert survivor.contact_logs.count() == 1
    assert survivor.machines.get().serial_number == "CLG0812345"
    assert CustomerRelation.objects.get(related=cousin).customer_id == survivor.pk
    assert other_manager.has_perm("customers.view_customer", survivor)
    # phones united: the shared number stays once, the other one moved with its history
    assert sorted(survivor.phones.values_list("e164", flat=True)) == [
        "+8613853991234",
        "+8615953962287",
    ]
    moved_phone = survivor.phones.get(e164="+8615953962287")
    assert moved_phone.history.first().history_change_reason.startswith(f"merge #{record.pk}")
    # collisions are explicit: kept on the tombstone, with the reason
    kept = {(k["model"], k["reason"]) for k in record.kept}
    assert any(model == "contacts.MonthlyReportEntry" for model, _ in kept)
    assert any(model == "customers.Phone" for model, _ in kept)
    assert MonthlyReportEntry.objects.filter(customer=loser).count() == 1
    # the chosen field came over; the pair left the queue
    survivor.refresh_from_db()
    assert survivor.notes == "业务员电话报备"
    assert DuplicateCandidate.objects.get(low=survivor).status == "merged"

    # when
    services.merge_undo(actor=archivist, record=record)

    # then every table is exactly as before
    assert changed_tables(before, snapshot()) == []
    assert DuplicateCandidate.objects.get(low=survivor).status == "open"


def test_undo_leaves_on_the_survivor_what_was_added_after_the_merge(pair, archivist):
    survivor, loser = pair
    record = services.customer_merge(actor=archivist, survivor=survivor, loser=loser)
    later = dossier.phone_add(actor=archivist, customer=survivor, data={"raw": "13700001111"})
    services.merge_undo(actor=archivist, record=record)
    later.refresh_from_db()
    assert later.customer_id == survivor.pk
    assert Customer.objects.filter(pk=loser.pk).exists()


def test_a_failure_halfway_through_a_merge_leaves_the_database_untouched(
    pair, archivist, monkeypatch
):
    survivor, loser = pair
    before = snapshot(skip=set())
    real = merge_apply._write_history
    calls = {"n": 0}

    def fail_on_second(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(merge_apply, "_write_history", fail_on_second)
    with pytest.raises(RuntimeError, match="disk full"):
        services.customer_merge(actor=archivist, survivor=survivor, loser=loser)
    assert calls["n"] == 2  # it really failed halfway, after moving rows
    assert changed_tables(before, snapshot(skip=set())) == []


def test_the_dry_run_says_what_would_move_and_changes_nothing(pair, archivist):
    survivor, loser = pair
    before = snapshot(skip=set())
    plan = services.merge_preview(
        actor=archivist, survivor=survivor, loser=loser, choices={"address": "loser"}
    )
    summary = plan.summary()
    counts = {m["model"]: m["count"] for m in summary["moves"]}
    assert counts["customers.Machine"] == 1
    assert counts["customers.Phone"] == 1  # the other number is the same as the survivor's
    assert summary["changes"]["address"] == {"before": "", "after": "青驼镇刘家庄村"}
    assert changed_tables(before, snapshot(skip=set())) == []


def test_a_merged_customer_disappears_and_his_address_redirects(
    pair, archivist, manager, other_manager, client
):
    survivor, loser = pair
    services.customer_merge(actor=archivist, survivor=survivor, loser=loser)
    # gone from every list, search and lookup
    assert not Customer.objects.filter(pk=loser.pk).exists()
    found = selectors.customer_list(
        user=archivist, filters=selectors.CustomerFilters(search="刘文财")
    )
    assert loser.pk not in {c.pk for c in found}
    # the old URL leads to the survivor for whoever may see him
    for user in (archivist, manager):
        client.force_login(user)
        response = client.get(reverse("customers:detail", args=[loser.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("customers:detail", args=[survivor.pk])
    api = client.get(reverse("customer-detail", args=[loser.pk]))
    assert api.status_code == 404


def test_a_redirect_never_leads_where_the_user_may_not_go(
    archivist, manager, other_manager, client
):
    mine = CustomerFactory(name="刘文才", manager=manager)
    theirs = CustomerFactory(name="刘文财", manager=other_manager)
    # theirs merged into a customer of someone else: manager saw neither before
    stranger = CustomerFactory(name="刘文财", manager=other_manager)
    services.customer_merge(actor=archivist, survivor=stranger, loser=theirs)
    client.force_login(manager)
    assert client.get(reverse("customers:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("customers:detail", args=[mine.pk])).status_code == 200


@pytest.mark.parametrize("role", ["manager", "service_user", "executive", "outsider"])
def test_only_the_archivist_merges_or_undoes(request, pair, archivist, role):
    survivor, loser = pair
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.customer_merge(actor=actor, survivor=survivor, loser=loser)
    with pytest.raises(PermissionDenied):
        services.merge_preview(actor=actor, survivor=survivor, loser=loser)
    record = services.customer_merge(actor=archivist, survivor=survivor, loser=loser)
    with pytest.raises(PermissionDenied):
        services.merge_undo(actor=actor, record=record)


def test_a_merge_is_refused_for_merged_or_identical_customers(pair, archivist):
    survivor, loser = pair
    with pytest.raises(ValidationError):
        services.customer_merge(actor=archivist, survivor=survivor, loser=survivor)
    services.customer_merge(actor=archivist, survivor=survivor, loser=loser)
    with pytest.raises(ValidationError, match="already been merged"):
        services.customer_merge(actor=archivist, survivor=survivor, loser=loser)
    with pytest.raises(ValidationError, match="already been merged"):
        services.customer_merge(actor=archivist, survivor=loser, loser=survivor)


def test_undo_is_refused_twice_and_while_the_survivor_is_merged_elsewhere(pair, archivist):
    survivor, loser = pair
    record = services.customer_merge(actor=archivist, survivor=survivor, loser=loser)
    third = CustomerFactory(name="刘文才")
    later = services.customer_merge(actor=archivist, survivor=third, loser=survivor)
    with pytest.raises(ValidationError, match="undo that merge first"):
        services.merge_undo(actor=archivist, record=record)
    # a chain: the first merged customer now points at the third one
    assert Customer.all_objects.get(pk=loser.pk).merged_into_id == third.pk
    services.merge_undo(actor=archivist, record=later)
    assert Customer.all_objects.get(pk=loser.pk).merged_into_id == survivor.pk
    services.merge_undo(actor=archivist, record=record)
    with pytest.raises(ValidationError, match="already been undone"):
        services.merge_undo(actor=archivist, record=record)


def test_fields_that_cannot_be_chosen_are_refused(pair, archivist):
    survivor, loser = pair
    with pytest.raises(ValidationError):
        services.customer_merge(
            actor=archivist, survivor=survivor, loser=loser, choices={"external_ref": "loser"}
        )
    assert MergeRecord.objects.count() == 0


def test_references_are_found_from_the_model_metadata():
    labels = {(r.label, r.field) for r in merge_module.references()}
    # hidden relations (related_name="+"), history tables, guardian, generic relations
    assert ("contacts.MonthlyReportEntry", "customer") in labels
    assert ("customers.HistoricalPhone", "customer") in labels
    assert ("customers.CustomerUserObjectPermission", "content_object") in labels
    assert ("guardian.UserObjectPermission", "object_pk") in labels
    assert ("customers.Customer", "merged_into") in labels
    # the merge's own bookkeeping is not moved
    assert not {label for label, _ in labels} & {
        "customers.DuplicateCandidate",
        "customers.MergeRecord",
        "customers.MatchKey",
        "customers.MatchState",
    }


@pytest.mark.django_db(transaction=True)
def test_two_merges_of_the_same_pair_at_once_exactly_one_succeeds(archivist_factory):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises whole transactions, so the row locks this "
            "test is about are never contended (CI runs it on PostgreSQL)"
        )
    archivist = archivist_factory()
    a = CustomerFactory(name="刘文才")
    b = CustomerFactory(name="刘文财")
    for customer in (a, b):
        Phone.objects.create(customer=customer, raw="13853991234")
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(survivor: Customer, loser: Customer) -> None:
        try:
            barrier.wait(timeout=10)
            services.customer_merge(actor=archivist, survivor=survivor, loser=loser)
            results.append("merged")
        except ValidationError:
            results.append("refused")
        finally:
            connections.close_all()

    # the same pair, once each way round: locks in pk order, so no deadlock
    threads = [
        threading.Thread(target=attempt, args=(a, b)),
        threading.Thread(target=attempt, args=(b, a)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["merged", "refused"]
    assert MergeRecord.objects.count() == 1
    assert Customer.objects.filter(pk__in=[a.pk, b.pk]).count() == 1


@pytest.fixture
def archivist_factory(transactional_db):
    from tests.factories import UserFactory

    return lambda: UserFactory(username="archivist-t", role="archivist")


def test_merge_history_rows_name_the_actor(pair, archivist):
    survivor, loser = pair
    record = services.customer_merge(actor=archivist, survivor=survivor, loser=loser)
    entry = Customer.history.filter(id=loser.pk).first()
    assert entry.history_user == archivist
    assert entry.history_change_reason == f"merge #{record.pk}"
    assert entry.merged_into_id == survivor.pk
    assert record.merged_at <= dt.datetime.now(tz=dt.UTC)
