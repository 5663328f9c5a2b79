"""Send this week's nudge to managers with open gold-card reminders (at most once a week)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from contacts import services
from dealercrm.jobs import system_actor
from dealercrm.management.arguments import day_argument


class Command(BaseCommand):
    help = "Nudge managers who still have gold customers to contact this month."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = day_argument(options["date"]) if options["date"] else timezone.localdate()
        sent = services.reminders_nudge(actor=system_actor(), today=day)
        self.stdout.write(f"{day}: {sent} managers nudged")
