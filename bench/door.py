"""The door's lookup time (issue 17): door_candidates() for drafts typed by the archivist,
against the customers in the bench database (`bench/generate.py --n 100000`).

    DATABASE_URL=postgres://…/dealercrm_bench .venv/bin/python bench/door.py [--n 300]

Drafts: half are existing customers typed again (a homophone of the name, the phone in
another format), half new names with new numbers. Prints p50/p95/max in milliseconds, and
how many drafts found candidates. Read only.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.django_env import database_url, setup_django

HOMOPHONES = {"才": "财", "文": "闻", "明": "鸣", "华": "化", "军": "君", "伟": "玮", "强": "墙"}


def _drafts(n: int, seed: int) -> list[tuple[dict[str, str], list[str]]]:
    from customers.models import Customer, Phone

    rng = random.Random(seed)
    ids = list(Customer.objects.values_list("pk", flat=True))
    drafts: list[tuple[dict[str, str], list[str]]] = []
    for pk in rng.sample(ids, n // 2):
        c = Customer.objects.get(pk=pk)
        name = "".join(HOMOPHONES.get(ch, ch) for ch in c.name)
        phone = Phone.objects.filter(customer=c).values_list("national", flat=True).first()
        phones = [f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"] if phone else []
        drafts.append(({"name": name, "county": c.county}, phones))
    for i in range(n - len(drafts)):
        drafts.append(
            ({"name": rng.choice("赵钱孙李周吴郑王") + "新客" + str(i)}, [f"1770000{i:04d}"])
        )
    rng.shuffle(drafts)
    return drafts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    database_url()
    setup_django()
    from customers.matching.door import door_candidates
    from customers.models import Customer, MatchKey

    drafts = _drafts(args.n, args.seed)
    door_candidates(*drafts[0])  # warm the caches (pinyin tables, connection)
    times: list[float] = []
    found = 0
    for data, phones in drafts:
        started = time.perf_counter()
        result = door_candidates(data, phones)
        times.append((time.perf_counter() - started) * 1000)
        found += bool(result)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"customers {Customer.objects.count():,}, match keys {MatchKey.objects.count():,}; "
        f"{len(times)} drafts, {found} with candidates: p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
