"""service.forecast: usage rate and next maintenance from constructed readings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from service import forecast
from service.forecast import Plan, predict

PLAN = Plan(first_service_hours=50, interval_hours=250)
DAY0 = dt.date(2026, 3, 1)


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def pts(*pairs: tuple[int, int | str]) -> list[tuple[dt.date, Decimal]]:
    return [(day(d), Decimal(str(h))) for d, h in pairs]


def test_100_and_400_hours_thirty_days_apart_predict_the_500_hour_service_ten_days_later():
    # given: 300 h in 30 days = 10 h/day; the plan's points are 50, 250, 500, 750 …
    result = predict(pts((0, 100), (30, 400)), PLAN)
    # then: 100 h to go at 10 h/day
    assert result.state == forecast.PREDICTED
    assert result.rate_per_day == Decimal("10")
    assert result.next_due_hours == Decimal("500")
    assert result.next_due_on == day(40) == dt.date(2026, 4, 10)


def test_a_fractional_day_rounds_up_to_the_day_the_meter_reaches_the_point():
    # 8 h/day, 104 h to go = 13 days
    assert predict(pts((0, 156), (10, 236), (20, 316), (30, 396)), PLAN).next_due_on == day(43)
    # 7 h/day, 104 h to go = 14.86 → the 15th day
    assert predict(pts((0, 186), (30, 396)), PLAN).next_due_on == day(45)


def test_least_squares_absorbs_one_mistyped_date():
    # 10 h/day for 90 days, but the day-60 reading was entered as day 70.
    clean = predict(pts((0, 0), (30, 300), (60, 600), (90, 900)), PLAN)
    noisy = predict(pts((0, 0), (30, 300), (70, 600), (90, 900)), PLAN)
    assert clean.rate_per_day == Decimal("10")
    assert Decimal("9.5") < noisy.rate_per_day < Decimal("10.5")


def test_the_rate_follows_the_last_twelve_months():
    # 2 h/day for two years, then 12 h/day for the last 200 days.
    points = pts((0, 0), (365, 730), (730, 1460), (830, 2660), (930, 3860))
    rate = forecast.usage_rate(points)
    assert rate is not None and rate > 8  # the old years do not drag it to ~4


def test_old_readings_are_used_when_the_window_holds_only_one_day():
    points = pts((0, 100), (800, 4100))
    assert forecast.usage_rate(points) == pytest.approx(5.0)


@pytest.mark.parametrize(
    "points",
    [
        pts((10, 400)),  # one reading
        pts((10, 400), (10, 410)),  # two readings the same day
    ],
)
def test_one_reading_day_is_not_enough(points):
    result = predict(points, PLAN)
    assert result.state == forecast.NOT_ENOUGH_READINGS
    assert result.next_due_on is None and result.rate_per_day is None
    assert result.next_due_hours == Decimal("500")  # the point is known, the day is not


def test_no_reading_no_prediction():
    assert predict([], PLAN) is None


def test_a_parked_machine_gets_no_date():
    result = predict(pts((0, 1200), (60, 1200), (120, 1201)), PLAN)
    assert result.state == forecast.NO_USAGE
    assert result.next_due_on is None


@pytest.mark.parametrize(
    ("last", "serviced", "expected"),
    [
        (0, None, 50),  # new machine: the first service
        (50, None, 50),  # exactly at the point: due now
        (60, None, 250),
        (400, None, 500),
        (500, None, 500),
        (240, 240, 500),  # the 250 h service done 10 h early counts
        (240, 200, 250),  # a visit 50 h early does not
        (495, 495, 750),
        (60, 45, 250),  # first service done at 45 h
    ],
)
def test_next_service_point(last, serviced, expected):
    got = forecast.next_service_hours(
        PLAN, Decimal(last), None if serviced is None else Decimal(serviced)
    )
    assert got == Decimal(expected)


def test_a_family_plan_with_other_intervals():
    plan = Plan(first_service_hours=100, interval_hours=500)
    assert forecast.next_service_hours(plan, Decimal("80"), None) == Decimal("100")
    assert forecast.next_service_hours(plan, Decimal("120"), None) == Decimal("500")
    assert forecast.next_service_hours(plan, Decimal("1001"), None) == Decimal("1500")
