"""`make bench`, after-sales part: the dossier with 1,000 service records and 5,000 parts
lines against one with 1 of each (SQL query counts must match), and the next-maintenance
computation for 50,000 machines (target ≤ 10 s).

    .venv/bin/python bench/service_parts.py [--machines N] [--requests R] [--no-doc]

bench/run.py calls `run()` after its own section, on the same database; standalone, it
needs the generated set already there (run bench/run.py once). Writes the
"service-parts" section of docs/benchmarks.md. Exit status 1 when a dossier's query count
depends on its rows or the forecast target is missed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate as gen
from bench.django_env import DEFAULT_DATABASE_URL, ROOT, database_url, ensure_database, setup_django
from bench.report import Timing, machine_description, ms, replace_section, table

SECTION = "service-parts"
PREFIX = "BENCHSP-"
LIGHT_REF = "BENCHSP-LIGHT-1"
HEAVY_REF = "BENCHSP-HEAVY-1000"
HEAVY_RECORDS = 1_000
HEAVY_ORDERS = 1_000
LINES_PER_ORDER = 5
HEAVY_MACHINES = 20
FORECAST_MACHINES = 50_000
FORECAST_TARGET_S = 10.0
READING_NOTE = "bench-reading"
READINGS_PER_MACHINE = 4
BATCH = 5_000
SEED = 20240601


# ---------------------------------------------------------------------------
# Users and fixtures
# ---------------------------------------------------------------------------


def ensure_service_user() -> Any:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from dealercrm import roles

    user, created = get_user_model().objects.get_or_create(
        username="bench_service", defaults={"first_name": "师傅", "last_name": "赵"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=roles.SERVICE))
    return user


def _counts(customer: Any) -> tuple[int, int]:
    from parts.models import PartsOrderLine
    from service.models import ServiceRecord

    return (
        ServiceRecord.objects.filter(customer=customer).count(),
        PartsOrderLine.objects.filter(order__customer=customer).count(),
    )


def _wipe_fixtures() -> None:
    """This module's fixture customers with their after-sales rows and those rows' history
    (gen.wipe removes the rows; the history tables have no foreign keys to follow)."""
    from customers.models import Customer, Machine
    from parts.models import PartsOrder, PartsOrderLine
    from service.models import HourReading, ServiceRecord

    ids = list(
        Customer.objects.filter(external_ref__startswith=PREFIX).values_list("pk", flat=True)
    )
    machines = list(Machine.objects.filter(customer_id__in=ids).values_list("pk", flat=True))
    orders = list(PartsOrder.objects.filter(customer_id__in=ids).values_list("pk", flat=True))
    PartsOrderLine.history.filter(order_id__in=orders).delete()  # type: ignore[attr-defined]
    PartsOrder.history.filter(customer_id__in=ids).delete()  # type: ignore[attr-defined]
    ServiceRecord.history.filter(customer_id__in=ids).delete()  # type: ignore[attr-defined]
    HourReading.history.filter(machine_id__in=machines).delete()  # type: ignore[attr-defined]
    gen.wipe(PREFIX)


def ensure_fixtures(archivist: Any, service_user: Any, manager: Any) -> tuple[Any, Any, float]:
    """One customer with a record, an order of one line and a machine; one with
    1,000 records and 1,000 orders of 5 lines over 20 machines. Written through the services
    (history, readings and forecasts as in use); reused when intact."""
    from customers.models import Customer

    light = Customer.objects.filter(external_ref=LIGHT_REF).first()
    heavy = Customer.objects.filter(external_ref=HEAVY_REF).first()
    if (
        light is not None
        and heavy is not None
        and _counts(light) == (1, 1)
        and _counts(heavy) == (HEAVY_RECORDS, HEAVY_ORDERS * LINES_PER_ORDER)
    ):
        return light, heavy, float("nan")
    started = time.perf_counter()
    _wipe_fixtures()
    light = _fixture(archivist, service_user, manager, LIGHT_REF, "刘文才", 1, 1, 1, 1)
    heavy = _fixture(
        archivist,
        service_user,
        manager,
        HEAVY_REF,
        "临沂鼎盛工程机械有限公司",
        HEAVY_MACHINES,
        HEAVY_RECORDS,
        HEAVY_ORDERS,
        LINES_PER_ORDER,
    )
    return light, heavy, time.perf_counter() - started


def _fixture(
    archivist: Any,
    service_user: Any,
    manager: Any,
    ref: str,
    name: str,
    machines: int,
    records: int,
    orders: int,
    lines_per_order: int,
) -> Any:
    from customers import services as customer_services
    from customers.models import Machine
    from parts import services as parts_services
    from service import services as service_services

    rng = random.Random(ref)
    today = date.today()
    customer = customer_services.customer_create(
        actor=archivist,
        confirm_new=True,
        confirm_reason="benchmark data",
        data={
            "name": name,
            "external_ref": ref,
            "manager": manager,
            "status": "active",
            "province": "山东省",
            "city": "临沂市",
        },
    )
    fleet = [
        customer_services.row_add(
            actor=archivist,
            customer=customer,
            model=Machine,
            data={
                "brand": "临工",
                "model_raw": ("LG855N", "LG953N", "E6210F")[i % 3],
                "serial_number": f"{ref[-12:]}-{i:03d}",
                "source": "from_us",
                "purchase_price": Decimal("420000"),
                "purchase_date": today - timedelta(days=3 * records + 30),
            },
        )
        for i in range(machines)
    ]
    # Records oldest first, so each visit's hour meter is above the machine's last one.
    hours = dict.fromkeys((m.pk for m in fleet), 0)
    kinds = ("maintenance", "repair", "complaint", "follow_up", "delivery")
    for i in range(records):
        machine = fleet[i % len(fleet)]
        opened = today - timedelta(days=3 * (records - i))
        hours[machine.pk] += rng.randrange(20, 60)
        kind = kinds[i % len(kinds)]
        data: dict[str, Any] = {
            "kind": kind,
            "subject": f"{i:04d} 例行服务",
            "opened_on": opened,
            "machine": machine,
            "hour_meter": Decimal(hours[machine.pk]),
            "technician": service_user,
            "work_done": "更换机油、三滤，检查液压系统",
            "follow_up_on": opened + timedelta(days=7),
        }
        if i < records - 5:
            data.update(status="closed", closed_on=opened + timedelta(days=1))
            if kind == "complaint":
                data.update(resolution="更换配件，客户满意", satisfaction=4)
        record = service_services.service_record_create(
            actor=service_user, customer=customer, data=data
        )
        service_services.service_record_update(
            actor=archivist,
            record=record,
            data={"labour_charge": Decimal(rng.randrange(100, 900)), "parts_charge": Decimal("0")},
        )
    for i in range(orders):
        parts_services.parts_order_create(
            actor=archivist,
            customer=customer,
            data={"ordered_on": today - timedelta(days=i % 700), "invoice_number": f"{ref}-{i}"},
            lines=[
                {
                    "part_number": f"LG-{rng.randrange(10_000):05d}",
                    "name": ("机油滤芯", "液压油", "轮胎", "斗齿", "柴油滤芯")[j],
                    "category": ("filter", "oil", "tyre", "part", "filter")[j],
                    "quantity": str(rng.randrange(1, 5)),
                    "unit_price": f"{rng.randrange(1_000, 90_000) / 100:.2f}",
                }
                for j in range(lines_per_order)
            ],
        )
    return customer


# ---------------------------------------------------------------------------
# 50,000 machines with readings
# ---------------------------------------------------------------------------


def ensure_readings(target: int) -> tuple[int, int, float]:
    """Readings for `target` generated machines in use (fewer if the set is smaller):
    (machines, readings, seconds to write; nan when reused). Bulk inserts, no history:
    bench data, like generate.py's."""
    from django.db import connection, transaction

    from customers.models import Machine
    from service.models import HourReading

    have = HourReading.objects.filter(note=READING_NOTE)
    pool = Machine.objects.filter(
        customer__external_ref__startswith=gen.GENERATED_PREFIX, status=Machine.Status.IN_USE
    )
    wanted = min(target, pool.count())
    machines = have.values("machine").distinct().count()
    if machines == wanted:
        return machines, have.count(), float("nan")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Raw SQL: a queryset delete() would write a history row per deleted reading.
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(HourReading._meta.db_table)} "  # noqa: S608
            "WHERE note = %s",
            [READING_NOTE],
        )
    ids = list(pool.order_by("pk").values_list("pk", flat=True)[:wanted])
    rng = random.Random(SEED)
    today = date.today()
    rows: list[Any] = []
    written = 0
    for machine_id in ids:
        shape = rng.random()
        count = 1 if shape < 0.1 else READINGS_PER_MACHINE  # 10%: "not enough readings"
        rate = 0.0 if shape > 0.97 else rng.uniform(1, 12)  # 3% parked
        start = rng.randrange(0, 8_000)
        day = today - timedelta(days=rng.randrange(5, 60) + 90 * (count - 1))
        hours = float(start)
        for _ in range(count):
            rows.append(
                HourReading(
                    machine_id=machine_id,
                    read_on=day,
                    hours=Decimal(f"{hours:.1f}"),
                    source=HourReading.Source.DIRECT,
                    note=READING_NOTE,
                )
            )
            step = rng.randrange(60, 120)
            day += timedelta(days=step)
            hours += rate * step * rng.uniform(0.8, 1.2)
        if len(rows) >= BATCH:
            with transaction.atomic():
                HourReading.objects.bulk_create(rows, batch_size=BATCH)
            written += len(rows)
            rows = []
    if rows:
        HourReading.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    return len(ids), written, time.perf_counter() - started


