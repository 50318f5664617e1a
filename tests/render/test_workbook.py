"""tables.xlsx: one sheet per table under its title and source, a notes sheet, symbols kept,
figures as numbers, formula-like text inert, written atomically."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from cscanalysis.render.workbook import Sheet, as_number, sheet_name, write_workbook


def test_sheets_notes_symbols_and_numbers(tmp_path):
    counts = pd.DataFrame(
        {
            "period": ["2023", "2024"],
            "Started (children)": ["1,234", "c"],
            "note": ['=HYPERLINK("http://x")', "plain"],
        }
    )
    path = write_workbook(
        tmp_path / "tables.xlsx",
        [Sheet("Fig 1 counts", "Figure 1: counts (children)", counts, "DfE")],
        ["A note."],
    )
    assert [p.name for p in tmp_path.iterdir()] == ["tables.xlsx"]  # no temporary file left
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Notes", "Fig 1 counts"]
    notes = [row[0] for row in book["Notes"].iter_rows(values_only=True)]
    assert "A note." in notes and "c: suppressed" in notes
    assert "Fig 1 counts: Figure 1: counts (children)" in notes
    sheet = book["Fig 1 counts"]
    assert sheet["A1"].value == "Figure 1: counts (children)"
    assert sheet["A2"].value == "Source: DfE"
    assert [c.value for c in sheet[4]] == ["period", "Started (children)", "note"]
    assert sheet["A5"].value == "2023"  # a year stays text
    assert sheet["B5"].value == 1234 and sheet["B6"].value == "c"  # a symbol is never 0
    assert sheet["C5"].value == '\'=HYPERLINK("http://x")' and sheet["C5"].data_type == "s"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", 1234),
        ("72.5", 72.5),
        ("-3", -3),
        ("c", "c"),
        ("1,23", "1,23"),
        ("2016-17", "2016-17"),
    ],
)
def test_as_number(text, expected):
    assert as_number(text) == expected


def test_sheet_names_fit_excel():
    taken: set[str] = set()
    long = "Fig 14 spend-per-child-looked-after"
    assert sheet_name(long, taken) == "Fig 14 spend-per-child-looked-a"  # 31 characters
    assert sheet_name(long, taken) == "Fig 14 spend-per-child-look (2)"
    assert sheet_name("a/b:c", taken) == "a b c"
