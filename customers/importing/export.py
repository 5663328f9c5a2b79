"""The customer list as a spreadsheet: the rows the user's selector gives (a manager: his
own), with the columns his role may read (service staff: no personal details, no money).
The headers are the import's field labels, so an exported file imports again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from customers.models import Customer
from dealercrm import roles
from dealercrm.templatetags.dealercrm import person

from .mapping import FIELD_BY_KEY


def _label(key: str) -> str:
    return str(FIELD_BY_KEY[key].label)


def customer_table(
    *, user: roles.Actor, customers: QuerySet[Customer]
) -> tuple[list[str], Iterator[Any]]:
    """(headers, rows) for exports.export_response."""
    personal = roles.can_view_personal(user)
    money = roles.can_view_money(user)
    headers = [
        _label("external_ref"),
        _label("name"),
        _label("kind"),
        _label("phones"),
        _label("province"),
        _label("city"),
        _label("county"),
        _label("address"),
        _label("sales_region"),
        _label("manager"),
        _label("status"),
        _("Last contacted"),
        _("Gold card"),
        _("Benchmark customer"),
        _("Key account"),
    ]
    if personal:
        headers += [_label("gender"), _label("birth_date"), _label("id_number"), _label("notes")]
    if money:
        headers += [_("Tier"), _("Capital (CNY)")]

    def rows() -> Iterator[list[Any]]:
        for c in customers.iterator(chunk_size=2000):
            row: list[Any] = [
                c.external_ref,
                c.name,
                c.get_kind_display(),
                "; ".join(p.raw for p in c.phones.all()),
                c.province,
                c.city,
                c.county,
                c.address,
                c.sales_region.name if c.sales_region else "",
                person(c.manager) if c.manager else "",
                c.get_status_display(),
                getattr(c, "last_contacted_at", None),
                c.is_gold_card,
                c.is_benchmark,
                c.is_key_account,
            ]
            if personal:
                birth = c.birth_date or (str(c.birth_year) if c.birth_year else "")
                row += [c.get_gender_display() if c.gender else "", birth, c.id_number, c.notes]
            if money:
                row += [getattr(c, "latest_tier", None) or "", c.registered_capital]
            yield row

    return headers, rows()
