"""`make drill`: the scale-out drill (issue 19). Two web processes and two Celery workers
against one PostgreSQL and one Redis must behave as one.

    .venv/bin/python bench/drill.py [--keep]

Starts on this machine, as docker-compose would start them on several: web A and web B
(gunicorn -c gunicorn.conf.py, each on its own port: a load balancer without sticky
sessions sends any request to either, so the drill picks which one explicitly), and
worker A and worker B (`celery worker --concurrency 2`, as in docker-compose.yml). They
share a scratch PostgreSQL database of their own (cloned from a migrated template, dropped
at the end) and Redis under a key prefix of their own (REDIS_KEY_PREFIX; deleted at the
end), so the drill never meets the test suite's databases or keys, nor another drill.

Through both web processes: a session made on A is used and ended on B; login failures
counted on A and B lock the name on both; the archivist's "look for duplicates now",
pressed on A and B at once, starts one search (the cache holds the lock) whose progress,
written by a worker, B reads; the same offline report (one Idempotency-Key) sent to A and
B at once makes one submission; two gold cards registered at once for the manager's last
free place (one on A, one on B) give him one; two merges of the same pair in opposite
directions at once merge it once. Then every job of the beat schedule is sent twice at
once (as two beats would), in the schedule's order, to the two workers while a burst of
reports goes through A and B; every effect must exist exactly once: reminders per
customer and month, one tier snapshot per customer and month, one escalation, one nudge
per manager, one credit per machine, one notification per event and one e-mail per
notification (the workers write e-mails to files). Last, the queues must be empty, and
docker-compose.yml must run exactly one beat: the jobs are idempotent (as this drill
shows), but a second beat would run each twice for nothing.

Exit status 0 when every check passes. DATABASE_URL names the PostgreSQL server (its
database name is not used; default postgres://postgres@127.0.0.1:5432/), REDIS_URL the
Redis one (default redis://127.0.0.1:6379/0). The test suite runs it on PostgreSQL
(tests/test_drill.py).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import email
import email.policy
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DB_PREFIX = "dealercrm_drill_"
PASSWORD = "drill-only-3c9e1f7a"  # noqa: S105 - users of a scratch database, dropped at the end
BURST = 40  # reports in the burst, each sent twice (to A and to B) with its own key
# The beat schedule's jobs in the order of their hour (dealercrm/celery.py), sent without
# arguments as beat sends them.
JOB_ORDER = (
    "customers.find_duplicates",  # 01:45
    "service.refresh_maintenance_forecasts",  # 02:30
    "loyalty.compute_tiers",  # 1st, 03:00
    "loyalty.sync_all_credits",  # 03:15
    "contacts.close_contact_month",  # 1st, 05:00
    "contacts.open_contact_reminders",  # 1st, 06:00
    "contacts.daily_reminders",  # 07:00
    "contacts.nudge_managers",  # Mondays, 08:00
)
TRAITS = {"early": "2005年入行", "buys_often": "在我司买了三台装载机"}


# --- the report ---------------------------------------------------------------------------


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.lines.append(f"{'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""))
        print(self.lines[-1], flush=True)
        if not ok:
            self.failed.append(name)
        return ok

    def note(self, text: str) -> None:
        self.lines.append(f"      {text}")
        print(self.lines[-1], flush=True)


# --- processes ------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the drill dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Processes:
    """Every process the drill starts, each in its own process group, all stopped at the end
    (also when a check fails or the drill is interrupted)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(  # noqa: S603 - our own executables
            argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # before any thread of the drill starts
        )
        log.close()
        self.started[name] = proc
        return proc

    def alive(self) -> list[str]:
        return [name for name, proc in self.started.items() if proc.poll() is None]

    def stop_all(self, grace: float = 20) -> None:
        for proc in self.started.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.started.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for proc in self.started.values():
            # the group too: a pool child outliving its master
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the scratch database -----------------------------------------------------------------


def _pg_config(url: str) -> dict[str, Any]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"The drill needs PostgreSQL; DATABASE_URL is {url!r}")
    return {
        "host": parts.hostname or None,
        "port": parts.port or None,
        "user": urllib.parse.unquote(parts.username or "") or None,
        "password": urllib.parse.unquote(parts.password or "") or None,
    }


