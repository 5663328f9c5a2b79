"""Celery tasks of the contacts app: thin, idempotent, called with ids."""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from dealercrm.jobs import system_actor

from . import services
from .models import Notification

logger = logging.getLogger(__name__)


def _retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter: base, 2×base, 4×base … capped at 10 minutes."""
    base = float(settings.DEALERCRM["EMAIL_RETRY_BASE_SECONDS"])
    return min(600.0, base * 2.0**retries) * random.uniform(0.8, 1.2)  # noqa: S311 - jitter


@shared_task(bind=True, name="contacts.send_notification_email", max_retries=5)
def send_notification_email_task(self: Any, notification_id: int) -> bool:
    """E-mail one notification at most once.

    The row is claimed with a conditional update before sending, so two workers (or a
    duplicated delivery) never both send; a failed send releases the claim and the task
    retries with backoff, up to max_retries.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or not notification.recipient.email:
        return False
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    context = {"notification": notification, "site_url": settings.SITE_URL}
    try:
        send_mail(
            subject=render_to_string("emails/notification-subject.txt", context).strip(),
            message=render_to_string("emails/notification-body.txt", context),
            html_message=render_to_string("emails/notification-body.html", context),
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    except OSError as exc:  # smtplib's errors are OSErrors: the server, not our data
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.warning("e-mail for notification %s failed (%s); retrying", notification_id, exc)
        raise self.retry(exc=exc, countdown=_retry_countdown(self.request.retries)) from exc
    return True


# --- scheduled jobs: thin, idempotent, acting as the system actor -------------------


def _month(value: str | None) -> dt.date:
    return dt.date.fromisoformat(value) if value else timezone.localdate()


@shared_task(name="contacts.open_contact_reminders")
def open_contact_reminders_task(month: str | None = None) -> int:
    """1st of the month, 06:00: one gold-contact reminder per gold customer."""
    result = services.reminders_open_month(actor=system_actor(), month=_month(month))
    return result.reminders


@shared_task(name="contacts.nudge_managers")
def nudge_managers_task(day: str | None = None) -> int:
    """Mondays, 08:00: one nudge per manager with open gold-contact reminders."""
    return services.reminders_nudge(actor=system_actor(), today=_month(day))


@shared_task(name="contacts.close_contact_month")
def close_contact_month_task(month: str | None = None) -> int:
    """1st of the month, 05:00: the month before is closed and escalated."""
    target = (
        _month(month) if month else (timezone.localdate().replace(day=1) - dt.timedelta(days=1))
    )
    return services.reminders_close_month(actor=system_actor(), month=target).missed


@shared_task(name="contacts.daily_reminders")
def daily_reminders_task(day: str | None = None) -> int:
    """Every day, 07:00: at-risk customers and coming birthdays."""
    result = services.reminders_daily(actor=system_actor(), today=_month(day))
    return result.at_risk + result.birthdays
