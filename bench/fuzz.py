"""`make fuzz`: schemathesis with all its checks, as each role, over every API operation.

    .venv/bin/python bench/fuzz.py [--seconds 600] [--port 8105] [--seed N]

Runs against a real server (gunicorn on 127.0.0.1, DEBUG off, as in production) on the
database at FUZZ_DATABASE_URL (default: a fresh SQLite file in a temporary directory),
migrated and seeded with `seed_demo`. The time budget is shared by the four roles
(archivist, sales manager, service, executive; token auth), run one after another.
Exits non-zero when any check fails; schemathesis' own report names each failure with
a curl line to reproduce it. Check settings live in schemathesis.toml.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.django_env import ROOT, ensure_database

ROLES = ("archivist", "manager1", "service1", "exec1")
PASSWORD = "fuzz-only-3c9e1b"  # noqa: S105 - the throwaway fuzz database's demo users


def prepare(env: dict[str, str]) -> None:
    """Migrate and seed the fuzz database (seed_demo is idempotent)."""
    python = sys.executable
    migrate = [python, "manage.py", "migrate", "--noinput", "-v0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [python, "manage.py", "seed_demo", "--customers", "60", "-v0"],
        cwd=ROOT,
        env={**env, "DEMO_PASSWORD": PASSWORD},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer on {url}")


def token(base: str, username: str) -> str:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/v1/auth/token/",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return str(json.load(response)["token"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", 600)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("FUZZ_PORT", 8105)))
    parser.add_argument(
        "--seed", type=int, default=None, help="schemathesis seed (random if unset)"
    )
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated user names")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="dealercrm-fuzz-"))
    url = os.environ.get("FUZZ_DATABASE_URL") or f"sqlite:///{scratch / 'fuzz.sqlite3'}"
    ensure_database(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # every request comes from 127.0.0.1: the fuzzer's wrong passwords are not an attack
        "LOGIN_FAILURES_PER_IP": "1000000",
        "LOGIN_FAILURES_PER_USER": "1000000",
    }
    prepare(env)
    base = f"http://127.0.0.1:{args.port}"
    venv = Path(sys.executable).parent
    # One sync worker: requests are served one at a time, so SQLite never reports a lock.
    server = subprocess.Popen(  # noqa: S603
        [
            str(venv / "gunicorn"),
            "dealercrm.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "1",
            "--timeout",
            "60",
            # as in gunicorn.conf.py: the app, not gunicorn, answers a long address (414)
            "--limit-request-line",
            "8190",
            "--log-level",
            "warning",
            "--error-logfile",
            str(scratch / "server.log"),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    roles = [r for r in args.roles.split(",") if r]
    failed: list[str] = []
    try:
        wait_for(f"{base}/login/")
        per_role = max(args.seconds // len(roles), 10)
        for username in roles:
            print(f"== schemathesis as {username} for {per_role} s", flush=True)
            command = [
                str(venv / "schemathesis"),
                "run",
                f"{base}/api/schema/",
                "--header",
                f"Authorization: Token {token(base, username)}",
                "--checks",
                "all",
                "--max-time",
                str(per_role),
                "--workers",
                "1",
                # A contract check, not a latency one (that is `make bench` / `make load`): on
                # a 2-core machine shared with other work a plain GET once took over
                # schemathesis' default 10 s to answer, reported as a network error.
                "--request-timeout",
                "30",
                "--report",
                "junit",
                "--report-junit-path",
                str(scratch / f"{username}.xml"),
            ]
            if args.seed is not None:
                command += ["--seed", str(args.seed)]
            result = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603
            if result.returncode:
                failed.append(username)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"server log: {scratch / 'server.log'}")
    if failed:
        print(f"fuzz FAILED as: {', '.join(failed)}")
        return 1
    print(f"fuzz OK: {', '.join(roles)}, {args.seconds} s, all checks")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