# ---------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------


@dataclass
class PageRow:
    label: str
    user: str
    queries: int
    timing: Timing


@dataclass
class RefreshRow:
    run: int
    machines: int
    predicted: int
    not_enough: int
    no_usage: int
    compute_s: float
    write_s: float

    @property
    def total_s(self) -> float:
        return self.compute_s + self.write_s


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _get(client: Any, url: str) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return elapsed, response


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches first
    with CaptureQueriesContext(connection) as ctx:
        _get(client, url)
    return len(ctx.captured_queries)


def measure_pages(
    users: dict[str, Any], light: Any, heavy: Any, count: int
) -> tuple[list[PageRow], dict[str, tuple[int, int]]]:
    """Dossier pages (SQL per role, timing as the archivist) and the desk's lists."""
    clients = {who: _client(user) for who, user in users.items()}
    dossier_sql: dict[str, tuple[int, int]] = {
        who: (
            _queries(client, f"/customers/{light.pk}/"),
            _queries(client, f"/customers/{heavy.pk}/"),
        )
        for who, client in clients.items()
    }
    rows: list[PageRow] = []
    pages = [
        ("dossier, 1 record / 1 line", "archivist", f"/customers/{light.pk}/"),
        ("dossier, 1,000 records / 5,000 lines", "archivist", f"/customers/{heavy.pk}/"),
        ("dossier, 1,000 records / 5,000 lines", "service", f"/customers/{heavy.pk}/"),
        ("service desk list (heavy customer)", "service", f"/service/?customer={heavy.pk}"),
        ("parts orders list (heavy customer)", "archivist", f"/parts/?customer={heavy.pk}"),
        ("maintenance due (every machine)", "service", "/service/maintenance/"),
        ("maintenance due (his customers)", "manager", "/service/maintenance/"),
        ("maintenance due, overdue only", "service", "/service/maintenance/?overdue=on"),
    ]
    for label, who, url in pages:
        client = clients[who]
        queries = _queries(client, url)
        timing = Timing()
        for _ in range(count):
            timing.add(_get(client, url)[0])
        rows.append(PageRow(label, who, queries, timing))
        print(f"  {label:<40} {who:<9} SQL {queries:>3}  p50 {ms(timing.p50):>7} ms", flush=True)
    return rows, dossier_sql


