"""Close a finished month: unmet gold-card reminders become missed and are escalated."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from contacts import services
from dealercrm.jobs import system_actor
from dealercrm.management.arguments import month_argument


class Command(BaseCommand):
    help = "Mark the month's unmet gold-card reminders missed and tell executives once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM, a month that has ended")

    def handle(self, *args: Any, **options: Any) -> None:
        month = month_argument(options["month"])
        try:
            result = services.reminders_close_month(actor=system_actor(), month=month)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        state = "escalated" if result.escalated else "already escalated"
        self.stdout.write(f"{month:%Y-%m}: {result.missed} missed ({state})")
