"""Integration: the scheduled jobs on a real Celery worker (Redis in CI), not eager mode.

Each test starts an in-process worker (celery.contrib.testing) against the configured
broker: Redis when REDIS_URL is set — as CI requires — else Celery's in-memory transport.
"""

from __future__ import annotations

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone

from contacts.models import Notification, Nudge, Reminder
from contacts.tasks import (
    nudge_managers_task,
    open_contact_reminders_task,
    send_notification_email_task,
)
from dealercrm.celery import app
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

MONTH = timezone.localdate().replace(day=1).isoformat()


class Finished:
    """Counts tasks the worker finished, so a test can wait for exactly N of them."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, **kwargs) -> None:
        with self.lock:
            self.count += 1
        connections.close_all()  # the worker thread's own connections

    def wait(self, n: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count >= n:
                return
            time.sleep(0.05)
        raise AssertionError(f"only {self.count} of {n} tasks finished in {timeout}s")


@pytest.fixture
def worker(settings):
    app.conf.task_always_eager = False
    app.control.purge()  # nothing left over from an earlier, interrupted run
    finished = Finished()
    task_postrun.connect(finished, weak=False)
    with start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=20
    ):
        yield finished
    task_postrun.disconnect(finished)
    app.conf.task_always_eager = True


def _concurrent_writes_supported() -> bool:
    return connections["default"].vendor == "postgresql"


@pytest.fixture
def gold(manager):
    manager.email = "manager1@example.com"
    manager.save()
    return [CustomerFactory(manager=manager, is_gold_card=True) for _ in range(4)]


def test_reminder_task_run_twice_gives_one_reminder_each(worker, gold, settings):
    open_contact_reminders_task.delay(MONTH)
    worker.wait(1)
    open_contact_reminders_task.delay(MONTH)
    worker.wait(2)
    assert Reminder.objects.filter(kind="gold_contact").count() == len(gold)


def test_two_runs_at_once_give_one_reminder_each_and_one_nudge_email(worker, gold, settings):
    if not _concurrent_writes_supported():
        pytest.skip("concurrent writers need PostgreSQL (SQLite's shared in-memory test DB locks)")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    open_contact_reminders_task.delay(MONTH)
    open_contact_reminders_task.delay(MONTH)
    worker.wait(2)
    assert Reminder.objects.filter(kind="gold_contact").count() == len(gold)
    day = timezone.localdate().isoformat()
    nudge_managers_task.delay(day)
    nudge_managers_task.delay(day)
    worker.wait(4)
    worker.wait(5)  # the one e-mail task queued by the one nudge
    time.sleep(0.5)
    assert Nudge.objects.count() == 1
    assert Notification.objects.filter(kind="reminder").count() == 1
    assert [m.to for m in mail.outbox] == [["manager1@example.com"]]


class FlakyBackend:
    """An e-mail backend failing the first two sends, then delivering."""

    calls = 0
    sent: list = []

    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= 2:
            raise ConnectionRefusedError("smtp down")
        type(self).sent.extend(messages)
        return len(messages)


def test_email_failing_twice_then_succeeding_is_sent_once(worker, manager, settings):
    settings.EMAIL_BACKEND = "tests.contacts.test_worker.FlakyBackend"
    settings.DEALERCRM = {**settings.DEALERCRM, "EMAIL_RETRY_BASE_SECONDS": 0.05}
    FlakyBackend.calls, FlakyBackend.sent = 0, []
    manager.email = "manager1@example.com"
    manager.save()
    notification = Notification.objects.create(recipient=manager, kind="alert", title="测试")
    send_notification_email_task.delay(notification.pk)
    worker.wait(3)  # two failures (each retried) and the success
    time.sleep(0.3)
    assert FlakyBackend.calls == 3
    assert len(FlakyBackend.sent) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_task_queued_in_a_rolled_back_transaction_never_runs(worker, manager, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    manager.email = "manager1@example.com"
    manager.save()
    with pytest.raises(RuntimeError), transaction.atomic():
        notification = Notification.objects.create(recipient=manager, kind="alert", title="x")
        send_notification_email_task.delay_on_commit(notification.pk)
        raise RuntimeError("roll back")
    time.sleep(1.0)
    assert worker.count == 0
    assert mail.outbox == []