def analyze() -> None:
    """Fresh planner statistics, as autovacuum would keep them: the bulk writes above (and
    columns added by recent migrations) otherwise leave estimates that pick slow plans."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure_refresh(runs: int) -> list[RefreshRow]:
    from service import services

    rows = []
    for run in range(1, runs + 1):
        result = services.refresh_forecasts()
        rows.append(
            RefreshRow(
                run,
                result.machines,
                result.predicted,
                result.not_enough,
                result.no_usage,
                result.compute_seconds,
                result.write_seconds,
            )
        )
        print(
            f"  refresh {run}: {result.machines:,} machines, compute {result.compute_seconds:.2f}"
            f" s, write {result.write_seconds:.2f} s",
            flush=True,
        )
    return rows


def measure_purchase_totals(runs: int) -> tuple[int, Timing]:
    """purchase_totals over every customer for the last 12 months, ranked (tiering's read)."""
    from loyalty.selectors.purchases import purchase_totals

    start = date.today() - timedelta(days=365)
    timing = Timing()
    count = 0
    for _ in range(runs):
        started = time.perf_counter()
        ranked = list(
            purchase_totals(start=start)  # type: ignore[misc]  # annotated fields
            .order_by("-purchases_total", "pk")
            .values_list("pk", "purchases_total")
        )
        timing.add((time.perf_counter() - started) * 1000)
        count = len(ranked)
    return count, timing


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _db_line() -> str:
    from django.db import connection

    from customers.models import Customer, Machine
    from parts.models import PartsOrderLine
    from service.models import HourReading, MaintenanceForecast, ServiceRecord

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            version = f"{connection.vendor} {connection.Database.sqlite_version}"  # type: ignore[attr-defined]
    return (
        f"{version}, `{connection.settings_dict['NAME']}`: {Customer.objects.count():,} "
        f"customers, {Machine.objects.count():,} machines, {HourReading.objects.count():,} hour "
        f"readings, {MaintenanceForecast.objects.count():,} forecasts, "
        f"{ServiceRecord.objects.count():,} service records, "
        f"{PartsOrderLine.objects.count():,} parts lines"
    )


def render(
    *,
    readings: tuple[int, int, float],
    fixture_seconds: float,
    pages: list[PageRow],
    dossier_sql: dict[str, tuple[int, int]],
    refresh: list[RefreshRow],
    totals: tuple[int, Timing],
    db_line: str,
) -> tuple[str, bool]:
    import django

    host = machine_description()
    dossier_ok = all(a == b for a, b in dossier_sql.values())
    median_total = statistics.median(r.total_s for r in refresh)
    forecast_ok = median_total <= FORECAST_TARGET_S and refresh[0].machines >= min(
        FORECAST_MACHINES, readings[0]
    )
    machines, reading_rows, reading_seconds = readings
    fixture_note = (
        "reused"
        if fixture_seconds != fixture_seconds  # nan
        else f"written through the services in {fixture_seconds:.0f} s"
    )
    readings_note = (
        "reused"
        if reading_seconds != reading_seconds
        else f"bulk-inserted in {reading_seconds:.1f} s"
    )
    lines = [
        "## After-sales service and parts: dossier and maintenance forecasts",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} by `make bench` "
        "(`bench/service_parts.py`).",
        "",
        table(
            ("", ""),
            [
                (
                    "Machine",
                    f"{host['cpus']} CPUs ({host['cpu_model']}), {host['memory']} RAM, "
                    f"{host['os']}",
                ),
                ("Database", db_line),
                (
                    "Dossier fixtures",
                    f"`{LIGHT_REF}`: 1 machine, 1 service record, 1 order of 1 line; "
                    f"`{HEAVY_REF}`: {HEAVY_MACHINES} machines, {HEAVY_RECORDS:,} "
                    f"service records, {HEAVY_ORDERS:,} orders × {LINES_PER_ORDER} = "
                    f"{HEAVY_ORDERS * LINES_PER_ORDER:,} parts lines ({fixture_note})",
                ),
                (
                    "Forecast data",
                    f"{machines:,} generated machines in use with {reading_rows:,} readings "
                    f"(10% with one reading, 3% parked, the rest 1–12 h/day; {readings_note})",
                ),
                ("Software", f"Python {host['python']}, Django {django.get_version()}, DEBUG off"),
            ],
        ),
        "",
        "### Targets",
        "",
        table(
            ("target", "measured", "result"),
            [
                (
                    "dossier SQL query count: 1,000 records / 5,000 lines = 1 / 1",
                    "; ".join(f"{who}: {a} vs {b}" for who, (a, b) in dossier_sql.items()),
                    "PASS" if dossier_ok else "FAIL",
                ),
                (
                    f"next maintenance for {FORECAST_MACHINES:,} machines ≤ "
                    f"{FORECAST_TARGET_S:.0f} s",
                    f"{refresh[0].machines:,} machines: median {median_total:.2f} s of "
                    f"{len(refresh)} runs (read + compute + write)",
                    "PASS" if forecast_ok else "FAIL",
                ),
            ],
        ),
        "",
        "### Forecast refresh (`service.services.refresh_forecasts()`, every machine)",
        "",
        "One query for all readings (with the model family), one for the plans, one for the "
        "hours of the last maintenance visits; least-squares rate and next point per machine "
        "in Python; then one DELETE and a bulk INSERT of the derived rows. The nightly job "
        "and `manage.py refresh_maintenance_forecasts` run exactly this.",
        "",
        table(
            (
                "run",
                "machines",
                "predicted",
                "not enough readings",
                "not in use",
                "read + compute s",
                "write s",
                "total s",
            ),
            [
                (
                    r.run,
                    f"{r.machines:,}",
                    f"{r.predicted:,}",
                    f"{r.not_enough:,}",
                    f"{r.no_usage:,}",
                    f"{r.compute_s:.2f}",
                    f"{r.write_s:.2f}",
                    f"{r.total_s:.2f}",
                )
                for r in refresh
            ],
        ),
        "",
        "### Pages",
        "",
        "`django.test.Client` with a logged-in user (middleware, session, view, selector, "
        "template; no network). SQL counted with `CaptureQueriesContext`, session and auth "
        "queries included.",
        "",
        table(
            ("page", "user", "SQL", "p50 ms", "p95 ms", "max ms"),
            [
                (p.label, p.user, p.queries, ms(p.timing.p50), ms(p.timing.p95), ms(p.timing.max))
                for p in pages
            ],
        ),
        "",
        "### Purchase totals (tiering's read)",
        "",
        "`loyalty.selectors.purchases.purchase_totals(start=a year ago)` over every customer, "
        "ranked by `purchases_total` (machines + parts + paid service; one SQL query): "
        f"{totals[0]:,} rows, p50 {ms(totals[1].p50)} ms, max {ms(totals[1].max)} ms over "
        f"{totals[1].n} runs.",
    ]
    return "\n".join(lines) + "\n", dossier_ok and forecast_ok


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


