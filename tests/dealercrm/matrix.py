"""Permission matrix entries for the project-level security pages."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from dealercrm.models import LoginThrottle
from tests.permissions import obj, statuses

ARCHIVIST_ONLY_POST = statuses(403, anonymous=302, archivist=405)

MATRIX = {
    "lockouts": {
        "GET": (lambda ctx: reverse("lockouts"), None, statuses(403, anonymous=302, archivist=200))
    },
    "lockout_clear": {
        "GET": (
            obj("lockout_clear", "throttle"),
            None,
            statuses(403, anonymous=302, archivist=405),
        ),
        "POST": (obj("lockout_clear", "throttle"), {}, statuses(403, anonymous=302, archivist=302)),
    },
}


def extend_ctx(ctx: dict[str, Any]) -> None:
    ctx["throttle"] = LoginThrottle.objects.create(
        scope=LoginThrottle.Scope.USERNAME,
        key="someone",
        failures=5,
        window_started_at=timezone.now(),
        locked_until=timezone.now() + timezone.timedelta(minutes=10),
    )
