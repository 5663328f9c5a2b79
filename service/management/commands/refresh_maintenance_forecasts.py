"""Recompute every machine's maintenance forecast (the nightly job, by hand)."""

from typing import Any

from django.core.management.base import BaseCommand

from dealercrm.jobs import system_actor
from service import services


class Command(BaseCommand):
    help = "Recompute the usage rate and next maintenance of every machine with readings."

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.maintenance_forecasts_refresh(actor=system_actor())
        self.stdout.write(
            f"{result.machines} machines: {result.predicted} predicted, "
            f"{result.not_enough} with not enough readings, {result.no_usage} not in use "
            f"({result.compute_seconds:.1f} s computing, {result.write_seconds:.1f} s writing)"
        )
