"""Each role's home page shows its day's work first, each figure linking to its page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contacts.models import Reminder
from customers.importing.models import ImportBatch
from service.models import MaintenanceForecast
from tests.factories import (
    ContactLogFactory,
    CustomerFactory,
    DuplicateCandidateFactory,
    MachineFactory,
    ServiceRecordFactory,
    SubmissionFactory,
    TierSnapshotFactory,
)

pytestmark = pytest.mark.django_db


def _forecast(customer, due_in_days: int) -> MaintenanceForecast:
    today = timezone.localdate()
    return MaintenanceForecast.objects.create(
        machine=MachineFactory(customer=customer),
        state=MaintenanceForecast.State.PREDICTED,
        reading_count=3,
        last_read_on=today - dt.timedelta(days=10),
        last_hours=Decimal("480.0"),
        rate_per_day=Decimal("8.00"),
        next_due_hours=Decimal("500.0"),
        next_due_on=today + dt.timedelta(days=due_in_days),
    )


def test_executive_sees_gold_compliance_at_risk_and_tier_moves(client, executive, manager):
    month = timezone.localdate().replace(day=1)
    gold = [CustomerFactory(manager=manager, is_gold_card=True) for _ in range(3)]
    statuses = (Reminder.Status.SATISFIED, Reminder.Status.OPEN, Reminder.Status.SATISFIED)
    for customer, status in zip(gold, statuses, strict=True):
        Reminder.objects.create(
            kind=Reminder.Kind.GOLD_CONTACT,
            customer=customer,
            manager=manager,
            period=month,
            status=status,
        )
    ContactLogFactory(customer=gold[0], occurred_at=timezone.now())
    ContactLogFactory(customer=gold[2], occurred_at=timezone.now())
    CustomerFactory(manager=manager)  # never contacted: at risk, as gold[1] is
    TierSnapshotFactory(customer=gold[0], tier="A", previous_tier="B")
    TierSnapshotFactory(customer=gold[1], tier="C", previous_tier="A")
    TierSnapshotFactory(customer=gold[2], tier="B", previous_tier="")
    client.force_login(executive)
    response = client.get("/")
    day = response.context["executive"]
    assert (day.gold, day.contacted, day.due, day.compliance_rate) == (3, 2, 3, 66.7)
    assert day.at_risk == 2
    assert (day.moved_up, day.moved_down, day.newly_ranked) == (1, 1, 1)
    page = response.content.decode()
    for link in ("/loyalty/dashboards/", "/contacts/compliance/", "?at_risk=on", "/80-20/"):
        assert f'href="{link}' in page or link in page


def test_service_staff_see_maintenance_due_open_jobs_and_overdue(client, service_user):
    customer = CustomerFactory(name="维修客户")
    _forecast(customer, due_in_days=3)
    _forecast(customer, due_in_days=20)  # not this week
    _forecast(customer, due_in_days=-2)  # overdue: also "due this week"
    ServiceRecordFactory(customer=customer, subject="斗齿更换", status="open")
    ServiceRecordFactory(
        customer=customer, subject="已完成", status="closed", closed_on=timezone.localdate()
    )
    client.force_login(service_user)
    response = client.get("/")
    day = response.context["service"]
    assert (day.due_this_week, day.overdue, day.open_jobs) == (2, 1, 1)
    assert [r.subject for r in day.open_list] == ["斗齿更换"]
    page = response.content.decode()
    assert "斗齿更换" in page and "已完成" not in page
    assert "recent_customers" not in response.context


def test_archivist_sees_reports_to_file_duplicates_and_running_imports(client, archivist, manager):
    customer = CustomerFactory(name="汇报客户", manager=manager)
    SubmissionFactory(customer=customer)
    DuplicateCandidateFactory()
    DuplicateCandidateFactory(status="dismissed")
    ImportBatch.objects.create(
        created_by=archivist,
        file_name="客户名单.xlsx",
        sha256="a" * 64,
        status=ImportBatch.Status.CHECKED,
    )
    ImportBatch.objects.create(
        created_by=archivist,
        file_name="旧名单.xlsx",
        sha256="b" * 64,
        status=ImportBatch.Status.COMMITTED,
    )
    client.force_login(archivist)
    response = client.get("/")
    day = response.context["archivist"]
    assert (day.to_file, day.duplicates) == (1, 1)
    assert [b.file_name for b in day.imports] == ["客户名单.xlsx"]
    page = response.content.decode()
    assert "汇报客户" in page and "客户名单.xlsx" in page and "旧名单.xlsx" not in page


def test_manager_home_labels_both_dates_of_a_pending_report(client, manager):
    customer = CustomerFactory(name="刘文才", manager=manager)
    SubmissionFactory(customer=customer)
    client.force_login(manager)
    page = client.get("/").content.decode()
    assert "contact on" in page and "sent" in page


def test_manager_home_reminders_leave_at_risk_customers_to_their_own_list(client, manager):
    customer = CustomerFactory(name="久未联系", manager=manager)
    Reminder.objects.create(
        kind=Reminder.Kind.AT_RISK,
        customer=customer,
        manager=manager,
        period=timezone.localdate().replace(day=1),
    )
    birthday = Reminder.objects.create(
        kind=Reminder.Kind.BIRTHDAY,
        customer=customer,
        manager=manager,
        period=timezone.localdate().replace(day=1),
    )
    client.force_login(manager)
    home = client.get("/").context["manager"]
    assert home.reminders == [birthday]
    assert [c.name for c in home.at_risk] == ["久未联系"]


def test_manager_home_lists_his_first_20_open_reminders_by_due_date(client, manager, other_manager):
    # given 30 open reminders of his (due in any order), closed ones and another manager's
    today = timezone.localdate()
    mine = []
    for i in range(30):
        customer = CustomerFactory(name=f"客户{i:02d}", manager=manager)
        mine.append(
            Reminder.objects.create(
                kind=Reminder.Kind.BIRTHDAY,
                customer=customer,
                manager=manager,
                period=today.replace(month=1, day=1),
                due_on=today + dt.timedelta(days=(i * 7) % 30),
            )
        )
        Reminder.objects.create(
            kind=Reminder.Kind.GOLD_CONTACT,
            customer=customer,
            manager=manager,
            period=today.replace(day=1),
            due_on=today - dt.timedelta(days=40),
            status=Reminder.Status.CLOSED,
        )
    theirs = CustomerFactory(name="别人的客户", manager=other_manager)
    Reminder.objects.create(
        kind=Reminder.Kind.BIRTHDAY,
        customer=theirs,
        manager=other_manager,
        period=today.replace(month=1, day=1),
        due_on=today - dt.timedelta(days=40),
    )
    client.force_login(manager)
    home = client.get("/").context["manager"]
    assert home.reminders == sorted(mine, key=lambda r: (r.due_on, r.pk))[:20]
