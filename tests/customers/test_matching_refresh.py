"""find_duplicates on the database: the review queue, refreshed incrementally, keeping the
archivist's decisions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from customers import services as dossier
from customers.matching import services
from customers.matching.refresh import duplicates_refresh
from customers.models import (
    Customer,
    CustomerRelation,
    DuplicateCandidate,
    MatchKey,
    MatchRun,
    MatchState,
)
from dealercrm.jobs import system_actor
from tests.factories import CustomerFactory, MachineFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def queue() -> dict[frozenset[str], DuplicateCandidate]:
    return {
        frozenset((c.low.name + str(c.low_id), c.high.name + str(c.high_id))): c
        for c in DuplicateCandidate.objects.select_related("low", "high")
    }


def pair(a: Customer, b: Customer) -> DuplicateCandidate:
    low, high = sorted((a.pk, b.pk))
    return DuplicateCandidate.objects.get(low_id=low, high_id=high)


@pytest.fixture
def liu(manager):
    """刘文才 and 刘文财 (one man, one number) and 刘总 (the same number), one village."""
    place = {"province": "山东省", "city": "临沂市", "county": "沂南县"}
    a = CustomerFactory(name="刘文才", address="青驼镇刘家庄村3组", manager=manager, **place)
    b = CustomerFactory(name="刘文财", address="青驼镇刘家庄村", manager=manager, **place)
    c = CustomerFactory(name="刘总", address="", manager=manager, **place)
    for customer, raw in ((a, "138 5399 1234"), (b, "138-5399-1234"), (c, "+86 13853991234")):
        PhoneFactory(customer=customer, raw=raw)
    MachineFactory(customer=a, brand="柳工", model_raw="ZL50C-Ⅱ", serial_number="CLG0812345")
    MachineFactory(
        customer=b, brand="广西柳工", model_raw="ＺＬ５０Ｃ－II", serial_number="CLG0812345"
    )
    return a, b, c


@pytest.fixture
def brothers(manager):
    place = {
        "province": "山东省",
        "city": "临沂市",
        "county": "兰陵县",
        "address": "磨山镇王家湖村",
    }
    a = CustomerFactory(
        name="王振海", birth_date=dt.date(1966, 2, 11), id_number="371324196602113512", **place
    )
    b = CustomerFactory(
        name="王镇海", birth_date=dt.date(1974, 10, 3), id_number="371324197410033571", **place
    )
    PhoneFactory(customer=a, raw="138 0539 6612")
    PhoneFactory(customer=b, raw="151-6539-8870")
    return a, b


def test_the_first_run_fills_the_queue_with_duplicates_and_relatives(liu, brothers):
    a, b, c = liu
    # when
    result = duplicates_refresh(actor=system_actor())
    # then
    assert result.full
    assert pair(a, b).kind == "duplicate" and pair(a, b).score >= 0.5
    assert pair(a, c).kind == "duplicate"
    codes = [r["code"] for r in pair(a, b).reasons]
    assert "serial_same" in codes and "phone_same" in codes
    w1, w2 = brothers
    assert pair(w1, w2).kind == "relatives"
    assert pair(w1, w2).reasons[0]["code"] == "relatives"
    assert MatchState.objects.count() == Customer.objects.count()


def test_a_second_run_with_nothing_changed_re_blocks_nobody(liu):
    duplicates_refresh(actor=system_actor())
    before = {(c.pk, c.score, c.status) for c in DuplicateCandidate.objects.all()}
    # when
    result = duplicates_refresh(actor=system_actor())
    # then
    assert not result.full
    assert result.changed == 0
    assert {(c.pk, c.score, c.status) for c in DuplicateCandidate.objects.all()} == before


def test_only_changed_customers_are_re_blocked(liu, archivist):
    other = CustomerFactory(name="赵大海")
    duplicates_refresh(actor=system_actor())
    assert not DuplicateCandidate.objects.filter(low=other).exists()
    # when 赵大海 turns out to use 刘文才's number (entered through the services)
    dossier.phone_add(actor=archivist, customer=other, data={"raw": "13853991234"})
    result = duplicates_refresh(actor=system_actor())
    # then only he was re-blocked; his neighbours were read from what was stored
    assert result.changed == 1
    assert result.neighbours >= 3
    assert MatchKey.objects.filter(customer=other, key="p:+8613853991234").exists()


def test_a_dismissed_pair_stays_dismissed_until_its_data_changes(liu, archivist):
    a, _b, c = liu
    duplicates_refresh(actor=system_actor())
    candidate = pair(a, c)
    services.candidate_dismiss(actor=archivist, candidate=candidate, note="刘总是他哥哥")
    # when the matcher runs again over unchanged data
    CustomerFactory(name="无关")
    duplicates_refresh(actor=system_actor(), full=True)
    # then the decision stands
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.DISMISSED
    # when one of the two changes
    dossier.customer_update(actor=archivist, customer=c, data={"address": "青驼镇刘家庄村"})
    result = duplicates_refresh(actor=system_actor())
    # then the pair is back in the queue
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.OPEN
    assert result.reopened == 1


def test_relatives_are_linked_and_leave_the_queue(brothers, archivist):
    w1, w2 = brothers
    duplicates_refresh(actor=system_actor())
    relation = services.candidate_relate(actor=archivist, candidate=pair(w1, w2), note="兄弟")
    assert {relation.customer_id, relation.related_id} == {w1.pk, w2.pk}
    assert pair(w1, w2).status == DuplicateCandidate.Status.RELATED
    duplicates_refresh(actor=system_actor(), full=True)
    assert pair(w1, w2).status == DuplicateCandidate.Status.RELATED
    assert CustomerRelation.objects.count() == 1


def test_a_merged_customer_leaves_the_matcher(liu, archivist):
    a, b, c = liu
    duplicates_refresh(actor=system_actor())
    services.customer_merge(actor=archivist, survivor=a, loser=b, candidate=pair(a, b))
    # when
    duplicates_refresh(actor=system_actor())
    # then
    assert not MatchKey.objects.filter(customer=b).exists()
    assert not DuplicateCandidate.objects.filter(low=b, status="open").exists()
    assert not DuplicateCandidate.objects.filter(high=b, status="open").exists()
    assert pair(a, b).status == DuplicateCandidate.Status.MERGED
    assert pair(a, c).status == DuplicateCandidate.Status.OPEN


@pytest.mark.parametrize("role", ["manager", "service_user", "executive", "outsider"])
def test_only_the_archivist_or_the_system_refreshes_the_queue(request, role):
    with pytest.raises(PermissionDenied):
        duplicates_refresh(actor=request.getfixturevalue(role))


def test_the_demo_data_puts_its_planted_duplicates_in_the_queue():
    # given the demo data (ARCHITECTURE.md: seed_demo plants duplicates); issue 17: seeding
    # runs the matcher itself, so the archivist's queue is filled without any command;
    # demo-0001..0009, the planted ones, are the first nine
    call_command("seed_demo", "--customers", "9", stdout=io.StringIO())
    assert MatchRun.objects.filter(full=True).count() == 1
    out = io.StringIO()
    # when the nightly run comes next, it finds nothing new to do
    call_command("find_duplicates", stdout=out, stderr=io.StringIO())
    # then
    assert "incremental run" in out.getvalue() and "0 changed" in out.getvalue()
    by_ref = {
        c.external_ref: c for c in Customer.objects.filter(external_ref__startswith="demo-000")
    }
    liu = [by_ref[f"demo-000{i}"] for i in range(1, 6)]
    open_pairs = DuplicateCandidate.objects.filter(status="open")
    in_queue = {c.low_id for c in open_pairs} | {c.high_id for c in open_pairs}
    assert {c.pk for c in liu} <= in_queue
    assert pair(by_ref["demo-0006"], by_ref["demo-0007"]).kind == "duplicate"
    assert pair(by_ref["demo-0001"], by_ref["demo-0002"]).kind == "duplicate"
    assert pair(by_ref["demo-0001"], by_ref["demo-0005"]).kind == "duplicate"
    assert pair(by_ref["demo-0008"], by_ref["demo-0009"]).kind == "relatives"


def test_the_nightly_task_refreshes_the_queue(liu):
    from customers.tasks import find_duplicates_task

    assert find_duplicates_task.delay().get() >= 2
    assert DuplicateCandidate.objects.filter(status="open").count() >= 2


@pytest.fixture
def liu_three(manager):
    """One man entered three times: 刘文才 (no phone), 刘文财 (his birth date and village, a
    number), 老刘 (that number, nothing else). 老刘 and 刘文才 share only the surname."""
    place = {"province": "山东省", "city": "临沂市", "county": "沂南县"}
    born = dt.date(1971, 8, 16)
    a = CustomerFactory(name="刘文才", address="青驼镇刘家庄村3组", birth_date=born, **place)
    b = CustomerFactory(name="刘文财", address="青驼镇刘家庄村", birth_date=born, **place)
    c = CustomerFactory(name="老刘", address="", province="", city="", county="")
    PhoneFactory(customer=b, raw="138 5399 1234")
    PhoneFactory(customer=c, raw="+86 13853991234")
    return a, b, c


def test_the_queue_holds_the_pair_a_group_implies_until_the_group_breaks(liu_three, archivist):
    a, b, c = liu_three
    # when
    duplicates_refresh(actor=system_actor())
    # then 刘文才 / 老刘 is proposed, through 刘文财
    link = pair(a, c)
    assert link.kind == "duplicate" and link.status == DuplicateCandidate.Status.OPEN
    via = [r for r in link.reasons if r["code"] == "group"]
    assert via and via[0]["params"]["via"] == f"刘文财 ({b.pk})"
    assert link.score == pytest.approx(pair(a, b).score * pair(b, c).score, abs=1e-4)
    # when 老刘 turns out to be 王 (his name corrected; the number stays)
    dossier.customer_update(actor=archivist, customer=c, data={"name": "老王"})
    result = duplicates_refresh(actor=system_actor())
    # then the group is gone, and so is the pair it implied
    assert not result.full
    assert not DuplicateCandidate.objects.filter(
        low_id=min(a.pk, c.pk), high_id=max(a.pk, c.pk)
    ).exists()
