"""Scheduled work on the 100k-customer set (issue 6): tiering with 1,000,000 parts lines
(target ≤ 10 s on PostgreSQL) and opening reminders for 10,000 gold customers (≤ 5 s).

Called by bench/run.py after the foundation set exists; adds its own parts orders once
(orders and lines marked `BENCH-` in the invoice number). The 10,000 gold customers of the
reminder timing exist only while it runs: with at most 10 gold customers per manager
(seed 000) they need 1,000 managers, made with them in one transaction that is rolled back
after the timing, so none of them reaches the bench managers the load test logs in as
(issue 19), nor any other measurement.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from pathlib import Path

from bench.report import replace_section

SECTION = "scheduled"
ORDERS = 200_000
LINES_PER_ORDER = 5
GOLD = 10_000
MONTH = dt.date(2026, 10, 1)


def _ensure_parts(rng: random.Random) -> float | None:
    from customers.models import Customer
    from parts.models import PartsOrder, PartsOrderLine

    if PartsOrder.objects.filter(invoice_number__startswith="BENCH-").count() >= ORDERS:
        return None
    started = time.perf_counter()
    ids = list(Customer.objects.values_list("pk", flat=True))
    PartsOrder.objects.filter(invoice_number__startswith="BENCH-").delete()
    for batch_start in range(0, ORDERS, 10_000):
        orders = []
        for i in range(batch_start, batch_start + 10_000):
            day = dt.date(2025, 11, 1) + dt.timedelta(days=rng.randrange(365))
            total = Decimal(rng.randrange(200, 20_000))
            orders.append(
                PartsOrder(
                    customer_id=rng.choice(ids),
                    ordered_on=day,
                    invoice_number=f"BENCH-{i}",
                    subtotal=total,
                    discount_rate=Decimal("0"),
                    discount_amount=Decimal("0"),
                    total=total,
                )
            )
        created = PartsOrder.objects.bulk_create(orders)
        lines = [
            PartsOrderLine(
                order=order,
                position=n + 1,
                name="机油滤芯",
                category="filter",
                quantity=Decimal(1),
                unit_price=order.total / LINES_PER_ORDER,
                discount_percent=Decimal(0),
                amount=order.total / LINES_PER_ORDER,
            )
            for order in created
            for n in range(LINES_PER_ORDER)
        ]
        PartsOrderLine.objects.bulk_create(lines, batch_size=10_000)
    return time.perf_counter() - started


def _timing_set() -> int:
    """Inside the caller's transaction: GOLD // cap sales managers of the timing's own, each
    given `cap` live customers flagged gold. Returns the managers made."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from bench.generate import gold_cap
    from customers.models import Customer
    from dealercrm import roles

    cap = gold_cap()
    User = get_user_model()
    managers = User.objects.bulk_create(
        User(username=f"bench_timing{i:04d}", last_name="计时", password=make_password(None))
        for i in range(GOLD // cap)
    )
    group = Group.objects.get(name=roles.SALES_MANAGER)
    Membership = User.groups.through
    Membership.objects.bulk_create(Membership(user_id=m.pk, group_id=group.pk) for m in managers)
    ids = list(
        Customer.objects.filter(is_gold_card=False, merged_into__isnull=True)
        .exclude(status=Customer.Status.LOST)
        .order_by("pk")
        .values_list("pk", flat=True)[: len(managers) * cap]
    )
    for n, manager in enumerate(managers):
        Customer.objects.filter(pk__in=ids[n * cap : (n + 1) * cap]).update(
            manager=manager, is_gold_card=True
        )
    return len(managers)


def run(*, doc: Path | None) -> bool:
    from django.db import connection, transaction

    from contacts.models import Reminder
    from contacts.services import reminders_open_month
    from dealercrm.jobs import system_actor
    from loyalty.services.tiers import tiers_compute
    from parts.models import PartsOrderLine

    rng = random.Random(20261123)
    generated = _ensure_parts(rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    system = system_actor()
    tier_times = []
    for _ in range(3):
        started = time.perf_counter()
        result = tiers_compute(actor=system, month=MONTH)
        tier_times.append(time.perf_counter() - started)
        # The replaced month's 100,000 dead rows made reusable, as autovacuum does after a
        # bulk write (it is off on the bench machine): without it every bench run grew the
        # table by three months' worth and the 80/20 scans read them all.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE loyalty_tiersnapshot")
    reminder_times = []
    with transaction.atomic():  # the timing set, rolled back below
        timing_managers = _timing_set()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")
        for _ in range(2):
            Reminder.objects.filter(period=MONTH).delete()
            started = time.perf_counter()
            opened = reminders_open_month(actor=system, month=MONTH)
            reminder_times.append(time.perf_counter() - started)
        again = time.perf_counter()
        reminders_open_month(actor=system, month=MONTH)
        rerun = time.perf_counter() - again
        transaction.set_rollback(True)  # the statistics ANALYZE took with it too
    lines = PartsOrderLine.objects.count()
    measured = f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `make bench` (`bench/scheduled.py`)"
    data = f"{result.customers:,} customers, {lines:,} parts lines ({ORDERS:,} bench orders)"
    made = f"; the orders were generated in {generated:.0f} s" if generated else ""
    body = "\n".join(
        [
            "## Scheduled work: tiering and reminders",
            "",
            f"{measured} on the bench database: {data}{made}.",
            "",
            "| job | measured | target | result |",
            "|---|---|---|---|",
            f"| `compute_tiers` for {MONTH:%Y-%m} (one INSERT … SELECT with window functions), "
            f"best / worst of 3 | {min(tier_times):.2f} s / {max(tier_times):.2f} s | ≤ 10 s | "
            f"{'PASS' if max(tier_times) <= 10 else 'FAIL'} |",
            f"| `open_contact_reminders` for {opened.reminders:,} gold customers "
            f"({timing_managers:,} managers at the cap; rolled back after), best / worst "
            f"of 2 | {min(reminder_times):.2f} s / {max(reminder_times):.2f} s | ≤ 5 s | "
            f"{'PASS' if max(reminder_times) <= 5 else 'FAIL'} |",
            f"| the same, run again (nothing to create) | {rerun:.2f} s | | |",
            "",
            f"Tier counts: {result.counts}.",
        ]
    )
    print(body)
    if doc is not None:
        replace_section(doc, SECTION, body)
    return True
