"""Compute (or recompute) a month's 80/20 tiers: the monthly job, by hand."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dealercrm.jobs import system_actor
from dealercrm.management.arguments import month_argument
from dealercrm.months import shift_month, this_month
from loyalty.services.tiers import tiers_compute


class Command(BaseCommand):
    help = "Rank customers by 12-month contribution and store the month's A/B/C tiers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument(
            "--basis",
            choices=["revenue", "gross_profit"],
            help="rank on revenue or gross profit (default: the TIER_BASIS setting)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["month"]:
            month = month_argument(options["month"])
        else:
            month = shift_month(this_month(), -1)
        if month > timezone.localdate():
            raise CommandError("A month in the future has no purchases to rank.")
        started = timezone.now()
        result = tiers_compute(actor=system_actor(), month=month, basis=options["basis"])
        seconds = (timezone.now() - started).total_seconds()
        counts = ", ".join(f"{t}: {n}" for t, n in result.counts.items())
        self.stdout.write(
            f"{month:%Y-%m}: {result.customers} customers ranked on {result.basis} ({counts}) "
            f"in {seconds:.1f} s"
        )
