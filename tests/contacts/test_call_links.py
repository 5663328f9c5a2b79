"""Call, then log it (issue 18): numbers are tel: links, the report form takes the call."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Reminder
from tests.factories import PhoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminder(customer):
    PhoneFactory(customer=customer, raw="138 0013 8000")
    return Reminder.objects.create(
        kind=Reminder.Kind.GOLD_CONTACT,
        customer=customer,
        manager=customer.manager,
        period=timezone.localdate().replace(day=1),
        due_on=timezone.localdate(),
    )


@pytest.mark.parametrize(
    "url",
    [
        lambda c: reverse("home"),
        lambda c: reverse("customers:list"),
        lambda c: reverse("customers:detail", args=[c.pk]),
        lambda c: reverse("contacts:reminders"),
    ],
    ids=["home", "customer-list", "dossier", "reminders"],
)
def test_manager_sees_numbers_as_tel_links_that_know_where_to_log_the_call(
    client, manager, customer, reminder, url
):
    client.force_login(manager)
    html = client.get(url(customer)).content.decode()
    assert 'href="tel:+8613800138000"' in html
    assert f"customer={customer.pk}" in html and "channel=phone" in html


def test_service_staff_get_a_plain_tel_link_without_a_report_to_log(
    client, service_user, customer, reminder
):
    client.force_login(service_user)
    html = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'href="tel:+8613800138000"' in html
    assert "data-call-url" not in html


def test_report_form_is_filled_in_from_the_call(client, manager, customer, reminder):
    client.force_login(manager)
    at = (timezone.localtime() - dt.timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.get(
        reverse("contacts:submit"),
        {"customer": customer.pk, "phone": "138 0013 8000", "channel": "phone", "at": at},
    )
    form = response.context["form"]
    assert response.context["called"] == "138 0013 8000"
    assert form["channel"].value() == "phone"
    # the form shows local time without a zone (DateTimeField.prepare_value)
    assert form["occurred_at"].value().strftime("%Y-%m-%dT%H:%M") == at
    assert "autofocus" in str(form["summary"])


def test_report_form_ignores_a_number_not_the_customers_and_a_time_in_the_future(
    client, manager, customer, reminder
):
    client.force_login(manager)
    future = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.get(
        reverse("contacts:submit"),
        {"customer": customer.pk, "phone": "110", "channel": "fax", "at": future},
    )
    form = response.context["form"]
    assert response.context["called"] == ""
    assert form["channel"].value() == "phone"  # the form's own default, not "fax"
    assert form["occurred_at"].value() <= timezone.localtime().replace(tzinfo=None)


def test_another_managers_customer_answers_404_on_the_call_form(
    client, other_manager, customer, reminder
):
    client.force_login(other_manager)
    response = client.get(reverse("contacts:submit"), {"customer": customer.pk, "phone": "x"})
    assert response.status_code == 404
