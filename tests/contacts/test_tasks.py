"""The notification e-mail task: once per notification, retried on failure."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from contacts import services
from contacts.models import Notification
from contacts.tasks import send_notification_email_task

pytestmark = pytest.mark.django_db


def test_notification_email_is_sent_once(manager, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    manager.email = "m1@example.com"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notification_send(recipients=[manager], kind="alert", title="提醒")[
            0
        ]
    assert len(mail.outbox) == 1 and "提醒" in mail.outbox[0].subject
    # a duplicate delivery of the task sends nothing more
    assert send_notification_email_task(notification.pk) is False
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_failed_send_releases_the_claim(manager, settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    manager.email = "m1@example.com"
    manager.save()
    notification = Notification.objects.create(recipient=manager, kind="alert", title="x")
    monkeypatch.setattr(
        "contacts.tasks.send_mail", lambda **kw: (_ for _ in ()).throw(OSError("smtp down"))
    )
    with pytest.raises(OSError):
        send_notification_email_task.run(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None  # a retry will send it


def test_the_email_is_queued_on_commit_not_before(
    manager, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    manager.email = "m1@example.com"
    manager.save()
    # when: the notice is written, its transaction not yet committed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = services.notification_send(recipients=[manager], kind="alert", title="提醒")[
            0
        ]
    # then: one e-mail waits for the commit, none went out
    assert len(callbacks) == 1
    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None
    # when: the transaction commits
    callbacks[0]()
    # then: the queued task sends it
    assert [m.to for m in mail.outbox] == [["m1@example.com"]]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_nothing_queued_when_the_transaction_rolls_back(
    manager, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    manager.email = "m1@example.com"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.notification_send(recipients=[manager], kind="alert", title="x")
                raise RuntimeError("the caller's write failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()
