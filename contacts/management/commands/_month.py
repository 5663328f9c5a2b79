"""Argument parsing shared by the reminder commands."""

import datetime as dt

from django.core.management.base import CommandError


def parse_month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a calendar month
    except ValueError as exc:
        raise CommandError(f"--month must look like 2026-11, not {value!r}") from exc


def parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must look like 2026-11-23, not {value!r}") from exc
