"""Calendar months in the dealer's time zone, and the YYYY-MM they are written as: what the
reports and reminders, the tiers and the dashboards count by. Pure date arithmetic; imports
nothing from the apps."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping

from django.utils import timezone

# How a month is written in a URL, a file name and a command's argument (2026-01).
MONTH_FORMAT = "%Y-%m"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    month = month_start(month)
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month as aware datetimes in the dealer's time zone."""
    start = timezone.make_aware(dt.datetime.combine(month_start(month), dt.time.min))
    next_month = (month_start(month) + dt.timedelta(days=32)).replace(day=1)
    return start, timezone.make_aware(dt.datetime.combine(next_month, dt.time.min))


def shift_month(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `month`'s (before it when negative)."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_ending(month: dt.date, count: int) -> list[dt.date]:
    """The `count` months up to and with `month`, oldest first."""
    return [shift_month(month, -i) for i in range(count - 1, -1, -1)]


def window_of(month: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 months ending with `month`: [first day 11 months earlier, month's last day]."""
    month = month_start(month)
    return shift_month(month, -11), month_end(month)


def this_month() -> dt.date:
    """The current month in the dealer's time zone (TIME_ZONE, Asia/Shanghai)."""
    return timezone.localdate().replace(day=1)


def parse_month(text: str) -> dt.date | None:
    """The month written YYYY-MM (its first day), or None when the text is not one."""
    try:
        return dt.datetime.strptime(text, MONTH_FORMAT).date()  # noqa: DTZ007 - a calendar month
    except ValueError:
        return None


def month_of_query(query: Mapping[str, str], name: str = "month") -> dt.date | None:
    """A page's ?month= (what a month input sends), read as a form's date field reads it
    (spaces around it ignored): None when it is missing, empty or not YYYY-MM. The API reads
    its ?month= with dealercrm.api_support.MonthQueryField, which answers 400 instead."""
    return parse_month(query.get(name, "").strip())
