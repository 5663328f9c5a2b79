"""The scale-out drill (bench/drill.py, issue 19) as a test: two gunicorn processes and two
Celery workers on this machine against one PostgreSQL and one Redis behave as one.

It needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL): skipped without them, an error with
REQUIRE_SERVICES=1 (CI). The drill works in a scratch database and under a Redis key prefix
of its own, so it never meets the suite's test databases or keys; it stops what it started
and drops what it made, also when a check fails. Marked `worker`: under `make test` it runs
on the xdist worker that runs the other Celery worker tests, one at a time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.worker]


def test_two_web_processes_and_two_workers_behave_as_one():
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        message = "the scale-out drill needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    drill = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "drill.py")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        # A first run on a machine migrates the drill's template database (about a minute).
        output, _ = drill.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        os.killpg(drill.pid, signal.SIGTERM)  # the drill stops its processes and cleans up
        output, _ = drill.communicate(timeout=60)
        pytest.fail(f"the drill did not finish in 10 minutes:\n{output}")
    print(output)
    assert drill.returncode == 0, output
