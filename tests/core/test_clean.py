"""Tests for cscanalysis.core.clean: symbols, numbers, text decoding and names.

Expected numbers are read by hand from the published files in data/raw (line numbers as
seen in a text editor, header = line 1) and from the council paper in tests/fixtures/seeds.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cscanalysis.core.clean import (
    EXPECTED_VALUE,
    SYMBOLS,
    clean_values,
    decode_text,
    normalise_name,
    parse_number,
    parse_value,
)
from cscanalysis.core.errors import DataError

RAW = Path(__file__).resolve().parents[2] / "data" / "raw"
SEEDS = Path(__file__).parents[1] / "fixtures" / "seeds"  # a copy of the seed paper
CLA_2013 = "cla/sfr_2013/SFR36_CLA2013.csv"
CSWW = "workforce/csww_indicators_2017_to_2025.csv"
LAIT = "lait/bds_long_0.parquet"

needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason="data/raw is not present")


def read_raw_csv(relative: str) -> pd.DataFrame:
    """A published CSV as strings (no NA guessing); header names stripped ("CLA_NetGain ")."""
    text, _ = decode_text((RAW / relative).read_bytes(), file=relative)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return frame.rename(columns=str.strip)


def assert_names_cell(error: DataError, *, file: str, row: int, column: str, value: object):
    """The error and its message name the file, row, column and raw value."""
    assert (error.file, error.row, error.column, error.value) == (file, row, column, value)
    message = str(error)
    assert f"file {file}" in message
    assert f"row {row}" in message
    assert f"column {column!r}" in message
    assert f"value {value!r}" in message
    assert EXPECTED_VALUE in message


# --------------------------------------------------------------------------- symbols


def test_symbols_are_the_published_ones():
    # SOURCE_README "Suppression and other symbols": EES c x z k u low, SFR x .., LAIT -,
    # plus ':' (not available).
    assert set(SYMBOLS) == {"c", "x", "z", "k", "u", "low", ":", "..", "-"}
    assert all(isinstance(meaning, str) and meaning for meaning in SYMBOLS.values())


@pytest.mark.parametrize("symbol", sorted(SYMBOLS))
def test_parse_value_symbol_is_nan_with_flag(symbol):
    value, flag = parse_value(symbol)
    assert math.isnan(value) and flag == symbol
    value, flag = parse_value(f" {symbol}\xa0")
    assert math.isnan(value) and flag == symbol


@pytest.mark.parametrize("symbol", sorted(SYMBOLS))
def test_parse_number_rejects_symbols(symbol):
    with pytest.raises(ValueError, match="published symbol"):
        parse_number(symbol)


@pytest.mark.parametrize("blank", [None, "", "   ", "\xa0", float("nan"), np.nan, pd.NA])
def test_parse_value_blank(blank):
    value, flag = parse_value(blank)
    assert math.isnan(value) and flag == ""


@pytest.mark.parametrize("text", ["C", "X", "LOW", "Low", "n/a", "*", "N/A", "NULL", "-- "])
def test_parse_value_unknown_symbols_raise(text):
    # symbols are case-sensitive; n/a and * are not published symbols
    with pytest.raises(ValueError, match="not a number"):
        parse_value(text)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", 1234.0),
        ("1234", 1234.0),
        ("1,234,567.5", 1234567.5),
        # seed 000 (Bristol 2018) summary table: "One-off costs (new costs) ... £1,815"
        ("£1,815", 1815.0),
        # seed 000: "Gross savings  -£813"
        ("-£813", -813.0),
        ("£-813", -813.0),
        ("(813)", -813.0),
        ("(£813)", -813.0),
        ("−813", -813.0),  # Unicode minus sign
        ("+813", 813.0),
        # seed 002 (Bristol 2023): "increased from £1.8m to £8.8m"
        ("£1.8m", 1_800_000.0),
        ("£8.8m", 8_800_000.0),
        # seed 000: "approve £1.815m of capital spending"
        ("£1.815m", 1_815_000.0),
        ("£1.325m", 1_325_000.0),
        ("£250k", 250_000.0),
        ("£1.2bn", 1_200_000_000.0),
        # seed 002: "£1,755 per week or c£91,000 per year"
        ("c£91,000", 91_000.0),
        ("c. £91,000", 91_000.0),
        # seed 004 (BCP 2023): "c. £7m in annual financial savings"
        ("c. £7m", 7_000_000.0),
        # seed 002: "a vacancy rate of 18.3%" -> percentage points, as DfE publishes rates
        ("18.3%", 18.3),
        # LAIT float artefacts (SOURCE_README; Bexley RTA 2014-16 in bds_long_0.parquet)
        ("9.3699999999999992", 9.37),
        ("7.0000000000000007E-2", 0.07),
        ("-7.0000000000000007E-2", -0.07),
        ("4.7980000000000002E-2", 0.04798),
        (" 12 ", 12.0),
        ("\xa012\xa0", 12.0),
        ("0", 0.0),
        (".5", 0.5),
        (5, 5.0),
        (2.5, 2.5),
        (np.int64(7), 7.0),
        (np.float64(0.07000000000000001), 0.07),
        (123_456_789_012_345, 123_456_789_012_345.0),  # every integer digit kept
    ],
)
def test_parse_number_forms(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "£30,15",  # seed README: a typo in the council papers; bad thousands grouping
        "1,23",
        "12,3456",
        "£'000s",
        "",
        "abc",
        "$5",
        "1.2.3",
        "£5%",
        "(-813)",
        "-£-813",
        "inf",
        "-Infinity",
        "nan",
        "1e400",
        "#VALUE!",
        "12 34",
        None,
        True,
        float("nan"),
        float("inf"),
    ],
)
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_parse_number_excel_error_says_so():
    with pytest.raises(ValueError, match="Excel error"):
        parse_number("#DIV/0!")


@needs_raw
def test_seed_savings_rows_add_up():
    lines = (SEEDS / "000_585f2650d4a54322.txt").read_text(encoding="utf-8").splitlines()

    def row(label: str) -> list[float]:
        line = next(line for line in lines if line.startswith(label))
        return [parse_number(cell) for cell in line.split("\t")[1:] if cell.strip()]

    # "Gross savings" Yr1..Yr5 and the 5-year total, worked by hand:
    # 813 + 2,455 + 4,650 + 6,477 + 6,930 = 21,325
    gross = row("Gross savings")
    assert gross == [-813, -2455, -4650, -6477, -6930, -21325]
    assert sum(gross[:5]) == gross[5]
    # "Annual Net Savings": 310 + 1,013 - 1,224 - 3,633 - 5,460 - 5,913 = -14,907
    net = row("Annual Net Savings:")
    assert net == [310, 1013, -1224, -3633, -5460, -5913, -14907]
    # "TOTAL NET POSITION": annual increments 813 + 1,642 + 2,195 + 1,827 + 453 = 6,930,
    # the cumulative gross saving in year 5
    position = row("TOTAL NET POSITION")
    assert sum(position[:5]) == position[5] == gross[4]


money_int = st.integers(min_value=-(10**15), max_value=10**15)


@given(money_int, st.sampled_from(["plain", "-£", "£-", "()", "(£)"]), st.booleans())
def test_round_trip_formatted_integers(number, style, pound):
    digits = f"{abs(number):,}"
    sign = "-" if number < 0 else ""
    text = {
        "plain": f"{sign}{'£' if pound else ''}{digits}",
        "-£": f"{sign}£{digits}",
        "£-": f"£{sign}{digits}",
        "()": f"({digits})" if number < 0 else digits,
        "(£)": f"(£{digits})" if number < 0 else f"£{digits}",
    }[style]
    assert parse_number(text) == float(number)


@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=0, max_value=3))
def test_round_trip_decimals_and_percentages(hundredths, places):
    # a decimal written with thousands separators, then as a percentage
    text = f"{hundredths / 100:,.{places}f}"
    expected = float(text.replace(",", ""))
    assert parse_number(text) == expected
    assert parse_number(text + "%") == expected


@given(st.sampled_from(sorted(SYMBOLS)), st.sampled_from(["", " ", "\xa0", "\t"]))
def test_any_symbol_is_nan_with_its_flag_never_zero(symbol, pad):
    value, flag = parse_value(f"{pad}{symbol}{pad}")
    assert math.isnan(value)
    assert flag == symbol
    cleaned = clean_values(pd.Series(["1", f"{pad}{symbol}{pad}"]), file="f.csv", column="v")
    assert math.isnan(cleaned["value"].iloc[1]) and cleaned["flag"].iloc[1] == symbol


# --------------------------------------------------------------------------- clean_values


def test_clean_values_mixed_column_keeps_index_and_types():
    values = pd.Series(
        ["1", " c ", "2.5", "", None, "£1,815", "low", "-", "7.0000000000000007E-2", "x"],
        index=range(10, 20),
    )
    cleaned = clean_values(values, file="f.csv", column="v")
    assert list(cleaned.index) == list(range(10, 20))
    assert list(cleaned.columns) == ["value", "flag"]
    assert cleaned["value"].dtype == np.float64
    assert pd.api.types.is_string_dtype(cleaned["flag"].dtype)
    np.testing.assert_array_equal(
        cleaned["value"].to_numpy(),
        [1.0, np.nan, 2.5, np.nan, np.nan, 1815.0, np.nan, np.nan, 0.07, np.nan],
    )
    assert list(cleaned["flag"]) == ["", "c", "", "", "", "", "low", "-", "", "x"]


def test_clean_values_numeric_and_object_columns():
    floats = clean_values(pd.Series([1.0, np.nan, 0.07000000000000001]), file="f", column="v")
    np.testing.assert_array_equal(floats["value"].to_numpy(), [1.0, np.nan, 0.07])
    assert list(floats["flag"]) == ["", "", ""]
    ints = clean_values(pd.Series([3, 4], dtype="Int64"), file="f", column="v")
    assert list(ints["value"]) == [3.0, 4.0]
    # a column read from a workbook: numbers and text mixed in one object column
    mixed = clean_values(pd.Series([1, "x", 2.5, None, "£80"], dtype=object), file="f", column="v")
    np.testing.assert_array_equal(mixed["value"].to_numpy(), [1.0, np.nan, 2.5, np.nan, 80.0])
    assert list(mixed["flag"]) == ["", "x", "", "", ""]
    empty = clean_values(pd.Series([], dtype=object), file="f", column="v")
    assert len(empty) == 0 and list(empty.columns) == ["value", "flag"]


@needs_raw
def test_clean_values_sfr_2013_excel_error_in_national_row():
    frame = read_raw_csv(CLA_2013)
    # line 2 (England): "E92000001,NATIONAL,999,ENGLAND,68110,..." and CLA_NetGain "#VALUE!"
    with pytest.raises(DataError) as caught:
        clean_values(frame["CLA_NetGain"], file=CLA_2013, column="CLA_NetGain")
    assert_names_cell(caught.value, file=CLA_2013, row=2, column="CLA_NetGain", value="#VALUE!")
    assert "Excel error" in str(caught.value)
    # the LA rows below it are fine: line 27 Barking and Dagenham "x", line 29 Bexley 91
    rest = clean_values(frame["CLA_NetGain"].iloc[1:], file=CLA_2013, column="CLA_NetGain")
    assert rest.loc[25, "flag"] == "x" and math.isnan(rest.loc[25, "value"])
    assert rest.loc[27, "value"] == 91.0 and rest.loc[27, "flag"] == ""
    # the same England row's CLA_Mar2013 is 68110 (line 2, fifth field)
    march = clean_values(frame["CLA_Mar2013"], file=CLA_2013, column="CLA_Mar2013")
    assert march["value"].iloc[0] == 68110.0


@needs_raw
def test_clean_values_sfr_2014_double_dot():
    # SOURCE_README: ".." once, in the 2014 national row (line 2, CLA_NetGain)
    frame = read_raw_csv("cla/sfr_2014/SFR36_CLA2014.csv")
    cleaned = clean_values(frame["CLA_NetGain"], file="sfr_2014", column="CLA_NetGain")
    assert cleaned["flag"].iloc[0] == ".." and math.isnan(cleaned["value"].iloc[0])


@needs_raw
def test_clean_values_csww_low():
    frame = read_raw_csv(CSWW)
    # line 25: "2025,...,Sunderland,229.5,239,19.8,20,27.1,28,11.8,11.7,low,1,low,0.4,low,100,..."
    sunderland_2025 = 25 - 2
    agency = clean_values(frame["agency_fte"], file=CSWW, column="agency_fte")
    assert agency["flag"].iloc[sunderland_2025] == "low"
    assert math.isnan(agency["value"].iloc[sunderland_2025])
    headcount = clean_values(frame["agency_headcount"], file=CSWW, column="agency_headcount")
    assert headcount["value"].iloc[sunderland_2025] == 1.0
    inpost = clean_values(frame["inpost_fte"], file=CSWW, column="inpost_fte")
    assert inpost["value"].iloc[sunderland_2025] == 229.5
    # SOURCE_README: "low" appears in csww_indicators only, 12 cells
    lows = 0
    for column in frame.columns[10:]:
        lows += int((clean_values(frame[column], file=CSWW, column=column)["flag"] == "low").sum())
    assert lows == 12


@needs_raw
def test_clean_values_lait_artefacts_and_dashes():
    frame = pd.read_parquet(RAW / LAIT)
    cleaned = clean_values(frame["Values"], file=LAIT, column="Values")

    def value_of(short, years, area):
        hit = (
            (frame["Short Desc"] == short)
            & (frame["Years"] == years)
            & (frame["LA and Regions"] == area)
        )
        assert hit.sum() == 1
        return cleaned.loc[hit, "value"].item()

    assert value_of("RTA", "2014-16", "Bexley") == 9.37  # published "9.3699999999999992"
    assert value_of("SecPermEx", "2021/22", "Hampshire") == 0.07  # "7.0000000000000007E-2"
    assert value_of("KS2R_Prog_VA", "2019", "Greenwich") == -0.07  # "-7.0000000000000007E-2"
    # LAIT "-" is missing or suppressed: "about 84,000 cells" in the truncated copy (SOURCE_README);
    # the whole file of 30 November 2026 adds 2024 and 2025, 93,883 dashes (counted with grep on a
    # CSV dump of the Values column); never zero
    assert set(cleaned["flag"]) == {"", "-"}
    dashes = cleaned["flag"] == "-"
    assert 90_000 < int(dashes.sum()) < 100_000
    assert cleaned.loc[dashes, "value"].isna().all()
    assert (frame["Values"].str.strip() == "-").sum() == dashes.sum()


cell = st.one_of(
    st.sampled_from(sorted(SYMBOLS)),
    st.sampled_from(["", " ", None, " c ", "#VALUE!", "n/a", "*", "C", "inf", "nan"]),
    st.integers(-(10**12), 10**12).map(str),
    st.integers(-(10**9), 10**9).map(lambda n: f"£{n:,}"),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.17E}"),
    st.text(alphabet="0123456789.,-+eE£()%kmc x\xa0\t", max_size=8),
)


@given(st.lists(cell, max_size=30), st.booleans(), st.integers(min_value=0, max_value=5))
def test_clean_values_equals_parse_value_per_cell(cells, as_object, first_row):
    values = pd.Series(cells, dtype=object if as_object else str)
    expected, first_bad = [], None
    for position, raw in enumerate(values.to_numpy(dtype=object)):
        try:
            expected.append(parse_value(raw))
        except ValueError:
            first_bad = position if first_bad is None else first_bad
    if first_bad is not None:
        with pytest.raises(DataError) as caught:
            clean_values(values, file="f.csv", column="v", first_row=first_row)
        assert caught.value.row == first_row + first_bad
        assert caught.value.value == values.iloc[first_bad]
        return
    cleaned = clean_values(values, file="f.csv", column="v", first_row=first_row)
    np.testing.assert_array_equal(cleaned["value"].to_numpy(), [v for v, _ in expected])
    assert list(cleaned["flag"]) == [f for _, f in expected]


# one test per failure mode of clean_values: each names file, row, column and value


def test_clean_values_bad_number_names_the_cell():
    values = pd.Series(["£1,815", "£30,15", "£214"])  # seed 000 style; "£30,15" is a typo
    with pytest.raises(DataError) as caught:
        clean_values(values, file="costs.csv", column="Yr 1")
    assert_names_cell(caught.value, file="costs.csv", row=3, column="Yr 1", value="£30,15")


@pytest.mark.parametrize("unknown", ["n/a", "*", "C", "N/A", "NULL"])
def test_clean_values_unknown_symbol_names_the_cell(unknown):
    values = pd.Series(["12", "c", unknown])
    with pytest.raises(DataError) as caught:
        clean_values(values, file="la.csv", column="referrals", first_row=10)
    assert_names_cell(caught.value, file="la.csv", row=12, column="referrals", value=unknown)


@pytest.mark.parametrize("excel", ["#VALUE!", "#DIV/0!", "#N/A", "#REF!", "#NAME?"])
def test_clean_values_excel_error_is_an_error_not_a_symbol(excel):
    values = pd.Series(["1", "2", excel])
    with pytest.raises(DataError, match="Excel error") as caught:
        clean_values(values, file="book.csv", column="CLA_NetGain")
    assert_names_cell(caught.value, file="book.csv", row=4, column="CLA_NetGain", value=excel)


def test_clean_values_counts_further_bad_cells():
    with pytest.raises(DataError, match="and 2 more unreadable cells") as caught:
        clean_values(pd.Series(["*", "1", "n/a", "?"]), file="f.csv", column="v")
    assert caught.value.row == 2 and caught.value.value == "*"


def test_clean_values_infinite_and_bool_cells_are_errors():
    with pytest.raises(DataError) as caught:
        clean_values(pd.Series([1.0, np.inf]), file="f.csv", column="rate")
    assert_names_cell(caught.value, file="f.csv", row=3, column="rate", value=np.inf)
    with pytest.raises(DataError) as caught:
        clean_values(pd.Series([1, True], dtype=object), file="f.csv", column="n")
    assert_names_cell(caught.value, file="f.csv", row=3, column="n", value=True)


# --------------------------------------------------------------------------- decode_text


@needs_raw
def test_decode_text_real_files():
    # EES file with a byte order mark and CRLF line endings
    text, encoding = decode_text(
        (RAW / "cla/ees_ry2023/cla_time_series_1994_2023.csv").read_bytes()
    )
    assert encoding == "utf-8-sig" and text.startswith("time_period,") and "\r" not in text
    # pre-2018 SFR metadata saved as Windows-1252: byte 0x92 on line 57 is "children’s"
    meta = "cla/sfr_2014/Meta Data Document.txt"
    text, encoding = decode_text((RAW / meta).read_bytes(), file=meta)
    assert encoding == "cp1252" and "\r" not in text
    assert "placed in secure units, children’s homes and hostels" in text.split("\n")[56]
    # 0x93 is a left double quotation mark
    text, _ = decode_text((RAW / "cla/sfr_2010/SFR27_2010_metadata_1.txt").read_bytes())
    assert text.split("\n")[2].startswith("“Children Looked After")
    # LAIT dictionary: UTF-8 with CRLF and "\r\r\n" inside quoted fields
    text, encoding = decode_text((RAW / "lait/lait_data_dictionary.csv").read_bytes())
    assert encoding == "utf-8" and "\r" not in text
    assert "defined as:\n\n\n\n- early neonatal" in text


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (b"a,b\r\n1,2\r\n", "a,b\n1,2\n", "utf-8"),
        (b"\xef\xbb\xbfa,b\r\n1,2", "a,b\n1,2", "utf-8-sig"),
        (b"a\rb\r\r\nc", "a\nb\n\nc", "utf-8"),
        (b"\xa31,815\x92s\xa0x", "£1,815’s\xa0x", "cp1252"),
        (b"\xc2\xa31,815", "£1,815", "utf-8"),
        (b"", "", "utf-8"),
    ],
)
def test_decode_text_forms(data, text, encoding):
    assert decode_text(data) == (text, encoding)


unicode_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
CP1252 = "".join(
    ch for ch in (bytes([b]).decode("cp1252", errors="ignore") for b in range(1, 256)) if ch
)


def lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@given(unicode_text)
def test_decode_text_utf8_round_trip(text):
    assume(not text.startswith("\ufeff"))
    assert decode_text(text.encode("utf-8")) == (lf(text), "utf-8")
    assert decode_text(text.encode("utf-8-sig")) == (lf(text), "utf-8-sig")


@given(st.text(alphabet=CP1252))
def test_decode_text_cp1252_round_trip(text):
    data = text.encode("cp1252")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # bytes that are also valid UTF-8 (pure ASCII, or such as "Ã©") read as UTF-8
        assume(text.isascii())
    assume(not data.startswith(b"\xef\xbb\xbf"))
    decoded, encoding = decode_text(data)
    assert decoded == lf(text)
    assert encoding == ("utf-8" if text.isascii() else "cp1252")


def test_decode_text_utf16_names_the_file():
    data = "time_period,la_name\r\n2019,Bristol\r\n".encode("utf-16")
    with pytest.raises(DataError, match="UTF-16") as caught:
        decode_text(data, file="cla/export.csv")
    error = caught.value
    assert error.file == "cla/export.csv" and error.row == 1
    assert "file cla/export.csv" in str(error) and "row 1" in str(error)


def test_decode_text_nul_byte_later_in_file_names_its_line():
    with pytest.raises(DataError) as caught:
        decode_text(b"a,b\n1,2\n3\x00,4\n", file="f.csv")
    assert caught.value.row == 3 and caught.value.value == b"\x00,4\n"


def test_decode_text_undecodable_byte_names_file_line_and_byte():
    # 0x81 is not a character in UTF-8 or Windows-1252
    with pytest.raises(DataError) as caught:
        decode_text(b"a,b\n1,\x81\n", file="f.csv")
    error = caught.value
    assert (error.file, error.row, error.value) == ("f.csv", 2, b"\x81")
    assert "file f.csv" in str(error) and "row 2" in str(error) and "b'\\x81'" in str(error)


def test_decode_text_bom_then_not_utf8_is_an_error():
    with pytest.raises(DataError) as caught:
        decode_text(b"\xef\xbb\xbfa,b\n\x92", file="f.csv")
    assert (caught.value.row, caught.value.value) == (2, b"\x92")
    assert "offset 7" in str(caught.value)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bristol, City of ", "bristol city of"),  # LTLA-UTLA lookup spelling
        ("St. Helens", "st helens"),  # SFR and LAIT spelling
        ("Kingston Upon Hull, City of", "kingston upon hull city of"),  # LAIT
        ("Kingston upon Hull, City of", "kingston upon hull city of"),  # ONS
        ("Hammersmith & Fulham", "hammersmith and fulham"),
        ("Hammersmith and Fulham", "hammersmith and fulham"),
        ("King's Lynn and West Norfolk", "kings lynn and west norfolk"),
        ("King’s Lynn and West Norfolk", "kings lynn and west norfolk"),
        ("Stockton-on-Tees", "stockton on tees"),
        ("  Bournemouth,\xa0Christchurch  and Poole ", "bournemouth christchurch and poole"),
        ("ENGLAND", "england"),
    ],
)
def test_normalise_name(text, expected):
    assert normalise_name(text) == expected


@given(st.text())
def test_normalise_name_is_idempotent(text):
    key = normalise_name(text)
    assert normalise_name(key) == key
    assert key == key.strip() and "  " not in key


def test_normalise_name_rejects_non_text():
    with pytest.raises(ValueError):
        normalise_name(None)  # type: ignore[arg-type]
