"""Numbers as UK analysts write them; missing values never shown as 0 or nan."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.core.formatting import (
    describe_flag,
    financial_year,
    fmt_change,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_pct,
    fmt_rate,
    fmt_value,
    ordinal,
)

MISSING = [None, float("nan"), np.nan, pd.NA, np.float32("nan")]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (7, "7"),
        (1234, "1,234"),
        (1_234_567, "1,234,567"),
        (-813, "-813"),
        (2.5, "3"),
        (-2.5, "-3"),
        (0.4, "0"),
        (-0.4, "0"),
        (np.int64(93050), "93,050"),
        (684.0, "684"),
    ],
)
def test_fmt_int(value, text):
    assert fmt_int(value) == text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fmt_int_round_trips(n):
    text = fmt_int(n)
    assert int(text.replace(",", "")) == n
    digits = text.lstrip("-")
    assert all(len(group) == 3 for group in digits.split(",")[1:])
    assert 1 <= len(digits.split(",")[0]) <= 3


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_fmt_int_of_a_float_rounds_half_away_from_zero(x):
    expected = int(Decimal(repr(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert int(fmt_int(x).replace(",", "")) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        # Seeds: Bristol business case "£1,815", "-£813"; grant bid "c£91,000"; "£1.815m".
        (1815, "£1,815"),
        (-813, "-£813"),
        (1_815_000, "£1.8m"),
        (-813_000, "-£813,000"),
        (91_000, "£91,000"),
        (91_499, "£91,000"),  # from £10,000: nearest £1,000
        (91_500, "£92,000"),
        (9_999, "£9,999"),
        (9_999.6, "£10,000"),  # rounds into the next band
        (999_600, "£1m"),  # rounds to £1,000,000 -> shown in millions
        (2_000_000, "£2m"),
        (3_900_000, "£3.9m"),  # BCP: "£3.9m 2024/25 rising to £6.4m"
        (6_450_000, "£6.5m"),
        (11_200_000_000, "£11.2bn"),
        (0, "£0"),
        (-0.4, "£0"),
        (1755, "£1,755"),  # grant bid: £1,755/week
    ],
)
def test_fmt_money(value, text):
    assert fmt_money(value) == text


def test_fmt_money_full_gives_whole_pounds():
    assert fmt_money(1_815_000, full=True) == "£1,815,000"
    assert fmt_money(-6_930_000.4, full=True) == "-£6,930,000"


def test_rates_and_percentages():
    assert fmt_rate(72.5) == "72.5 per 10,000 children"  # Bristol 2018 business case
    assert fmt_rate(55.7) == "55.7 per 10,000 children"
    assert fmt_rate(80.0) == "80 per 10,000 children"
    assert fmt_rate(80.0, dp=1) == "80.0 per 10,000 children"
    assert fmt_rate(1234.56, per=100_000, unit="") == "1,234.6 per 100,000"
    assert fmt_pct(18.3) == "18.3%"
    assert fmt_pct(18.25) == "18.3%"  # half up on the number as written
    assert fmt_pct(18.0) == "18%"
    assert fmt_pct(18.0, dp=1) == "18.0%"
    assert fmt_number(2.675, dp=2) == "2.68"
    assert fmt_number(-0.04) == "0"


def test_fmt_change():
    # 732 / 690 = 1.0609 -> up 6%; 519 / 684 = 0.7588 -> down 24% (Bristol's target).
    assert fmt_change(732, 690) == "up 6% (from 690 to 732)"
    assert fmt_change(519, 684) == "down 24% (from 684 to 519)"
    assert fmt_change(1004, 1000) == "up less than 1% (from 1,000 to 1,004)"
    assert fmt_change(690, 690) == "unchanged at 690"
    assert fmt_change(5, 0) == "up from 0 to 5"  # no percentage of zero
    assert fmt_change(-900, -813, fmt=fmt_money) == "down from -£813 to -£900"
    assert fmt_change(80, 66, fmt=fmt_rate) == (
        "up 21% (from 66 per 10,000 children to 80 per 10,000 children)"
    )
    assert fmt_change(20.4, 18.3, points=True) == ("up 2.1 percentage points (from 18.3% to 20.4%)")
    assert fmt_change(17.3, 18.3, points=True) == "down 1 percentage point (from 18.3% to 17.3%)"
    assert fmt_change(np.nan, 690) == "change not available"


@pytest.mark.parametrize("missing", MISSING)
def test_missing_values_show_the_flag_meaning_never_0_or_nan(missing):
    assert fmt_value(missing, "c") == "suppressed"
    assert fmt_value(missing, "z") == "not applicable"
    assert fmt_value(missing, "x") == "not available"
    assert fmt_value(missing, "") == "not published"
    assert fmt_value(missing, "low") == "not published"
    for formatter in (fmt_int, fmt_number, fmt_money, fmt_rate, fmt_pct):
        text = formatter(missing, flag="c")
        assert text == "suppressed"
        assert formatter(missing) == "not published"


@given(
    st.one_of(st.none(), st.just(float("nan")), st.floats(allow_nan=False, allow_infinity=False)),
    st.sampled_from(["", "c", "x", "z", "k", "u", "low", ":", "..", "-"]),
    st.sampled_from(["int", "number", "money", "rate", "pct"]),
)
def test_fmt_value_never_renders_nan_and_missing_never_renders_0(value, flag, kind):
    text = fmt_value(value, flag, kind=kind)
    assert "nan" not in text.lower()
    if value is None or math.isnan(value):
        assert not any(ch.isdigit() for ch in text.replace("0.5", "")) or flag == "k"
        assert text == describe_flag(flag)


def test_fmt_value_with_a_value():
    assert fmt_value(1234.0, "", kind="int") == "1,234"
    assert fmt_value(72.5, "", kind="rate") == "72.5 per 10,000 children"
    assert fmt_value(1_815_000, kind="money") == "£1.8m"
    assert fmt_value(12, "u", kind="int") == "12 (low reliability)"
    with pytest.raises(ParameterError):
        fmt_value(1, kind="percent")


def test_infinite_or_non_numeric_values_are_errors():
    with pytest.raises(DataError):
        fmt_int(float("inf"))
    with pytest.raises(DataError) as info:
        fmt_money("1,815")
    assert info.value.value == "1,815"


@pytest.mark.parametrize(
    ("year", "text"),
    [
        (2018, "2018-19"),
        (1999, "1999-00"),
        (2009, "2009-10"),
        ("2022", "2022-23"),
        (np.int64(2017), "2017-18"),
    ],
)
def test_financial_year(year, text):
    assert financial_year(year) == text


@pytest.mark.parametrize("bad", [18, "2018-19", "201819", 2018.0, True, None])
def test_financial_year_rejects_other_forms(bad):
    with pytest.raises(ParameterError):
        financial_year(bad)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (111, "111th"),
        (0, "0th"),
        (152, "152nd"),
    ],
)
def test_ordinal(n, text):
    assert ordinal(n) == text


@pytest.mark.parametrize("bad", [-1, 2.0, "3", True])
def test_ordinal_rejects_non_counts(bad):
    with pytest.raises(ParameterError):
        ordinal(bad)