def _db_url(server: dict[str, Any], name: str) -> str:
    auth = urllib.parse.quote(server["user"] or "")
    if server["password"]:
        auth += ":" + urllib.parse.quote(server["password"])
    host = server["host"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{server['port'] or 5432}/{name}"


def _admin(server: dict[str, Any], statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", **server)
    try:
        conn.autocommit = True  # CREATE / DROP DATABASE
        with conn.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


def _schema_hash() -> str:
    """The migrations' contents: the template is rebuilt when any of them changes."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    import django

    digest.update(django.get_version().encode())
    return digest.hexdigest()[:12]


def scratch_database(server: dict[str, Any], env: dict[str, str], report: Report) -> str:
    """A new database cloned from a migrated template (migrated once per schema: migrating
    from scratch takes most of a minute on the 2-core machine; a clone, a second)."""
    template = f"{DB_PREFIX}tpl_{_schema_hash()}"
    exists = _admin(server, "SELECT 1 FROM pg_database WHERE datname = %s", (template,))
    if not exists:
        started = time.monotonic()
        building = f"{template}_b{os.getpid()}"
        _admin(server, f'DROP DATABASE IF EXISTS "{building}"')
        _admin(server, f"CREATE DATABASE \"{building}\" ENCODING 'UTF8' TEMPLATE template0")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**env, "DATABASE_URL": _db_url(server, building)},
            check=True,
            timeout=600,
        )
        try:
            _admin(server, f'ALTER DATABASE "{building}" RENAME TO "{template}"')
        except Exception:  # another drill published the same template meanwhile
            _admin(server, f'DROP DATABASE IF EXISTS "{building}"')
        report.note(f"migrated a template database in {time.monotonic() - started:.0f} s")
        for (old,) in _admin(
            server,
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            (f"{DB_PREFIX}tpl_%", template),
        ):
            with contextlib.suppress(Exception):  # in use by a running drill: left for later
                _admin(server, f'DROP DATABASE IF EXISTS "{old}"')
    name = f"{DB_PREFIX}{os.getpid()}_{secrets.token_hex(3)}"
    _admin(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def clean_leftovers(server: dict[str, Any], redis_url: str) -> None:
    """Databases and Redis keys of drills that died without cleaning up (killed -9): their
    names carry the drill's process id."""
    import redis

    def gone(pid: str) -> bool:
        return pid.isdigit() and not Path(f"/proc/{pid}").exists()

    pattern = f"^{DB_PREFIX}([0-9]+)_[0-9a-f]+$"
    for datname, pid in _admin(
        server,
        "SELECT datname, substring(datname from %s) FROM pg_database WHERE datname ~ %s",
        (pattern, pattern),
    ):
        if gone(pid):
            with contextlib.suppress(Exception):
                _admin(server, f'DROP DATABASE IF EXISTS "{datname}" WITH (FORCE)')
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match="drill-*"):
        pid = key.decode(errors="replace").split("-")[1]
        if gone(pid):
            client.delete(key)


# --- seed: run in a child process, with Django, against the scratch database -----------------


def seed(out: Path) -> None:
    """Users, customers, gold cards, machines, parts orders, last month's reminders."""
    from bench.django_env import setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from contacts.models import ContactLog, Reminder
    from customers import services
    from customers.models import Customer, Machine
    from dealercrm import roles
    from dealercrm.celery import app
    from loyalty.services import gold_card_register
    from parts.models import PartsOrder

    # What the seed itself sets off (an e-mail, a credit) is done here, before the drill.
    app.conf.task_always_eager = True
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    hashed = make_password(PASSWORD)
    User = get_user_model()

    def user(username: str, role: str, last: str, first: str) -> Any:
        person = User.objects.create(
            username=username,
            last_name=last,
            first_name=first,
            email=f"{username}@drill.example",
            password=hashed,
        )
        person.groups.add(Group.objects.get(name=role))
        return person

    archivist = user("drill_archivist", roles.ARCHIVIST, "王", "档案")
    m1 = user("drill_m1", roles.SALES_MANAGER, "张", "伟")
    m2 = user("drill_m2", roles.SALES_MANAGER, "李", "强")
    executive = user("drill_exec", roles.EXECUTIVE, "陈", "总")
    locked = user("drill_locked", roles.SALES_MANAGER, "赵", "锁")
    tokens = {u.username: Token.objects.create(user=u).key for u in (archivist, m1, m2)}

    counter = iter(range(1, 1000))

    def customer(name: str, manager: Any, phone: str | None = None, **extra: Any) -> Customer:
        n = next(counter)
        return services.customer_create(
            actor=archivist,
            data={
                "name": name,
                "manager": manager,
                "province": "山东省",
                "city": "临沂市",
                "county": "沂水县",
                "status": "active",
                "external_ref": f"DRILL-{n:03d}",
                **extra,
            },
            phones=[{"raw": phone or f"139{n:08d}"}],
            confirm_new=True,
            confirm_reason="drill data",
        )

    surnames = "刘孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施"
    given = "文才建国志强海涛红军国庆春生德福"
    names = iter(f"{s}{given[i % 8 * 2 : i % 8 * 2 + 2]}" for i, s in enumerate(surnames * 3))

    issued = today - dt.timedelta(days=60)
    gold_m1 = [customer(next(names), m1) for _ in range(3)]
    gold_m2 = [customer(next(names), m2) for _ in range(9)]
    for c in gold_m1 + gold_m2:
        gold_card_register(
            actor=archivist, customer=c, manager=c.manager, traits=TRAITS, issued_on=issued
        )
    # gold, then his manager left: the monthly job alerts the archivist instead
    orphan = customer(next(names), m1)
    gold_card_register(
        actor=archivist, customer=orphan, manager=m1, traits=TRAITS, issued_on=issued
    )
    services.customer_update(actor=archivist, customer=orphan, data={"manager": None})
    # two of m2's customers for his one free gold place, registered at once on A and B
    free_place = [customer(next(names), m2) for _ in range(2)]
    # one pair merged at once in both directions; another for the duplicate search
    merge_pair = [customer("欧阳建华", m1, "13805310001"), customer("欧阳建华", m1, "13805310001")]
    dup_pair = [customer("司马德福", m2, "13905390002"), customer("司马德福", None, "13905390002")]
    others = [customer(next(names), m) for m in (m1, m1, m2, m2, None, None)]
    birthday = others[0]
    Customer.objects.filter(pk=birthday.pk).update(
        birth_date=(today + dt.timedelta(days=3)).replace(year=1976)  # a leap year
    )

    # machines bought from us after the card was issued: credits for the nightly sync
    # (bulk_create: no post_save signal, so nothing syncs them before the job)
    buyers = gold_m2[:3]
    machines = [
        Machine(
            customer=c,
            brand="临工",
            model_raw="LG855",
            quantity=1,
            purchase_date=today - dt.timedelta(days=30),
            source=Machine.Source.FROM_US,
            purchase_price=380_000,
        )
        for c in buyers
    ]
    for m in machines:
        m.derive_keys()
    Machine.objects.bulk_create(machines)
    # parts orders over the year for the 80/20 tiers
    live = list(Customer.objects.filter(merged_into__isnull=True).order_by("pk"))
    PartsOrder.objects.bulk_create(
        PartsOrder(
            customer=c,
            ordered_on=last_month - dt.timedelta(days=20 * (i % 12)),
            invoice_number=f"DRILL-{i}",
            subtotal=1000 * (i + 1),
            discount_rate=0,
            discount_amount=0,
            total=1000 * (i + 1),
        )
        for i, c in enumerate(live[:20])
    )
    # last month: a reminder per gold customer (as its job opened them), two met by a contact
    month_end = this_month - dt.timedelta(days=1)
    Reminder.objects.bulk_create(
        Reminder(
            kind=Reminder.Kind.GOLD_CONTACT,
            customer=c,
            manager=c.manager,
            period=last_month,
            due_on=month_end,
        )
        for c in gold_m1 + gold_m2
    )
    for c in gold_m1[:2]:
        ContactLog.objects.create(
            customer=c,
            staff=c.manager,
            channel="phone",
            occurred_at=timezone.make_aware(dt.datetime.combine(last_month, dt.time(10))),
            summary="回访",
        )
    out.write_text(
        json.dumps(
            {
                "users": {u.username: u.pk for u in (archivist, m1, m2, executive, locked)},
                "tokens": tokens,
                "free_place": [c.pk for c in free_place],
                "merge_pair": [c.pk for c in merge_pair],
                "dup_pair": [c.pk for c in dup_pair],
                "buyers": [c.pk for c in buyers],
                "last_month_due": len(gold_m1 + gold_m2),
                "last_month_contacted": 2,
                "cap": settings.DEALERCRM["GOLD_CARD_CAP_PER_MANAGER"],
                "beat_tasks": sorted(e["task"] for e in app.conf.beat_schedule.values()),
                "this_month": this_month.isoformat(),
                "last_month": last_month.isoformat(),
                "today": today.isoformat(),
            }
        )
    )


# --- HTTP through one web process or the other --------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    """One person's cookies; each request goes to the web process the caller names."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.lock = threading.Lock()

    def request(
        self,
        port: int,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        # English messages (the product's default is Chinese): the drill reads a few
        sent = {"Host": "127.0.0.1", "Accept-Language": "en", **(headers or {})}
        payload: bytes | None = None
        if form is not None:
            payload = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            sent["Content-Type"] = "application/json"
        with self.lock:
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=payload, headers=sent)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", errors="replace")
            for header, value in raw.getheaders():
                if header.lower() == "set-cookie":
                    jar: SimpleCookie = SimpleCookie()
                    jar.load(value)
                    with self.lock:
                        for morsel in jar.values():
                            if morsel.value and morsel["max-age"] != "0":
                                self.cookies[morsel.key] = morsel.value
                            else:
                                self.cookies.pop(morsel.key, None)
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text)
        finally:
            conn.close()

    def get(self, port: int, path: str) -> Response:
        return self.request(port, "GET", path)

    def post_form(self, port: int, path: str, form: dict[str, str]) -> Response:
        return self.request(
            port,
            "POST",
            path,
            form={**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")},
        )

    def login(self, port: int, username: str, password: str) -> Response:
        self.get(port, "/login/")
        return self.post_form(port, "/login/", {"username": username, "password": password})


def api(
    port: int, method: str, path: str, token: str, body: Any = None, **headers: str
) -> Response:
    return Browser().request(
        port, method, path, body=body, headers={"Authorization": f"Token {token}", **headers}
    )


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def wait_http(port: int, timeout: float, procs: Processes, name: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if name not in procs.alive():
            raise RuntimeError(f"{name} exited:\n{procs.tail(name)}")
        with contextlib.suppress(OSError):
            if Browser().get(port, "/readyz").status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not answer /readyz in {timeout:.0f} s:\n{procs.tail(name)}")


# --- the broker, as beat and `celery inspect` see it ----------------------------------------


class Broker:
    def __init__(self, redis_url: str, prefix: str) -> None:
        import redis
        from celery import Celery

        self.prefix = prefix
        self.redis = redis.Redis.from_url(redis_url)
        self.app = Celery("drill", broker=redis_url)
        self.app.conf.broker_transport_options = {"global_keyprefix": prefix}

    def ping(self) -> list[str]:
        replies = self.app.control.ping(timeout=1.0) or []
        return sorted(name for reply in replies for name in reply)

    def send(self, task: str) -> None:
        self.app.send_task(task)  # no arguments: what beat sends

    def pending(self) -> int:
        """Messages queued or delivered but not yet acknowledged (acks_late: until done)."""
        queued = sum(
            self.redis.llen(key)
            for key in self.redis.scan_iter(match=f"{self.prefix}celery*")
            if self.redis.type(key) == b"list"
        )
        return int(queued) + int(self.redis.hlen(f"{self.prefix}unacked"))

    def wait_idle(self, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline:
            quiet = quiet + 1 if self.pending() == 0 else 0
            # three quiet looks: a message is briefly in neither place while a worker takes it
            if quiet >= 3:
                return True
            time.sleep(0.15)
        return False

    def totals(self, workers: int = 2) -> dict[str, Counter[str]]:
        """Tasks run so far by each worker, by name (asked again if a busy one missed it)."""
        stats: dict[str, Any] = {}
        for _ in range(5):
            stats = self.app.control.inspect(timeout=3.0).stats() or {}
            if len(stats) >= workers:
                break
        return {worker: Counter(data.get("total", {})) for worker, data in stats.items()}

    def prefixed_keys(self) -> list[bytes]:
        return list(self.redis.scan_iter(match=f"{self.prefix}*"))

    def close(self) -> None:
        for key in self.prefixed_keys():
            self.redis.delete(key)
        with contextlib.suppress(Exception):
            self.app.close()


# --- the database, read directly at the end -------------------------------------------------


class Sql:
    def __init__(self, server: dict[str, Any], name: str) -> None:
        import psycopg2

        self.conn = psycopg2.connect(dbname=name, **server)
        self.conn.autocommit = True

    def rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    def one(self, query: str, *params: Any) -> Any:
        return self.rows(query, *params)[0][0]

    def close(self) -> None:
        self.conn.close()


# --- the drill ------------------------------------------------------------------------------


@dataclass
class Stack:
    web_a: int
    web_b: int
    seed: dict[str, Any]
    broker: Broker
    sql: Sql
    mail: Path
    procs: Processes


def phase_web(stack: Stack, report: Report) -> None:
    a, b, s = stack.web_a, stack.web_b, stack.seed
    users = s["users"]

    # sessions: made on A, used on B, ended on B
    browser = Browser()
    login = browser.login(a, "drill_m1", PASSWORD)
    home_b = browser.get(b, "/")
    report.check(
        "session made on A is valid on B",
        login.status == 302
        and home_b.status == 200
        and f'data-user="{users["drill_m1"]}"' in home_b.body,
        f"login on A {login.status}, home on B {home_b.status}",
    )
    logout = browser.post_form(b, "/logout/", {})
    after = browser.get(a, "/")
    report.check(
        "session ended on B is gone on A",
        logout.status == 302 and after.status == 302 and "/login/" in after.headers["location"],
        f"logout on B {logout.status}, home on A {after.status} → {after.headers.get('location')}",
    )

    # login failures counted across both processes (the throttle rows are shared)
    statuses = []
    for port in (a, a, a, b, b):
        statuses.append(Browser().login(port, "drill_locked", "wrong password").status)
    right_a = Browser().login(a, "drill_locked", PASSWORD).status
    right_b = Browser().login(b, "drill_locked", PASSWORD).status
    report.check(
        "login failures on A and B lock the name on both",
        statuses == [200, 200, 200, 200, 429] and right_a == 429 and right_b == 429,
        f"wrong password A,A,A,B,B → {statuses}; right password on A {right_a}, on B {right_b}",
    )

    # the duplicate search: one at a time, its lock and progress in the shared cache
    archivist_a, archivist_b = Browser(), Browser()
    archivist_a.login(a, "drill_archivist", PASSWORD)
    archivist_b.login(b, "drill_archivist", PASSWORD)
    presses = at_once(
        [
            lambda: archivist_a.post_form(a, "/customers/duplicates/refresh/", {}),
            lambda: archivist_b.post_form(b, "/customers/duplicates/refresh/", {}),
        ]
    )
    lists = [
        archivist_a.get(a, "/customers/duplicates/"),
        archivist_b.get(b, "/customers/duplicates/"),
    ]
    started = sum("Looking for duplicates;" in r.body for r in lists)
    already = sum("already running" in r.body for r in lists)
    state: dict[str, Any] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = archivist_b.get(b, "/customers/duplicates/refresh/progress/").json()
        if state.get("state") in ("done", "failed"):
            break
        time.sleep(0.2)
    stack.broker.wait_idle()
    runs = sum(t["customers.refresh_duplicates"] for t in stack.broker.totals().values())
    report.check(
        "'look for duplicates now' pressed on A and B at once starts one search",
        [r.status for r in presses if isinstance(r, Response)] == [302, 302]
        and started == 1
        and already == 1
        and runs == 1,
        f"messages: {started} started, {already} already running; searches run by the "
        f"workers: {runs}",
    )
    report.check(
        "its progress, written by a worker, is read through B",
        state.get("state") == "done",
        f"state on B: {state.get('state')!r}",
    )

    # the same offline report sent to A and B at once (the phone's outbox resending)
    token = s["tokens"]["drill_m1"]
    key = str(uuid.uuid4())
    customer = s["merge_pair"][0]
    report_body = {
        "customer": customer,
        "channel": "phone",
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "summary": "离线回访记录（演练）",
    }
    sends = at_once(
        [
            (
                lambda port=port: api(
                    port,
                    "POST",
                    "/api/v1/submissions/",
                    token,
                    report_body,
                    **{"Idempotency-Key": key},
                )
            )
            for port in (a, b, a, b, a, b)
        ]
    )
    codes = sorted(r.status if isinstance(r, Response) else repr(r) for r in sends)
    ids = {r.json().get("id") for r in sends if isinstance(r, Response) and r.status < 300}
    rows = stack.sql.one("SELECT count(*) FROM contacts_submission WHERE idempotency_key = %s", key)
    report.check(
        "one Idempotency-Key sent 6 times to A and B at once: one submission",
        codes == [200] * 5 + [201] and len(ids) == 1 and rows == 1,
        f"answers {dict(Counter(codes))}, submission ids {sorted(ids)}, rows {rows}",
    )

    # the gold-card cap: the manager's last free place taken once
    archivist_token = s["tokens"]["drill_archivist"]
    m2 = users["drill_m2"]
    registrations = at_once(
        [
            (
                lambda port=port, pk=pk: api(
                    port,
                    "POST",
                    "/api/v1/gold-cards/",
                    archivist_token,
                    {"customer": pk, "manager": m2, "traits": TRAITS},
                )
            )
            for port, pk in zip((a, b), s["free_place"], strict=True)
        ]
    )
    reg_codes = sorted(r.status if isinstance(r, Response) else repr(r) for r in registrations)
    held = stack.sql.one(
        "SELECT count(*) FROM customers_customer "
        "WHERE manager_id = %s AND is_gold_card AND merged_into_id IS NULL",
        m2,
    )
    report.check(
        f"two gold cards for the manager's last place (cap {s['cap']}), on A and B at once",
        reg_codes == [201, 400] and held == s["cap"],
        f"answers {reg_codes}; he holds {held}",
    )

    # the same pair merged in both directions at once
    x, y = s["merge_pair"]
    merges = at_once(
        [
            lambda: api(a, "POST", "/api/v1/merges/", archivist_token, {"survivor": x, "loser": y}),
            lambda: api(b, "POST", "/api/v1/merges/", archivist_token, {"survivor": y, "loser": x}),
        ]
    )
    merge_codes = sorted(r.status if isinstance(r, Response) else repr(r) for r in merges)
    records = stack.sql.one(
        "SELECT count(*) FROM customers_mergerecord WHERE survivor_id IN (%s, %s)", x, y
    )
    tombstones = stack.sql.rows(
        "SELECT id, merged_into_id FROM customers_customer WHERE id IN (%s, %s) "
        "AND merged_into_id IS NOT NULL",
        x,
        y,
    )
    report.check(
        "X into Y on A and Y into X on B at once: merged once",
        merge_codes[0] == 201
        and merge_codes[1] in (400, 409)
        and records == 1
        and len(tombstones) == 1
        and set(tombstones[0]) == {x, y},
        f"answers {merge_codes}; merge records {records}; tombstones {tombstones}",
    )


def burst(stack: Stack, results: list[Response | Exception]) -> None:
    """BURST reports, each sent to A and to B at once under its own key (a retry racing the
    first send), by two managers, while the jobs run."""
    s = stack.seed
    jobs = []
    for i in range(BURST):
        token = s["tokens"]["drill_m1" if i % 2 else "drill_m2"]
        body = {
            "customer": None,
            "new_customer_name": f"新客户{i:02d}",
            "new_customer_phone": f"137{i:08d}",
            "channel": "visit",
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "summary": f"演练报告 {i}",
        }
        key = str(uuid.uuid4())
        for port in (stack.web_a, stack.web_b):
            jobs.append(
                lambda port=port, token=token, body=body, key=key: api(
                    port, "POST", "/api/v1/submissions/", token, body, **{"Idempotency-Key": key}
                )
            )
    for start in range(0, len(jobs), 8):  # eight at a time: a busy office, not a flood
        results.extend(at_once(jobs[start : start + 8]))


def phase_jobs(stack: Stack, report: Report) -> None:
    s = stack.seed
    missing = sorted(set(s["beat_tasks"]) - set(JOB_ORDER))
    report.check(
        "the drill sends every job of the beat schedule",
        not missing,
        f"not in the drill: {missing}" if missing else f"{len(JOB_ORDER)} jobs",
    )
    before = stack.broker.totals()
    sent: list[Response | Exception] = []
    writer = threading.Thread(target=burst, args=(stack, sent))
    writer.start()
    started = time.monotonic()
    for task in JOB_ORDER:
        stack.broker.send(task)  # beat 1
        stack.broker.send(task)  # beat 2
        if not stack.broker.wait_idle(timeout=60):
            report.check(f"{task} sent twice finished", False, "the queue did not empty in 60 s")
            break
    writer.join(timeout=120)
    stack.broker.wait_idle()
    report.note(f"jobs and burst took {time.monotonic() - started:.1f} s")
    after = stack.broker.totals()

    ran = Counter[str]()
    per_worker = {}
    for worker, totals in after.items():
        done = totals - before.get(worker, Counter())
        ran.update(done)
        per_worker[worker] = sum(done.values())
    twice = {task: ran[task] for task in JOB_ORDER}
    report.check(
        "each job ran twice, on the two workers",
        all(n == 2 for n in twice.values()) and len(per_worker) == 2,
        f"runs {twice}; tasks per worker {per_worker}",
    )
    report.check(
        "both workers took work",
        len(per_worker) == 2 and all(n > 0 for n in per_worker.values()),
        f"{per_worker}",
    )

    codes = Counter(r.status if isinstance(r, Response) else type(r).__name__ for r in sent)
    keys = stack.sql.one(
        "SELECT count(*) FROM contacts_submission WHERE new_customer_name LIKE '新客户%%'"
    )
    distinct = stack.sql.one(
        "SELECT count(DISTINCT idempotency_key) FROM contacts_submission "
        "WHERE new_customer_name LIKE '新客户%%'"
    )
    report.check(
        f"burst: {BURST} reports, each sent to A and B at once, are {BURST} submissions",
        codes == Counter({201: BURST, 200: BURST}) and keys == BURST and distinct == BURST,
        f"answers {dict(codes)}; rows {keys}",
    )


def phase_state(stack: Stack, report: Report) -> None:
    """The SQL state: every effect exactly once."""
    s, sql = stack.seed, stack.sql
    this_month, last_month = s["this_month"], s["last_month"]

    dupes = sql.rows(
        "SELECT kind, customer_id, period, count(*) FROM contacts_reminder "
        "GROUP BY 1, 2, 3 HAVING count(*) > 1"
    )
    gold_due = {
        r[0]
        for r in sql.rows(
            "SELECT id FROM customers_customer WHERE is_gold_card AND merged_into_id IS NULL "
            "AND status <> 'lost' AND manager_id IS NOT NULL"
        )
    }
    gold_orphans = {
        r[0]
        for r in sql.rows(
            "SELECT id FROM customers_customer WHERE is_gold_card AND merged_into_id IS NULL "
            "AND status <> 'lost' AND manager_id IS NULL"
        )
    }
    opened = Counter(
        r[0]
        for r in sql.rows(
            "SELECT customer_id FROM contacts_reminder WHERE kind = 'gold_contact' AND period = %s",
            this_month,
        )
    )
    unassigned = Counter(
        r[0]
        for r in sql.rows(
            "SELECT customer_id FROM contacts_reminder WHERE kind = 'unassigned' AND period = %s",
            this_month,
        )
    )
    report.check(
        "this month: one gold-contact reminder per gold customer (one alert for the orphan)",
        set(opened) == gold_due
        and all(n == 1 for n in opened.values())
        and set(unassigned) == gold_orphans
        and not dupes,
        f"{len(opened)} reminders for {len(gold_due)} gold customers; {len(unassigned)} "
        f"unassigned; duplicates {dupes}",
    )

    statuses = dict(
        sql.rows(
            "SELECT status, count(*) FROM contacts_reminder "
            "WHERE kind = 'gold_contact' AND period = %s GROUP BY 1",
            last_month,
        )
    )
    escalations = sql.one("SELECT count(*) FROM contacts_escalation WHERE month = %s", last_month)
    exec_alerts = sql.one(
        "SELECT count(*) FROM contacts_notification WHERE recipient_id = %s AND kind = 'alert'",
        s["users"]["drill_exec"],
    )
    contacted = s["last_month_contacted"]
    closed = {"satisfied": contacted, "missed": s["last_month_due"] - contacted}
    report.check(
        "last month closed once: contacted ones met, the rest missed, one escalation",
        statuses == closed and escalations == 1 and exec_alerts == 1,
        f"reminders {statuses}; escalations {escalations}; executive's alerts {exec_alerts}",
    )

    snapshots = sql.rows(
        "SELECT customer_id, count(*) FROM loyalty_tiersnapshot WHERE month = %s GROUP BY 1",
        last_month,
    )
    live = {
        r[0] for r in sql.rows("SELECT id FROM customers_customer WHERE merged_into_id IS NULL")
    }
    report.check(
        "one tier snapshot per customer for last month",
        {r[0] for r in snapshots} == live and all(r[1] == 1 for r in snapshots),
        f"{len(snapshots)} snapshots, {len(live)} live customers",
    )

    week = (dt.date.fromisoformat(s["today"]).day - 1) // 7 + 1
    nudges = Counter(
        r[0]
        for r in sql.rows(
            "SELECT manager_id FROM contacts_nudge WHERE month = %s AND week = %s",
            this_month,
            week,
        )
    )
    with_open = {
        r[0]
        for r in sql.rows(
            "SELECT DISTINCT manager_id FROM contacts_reminder WHERE kind = 'gold_contact' "
            "AND period = %s AND status = 'open'",
            this_month,
        )
    }
    report.check(
        "one nudge per manager with open reminders",
        set(nudges) == with_open and all(n == 1 for n in nudges.values()),
        f"nudges {dict(nudges)}; managers with open reminders {sorted(with_open)}",
    )

    at_risk = sql.rows(
        "SELECT customer_id, count(*) FROM contacts_reminder WHERE kind = 'at_risk' "
        "AND status = 'open' GROUP BY 1 HAVING count(*) > 1"
    )
    unnotified = sql.one(
        "SELECT count(*) FROM contacts_reminder WHERE kind IN ('at_risk', 'birthday') "
        "AND notified_at IS NULL"
    )
    risky = sql.one("SELECT count(*) FROM contacts_reminder WHERE kind = 'at_risk'")
    birthdays = sql.one("SELECT count(*) FROM contacts_reminder WHERE kind = 'birthday'")
    report.check(
        "daily reminders: each at-risk customer and birthday once, each told once",
        not at_risk and unnotified == 0 and risky > 0 and birthdays == 1,
        f"{risky} at-risk, {birthdays} birthday reminders",
    )

    credits = sql.rows(
        "SELECT buyer_id, count(*) FROM loyalty_ledgerentry WHERE kind = 'earn' GROUP BY 1"
    )
    report.check(
        "one purchase credit per machine bought after the card",
        sorted(credits) == sorted((pk, 1) for pk in s["buyers"]),
        f"credits per buyer {dict(credits)}",
    )

    low, high = sorted(s["dup_pair"])
    pairs = sql.one(
        "SELECT count(*) FROM customers_duplicatecandidate WHERE low_id = %s AND high_id = %s",
        low,
        high,
    )
    report.check("the duplicate pair found once", pairs == 1, f"{pairs} candidate rows")

    over = sql.rows(
        "SELECT manager_id, count(*) FROM customers_customer WHERE is_gold_card "
        "AND merged_into_id IS NULL AND manager_id IS NOT NULL GROUP BY 1 HAVING count(*) > %s",
        s["cap"],
    )
    report.check("no manager over the gold-card cap", not over, f"over: {over}")

    same = sql.rows(
        "SELECT recipient_id, kind, title, url, count(*) FROM contacts_notification "
        "GROUP BY 1, 2, 3, 4, body HAVING count(*) > 1"
    )
    notifications = sql.one("SELECT count(*) FROM contacts_notification")
    report.check(
        "no notification twice", not same, f"{notifications} notifications; repeated {same}"
    )

    expected = Counter(
        dict(
            sql.rows(
                "SELECT u.email, count(*) FROM contacts_notification n "
                "JOIN auth_user u ON u.id = n.recipient_id WHERE u.email <> '' GROUP BY 1"
            )
        )
    )
    unsent = sql.one(
        "SELECT count(*) FROM contacts_notification n JOIN auth_user u ON u.id = n.recipient_id "
        "WHERE u.email <> '' AND n.emailed_at IS NULL"
    )
    mailed = Counter[str]()
    for path in stack.mail.glob("*.log"):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                mailed[str(message["To"])] += 1
    report.check(
        "one e-mail per notification",
        mailed == expected and unsent == 0,
        f"{sum(mailed.values())} e-mails for {sum(expected.values())} notifications "
        f"({len(expected)} recipients); not sent {unsent}",
    )


def phase_redis(stack: Stack, report: Report) -> None:
    pending = stack.broker.pending()
    keys = sorted(
        k.decode(errors="replace")[len(stack.broker.prefix) :] for k in stack.broker.prefixed_keys()
    )
    cache = [k for k in keys if k.startswith(":1:")]
    report.check(
        "Redis: queues empty, nothing unacknowledged",
        pending == 0,
        f"{pending} pending; {len(keys)} keys under the drill's prefix, cache {cache}",
    )


def check_compose(report: Report) -> None:
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose.get("services", {})

    def command(svc: dict[str, Any]) -> list[str]:
        cmd = svc.get("command") or []
        return cmd.split() if isinstance(cmd, str) else [str(c) for c in cmd]

    beats = [n for n, svc in services.items() if "beat" in command(svc)[:4]]
    embedded = [
        n
        for n, svc in services.items()
        if "worker" in command(svc) and ({"-B", "--beat"} & set(command(svc)))
    ]
    replicas = {n: (services[n].get("deploy") or {}).get("replicas", 1) for n in beats}
    report.check(
        "docker-compose.yml runs exactly one beat",
        len(beats) == 1 and not embedded and all(r == 1 for r in replicas.values()),
        f"beat services {beats} (replicas {replicas}); workers embedding beat {embedded}",
    )


def run(keep: bool = False) -> int:
    started = time.monotonic()
    report = Report()
    server = _pg_config(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    prefix = f"drill-{os.getpid()}-{secrets.token_hex(3)}:"
    work = Path(tempfile.mkdtemp(prefix="dealercrm-drill-"))
    mail = work / "mail"
    mail.mkdir()
    procs = Processes(work)
    venv = Path(sys.executable).parent
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))},
        "DJANGO_SETTINGS_MODULE": "dealercrm.settings",
        "DJANGO_ENV": "development",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),  # one key, shared: sessions signed by A
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "EMAIL_URL": f"filemail:///{mail}",
        "LOG_LEVEL": "WARNING",
    }
    name = ""
    broker = sql = None
    try:
        check_compose(report)
        clean_leftovers(server, redis_url)
        name = scratch_database(server, env, report)
        env["DATABASE_URL"] = _db_url(server, name)
        report.note(f"database {name}, Redis prefix {prefix!r}, logs in {work}")
        ports = {"web_a": free_port(), "web_b": free_port()}
        for web, port in ports.items():
            procs.start(
                web,
                [str(venv / "gunicorn"), "-c", "gunicorn.conf.py", "dealercrm.wsgi:application"],
                {
                    **env,
                    "GUNICORN_BIND": f"127.0.0.1:{port}",
                    "GUNICORN_WORKERS": "1",
                    "GUNICORN_THREADS": "4",
                },
            )
        for worker in ("worker_a", "worker_b"):
            procs.start(
                worker,
                [
                    str(venv / "celery"),
                    "-A",
                    "dealercrm",
                    "worker",
                    "-n",
                    f"{worker}@%h",
                    "--concurrency",
                    "2",
                    "--loglevel",
                    "INFO",
                ],
                env,
            )
        # seeded while they start (the seed runs its own tasks in-process)
        subprocess.run(  # noqa: S603
            [sys.executable, str(Path(__file__).resolve()), "--seed", str(work / "seed.json")],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=180,
        )
        seed_data = json.loads((work / "seed.json").read_text())
        report.note(f"database cloned and seeded after {time.monotonic() - started:.1f} s")
        broker = Broker(redis_url, prefix)
        sql = Sql(server, name)
        for web, port in ports.items():
            wait_http(port, 60, procs, web)
        deadline = time.monotonic() + 60
        while len(broker.ping()) < 2:
            dead = [w for w in ("worker_a", "worker_b") if w not in procs.alive()]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(
                    f"workers not answering:\n{procs.tail((dead or ['worker_a'])[0])}"
                )
            time.sleep(0.3)
        report.note(f"2 web processes and 2 workers up after {time.monotonic() - started:.1f} s")
        stack = Stack(ports["web_a"], ports["web_b"], seed_data, broker, sql, mail, procs)
        for phase in (phase_web, phase_jobs, phase_state, phase_redis):
            begun = time.monotonic()
            phase(stack, report)
            report.note(f"{phase.__name__} took {time.monotonic() - begun:.1f} s")
    except (Exception, SystemExit) as exc:  # SystemExit: SIGTERM or Ctrl+C (_on_signal)
        report.check("the drill ran to the end", False, f"{type(exc).__name__}: {exc}")
    finally:
        stopping = time.monotonic()
        procs.stop_all()
        report.note(f"stopped in {time.monotonic() - stopping:.1f} s")
        if sql is not None:
            sql.close()
        if broker is not None and not keep:
            broker.close()
        if name and not keep:
            with contextlib.suppress(Exception):
                _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if report.failed:
            for proc_name in procs.started:
                print(f"--- {proc_name} (last lines)\n{procs.tail(proc_name, 15)}")
        if not keep and not report.failed:
            shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - started
    checks = sum(line.startswith(("PASS", "FAIL")) for line in report.lines)
    verdict = "FAIL" if report.failed else "PASS"
    print(
        f"{verdict}: scale-out drill, {checks - len(report.failed)} of {checks} checks passed "
        f"in {seconds:.1f} s"
        + (f"; failed: {', '.join(report.failed)} (logs in {work})" if report.failed else "")
    )
    return 1 if report.failed else 0


def _on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through run()'s cleanup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the database, keys and logs")
    parser.add_argument("--seed", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed:
        seed(args.seed)
        return 0
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    return run(keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
