"""Celery tasks of the contacts app: thin, idempotent, called with ids."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


@shared_task(
    name="contacts.send_notification_email",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_notification_email_task(notification_id: int) -> bool:
    """E-mail one notification at most once.

    The row is claimed with a conditional update before sending, so two workers (or a
    retried task) never both send; a failed send releases the claim for the retry.
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
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.warning("e-mail for notification %s failed; will retry", notification_id)
        raise
    return True
