"""Open the month's gold-card contact reminders (the 1st-of-month job, by hand)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from contacts import services
from dealercrm.jobs import system_actor
from dealercrm.management.arguments import month_argument


class Command(BaseCommand):
    help = "Open one contact reminder per active gold customer for the month (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: this month)")

    def handle(self, *args: Any, **options: Any) -> None:
        month = month_argument(options["month"]) if options["month"] else timezone.localdate()
        result = services.reminders_open_month(actor=system_actor(), month=month)
        self.stdout.write(
            f"{month:%Y-%m}: {result.reminders} gold-contact reminders "
            f"({result.satisfied} already satisfied), {result.unassigned} unassigned alerts"
        )
