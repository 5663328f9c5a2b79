"""The system actor scheduled jobs run as (STYLE.md: jobs act as a named system actor)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from dealercrm.roles import SYSTEM_USERNAME, SignedIn


def system_actor() -> SignedIn:
    """The `system` user, created on first use with no usable password."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"first_name": "系统", "last_name": "", "is_active": True},
    )
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
