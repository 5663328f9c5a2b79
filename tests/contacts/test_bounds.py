"""Bounds of the manager's loop (issue 15 part 4): a report's time from the dealer's founding
to now, its follow-up within two years, a monthly report's month, the new customer's name
and phone — the same rule in the browser and the API, nothing written when refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contacts.models import ContactLog, MonthlyReport, Submission
from dealercrm.validators import FOLLOW_UP_HORIZON_DAYS
from tests.factories import ContactLogFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chinese")]

FOUNDED = dt.date(2000, 1, 1)  # DEALER_FOUNDED_ON's default
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def local(day: dt.date, hour: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def browser_report(**extra):
    return {
        "channel": "visit",
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "summary": "客户想换新机",
        **extra,
    }


def api_report(**extra):
    return {
        "channel": "phone",
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "summary": "电话回访",
        **extra,
    }


# --- the report's time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0001-01-01T09:00", "日期不能早于经销商成立之日（2000-01-01）。"),
        ("1999-12-31T23:59", "日期不能早于经销商成立之日（2000-01-01）。"),
    ],
)
def test_a_report_before_the_founding_is_refused_in_the_browser(
    client, manager, customer, typed, message
):
    client.force_login(manager)
    response = client.post(
        "/contacts/submit/", browser_report(customer_id=customer.pk, **{"occurred_at": typed})
    )
    assert response.status_code == 200
    assert response.context["form"].errors["occurred_at"] == [message]
    assert not Submission.objects.exists()


def test_a_report_on_the_founding_day_is_accepted(client, manager, customer):
    client.force_login(manager)
    response = client.post(
        "/contacts/submit/",
        browser_report(customer_id=customer.pk, occurred_at="2000-01-01T00:00"),
    )
    assert response.status_code == 302
    assert Submission.objects.get().occurred_at == local(FOUNDED)


@pytest.mark.parametrize(
    "occurred_at", ["0001-01-01T00:00:00Z", "1999-12-31T15:59:59Z", "2999-01-01T00:00:00+08:00"]
)
def test_the_api_refuses_a_report_out_of_bounds(manager, customer, occurred_at):
    response = api(manager).post(
        "/api/v1/submissions/",
        api_report(customer=customer.pk, occurred_at=occurred_at),
        format="json",
    )
    assert response.status_code == 400, response.content
    (message,) = response.json()["occurred_at"]
    assert message in ("日期不能早于经销商成立之日（2000-01-01）。", "时间不能晚于现在。")
    assert not Submission.objects.exists()


def test_the_api_accepts_the_founding_instant_and_a_clock_slightly_ahead(manager, customer):
    client = api(manager)
    for occurred_at in (
        "1999-12-31T16:00:00Z",  # 2000-01-01 00:00 in the dealer's time zone
        (timezone.now() + dt.timedelta(minutes=4)).isoformat(),
    ):
        response = client.post(
            "/api/v1/submissions/",
            api_report(customer=customer.pk, occurred_at=occurred_at),
            format="json",
        )
        assert response.status_code == 201, response.content
    assert Submission.objects.count() == 2


def test_the_archivist_cannot_log_a_contact_in_year_one(archivist, customer):
    response = api(archivist).post(
        "/api/v1/contact-logs/",
        api_report(customer=customer.pk, occurred_at="0001-01-01T00:00:00Z"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["occurred_at"] == ["日期不能早于经销商成立之日（2000-01-01）。"]
    assert not ContactLog.objects.exists()


# --- the follow-up date ----------------------------------------------------------------------


def test_a_follow_up_beyond_two_years_is_refused_and_two_years_is_accepted(
    client, manager, customer
):
    today = timezone.localdate()
    too_far = today + dt.timedelta(days=FOLLOW_UP_HORIZON_DAYS + 1)
    at_horizon = today + dt.timedelta(days=FOLLOW_UP_HORIZON_DAYS)
    client.force_login(manager)
    response = client.post(
        "/contacts/submit/",
        browser_report(customer_id=customer.pk, follow_up_on=too_far.isoformat()),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["follow_up_on"] == ["跟进日期最多只能安排在两年之内。"]
    refused = api(manager).post(
        "/api/v1/submissions/",
        api_report(customer=customer.pk, follow_up_on="9999-12-31"),
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["follow_up_on"] == ["跟进日期最多只能安排在两年之内。"]
    assert not Submission.objects.exists()
    ok = api(manager).post(
        "/api/v1/submissions/",
        api_report(customer=customer.pk, follow_up_on=at_horizon.isoformat()),
        format="json",
    )
    assert ok.status_code == 201, ok.content


# --- the monthly report's month ----------------------------------------------------------------


def test_a_monthly_report_before_the_founding_month_is_refused(client, manager):
    client.force_login(manager)
    response = client.post("/contacts/monthly/", {"month": "1999-12"})
    assert response.status_code == 200
    assert response.context["form"].errors["month"] == ["月份不能早于经销商成立的月份（2000-01）。"]
    refused = api(manager).post("/api/v1/monthly-reports/", {"month": "0001-01"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["month"] == ["月份不能早于经销商成立的月份（2000-01）。"]
    assert not MonthlyReport.objects.exists()
    ok = api(manager).post("/api/v1/monthly-reports/", {"month": "2000-01"}, format="json")
    assert ok.status_code == 201, ok.content
    assert MonthlyReport.objects.get().month == FOUNDED


# --- the new customer's name and phone -------------------------------------------------------


def test_a_new_customers_phone_is_checked_as_the_customers_api_checks_it(
    client, manager, archivist
):
    refused = api(manager).post(
        "/api/v1/submissions/",
        api_report(new_customer_name="赵铁柱", new_customer_phone="abc"),
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["new_customer_phone"] == ["“abc”不是有效的电话号码。"]
    # the same words as the customers API for the same number
    customers_api = api(archivist).post(
        "/api/v1/customers/",
        {"name": "赵铁柱", "phones": [{"raw": "abc"}], "confirm_new": True},
        format="json",
    )
    assert customers_api.status_code == 400
    assert "“abc”不是有效的电话号码。" in str(customers_api.json())
    client.force_login(manager)
    response = client.post(
        "/contacts/submit/",
        browser_report(new_customer_name="赵铁柱", new_customer_phone="abc"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_customer_phone"] == ["“abc”不是有效的电话号码。"]
    assert not Submission.objects.exists()
    ok = api(manager).post(
        "/api/v1/submissions/",
        api_report(new_customer_name="赵铁柱", new_customer_phone="139 0539 0000"),
        format="json",
    )
    assert ok.status_code == 201, ok.content


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200c\u200d\ufeff", " \u3000\u2060 "])
def test_a_new_customer_named_only_with_invisible_characters_is_refused(client, manager, name):
    client.force_login(manager)
    response = client.post("/contacts/submit/", browser_report(new_customer_name=name))
    assert response.status_code == 200
    assert response.context["form"].errors
    refused = api(manager).post(
        "/api/v1/submissions/", api_report(new_customer_name=name), format="json"
    )
    assert refused.status_code == 400
    assert not Submission.objects.exists()


# --- what the API prints ----------------------------------------------------------------


def test_an_old_time_is_printed_as_rfc_3339_not_with_a_local_mean_time_offset(archivist, customer):
    # given: a log from before the rules (Shanghai's offset was +08:05:43 until 1901)
    old = ContactLogFactory(
        customer=customer, occurred_at=dt.datetime(1890, 6, 1, 4, 0, tzinfo=dt.UTC)
    )
    new = ContactLogFactory(customer=customer)
    # when
    body = api(archivist).get(f"/api/v1/contact-logs/{old.pk}/").json()
    # then: the same instant, in UTC, in a form RFC 3339 allows
    assert body["occurred_at"] == "1890-06-01T04:00:00Z"
    assert all(
        RFC3339.match(log["occurred_at"]) and RFC3339.match(log["created_at"])
        for log in api(archivist).get("/api/v1/contact-logs/").json()["results"]
    )
    # a recent time keeps the dealer's offset
    recent = api(archivist).get(f"/api/v1/contact-logs/{new.pk}/").json()["occurred_at"]
    assert recent.endswith("+08:00")
