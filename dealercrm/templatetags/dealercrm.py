"""Formatting filters only (no logic): how people's names are shown."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from dealercrm import roles

register = template.Library()


@register.filter
def person(user: roles.SignedIn | None) -> str:
    """张伟, not "伟 张": Chinese names read family name first, without a space."""
    if user is None:
        return "—"
    last, first = (user.last_name or "").strip(), (user.first_name or "").strip()
    if last or first:
        if any("\u4e00" <= ch <= "\u9fff" for ch in last + first):
            return f"{last}{first}"
        return f"{first} {last}".strip()
    return user.get_username()


@register.filter
def days_ago(moment: Any) -> int | None:
    """Whole days from a moment to today, in the dealer's time zone."""
    if moment is None:
        return None
    return (timezone.localdate() - timezone.localtime(moment).date()).days


@register.filter
def money(amount: Any) -> str:
    """¥7,740,045.00: yuan with thousands separators and fen, however the amount is stored."""
    if amount is None or amount == "":
        return "—"
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


@register.filter
def percent(value: Any, of: str = "") -> str:
    """A percentage with one decimal (87.3%); the value is already in percent, or a share
    of one with `|percent:"share"` (0.873 → 87.3%)."""
    if value is None or value == "":
        return "—"
    try:
        number = float(value) * (100 if of == "share" else 1)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.1f}%"


@register.simple_tag(takes_context=True)
def phone_link(context: Any, phone: Any, customer: Any = None) -> str:
    """A phone number as a `tel:` link; for someone who reports contacts, the link also
    carries where to log the call (call-log.js offers it once the number is tapped)."""
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.http import urlencode

    raw = getattr(phone, "raw", phone) or ""
    dial = getattr(phone, "e164", "") or "".join(ch for ch in raw if ch.isdigit() or ch == "+")
    if not dial:
        return format_html("{}", raw)
    if customer is None or not context.get("nav_can_submit"):
        return format_html('<a class="tel" href="tel:{}">{}</a>', dial, raw)
    query = urlencode({"customer": customer.pk, "phone": raw, "channel": "phone"})
    return format_html(
        '<a class="tel" href="tel:{}" data-call-url="{}?{}" data-customer="{}">{}</a>',
        dial,
        reverse("contacts:submit"),
        query,
        customer.name,
        raw,
    )
