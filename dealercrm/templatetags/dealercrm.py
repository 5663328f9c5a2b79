"""Formatting filters only (no logic): how people's names are shown."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def person(user: Any) -> str:
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
    from customers.selectors import days_since

    return days_since(moment)
