"""A merge never hides a record (issue 15): a row attached to a customer while that
customer is being merged away either lands before the merge (which then moves it to the
survivor) or is refused naming the survivor. Real threads on PostgreSQL, many rounds;
afterwards no row of any table points at a merged-away customer."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, connections, models
from django.test import Client
from django.utils import timezone
from guardian.shortcuts import remove_perm
from rest_framework.test import APIClient

from contacts import services as contacts
from contacts.models import ContactLog, Submission
from customers import services as dossier
from customers.matching import merge as merge_module
from customers.matching import services as matching
from customers.matching.merge import apply as merge_apply
from customers.models import Customer, Machine, MergeRecord
from dealercrm import roles
from dealercrm.jobs import system_actor
from loyalty import services as loyalty
from parts import services as parts
from service import services as service
from tests.factories import (
    CustomerFactory,
    DuplicateCandidateFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.loyalty.helpers import TRAITS

ROUNDS = 20
REPORT = {
    "channel": "visit",
    "occurred_at": timezone.now() - dt.timedelta(hours=3),
    "summary": "客户计划下月再买一台ZL50",
}


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises whole transactions, so the row locks this "
            "test is about are never contended (CI runs it on PostgreSQL)"
        )


# --- what must hold afterwards ------------------------------------------------------


def _customer_references() -> list[tuple[type[models.Model], str, bool]]:
    """Every column of every model that can point at a customer, read from the model
    metadata (not from the merge's own list): foreign keys and one-to-ones, history tables
    included, and generic foreign keys. The merge's bookkeeping (merge records, the queue,
    the matcher's state: `merge_moves = False`) keeps the loser on purpose."""
    refs = []
    for model in apps.get_models(include_auto_created=True):
        if not getattr(model, "merge_moves", True):
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is Customer:
                refs.append((model, f.attname, False))
        for private in model._meta.private_fields:
            if isinstance(private, GenericForeignKey):
                refs.append((model, private.fk_field, True))
    return refs


def rows_on_merged_customers() -> list[tuple[str, str, Any]]:
    """(model, column, row pk) of every row pointing at a merged-away customer, except the
    rows a merge record says it kept with the loser (a collision on the survivor)."""
    merged = set(
        Customer.all_objects.filter(merged_into__isnull=False).values_list("pk", flat=True)
    )
    kept: set[tuple[str, str]] = set()
    for record in MergeRecord.objects.filter(status=MergeRecord.Status.DONE):
        kept |= {(k["model"], str(k["pk"])) for k in record.kept}
    ct = ContentType.objects.get_for_model(Customer)
    found = []
    for model, column, generic in _customer_references():
        if generic:
            ct_field = next(
                p.ct_field
                for p in model._meta.private_fields
                if isinstance(p, GenericForeignKey) and p.fk_field == column
            )
            rows = model._base_manager.filter(
                **{ct_field: ct, f"{column}__in": [str(pk) for pk in merged]}
            )
        else:
            rows = model._base_manager.filter(**{f"{column}__in": merged})
        instance = getattr(model, "instance_type", model)  # a history row: its row's pk
        pk_name = instance._meta.pk.attname
        for pk in rows.values_list(pk_name, flat=True):
            if (instance._meta.label, str(pk)) not in kept:
                found.append((model._meta.label, column, pk))
    return found


# --- the race -----------------------------------------------------------------------


class Race:
    """Thread A merges `loser` into `survivor`; thread B writes for `loser` at the same
    time. In forced rounds B starts once the merge holds its locks (and the merge then
    dawdles, so B's write arrives in the middle of it); in free rounds both start at a
    barrier and B waits a varying few milliseconds, so either may come first."""

    def __init__(self, archivist: Any, dawdle: float = 0.05) -> None:
        self.archivist = archivist
        self.locked = threading.Event()
        real_plan = merge_apply._plan

        def slow_plan(*args: Any, **kwargs: Any) -> Any:
            # _plan runs with both customers locked.
            self.locked.set()
            time.sleep(dawdle)
            return real_plan(*args, **kwargs)

        self.patch = mock.patch.object(merge_apply, "_plan", slow_plan)

    def run(self, survivor: Customer, loser: Customer, write: Callable[[], Any], n: int) -> str:
        """What happened to B's write: "landed" (created, and on a live customer once
        the merge is done), "refused" (a clear error naming the survivor), "hidden" (created
        but left on the merged-away customer) or "error: …"."""
        forced = n % 2 == 0
        self.locked.clear()
        barrier = threading.Barrier(2)
        out: dict[str, Any] = {}

        def merge() -> None:
            try:
                barrier.wait(timeout=10)
                merge_module.customer_merge(actor=self.archivist, survivor=survivor, loser=loser)
                out["merge"] = "merged"
            except Exception as exc:
                out["merge"] = f"{type(exc).__name__}: {exc}"
            finally:
                connections.close_all()

        def other() -> None:
            try:
                barrier.wait(timeout=10)
                if forced:
                    self.locked.wait(timeout=10)
                else:
                    time.sleep((n % 7) * 0.004)
                out["row"] = write()
            except ValidationError as exc:
                out["refused"] = exc
            except Exception as exc:
                out["error"] = f"{type(exc).__name__}: {exc}"
            finally:
                connections.close_all()

        threads = [threading.Thread(target=merge), threading.Thread(target=other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert out.get("merge") == "merged", out
        if "error" in out:
            return f"error: {out['error']}"
        if "refused" in out:
            text = " ".join(out["refused"].messages)
            named = survivor.name in text and str(survivor.pk) in text
            return "refused" if named else f"refused without naming the survivor: {text}"
        row = out["row"]
        if isinstance(row, Customer) or not isinstance(row, models.Model):
            # an edit of the dossier itself made before the merge, or a job's count (what
            # the job wrote is checked afterwards with every other table)
            return "landed"
        row = type(row)._base_manager.get(pk=row.pk)
        customer_ids = [
            getattr(row, f.attname)
            for f in row._meta.concrete_fields
            if f.is_relation and f.related_model is Customer
        ]
        live = Customer.objects.filter(pk__in=customer_ids).count() == len(set(customer_ids))
        return "landed" if live else "hidden"


def _pair(n: int, manager: Any = None) -> tuple[Customer, Customer]:
    survivor = CustomerFactory(name=f"刘文才{n}", manager=manager)
    loser = CustomerFactory(name=f"刘文财{n}", manager=manager)
    return survivor, loser


WRITES: dict[str, Callable[[dict[str, Any], Customer, int], Any]] = {
    "contact log": lambda who, loser, n: contacts.contact_log_create(
        actor=who["archivist"], customer=loser, data=REPORT
    ),
    "service record": lambda who, loser, n: service.service_record_create(
        actor=who["service"],
        customer=loser,
        data={"kind": "repair", "subject": "动臂油缸漏油", "opened_on": timezone.localdate()},
    ),
    "parts order": lambda who, loser, n: parts.parts_order_create(
        actor=who["archivist"],
        customer=loser,
        data={"ordered_on": timezone.localdate()},
        lines=[{"name": "滤芯", "category": "filter", "quantity": "1", "unit_price": "50"}],
    ),
    "report": lambda who, loser, n: contacts.submission_create(
        actor=who["manager"], customer=loser, data=REPORT
    ),
    "filing": lambda who, loser, n: contacts.submission_file(
        actor=who["archivist"], submission=who["submission"]
    ),
    "phone": lambda who, loser, n: dossier.phone_add(
        actor=who["archivist"], customer=loser, data={"raw": f"1385399{n:04d}"}
    ),
    "machine": lambda who, loser, n: dossier.row_add(
        actor=who["archivist"],
        customer=loser,
        model=Machine,
        data={"brand": "临工", "model_raw": "LG855N", "serial_number": f"RACE{n:04d}"},
    ),
    "dossier edit": lambda who, loser, n: dossier.customer_update(
        actor=who["archivist"], customer=loser, data={"notes": f"第{n}次修改"}
    ),
    "gold card": lambda who, loser, n: loyalty.gold_card_register(
        actor=who["archivist"], customer=loser, manager=who["manager"], traits=TRAITS
    ),
    "referral": lambda who, loser, n: loyalty.referral_create(
        actor=who["archivist"], referrer=loser, referred=who["third"]
    ),
    "relatives": lambda who, loser, n: matching.candidate_relate(
        actor=who["archivist"], candidate=who["candidate"]
    ),
    # scheduled jobs and drafts that write rows for many customers at once
    "gold reminders": lambda who, loser, n: contacts.reminders_open_month(
        actor=system_actor(), month=timezone.localdate()
    ),
    "monthly report": lambda who, loser, n: contacts.monthly_report_open(
        actor=who["manager"], month=timezone.localdate()
    ),
}
# These skip a customer merged away meanwhile instead of refusing the whole run.
JOBS = {"gold reminders", "monthly report"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", list(WRITES))
def test_a_write_for_the_merged_customer_lands_on_the_survivor_or_is_refused(kind):
    needs_postgresql()
    # given
    who: dict[str, Any] = {
        "archivist": UserFactory(username="archivist-race", role="archivist"),
        "service": UserFactory(username="service-race", role="service"),
        "manager": UserFactory(username="manager-race", role="sales_manager"),
    }
    race = Race(who["archivist"])
    outcomes = []
    # when: ROUNDS merges, each with a write for the loser at the same time
    with race.patch:
        for n in range(ROUNDS):
            if kind == "gold card":  # a manager looks after at most 10 gold customers
                who["manager"] = UserFactory(username=f"manager-race-{n}", role="sales_manager")
            survivor, loser = _pair(n, manager=who["manager"])
            if kind == "filing":
                who["submission"] = SubmissionFactory(author=who["manager"], customer=loser)
            who["third"] = CustomerFactory(name=f"刘文材{n}")
            if kind == "relatives":
                who["candidate"] = DuplicateCandidateFactory(low=loser, high=who["third"])
            if kind in JOBS:
                Customer.objects.filter(pk=loser.pk).update(is_gold_card=True)
            outcomes.append(race.run(survivor, loser, partial(WRITES[kind], who, loser, n), n))
    # then: every write landed on a live customer or was refused naming the survivor, and
    # no row anywhere was left behind on a merged-away customer
    bad = [(n, o) for n, o in enumerate(outcomes) if o not in {"landed", "refused"}]
    assert not bad, f"{len(bad)} of {ROUNDS} rounds went wrong: {bad}"
    assert rows_on_merged_customers() == []
    # the forced rounds really overlapped: the write came while the merge held the lock
    assert kind in JOBS or "refused" in outcomes


@pytest.mark.django_db(transaction=True)
def test_api_and_browser_writes_during_a_merge_are_refused_naming_the_survivor_never_500():
    needs_postgresql()
    archivist = UserFactory(username="archivist-race", role="archivist")
    # Long enough for a request to pass the scoped lookup (which still sees the customer)
    # before the merge commits, and to reach the service's lock.
    race = Race(archivist, dawdle=0.3)
    answers: list[Any] = []
    client = APIClient()
    client.force_authenticate(archivist)

    def post_log(loser: Customer) -> Any:
        payload = {"customer": loser.pk, "channel": "phone", "summary": "回访", "occurred_at":
                   (timezone.now() - dt.timedelta(hours=1)).isoformat()}  # fmt: skip
        return client.post("/api/v1/contact-logs/", payload, format="json")

    def patch_customer(loser: Customer) -> Any:
        return client.patch(f"/api/v1/customers/{loser.pk}/", {"notes": "改"}, format="json")

    def put_customer(loser: Customer) -> Any:
        data = {"name": loser.name, "notes": "改"}
        return client.put(f"/api/v1/customers/{loser.pk}/", data, format="json")

    def during_merge(survivor: Customer, loser: Customer, call: Any) -> Any:
        """`call` sent once the merge holds both customers' rows."""
        race.locked.clear()
        done: dict[str, Any] = {}

        def merge() -> None:
            try:
                merge_module.customer_merge(actor=archivist, survivor=survivor, loser=loser)
            finally:
                connections.close_all()

        def request() -> None:
            try:
                race.locked.wait(timeout=10)
                done["response"] = call(loser)
            except Exception as exc:  # the test client re-raises what would be a 500
                done["response"] = f"500: {type(exc).__name__}: {exc}"
            finally:
                connections.close_all()

        threads = [threading.Thread(target=merge), threading.Thread(target=request)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        return done["response"]

    with race.patch:
        calls = ["post_log", "patch_customer", "put_customer"]
        for n, call in enumerate([post_log, patch_customer, put_customer] * 4):
            survivor, loser = _pair(n)
            response = during_merge(survivor, loser, call)
            # the request came while the merge held the customer: refused, naming the survivor
            answers.append(
                (call.__name__, getattr(response, "status_code", response))
                if getattr(response, "status_code", None) != 409
                or response.json()["survivor"] != survivor.pk
                or survivor.name not in response.json()["detail"]
                else "409 naming the survivor"
            )
        # the browser: the archivist's contact-log form, sent while the merge runs
        browser = Client()
        browser.force_login(archivist)
        survivor, loser = _pair(99)
        form = {
            "channel": "visit",
            "occurred_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "summary": "客户想换新机",
        }
        page = during_merge(
            survivor, loser, lambda c: browser.post(f"/contacts/customer/{c.pk}/new/", form)
        )
    # 404 when the request came so late that even its lookup saw the merge done
    assert set(answers) <= {"409 naming the survivor", *((c, 404) for c in calls)}, answers
    assert "409 naming the survivor" in answers
    assert page.status_code == 200  # the form again, with the reason on top
    assert survivor.name in page.content.decode() and f"#{survivor.pk}" in page.content.decode()
    assert not ContactLog.objects.exists()
    assert rows_on_merged_customers() == []


def test_the_check_itself_finds_a_row_left_on_a_merged_customer(db):
    # the afterwards-check is only worth something if it can fail (runs on SQLite too)
    survivor, loser = CustomerFactory(), CustomerFactory()
    Customer.all_objects.filter(pk=loser.pk).update(merged_into=survivor, merged_at=timezone.now())
    assert rows_on_merged_customers() == []
    Machine.objects.create(customer=loser, brand="临工", model_raw="LG855N", serial_number="X1")
    found = {(label, column) for label, column, _pk in rows_on_merged_customers()}
    assert found == {
        ("customers.Machine", "customer_id"),
        ("customers.HistoricalMachine", "customer_id"),
    }


# --- the refusal itself (no threads: runs on SQLite too) ------------------------------


@pytest.fixture
def merged_pair(db, archivist):
    survivor = CustomerFactory(name="刘文才")
    loser = CustomerFactory(name="刘文财")
    merge_module.customer_merge(actor=archivist, survivor=survivor, loser=loser)
    return survivor, loser  # `loser` as a page loaded before the merge still holds it


def test_a_write_for_a_customer_merged_meanwhile_is_refused_naming_the_survivor(
    merged_pair, archivist
):
    survivor, loser = merged_pair
    with pytest.raises(dossier.CustomerMerged) as exc:
        contacts.contact_log_create(actor=archivist, customer=loser, data=REPORT)
    assert exc.value.survivor == survivor
    assert "刘文才" in exc.value.messages[0] and f"#{survivor.pk}" in exc.value.messages[0]
    assert not ContactLog.objects.exists()


def test_the_refusal_names_the_customer_who_lives_now_after_two_merges(merged_pair, archivist):
    survivor, loser = merged_pair
    third = CustomerFactory(name="刘文材")
    merge_module.customer_merge(actor=archivist, survivor=third, loser=survivor)
    with pytest.raises(dossier.CustomerMerged) as exc:
        dossier.phone_add(actor=archivist, customer=loser, data={"raw": "13853991234"})
    assert exc.value.survivor == third


def test_a_manager_who_may_not_see_the_survivor_is_told_nothing_about_it(
    db, archivist, manager, other_manager
):
    from django.http import Http404

    survivor = CustomerFactory(name="刘文才", manager=other_manager)
    loser = CustomerFactory(name="刘文财", manager=manager)
    merge_module.customer_merge(
        actor=archivist, survivor=survivor, loser=loser, choices={"manager": "survivor"}
    )
    # (the merge hands the loser's access on to the survivor; here it is taken back)
    remove_perm(roles.VIEW_CUSTOMER_PERM, manager, survivor)
    with pytest.raises(Http404):
        contacts.submission_create(actor=manager, customer=loser, data=REPORT)
    assert not Submission.objects.exists()


def test_the_api_answers_a_merged_customer_with_409_naming_the_survivor(merged_pair):
    from dealercrm.api_support import exception_handler

    survivor, loser = merged_pair
    response = exception_handler(dossier.CustomerMerged(loser, survivor), {})
    assert response is not None and response.status_code == 409
    assert response.data["survivor"] == survivor.pk
    assert survivor.name in response.data["detail"]


def test_the_schema_documents_the_409_of_writes(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = schema["paths"]["/api/v1/contact-logs/"]
    assert "409" in operations["post"]["responses"]
    assert "409" not in operations["get"]["responses"]


def test_an_import_attaches_to_the_dossier_that_lives_now_after_two_merges(merged_pair, archivist):
    from customers.importing.commit import _lock_targets

    survivor, loser = merged_pair
    third = CustomerFactory(name="刘文材")
    merge_module.customer_merge(actor=archivist, survivor=third, loser=survivor)
    assert _lock_targets({loser.pk, third.pk}) == {loser.pk: third.pk}
