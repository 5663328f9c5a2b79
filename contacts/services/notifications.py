"""In-app notifications with an e-mail copy queued after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from dealercrm import roles

from ..models import Notification


def notification_send(
    *, recipients: Iterable[Any], kind: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """In-app notices plus an e-mail each, queued only once the transaction commits."""
    from ..tasks import send_notification_email_task

    created = Notification.objects.bulk_create(
        [
            Notification(recipient=user, kind=kind, title=title[:200], body=body, url=url)
            for user in {u.pk: u for u in recipients}.values()
        ]
    )
    for notification in created:
        if notification.pk is None:  # backends without RETURNING ids
            continue
        send_notification_email_task.delay_on_commit(notification.pk)
    return created


def archivists() -> Any:
    return roles.users_with_role(roles.ARCHIVIST)


def notification_mark_read(
    *, actor: roles.Actor, notification_ids: Iterable[int] | None = None
) -> int:
    """Mark the actor's own notifications read (all when no ids are given)."""
    qs = Notification.objects.filter(recipient=roles.signed_in(actor), read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
