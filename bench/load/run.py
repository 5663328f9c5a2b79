"""`make load`: 50 concurrent users for 5 minutes against gunicorn + PostgreSQL, judged
against issue 19's targets; `--knee` raises the users step by step until a target breaks.

    .venv/bin/python bench/load/run.py [--users 50] [--minutes 5]
    .venv/bin/python bench/load/run.py --knee [--step-seconds 60] [--max-users 800]

Uses the bench database (DATABASE_URL, default dealercrm_bench; generate it first with
`make bench`). Keeps its data within the gold-card cap (at most GOLD_CARD_CAP_PER_MANAGER
gold customers per manager: a database from an older bench run is corrected), sets a
load-test password on the bench users of every role, starts gunicorn on 127.0.0.1
(loopback only) with the production configuration (gunicorn.conf.py: 2 × cores + 1
processes of 8 threads, keep-alive 5 s; Redis as the shared cache and broker, under a key
prefix of the run's own), runs locust headless for a bounded time, stops everything
and prints each target as PASS or FAIL (bench/load/targets.py): the dossier p95 ≤ 150 ms;
every list, search, home page and dashboard ≤ 300 ms; no failed or dropped request; the
login burst (every user logs in within the first seconds) absorbed; and the requests per
second. A plain run writes the "load" section of docs/benchmarks.md, `--knee` the
"load-knee" section. Timing misses are reported (exit status 0), as `make bench` does.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.django_env import ROOT, database_url, setup_django
from bench.load.targets import (
    BURST_SETTLE_S,
    TARGETS,
    Step,
    Summary,
    burst_verdict,
    knee,
    knee_steps,
    read_log,
    settled_start,
    step_windows,
    summarize,
)
from bench.report import replace_section

PORT = 8765
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "load-test-only-7f3a9c"  # noqa: S105 - the bench database's throwaway users
SPAWN_RATE = 10  # users started per second: 50 users log in within 5 s


# docker-compose.yml's PostgreSQL settings that a database can carry (ALTER DATABASE … SET),
# so the load test meets the planner production runs with, not the machine's defaults.
# shared_buffers needs a server restart and is left as the machine has it (the data set fits
# the operating system's page cache here).
SERVER_SETTINGS = {
    "work_mem": "16MB",
    "effective_cache_size": "3GB",
    "random_page_cost": "1.1",
    "max_parallel_workers_per_gather": "0",
}


def apply_server_settings() -> str:
    from django.db import connection
    from psycopg2 import sql

    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        for key, value in SERVER_SETTINGS.items():
            cursor.execute(
                sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                    sql.Identifier(name), sql.Identifier(key), sql.Literal(value)
                )
            )
        # Production runs autovacuum (docker-compose.yml); a bench server may not (this
        # machine's is off), and the generator's and earlier runs' dead rows and stale
        # visibility maps would then be measured as our pages' cost. One VACUUM ANALYZE and
        # a checkpoint bring the database to the steady state autovacuum keeps.
        started = time.monotonic()
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
        vacuumed = time.monotonic() - started
    connection.close()  # new connections (gunicorn's) start with them
    settings_text = ", ".join(f"{k}={v}" for k, v in SERVER_SETTINGS.items())
    return f"{settings_text}; VACUUM ANALYZE and CHECKPOINT before the run ({vacuumed:.0f} s)"


def prepare() -> tuple[dict, list[str], str]:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    server_settings_note = apply_server_settings()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from bench import generate as gen
    from customers.models import Customer
    from customers.selectors import visible_customers
    from dealercrm import roles

    User = get_user_model()
    managers = list(User.objects.filter(username__startswith="bench_manager").order_by("username"))
    if not managers:
        raise SystemExit("No bench data: run `make bench` first.")
    unflagged = gen.enforce_gold_cap()
    held = dict(
        Customer.objects.filter(manager__in=managers, is_gold_card=True, merged_into__isnull=True)
        .values("manager__username")
        .annotate(n=Count("id"))
        .values_list("manager__username", "n")
    )
    cap = gen.gold_cap()
    if max(held.values(), default=0) > cap:
        raise SystemExit(f"A bench manager holds more than {cap} gold customers: {held}")
    per_manager = ", ".join(str(held.get(m.username, 0)) for m in managers)
    gold_note = f"gold customers per bench manager: {per_manager} (cap {cap})"
    gold_note += f"; PostgreSQL as in docker-compose.yml: {server_settings_note}"
    if unflagged:
        gold_note += f"; {unflagged:,} over the cap unflagged first"

    def person(username: str, role: str, last: str) -> Any:
        user, _ = User.objects.get_or_create(username=username, defaults={"last_name": last})
        user.groups.add(Group.objects.get(name=role))
        return user

    people = {
        "manager": managers,
        "executive": [person("bench_exec", roles.EXECUTIVE, "郑")],
        "archivist": [person("bench_archivist", roles.ARCHIVIST, "管")],
        "service": [person("bench_service", roles.SERVICE, "孙")],
    }
    users: dict[str, list] = {}
    for role, group in people.items():
        users[role] = []
        for user in group:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
            token, _ = Token.objects.get_or_create(user=user)
            ids = list(visible_customers(user=user).values_list("pk", flat=True)[:200])
            users[role].append([user.username, PASSWORD, token.key, ids])
    rng = random.Random(7)
    sample = list(Customer.objects.order_by("?").values_list("name_initials", "name")[:60])
    terms = [i for i, _ in sample[:30]] + [n for _, n in sample[30:45]]
    terms += [f"{rng.randint(0, 9999):04d}" for _ in range(15)]
    return users, terms, gold_note


def forget_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on {url}")


def warm_up(users: dict[str, list]) -> None:
    """A few rounds of each page type, concurrently, so every gunicorn process has loaded its
    URLs, templates and translations before the measurement: a server that has been up for
    hours, as at the start of a working day, not one started a second ago."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    base = f"http://127.0.0.1:{PORT}"

    def visit(role: str) -> None:
        username, password, _token, ids = users[role][0]
        with requests.Session() as session:
            session.get(f"{base}/login/", timeout=60)
            session.post(
                f"{base}/login/",
                {
                    "username": username,
                    "password": password,
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                },
                timeout=60,
            )
            for path in ("/", "/customers/", "/customers/?q=wang", f"/customers/{ids[0]}/"):
                session.get(base + path, timeout=60)

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(visit, [role for role in users for _ in range(3)]))


