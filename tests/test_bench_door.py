"""The door's sub-bench (bench/door.py, issue 17): its drafts, its verdicts and a smoke run
on a small archive (the refresh writes the matcher keys first, as it does on the bench
database)."""

from __future__ import annotations

import pytest

from bench import door
from customers.models import MatchKey
from tests.factories import CustomerFactory, PhoneFactory


def test_a_retyped_draft_uses_homophones_and_another_phone_format():
    assert door.retyped_name("刘文才") == "刘闻财"
    assert door.retyped_name("赵六") == "赵六"
    assert door.retyped_phone("13800138000") == "+86 138-0013-8000"
    draft = door.Draft({"name": "刘闻财", "county": "沂水县"}, ["+86 138-0013-8000", "0539"])
    assert draft.params() == {
        "name": "刘闻财",
        "county": "沂水县",
        "phones": "+86 138-0013-8000\n0539",
    }
    assert "phones" not in door.Draft({"name": "王新客1"}, []).params()


def _result(**kwargs) -> door.DoorResult:
    base = {
        "customers": 100_000,
        "keys": 300_000,
        "refresh": None,
        "endpoint_ms": [10.0] * 19 + [400.0],
        "selector_ms": [5.0] * 20,
        "with_candidates": 10,
        "retyped": 10,
        "retyped_found": 10,
        "same_phone": 10,
        "same_phone_found": 10,
        "load": (1.0, 2.0),
    }
    return door.DoorResult(**{**base, **kwargs})


def test_timing_misses_are_reported_not_fatal_correctness_failures_are():
    body, correct = door.render(_result(endpoint_ms=[10.0] * 18 + [400.0] * 2), "now")
    assert correct
    assert "| FAIL |" in body.splitlines()[-3]  # the timing row
    body, correct = door.render(_result(), "now")
    assert correct and "| PASS |" in body.splitlines()[-3]
    assert "load average 1.00 at the start, 2.00 at the end" in body
    # Customers retyped without a number they hold may be missed, and are listed.
    body, correct = door.render(_result(retyped_found=8, missed=["#7 as 王五"]), "now")
    assert correct and "all retyped: 8 of 10 (80.0%)" in body and "#7 as 王五" in body
    assert not door.render(_result(retyped_found=9, same_phone_found=9), "now")[1]
    assert not door.render(_result(disagreements=["王五"]), "now")[1]
    body, _ = door.render(_result(customers=5_000), "now")
    assert "(below target size)" in body


@pytest.mark.django_db
def test_a_quick_run_refreshes_the_keys_once_and_writes_its_section(archivist, tmp_path):
    for i in range(10):
        PhoneFactory(customer=CustomerFactory(name=f"刘文{'一二三四五六七八九十'[i]}"))
    doc = tmp_path / "benchmarks.md"
    assert door.run(archivist=archivist, doc=doc, drafts=10)
    keys = MatchKey.objects.count()
    assert keys > 0
    text = doc.read_text(encoding="utf-8")
    assert "<!-- bench:door:begin -->" in text
    assert "5 of 5 with a number he holds; all retyped: 5 of 5 (100.0%)" in text
    assert "the database refresh ran once here" in text
    assert door.run(archivist=archivist, doc=doc, drafts=10)  # the keys are reused
    assert MatchKey.objects.count() == keys
    assert "already stored by an earlier refresh" in doc.read_text(encoding="utf-8")
