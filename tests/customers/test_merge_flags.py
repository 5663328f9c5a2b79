"""Issue 17 part 4: the key-account and benchmark flags in a merge follow one stated rule —
the kept customer holds a flag when either customer held it (never chosen) — and the undo
gives each customer his own value back."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from customers.matching import services
from customers.models import Customer, MergeRecord
from tests.factories import CustomerFactory, DuplicateCandidateFactory

from .test_merge import changed_tables, snapshot

pytestmark = pytest.mark.django_db

FLAGS = ["is_key_account", "is_benchmark"]


def fresh(customer: Customer) -> Customer:
    return Customer.all_objects.get(pk=customer.pk)


@pytest.mark.parametrize(
    ("flag", "kept_has", "dup_has"),
    [(f, a, b) for f in FLAGS for a, b in itertools.product([False, True], repeat=2)],
)
def test_the_kept_customer_holds_a_flag_either_held_and_undo_gives_each_his_own(
    archivist, manager, flag, kept_has, dup_has
):
    # given
    kept = CustomerFactory(name="刘文才", manager=manager, **{flag: kept_has})
    dup = CustomerFactory(name="刘文财", manager=manager, **{flag: dup_has})
    before = snapshot()

    # when
    record = services.customer_merge(actor=archivist, survivor=kept, loser=dup)

    # then OR on the kept customer; the tombstone keeps its own value
    assert getattr(fresh(kept), flag) is (kept_has or dup_has)
    assert getattr(fresh(dup), flag) is dup_has
    assert (flag in record.survivor_changes) is (dup_has and not kept_has)

    # when
    services.merge_undo(actor=archivist, record=record)

    # then both customers hold exactly what they held, every table as before
    assert (getattr(fresh(kept), flag), getattr(fresh(dup), flag)) == (kept_has, dup_has)
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("side", ["survivor", "loser"])
def test_a_flag_cannot_be_chosen(archivist, manager, flag, side):
    kept = CustomerFactory(name="刘文才", manager=manager)
    dup = CustomerFactory(name="刘文财", manager=manager, **{flag: True})
    for service in (services.customer_merge, services.merge_preview):
        with pytest.raises(ValidationError) as caught:
            service(actor=archivist, survivor=kept, loser=dup, choices={flag: side})
        assert caught.value.message_dict == {flag: ["This field cannot be chosen in a merge."]}
    api = APIClient()
    api.force_authenticate(archivist)
    response = api.post(
        "/api/v1/merges/",
        {"survivor": kept.pk, "loser": dup.pk, "choices": {flag: side}},
        format="json",
    )
    assert response.status_code == 400 and flag in str(response.json()["choices"])
    assert not MergeRecord.objects.exists()


def test_the_pair_page_states_the_rule_and_the_preview_what_stays(client, archivist, manager):
    # given the duplicate is a key account, the kept customer a benchmark customer
    kept = CustomerFactory(name="刘文才", manager=manager, is_benchmark=True)
    dup = CustomerFactory(name="刘文财", manager=manager, is_key_account=True)
    pair = DuplicateCandidateFactory(low=kept, high=dup)
    client.force_login(archivist)

    # when
    page = client.get(pair.get_absolute_url(), {"keep": kept.pk})

    # then no choice is offered for a flag: the rule is shown instead
    html = page.content.decode()
    for flag in FLAGS:
        assert f'name="choice_{flag}"' not in html
        row = next(r for r in page.context["view"].rows if r.name == flag)
        assert row.follows == "kept if either customer is one"
    # and the preview says which flags the merged customer keeps
    assert page.context["plan_flags"] == [
        "Benchmark customer: kept after the merge",
        "Key account: kept after the merge",
    ]
    assert 'data-testid="plan-flags"' in html
    assert "Key account: kept after the merge" in html
    assert page.context["plan"].changes == {"is_key_account": (False, True)}

    # when merged from the page, the record shows the flag it took
    response = client.post(
        reverse("customers:duplicate_merge", args=[pair.pk]), {"survivor": kept.pk}
    )
    record = MergeRecord.objects.get()
    assert response["Location"] == record.get_absolute_url()
    assert fresh(kept).is_key_account and fresh(kept).is_benchmark
    detail = client.get(record.get_absolute_url())
    assert ("key account", False, True) in detail.context["changes"]


def test_the_flags_speak_chinese(chinese, client, archivist, manager):
    kept = CustomerFactory(name="刘文才", manager=manager)
    dup = CustomerFactory(name="刘文财", manager=manager, is_key_account=True)
    pair = DuplicateCandidateFactory(low=kept, high=dup)
    client.force_login(archivist)
    html = client.get(pair.get_absolute_url(), {"keep": kept.pk}).content.decode()
    assert "大客户：合并后保留" in html
    assert "任一客户是即保留" in html
