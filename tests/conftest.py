"""Named users per role (healthchecks' alice/bob/charlie, for a dealer) and service checks.

With REQUIRE_SERVICES=1 (as CI sets it) the run fails unless the tests really talk to
PostgreSQL and Redis and Chromium is installed: a missing service is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.factories import CustomerFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_sessionstart(session: pytest.Session) -> None:
    if not REQUIRE_SERVICES:
        return
    problems = []
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        problems.append(f"DATABASE_URL must point at PostgreSQL, got {url!r}")
    redis_url = os.environ.get("REDIS_URL", "")
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as exc:
        problems.append(f"Redis at REDIS_URL={redis_url!r} is not reachable: {exc}")
    try:
        import psycopg2

        psycopg2.connect(url, connect_timeout=3).close()
    except Exception as exc:
        problems.append(f"PostgreSQL at DATABASE_URL is not reachable: {exc}")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        problems.append(f"Chromium not found at {CHROMIUM}")
    if problems:
        raise pytest.UsageError("Required services missing:\n  " + "\n  ".join(problems))


@pytest.fixture
def archivist(db):
    return UserFactory(username="archivist", last_name="王", first_name="档案", role="archivist")


@pytest.fixture
def manager(db):
    return UserFactory(username="manager1", last_name="张", first_name="伟", role="sales_manager")


@pytest.fixture
def other_manager(db):
    return UserFactory(username="manager2", last_name="李", first_name="强", role="sales_manager")


@pytest.fixture
def service_user(db):
    return UserFactory(username="service1", last_name="赵", first_name="师傅", role="service")


@pytest.fixture
def executive(db):
    return UserFactory(username="exec1", last_name="陈", first_name="总", role="executive")


@pytest.fixture
def outsider(db):
    """Logged in, but holds no role at all."""
    return UserFactory(username="outsider")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def customer(manager):
    """A customer of `manager` (not of `other_manager`)."""
    return CustomerFactory(name="刘文才", manager=manager)


@pytest.fixture
def users(archivist, manager, other_manager, service_user, executive, outsider):
    return {
        "archivist": archivist,
        "manager": manager,
        "other_manager": other_manager,
        "service": service_user,
        "executive": executive,
        "outsider": outsider,
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is right for production and needlessly slow for hundreds of test users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_eager():
    """Unit tests run tasks in-process, even when REDIS_URL points at a broker (CI);
    the integration tests that need a real worker switch this off themselves."""
    from dealercrm.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _today_is_today(request, monkeypatch):
    """Test modules keep `TODAY = timezone.localdate()` at the top for brevity; a run that
    crosses midnight in Asia/Shanghai would leave it a day behind the code under test.
    Each test sees the module's TODAY as of the moment it starts."""
    import datetime as dt

    from django.utils import timezone

    module = getattr(request, "module", None)
    current = getattr(module, "TODAY", None)
    if isinstance(current, dt.date):
        monkeypatch.setattr(module, "TODAY", timezone.localdate())
    elif isinstance(current, str):
        try:
            dt.date.fromisoformat(current)
        except ValueError:
            return
        monkeypatch.setattr(module, "TODAY", timezone.localdate().isoformat())


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """Tests read messages in the source language (English); the product's default is
    Chinese, which tests/customers/test_views.py checks on its own."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
