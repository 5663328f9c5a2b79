"""Every field of the manager's loop, filled in the browser and read back (issue 15): the
report as the manager sends it, the filing page prefilled with all of it, the contact log
the archivist files, the logs he writes by hand, a rejection's reason."""

from __future__ import annotations

import pytest

from contacts.forms import REPORT_FORM_FIELDS
from contacts.models import ContactLog, Intent, Submission
from customers.models import Customer
from tests import every_field as ef
from tests.factories import SalesRegionFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

PICKED = {"new_customer_name": "", "new_customer_phone": "", "new_customer_place": ""}


def _send_report(client, manager, customer=None, start=0):
    """The manager fills every field of the report page and sends it; returns the
    submission and the value each report field must keep."""
    client.force_login(manager)
    page = client.get("/contacts/submit/")
    form = page.context["form"]
    if customer is not None:
        # one of his customers, picked; the new-customer boxes stay empty (they describe
        # a customer who is not in the archive yet)
        overrides = {**PICKED, "customer_id": str(customer.pk), "customer_query": customer.name}
    else:
        overrides = {"customer_id": "", "customer_query": "", "new_customer_phone": "13700137003"}
    data, expected = ef.fill(page.content.decode(), form, overrides, start=start)
    before = set(Submission.objects.values_list("pk", flat=True))
    ef.submit(client, "/contacts/submit/", data)
    (pk,) = set(Submission.objects.values_list("pk", flat=True)) - before
    return Submission.objects.get(pk=pk), form, expected


def test_manager_report_keeps_every_field(client, manager, customer):
    submission, form, expected = _send_report(client, manager, customer)

    assert submission.customer == customer
    assert len(submission.intent_list) == 2  # the generator ticks two intents
    detail = client.get(submission.get_absolute_url()).content.decode()
    report = {name: expected[name] for name in REPORT_FORM_FIELDS}
    assert ef.not_shown(detail, form.fields, report) == {}


def test_manager_report_on_a_new_customer_keeps_every_field(client, manager):
    submission, form, expected = _send_report(client, manager)

    assert submission.customer is None
    assert submission.new_customer_name == expected["new_customer_name"]
    assert submission.new_customer_place == expected["new_customer_place"]
    assert submission.new_customer_phone == "13700137003"
    # the phone's key for sending the report exactly once: stored, not a thing to read
    assert str(submission.idempotency_key) == str(expected["idempotency_key"])
    detail = client.get(submission.get_absolute_url()).content.decode()
    hidden = ("customer_id", "customer_query", "idempotency_key")
    shown = {k: v for k, v in expected.items() if k not in hidden}
    assert ef.not_shown(detail, form.fields, shown) == {}


def test_filing_page_prefills_every_field_the_manager_reported(
    client, manager, archivist, customer
):
    # given a report with every field filled, two intents (新机, 设备租赁 or others) ticked
    submission, _form, expected = _send_report(client, manager, customer)

    # when the archivist opens the filing page
    client.force_login(archivist)
    page = client.get(f"/contacts/submissions/{submission.pk}/file/")

    # then the form on the right shows every field as the manager reported it
    shown = ef.page_values(page.content.decode(), page.context["form"])
    assert set(shown) == set(REPORT_FORM_FIELDS)
    assert ef.diff({k: expected[k] for k in REPORT_FORM_FIELDS}, shown) == {}
    # and the dossier corrections start from the dossier as it is
    customer_form = page.context["customer_form"]
    on_file = ef.page_values(page.content.decode(), customer_form)
    stored = {
        name: ef.cleaned(field, field.prepare_value(getattr(customer, name)))
        for name, field in customer_form.fields.items()
    }
    assert ef.diff(stored, on_file) == {}


def test_filing_the_prefilled_form_as_it_stands_keeps_every_field(
    client, manager, archivist, customer
):
    submission, _form, expected = _send_report(client, manager, customer)
    client.force_login(archivist)
    url = f"/contacts/submissions/{submission.pk}/file/"
    page = client.get(url)

    # when the archivist files without touching anything
    form_el = ef.assert_rendered_once(page.content.decode(), page.context["form"])
    ef.submit(client, url, ef.browser_data(form_el))

    # then the log on the dossier holds every field the manager reported
    log = ContactLog.objects.get(submission=submission)
    assert log.intent_list == submission.intent_list != []
    edit = client.get(f"/contacts/logs/{log.pk}/edit/")
    shown = ef.page_values(edit.content.decode(), edit.context["form"])
    assert ef.diff({k: expected[k] for k in REPORT_FORM_FIELDS}, shown) == {}
    assert shown["staff"] == manager.pk


