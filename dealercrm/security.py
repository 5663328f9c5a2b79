"""The security log and login throttling.

Failed logins are counted per user name and per IP address in the database (so lockouts
survive restarts, are shared by every worker, and can be listed and cleared by the
archivist); a key over its limit answers 429 with Retry-After until the lock expires.
An address lock never holds back a user name that has logged in from that address.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from dealercrm import roles

from .models import KnownLoginAddress, LoginThrottle, SecurityEvent


def client_ip(request: Any) -> str | None:
    """REMOTE_ADDR; behind the production proxy, the first X-Forwarded-For hop."""
    if request is None:
        return None
    if settings.DEALERCRM.get("TRUST_X_FORWARDED_FOR"):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def log_event(
    kind: str,
    *,
    request: Any = None,
    user: Any = None,
    username: str = "",
    status: int | None = None,
    outcome: str = "",
    detail: dict[str, Any] | None = None,
) -> SecurityEvent:
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or (user.get_username() if user else ""))[:150],
        ip=client_ip(request),
        method=(getattr(request, "method", "") or "")[:10],
        path=(request.get_full_path() if request is not None else "")[:500],
        status=status,
        outcome=outcome[:200],
        detail=detail or {},
    )


# --- login throttling ------------------------------------------------------------------
#
# Two counters, both over LOGIN_WINDOW seconds, each locking for LOGIN_LOCK seconds:
# - a user name (any address): LOGIN_FAILURES_PER_USER failures lock that name everywhere;
# - an address: LOGIN_FAILURES_PER_IP failures on user names that have never logged in from
#   it lock the address, but only for such names. An office shares one address: colleagues
#   who have logged in from it before keep logging in while a guessing script (or one
#   clumsy colleague's misspelt names) is held back; their own typos are bounded by their
#   name's lock. Failures of such known names are not counted at the address either.


@dataclass(frozen=True)
class Limits:
    failures: int
    window_seconds: int
    lock_seconds: int


def _limits(scope: str) -> Limits:
    conf = settings.DEALERCRM
    if scope == LoginThrottle.Scope.USERNAME:
        return Limits(conf["LOGIN_FAILURES_PER_USER"], conf["LOGIN_WINDOW"], conf["LOGIN_LOCK"])
    return Limits(conf["LOGIN_FAILURES_PER_IP"], conf["LOGIN_WINDOW"], conf["LOGIN_LOCK"])


def _name_key(username: str) -> str:
    return username.strip().lower()[:150]


def is_known_address(username: str, ip: str | None) -> bool:
    """Has this user name logged in from this address within LOGIN_KNOWN_ADDRESS_DAYS?"""
    if not username or not ip:
        return False
    since = timezone.now() - dt.timedelta(days=settings.DEALERCRM["LOGIN_KNOWN_ADDRESS_DAYS"])
    return KnownLoginAddress.objects.filter(
        username=_name_key(username), ip=ip, last_login_at__gte=since
    ).exists()


def _keys(username: str, ip: str | None) -> list[tuple[str, str]]:
    """The counters a login attempt with this name from this address answers to."""
    keys: list[tuple[str, str]] = []
    if username:
        keys.append((LoginThrottle.Scope.USERNAME, _name_key(username)))
    if ip and not is_known_address(username, ip):
        keys.append((LoginThrottle.Scope.IP, ip))
    return keys


def retry_after(username: str, ip: str | None) -> int:
    """Seconds until the user name and the IP may try again (0: now)."""
    now = timezone.now()
    waits = [
        (lock - now).total_seconds()
        for scope, key in _keys(username, ip)
        for lock in LoginThrottle.objects.filter(
            scope=scope, key=key, locked_until__gt=now
        ).values_list("locked_until", flat=True)
        if lock is not None  # never None here (locked_until__gt), but the column is nullable
    ]
    return max((math.ceil(w) for w in waits), default=0)


def attempts_left(username: str, ip: str | None) -> int:
    """Failures this name may still have from this address before a lock (the warning
    shown after a failed login)."""
    now = timezone.now()
    left = []
    for scope, key in _keys(username, ip):
        limits = _limits(scope)
        row = LoginThrottle.objects.filter(scope=scope, key=key).first()
        counted = 0
        if row is not None and (now - row.window_started_at).total_seconds() <= (
            limits.window_seconds
        ):
            counted = row.failures
        left.append(max(limits.failures - counted, 0))
    return min(left, default=0)


def record_failure(request: Any, username: str) -> int:
    """Count a failed login; returns the seconds of a lock it triggered (0 if none)."""
    ip = client_ip(request)
    now = timezone.now()
    locked = 0
    for scope, key in _keys(username, ip):
        limits = _limits(scope)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    LoginThrottle.objects.create(
                        scope=scope, key=key, failures=0, window_started_at=now
                    )
            except IntegrityError:
                pass  # the row exists; counted below under the row lock
            row = LoginThrottle.objects.select_for_update().get(scope=scope, key=key)
            if (now - row.window_started_at).total_seconds() > limits.window_seconds:
                row.failures, row.window_started_at = 0, now
            row.failures += 1
            already_locked = row.locked_until is not None and row.locked_until > now
            if row.failures >= limits.failures and not already_locked:
                row.locked_until = now + dt.timedelta(seconds=limits.lock_seconds)
                locked = max(locked, limits.lock_seconds)
                log_event(
                    SecurityEvent.Kind.LOGIN_LOCKED,
                    request=request,
                    username=username,
                    status=429,
                    outcome=f"{scope} {key} locked for {limits.lock_seconds}s",
                )
            row.save(update_fields=["failures", "window_started_at", "locked_until"])
    log_event(SecurityEvent.Kind.LOGIN_FAILED, request=request, username=username, status=None)
    return locked


def record_success(request: Any, username: str) -> None:
    """A good password clears the user name's count (not the IP's: one good account
    must not unlock an address that is guessing others) and makes the address known
    for this name."""
    LoginThrottle.objects.filter(
        scope=LoginThrottle.Scope.USERNAME, key=_name_key(username)
    ).delete()
    ip = client_ip(request)
    if ip:
        KnownLoginAddress.objects.update_or_create(
            username=_name_key(username), ip=ip, defaults={"last_login_at": timezone.now()}
        )


def lockouts() -> Any:
    return LoginThrottle.objects.filter(locked_until__gt=timezone.now()).order_by("-locked_until")


def lockout_clear(*, actor: roles.Actor, request: Any, throttle: LoginThrottle) -> None:
    roles.require(roles.can_clear_lockouts, actor)
    throttle.delete()
    log_event(
        SecurityEvent.Kind.LOCKOUT_CLEARED,
        request=request,
        outcome=f"{throttle.scope} {throttle.key}",
    )


# --- denied access -----------------------------------------------------------------------


class HiddenObject(Http404):
    """A 404 for an object that exists but the user may not see: answered exactly like a
    missing one (no existence leak), but written to the security log."""


def not_found(model: Any, pk: Any, what: str = "object") -> Http404:
    """The 404 a scoped selector raises: HiddenObject when the row exists at all."""
    try:
        exists = model._base_manager.filter(pk=pk).exists()
    except (ValueError, TypeError):
        exists = False
    return HiddenObject(f"No such {what}") if exists else Http404(f"No such {what}")


def log_denied(request: Any, status: int, reason: str) -> None:
    log_event(SecurityEvent.Kind.ACCESS_DENIED, request=request, status=status, outcome=reason)
