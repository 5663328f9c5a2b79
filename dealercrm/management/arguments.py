"""Date arguments of the management commands (--month, --date): a wrong one is a
CommandError that says what is expected."""

import datetime as dt

from django.core.management.base import CommandError

from dealercrm.months import parse_month


def month_argument(value: str) -> dt.date:
    month = parse_month(value)
    if month is None:
        raise CommandError(f"--month must look like 2026-11, not {value!r}")
    return month


def day_argument(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must look like 2026-11-23, not {value!r}") from exc
