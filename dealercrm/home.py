"""What each role's home page shows first: its day's work, each figure linking to the page
where it is worked on. A page that composes several apps, so it lives on the top floor.

- sales managers: this month's gold customers to contact, reminders, reports, at-risk
  (contacts.selectors.manager_home);
- executives: gold customers, this month's contact compliance, at-risk customers and
  the latest month's tier moves;
- service staff: maintenance due this week, open jobs, overdue maintenance;
- the archivist: reports to file, duplicates to review, imports under way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from contacts import selectors as contact_selectors
from customers import selectors as customer_selectors
from customers.importing import selectors as import_selectors
from customers.importing.models import ImportBatch
from customers.matching import selectors as matching_selectors
from customers.matching.models import DuplicateCandidate
from dealercrm import roles
from loyalty.models import TierSnapshot
from loyalty.selectors.tiers import latest_month
from service import selectors as service_selectors
from service.models import ServiceRecord

LIST_LENGTH = 8
WEEK = 7
RUNNING_IMPORTS = (
    ImportBatch.Status.MAPPING,
    ImportBatch.Status.CHECKING,
    ImportBatch.Status.CHECKED,
    ImportBatch.Status.COMMITTING,
)
# A before B before C: a move towards A is up.
_TIER_RANK = {TierSnapshot.Tier.A: 0, TierSnapshot.Tier.B: 1, TierSnapshot.Tier.C: 2}


@dataclass
class ExecutiveDay:
    gold: int
    month: dt.date
    contacted: int
    due: int
    at_risk: int
    tier_month: dt.date | None
    moved_up: int = 0
    moved_down: int = 0
    newly_ranked: int = 0

    @property
    def compliance_rate(self) -> float | None:
        return round(100 * self.contacted / self.due, 1) if self.due else None


@dataclass
class ServiceDay:
    due_this_week: int
    due_list: list[Any]
    open_jobs: int
    open_list: list[ServiceRecord]
    overdue: int
    overdue_follow_ups: int


@dataclass
class ArchivistDay:
    to_file: int
    inbox: list[Any]
    duplicates: int
    imports: list[ImportBatch] = field(default_factory=list)


def executive_day(*, user: roles.Actor, today: dt.date | None = None) -> ExecutiveDay:
    today = today or timezone.localdate()
    month = today.replace(day=1)
    customers = customer_selectors.visible_customers(user=user)
    rows = contact_selectors.compliance(user=user, month=month)
    day = ExecutiveDay(
        gold=customers.filter(is_gold_card=True).count(),
        month=month,
        contacted=sum(r.contacted for r in rows),
        due=sum(r.due for r in rows),
        at_risk=customers.filter(customer_selectors.at_risk_filter(today)).count(),
        tier_month=latest_month(),
    )
    if day.tier_month is not None:
        moves = (
            # the visible customers as a condition on the snapshots (their merged tombstones
            # anti-joined), not a join with every live customer: 190 → ~40 ms at 100,000
            TierSnapshot.objects.filter(
                customer_selectors.visible_customers_filter(user=user, prefix="customer"),
                month=day.tier_month,
            )
            .exclude(tier=F("previous_tier"))
            .values_list("previous_tier", "tier")
            .annotate(n=Count("id"))
        )
        for before, after, n in moves:
            if not before:
                day.newly_ranked += n
            elif _TIER_RANK[after] < _TIER_RANK[before]:
                day.moved_up += n
            else:
                day.moved_down += n
    return day


def service_day(*, user: roles.Actor, today: dt.date | None = None) -> ServiceDay:
    today = today or timezone.localdate()
    due = service_selectors.maintenance_due(
        user=user, filters=service_selectors.DueFilters(within_days=WEEK), today=today
    )
    # Overdue machines are among those due within the week (next due before today): both
    # counted in one pass over the forecasts, not two joins with every machine.
    counts = due.order_by().aggregate(
        week=Count("pk"), overdue=Count("pk", filter=Q(next_due_on__lt=today))
    )
    records = service_selectors.service_records(user=user)
    open_jobs = records.exclude(status=ServiceRecord.Status.CLOSED)
    return ServiceDay(
        due_this_week=counts["week"],
        due_list=list(due[:LIST_LENGTH]),
        open_jobs=open_jobs.count(),
        open_list=list(
            open_jobs.select_related("customer", "machine", "technician").order_by(
                "opened_on", "id"
            )[:LIST_LENGTH]
        ),
        overdue=counts["overdue"],
        overdue_follow_ups=records.filter(
            service_selectors.overdue_follow_up_filter(today)
        ).count(),
    )


def archivist_day(*, user: roles.Actor) -> ArchivistDay:
    inbox = contact_selectors.inbox(user=user)
    return ArchivistDay(
        to_file=inbox.count(),
        inbox=list(inbox.select_related("customer", "author")[:LIST_LENGTH]),
        duplicates=matching_selectors.candidate_list(
            user=user,
            filters=matching_selectors.CandidateFilters(status=DuplicateCandidate.Status.OPEN),
        ).count(),
        imports=list(
            import_selectors.batch_list(user=user)
            .filter(status__in=RUNNING_IMPORTS)
            .order_by("-created_at")[:LIST_LENGTH]
        )
        if roles.can_import_customers(user)
        else [],
    )
