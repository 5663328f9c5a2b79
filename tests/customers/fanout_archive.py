"""A small archive with known duplicates for the fanned-out refresh's tests: the synthetic
dealer set (bench/matching_data.py: homophone names, one phone in several formats, brothers
and namesakes), saved as customers, plus a few planted by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench import matching_data
from customers.models import (
    Customer,
    DuplicateCandidate,
    Machine,
    MatchKey,
    MatchRun,
    MatchState,
    Phone,
)


def seed_archive(n: int = 120, seed: int = 11) -> list[Customer]:
    rows, _truth = matching_data.generate(
        n, seed, brothers=matching_data.BROTHERS * 2, namesakes=matching_data.NAMESAKES * 2
    )
    # Planted: a homophone (刘文才 / 刘文财) sharing one phone in two formats, 刘总 with it
    # too, and two brothers of one village with their own numbers.
    rows += [
        {"name": "刘文才", "phones": "138 5399 1234", "address": "沂南县青驼镇刘家庄村3组"},
        {"name": "刘文财", "phones": "138-5399-1234", "address": "沂南县青驼镇刘家庄村"},
        {"name": "刘总", "phones": "+86 13853991234", "address": ""},
    ]
    # Planted: one man three times, 老张 linked to 张德明 only through 张得明 (a group).
    rows += [
        {"name": "张德明", "address": "莒南县坪上镇张家村", "birth_date": "1968-03-02"},
        {
            "name": "张得明",
            "phones": "139 5398 7766",
            "address": "莒南县坪上镇张家村",
            "birth_date": "1968-03-02",
        },
        {"name": "老张", "phones": "13953987766", "address": ""},
    ]
    village = "费县探沂镇王庄村"
    rows += [
        {"name": "王建国", "phones": "13905391111", "address": village, "birth_date": "1960"},
        {"name": "王建军", "phones": "13905392222", "address": village, "birth_date": "1966"},
    ]
    return [_customer(row) for row in rows]


def _customer(row: dict[str, Any]) -> Customer:
    birth = row.get("birth_date", "")
    birth_date = birth_year = None
    if len(birth) == 4:
        birth_year = int(birth)
    elif birth:
        digits = birth.replace("-", "")
        try:
            birth_date = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        except ValueError:
            birth_year = int(digits[:4])
    customer = Customer(
        name=row["name"],
        province="",
        city="",
        county="",
        address=row.get("address", ""),
        birth_date=birth_date,
        birth_year=birth_date.year if birth_date else birth_year,
        id_number=row.get("id_number", ""),
    )
    customer.save()
    for raw in filter(None, row.get("phones", "").split(";")):
        Phone(customer=customer, raw=raw).save()
    for model in filter(None, row.get("models", "").split(";")):
        Machine(customer=customer, brand="", model_raw=model).save()
    return customer


def queue_rows() -> list[tuple[int, int, float, str, list[dict[str, Any]], str]]:
    """The review queue as stored: ids, score, kind, reasons, status."""
    return sorted(
        (c.low_id, c.high_id, c.score, c.kind, c.reasons, c.status)
        for c in DuplicateCandidate.objects.all()
    )


def reset_matcher() -> None:
    """The matcher forgotten: the next run is a first, full one."""
    DuplicateCandidate.objects.all().delete()
    MatchRun.objects.all().delete()
    MatchKey.objects.all().delete()
    MatchState.objects.all().delete()


def matcher_state() -> tuple[Any, ...]:
    """What a run leaves: the queue, the keys, the states and the run's counts."""
    return (
        queue_rows(),
        sorted(MatchKey.objects.values_list("customer_id", "key")),
        sorted(MatchState.objects.values_list("customer_id", "fingerprint")),
        list(MatchRun.objects.values_list("full", "customers", "changed", "pairs_compared")),
    )
