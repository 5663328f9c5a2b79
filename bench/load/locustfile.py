"""Locust scenario (issues 9 and 19): managers searching, paging, opening dossiers and
reporting; executives on their home page, the gold list and the dashboards (issue 7); the
archivist on her home page, inbox and duplicate queue; service staff on their home page,
service records and the maintenance list; API clients searching. Every role's home page is
measured under its own name; bench/load/targets.py holds the target of each name.
Loopback only; bounded by the runner.

Environment (set by bench/load/run.py): LOAD_USERS (JSON: role → [[username, password,
token, [customer ids]], …]), LOAD_TERMS (JSON list of search terms), LOAD_LOG (a file that
gets one JSON line per request, read by the runner) and, for the knee search, LOAD_STEPS
("50,75,100") with LOAD_STEP_SECONDS: the users are raised step by step.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from typing import Any

from locust import HttpUser, LoadTestShape, between, events, task

USERS = json.loads(os.environ.get("LOAD_USERS", "{}"))
TERMS = json.loads(os.environ.get("LOAD_TERMS", "[]")) or ["lwc", "wj", "8000"]
STEPS = [int(n) for n in os.environ.get("LOAD_STEPS", "").split(",") if n.strip()]
STEP_SECONDS = float(os.environ.get("LOAD_STEP_SECONDS", "60"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "10"))
_LOG_PATH = os.environ.get("LOAD_LOG", "")
# open for the whole run, line-buffered: the runner reads it while the users run
_log = open(_LOG_PATH, "a", buffering=1, encoding="utf-8") if _LOG_PATH else None  # noqa: SIM115


def _write(item: dict[str, Any]) -> None:
    if _log is not None:
        _log.write(json.dumps(item, ensure_ascii=False) + "\n")


@events.request.add_listener
def _record(
    request_type: str,
    name: str,
    response_time: float,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **kwargs: Any,
) -> None:
    error = "" if exception is None else f"{type(exception).__name__}: {exception}"[:300]
    started = start_time if start_time is not None else time.time() - response_time / 1000
    _write({"t": started, "name": name, "ms": response_time, "error": error})


if STEPS:

    class Steps(LoadTestShape):
        """The knee search: STEPS users, STEP_SECONDS each; each step is marked in the log."""

        def __init__(self) -> None:
            super().__init__()
            self.marked = -1

        def tick(self) -> tuple[int, float] | None:
            index = int(self.get_run_time() // STEP_SECONDS)
            if index >= len(STEPS):
                return None
            if index != self.marked:
                self.marked = index
                _write({"t": time.time(), "step": STEPS[index]})
            return STEPS[index], SPAWN_RATE


def _reported_at() -> str:
    """A moment of the last hours (a report must not lie in the future)."""
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=random.randint(5, 600))
    return moment.isoformat()


class Browser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = ""

    def on_start(self) -> None:
        self.username, password, self.token, self.customers = random.choice(USERS[self.role])
        self.client.get("/login/", name="login page")
        csrf = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/login/",
            {"username": self.username, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{self.host}/login/"},
            name="login",
        )

    def search(self) -> None:
        self.client.get("/customers/", params={"q": random.choice(TERMS)}, name="search: list")

    def dossier(self) -> None:
        if self.customers:
            self.client.get(f"/customers/{random.choice(self.customers)}/", name="dossier")


class Manager(Browser):
    weight = 6
    role = "manager"

    @task(5)
    def search_customers(self) -> None:
        self.search()

    @task(2)
    def list_page(self) -> None:
        self.client.get("/customers/", params={"page": random.randint(1, 20)}, name="list: page")

    @task(4)
    def open_dossier(self) -> None:
        self.dossier()

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="home: manager")

    @task(1)
    def report(self) -> None:
        if not self.customers:
            return
        self.client.post(
            "/api/v1/submissions/",
            json={
                "customer": random.choice(self.customers),
                "channel": "phone",
                "occurred_at": _reported_at(),
                "summary": "负载测试：电话回访",
            },
            headers={"Authorization": f"Token {self.token}"},
            name="api: submit report",
        )


class Executive(Browser):
    weight = 2
    role = "executive"

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home: executive")

    @task(3)
    def gold_list(self) -> None:
        self.client.get("/customers/", params={"flag": "gold"}, name="list: gold")

    @task(2)
    def compliance(self) -> None:
        self.client.get("/contacts/compliance/", name="dashboard: compliance")

    @task(2)
    def open_dossier(self) -> None:
        self.dossier()

    @task(2)
    def dashboard_gold(self) -> None:
        self.client.get("/loyalty/dashboards/", name="dashboard: gold")

    @task(2)
    def dashboard_pareto(self) -> None:
        self.client.get("/loyalty/dashboards/80-20/", name="dashboard: 80/20")

    @task(1)
    def dashboard_list(self) -> None:
        # the number behind the gold dashboard's at-risk figure: the biggest of its lists
        self.client.get(
            "/loyalty/dashboards/list/",
            params={"list": "at_risk", "page": random.randint(1, 5)},
            name="dashboard: drill-down",
        )


class Archivist(Browser):
    weight = 1
    role = "archivist"

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home: archivist")

    @task(3)
    def search_customers(self) -> None:
        self.search()

    @task(2)
    def open_dossier(self) -> None:
        self.dossier()

    @task(2)
    def inbox(self) -> None:
        self.client.get("/contacts/inbox/", name="list: inbox")

    @task(1)
    def duplicates(self) -> None:
        self.client.get("/customers/duplicates/", name="list: duplicates")


class Service(Browser):
    weight = 1
    role = "service"

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home: service")

    @task(3)
    def search_customers(self) -> None:
        self.search()

    @task(2)
    def open_dossier(self) -> None:
        self.dossier()

    @task(2)
    def records(self) -> None:
        self.client.get("/service/", name="list: service records")

    @task(1)
    def maintenance_due(self) -> None:
        self.client.get("/service/maintenance/", name="list: maintenance due")


class ApiClient(HttpUser):
    weight = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        _, _, self.token, self.customers = random.choice(USERS["manager"])

    @task(3)
    def search(self) -> None:
        self.client.get(
            "/api/v1/customers/",
            params={"search": random.choice(TERMS)},
            headers={"Authorization": f"Token {self.token}"},
            name="search: api",
        )

    @task(1)
    def detail(self) -> None:
        if self.customers:
            self.client.get(
                f"/api/v1/customers/{random.choice(self.customers)}/",
                headers={"Authorization": f"Token {self.token}"},
                name="api: customer",
            )
