"""The scheduled reminder jobs (contacts.services.reminders), run as the system actor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from contacts import services
from contacts.models import Escalation, Notification, Nudge, Reminder
from dealercrm.jobs import system_actor
from tests.factories import ContactLogFactory, CustomerFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)
LAST_MONTH = (MONTH - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def system(db):
    return system_actor()


@pytest.fixture
def gold(manager):
    return [CustomerFactory(name=f"金卡{i}", manager=manager, is_gold_card=True) for i in range(3)]


def test_system_actor_cannot_log_in(system):
    assert not system.has_usable_password()


@pytest.mark.parametrize("role", ["manager", "archivist", "executive"])
def test_only_the_system_or_an_admin_runs_jobs(request, role):
    with pytest.raises(PermissionDenied):
        services.reminders_open_month(actor=request.getfixturevalue(role), month=MONTH)


def test_open_month_is_idempotent(system, gold, other_manager):
    CustomerFactory(manager=other_manager, is_gold_card=True, status="lost")  # not watched
    CustomerFactory(manager=other_manager)  # not gold
    first = services.reminders_open_month(actor=system, month=MONTH)
    second = services.reminders_open_month(actor=system, month=MONTH)
    assert first.reminders == second.reminders == 3
    assert Reminder.objects.filter(kind="gold_contact").count() == 3
    assert {r.due_on for r in Reminder.objects.all()} == {services.month_end(MONTH)}


def test_unassigned_gold_customer_alerts_the_archivist_once(system, archivist):
    CustomerFactory(name="无人管", is_gold_card=True)
    services.reminders_open_month(actor=system, month=MONTH)
    services.reminders_open_month(actor=system, month=MONTH)
    alerts = Notification.objects.filter(recipient=archivist, kind="alert")
    assert alerts.count() == 1 and "无人管" in alerts.get().body


def test_filed_log_in_the_month_satisfies_the_reminder(system, archivist, gold):
    services.reminders_open_month(actor=system, month=MONTH)
    services.submission_file(actor=archivist, submission=SubmissionFactory(customer=gold[0]))
    reminder = Reminder.objects.get(customer=gold[0])
    assert reminder.status == "satisfied" and reminder.satisfied_by is not None
    assert Reminder.objects.filter(status="open").count() == 2


def test_a_log_before_the_reminder_opened_still_counts(system, gold):
    ContactLogFactory(customer=gold[1], occurred_at=timezone.now())
    result = services.reminders_open_month(actor=system, month=MONTH)
    assert result.satisfied == 1
    assert Reminder.objects.get(customer=gold[1]).status == "satisfied"


def test_nudge_once_per_manager_per_week(system, manager, gold):
    services.reminders_open_month(actor=system, month=MONTH)
    assert services.reminders_nudge(actor=system, today=TODAY) == 1
    assert services.reminders_nudge(actor=system, today=TODAY) == 0
    assert Nudge.objects.count() == 1
    note = Notification.objects.get(recipient=manager, kind="reminder")
    assert "3" in note.title


def test_no_nudge_when_everything_is_done(system, manager, gold):
    services.reminders_open_month(actor=system, month=MONTH)
    for customer in gold:
        ContactLogFactory(customer=customer, occurred_at=timezone.now())
    assert services.reminders_nudge(actor=system, today=TODAY) == 0


def test_close_month_marks_missed_and_escalates_once(system, executive, manager):
    customers = [CustomerFactory(manager=manager, is_gold_card=True) for _ in range(2)]
    services.reminders_open_month(actor=system, month=LAST_MONTH)
    ContactLogFactory(
        customer=customers[0],
        occurred_at=timezone.make_aware(dt.datetime.combine(LAST_MONTH, dt.time(10))),
    )
    first = services.reminders_close_month(actor=system, month=LAST_MONTH)
    second = services.reminders_close_month(actor=system, month=LAST_MONTH)
    assert (first.missed, first.escalated) == (1, True)
    assert (second.missed, second.escalated) == (1, False)
    assert Escalation.objects.get().missed == 1
    assert Notification.objects.filter(recipient=executive, kind="alert").count() == 1
    statuses = dict(Reminder.objects.values_list("customer_id", "status"))
    assert statuses == {customers[0].pk: "satisfied", customers[1].pk: "missed"}


def test_a_month_that_has_not_ended_cannot_be_closed(system):
    with pytest.raises(ValueError):
        services.reminders_close_month(actor=system, month=MONTH)


def test_at_risk_tells_the_manager_once_per_quiet_spell(system, manager):
    quiet = CustomerFactory(manager=manager)
    ContactLogFactory(customer=quiet, occurred_at=timezone.now() - dt.timedelta(days=100))
    fresh = CustomerFactory(manager=manager)
    ContactLogFactory(customer=fresh, occurred_at=timezone.now() - dt.timedelta(days=3))
    assert services.reminders_daily(actor=system, today=TODAY).at_risk == 1
    assert services.reminders_daily(actor=system, today=TODAY).at_risk == 0
    assert Reminder.objects.get(kind="at_risk").customer == quiet
    assert Notification.objects.filter(recipient=manager, kind="reminder").count() == 1
    # contacted again: the reminder is done; a new quiet spell later is a new reminder
    log = ContactLogFactory(customer=quiet, occurred_at=timezone.now())
    services.reminders_after_contact(log=log)
    assert Reminder.objects.get(kind="at_risk").status == "satisfied"


def test_birthday_reminds_once_a_year(system, manager):
    soon = TODAY + dt.timedelta(days=3)
    born = CustomerFactory(manager=manager, birth_date=soon.replace(year=1970))
    CustomerFactory(manager=manager, birth_date=(TODAY + dt.timedelta(days=20)).replace(year=1970))
    assert services.reminders_daily(actor=system, today=TODAY).birthdays == 1
    assert services.reminders_daily(actor=system, today=TODAY + dt.timedelta(days=1)).birthdays == 0
    reminder = Reminder.objects.get(kind="birthday")
    assert reminder.customer == born and reminder.due_on == soon


def test_leap_day_birthday_is_remembered_on_the_28th(system, manager):
    CustomerFactory(manager=manager, birth_date=dt.date(1972, 2, 29))
    result = services.reminders_daily(actor=system, today=dt.date(2027, 2, 25))
    assert result.birthdays == 1
    assert Reminder.objects.get(kind="birthday").due_on == dt.date(2027, 2, 28)


def test_open_reminders_on_the_managers_home(client, system, manager, gold):
    services.reminders_open_month(actor=system, month=MONTH)
    client.force_login(manager)
    home = client.get("/").context["manager"]
    assert len(home.reminders) == 3


def test_compliance_per_manager(client, system, executive, manager, other_manager, gold):
    CustomerFactory(manager=other_manager, is_gold_card=True)
    services.reminders_open_month(actor=system, month=MONTH)
    ContactLogFactory(customer=gold[0], occurred_at=timezone.now())
    services.reminders_satisfy_month(month=MONTH)
    client.force_login(executive)
    rows = {r.manager.username: r for r in client.get("/contacts/compliance/").context["rows"]}
    assert (rows["manager1"].due, rows["manager1"].contacted, rows["manager1"].rate) == (3, 1, 33.3)
    assert (rows["manager2"].due, rows["manager2"].contacted) == (1, 0)


def test_manager_sees_only_his_reminders_in_api(system, manager, other_manager, gold):
    from rest_framework.test import APIClient

    CustomerFactory(manager=other_manager, is_gold_card=True)
    services.reminders_open_month(actor=system, month=MONTH)
    api = APIClient()
    api.force_authenticate(manager)
    body = api.get("/api/v1/reminders/", {"month": MONTH.strftime("%Y-%m")}).json()
    assert body["count"] == 3
    assert {r["manager"] for r in body["results"]} == {manager.pk}


def test_commands_run_as_the_system(capsys, gold):
    from django.core.management import call_command

    call_command("open_contact_reminders", "--month", MONTH.strftime("%Y-%m"))
    assert "3 gold-contact reminders" in capsys.readouterr().out
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="must look like"):
        call_command("open_contact_reminders", "--month", "November")
