"""Liveness and readiness for load balancers and compose healthchecks.

`GET /healthz` answers as long as the process serves requests; `GET /readyz` answers 200 only
when the database and, when configured, Redis answer too (503 naming what failed). They are
served by the first middleware, before the host check, the HTTPS redirect, sessions and
logins: a probe from inside the container asks for 127.0.0.1 over plain HTTP, which the
production settings rightly refuse for every other page. They say nothing about the data.

`python manage.py ready` runs the same readiness check for the Celery worker and beat, which
serve no HTTP.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

PATHS = ("/healthz", "/readyz")
logger = logging.getLogger(__name__)


def readiness() -> dict[str, str]:
    """Each dependency's state: "ok", or the kind of error it gave."""
    state = {"database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready", reported, never raised
        state["database"] = _failed("database", exc)
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
            state["redis"] = "ok"
        except Exception as exc:
            state["redis"] = _failed("redis", exc)
    return state


def _failed(name: str, exc: Exception) -> str:
    """The error's kind for the probe (public); its text, which may name hosts, to the log."""
    logger.warning("readiness: %s unavailable: %s", name, exc)
    return type(exc).__name__


def _json(payload: dict[str, object], status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(payload), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    """Answers the two probe paths before anything else looks at the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/")
        if path not in PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return _json({"detail": "Method not allowed."}, 405)
        if path == "/healthz":
            return _json({"status": "ok"}, 200)
        state = readiness()
        ready = all(value == "ok" for value in state.values())
        return _json({"status": "ok" if ready else "unavailable", **state}, 200 if ready else 503)
