"""The Celery app: Redis broker from REDIS_URL, Asia/Shanghai clock, tasks from each app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealercrm.settings")

app = Celery("dealercrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
