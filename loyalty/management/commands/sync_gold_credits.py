"""sync_gold_credits: insert every credit the purchases call for (idempotent; the nightly
job run by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.models import Customer
from dealercrm.jobs import system_actor
from loyalty import services


class Command(BaseCommand):
    help = "Earn the gold-card credits every purchase calls for (safe to run any time)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customer", type=int, help="Only this buyer (customer id).")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = system_actor()
        if options.get("customer"):
            customer = Customer.objects.filter(pk=options["customer"]).first()
            if customer is None:
                raise CommandError(f"No customer {options['customer']}")
            added = services.credits_sync(actor=actor, customer=customer)
        else:
            added = services.credits_sync_all(actor=actor)
        self.stdout.write(self.style.SUCCESS(f"{added} credits added"))
