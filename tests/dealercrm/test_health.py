"""/healthz and /readyz for probes; `manage.py ready` for the worker and beat."""

from __future__ import annotations

import os
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_answers_anonymous_probes_on_any_host_over_plain_http(client, settings):
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    # Every other page still gets the host check and the HTTPS redirect.
    assert client.get("/login/", HTTP_HOST="crm.example.com").status_code == 301
    assert client.get("/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400


def test_readyz_is_ready_when_the_database_answers(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI sets it)")
def test_readyz_checks_the_configured_redis(client, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readyz_is_unavailable_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = UNREACHABLE_REDIS
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["redis"] == "ConnectionError"  # the kind only: its text may name hosts


def test_readyz_is_unavailable_when_the_database_does_not_answer(client, settings):
    settings.REDIS_URL = ""
    with mock.patch("dealercrm.health.connection") as conn:
        conn.cursor.side_effect = OperationalError("server closed the connection")
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "OperationalError"


def test_probes_only_read(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


def test_ready_command_for_worker_and_beat(settings, capsys):
    settings.REDIS_URL = ""
    call_command("ready")
    assert "database: ok" in capsys.readouterr().out
    settings.REDIS_URL = UNREACHABLE_REDIS
    with pytest.raises(CommandError, match="not ready: redis"):
        call_command("ready")
