"""Role changes go to the security log (whoever makes them, wherever: admin, shell)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from . import roles
from .models import SecurityEvent
from .security import log_event


@receiver(m2m_changed, sender=get_user_model().groups.through)
def log_role_change(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if kwargs.get("reverse"):  # group.user_set.add(user): instance is the group
        return
    names = sorted(Group.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))
    changed = [n for n in names if n in roles.ROLES] if action != "post_clear" else ["*"]
    if not changed:
        return
    request = getattr(HistoricalRecords.context, "request", None)
    log_event(
        SecurityEvent.Kind.ROLE_CHANGE,
        request=request,
        outcome=f"{action.removeprefix('post_')} {','.join(changed)} for {instance.get_username()}",
        detail={"target": instance.get_username(), "action": action, "roles": changed},
    )
