"""Writes of the contacts app, split by idea: the report loop, notifications, reminders, and
the customer's last contact."""

from dealercrm.months import month_bounds, month_end, month_start

from .last_contact import refresh_last_contacted
from .notifications import archivists, notification_mark_read, notification_send
from .reminders import (
    reminders_after_contact,
    reminders_close_month,
    reminders_daily,
    reminders_nudge,
    reminders_open_month,
    reminders_satisfy_month,
)
from .reports import (
    contact_log_create,
    contact_log_delete,
    contact_log_update,
    monthly_report_open,
    monthly_report_save,
    submission_create,
    submission_create_once,
    submission_file,
    submission_reject,
)

__all__ = [
    "archivists",
    "contact_log_create",
    "contact_log_delete",
    "contact_log_update",
    "month_bounds",
    "month_end",
    "month_start",
    "monthly_report_open",
    "monthly_report_save",
    "notification_mark_read",
    "notification_send",
    "refresh_last_contacted",
    "reminders_after_contact",
    "reminders_close_month",
    "reminders_daily",
    "reminders_nudge",
    "reminders_open_month",
    "reminders_satisfy_month",
    "submission_create",
    "submission_create_once",
    "submission_file",
    "submission_reject",
]
