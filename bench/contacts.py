"""The manager's loop at scale (issue 3): the dossier with 2,000 contact logs keeps the
query count of one with 1, and the archivist's inbox with 10,000 pending submissions
answers p95 ≤ 100 ms; the sales manager's home page with 5,000 open reminders answers
p95 ≤ 100 ms (issue 19). Its own section of docs/benchmarks.md.

    .venv/bin/python bench/contacts.py        (or via `make bench`)
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECTION = "contacts"
LOGS = 2_000
PENDING = 10_000
REQUESTS = 40
OPEN_REMINDERS = 5_000
# The bench's own reminders: birthday reminders of a year no job opens (unique per customer).
BENCH_REMINDER_PERIOD = dt.date(2000, 1, 1)
HOME_TARGET_MS = 100.0


def _fixtures(archivist: Any, manager: Any) -> tuple[Any, Any]:
    from django.utils import timezone

    from contacts.models import ContactLog, Submission
    from contacts.services import refresh_last_contacted
    from customers import services as customer_services
    from customers.models import Customer

    def customer(ref: str, logs: int) -> Any:
        found = Customer.objects.filter(external_ref=ref).first()
        if found is None:
            found = customer_services.customer_create(
                actor=archivist,
                data={"name": f"联系测试{logs}", "external_ref": ref, "manager": manager},
                confirm_new=True,
                confirm_reason="benchmark data",
            )
        have = ContactLog.objects.filter(customer=found).count()
        now = timezone.now()
        ContactLog.objects.bulk_create(
            [
                ContactLog(
                    customer=found,
                    staff=manager,
                    channel="phone",
                    occurred_at=now - dt.timedelta(hours=i + 1),
                    summary=f"电话回访第{i}次",
                    intents=",information,",
                )
                for i in range(have, logs)
            ],
            batch_size=2000,
        )
        refresh_last_contacted([found.pk])  # bulk_create sends no signals
        return found

    light, heavy = customer("BENCHCONTACT-1", 1), customer("BENCHCONTACT-2000", LOGS)
    pending = Submission.objects.filter(status="pending", summary__startswith="BENCH").count()
    now = timezone.now()
    Submission.objects.bulk_create(
        [
            Submission(
                author=manager,
                customer=light,
                channel="visit",
                occurred_at=now - dt.timedelta(minutes=i + 1),
                submitted_at=now - dt.timedelta(minutes=i),
                summary=f"BENCH 拜访汇报 {i}",
            )
            for i in range(pending, PENDING)
        ],
        batch_size=2000,
    )
    return light, heavy


def _open_reminders(manager: Any) -> int:
    """At least OPEN_REMINDERS open reminders the manager's home lists (at-risk ones have
    their own list there), topped up with bench birthday reminders on his customers."""
    from django.utils import timezone

    from contacts.models import Reminder
    from customers.models import Customer

    listed = Reminder.objects.filter(manager=manager, status=Reminder.Status.OPEN).exclude(
        kind=Reminder.Kind.AT_RISK
    )
    missing = OPEN_REMINDERS - listed.count()
    if missing > 0:
        taken = Reminder.objects.filter(
            kind=Reminder.Kind.BIRTHDAY, period=BENCH_REMINDER_PERIOD
        ).values("customer_id")
        ids = list(
            Customer.objects.filter(manager=manager)
            .exclude(pk__in=taken)
            .order_by("pk")
            .values_list("pk", flat=True)[:missing]
        )
        today = timezone.localdate()
        Reminder.objects.bulk_create(
            [
                Reminder(
                    kind=Reminder.Kind.BIRTHDAY,
                    customer_id=pk,
                    manager=manager,
                    period=BENCH_REMINDER_PERIOD,
                    due_on=today + dt.timedelta(days=i % 60 - 30),
                )
                for i, pk in enumerate(ids)
            ],
            batch_size=2000,
        )
    return listed.count()


def run(*, archivist: Any, manager: Any, doc: Path | None) -> bool:
    from django.db import connection

    from bench.report import Timing, ms, replace_section
    from bench.run import client_for, count_queries, timed_get

    light, heavy = _fixtures(archivist, manager)
    reminders = _open_reminders(manager)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = client_for(archivist)
    counts = {
        label: len(count_queries(client, f"/customers/{c.pk}/"))
        for label, c in (("1 log", light), (f"{LOGS:,} logs", heavy))
    }
    dossier = Timing()
    for _ in range(REQUESTS):
        dossier.add(timed_get(client, f"/customers/{heavy.pk}/")[0])
    inbox = Timing()
    inbox_sql = len(count_queries(client, "/contacts/inbox/"))
    for page in range(REQUESTS):
        inbox.add(timed_get(client, "/contacts/inbox/", {"page": str(1 + page % 5)})[0])
    home_client = client_for(manager)
    home_sql = len(count_queries(home_client, "/"))
    home = Timing()
    for _ in range(REQUESTS):
        home.add(timed_get(home_client, "/")[0])
    equal = len(set(counts.values())) == 1
    body = "\n".join(
        [
            "## Manager's loop: dossier with 2,000 contact logs, inbox with 10,000 reports, "
            "home with 5,000 reminders",
            "",
            f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `make bench` (`bench/contacts.py`) on "
            "the bench database, as the archivist (the home page: as the sales manager), "
            "through the full view stack.",
            "",
            "| target | measured | result |",
            "|---|---|---|",
            f"| dossier query count independent of contact logs | "
            f"{' vs '.join(f'{n} ({k})' for k, n in counts.items())} | "
            f"{'PASS' if equal else 'FAIL'} |",
            f"| inbox with {PENDING:,} pending submissions, p95 ≤ 100 ms | p50 {ms(inbox.p50)} ms, "
            f"p95 {ms(inbox.p95)} ms ({inbox_sql} queries, pages 1–5) | "
            f"{'PASS' if inbox.p95 <= 100 else 'FAIL'} |",
            f"| sales manager's home with {reminders:,} open reminders "
            f"({manager.get_username()}), p95 ≤ {HOME_TARGET_MS:.0f} ms | p50 {ms(home.p50)} ms, "
            f"p95 {ms(home.p95)} ms ({home_sql} queries) | "
            f"{'PASS' if home.p95 <= HOME_TARGET_MS else 'FAIL'} |",
            f"| dossier with {LOGS:,} logs (no target) | p50 {ms(dossier.p50)} ms, "
            f"p95 {ms(dossier.p95)} ms | |",
        ]
    )
    print(body)
    if doc is not None:
        replace_section(doc, SECTION, body)
    return equal


if __name__ == "__main__":
    from bench.django_env import ROOT, database_url, setup_django

    database_url()
    setup_django()
    from django.contrib.auth import get_user_model

    User = get_user_model()
    ok = run(
        archivist=User.objects.get(username="bench_archivist"),
        manager=User.objects.get(username="bench_manager1"),
        doc=ROOT / "docs/benchmarks.md",
    )
    raise SystemExit(0 if ok else 1)
