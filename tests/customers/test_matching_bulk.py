"""Bulk scoring (issue 17, part 3): the numpy/rapidfuzz bound drops only pairs `compare`
would not show, and worker processes give the same pairs as one process. No database."""

from __future__ import annotations

import pytest

from bench import matching_data
from customers.matching.candidates import (
    Context,
    Record,
    candidate_array,
    compare,
    find_matches,
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
    assert find_matches(features, ctx=ctx) == brute


def test_worker_processes_give_the_pairs_of_one_process(monkeypatch):
    from customers.matching import candidates, records

    monkeypatch.setattr(records, "_CHUNK", 500)
    monkeypatch.setattr(candidates, "_SCORE_CHUNK", 2000)
    data = _records(3000, 13)
    one = find_matches(prepare_all(data))
    features = prepare_all(data, workers=2)
    assert [f.index for f in features] == list(range(len(data)))
    assert find_matches(features, workers=2) == one