def test_filing_with_every_field_changed_keeps_every_change(client, manager, archivist, customer):
    SalesRegionFactory()
    submission, _form, _expected = _send_report(client, manager, customer)
    client.force_login(archivist)
    url = f"/contacts/submissions/{submission.pk}/file/"
    page = client.get(url)
    html = page.content.decode()

    # when the archivist changes every field of the log and of the dossier corrections
    data, expected = ef.fill(html, page.context["form"], start=30)
    data, customer_expected = ef.fill(html, page.context["customer_form"], start=50, base=data)
    ef.submit(client, url, data)

    log = ContactLog.objects.get(submission=submission)
    edit = client.get(f"/contacts/logs/{log.pk}/edit/")
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}
    customer_edit = client.get(f"/customers/{customer.pk}/edit/")
    on_dossier = ef.page_values(customer_edit.content.decode(), customer_edit.context["form"])
    assert ef.diff(customer_expected, on_dossier) == {}


def test_filing_a_new_customer_report_creates_him_with_what_was_reported(
    client, manager, archivist
):
    submission, _form, expected = _send_report(client, manager)
    client.force_login(archivist)
    url = f"/contacts/submissions/{submission.pk}/file/"
    page = client.get(url)
    form_el = ef.assert_rendered_once(page.content.decode(), page.context["form"])
    ef.submit(client, url, ef.browser_data(form_el))

    customer = Customer.objects.get(name=expected["new_customer_name"])
    assert customer.address == expected["new_customer_place"]
    assert list(customer.phones.values_list("e164", flat=True)) == ["+8613700137003"]
    log = ContactLog.objects.get(submission=submission)
    assert log.customer == customer and log.intent_list == submission.intent_list != []


def test_archivist_writes_and_edits_a_contact_log_with_every_field(
    client, archivist, manager, other_manager, customer
):
    client.force_login(archivist)
    url = f"/contacts/customer/{customer.pk}/new/"
    page = client.get(url)
    form = page.context["form"]
    data, expected = ef.fill(page.content.decode(), form)
    ef.submit(client, url, data)

    log = ContactLog.objects.get(customer=customer)
    edit_url = f"/contacts/logs/{log.pk}/edit/"
    edit = client.get(edit_url)
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}
    logs = client.get(f"/contacts/customer/{customer.pk}/").content.decode()
    assert ef.not_shown(logs, form.fields, expected) == {}

    # the edit page, every field changed once more
    data, expected = ef.fill(edit.content.decode(), edit.context["form"], start=20)
    ef.submit(client, edit_url, data)
    edit = client.get(edit_url)
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}


def test_editing_a_log_keeps_the_intents_it_had(client, archivist, customer):
    # The edit page used to show the packed column as no intent ticked; saving it dropped them.
    log = ContactLog.objects.create(
        customer=customer,
        channel="phone",
        occurred_at="2025-03-01T09:00+08:00",
        summary="谈了新机",
        intents=f",{Intent.values[0]},{Intent.values[1]},",
    )
    client.force_login(archivist)
    url = f"/contacts/logs/{log.pk}/edit/"
    page = client.get(url)
    assert ef.page_values(page.content.decode(), page.context["form"])["intents"] == sorted(
        Intent.values[:2]
    )
    form_el = ef.assert_rendered_once(page.content.decode(), page.context["form"])
    ef.submit(client, url, ef.browser_data(form_el))
    log.refresh_from_db()
    assert log.intent_list == Intent.values[:2]


def test_rejection_reason_is_shown_to_the_manager(client, manager, archivist, customer):
    submission = SubmissionFactory(author=manager, customer=customer)
    client.force_login(archivist)
    url = f"/contacts/submissions/{submission.pk}/reject/"
    page = client.get(url)
    form = page.context["form"]
    data, expected = ef.fill(page.content.decode(), form)
    ef.submit(client, url, data)

    client.force_login(manager)
    detail = client.get(submission.get_absolute_url()).content.decode()
    assert ef.not_shown(detail, form.fields, expected) == {}
