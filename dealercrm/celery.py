"""The Celery app: Redis broker from REDIS_URL, Asia/Shanghai clock, tasks from each app.

The beat schedule lives here, in code (not django-celery-beat): the schedule is part of
the product, reviewed like code, and every job is also a management command for runs by
hand.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealercrm.settings")

app = Celery("dealercrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Close last month before opening the new one: misses are counted on the old month.
    "close-contact-month": {
        "task": "contacts.close_contact_month",
        "schedule": crontab(minute=0, hour=5, day_of_month=1),
    },
    "open-contact-reminders": {
        "task": "contacts.open_contact_reminders",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
    "nudge-managers": {
        "task": "contacts.nudge_managers",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    "compute-tiers": {
        "task": "loyalty.compute_tiers",
        "schedule": crontab(minute=0, hour=3, day_of_month=1),
    },
    "daily-reminders": {
        "task": "contacts.daily_reminders",
        "schedule": crontab(minute=0, hour=7),
    },
    # Before the desk opens: the "due soon" list reflects last night's plans and models.
    "refresh-maintenance-forecasts": {
        "task": "service.refresh_maintenance_forecasts",
        "schedule": crontab(minute=30, hour=2),
    },
    # Credits are earned right after each purchase; this catches anything missed (idempotent).
    "sync-gold-credits": {
        "task": "loyalty.sync_all_credits",
        "schedule": crontab(minute=15, hour=3),
    },
    # The archivist's duplicate queue is fresh every morning (incremental: changed only).
    "find-duplicates": {
        "task": "customers.find_duplicates",
        "schedule": crontab(minute=45, hour=1),
    },
}
