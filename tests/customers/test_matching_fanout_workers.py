"""Issue 17, part 3, integration: the fanned-out refresh on two real Celery worker processes
(`celery -A dealercrm worker`, as in docker-compose.yml) on Redis writes exactly the queue
of the single-process run: the same pairs, scores, kinds and reasons.

The workers read and write this test's database, so it needs PostgreSQL and Redis
(DATABASE_URL, REDIS_URL): skipped without them, an error with REQUIRE_SERVICES=1 (CI).
They listen under a Redis key prefix of their own (queues and cache), so they never meet
the suite's other workers or another run's. Marked `worker`: under `make test` it runs on
the xdist worker that runs the other Celery worker tests, one at a time.
"""

from __future__ import annotations

import contextlib
import copy
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import kombu.pools
import pytest
from django.core.cache import cache
from django.db import connections
from django.test import override_settings

from customers.matching import fanout, refresh_jobs
from customers.matching.refresh import duplicates_refresh
from customers.models import FanoutRun, MatchRun
from dealercrm.celery import app
from dealercrm.jobs import system_actor
from tests.conftest import REQUIRE_SERVICES
from tests.customers.fanout_archive import matcher_state, reset_matcher, seed_archive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

ROOT = Path(__file__).resolve().parents[2]
WORKERS = ("fanout_a", "fanout_b")
PARTITIONS = 6


def _require_services() -> None:
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        message = "two real workers need PostgreSQL and Redis (DATABASE_URL, REDIS_URL)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)


def _test_database_url() -> str:
    """DATABASE_URL naming the test database pytest-django made (test_…, per xdist worker)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = connections["default"].settings_dict["NAME"]
    return urlunsplit(parts._replace(path=f"/{name}"))


def _use_broker_prefix(prefix: str) -> dict:
    """Publish under `prefix` from this process: new transport options, new pools."""
    before = app.conf.broker_transport_options
    app.conf.broker_transport_options = {**before, "global_keyprefix": prefix}
    # The connection and producer pools were made with the old options (as after a fork).
    # They live in kombu's global registries, keyed by connection: closing one in place
    # (force_close_all) left the registry handing the closed pool to every later test of
    # this process ("Acquire on closed pool"), so the registries are emptied instead.
    kombu.pools.reset()
    app._pool = None
    with contextlib.suppress(KeyError):
        app.__dict__["amqp"]._producer_pool = None
    return before


@pytest.fixture(scope="module")
def workers(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two worker processes on this test's database, under a Redis prefix of their own."""
    _require_services()
    prefix = f"fanout-{os.getpid()}-{secrets.token_hex(3)}:"
    logs = tmp_path_factory.mktemp("fanout-workers")
    with django_db_blocker.unblock():
        database = _test_database_url()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))},
        "DJANGO_SETTINGS_MODULE": "dealercrm.settings",
        "DATABASE_URL": database,
        "REDIS_KEY_PREFIX": prefix,
        "MATCHING_FANOUT_PARTITIONS": str(PARTITIONS),
        "CONN_MAX_AGE": "0",  # nothing left open on the test database when it is dropped
        "LOG_LEVEL": "WARNING",
    }
    procs = {}
    for name in WORKERS:
        log = (logs / f"{name}.log").open("wb")
        procs[name] = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "dealercrm",
                "worker",
                "-n",
                f"{name}@%h",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
    transport_before = _use_broker_prefix(prefix)
    caches = copy.deepcopy(app_settings_caches())
    caches["default"]["KEY_PREFIX"] = prefix
    eager_before = app.conf.task_always_eager
    app.conf.task_always_eager = False

    def tails() -> str:
        return "\n".join(
            f"--- {name}\n" + "\n".join((logs / f"{name}.log").read_text().splitlines()[-30:])
            for name in WORKERS
        )

    try:
        deadline = time.monotonic() + 90
        while True:
            replies = app.control.ping(timeout=1)
            answered = {name.split("@")[0] for reply in replies for name in reply}
            if answered >= set(WORKERS):
                break
            dead = [name for name, proc in procs.items() if proc.poll() is not None]
            if dead or time.monotonic() > deadline:
                pytest.fail(f"workers not answering ({dead} exited):\n{tails()}")
        with override_settings(CACHES=caches):
            yield tails
    finally:
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        app.conf.task_always_eager = eager_before
        _use_broker_prefix(transport_before.get("global_keyprefix", ""))
        app.conf.broker_transport_options = transport_before
        _drop_keys(prefix)


def _drop_keys(prefix: str) -> None:
    """What the workers left in Redis under their prefix (queue bindings, cache entries)."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def app_settings_caches() -> dict:
    from django.conf import settings

    return settings.CACHES


def _wait_for(run_done, tails, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not run_done():
        if time.monotonic() > deadline:
            pytest.fail(f"the fanned-out refresh did not finish in {timeout:.0f} s:\n{tails()}")
        time.sleep(0.2)


@pytest.fixture
def single_process():
    """The archive and the queue the single-process refresh writes for it; then the matcher
    forgotten, so the fanned-out run starts from the same place."""
    seed_archive(120, 11)
    duplicates_refresh(actor=system_actor(), full=True)
    state = matcher_state()
    kinds = {row[3] for row in state[0]}
    assert kinds == {"duplicate", "relatives"}, "the archive must hold both kinds of pair"
    reset_matcher()
    return state


def test_two_workers_write_the_single_process_queue(workers, single_process):
    # when: the coordinator here, the partitions and the merge on the two workers
    run = fanout.fanout_start(actor=system_actor(), partitions=PARTITIONS, full=True)
    _wait_for(
        lambda: (
            FanoutRun.objects.get(pk=run.pk).state in {FanoutRun.State.DONE, FanoutRun.State.FAILED}
        ),
        workers,
    )
    # then
    run.refresh_from_db()
    assert run.state == FanoutRun.State.DONE, workers()
    assert matcher_state() == single_process
    assert sorted(w.split("@")[0] for w in run.plan["workers"]) == sorted(WORKERS), (
        "both workers scored partitions"
    )


def test_the_archivists_button_fans_out_on_the_workers(workers, single_process, client, archivist):
    cache.delete(refresh_jobs.STATE_KEY)
    client.force_login(archivist)
    # when: the button (the coordinator runs on a worker too, as configured there)
    assert client.post("/customers/duplicates/refresh/").status_code == 302
    _wait_for(
        lambda: (
            client.get("/customers/duplicates/refresh/progress/").json()["state"]
            in {refresh_jobs.DONE, refresh_jobs.FAILED}
        ),
        workers,
    )
    # then
    state = refresh_jobs.refresh_state()
    assert state["state"] == refresh_jobs.DONE, workers()
    run = FanoutRun.objects.get()
    assert run.partitions == PARTITIONS and run.actor == archivist
    assert matcher_state() == single_process
    assert state["proposed"] == MatchRun.objects.get().proposed
    cache.delete(refresh_jobs.STATE_KEY)
