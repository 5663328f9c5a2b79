"""Admin views of the manager's loop: read-only. Reports are immutable and filing goes
through the inbox, so the admin offers no write path around the services."""

from __future__ import annotations

from django.contrib import admin

from dealercrm import roles
from dealercrm.admin_policy import AdminRules, RoleAdminMixin

from .models import ContactLog, MonthlyReport, Notification, Submission


class ReadOnlyAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_rules = AdminRules(view=roles.can_view_all_submissions)


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["submitted_at", "author", "customer", "new_customer_name", "status"]
    list_filter = ["status", "channel"]
    list_select_related = ["author", "customer"]


@admin.register(ContactLog)
class ContactLogAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "customer", "channel", "staff"]
    list_filter = ["channel"]
    list_select_related = ["customer", "staff"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    list_display = ["month", "manager", "status", "submitted_at"]
    list_filter = ["status"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind"]
