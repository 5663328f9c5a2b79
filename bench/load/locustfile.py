"""Locust scenario (issue 9): managers searching and opening dossiers and reporting,
executives on their pages and dashboards (issue 7), API clients searching. Loopback only;
bounded by the runner.

Environment (set by bench/load/run.py): LOAD_USERS (JSON: role → [[username, password,
token, [customer ids]], …]) and LOAD_TERMS (JSON list of search terms).
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

USERS = json.loads(os.environ.get("LOAD_USERS", "{}"))
TERMS = json.loads(os.environ.get("LOAD_TERMS", "[]")) or ["lwc", "wj", "8000"]


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


class Manager(Browser):
    weight = 6
    role = "manager"

    @task(5)
    def search(self) -> None:
        self.client.get("/customers/", params={"q": random.choice(TERMS)}, name="list: search")

    @task(2)
    def list_page(self) -> None:
        self.client.get("/customers/", params={"page": random.randint(1, 20)}, name="list: page")

    @task(4)
    def dossier(self) -> None:
        if self.customers:
            self.client.get(f"/customers/{random.choice(self.customers)}/", name="dossier")

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(1)
    def report(self) -> None:
        if not self.customers:
            return
        self.client.post(
            "/api/v1/submissions/",
            json={
                "customer": random.choice(self.customers),
                "channel": "phone",
                "occurred_at": "2026-11-20T10:00:00+08:00",
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
        self.client.get("/", name="home")

    @task(3)
    def gold_list(self) -> None:
        self.client.get("/customers/", params={"flag": "gold"}, name="list: filter")

    @task(2)
    def compliance(self) -> None:
        self.client.get("/contacts/compliance/", name="executive: compliance")

    @task(2)
    def dossier(self) -> None:
        if self.customers:
            self.client.get(f"/customers/{random.choice(self.customers)}/", name="dossier")

    @task(2)
    def dashboard_gold(self) -> None:
        self.client.get("/loyalty/dashboards/", name="executive: dashboard gold")

    @task(2)
    def dashboard_pareto(self) -> None:
        self.client.get("/loyalty/dashboards/80-20/", name="executive: dashboard 80/20")

    @task(1)
    def dashboard_list(self) -> None:
        # the number behind the gold dashboard's at-risk figure: the biggest of its lists
        self.client.get(
            "/loyalty/dashboards/list/",
            params={"list": "at_risk", "page": random.randint(1, 5)},
            name="executive: dashboard list",
        )


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
            name="api: search",
        )

    @task(1)
    def detail(self) -> None:
        if self.customers:
            self.client.get(
                f"/api/v1/customers/{random.choice(self.customers)}/",
                headers={"Authorization": f"Token {self.token}"},
                name="api: customer",
            )
