"""Bulk scoring (issue 17, part 3): the numpy/rapidfuzz bound drops only pairs `compare`
would not show, and worker processes give the same pairs as one process. No database."""

from __future__ import annotations

import numpy as np
import pytest

from bench import matching_data
from customers.matching.candidates import (
    Context,
    Record,
    candidate_array,
    compare,
    find_matches,
    group_links,
    possible,
    prepare_all,
)
from customers.matching.files import _split


def _records(n: int, seed: int, hard: float = 2.0) -> list[Record]:
    rows, _ = matching_data.generate(
        n,
        seed,
        brothers=matching_data.BROTHERS * hard,
        namesakes=matching_data.NAMESAKES * hard,
    )
    return [
        Record(
            id=r["id"],
            name=r["name"],
            phones=_split(r["phones"]),
            address=r["address"],
            birth_date=r["birth_date"],
            id_number=r["id_number"],
            models=_split(r["models"]),
        )
        for r in rows
    ]


LATIN = [
    Record(id="l1", name="Smith John", address="12 Main Street Springfield 2600"),
    Record(id="l2", name="John Smith", address="12 Main St Springfield 2600"),
    Record(id="l3", name="Smyth Jon", address="Main Street 12 Springfield 2600", birth_date="1970"),
    Record(id="l4", name="Smith Joan", address="4 Hill Road Springfield 2600", birth_date="1985"),
]


@pytest.mark.parametrize("threshold", [0.5, 0.2, 0.9])
def test_the_bound_keeps_every_pair_compare_would_show(threshold):
    features = prepare_all(_records(3000, 7) + LATIN)
    ctx = Context.build(features)
    pairs = candidate_array(features)
    kept = possible(features, pairs, threshold=threshold)
    shown = {
        (i, j)
        for i, j in pairs.tolist()
        if compare(features[i], features[j], ctx, threshold=threshold) is not None
    }
    assert shown  # the set is not trivially empty
    assert shown <= set(map(tuple, pairs[kept].tolist()))
    # and it is a filter at all: most blocked pairs cannot be shown
    assert kept.sum() < 0.6 * len(pairs)


def test_find_matches_gives_what_comparing_every_candidate_pair_gives():
    features = prepare_all(_records(3000, 11))
    ctx = Context.build(features)
    brute = [
        m
        for i, j in candidate_array(features).tolist()
        if (m := compare(features[i], features[j], ctx)) is not None
    ]
    brute.sort(key=lambda m: (-m.score, m.left_id, m.right_id))
    # then the pairs the groups imply, added to the pairs compared one by one
    by_id = {f.id: f for f in features}
    expected = group_links(brute, lambda ids: {i: by_id[i] for i in ids}, ctx)
    assert len(expected) > len(brute)
    assert find_matches(features, ctx=ctx) == expected


def test_worker_processes_give_the_pairs_of_one_process(monkeypatch):
    from customers.matching import candidates, records

    monkeypatch.setattr(records, "_CHUNK", 500)
    monkeypatch.setattr(candidates, "_SCORE_CHUNK", 2000)
    data = _records(3000, 13)
    one = find_matches(prepare_all(data))
    features = prepare_all(data, workers=2)
    assert [f.index for f in features] == list(range(len(data)))
    assert find_matches(features, workers=2) == one


OFFICE = "0531-8888 6666"
# Cases where a cheap bound would be loose or wrong: a phone shared by many (its penalty), a
# name common in one village, nicknames, Latin names, year-only births typed wrong, an ID
# number one digit off, a record with more phones than the bulk columns hold.
HARD = [
    *(
        Record(id=f"o{k}", name=f"王{'伟军强磊勇杰刚'[k % 7]}", phones=(OFFICE,), address="张庄村")
        for k in range(9)
    ),
    *(
        Record(id=f"c{k}", name="刘洋", address="山东省济南市历城区小王庄3组", birth_date="1975")
        for k in range(7)
    ),
    Record(id="n1", name="老刘", phones=("13812345678",), address="小王庄"),
    Record(id="n2", name="刘文才", phones=("13812345678",), address="小王庄"),
    Record(id="n3", name="单总", phones=("13812345678",), address="小王庄"),
    Record(id="y1", name="赵国庆", phones=("13900001111",), birth_date="1987"),
    Record(id="y2", name="赵国清", phones=("13900001111",), birth_date="1978"),
    Record(id="y3", name="赵国庆", phones=("13900001111",), birth_date="1993"),
    Record(id="i1", name="孙立", id_number="370102198001010013", address="孙湖镇小村4组"),
    Record(id="i2", name="孙力", id_number="370102198001010031", address="滕州市孙湖镇小村4组"),
    Record(
        id="m1",
        name="钱多",
        phones=tuple(f"1380000{k:04d}" for k in range(8)),
        address="钱家村",
        birth_date="1960-01-02",
    ),
    Record(
        id="m2", name="钱朵", phones=("13800000007",), address="钱家村", birth_date="1960-02-01"
    ),
]


