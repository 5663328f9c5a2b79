"""The foundation benchmark's results and their Markdown section of docs/benchmarks.md."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import generate as gen
from bench.report import Timing, machine_description, ms, table

SEARCH_TARGET_MS = 100.0
WARMUP = 3
SEARCH_KINDS = {
    "name": "name (full, CJK)",
    "name_part": "name fragment (given name)",
    "name_char": "name fragment (1 character)",
    "pinyin": "pinyin (full)",
    "initials": "pinyin initials",
    "phone": "phone (full, other format)",
    "phone_last4": "phone (last 4 digits)",
}


@dataclass
class SearchResult:
    user: str
    endpoint: str
    kind: str
    example: str
    timing: Timing
    hits: list[int] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    queries: int | None = None


@dataclass
class PageResult:
    label: str
    user: str
    queries: int
    timing: Timing


@dataclass
class DossierResult:
    label: str
    related_rows: int
    history_rows: int
    queries: dict[str, int]
    timing: Timing
    sql: dict[str, list[str]]


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def database_description() -> dict[str, str]:
    from django.db import connection

    from customers.models import (
        Customer,
        CustomerUserObjectPermission,
        Machine,
        Phone,
        Shareholder,
    )

    info = {
        "vendor": connection.vendor,
        "name": str(connection.settings_dict["NAME"]),
        "customers": f"{Customer.objects.count():,}",
        "phones": f"{Phone.objects.count():,}",
        "machines": f"{Machine.objects.count():,}",
        "shareholders": f"{Shareholder.objects.count():,}",
        "permissions": f"{CustomerUserObjectPermission.objects.count():,}",
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            info["version"] = f"PostgreSQL {cursor.fetchone()[0]}"
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            info["size"] = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            info["settings"] = f"shared_buffers={cursor.fetchone()[0]}"
            cursor.execute("SHOW work_mem")
            info["settings"] += f", work_mem={cursor.fetchone()[0]}"
            cursor.execute("SHOW jit")
            info["settings"] += f", jit={cursor.fetchone()[0]}"
        else:
            info["version"] = f"{connection.vendor} {connection.Database.sqlite_version}"  # type: ignore[attr-defined]
            path = Path(str(connection.settings_dict["NAME"]))
            info["size"] = f"{path.stat().st_size / 2**20:.0f} MB" if path.exists() else "?"
            info["settings"] = "no server settings"
    return info


def render(
    *,
    load: tuple[float, float],
    n: int,
    requests: int,
    data: dict[str, Any],
    fixtures_seconds: float | None,
    db: dict[str, str],
    search: list[SearchResult],
    dossiers: list[DossierResult],
    lists: list[PageResult],
    managers_scope: int,
) -> tuple[str, list[str], bool]:
    """The section's Markdown, the problems found, and whether the dossier check holds."""
    import django

    host = machine_description()
    problems: list[str] = []
    worst = max(search, key=lambda r: r.timing.p95)
    search_ok = all(r.timing.p95 <= SEARCH_TARGET_MS for r in search)
    counts = {who: {d.queries[who] for d in dossiers} for who in dossiers[0].queries}
    dossier_ok = all(len(values) == 1 for values in counts.values())
    over = [r for r in search if r.timing.p95 > SEARCH_TARGET_MS]
    for r in over:
        problems.append(
            f"search p95 {ms(r.timing.p95)} ms > {SEARCH_TARGET_MS:.0f} ms: "
            f"{r.user}, {r.endpoint}, {SEARCH_KINDS[r.kind]}"
        )
    for r in search:
        if r.misses:
            problems.append(
                f"search found nothing for {len(r.misses)} of {r.timing.n} terms ({r.user}, "
                f"{SEARCH_KINDS[r.kind]}), e.g. {r.misses[0]!r}"
            )
    if not dossier_ok:
        problems.append(
            "dossier query count depends on the related rows: "
            + ", ".join(f"{d.label}: {d.queries}" for d in dossiers)
        )
    generation = (
        f"{data['seconds']:.1f} s (bulk_create in batches of {gen.BATCH:,}; reused by this run)"
        if data["reused"]
        else f"{data['seconds']:.1f} s (bulk_create in batches of {gen.BATCH:,})"
    )
    if fixtures_seconds is not None:
        generation += f"; the two dossier fixtures through the services in {fixtures_seconds:.1f} s"
    pg_note = "" if db["vendor"] == "postgresql" else " (target is for PostgreSQL)"
    lines = [
        "## Foundation: search, dossier and list",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC%z')} by `make bench` (`bench/run.py`).",
        "",
        table(
            ("", ""),
            [
                (
                    "Machine",
                    f"{host['cpus']} CPUs ({host['cpu_model']}), {host['memory']} RAM, "
                    f"{host['os']}; 1-min load average {load[0]:.2f} at the start, {load[1]:.2f} "
                    "at the end (other work on the machine shows in the timings)",
                ),
                ("Database", f"{db['version']}, `{db['name']}`, {db['size']}; {db['settings']}"),
                (
                    "Data",
                    f"{n:,} generated customers (seed {data['seed']}); in the database "
                    f"{db['customers']} customers, {db['phones']} phones, "
                    f"{db['machines']} machines, {db['shareholders']} shareholders, "
                    f"{db['permissions']} manager permission rows",
                ),
                ("Generation", generation),
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
                    f"customer search p95 ≤ {SEARCH_TARGET_MS:.0f} ms{pg_note}",
                    f"worst p95 {ms(worst.timing.p95)} ms ({worst.user}, {worst.endpoint}, "
                    f"{SEARCH_KINDS[worst.kind]}); {len(over)} of {len(search)} series over",
                    "PASS" if search_ok else "FAIL",
                ),
                (
                    "dossier SQL query count independent of related rows",
                    "; ".join(
                        f"{who}: " + " vs ".join(str(d.queries[who]) for d in dossiers)
                        for who in dossiers[0].queries
                    )
                    + " (1 vs 500 rows)",
                    "PASS" if dossier_ok else "FAIL",
                ),
            ],
        ),
        "",
        "### Customer search",
        "",
        f"`GET /customers/?q=` (list page, first page of 25) and `GET /api/v1/customers/?search=`, "
        f"{requests} requests per row with different terms drawn from customers the user can see "
        f"(the archivist sees all; `bench_manager1` sees {managers_scope:,}); after {WARMUP} "
        "warm-up requests. Hits: median `count` the API answered.",
        "",
        table(
            (
                "user",
                "endpoint",
                "query kind",
                "example",
                "hits (median)",
                "SQL",
                "p50 ms",
                "p95 ms",
                "max ms",
                "≤ 100 ms",
            ),
            [
                (
                    r.user,
                    r.endpoint,
                    SEARCH_KINDS[r.kind],
                    f"`{r.example}`",
                    sorted(r.hits)[len(r.hits) // 2] if r.hits else "",
                    r.queries if r.queries is not None else "",
                    ms(r.timing.p50),
                    ms(r.timing.p95),
                    ms(r.timing.max),
                    "yes" if r.timing.p95 <= SEARCH_TARGET_MS else "**no**",
                )
                for r in search
            ],
        ),
        "",
        "### Dossier page",
        "",
        "`GET /customers/<pk>/`; SQL counted with `CaptureQueriesContext` (session and auth "
        "queries included). The 500-row customer has 100 each of phones, shareholders, machines, "
        "operators (each on a machine) and projects, added through `customers.services.row_add` "
        "so each has its history row.",
        "",
        table(
            (
                "customer",
                "related rows",
                "history rows",
                *(f"SQL ({w})" for w in dossiers[0].queries),
                "p50 ms",
                "p95 ms",
                "max ms",
            ),
            [
                (
                    d.label,
                    d.related_rows,
                    d.history_rows,
                    *d.queries.values(),
                    ms(d.timing.p50),
                    ms(d.timing.p95),
                    ms(d.timing.max),
                )
                for d in dossiers
            ],
        ),
        "",
        "### List page",
        "",
        "First page, no filter (25 rows, ordered by pinyin).",
        "",
        table(
            ("page", "user", "SQL queries", "p50 ms", "p95 ms", "max ms"),
            [
                (p.label, p.user, p.queries, ms(p.timing.p50), ms(p.timing.p95), ms(p.timing.max))
                for p in lists
            ],
        ),
        "",
        "### Problems found",
        "",
        *([f"- {p}" for p in problems] or ["- none"]),
        "",
        "Timings are wall-clock per request in one process (`django.test.Client`: middleware, "
        "session, view, selector, template or serializer; no network, no gunicorn). "
        "p95 is the nearest-rank 95th percentile.",
    ]
    return "\n".join(lines) + "\n", problems, dossier_ok
