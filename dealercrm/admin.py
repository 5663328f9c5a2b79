"""Admin of the project-level models: the security log, read-only, for superusers."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin

from . import roles
from .admin_policy import AdminRules, RoleAdminMixin
from .models import LoginThrottle, SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_rules = AdminRules(view=roles.can_administer_security)
    list_display = ["created_at", "kind", "username", "ip", "method", "path", "status", "outcome"]
    list_filter = ["kind", "status"]
    search_fields = ["username", "path", "ip", "outcome"]
    date_hierarchy: ClassVar[str | None] = "created_at"


@admin.register(LoginThrottle)
class LoginThrottleAdmin(SecurityEventAdmin):
    # deleting a row lifts that lockout
    admin_rules = AdminRules(
        view=roles.can_administer_security, delete=roles.can_administer_security
    )
    list_display = ["scope", "key", "failures", "window_started_at", "locked_until"]
    list_filter = ["scope"]
    search_fields = ["key"]
    date_hierarchy = None
