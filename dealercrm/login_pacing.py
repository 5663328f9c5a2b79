"""Logins paced server-wide (issue 19): at the start of a working day forty people sign in
within seconds, and each sign-in costs about a tenth of a second of a core (the Argon2 check,
the session, and the home page the login lands on). On a 2-core server that burst alone
would double the load for a few seconds and push everyone's pages past their targets.

Each login takes the next free slot of a server-wide schedule, LOGINS_PER_SECOND wide, kept
in the shared cache (Redis: every process and every web container draws from one schedule),
and waits for it. A waiting login sleeps: it holds a thread but no core (and gives its
database connection back while it sleeps), so pages keep flowing while the queue of sign-ins
drains. At most LOGIN_WAITING_PER_PROCESS logins wait in one process at a time
(gunicorn.conf.py: that many threads beyond the four kept for pages); a login that finds them
all taken, or every slot within LOGIN_MAX_WAIT seconds taken, goes ahead at once: a login
is slowed, never refused, and never starves the pages of threads.

The browser's sign-in page is paced; the API's token endpoint is not: a REST client asks
for its token once and keeps it, so tokens do not come in a morning burst.

A slot is claimed with the cache's atomic add (SET NX on Redis): two processes cannot take
the same one. Without Redis (the SQLite quick start) the cache is per process, which paces
each process on its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connections

_KEY = "login-slot"
_HINT = "login-slot:last"


def _rate() -> float:
    return float(settings.DEALERCRM.get("LOGINS_PER_SECOND", 0) or 0)


def _max_wait() -> float:
    return float(settings.DEALERCRM.get("LOGIN_MAX_WAIT", 0) or 0)


def _room() -> int:
    return int(settings.DEALERCRM.get("LOGIN_WAITING_PER_PROCESS", 0) or 0)


_lock = threading.Lock()
_waiting = 0  # logins of this process asleep for their slot


def waiting() -> int:
    return _waiting


def take_turn(
    *,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> float:
    """Claim the next free login slot and wait for it; the seconds waited (0 when logins
    are not paced, the slot is now, or every slot within the longest wait is taken)."""
    global _waiting
    clock, sleep = clock or time.time, sleep or time.sleep
    rate, longest = _rate(), _max_wait()
    if rate <= 0 or longest <= 0:
        return 0.0
    with _lock:
        if _waiting >= _room():
            return 0.0  # the waiting room of this process is full: go ahead
        _waiting += 1
    try:
        return _wait_for_slot(rate, longest, clock, sleep)
    finally:
        with _lock:
            _waiting -= 1


def _wait_for_slot(
    rate: float, longest: float, clock: Callable[[], float], sleep: Callable[[float], None]
) -> float:
    interval = 1.0 / rate
    now = clock()
    first = int(now / interval)
    last = first + int(longest / interval)
    # Where the queue ends, as far as anyone wrote it down: saves trying the taken slots one
    # by one. Only a hint (a race may lower it): the atomic add decides.
    hint = cache.get(_HINT)
    slot = hint if isinstance(hint, int) and first <= hint <= last else first
    keep = int(longest) + 60
    while slot <= last:
        if cache.add(f"{_KEY}:{slot}", 1, timeout=keep):
            cache.set(_HINT, slot, timeout=keep)
            wait = slot * interval - now
            if wait <= 0:
                return 0.0
            _release_connections()
            sleep(wait)
            return wait
        slot += 1
    return 0.0


def _release_connections() -> None:
    """Asleep, the thread needs no database connection; the next query opens one again.
    One inside a transaction is kept (closing it would end the transaction)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()
