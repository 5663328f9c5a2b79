"""Calendar months in the dealer's time zone (reports and reminders count by month)."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils import timezone


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month as aware datetimes in the dealer's time zone."""
    start = timezone.make_aware(dt.datetime.combine(month_start(month), dt.time.min))
    next_month = (month_start(month) + dt.timedelta(days=32)).replace(day=1)
    return start, timezone.make_aware(dt.datetime.combine(next_month, dt.time.min))


def month_end(month: dt.date) -> dt.date:
    month = month_start(month)
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])
