"""Admin of the project-level models: the security log, read-only, for superusers."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin

from .models import LoginThrottle, SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "username", "ip", "method", "path", "status", "outcome"]
    list_filter = ["kind", "status"]
    search_fields = ["username", "path", "ip", "outcome"]
    date_hierarchy: ClassVar[str | None] = "created_at"

    def has_module_permission(self, request: Any) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(LoginThrottle)
class LoginThrottleAdmin(SecurityEventAdmin):
    list_display = ["scope", "key", "failures", "window_started_at", "locked_until"]
    list_filter = ["scope"]
    search_fields = ["key"]
    date_hierarchy = None

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return self.has_module_permission(request)  # lifting a lockout
