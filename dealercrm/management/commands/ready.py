"""Exit 0 when the database and Redis answer (the /readyz check), 1 otherwise: the
healthcheck of the Celery worker and beat containers, which serve no HTTP."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dealercrm.health import readiness


class Command(BaseCommand):
    help = "Check that the database and Redis answer (exit 1 when one does not)."

    def handle(self, *args: Any, **options: Any) -> None:
        state = readiness()
        for name, value in state.items():
            self.stdout.write(f"{name}: {value}")
        failed = [name for name, value in state.items() if value != "ok"]
        if failed:
            raise CommandError(f"not ready: {', '.join(failed)}")
