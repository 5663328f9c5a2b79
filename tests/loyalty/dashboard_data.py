"""Constructed data of the dashboard tests: known gold customers, reminders, referrals,
credits and two months of tiers, so every figure has one right answer.

manager (张伟, region 华北): gold 金一 (contacted 3 days ago; this month's reminder done)
    and 金二 (never contacted; reminder open; last month's missed); 金一 referred 新客
    on the 1st of this month, who then bought a ¥100,000 machine (and one for ¥50,000
    before he was referred, which does not count). Credits: 金一 ¥1,000.
other_manager (李强, region 华南): gold 金三 (never contacted; this month's reminder
    missed). Credits: 金三 ¥500.
Tiers (this month / last month), contributions 500/300/100/60/40:
    c1 A/A EI, c2 A/B EII, c3 B/B EIII (manager's); c4 C/B EIV, c5 C/new EIV, c6 gone/C
    (other manager's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from contacts.models import Reminder
from customers.models import Machine
from loyalty.models import BenefitRule, LedgerEntry, Referral, TierSnapshot
from loyalty.selectors.dashboard import shift_month, this_month
from loyalty.services.tiers import link_previous_tiers
from tests.factories import (
    ContactLogFactory,
    CustomerFactory,
    MachineFactory,
    SalesRegionFactory,
    UserFactory,
)
from tests.loyalty.helpers import days_ago, register


@dataclass
class World:
    month: dt.date
    north: Any
    south: Any
    gold1: Any
    gold2: Any
    gold3: Any
    newbie: Any
    tiers: dict[str, Any]


def snap(customer: Any, month: dt.date, amount: int, rank: int, tier: str, grid: str) -> None:
    TierSnapshot.objects.create(
        month=month,
        customer=customer,
        machines_total=Decimal(amount),
        parts_total=Decimal(0),
        service_total=Decimal(0),
        contribution=Decimal(amount),
        rank=rank,
        share_before=0.0,  # set below, once the month's other rows are known
        tier=tier,
        stable_quarters=4,
        grid=grid,
    )
    # as tiering does: the share of the customers ranked before each (of the positive
    # contributions), the snapshot's "tier the month before", and the next month's
    rows = list(TierSnapshot.objects.filter(month=month).order_by("rank"))
    grand = sum(max(r.contribution, Decimal(0)) for r in rows)
    running = Decimal(0)
    for row in rows:
        row.share_before = float(running / grand) if grand else 1.0
        row.save(update_fields=["share_before"])
        running += max(row.contribution, Decimal(0))
    link_previous_tiers(month)
    link_previous_tiers(shift_month(month, 1))


def reminder(customer: Any, manager: Any, period: dt.date, status: str) -> Reminder:
    return Reminder.objects.create(
        kind=Reminder.Kind.GOLD_CONTACT,
        customer=customer,
        manager=manager,
        period=period,
        due_on=period,
        status=status,
    )


def credit(customer: Any, amount: str, on: dt.date) -> None:
    LedgerEntry.objects.create(
        customer=customer,
        kind=LedgerEntry.Kind.EARN,
        amount=Decimal(amount),
        occurred_on=on,
        rule=BenefitRule.objects.get(code="purchase"),
        buyer=customer,
        machine_number=1,
    )


def build(archivist: Any, manager: Any, other_manager: Any) -> World:
    month = this_month()
    before = shift_month(month, -1)
    north = SalesRegionFactory(name="华北")
    south = SalesRegionFactory(name="华南")
    gold1 = CustomerFactory(name="金一", manager=manager, sales_region=north, status="active")
    gold2 = CustomerFactory(name="金二", manager=manager, sales_region=north, status="active")
    gold3 = CustomerFactory(name="金三", manager=other_manager, sales_region=south, status="active")
    administrator = UserFactory(username="dashboard-admin", is_superuser=True, is_staff=True)
    for gold in (gold1, gold2, gold3):
        # dated before GOLD_CARD_BACKDATE_DAYS: the administrator's to record
        register(administrator, gold, issued_on=days_ago(400))
    ContactLogFactory(customer=gold1, occurred_at=timezone.now() - dt.timedelta(days=3))

    reminder(gold1, manager, month, Reminder.Status.SATISFIED)
    reminder(gold2, manager, month, Reminder.Status.OPEN)
    reminder(gold2, manager, before, Reminder.Status.MISSED)
    reminder(gold3, other_manager, month, Reminder.Status.MISSED)

    newbie = CustomerFactory(name="新客", manager=manager, sales_region=north, status="active")
    ContactLogFactory(customer=newbie, occurred_at=timezone.now() - dt.timedelta(days=1))
    Referral.objects.create(referrer=gold1, referred=newbie, referred_on=month)
    for on, price in ((month, "100000"), (month - dt.timedelta(days=40), "50000")):
        MachineFactory(
            customer=newbie,
            source=Machine.Source.FROM_US,
            purchase_date=on,
            purchase_price=Decimal(price),
            quantity=1,
        )

    credit(gold1, "1000.00", month)
    credit(gold3, "500.00", month)

    tiers = {}
    for key, owner in (("c1", manager), ("c2", manager), ("c3", manager)):
        tiers[key] = CustomerFactory(name=f"层{key}", manager=owner, sales_region=north)
    for key in ("c4", "c5", "c6"):
        tiers[key] = CustomerFactory(name=f"层{key}", manager=other_manager, sales_region=south)
    for key, amount, rank, tier, grid in (
        ("c1", 500, 1, "A", "EI"),
        ("c2", 300, 2, "A", "EII"),
        ("c3", 100, 3, "B", "EIII"),
        ("c4", 60, 4, "C", "EIV"),
        ("c5", 40, 5, "C", "EIV"),
    ):
        snap(tiers[key], month, amount, rank, tier, grid)
    for key, amount, rank, tier, grid in (
        ("c1", 500, 1, "A", "EI"),
        ("c2", 200, 2, "B", "EII"),
        ("c3", 150, 3, "B", "EIII"),
        ("c4", 100, 4, "B", "EIV"),
        ("c6", 50, 5, "C", "EIV"),
    ):
        snap(tiers[key], before, amount, rank, tier, grid)
    return World(month, north, south, gold1, gold2, gold3, newbie, tiers)
