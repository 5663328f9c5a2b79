"""Every field of the service desk's browser forms, filled and read back (issue 15)."""

from __future__ import annotations

import pytest

from service.models import HourReading, ServiceRecord
from tests import every_field as ef
from tests.factories import CustomerFactory, MachineFactory, UserFactory

pytestmark = pytest.mark.django_db

# A record only moves forward and only a closed one has a closing date: it is opened in
# progress (no closing date) and closed on the edit page, every field filled both times. The
# generator's dates rise with the field order, so closed_on follows opened_on.
OPEN = {"status": ServiceRecord.Status.IN_PROGRESS, "closed_on": ""}
CLOSE = {"status": ServiceRecord.Status.CLOSED}


@pytest.fixture
def shop(service_user):
    customer = CustomerFactory(name="修机的客户")
    MachineFactory(customer=customer)
    MachineFactory(customer=customer)
    UserFactory(username="service2", last_name="钱", first_name="师傅", role="service")
    return customer


@pytest.mark.parametrize("role", ["archivist", "service"])
def test_record_with_every_field_is_kept_and_shown(client, users, shop, role):
    # given the new-record page of the role (the service desk does not see the charges)
    client.force_login(users[role])
    url = f"/service/customer/{shop.pk}/new/"
    page = client.get(url)
    form = page.context["form"]
    data, expected = ef.fill(page.content.decode(), form, OPEN)

    # when saved
    ef.submit(client, url, data)

    # then the edit page and the record's page show every value
    record = ServiceRecord.objects.get(customer=shop)
    edit_url = f"/service/records/{record.pk}/edit/"
    edit = client.get(edit_url)
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}
    detail = client.get(record.get_absolute_url()).content.decode()
    assert ef.not_shown(detail, form.fields, expected) == {}

    # and every field edited again (the record closed) keeps its new value
    data, expected = ef.fill(edit.content.decode(), edit.context["form"], CLOSE, start=25)
    ef.submit(client, edit_url, data)
    detail = client.get(record.get_absolute_url()).content.decode()
    assert ef.not_shown(detail, form.fields, expected) == {}
    record.refresh_from_db()
    stored = {name: getattr(record, f"{name}_id", getattr(record, name)) for name in expected}
    assert ef.diff(expected, stored) == {}


def test_hour_reading_with_every_field_is_kept_and_shown(client, service_user, shop):
    machine = shop.machines.first()
    client.force_login(service_user)
    url = f"/service/machines/{machine.pk}/readings/"
    page = client.get(url)
    form = page.context["form"]
    data, expected = ef.fill(page.content.decode(), form)

    response = client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    reading = HourReading.objects.get(machine=machine)
    stored = {name: getattr(reading, name) for name in expected}
    assert ef.diff(expected, stored) == {}
    listing = client.get(url).content.decode()
    assert ef.not_shown(listing, form.fields, expected) == {}