def run(
    *,
    archivist: Any,
    manager: Any,
    doc: Path | None,
    requests: int = 20,
    machines: int = FORECAST_MACHINES,
) -> bool:
    """Measure, print, write the section; True when both targets hold."""
    print("After-sales fixtures ...", flush=True)
    service_user = ensure_service_user()
    light, heavy, fixture_seconds = ensure_fixtures(archivist, service_user, manager)
    print("Hour readings ...", flush=True)
    readings = ensure_readings(machines)
    print("Forecast refresh ...", flush=True)
    refresh = measure_refresh(3)
    analyze()
    print("Pages ...", flush=True)
    users = {"archivist": archivist, "manager": manager, "service": service_user}
    pages, dossier_sql = measure_pages(users, light, heavy, requests)
    print("Purchase totals ...", flush=True)
    totals = measure_purchase_totals(5)
    text, ok = render(
        readings=readings,
        fixture_seconds=fixture_seconds,
        pages=pages,
        dossier_sql=dossier_sql,
        refresh=refresh,
        totals=totals,
        db_line=_db_line(),
    )
    print()
    print(text)
    if doc is not None:
        replace_section(doc, SECTION, text)
        print(f"Wrote the '{SECTION}' section of {doc}.")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machines", type=int, default=FORECAST_MACHINES)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    url = database_url(DEFAULT_DATABASE_URL)
    if ensure_database(url):
        print("Created the bench database.")
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not gen.generated_count():
        print("No generated customers: run bench/run.py first.", file=sys.stderr)
        return 2
    archivist, managers = gen.ensure_users()
    ok = run(
        archivist=archivist,
        manager=managers[0],
        doc=None if args.no_doc else args.doc,
        requests=args.requests,
        machines=args.machines,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
