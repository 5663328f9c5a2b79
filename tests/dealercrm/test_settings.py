"""Production settings: hardened, and refusing to start half-configured."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    skip = {
        "DEBUG",
        "SECRET_KEY",
        "DJANGO_ENV",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }  # browser tests set it
    clean = {k: v for k, v in os.environ.items() if k not in skip}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_in_production():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="crm.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "env",
    [
        {"DJANGO_ENV": "production"},  # no secret key
        {"DJANGO_ENV": "production", "SECRET_KEY": "short"},
        {"DJANGO_ENV": "production", "SECRET_KEY": "x" * 60, "DEBUG": "true"},
        {"DJANGO_ENV": "staging"},
    ],
)
def test_production_refuses_unsafe_configuration(env):
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_argon2_is_the_first_hasher():
    from django.conf import settings as live  # the module as loaded, not the test override

    from dealercrm import settings as module

    assert module.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert live.TIME_ZONE == "Asia/Shanghai" and live.USE_TZ


def test_without_redis_celery_runs_eagerly_and_cache_is_local():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s;"
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'].rsplit('.',1)[1])",
        REDIS_URL="",
    )
    assert result.stdout.split() == ["True", "LocMemCache"], result.stderr
