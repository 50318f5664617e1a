"""Tests for cscanalysis.core.periods: published period labels, their kinds, and period
arithmetic.

Expected periods are read by hand from the published files in data/raw and from the council
papers in tests/fixtures/seeds (the line is quoted beside each case).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cscanalysis.core.periods import (
    financial_year_label,
    financial_year_start,
    is_ambiguous_period,
    parse_period,
    period_at,
    period_kind,
    period_ordinal,
)

RAW = Path(__file__).resolve().parents[2] / "data" / "raw"
SEEDS = Path(__file__).parents[1] / "fixtures" / "seeds"  # a copy of the seed paper
LAIT = "lait/bds_long_0.parquet"

needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason="data/raw is not present")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # reporting year (year ending 31 March)
        (2019, "2019"),
        (np.int64(2019), "2019"),
        (2019.0, "2019"),
        ("2019", "2019"),
        ("31 March 2017", "2017"),
        ("31st March 2023", "2023"),  # seed 002: "As of the 31st March 2023"
        ("31/03/2017", "2017"),
        ("2018 (Rev)", "2018"),  # LAIT Years labels
        ("2021 (Final)", "2021"),
        # financial year
        ("201819", "2018-19"),
        (201819, "2018-19"),
        ("2018/19", "2018-19"),  # seed 000 savings table header
        ("2018-19", "2018-19"),
        ("2018–19", "2018-19"),  # en dash
        ("17/18", "2017-18"),  # seed 000: "This financial year (17/18)"
        ("2017/2018", "2017-18"),
        ("2017-18 (OT)", "2017-18"),  # LAIT
        ("99/00", "1999-00"),
        ("FY2018/19", "2018-19"),
        # month
        ("Aug-16", "2016-08"),  # seed 000 conversion table
        ("Aug 16", "2016-08"),
        ("August 2016", "2016-08"),
        ("Sept 2016", "2016-09"),
        ("jul-17", "2017-07"),
        ("2016-08", "2016-08"),
        ("2016-08-01", "2016-08"),
        ("2016-08-01 00:00:00", "2016-08"),
        ("08/2016", "2016-08"),
        (dt.date(2016, 8, 1), "2016-08"),
        (dt.datetime(2016, 8, 31, 12, 0), "2016-08"),
        (pd.Timestamp("2016-08-15"), "2016-08"),
        (np.datetime64("2016-08-15"), "2016-08"),
        # quarter (of a financial year)
        ("Q1 2019/20", "2019-20 Q1"),
        ("2019/20 Q1", "2019-20 Q1"),
        ("2019-20 Q1", "2019-20 Q1"),
        ("Q4 2019-20", "2019-20 Q4"),
        ("Quarter 3 21/22", "2021-22 Q3"),  # seed 002: "(see Quarter 3 21/22 onwards)"
        ("Q2 of 23/24", "2023-24 Q2"),  # seed 002: "in Q2 of 23/24"
    ],
)
def test_parse_period_forms(text, expected):
    assert parse_period(text) == expected


BAD_PERIODS = [
    ("2019-21", "consecutive"),
    ("2014-16", "consecutive"),  # LAIT 3-year range
    ("2013/14-15/16", "none of the accepted shapes"),  # LAIT
    ("0", "none of the accepted shapes"),  # LAIT
    ("Q5 2019/20", "quarter 5"),
    ("Q1 2019", "not a financial year"),
    ("2018/20", "consecutive"),
    ("13/2016", "month 13"),
    ("2016-02-30", "not a real date"),
    ("Foo-16", "not a month name"),
    ("30/09/2019", "none of the accepted shapes"),  # only 31 March is a reporting year date
    ("1850", "outside"),
    ("", "none of the accepted shapes"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_PERIODS)
def test_parse_period_bad_forms_name_text_and_accepted_forms(text, reason):
    with pytest.raises(ValueError) as caught:
        parse_period(text)
    message = str(caught.value)
    assert repr(text) in message
    assert reason in message
    assert "expected reporting year" in message and "2019-20 Q1" in message


@pytest.mark.parametrize("text", [None, True, 2019.5, float("nan"), pd.NaT, [2019]])
def test_parse_period_rejects_non_periods(text):
    with pytest.raises(ValueError, match="cannot read"):
        parse_period(text)


@needs_raw
def test_parse_period_lait_years():
    years = sorted(pd.read_parquet(RAW / LAIT, columns=["Years"])["Years"].unique())
    read, refused = {}, set()
    for label in years:
        try:
            read[label] = parse_period(label)
        except ValueError:
            refused.add(label)
    # refused: "0" and the multi-year ranges ("2014-16", "2013/14-15/16", ...)
    assert "0" in refused and "2014-16" in refused and "2013/14-15/16" in refused
    assert all(label == "0" or len(label) in (7, 13) for label in refused)
    assert read["2017-18 (OT)"] == read["2017/18"] == read["2017-18"] == "2017-18"
    assert read["2018 (Rev)"] == read["2018"] == "2018"


@needs_raw
def test_parse_period_seed_monthly_table():
    # seed 000 "Table 1 - Conversion Rates data": twelve rows Aug-16 .. Jul-17
    lines = (SEEDS / "000_585f2650d4a54322.txt").read_text(encoding="utf-8").splitlines()
    start = lines.index(next(line for line in lines if line.startswith("Aug-16\t1916")))
    months = [parse_period(line.split("\t")[0]) for line in lines[start : start + 12]]
    assert months == [f"2016-{m:02d}" for m in range(8, 13)] + [
        f"2017-{m:02d}" for m in range(1, 8)
    ]


years_4 = st.integers(min_value=1900, max_value=2098)
years_2 = st.integers(min_value=1950, max_value=2048)  # two-digit years: 50-99 -> 19xx
MONTH_NAMES = [
    ("Jan", "January"),
    ("Feb", "February"),
    ("Mar", "March"),
    ("Apr", "April"),
    ("May", "May"),
    ("Jun", "June"),
    ("Jul", "July"),
    ("Aug", "August"),
    ("Sep", "September"),
    ("Oct", "October"),
    ("Nov", "November"),
    ("Dec", "December"),
]


def fy_forms(start: int) -> list[str]:
    end2 = f"{(start + 1) % 100:02d}"
    forms = [f"{start}{end2}", f"{start}/{end2}", f"{start}-{end2}", f"{start}/{start + 1}"]
    forms += [f"{start}-{end2} (OT)", f"{start} / {end2}"]
    if 1950 <= start <= 2048:
        forms.append(f"{start % 100:02d}/{end2}")
    return forms


@given(years_4, st.data())
def test_reporting_years_round_trip(year, data):
    text = data.draw(
        st.sampled_from([year, str(year), f"31 March {year}", f"31st March {year}"])
        | st.just(f"31/03/{year}")
    )
    period = parse_period(text)
    assert period == str(year)
    assert parse_period(period) == period
    assert period_kind(period) == "reporting_year"


@given(years_4, st.data())
def test_financial_years_round_trip(start, data):
    text = data.draw(st.sampled_from(fy_forms(start)))
    period = parse_period(text)
    assert period == financial_year_label(start)
    assert parse_period(period) == period
    assert period_kind(period) == "financial_year"
    assert financial_year_start(period) == start


@given(years_2, st.integers(min_value=1, max_value=12), st.integers(1, 28), st.data())
def test_months_round_trip(year, month, day, data):
    short, long = MONTH_NAMES[month - 1]
    text = data.draw(
        st.sampled_from(
            [
                f"{short}-{year % 100:02d}",
                f"{short} {year % 100:02d}",
                f"{long} {year}",
                f"{short.upper()}-{year}",
                f"{year}-{month:02d}",
                f"{year}-{month:02d}-{day:02d}",
                f"{month:02d}/{year}",
                dt.date(year, month, day),
                pd.Timestamp(year, month, day),
            ]
        )
    )
    period = parse_period(text)
    assert period == f"{year}-{month:02d}"
    assert parse_period(period) == period
    if is_ambiguous_period(period):  # "2010-11" is also the financial year 2010-11
        assert period_kind(period) == "financial_year"
    else:
        assert period_kind(period) == "month"


@given(years_2, st.integers(min_value=1, max_value=4), st.data())
def test_quarters_round_trip(start, quarter, data):
    fy = data.draw(st.sampled_from(fy_forms(start)[:4]))
    text = data.draw(st.sampled_from([f"Q{quarter} {fy}", f"{fy} Q{quarter}"]))
    period = parse_period(text)
    assert period == f"{financial_year_label(start)} Q{quarter}"
    assert parse_period(period) == period
    assert period_kind(period) == "quarter"


@given(st.text(alphabet="0123456789/-QqAugMar ()OT", max_size=14))
def test_parse_period_idempotent_on_its_own_output(text):
    try:
        period = parse_period(text)
    except ValueError:
        return
    assert parse_period(period) == period
    assert period_kind(period) in {"reporting_year", "financial_year", "month", "quarter"}


def test_period_kind_and_ambiguity():
    assert period_kind("2019") == "reporting_year"
    assert period_kind("2018-19") == "financial_year"
    assert period_kind("2016-08") == "month"
    assert period_kind("2019-20 Q1") == "quarter"
    # canonical forms collide for 2000-01 .. 2011-12 (financial year or that month)
    assert is_ambiguous_period("2010-11") and period_kind("2010-11") == "financial_year"
    assert not is_ambiguous_period("2018-19") and not is_ambiguous_period("1999-00")
    assert not is_ambiguous_period("2016-08")
    for text in ["2019/20", "Aug-16", "2019-21", "2019-20 Q5", "2018-20 Q1", "19", "", None]:
        with pytest.raises(ValueError, match="parse_period"):
            period_kind(text)


def test_financial_year_label_and_start():
    assert financial_year_label(2018) == "2018-19"
    assert financial_year_label(1999) == "1999-00"
    assert financial_year_label(np.int64(2009)) == "2009-10"
    assert financial_year_start("2018-19") == 2018
    assert financial_year_start("1999-00") == 1999
    for bad in [2018.0, "2018", True, 1800]:
        with pytest.raises(ValueError):
            financial_year_label(bad)
    for bad in ["2018/19", "2018-20", "2018", "18-19", 2018]:
        with pytest.raises(ValueError):
            financial_year_start(bad)


# --------------------------------------------------------------------------- arithmetic


def test_period_ordinals_by_hand():
    # a month is year * 12 + month - 1: August 2016 is 2016 * 12 + 7 = 24199
    assert period_ordinal("2016-08", "month") == 24199
    assert period_at(24199, "month") == "2016-08"
    # December 2016 is 24203; one more is January 2017
    assert period_at(period_ordinal("2016-12", "month") + 1, "month") == "2017-01"
    # a quarter is first year * 4 + quarter - 1: 2019-20 Q1 is 8076, Q4 8079, then 2020-21 Q1
    assert period_ordinal("2019-20 Q1", "quarter") == 8076
    assert period_ordinal("2019-20 Q4", "quarter") == 8079
    assert period_at(8080, "quarter") == "2020-21 Q1"
    # years are themselves; a financial year is its first year
    assert period_ordinal("2019", "reporting_year") == 2019
    assert period_at(2020, "reporting_year") == "2020"
    assert period_ordinal("1999-00", "financial_year") == 1999
    assert period_at(1999, "financial_year") == "1999-00"
    # the one text that is two periods: November 2010 and the financial year 2010-11
    assert period_ordinal("2010-11", "month") == 2010 * 12 + 10
    assert period_ordinal("2010-11", "financial_year") == 2010


@pytest.mark.parametrize(
    ("period", "kind"),
    [
        ("2018-20", "financial_year"),  # not consecutive years
        ("2016-13", "month"),
        ("2019-21 Q1", "quarter"),
        ("2019-20 Q5", "quarter"),
        ("2019", "month"),
        ("2018-19", "reporting_year"),
        ("Aug-16", "month"),  # published, not canonical: parse_period first
    ],
)
def test_period_ordinal_refuses_other_kinds(period, kind):
    with pytest.raises(ValueError, match="is not a canonical"):
        period_ordinal(period, kind)


def test_period_kind_names_are_checked():
    with pytest.raises(ValueError, match="is not one of"):
        period_ordinal("2019", "year")
    with pytest.raises(ValueError, match="is not one of"):
        period_at(2019, "fy")


@given(
    st.sampled_from(["reporting_year", "financial_year", "month", "quarter"]),
    st.integers(min_value=1900 * 12, max_value=2098 * 12),
    st.integers(min_value=-30, max_value=30),
)
def test_ordinals_step_one_period_at_a_time(kind, seed, steps):
    ordinal = {"reporting_year": seed // 12, "financial_year": seed // 12}.get(kind, seed)
    if kind == "quarter":
        ordinal = seed // 3
    period = period_at(ordinal, kind)
    assert period_ordinal(period, kind) == ordinal
    assert parse_period(period) == period
    if not is_ambiguous_period(period):
        assert period_kind(period) == kind
    later = period_at(ordinal + steps, kind)
    assert period_ordinal(later, kind) - period_ordinal(period, kind) == steps
