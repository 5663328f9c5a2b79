"""dealercrm: customer dossiers and the gold-card programme for equipment dealers."""

from .celery import app as celery_app

__all__ = ("celery_app",)
