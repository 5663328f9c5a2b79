"""Helpers of the gold-card tests: the default rules, a registration, a purchase made the
way the archivist makes it (customers.services, so the post-save signal runs)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from customers import services as customer_services
from customers.models import Machine
from loyalty import services
from loyalty.models import DEFAULT_BENEFIT_RULES, BenefitRule, GoldCard

TRAITS = {"early": "2005年入行，做了二十年土方", "buys_often": "在我司买了三台装载机"}


def ensure_rules() -> None:
    """Seed 000's rules (the data migration's rows; transactional tests flush them)."""
    for code, beneficiary, first, last, amount, name in DEFAULT_BENEFIT_RULES:
        BenefitRule.objects.get_or_create(
            code=code,
            defaults={
                "beneficiary": beneficiary,
                "first_machine": first,
                "last_machine": last,
                "amount": amount,
                "name": name,
            },
        )


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def register(actor: Any, customer: Any, manager: Any = None, **kwargs: Any) -> GoldCard:
    return services.gold_card_register(
        actor=actor,
        customer=customer,
        manager=manager or customer.manager,
        traits=kwargs.pop("traits", TRAITS),
        **kwargs,
    )


def machine_data(on: dt.date | None = None, price: str = "380000", quantity: int = 1) -> dict:
    return {
        "brand": "临工",
        "model_raw": "LG855N",
        "source": Machine.Source.FROM_US,
        "purchase_date": on or timezone.localdate(),
        "purchase_price": Decimal(price),
        "quantity": quantity,
    }


def buy(
    archivist: Any,
    customer: Any,
    *,
    capture: Any,
    on: dt.date | None = None,
    price: str = "380000",
    quantity: int = 1,
) -> Machine:
    """A machine bought from us, entered by the archivist; the on-commit sync runs."""
    with capture(execute=True):
        return customer_services.row_add(
            actor=archivist,
            customer=customer,
            model=Machine,
            data=machine_data(on, price, quantity),
        )
