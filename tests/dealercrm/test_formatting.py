"""The number filters every page uses (issue 18): money with separators, one-decimal %."""

from decimal import Decimal

from dealercrm.templatetags.dealercrm import money, percent


def test_money_has_yuan_sign_thousands_separators_and_fen():
    assert money(Decimal("7740045")) == "¥7,740,045.00"
    assert money(Decimal("-1234.5")) == "-¥1,234.50"
    assert money(0) == "¥0.00"
    assert money(None) == "—"


def test_percent_has_one_decimal():
    assert percent(87) == "87.0%"
    assert percent(33.333) == "33.3%"
    assert percent(None) == "—"


def test_a_share_of_one_is_shown_in_percent_with_one_decimal():
    assert percent(0.8734, "share") == "87.3%"
    assert percent(0, "share") == "0.0%"
