"""The monthly extract reader: Bristol's 2016-17 tables (seed 000, Tables 1 and 2) and bad input.

Expected numbers are copied from the seed text (tests/fixtures/seeds/000_585f2650d4a54322.txt),
lines quoted beside each assertion.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscanalysis.core.errors import DataError
from cscanalysis.sources.monthly import (
    TIDY_COLUMNS,
    measure_id,
    read_monthly_extract,
    read_monthly_extracts,
)

ROOT = Path(__file__).resolve().parents[2]
FRONT_DOOR = ROOT / "data" / "examples" / "bristol_front_door_2016_17.csv"
AGE = ROOT / "data" / "examples" / "bristol_age_at_entry_2016_17.csv"
TEMPLATE = ROOT / "data" / "templates" / "monthly_extract.csv"
BRISTOL = "E06000023"


def _value(table: pd.DataFrame, period: str, measure: str) -> float:
    hit = table[(table["period"] == period) & (table["measure"] == measure)]
    assert len(hit) == 1, (period, measure, len(hit))
    return float(hit["value"].iloc[0])


def test_bristol_front_door_table_1():
    table = read_monthly_extract(FRONT_DOOR, council_code=BRISTOL, council_name="Bristol")
    assert list(table.columns) == TIDY_COLUMNS
    # 12 months x 7 measures
    assert len(table) == 84
    assert sorted(table["period"].unique()) == [
        "2016-08",
        "2016-09",
        "2016-10",
        "2016-11",
        "2016-12",
        "2017-01",
        "2017-02",
        "2017-03",
        "2017-04",
        "2017-05",
        "2017-06",
        "2017-07",
    ]
    assert set(table["measure"]) == {
        "contacts",
        "referrals",
        "s47",
        "icpc",
        "cpp_starts",
        "cla_starts",
        "nfa",
    }
    # seed line 693: "Aug-16	1916	349	73	47	47	30	1370"
    aug = {
        m: _value(table, "2016-08", m)
        for m in ["contacts", "referrals", "s47", "icpc", "cpp_starts", "cla_starts", "nfa"]
    }
    assert aug == {
        "contacts": 1916,
        "referrals": 349,
        "s47": 73,
        "icpc": 47,
        "cpp_starts": 47,
        "cla_starts": 30,
        "nfa": 1370,
    }
    # seed line 700: "Mar-17	2723	760	142	142	61	29	1589"
    assert _value(table, "2017-03", "contacts") == 2723
    assert _value(table, "2017-03", "nfa") == 1589
    # seed line 704: "Jul-17	2439	523	144	144	43	26	1559"
    assert _value(table, "2017-07", "cpp_starts") == 43
    assert (table["council_code"] == BRISTOL).all()
    assert (table["council_name"] == "Bristol").all()
    assert (table["flag"] == "").all()
    assert table["source"].str.contains("bristol_front_door_2016_17.csv").all()


def test_bristol_contacts_total_worked_by_hand():
    table = read_monthly_extract(FRONT_DOOR, council_code=BRISTOL)
    contacts = table[table["measure"] == "contacts"]["value"].sum()
    # seed lines 693-704, Contacts: 1916 + 2164 + 2001 + 2133 + 1857 + 2176 + 1855 + 2723
    #   + 1852 + 2282 + 2461 + 2439 = 25,859
    assert contacts == 25859


def test_bristol_age_at_entry_table_2():
    table = read_monthly_extract(AGE, council_code=BRISTOL)
    assert len(table) == 60  # 12 months x 5 bands
    # seed line 721: "Feb-17	7	3	6	6	5"
    feb = {
        m: _value(table, "2017-02", m)
        for m in [
            "cla_starts_age_under_1",
            "cla_starts_age_1_to_4",
            "cla_starts_age_5_to_9",
            "cla_starts_age_10_to_15",
            "cla_starts_age_16_plus",
        ]
    }
    assert feb == {
        "cla_starts_age_under_1": 7,
        "cla_starts_age_1_to_4": 3,
        "cla_starts_age_5_to_9": 6,
        "cla_starts_age_10_to_15": 6,
        "cla_starts_age_16_plus": 5,
    }
    # seed line 719: "Dec-16	4	0	5	6	3" -- a real zero stays a zero
    assert _value(table, "2016-12", "cla_starts_age_1_to_4") == 0
    # 10 to 15 column, lines 715-726: 11+10+8+6+6+7+6+13+8+9+5+7 = 96
    assert table[table["measure"] == "cla_starts_age_10_to_15"]["value"].sum() == 96


def test_two_extracts_together():
    both = read_monthly_extracts([FRONT_DOOR, AGE], council_code=BRISTOL)
    assert len(both) == 84 + 60
    with pytest.raises(DataError) as err:
        read_monthly_extracts([FRONT_DOOR, FRONT_DOOR], council_code=BRISTOL)
    assert err.value.value == "2016-08"


def test_template_headers_are_all_known_measures():
    header = TEMPLATE.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[0] == "month"
    assert [measure_id(h) for h in header[1:]] == header[1:]


def test_measure_ids_from_headers():
    assert measure_id("Child Protection s47") == "s47"
    assert measure_id("ICPCs") == "icpc"
    assert measure_id("16 to 17 years") == "cla_starts_age_16_plus"
    assert measure_id("No Further Action") == "nfa"
    assert measure_id("Re-referrals") == "re_referrals"  # unknown headers keep their name


def _write(tmp_path: Path, text: str, name: str = "extract.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> DataError:
    with pytest.raises(DataError) as err:
        read_monthly_extract(path, council_code=BRISTOL)
    return err.value


def test_month_that_cannot_be_read(tmp_path):
    path = _write(tmp_path, "Month,Contacts\nAug-16,1916\nAugust sixteen,2164\n")
    err = _error(path)
    assert (err.file, err.row, err.column, err.value) == (
        "extract.csv",
        3,
        "Month",
        "August sixteen",
    )
    assert "month" in err.expected


def test_total_row_is_not_a_month(tmp_path):
    err = _error(_write(tmp_path, "Month,Contacts\nAug-16,1916\nTotal,1916\n"))
    assert (err.row, err.value) == (3, "Total")


def test_duplicated_month(tmp_path):
    # 2016-08 and Aug-16 are the same month
    path = _write(tmp_path, "Month,Contacts\nAug-16,1916\nSep-16,2164\n2016-08,1916\n")
    err = _error(path)
    assert (err.file, err.row, err.column, err.value) == ("extract.csv", 4, "Month", "2016-08")
    assert "row 2" in err.expected


def test_negative_count(tmp_path):
    path = _write(tmp_path, "Month,Contacts,Referrals\nAug-16,1916,349\nSep-16,2164,-446\n")
    err = _error(path)
    assert (err.file, err.row, err.column, err.value) == ("extract.csv", 3, "Referrals", "-446")


def test_non_numeric_count(tmp_path):
    path = _write(tmp_path, "Month,Contacts,Referrals\nAug-16,1916,three hundred\n")
    err = _error(path)
    assert (err.file, err.row, err.column, err.value) == (
        "extract.csv",
        2,
        "Referrals",
        "three hundred",
    )


def test_fractional_count(tmp_path):
    err = _error(_write(tmp_path, "Month,Contacts\nAug-16,19.5\n"))
    assert (err.row, err.column, err.value) == (2, "Contacts", "19.5")


def test_missing_month_column(tmp_path):
    err = _error(_write(tmp_path, "Contacts,Referrals\n1916,349\n"))
    assert (err.file, err.row) == ("extract.csv", 1)
    assert err.value == "Contacts, Referrals"


def test_two_columns_for_one_measure(tmp_path):
    err = _error(_write(tmp_path, "Month,ICPC,Child Protection ICPCs\nAug-16,47,47\n"))
    assert (err.row, err.column, err.value) == (1, "Child Protection ICPCs", "icpc")


def test_blank_and_symbols_are_kept_not_zero(tmp_path):
    path = _write(tmp_path, 'Month,Contacts,Referrals\nAug-16,,c\nSep-16,"2,164",446\n')
    table = read_monthly_extract(path, council_code=BRISTOL)
    aug = table[table["period"] == "2016-08"].set_index("measure")
    assert math.isnan(aug.loc["contacts", "value"]) and aug.loc["contacts", "flag"] == ""
    assert math.isnan(aug.loc["referrals", "value"]) and aug.loc["referrals", "flag"] == "c"
    assert _value(table, "2016-09", "contacts") == 2164


def test_blank_lines_do_not_shift_row_numbers(tmp_path):
    path = _write(tmp_path, "Month,Contacts\n\nAug-16,1916\n\nSep-16,-1\n")
    assert _error(path).row == 5


def test_unsupported_file_type(tmp_path):
    path = _write(tmp_path, "x", name="extract.ods")
    assert _error(path).file == "extract.ods"


def _xlsx(tmp_path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / "extract.xlsx"
    book.save(path)
    return path


def test_xlsx_with_excel_dates(tmp_path):
    path = _xlsx(
        tmp_path,
        [
            ["Month", "Contacts", "Referrals"],
            [datetime(2016, 8, 1), 1916, 349],  # seed line 693
            [datetime(2016, 9, 30), 2164, 446],  # seed line 694, a month-end date
            [None, None, None],
            ["Oct-16", 2001, 381],  # seed line 695, typed as text
        ],
    )
    table = read_monthly_extract(path, council_code=BRISTOL)
    assert sorted(table["period"].unique()) == ["2016-08", "2016-09", "2016-10"]
    assert _value(table, "2016-09", "referrals") == 446
    assert _value(table, "2016-10", "contacts") == 2001


def test_xlsx_errors_name_the_sheet_row(tmp_path):
    path = _xlsx(
        tmp_path,
        [
            ["Month", "Contacts"],
            [datetime(2016, 8, 1), 1916],
            [datetime(2016, 8, 15), 2164],  # the same month again, on sheet row 3
        ],
    )
    err = _error(path)
    assert (err.file, err.row, err.column) == ("extract.xlsx", 3, "Month")
    path = _xlsx(tmp_path, [["Month", "Contacts"], [datetime(2016, 8, 1), -3]])
    err = _error(path)
    assert (err.row, err.column, err.value) == (2, "Contacts", -3)


MONTHS = pd.period_range("2010-01", "2030-12", freq="M")


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=len(MONTHS) - 30),
    counts=st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=24),
    style=st.sampled_from(["%b-%y", "%Y-%m", "%b %Y"]),
)
def test_any_wide_table_round_trips(tmp_path_factory, start, counts, style):
    months = MONTHS[start : start + len(counts)]
    lines = ["Month,Referrals"] + [
        f"{m.to_timestamp().strftime(style)},{c}" for m, c in zip(months, counts, strict=True)
    ]
    path = tmp_path_factory.mktemp("prop") / "extract.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_monthly_extract(path, council_code=BRISTOL)
    assert list(table["period"]) == [str(m) for m in months]
    assert list(table["value"]) == [float(c) for c in counts]


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Aug-16", "2016-08"),
        ("2016-08", "2016-08"),
        ("August 2016", "2016-08"),
        ("01/08/2016", "2016-08"),
        ("31/08/2016 00:00", "2016-08"),
        ("2016-08-01", "2016-08"),
        ("Nov-10", "2010-11"),
        ("2011-12", "2011-12"),
        ("12/2011", "2011-12"),
    ],
)
def test_month_shapes(tmp_path, text, period):
    table = read_monthly_extract(_write(tmp_path, f"Month,Contacts\n{text},1\n"))
    assert list(table["period"]) == [period]


@pytest.mark.parametrize("text", ["2011/12", "2016-17", "2017", "31/02/2017", "Q1 2019/20"])
def test_periods_that_are_not_months(tmp_path, text):
    err = _error(_write(tmp_path, f"Month,Contacts\n{text},1\n"))
    assert (err.row, err.column, err.value) == (2, "Month", text)


def test_value_without_a_heading(tmp_path):
    err = _error(_write(tmp_path, "Month,Contacts\nAug-16,1916,349\n"))
    assert (err.row, err.column, err.value) == (2, "column 3", "349")
    err = _error(_write(tmp_path, "Month,,Contacts\nAug-16,5,1916\n"))
    assert (err.row, err.column) == (1, "column 2")


def test_a_missing_month_is_named(tmp_path):
    """Bristol's Table 1 without December 2016 (the pack would otherwise total 11 months as a
    year, or fail inside the notebook)."""
    lines = FRONT_DOOR.read_text(encoding="utf-8").splitlines()
    path = _write(tmp_path, "\n".join(line for line in lines if not line.startswith("Dec-16")))
    err = _error(path)
    assert (err.file, err.column, err.value) == ("extract.csv", "Month", "2016-12")
    assert str(err).startswith("a month is missing: Dec 2016")
    assert "from Aug 2016 to Jul 2017" in err.expected


def test_months_missing_before_the_last_are_named(tmp_path):
    path = _write(tmp_path, "Month,Contacts\nAug-16,1\nSep-16,2\nDec-16,3\n")
    err = _error(path)
    assert err.value == "2016-10, 2016-11"
    assert "2 months are missing: Oct 2016 and Nov 2016" in str(err)


def test_a_month_without_figures_is_refused(tmp_path):
    path = _write(tmp_path, "Month,Contacts,Referrals\nAug-16,1916,349\nSep-16,,\n")
    err = _error(path)
    assert (err.row, err.column, err.value) == (3, "Month", "Sep-16")
    assert str(err).startswith("the month has no figures")


def test_a_month_of_symbols_is_data(tmp_path):
    table = read_monthly_extract(_write(tmp_path, "Month,Contacts\nAug-16,1916\nSep-16,c\n"))
    assert list(table["flag"]) == ["", "c"]


@settings(max_examples=60, deadline=None)
@given(
    length=st.integers(min_value=3, max_value=36),
    data=st.data(),
)
def test_every_gap_is_named_and_nothing_else(tmp_path_factory, length, data):
    """Drop any months but the first and the last: the error lists exactly those dropped."""
    months = [str(m) for m in MONTHS[:length]]
    dropped = data.draw(st.sets(st.sampled_from(months[1:-1])), label="dropped")
    kept = [m for m in months if m not in dropped]
    path = tmp_path_factory.mktemp("gap") / "extract.csv"
    path.write_text("Month,Referrals\n" + "".join(f"{m},1\n" for m in kept), encoding="utf-8")
    if not dropped:
        assert list(read_monthly_extract(path)["period"]) == months
        return
    with pytest.raises(DataError) as err:
        read_monthly_extract(path)
    assert err.value.value == ", ".join(sorted(dropped))
