"""The daily job: at-risk customers and coming birthdays, each told once."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from contacts import services
from dealercrm.jobs import system_actor
from dealercrm.management.arguments import day_argument


class Command(BaseCommand):
    help = "Remind managers of customers gone quiet and of birthdays in the next 7 days."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = day_argument(options["date"]) if options["date"] else timezone.localdate()
        result = services.reminders_daily(actor=system_actor(), today=day)
        self.stdout.write(f"{day}: {result.at_risk} at-risk, {result.birthdays} birthday reminders")
