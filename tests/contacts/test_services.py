"""contacts.services: the report → inbox → contact log loop, and monthly reports."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from contacts import services
from contacts.models import ContactLog, MonthlyReport, Notification, Submission
from customers.models import Customer
from tests.factories import ContactLogFactory, CustomerFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

REPORT = {
    "channel": "visit",
    "occurred_at": timezone.now() - dt.timedelta(hours=3),
    "place": "沂南县青驼镇工地",
    "project_status": "修路项目二期开工",
    "equipment_status": "两台装载机运转正常",
    "intents": ["new_machine", "information"],
    "summary": "客户计划下月再买一台ZL50",
    "next_step": "下周带报价再去",
}


def test_manager_submits_report_stored_as_sent(manager, archivist, customer):
    submission = services.submission_create(actor=manager, customer=customer, data=REPORT)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PENDING
    assert submission.author == manager
    assert submission.intents == ",new_machine,information,"
    assert submission.summary == REPORT["summary"]
    # the archivist is told
    assert Notification.objects.get(recipient=archivist).kind == "submission_new"


def test_manager_cannot_report_on_another_managers_customer(other_manager, customer):
    with pytest.raises(PermissionDenied):
        services.submission_create(actor=other_manager, customer=customer, data=REPORT)
    assert not Submission.objects.exists()


@pytest.mark.parametrize("role", ["archivist", "service_user", "executive", "outsider"])
def test_only_managers_submit(request, role, customer):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.submission_create(actor=actor, customer=customer, data=REPORT)


def test_extra_fields_in_a_report_change_nothing(manager, customer):
    submission = services.submission_create(
        actor=manager,
        customer=customer,
        data={**REPORT, "status": "filed", "handled_by": manager, "author": None},
    )
    submission.refresh_from_db()
    assert submission.status == "pending" and submission.handled_by is None
    assert submission.author == manager
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE  # the dossier is untouched


def test_report_needs_a_customer_and_a_summary(manager):
    with pytest.raises(ValidationError) as exc:
        services.submission_create(actor=manager, data={**REPORT, "summary": " "})
    assert {"customer", "summary"} <= set(exc.value.message_dict)
    assert not Submission.objects.exists()


def test_report_in_the_future_is_refused(manager, customer):
    with pytest.raises(ValidationError) as exc:
        services.submission_create(
            actor=manager,
            customer=customer,
            data={**REPORT, "occurred_at": timezone.now() + dt.timedelta(days=2)},
        )
    assert "occurred_at" in exc.value.message_dict


def test_filing_creates_the_log_and_tells_the_manager(archivist, manager, customer):
    submission = services.submission_create(actor=manager, customer=customer, data=REPORT)
    # when
    log = services.submission_file(
        actor=archivist, submission=submission, log_data={"summary": "客户计划下月买ZL50C"}
    )
    # then
    submission.refresh_from_db()
    assert submission.status == "filed" and submission.handled_by == archivist
    assert submission.contact_log == log
    assert log.customer == customer and log.staff == manager
    assert log.summary == "客户计划下月买ZL50C"  # the archivist's edit
    assert log.place == REPORT["place"]  # the rest pre-filled from the report
    assert log.intent_list == ["new_machine", "information"]
    assert submission.summary == REPORT["summary"]  # the report itself never changes
    assert Notification.objects.filter(recipient=manager, kind="submission_filed").exists()
    assert log.history.get().history_user == archivist


def test_filing_twice_creates_one_log(archivist, manager, customer):
    submission = SubmissionFactory(customer=customer)
    services.submission_file(actor=archivist, submission=submission)
    with pytest.raises(ValidationError):
        services.submission_file(actor=archivist, submission=submission)
    assert ContactLog.objects.count() == 1


def test_filing_a_stale_copy_after_rejection_is_refused(archivist, customer):
    submission = SubmissionFactory(customer=customer)
    stale = Submission.objects.get(pk=submission.pk)
    services.submission_reject(actor=archivist, submission=submission, reason="重复")
    with pytest.raises(ValidationError):
        services.submission_file(actor=archivist, submission=stale)
    assert not ContactLog.objects.exists()


def test_filing_is_atomic(archivist, customer):
    submission = SubmissionFactory(customer=customer)
    with (
        mock.patch("contacts.services.reports.notification_send", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        services.submission_file(
            actor=archivist, submission=submission, customer_data={"notes": "改了"}
        )
    submission.refresh_from_db()
    customer.refresh_from_db()
    assert submission.status == "pending"
    assert not ContactLog.objects.exists()
    assert customer.notes == ""


def test_filing_can_correct_the_dossier(archivist, customer):
    submission = SubmissionFactory(customer=customer)
    services.submission_file(
        actor=archivist, submission=submission, customer_data={"status": "dormant"}
    )
    customer.refresh_from_db()
    assert customer.status == "dormant"


def test_filing_a_new_customer_creates_him_for_the_manager(archivist, manager):
    submission = services.submission_create(
        actor=manager,
        data={
            **REPORT,
            "new_customer_name": "赵铁柱",
            "new_customer_phone": "139 0539 0000",
            "new_customer_place": "费县",
        },
    )
    log = services.submission_file(actor=archivist, submission=submission)
    customer = log.customer
    assert customer.name == "赵铁柱" and customer.manager == manager
    assert customer.phones.get().e164 == "+8613905390000"
    submission.refresh_from_db()
    assert submission.customer == customer


@pytest.mark.parametrize("role", ["manager", "executive", "service_user"])
def test_only_the_archivist_files_or_rejects(request, role, customer):
    actor = request.getfixturevalue(role)
    submission = SubmissionFactory(customer=customer)
    with pytest.raises(PermissionDenied):
        services.submission_file(actor=actor, submission=submission)
    with pytest.raises(PermissionDenied):
        services.submission_reject(actor=actor, submission=submission, reason="x")
    submission.refresh_from_db()
    assert submission.status == "pending"


def test_rejection_keeps_its_reason(archivist, manager, customer):
    submission = SubmissionFactory(customer=customer)
    services.submission_reject(actor=archivist, submission=submission, reason="客户名写错了")
    submission.refresh_from_db()
    assert (submission.status, submission.reject_reason) == ("rejected", "客户名写错了")
    note = Notification.objects.get(recipient=manager, kind="submission_rejected")
    assert note.body == "客户名写错了"


def test_rejection_needs_a_reason(archivist, customer):
    submission = SubmissionFactory(customer=customer)
    with pytest.raises(ValidationError):
        services.submission_reject(actor=archivist, submission=submission, reason="  ")
    submission.refresh_from_db()
    assert submission.status == "pending"


def test_a_correction_is_a_new_submission(manager, other_manager, customer):
    first = SubmissionFactory(customer=customer)
    second = services.submission_create(
        actor=manager, customer=customer, data={**REPORT, "corrects": first}
    )
    assert second.corrects == first and Submission.objects.count() == 2
    theirs = SubmissionFactory(customer=CustomerFactory(manager=other_manager))
    with pytest.raises(ValidationError):
        services.submission_create(
            actor=manager, customer=customer, data={**REPORT, "corrects": theirs}
        )


def test_filed_log_from_a_report_cannot_be_deleted(archivist, customer):
    log = services.submission_file(actor=archivist, submission=SubmissionFactory(customer=customer))
    with pytest.raises(ValidationError):
        services.contact_log_delete(actor=archivist, log=log)
    assert ContactLog.objects.filter(pk=log.pk).exists()


def test_archivist_enters_and_corrects_logs(archivist, manager, customer):
    log = services.contact_log_create(
        actor=archivist, customer=customer, data=REPORT, staff=manager
    )
    services.contact_log_update(actor=archivist, log=log, data={"summary": "更正"})
    log.refresh_from_db()
    assert log.summary == "更正" and log.history.count() == 2
    with pytest.raises(PermissionDenied):
        services.contact_log_update(actor=manager, log=log, data={"summary": "x"})


def test_follow_up_before_contact_is_refused(archivist, customer):
    with pytest.raises(ValidationError) as exc:
        services.contact_log_create(
            actor=archivist,
            customer=customer,
            data={**REPORT, "follow_up_on": (timezone.localdate() - dt.timedelta(days=30))},
        )
    assert "follow_up_on" in exc.value.message_dict


# --- monthly reports ---------------------------------------------------------------


def test_monthly_report_prefills_from_the_months_logs(manager):
    gold = CustomerFactory(name="金卡甲", manager=manager, is_gold_card=True)
    quiet = CustomerFactory(name="金卡乙", manager=manager, is_gold_card=True)
    CustomerFactory(name="普通", manager=manager)
    ContactLogFactory(customer=gold, summary="谈了配件", occurred_at=timezone.now())
    report = services.monthly_report_open(actor=manager, month=timezone.localdate())
    entries = {e.customer.name: e for e in report.entries.select_related("customer")}
    assert set(entries) == {"金卡甲", "金卡乙"}
    assert entries["金卡甲"].contacted and "谈了配件" in entries["金卡甲"].discussed
    assert not entries["金卡乙"].contacted
    assert quiet.pk in {e.customer_id for e in report.entries.all()}


def test_monthly_report_draft_is_replaced_then_frozen(manager):
    CustomerFactory(manager=manager, is_gold_card=True)
    report = services.monthly_report_open(actor=manager, month=timezone.localdate())
    entry = report.entries.get()
    services.monthly_report_save(
        actor=manager, report=report, entries={entry.pk: {"problems": "缺配件"}}
    )
    services.monthly_report_save(
        actor=manager, report=report, entries={entry.pk: {"problems": "缺滤芯"}}
    )
    assert report.entries.get().problems == "缺滤芯"
    services.monthly_report_save(actor=manager, report=report, submit=True)
    with pytest.raises(ValidationError):
        services.monthly_report_save(actor=manager, report=report, summary="改")
    # opening the same month again returns the one report, never a second
    again = services.monthly_report_open(actor=manager, month=timezone.localdate())
    assert again.pk == report.pk and MonthlyReport.objects.count() == 1
    assert again.is_submitted


def test_monthly_report_is_the_managers_own(manager, other_manager):
    report = services.monthly_report_open(actor=manager, month=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.monthly_report_save(actor=other_manager, report=report, summary="x")


def test_no_report_for_a_future_month(manager):
    with pytest.raises(ValidationError):
        services.monthly_report_open(
            actor=manager, month=timezone.localdate() + dt.timedelta(days=40)
        )
