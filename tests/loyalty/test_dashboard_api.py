"""The dashboards as JSON (/api/v1/dashboard/…): the same figures, filters and scope as the
pages, bad parameters answered with 400 in the project's error format."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.loyalty.dashboard_data import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(archivist, manager, other_manager):
    return build(archivist, manager, other_manager)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_gold_figures_for_an_executive(world, executive):
    response = api(executive).get(reverse("dashboard-gold"), {"month": f"{world.month:%Y-%m}"})

    assert response.status_code == 200
    data = response.json()
    assert data["month"] == f"{world.month:%Y-%m}"
    assert data["active_gold"] == 3 and data["overdue"] == 2
    assert (data["due"], data["contacted"], data["rate"]) == (3, 1, 33.3)
    assert data["credits_outstanding"] == "1500.00"
    assert data["referral_revenue_month"] == "100000.00"
    assert len(data["trend"]) == 12 and data["trend"][-1]["count"] == 3
    managers = {m["manager_name"]: m for m in data["managers"]}
    assert managers["张伟"]["held"] == 2 and managers["张伟"]["rate"] == 50.0
    assert managers["李强"]["missed_6m"] == 1


def test_manager_gets_only_his_figures(world, manager):
    data = api(manager).get(reverse("dashboard-gold")).json()
    assert data["active_gold"] == 2
    assert [m["manager"] for m in data["managers"]] == [manager.pk]


def test_manager_may_not_ask_for_another_manager(world, manager, other_manager):
    response = api(manager).get(reverse("dashboard-gold"), {"manager": other_manager.pk})
    assert response.status_code == 400
    assert "manager" in response.json()


def test_pareto_figures_with_filters(world, executive):
    response = api(executive).get(
        reverse("dashboard-pareto"),
        {"month": f"{world.month:%Y-%m}", "region": world.north.pk},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["customers"] == 3
    assert [p["share_pct"] for p in data["curve"]] == [55.6, 88.9, 100.0]
    assert {t["tier"]: t["customers"] for t in data["tiers"]} == {"A": 2, "B": 1, "C": 0}
    moves = {(m["was"], m["now"]): m["customers"] for m in data["movement"]}
    assert moves[("B", "A")] == 1 and moves[("A", "A")] == 1 and moves[("C", "C")] == 0
    assert len(data["movement"]) == 16
    assert {g["grid"]: g["customers"] for g in data["grid"]} == {
        "EI": 1,
        "EII": 1,
        "EIII": 1,
        "EIV": 0,
    }


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-13"},
        {"month": "0001-01"},
        {"compare": "yesterday"},
        {"region": "99999999999999999999999"},
        {"manager": "-1"},
    ],
)
def test_bad_parameters_answer_400_with_field_errors(executive, params):
    for name in ("dashboard-gold", "dashboard-pareto"):
        response = api(executive).get(reverse(name), params)
        assert response.status_code == 400
        assert set(response.json()) == set(params)


@pytest.mark.parametrize(("role", "code"), [("service", 403), ("outsider", 403)])
def test_roles_without_dashboards_are_refused(users, role, code):
    assert api(users[role]).get(reverse("dashboard-gold")).status_code == code


def test_anonymous_is_refused(client):
    assert client.get(reverse("dashboard-pareto")).status_code == 401


def test_dashboard_operations_are_in_the_schema(client, executive):
    client.force_login(executive)
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    for path in ("/api/v1/dashboard/gold/", "/api/v1/dashboard/pareto/"):
        operation = schema["paths"][path]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"month", "region", "manager"} <= names
        assert "200" in operation["responses"] and "400" in operation["responses"]