def start_server(args: argparse.Namespace, env: dict[str, str], out: Path) -> subprocess.Popen:
    venv = Path(sys.executable).parent
    server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{PORT}"}
    if args.workers:
        server_env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        server_env["GUNICORN_THREADS"] = str(args.threads)
    log = (out / "gunicorn.log").open("wb")
    return subprocess.Popen(  # noqa: S603
        [str(venv / "gunicorn"), "-c", "gunicorn.conf.py", "dealercrm.wsgi:application"],
        cwd=ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def locust(env: dict[str, str], out: Path, *, users: int, seconds: float) -> subprocess.Popen:
    venv = Path(sys.executable).parent
    return subprocess.Popen(  # noqa: S603
        [
            str(venv / "locust"),
            "-f",
            str(ROOT / "bench/load/locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(SPAWN_RATE),
            "-t",
            f"{math.ceil(seconds)}s",
            "--host",
            f"http://127.0.0.1:{PORT}",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=(out / "locust.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen, grace: float = 30) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def pacing_description() -> str:
    from django.conf import settings

    rate = settings.DEALERCRM["LOGINS_PER_SECOND"]
    if not rate:
        return "Logins not paced (LOGINS_PER_SECOND=0)."
    return (
        f"Logins paced server-wide at {rate:g}/s (dealercrm/login_pacing.py; at most "
        "threads − 4 of them waiting per process)."
    )


def server_description(args: argparse.Namespace) -> str:
    """The processes and threads gunicorn.conf.py gives the server this run starts."""
    import runpy

    overrides = {"GUNICORN_WORKERS": args.workers, "GUNICORN_THREADS": args.threads}
    saved = {k: os.environ.get(k) for k in overrides}
    try:
        for key, value in overrides.items():
            if value:
                os.environ[key] = str(value)
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return f"gunicorn ({conf['workers']} processes × {conf['threads']} threads, gunicorn.conf.py)"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--workers", type=int, help="gunicorn processes (default: cores + 1)")
    parser.add_argument("--threads", type=int, help="threads per process (default: 4)")
    parser.add_argument("--knee", action="store_true", help="raise the users until a target breaks")
    parser.add_argument("--step-seconds", type=float, default=60, help="--knee: each step's length")
    parser.add_argument("--max-users", type=int, default=800, help="--knee: the last step at most")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    url = database_url()
    users, terms, gold_note = prepare()
    print(gold_note, flush=True)
    out = Path(tempfile.mkdtemp(prefix="dealercrm-load-"))
    log = out / "requests.jsonl"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOAD_USERS": json.dumps(users),
        "LOAD_TERMS": json.dumps(terms, ensure_ascii=False),
        "LOAD_LOG": str(log),
        "LOAD_SPAWN_RATE": str(SPAWN_RATE),
        # loopback load: every locust user comes from 127.0.0.1, so the per-IP login
        # throttle would be the first thing measured; the load is not an attack.
        "LOGIN_FAILURES_PER_IP": "100000",
    }
    # Redis as in production (docker-compose.yml): the cache every process shares (the login
    # schedule, the login throttle) and the Celery broker (tasks queue there; no worker runs
    # them during the measurement), under a key prefix of the run's own, deleted at the end.
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    prefix = f"dealercrm-load-{os.getpid()}:"
    env.update(REDIS_URL=redis_url, REDIS_KEY_PREFIX=prefix)
    load_before = os.getloadavg()[0]
    server = start_server(args, env, out)
    try:
        wait_for(f"http://127.0.0.1:{PORT}/readyz")
        warm_up(users)
        if args.knee:
            body = run_knee(args, env, out, log, load_before)
            section = "load-knee"
        else:
            body = run_once(args, env, out, log, load_before, gold_note)
            section = "load"
    finally:
        stop(server)
        forget_keys(redis_url, prefix)
    print(body)
    print(f"(request log and server log in {out})")
    if not args.no_doc:
        replace_section(ROOT / "docs/benchmarks.md", section, body)
    return 0


def run_once(
    args: argparse.Namespace,
    env: dict[str, str],
    out: Path,
    log: Path,
    load_before: float,
    gold_note: str,
) -> str:
    seconds = args.minutes * 60
    started = time.time()
    proc = locust(env, out, users=args.users, seconds=seconds)
    try:
        proc.wait(timeout=seconds + 120)
    finally:
        stop(proc)
    records, _ = read_log(log)
    first = min((r.t for r in records), default=started)
    end = max((r.t + r.ms / 1000 for r in records), default=first)
    summary = summarize(records, first, end + 1e-6)
    burst_ok, burst_detail = burst_verdict(records)
    lines = [
        f"## Load: {args.users} users on gunicorn + PostgreSQL",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} by `make load` (`bench/load/run.py`): "
        f"{args.users} locust users (started {SPAWN_RATE}/s, each logging in first) for "
        f"{args.minutes:g} min against {server_description(args)} on 127.0.0.1, the "
        f"100k-customer bench database ({gold_note}); load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after. Managers search, page, open dossiers and report "
        "through the API; executives open their home page, the gold list and the dashboards; "
        "the archivist her home page, inbox and duplicate queue; service staff their home "
        "page, records and maintenance list; API clients search. Think time 1–3 s. "
        f"{pacing_description()} The login row's times include that wait and the home page "
        "the login lands on.",
        "",
        *table(summary),
        "",
        f"{summary.requests:,} requests in {summary.seconds:.0f} s: "
        f"**{summary.rps:.1f} requests/s**.",
        "",
        "| target | measured | result |",
        "|---|---|---|",
        *(
            f"| {what} | {figure} | {'PASS' if ok else 'FAIL'} |"
            for what, ok, figure in summary.verdicts()
        ),
        f"| the login burst absorbed (pages within their targets while users log in) | "
        f"{burst_detail} | {'PASS' if burst_ok else 'FAIL'} |",
        "",
        f"**{'PASS' if summary.passed and burst_ok else 'FAIL'}**",
    ]
    return "\n".join(lines)


def table(summary: Summary) -> list[str]:
    lines = [
        "| request | count | failures | p50 ms | p95 ms | max ms | target p95 | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    order = {name: i for i, name in enumerate(TARGETS)}
    for row in sorted(summary.rows.values(), key=lambda r: (order.get(r.name, 99), r.name)):
        target = f"≤ {row.target:g} ms" if row.target is not None else ""
        result = {True: "PASS", False: "FAIL", None: ""}[row.passed]
        lines.append(
            f"| {row.name} | {row.count} | {row.failures} | {row.p50:.0f} | {row.p95:.0f} | "
            f"{row.max:.0f} | {target} | {result} |"
        )
    return lines


def run_knee(
    args: argparse.Namespace, env: dict[str, str], out: Path, log: Path, load_before: float
) -> str:
    """One locust run whose shape raises the users step by step (each step's new users log
    in during it); each step is judged as it ends, and the run stops at the first failure."""
    plan = knee_steps(args.users, args.max_users)
    step_env = {
        **env,
        "LOAD_STEPS": ",".join(map(str, plan)),
        "LOAD_STEP_SECONDS": str(args.step_seconds),
    }
    proc = locust(step_env, out, users=plan[0], seconds=args.step_seconds * len(plan))
    steps: list[Step] = []
    try:
        while proc.poll() is None:
            time.sleep(2)
            records, marks = read_log(log)
            # the steps ended so far (a later mark exists), judged once each
            for users, start, end in step_windows(marks, time.time())[len(steps) : len(marks) - 1]:
                judged_from = settled_start(records, start, end)
                steps.append(Step(users, summarize(records, judged_from, end)))
                print(step_line(steps[-1]), flush=True)
            if steps and not steps[-1].passed:
                break
    finally:
        stop(proc)
    records, marks = read_log(log)
    if len(steps) < len(marks) and (not steps or steps[-1].passed):
        # the last step, ended by the shape (no later mark), if it ran its length
        end = max((r.t for r in records), default=0.0)
        users, start, end = step_windows(marks, end)[len(steps)]
        if end - start >= args.step_seconds * 0.9:
            judged_from = settled_start(records, start, end + 1e-6)
            steps.append(Step(users, summarize(records, judged_from, end + 1e-6)))
            print(step_line(steps[-1]), flush=True)
    last_pass, broke = knee(steps)
    if broke is None:
        verdict = f"**No knee up to {steps[-1].users if steps else 0} users**: every step passed."
    else:
        failed = "; ".join(f"{what}: {fig}" for what, ok, fig in broke.summary.verdicts() if not ok)
        verdict = (
            f"**Knee: {last_pass} users** pass every target; at {broke.users} users: {failed}."
            if last_pass is not None
            else f"**Knee: fewer than {broke.users} users**; at {broke.users}: {failed}."
        )
    lines = [
        "## Load: the knee",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} by `make load LOAD_ARGS=--knee` "
        f"(`bench/load/run.py --knee`): the users of bench/load/locustfile.py raised step by "
        f"step ({', '.join(map(str, plan))}; {args.step_seconds:g} s each, new users started "
        f"{SPAWN_RATE}/s and logging in during their step) against {server_description(args)} "
        f"on 127.0.0.1 and the 100k-customer bench database; each step judged on its own "
        f"against the targets of `make load`, from {BURST_SETTLE_S:g} s after its new users' "
        f"last login (the login burst is judged by the plain `make load`); load average "
        f"{load_before:.1f} before.",
        "",
        "| users | requests | requests/s | failed | worst p95 against its target | result |",
        "|---|---|---|---|---|---|",
        *(step_row(step) for step in steps),
        "",
        verdict,
    ]
    return "\n".join(lines)


def _worst(summary: Summary) -> str:
    rows = [r for r in summary.rows.values() if r.target is not None and r.samples]
    if not rows:
        return "—"
    worst = max(rows, key=lambda r: r.p95 / (r.target or 1))
    return f"{worst.name} {worst.p95:.0f} ms (≤ {worst.target:g})"


def step_row(step: Step) -> str:
    s = step.summary
    return (
        f"| {step.users} | {s.requests:,} | {s.rps:.1f} | {s.failures} | {_worst(s)} | "
        f"{'PASS' if step.passed else 'FAIL'} |"
    )


def step_line(step: Step) -> str:
    s = step.summary
    return (
        f"{step.users:>4} users: {s.requests:,} requests, {s.rps:.1f}/s, {s.failures} failed, "
        f"worst {_worst(s)}: {'PASS' if step.passed else 'FAIL'}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
