"""Browser views of the manager's loop."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contacts.models import ContactLog, MonthlyReport, Submission
from tests.factories import ContactLogFactory, CustomerFactory, PhoneFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def report_form(**extra):
    return {
        "channel": "visit",
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "summary": "客户想换新机",
        "intents": ["new_machine", "parts"],
        **extra,
    }


def test_manager_submits_by_picked_id(client, manager, customer):
    client.force_login(manager)
    response = client.post("/contacts/submit/", report_form(customer_id=customer.pk))
    submission = Submission.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/contacts/submissions/{submission.pk}/"
    )
    assert submission.customer == customer and submission.intents == ",new_machine,parts,"


def test_manager_submits_by_typed_phone_without_javascript(client, manager, customer):
    PhoneFactory(customer=customer, raw="13800138000")
    client.force_login(manager)
    client.post("/contacts/submit/", report_form(customer_query="138-0013-8000"))
    assert Submission.objects.get().customer == customer


def test_ambiguous_search_asks_to_pick(client, manager, customer):
    CustomerFactory(name="刘稳材", manager=manager)
    client.force_login(manager)
    response = client.post("/contacts/submit/", report_form(customer_query="lwc"))
    assert response.status_code == 200
    assert len(response.context["candidates"]) == 2
    assert not Submission.objects.exists()


def test_picking_another_managers_customer_is_404(client, other_manager, customer):
    client.force_login(other_manager)
    response = client.post("/contacts/submit/", report_form(customer_id=customer.pk))
    assert response.status_code == 404
    assert not Submission.objects.exists()


def test_new_customer_report(client, manager):
    client.force_login(manager)
    client.post(
        "/contacts/submit/",
        report_form(new_customer_name="赵铁柱", new_customer_phone="13905390000"),
    )
    submission = Submission.objects.get()
    assert submission.customer is None and submission.new_customer_name == "赵铁柱"


def test_empty_report_shows_errors_and_writes_nothing(client, manager):
    client.force_login(manager)
    response = client.post("/contacts/submit/", {"channel": "", "summary": ""})
    assert response.status_code == 200
    assert {"channel", "summary", "occurred_at"} <= set(response.context["form"].errors)
    assert not Submission.objects.exists()


def test_inbox_lists_pending_oldest_first_with_nav_count(client, archivist, customer):
    older = SubmissionFactory(customer=customer, submitted_at=timezone.now() - dt.timedelta(days=3))
    newer = SubmissionFactory(customer=customer)
    SubmissionFactory(customer=customer, status="rejected", reject_reason="x")
    client.force_login(archivist)
    response = client.get("/contacts/inbox/")
    assert [s.pk for s in response.context["page"].object_list] == [older.pk, newer.pk]
    assert response.context["nav_inbox_count"] == 2


def test_archivist_files_with_edits_and_dossier_correction(client, archivist, customer):
    submission = SubmissionFactory(customer=customer)
    client.force_login(archivist)
    page = client.get(f"/contacts/submissions/{submission.pk}/file/")
    assert page.context["form"].initial["summary"] == submission.summary  # pre-filled
    response = client.post(
        f"/contacts/submissions/{submission.pk}/file/",
        {
            **report_form(summary="整理后的记录"),
            "customer-status": "dormant",
            "customer-province": customer.province,
            "customer-city": customer.city,
            "customer-county": customer.county,
            "customer-industry": customer.industry,
        },
    )
    assert response.status_code == 302
    log = ContactLog.objects.get()
    assert log.summary == "整理后的记录" and log.submission == submission
    customer.refresh_from_db()
    assert customer.status == "dormant"


def test_reject_without_reason_shows_error(client, archivist, customer):
    submission = SubmissionFactory(customer=customer)
    client.force_login(archivist)
    response = client.post(f"/contacts/submissions/{submission.pk}/reject/", {"reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    submission.refresh_from_db()
    assert submission.status == "pending"


def test_manager_sees_rejection_reason(client, archivist, manager, customer):
    submission = SubmissionFactory(customer=customer)
    client.force_login(archivist)
    client.post(f"/contacts/submissions/{submission.pk}/reject/", {"reason": "日期写错了"})
    client.force_login(manager)
    html = client.get(f"/contacts/submissions/{submission.pk}/").content.decode()
    assert "日期写错了" in html


def test_dossier_shows_logs_newest_first_and_filters(client, archivist, customer):
    ContactLogFactory(
        customer=customer, summary="旧的", occurred_at=timezone.now() - dt.timedelta(days=9)
    )
    ContactLogFactory(customer=customer, summary="新的", intents=",parts,")
    client.force_login(archivist)
    dossier = client.get(f"/customers/{customer.pk}/")
    assert [log.summary for log in dossier.context["dossier"].contact_logs] == ["新的", "旧的"]
    filtered = client.get(f"/contacts/customer/{customer.pk}/", {"intent": "parts"})
    assert [log.summary for log in filtered.context["page"].object_list] == ["新的"]


def test_list_shows_last_contact_and_at_risk(client, archivist, manager):
    fresh = CustomerFactory(name="常联系", manager=manager)
    ContactLogFactory(customer=fresh)
    stale = CustomerFactory(name="很久没联系", manager=manager)
    ContactLogFactory(customer=stale, occurred_at=timezone.now() - dt.timedelta(days=120))
    client.force_login(archivist)
    rows = {c.name: c for c in client.get("/customers/").context["page"].object_list}
    assert rows["常联系"].at_risk is False and rows["很久没联系"].at_risk is True
    only_risk = client.get("/customers/", {"at_risk": "on"}).context["page"].object_list
    assert [c.name for c in only_risk] == ["很久没联系"]


def test_manager_home_shows_gold_status_pending_and_at_risk(client, manager, customer):
    gold = CustomerFactory(name="金卡王", manager=manager, is_gold_card=True)
    # now, not the factory's "yesterday", which is last month on the 1st
    ContactLogFactory(customer=gold, occurred_at=timezone.now())
    CustomerFactory(name="金卡李", manager=manager, is_gold_card=True)
    SubmissionFactory(customer=customer)
    client.force_login(manager)
    home = client.get("/").context["manager"]
    assert {c.name: c.contacted_this_month for c in home.gold} == {"金卡王": True, "金卡李": False}
    assert home.gold_contacted == 1
    assert len(home.pending) == 1
    assert "刘文才" in {c.name for c in home.at_risk}  # never contacted


def test_manager_home_bounds_the_gold_list(client, manager):
    # given: more gold customers than the home page lists (data that breaks the cap)
    contacted = CustomerFactory(name="金卡已联系", manager=manager, is_gold_card=True)
    ContactLogFactory(customer=contacted, occurred_at=timezone.now())
    for i in range(21):
        CustomerFactory(name=f"金卡{i:02d}", manager=manager, is_gold_card=True)
    client.force_login(manager)

    # when
    response = client.get("/")
    home = response.context["manager"]

    # then: 20 rows, the not-yet-contacted first; the counts are of all 22
    assert len(home.gold) == 20
    assert not any(c.contacted_this_month for c in home.gold)
    assert (home.gold_contacted, home.gold_total) == (1, 22)
    page = response.content.decode()
    assert "1 / 22" in page
    assert "/customers/?flag=gold" in page


def test_monthly_report_flow_in_browser(client, manager, executive):
    gold = CustomerFactory(manager=manager, is_gold_card=True)
    client.force_login(manager)
    response = client.post("/contacts/monthly/", {"month": timezone.localdate().strftime("%Y-%m")})
    report = MonthlyReport.objects.get()
    assert response["Location"] == f"/contacts/monthly/{report.pk}/"
    entry = report.entries.get(customer=gold)
    client.post(
        f"/contacts/monthly/{report.pk}/",
        {f"entry-{entry.pk}-problems": "要配件支持", "submit": "1"},
    )
    report.refresh_from_db()
    assert report.is_submitted and report.entries.get().problems == "要配件支持"
    client.force_login(executive)
    assert "要配件支持" in client.get(f"/contacts/monthly/{report.pk}/").content.decode()


def test_notifications_unread_count_and_mark_read(client, archivist, manager, customer):
    SubmissionFactory(customer=customer)
    from contacts import services

    services.notification_send(recipients=[manager], kind="alert", title="测试通知")
    client.force_login(manager)
    assert client.get("/").context["nav_unread_count"] == 1
    client.post("/contacts/notifications/read/")
    assert client.get("/").context["nav_unread_count"] == 0


def test_the_dossier_shows_the_manager_his_reports_still_waiting(client, manager):
    customer = CustomerFactory(name="刘文才", manager=manager)
    SubmissionFactory(customer=customer, summary="谈了新机需求，下周再去")
    client.force_login(manager)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert 'data-testid="my-pending-reports"' in page
    assert "谈了新机需求" in page
    # once filed, it is a contact log, no longer waiting
    Submission.objects.update(status=Submission.Status.FILED)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert 'data-testid="my-pending-reports"' not in page
