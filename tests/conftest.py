"""Named users per role (healthchecks' alice/bob/charlie, for a dealer) and service checks.

With REQUIRE_SERVICES=1 (as CI sets it) the run fails unless the tests really talk to
PostgreSQL and Redis and Chromium is installed: a missing service is an error, never a skip.

`make test` runs the suite on pytest-xdist workers (`-n auto`). Each worker has its own test
database (pytest-django suffixes its name: test_dealercrm_gw0 …) and its own Redis keys
(below); the browser tests share one worker, and so do the Celery worker tests.
"""

from __future__ import annotations

import copy
import os
import shutil
from collections import Counter

import pytest

from tests.factories import CustomerFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# "gw0", "gw1" … in a pytest-xdist worker; empty in a plain run and in xdist's controller.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def pytest_sessionstart(session: pytest.Session) -> None:
    # Under xdist the controller checks once, before it starts any worker.
    if not REQUIRE_SERVICES or XDIST_WORKER:
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


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With `--dist loadgroup`, one xdist worker takes all the browser tests (one Chromium,
    one live server) and one all the tests running a real Celery worker; the others share
    out the rest. Without xdist the group marks do nothing."""
    for item in items:
        for marker in ("browser", "worker"):
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.xdist_group(marker))
    if XDIST_WORKER:
        # loadgroup hands out the groups first (largest first), then single tests in the
        # order collected. The API-contract tests are the longest single ones (5-15 s each)
        # and were collected near the end, so a worker could start one as the other ran out
        # of work: queue them first and finish on short tests. A stable sort, the same on
        # every worker (xdist checks that they collected the same list).
        items.sort(key=lambda item: item.get_closest_marker("contract") is None)


class _LoadGroupIds:
    @pytest.hookimpl(trylast=True)  # after xdist's own hook
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """pytest 9.2 keeps a test's id in `_id`, so xdist 3.8's loadgroup, which writes the group
        into `_nodeid`, groups nothing: every xdist_group test went to any worker (one seed a
        worker; browser tests on both). Until pytest-dev/pytest-xdist#1386 is fixed, put the
        group suffix where pytest 9.2 reads it; a no-op where xdist already did."""
        if not (XDIST_WORKER and config.getvalue("loadgroup")):
            return
        from _pytest.nodeid import coerce_node_id

        for item in items:
            names = {
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            }
            if names and not item.nodeid.endswith("@" + "_".join(sorted(names))):
                item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(sorted(names))}")
        # loadgroup queues tests by node id, so tests sharing one id ran once: schemathesis
        # collects one test per API operation under its function's id (268 tests of
        # tests/test_api_contract.py ran as 4). Every worker collects in the same order,
        # so numbering the repeats gives each its own id, the same on every worker.
        seen: Counter[str] = Counter()
        for item in items:
            seen[item.nodeid] += 1
            if seen[item.nodeid] > 1:
                item._id = coerce_node_id(f"{item.nodeid}#{seen[item.nodeid]}")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_LoadGroupIds(), "dealercrm-loadgroup-ids")


@pytest.fixture(scope="session", autouse=True)
def _redis_keys_per_xdist_worker():
    """xdist workers share REDIS_URL: each gets its own cache keys and its own Celery queues
    (kombu's global key prefix), so the worker tests' purge and the import progress keys,
    which are numbered like the worker's own database rows, never meet another worker's."""
    from django.conf import settings
    from django.test import override_settings

    if not (XDIST_WORKER and settings.REDIS_URL):
        yield
        return
    from dealercrm.celery import app

    prefix = f"test-{XDIST_WORKER}:"
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = prefix
    transport_before = app.conf.broker_transport_options
    app.conf.broker_transport_options = {**transport_before, "global_keyprefix": prefix}
    with override_settings(CACHES=caches):
        yield
    app.conf.broker_transport_options = transport_before


# The named users per role: the fixtures below, and module-wide data sets built once
# (tests/dealercrm/test_permission_matrix.py) make the same people.
USERS = {
    "archivist": {
        "username": "archivist",
        "last_name": "王",
        "first_name": "档案",
        "role": "archivist",
    },
    "manager": {
        "username": "manager1",
        "last_name": "张",
        "first_name": "伟",
        "role": "sales_manager",
    },
    "other_manager": {
        "username": "manager2",
        "last_name": "李",
        "first_name": "强",
        "role": "sales_manager",
    },
    "service": {"username": "service1", "last_name": "赵", "first_name": "师傅", "role": "service"},
    "executive": {"username": "exec1", "last_name": "陈", "first_name": "总", "role": "executive"},
    # logged in, but holds no role at all
    "outsider": {"username": "outsider"},
}


def make_users() -> dict:
    return {role: UserFactory(**spec) for role, spec in USERS.items()}


@pytest.fixture
def archivist(db):
    return UserFactory(**USERS["archivist"])


@pytest.fixture
def manager(db):
    return UserFactory(**USERS["manager"])


@pytest.fixture
def other_manager(db):
    return UserFactory(**USERS["other_manager"])


@pytest.fixture
def service_user(db):
    return UserFactory(**USERS["service"])


@pytest.fixture
def executive(db):
    return UserFactory(**USERS["executive"])


@pytest.fixture
def outsider(db):
    """Logged in, but holds no role at all."""
    return UserFactory(**USERS["outsider"])


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


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Argon2 (100 MiB per hash) is right for production and needlessly slow for thousands
    of test users; for the whole session, so data built once per module is fast too. The
    tests about hashing read the settings module itself (tests/dealercrm/test_settings.py)."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _logins_not_paced():
    """Production paces sign-ins server-wide (dealercrm/login_pacing.py); tests sign in
    hundreds of times a second and would only wait. tests/dealercrm/test_login_pacing.py
    turns it on."""
    from django.conf import settings
    from django.test import override_settings

    with override_settings(DEALERCRM={**settings.DEALERCRM, "LOGINS_PER_SECOND": 0}):
        yield


@pytest.fixture(scope="session", autouse=True)
def _celery_eager():
    """Unit tests run tasks in-process, even when REDIS_URL points at a broker (CI), also
    while data built once per module is written; the integration tests that need a real
    worker switch this off themselves and back on."""
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


@pytest.fixture
def chinese(settings):
    """The messages users read, in the product's default language (tests otherwise read
    English, see _english_messages)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield
