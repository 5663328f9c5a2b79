"""Maintenance prediction from hour-meter readings: pure arithmetic, no database.

Usage rate: the least-squares slope of hours over days, fitted to the readings of the last
USAGE_WINDOW_DAYS before the latest one (the whole history when the window holds fewer than
two reading days). With two readings it is exactly (h2 − h1) / days; with more, one
mistyped reading or date moves the slope a little instead of swinging a first/last
estimate completely, and the window follows a machine whose work changed (a new project,
a season) instead of averaging over its whole life.

Next maintenance: the first point of the plan (first service, then every interval) at or
above the latest reading; a scheduled-maintenance visit up to EARLY_SHARE of an interval
before a point counts as that point's service. Its date: latest reading day + (point −
latest hours) / rate, rounded up to the day the meter reaches the point.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

USAGE_WINDOW_DAYS = 365
# A service done this share of an interval early (240 h for the 250 h one) counts as done.
EARLY_SHARE = Decimal("0.1")
# Below this a machine is parked: a date hundreds of years away would only be noise.
MIN_RATE_PER_DAY = 0.05

# What the forecast's columns hold (MaintenanceForecast): a prediction beyond them is
# clamped (hours, rate) or left without a date (beyond the horizon), never an overflow.
MAX_DUE_HOURS = Decimal("9999999.9")
MAX_RATE_PER_DAY = Decimal("9999.99")
HORIZON_DAYS = 3650  # a due date more than ten years ahead is no plan anyone keeps

NOT_ENOUGH_READINGS = "not_enough"
NO_USAGE = "no_usage"
PREDICTED = "predicted"

Point = tuple[dt.date, Decimal]


@dataclass(frozen=True)
class Plan:
    first_service_hours: int
    interval_hours: int
    label: str = ""


@dataclass(frozen=True)
class Prediction:
    state: str
    reading_count: int
    last_read_on: dt.date
    last_hours: Decimal
    rate_per_day: Decimal | None
    next_due_hours: Decimal
    next_due_on: dt.date | None


def usage_rate(points: Sequence[Point]) -> float | None:
    """Hours per day, or None when the readings span fewer than two days.

    `points` are sorted by date (then hours)."""
    if not points:
        return None
    last_day = points[-1][0]
    window = [p for p in points if (last_day - p[0]).days <= USAGE_WINDOW_DAYS]
    if len({day for day, _ in window}) < 2:
        window = list(points)
    if len({day for day, _ in window}) < 2:
        return None
    origin = window[0][0]
    xs = [float((day - origin).days) for day, _ in window]
    ys = [float(hours) for _, hours in window]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / sxx


def next_service_hours(plan: Plan, last_hours: Decimal, serviced_at: Decimal | None) -> Decimal:
    """The first plan point at or above the latest reading that was not serviced yet."""
    floor = last_hours
    first, interval = Decimal(plan.first_service_hours), Decimal(plan.interval_hours)
    if serviced_at is not None:
        # Strictly above the point the last maintenance visit covered.
        covered = serviced_at + EARLY_SHARE * interval
        floor = max(floor, covered + Decimal("0.1"))
    if floor <= first:
        return first
    steps = math.ceil(floor / interval)
    return Decimal(max(steps, 1)) * interval


def predict(
    points: Sequence[Point], plan: Plan, serviced_at: Decimal | None = None
) -> Prediction | None:
    """The forecast for one machine, or None without any reading."""
    if not points:
        return None
    last_day, last_hours = points[-1]
    due_hours = next_service_hours(plan, last_hours, serviced_at)
    rate = usage_rate(points)

    def result(state: str, rate_per_day: Decimal | None, due_on: dt.date | None) -> Prediction:
        return Prediction(
            state,
            len(points),
            last_day,
            last_hours,
            rate_per_day,
            min(due_hours, MAX_DUE_HOURS),
            due_on,
        )

    if rate is None:
        return result(NOT_ENOUGH_READINGS, None, None)
    shown_rate = min(Decimal(str(round(rate, 2))), MAX_RATE_PER_DAY)
    if rate < MIN_RATE_PER_DAY:
        return result(NO_USAGE, shown_rate, None)
    # Rounded to the microday first so that an exact 10.0 is not pushed to 11 by float noise.
    days = math.ceil(round(float(due_hours - last_hours) / rate, 6))
    if due_hours > MAX_DUE_HOURS or days > HORIZON_DAYS:
        return result(PREDICTED, shown_rate, None)
    return result(PREDICTED, shown_rate, last_day + dt.timedelta(days=days))
