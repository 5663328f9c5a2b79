"""`make bench`: customer search, dossier and list page on a 100,000-customer database.

    .venv/bin/python bench/run.py [--n N] [--regenerate] [--quick] [--requests R]

DATABASE_URL names the database (default postgres://postgres@127.0.0.1:5432/dealercrm_bench,
created and migrated when missing). The generated set is reused while its marker and
size match `--n`. Requests go through django.test.Client with a logged-in user: the whole
middleware, view, selector and template stack a user waits for, minus the network.
The figures replace the "foundation" section of docs/benchmarks.md. Exit status 1 when
the dossier's query count depends on its number of related rows (a correctness
property); timing misses are reported, not fatal.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate as gen
from bench.django_env import DEFAULT_DATABASE_URL, ROOT, database_url, ensure_database, setup_django
from bench.foundation_report import (
    SEARCH_KINDS,
    WARMUP,
    DossierResult,
    PageResult,
    SearchResult,
    database_description,
    render,
)
from bench.report import Timing, ms, replace_section

SECTION = "foundation"
FIXTURE_PREFIX = "BENCHFIX-"
LIGHT_REF = "BENCHFIX-LIGHT-1"
HEAVY_REF = "BENCHFIX-HEAVY-500"
HEAVY_ROWS_PER_KIND = 100  # phones, shareholders, machines, operators, projects: 500 rows
QUICK_N = 5_000


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def ensure_data(n: int, seed: int, regenerate: bool) -> dict[str, Any]:
    if not regenerate and gen.is_present(n):
        info = gen.marker() or {}
        print(f"Reusing the generated set: {n:,} customers (generated {info.get('date')}).")
        return {
            "reused": True,
            "seconds": float(info.get("seconds", "nan")),
            "seed": info.get("seed"),
        }
    print(f"Generating {n:,} customers (seed {seed}) ...", flush=True)
    result = gen.generate(n, seed)
    print(f"Generated in {result.seconds:.1f} s.")
    return {"reused": False, "seconds": result.seconds, "seed": str(seed)}


def _row_counts(customer: Any) -> dict[str, int]:
    from customers.services import ROW_MODELS

    return {
        name: model.objects.filter(customer=customer).count()  # type: ignore[attr-defined]
        for name, model in ROW_MODELS.items()
    }


def ensure_fixtures(archivist: Any, manager: Any) -> tuple[Any, Any, float | None]:
    """A customer with 1 related row and one with 500, written through the services so
    that their history exists as it would in use. Reused when intact."""
    from customers.models import Customer
    from customers.services import ROW_MODELS

    light = Customer.objects.filter(external_ref=LIGHT_REF).first()
    heavy = Customer.objects.filter(external_ref=HEAVY_REF).first()
    expected_heavy = dict.fromkeys(ROW_MODELS, HEAVY_ROWS_PER_KIND)
    expected_light = {**dict.fromkeys(expected_heavy, 0), "phones": 1}
    if (
        light is not None
        and heavy is not None
        and _row_counts(light) == expected_light
        and _row_counts(heavy) == expected_heavy
    ):
        return light, heavy, None
    started = time.perf_counter()
    gen.wipe(FIXTURE_PREFIX)
    light = _create_light(archivist, manager)
    heavy = _create_heavy(archivist, manager)
    return light, heavy, time.perf_counter() - started


def _create_light(archivist: Any, manager: Any) -> Any:
    from customers import services

    return services.customer_create(
        actor=archivist,
        confirm_new=True,
        confirm_reason="benchmark data",
        data={
            "name": "刘文才",
            "external_ref": LIGHT_REF,
            "manager": manager,
            "province": "山东省",
            "city": "临沂市",
            "county": "沂水县",
            "status": "active",
        },
        phones=[{"raw": "138-0013-8000"}],
    )


def _create_heavy(archivist: Any, manager: Any) -> Any:
    from customers import services
    from customers.models import Machine, Operator, Phone, Project, Shareholder

    customer = services.customer_create(
        actor=archivist,
        confirm_new=True,
        confirm_reason="benchmark data",
        data={
            "name": "临沂鼎盛工程机械有限公司",
            "kind": "sub_dealer",
            "external_ref": HEAVY_REF,
            "manager": manager,
            "province": "山东省",
            "city": "临沂市",
            "county": "兰山区",
            "status": "active",
            "staff_count": 60,
        },
    )
    today = date.today()
    machines = []
    for i in range(HEAVY_ROWS_PER_KIND):

        def add(model: Any, data: dict[str, Any]) -> Any:
            return services.row_add(actor=archivist, customer=customer, model=model, data=data)

        add(Phone, {"raw": f"+86 139 0539 {i:04d}", "label": "mobile"})
        # Shares small enough that the current total stays at or under 100%.
        add(Shareholder, {"name": f"股东{i:03d}", "share_percent": Decimal("0.50"), "role": "股东"})
        machines.append(
            add(
                Machine,
                {
                    "brand": "柳工",
                    "model_raw": ("CLG856H", "CLG922E", "ZL50CN")[i % 3],
                    "serial_number": f"HVY{i:06d}",
                    "source": "from_us",
                    "purchase_price": Decimal("520000"),
                    "purchase_date": today - timedelta(days=30 * i + 1),
                    "hour_meter": Decimal(100 * i),
                    "hour_meter_date": today - timedelta(days=1),
                },
            )
        )
        add(
            Operator,
            {
                "name": f"机手{i:03d}",
                "phone": f"1370539{i:04d}",
                "years_experience": i % 30,
                "machine": machines[i],
            },
        )
        add(
            Project,
            {
                "name": f"沂河大桥{i:03d}标段",
                "location": "临沂市兰山区",
                "source": "招标",
                "start_date": today - timedelta(days=10 * i + 20),
                "end_date": today - timedelta(days=10 * i + 5),
            },
        )
    return customer


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


def client_for(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def timed_get(client: Any, url: str, params: dict[str, str] | None = None) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(url, params or {})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} {params} answered {response.status_code}")
    return elapsed, response


def count_queries(client: Any, url: str, params: dict[str, str] | None = None) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params or {})  # warm caches (content types, templates) first
    with CaptureQueriesContext(connection) as ctx:
        timed_get(client, url, params)
    return [q["sql"] for q in ctx.captured_queries]


def other_format(national: str) -> str:
    """The same mobile number typed another way than most notebooks do."""
    a, b, c = national[:3], national[3:7], national[7:]
    return f"{a}-{b}-{c}"


def search_terms(user: Any, count: int, rng: random.Random) -> dict[str, list[str]]:
    """Terms drawn from customers this user can see, so every search has an answer."""
    from django.db.models import Prefetch

    from customers.models import Customer, Phone
    from customers.selectors import visible_customers

    scope = visible_customers(user=user).filter(external_ref__startswith=gen.GENERATED_PREFIX)
    ids = list(scope.values_list("pk", flat=True))
    chosen = rng.sample(ids, min(len(ids), count * 4))
    customers = Customer.objects.filter(pk__in=chosen).prefetch_related(
        Prefetch("phones", queryset=Phone.objects.filter(is_active=True))
    )
    by_pk = {c.pk: c for c in customers}
    terms: dict[str, list[str]] = {kind: [] for kind in SEARCH_KINDS}
    for pk in chosen:
        c = by_pk[pk]
        if c.kind == Customer.Kind.END_USER and 2 <= len(c.name) <= 4:
            terms["name"].append(c.name)
            terms["name_part"].append(c.name[-2:] if len(c.name) >= 3 else c.name)
            terms["name_char"].append(c.name[-1])
            terms["pinyin"].append(c.name_pinyin)
        if len(c.name_initials) >= 2:
            terms["initials"].append(c.name_initials)
        phones = list(c.phones.all())
        mobiles = [p for p in phones if len(p.national) == 11 and p.national.startswith("1")]
        if mobiles:
            terms["phone"].append(other_format(mobiles[0].national))
        if phones:
            terms["phone_last4"].append(phones[-1].national[-4:])
    return {kind: values[:count] for kind, values in terms.items()}


def measure_search(user: Any, label: str, count: int, rng: random.Random) -> list[SearchResult]:
    client = client_for(user)
    terms = search_terms(user, count, rng)
    results = []
    for kind, values in terms.items():
        for endpoint, url, param in (
            ("list page", "/customers/", "q"),
            ("API", "/api/v1/customers/", "search"),
        ):
            result = SearchResult(label, endpoint, kind, values[0] if values else "", Timing())
            for term in values[:WARMUP]:
                client.get(url, {param: term})
            for term in values:
                elapsed, response = timed_get(client, url, {param: term})
                result.timing.add(elapsed)
                if endpoint == "API":
                    hits = response.json()["count"]
                    result.hits.append(hits)
                    if hits == 0:
                        result.misses.append(term)
            if endpoint == "list page" and values:
                result.queries = len(count_queries(client, url, {param: values[0]}))
            results.append(result)
            print(
                f"  {label:<10} {endpoint:<9} {SEARCH_KINDS[kind]:<28} "
                f"p50 {ms(result.timing.p50):>7} p95 {ms(result.timing.p95):>7} ms",
                flush=True,
            )
    return results


def measure_dossiers(
    archivist: Any, manager: Any, light: Any, heavy: Any, count: int
) -> list[DossierResult]:
    from customers.models import Customer
    from customers.services import ROW_MODELS

    clients = {"archivist": client_for(archivist), "manager": client_for(manager)}
    results = []
    for label, customer in (("1 related row", light), ("500 related rows", heavy)):
        url = f"/customers/{customer.pk}/"
        sql = {who: count_queries(client, url) for who, client in clients.items()}
        history = Customer.history.filter(id=customer.pk).count() + sum(  # type: ignore[attr-defined]
            model.history.filter(customer_id=customer.pk).count()  # type: ignore[attr-defined]
            for model in ROW_MODELS.values()
        )
        timing = Timing()
        for _ in range(count):
            elapsed, response = timed_get(clients["archivist"], url)
            timing.add(elapsed)
        if customer.external_ref == HEAVY_REF:
            last = f"HVY{HEAVY_ROWS_PER_KIND - 1:06d}"
            if last.encode() not in response.content:
                raise RuntimeError(f"the dossier page of {customer} does not show machine {last}")
        related = sum(_row_counts(customer).values())
        results.append(
            DossierResult(label, related, history, {w: len(q) for w, q in sql.items()}, timing, sql)
        )
    return results


def measure_lists(archivist: Any, manager: Any, count: int) -> list[PageResult]:
    results = []
    for who, user in (("archivist", archivist), ("manager", manager)):
        client = client_for(user)
        for label, url in (("list page", "/customers/"), ("API list", "/api/v1/customers/")):
            queries = len(count_queries(client, url))
            timing = Timing()
            for _ in range(count):
                timing.add(timed_get(client, url)[0])
            results.append(PageResult(label, who, queries, timing))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, help=f"customers to generate (default {gen.DEFAULT_N:,})")
    parser.add_argument("--seed", type=int, default=gen.DEFAULT_SEED)
    parser.add_argument("--regenerate", action="store_true", help="replace the generated set")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_N:,} customers in database dealercrm_bench_quick (unless "
        "DATABASE_URL is set), fewer requests, no document written unless --doc is given",
    )
    parser.add_argument("--requests", type=int, help="requests per search series (default 60)")
    parser.add_argument("--doc", type=Path, help="document to update (default docs/benchmarks.md)")
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument(
        "--allow-other-data",
        action="store_true",
        help="run even though the database holds customers that are not bench data",
    )
    args = parser.parse_args(argv)

    n = args.n or (QUICK_N if args.quick else gen.DEFAULT_N)
    requests = args.requests or (20 if args.quick else 60)
    doc = (
        None
        if args.no_doc
        else args.doc or (None if args.quick else ROOT / "docs" / "benchmarks.md")
    )

    url = database_url(DEFAULT_DATABASE_URL + ("_quick" if args.quick else ""))
    if ensure_database(url):
        print("Created the bench database.")
    setup_django()
    from django.core.management import call_command

    from customers.models import Customer

    call_command("migrate", verbosity=0)
    others = Customer.objects.exclude(external_ref__startswith=gen.OWNED_PREFIX).count()
    if others and not args.allow_other_data:
        print(
            f"{url} holds {others:,} customers that are not bench data: point DATABASE_URL at a "
            "database of its own (the default is dealercrm_bench) or pass --allow-other-data.",
            file=sys.stderr,
        )
        return 2
    load_start = os.getloadavg()[0]
    data = ensure_data(n, args.seed, args.regenerate)
    unflagged = gen.enforce_gold_cap()
    if unflagged:
        print(
            f"Unflagged {unflagged:,} gold customers above the cap of {gen.gold_cap()} per manager."
        )
    archivist, managers = gen.ensure_users()
    manager = managers[0]
    light, heavy, fixtures_seconds = ensure_fixtures(archivist, manager)
    rng = random.Random(args.seed)

    print("Customer search ...")
    search = measure_search(archivist, "archivist", requests, rng)
    search += measure_search(manager, "manager", requests, rng)
    print("Dossier pages ...")
    dossiers = measure_dossiers(archivist, manager, light, heavy, max(20, requests // 2))
    print("List pages ...")
    lists = measure_lists(archivist, manager, max(20, requests // 2))

    scope = Customer.objects.filter(manager=manager).count()
    text, problems, dossier_ok = render(
        load=(load_start, os.getloadavg()[0]),
        n=n,
        requests=requests,
        data=data,
        fixtures_seconds=fixtures_seconds,
        db=database_description(),
        search=search,
        dossiers=dossiers,
        lists=lists,
        managers_scope=scope,
    )
    print()
    print(text)
    if not dossier_ok:
        for d in dossiers:
            for who, sql in d.sql.items():
                print(f"--- {d.label}, {who}: {len(sql)} queries", file=sys.stderr)
                for statement in sql:
                    print(f"    {statement[:300]}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found; see above.", file=sys.stderr)
    if doc is not None:
        replace_section(doc, SECTION, text)
        print(f"Wrote the '{SECTION}' section of {doc}.")
    from bench import service_parts  # after-sales service and parts (its own section)

    after_sales_ok = service_parts.run(
        archivist=archivist, manager=manager, doc=doc, requests=max(10, requests // 3)
    )
    from bench import contacts  # the manager's loop at scale (its own section)

    contacts_ok = contacts.run(archivist=archivist, manager=manager, doc=doc)
    from bench import door  # possible existing customers while one is typed (its own section)

    door_ok = door.run(archivist=archivist, doc=doc, quick=args.quick)
    from bench import scheduled  # tiering and reminders on the 100k set (its own section)

    scheduled.run(doc=doc)
    from bench import dashboards  # the executive dashboards on the 100k set (its own section)

    dashboards_ok = dashboards.run(archivist=archivist, managers=managers, doc=doc)
    from bench import matching  # duplicate detection on files (its own section, no database)

    matching_ok = matching.run(doc=doc, quick=args.quick)
    from bench import imports  # a 50,000-row workbook imported (its own section and database)

    imports_ok = imports.run(doc=doc, **({"rows": 5_000, "archive": 2_000} if args.quick else {}))
    ok = all(
        (dossier_ok, after_sales_ok, matching_ok, contacts_ok, door_ok, imports_ok, dashboards_ok)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
