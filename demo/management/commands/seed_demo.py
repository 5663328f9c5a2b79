"""seed_demo: idempotent zh_CN demo data with planted duplicates (ARCHITECTURE.md).
The data and its writing live in `demo`; this command runs them and reports."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from contacts.models import ContactLog, Reminder, Submission
from customers.matching.refresh import duplicates_refresh
from customers.models import (
    Customer,
    DuplicateCandidate,
    Machine,
    Operator,
    Phone,
    Project,
    SalesRegion,
    Shareholder,
)
from dealercrm import roles
from demo import load
from demo.activity import ActivityStats, write_activity
from demo.activity_jobs import JobStats, run_jobs, top_fifth_share
from demo.generate import GOLD_LIMIT_PER_MANAGER, LATEST_DATE, DemoData
from demo.gold import write_gold_programme, write_gold_rewards
from demo.load import DEFAULT_PASSWORD, DEMO_USERS
from demo.spec import REF_PREFIX
from demo.vocabulary import REGIONS
from loyalty.models import GoldCard, LedgerEntry, Referral, Tender, TierSnapshot
from parts.models import PartsOrder, PartsOrderLine
from service.models import HourReading, ServiceRecord

# The tests import these from here as well.
__all__ = [
    "DEFAULT_PASSWORD",
    "DEMO_USERS",
    "GOLD_LIMIT_PER_MANAGER",
    "LATEST_DATE",
    "Command",
    "DemoData",
]

DEFAULT_CUSTOMERS = 320


class Command(BaseCommand):
    help = "Idempotent zh_CN demo data: users per role, regions, customers, planted duplicates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers",
            type=int,
            default=DEFAULT_CUSTOMERS,
            help=f"How many demo customers to have (default {DEFAULT_CUSTOMERS}).",
        )
        parser.add_argument(
            "--url",
            default="",
            help="Where the app will be served (printed last, after the logins; `make run` "
            "passes its own host and port).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Eager Celery logs a line per task run while seeding (some 130): keep the output to
        # what a person starting the demo reads, with the logins last.
        with _quiet("celery", "kombu"):
            self.seed(options)

    def seed(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        users = load.ensure_users(password)
        regions = load.ensure_regions()
        # Dates are drawn up to a fixed day, so later runs generate the very same rows.
        today = min(timezone.localdate(), LATEST_DATE)
        specs = DemoData(today=today).build(max(options["customers"], 0))
        created = load.write_customers(
            specs, actor=users["archivist"], users=users, regions=regions
        )
        gold = write_gold_programme(actor=users["archivist"], today=today)
        # Activity is relative to the real today: contacts this month, tiers of recent months.
        activity = write_activity(actor=users["archivist"], users=users)
        write_gold_rewards(actor=users["archivist"], today=today, stats=gold)
        jobs = run_jobs()
        # The archivist's review queue filled as the nightly run would (the planted 刘文才
        # spellings, 张庆华 twice, the brothers): she opens it and finds work, not a command.
        queue = duplicates_refresh(actor=users["archivist"])
        seconds = time.monotonic() - started
        self.report(users=users, created=created, wanted=len(specs), seconds=seconds)
        self.stdout.write(
            f"  gold-card programme: {GoldCard.objects.count()} cards ({gold.cards} new), "
            f"{Referral.objects.count()} referrals, {LedgerEntry.objects.count()} ledger rows, "
            f"{Tender.objects.count()} tenders (see /loyalty/cards/)"
        )
        self.stdout.write(
            f"  duplicate review queue: "
            f"{DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN).count()} "
            f"open pairs ({queue.changed} customers checked; see /customers/duplicates/)"
        )
        self.report_activity(activity, jobs)
        self.report_logins(password, users=users, url=options["url"])

    def report_activity(self, activity: ActivityStats, jobs: JobStats) -> None:
        demo = Customer.objects.filter(external_ref__startswith=REF_PREFIX)
        tiers = ", ".join(f"{tier} {n}" for tier, n in jobs.tiers.items())
        months = f"{jobs.months[0]:%Y-%m}..{jobs.months[-1]:%Y-%m}" if jobs.months else "-"
        self.stdout.write(
            f"  activity 往来记录 ({activity.written} new rows): "
            f"{ContactLog.objects.filter(customer__in=demo).count()} contact logs "
            f"({Submission.objects.filter(status=Submission.Status.PENDING).count()} reports "
            f"waiting to be filed), "
            f"{PartsOrder.objects.filter(customer__in=demo).count()} parts orders "
            f"({PartsOrderLine.objects.filter(order__customer__in=demo).count()} lines), "
            f"{ServiceRecord.objects.filter(customer__in=demo).count()} service records, "
            f"{HourReading.objects.filter(machine__customer__in=demo).count()} hour readings"
        )
        self.stdout.write(
            f"  tiers {months}: {TierSnapshot.objects.count()} snapshots (this month {tiers}); "
            f"top 20% of customers bring {top_fifth_share()}% of parts and service money; "
            f"{Reminder.objects.count()} reminders, {jobs.missed} gold contacts missed "
            f"(see /loyalty/dashboards/)"
        )

    def report(self, *, users: dict[str, Any], created: int, wanted: int, seconds: float) -> None:
        demo = Customer.objects.filter(external_ref__startswith=REF_PREFIX)
        rows = {
            str(model._meta.verbose_name_plural): model.objects.filter(customer__in=demo).count()
            for model in (Phone, Shareholder, Machine, Operator, Project)
        }
        out = self.stdout
        out.write(
            self.style.SUCCESS(
                f"演示数据 demo data: {demo.count()} customers ({created} created, "
                f"{wanted - created} already there) in {seconds:.1f} s"
            )
        )
        out.write("  " + ", ".join(f"{count} {name}" for name, count in rows.items()))
        out.write(
            f"  {demo.filter(kind=Customer.Kind.SUB_DEALER).count()} sub-dealers, "
            f"{demo.filter(is_gold_card=True).count()} gold card, "
            f"{demo.filter(is_benchmark=True).count()} benchmark, "
            f"{demo.filter(is_key_account=True).count()} key accounts, "
            f"{SalesRegion.objects.count()} sales regions"
        )
        for region in REGIONS:
            mine = demo.filter(manager__username=region.manager)
            out.write(
                f"  {region.manager} {region.name}: {mine.count()} customers, "
                f"{mine.filter(is_gold_card=True).count()} gold card"
            )
        out.write("Planted duplicates 疑似重复 (see find_duplicates):")
        for line in (
            "demo-0001..0005 刘文才 / 刘文财 / 刘稳材 / 劉文才 / 刘总 — 沂南县青驼镇刘家庄村, "
            "shared 138 5399 1234, ZL50C-Ⅱ / ＺＬ５０Ｃ－II / ZL50C-II on one serial",
            "demo-0006/0007 张庆华 entered twice, the second time with a second phone",
            "demo-0008/0009 王振海 / 王镇海 — brothers in one village, NOT duplicates",
        ):
            out.write(f"  {line}")

    def report_logins(self, password: str, *, users: dict[str, Any], url: str) -> None:
        out = self.stdout
        out.write(f"Logins 登录 (password 密码: {password}):")
        for spec in DEMO_USERS:
            role = roles.role_label(users[spec.username])
            owned = next((r.name for r in REGIONS if r.manager == spec.username), "")
            out.write(f"  {spec.username:<10} {spec.last_name}{spec.first_name:<4} {role} {owned}")
        if url:
            out.write(f"Open 打开 {url} (admin {url}admin/, API docs {url}api/docs/)")
        else:
            out.write(
                "Start the app with `python manage.py runserver [host:port]` and open the "
                "address it prints (admin /admin/, API docs /api/docs/)."
            )


@contextlib.contextmanager
def _quiet(*names: str) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