@pytest.mark.parametrize("threshold", [0.5, 0.2, 0.9])
def test_the_bound_with_frequencies_keeps_what_compare_shows_and_little_else(
    threshold: float,
) -> None:
    features = prepare_all(_records(3000, 17) + LATIN + HARD)
    ctx = Context.build(features)
    pairs = candidate_array(features)
    kept = set(map(tuple, pairs[possible(features, pairs, threshold=threshold, ctx=ctx)].tolist()))
    shown = {
        (i, j)
        for i, j in pairs.tolist()
        if compare(features[i], features[j], ctx, threshold=threshold) is not None
    }
    assert shown <= kept
    # Loose only for Latin names and for the record with eight phones.
    loose = {i for i, f in enumerate(features) if not f.is_cjk or len(f.phones) > 6}
    assert {p for p in kept - shown if not loose & set(p)} == set()


def test_bulk_blocking_gives_the_pairs_of_the_blocks_one_by_one() -> None:
    from customers.matching.candidates import effective_blocks

    features = prepare_all(_records(3000, 19, hard=4.0) + HARD)
    expected = {
        (a, b)
        for _key, members in effective_blocks(features, max_block=20)
        for x, a in enumerate(sorted(members))
        for b in sorted(members)[x + 1 :]
        if a != b
    }
    assert set(map(tuple, candidate_array(features, max_block=20).tolist())) == expected


def test_a_county_only_address_is_no_evidence_and_the_bound_agrees():
    """At the door the archivist often types only the county: 沂水县 inside 山东省临沂市沂水县…
    is neither the same place nor a different one (issue 17: the door bench missed 15
    customers retyped with their own mobile because of it)."""
    from customers.matching.candidates import (
        W_ADDRESS_PARTIAL,
        Context,
        compare,
        possible,
        prepare,
    )
    from customers.matching.records import Record

    records = [
        Record(id="door", name="刘庆", phones=("13853991234",), address="沂水县"),
        Record(
            id="kept",
            name="刘庆",
            phones=("+86 138-5399-1234",),
            address="山东省临沂市沂水县许家湖镇王庄村",
        ),
        # a village name alone inside another address is also only partial
        Record(id="v1", name="赵刚", phones=("13900000001",), address="王庄"),
        Record(id="v2", name="赵刚", phones=("13900000002",), address="河北省保定市王庄镇"),
        # one character in common is not containment evidence at all
        Record(id="c1", name="钱力", address="沂"),
        Record(id="c2", name="钱力", address="山东省临沂市沂水县"),
    ]
    features = [prepare(r, i) for i, r in enumerate(records)]
    # 刘庆 is a common name in this archive: 40 more of them elsewhere
    many = [
        prepare(Record(id=f"x{i}", name="刘庆", address=f"河南省{i}号"), 6 + i) for i in range(40)
    ]
    ctx = Context.build(features + many)
    match = compare(features[0], features[1], ctx)
    assert match is not None and match.kind == "duplicate"
    codes = {r.code: r.weight for r in match.reasons}
    assert codes["address_partial"] == W_ADDRESS_PARTIAL == 0.0
    assert "address_different" not in codes
    village = compare(features[2], features[3], ctx, threshold=0.0)
    assert village is not None
    assert "address_partial" in {r.code for r in village.reasons}
    one_char = compare(features[4], features[5], ctx, threshold=0.0)
    assert one_char is not None
    assert "address_different" in {r.code for r in one_char.reasons}
    pairs = np.array([[0, 1], [2, 3], [4, 5]], dtype=np.int64)
    for threshold in (0.2, 0.5, 0.9):
        kept = possible(features, pairs, threshold=threshold, ctx=ctx)
        for (i, j), keep in zip(pairs.tolist(), kept.tolist(), strict=True):
            shown = compare(features[i], features[j], ctx, threshold=threshold) is not None
            assert keep or not shown, (records[i].id, records[j].id, threshold)
