"""Every field of a parts order and of each of its lines, filled in the browser and read back
(issue 15)."""

from __future__ import annotations

import pytest

from parts.models import PartsOrder
from tests import every_field as ef

pytestmark = pytest.mark.django_db

KEEP = {"DELETE": False}  # a ticked "delete" box would drop the line, not store it


def _fill_order(page, start):
    html = page.content.decode()
    data, expected = ef.fill(html, page.context["form"], start=start)
    line_expected = []
    for i, line_form in enumerate(page.context["lines"].forms[:2]):
        data, line = ef.fill(html, line_form, KEEP, start=start + 10 * (i + 1), base=data)
        line_expected.append(line)
    return data, expected, line_expected


def _shown_lines(page):
    html = page.content.decode()
    return [ef.page_values(html, f) for f in page.context["lines"].forms[:2]]


def test_order_with_every_field_and_two_full_lines_is_kept_and_shown(client, archivist, customer):
    # given the new-order page, the order and two lines filled field by field
    client.force_login(archivist)
    url = f"/parts/customer/{customer.pk}/new/"
    page = client.get(url)
    data, expected, lines = _fill_order(page, 0)

    # when saved
    ef.submit(client, url, data)

    # then the edit page shows the order and both lines as typed
    order = PartsOrder.objects.get(customer=customer)
    edit_url = f"/parts/orders/{order.pk}/edit/"
    edit = client.get(edit_url)
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}
    assert [ef.diff(want, got) for want, got in zip(lines, _shown_lines(edit), strict=True)] == [
        {},
        {},
    ]
    # and the order's page shows them too
    detail = client.get(order.get_absolute_url()).content.decode()
    assert ef.not_shown(detail, page.context["form"].fields, expected) == {}
    line_fields = page.context["lines"].forms[0].fields
    for line in lines:
        assert (
            ef.not_shown(detail, line_fields, {k: v for k, v in line.items() if k != "DELETE"})
            == {}
        )

    # and every field edited again keeps its new value
    data, expected, lines = _fill_order(edit, 40)
    ef.submit(client, edit_url, data)
    edit = client.get(edit_url)
    assert ef.diff(expected, ef.page_values(edit.content.decode(), edit.context["form"])) == {}
    assert [ef.diff(want, got) for want, got in zip(lines, _shown_lines(edit), strict=True)] == [
        {},
        {},
    ]
