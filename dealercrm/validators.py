"""Bounds every writer shares: the validators sit on model fields, so ModelForms, DRF model
serializers, the importer (clean_fields) and every service's full_clean run the same rule.

Dates of events the dealer recorded lie between the dealer's founding (the setting
DEALER_FOUNDED_ON) and today; a contact's time may be up to CLOCK_TOLERANCE ahead (a
phone's clock). A follow-up is planned at most FOLLOW_UP_HORIZON ahead. Names need at
least one visible character. Limits are module constants so messages and tests share them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CLOCK_TOLERANCE = dt.timedelta(minutes=5)
FOLLOW_UP_HORIZON_DAYS = 730  # two years
BIRTH_DATE_FLOOR = dt.date(1900, 1, 1)
# What a machine's hour meter can show: 200,000 h is over 20 years round the clock.
# bigint primary keys: a larger id is bad input (400), never a server error
MAX_ID = 2**63 - 1
MAX_MACHINE_HOURS = Decimal("200000")

# Amounts typed on documents (a parts line, a service charge, a machine's price).
MAX_PARTS_QUANTITY = Decimal("9999")
MAX_UNIT_PRICE = Decimal("999999.99")
MAX_CHARGE = Decimal("9999999.99")
MAX_MACHINE_PRICE = Decimal("99999999.99")


def hour_meter_bound() -> MaxValueValidator:
    """The upper bound of every hour-meter field (machine, visit, reading)."""
    return MaxValueValidator(
        MAX_MACHINE_HOURS,
        message=_("An hour meter shows at most %(limit_value)s h; check the number."),
    )


def founded_on() -> dt.date:
    return settings.DEALERCRM["DEALER_FOUNDED_ON"]  # type: ignore[no-any-return]


def _fmt(day: dt.date) -> str:
    return day.isoformat()


def _day(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _check_floor(value: dt.date | dt.datetime) -> None:
    floor = founded_on()
    if _day(value) < floor:
        raise ValidationError(
            _("The date cannot be before %(floor)s, when the dealer was founded."),
            code="before_founding",
            params={"floor": _fmt(floor)},
        )


def validate_event_date(value: dt.date) -> None:
    """A day something happened at the dealer: from its founding to today."""
    _check_floor(value)
    if value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future")


def validate_event_datetime(value: dt.datetime) -> None:
    """A moment something happened: from the founding to now (plus a clock's tolerance)."""
    _check_floor(value)
    if value > timezone.now() + CLOCK_TOLERANCE:
        raise ValidationError(_("The time cannot be in the future."), code="future")


def validate_event_month(value: dt.date) -> None:
    """A report's month: from the founding month to the current month."""
    floor = founded_on().replace(day=1)
    if value < floor:
        raise ValidationError(
            _("The month cannot be before %(floor)s, when the dealer was founded."),
            code="before_founding",
            params={"floor": f"{floor:%Y-%m}"},
        )
    if value > timezone.localdate():
        raise ValidationError(_("The month cannot be in the future."), code="future")


def validate_follow_up_date(value: dt.date) -> None:
    """A planned follow-up: not before the founding, at most two years ahead."""
    _check_floor(value)
    if value > timezone.localdate() + dt.timedelta(days=FOLLOW_UP_HORIZON_DAYS):
        raise ValidationError(
            _("A follow-up can be planned at most two years ahead."), code="horizon"
        )


def validate_birth_date(value: dt.date) -> None:
    if value < BIRTH_DATE_FLOOR:
        raise ValidationError(
            _("The birth date cannot be before %(floor)s."),
            code="before_1900",
            params={"floor": _fmt(BIRTH_DATE_FLOOR)},
        )
    if value > timezone.localdate():
        raise ValidationError(_("The birth date cannot be in the future."), code="future")


# Letters, marks, numbers, punctuation and symbols are visible; separators (spaces of
# every width), controls and format characters (zero-width space, joiners, BOM) are not.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cn", "Co", "Cs"})


def has_visible_text(value: str) -> bool:
    return any(
        unicodedata.category(char) not in _INVISIBLE_CATEGORIES and not char.isspace()
        for char in value or ""
    )


def validate_visible_name(value: Any) -> None:
    """A name typed only of spaces and zero-width characters looks empty everywhere."""
    if isinstance(value, str) and value and not has_visible_text(value):
        raise ValidationError(
            _("The name has no visible characters (only spaces or invisible ones)."),
            code="invisible",
        )


__all__ = [
    "BIRTH_DATE_FLOOR",
    "CLOCK_TOLERANCE",
    "FOLLOW_UP_HORIZON_DAYS",
    "MAX_CHARGE",
    "MAX_MACHINE_HOURS",
    "MAX_MACHINE_PRICE",
    "MAX_PARTS_QUANTITY",
    "MAX_UNIT_PRICE",
    "founded_on",
    "has_visible_text",
    "hour_meter_bound",
    "validate_birth_date",
    "validate_event_date",
    "validate_event_datetime",
    "validate_event_month",
    "validate_follow_up_date",
    "validate_visible_name",
]
