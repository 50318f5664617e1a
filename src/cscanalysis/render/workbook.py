"""``tables.xlsx`` beside a pack: each table and each chart's data on a sheet of its own, under
its title, units and source, with a notes sheet first (what the symbols mean, what each sheet
holds). Analysts coming from LAIT work in Excel.

Every text cell is stored as text and neutralised as in :mod:`cscanalysis.core.safe_files` (a cell
from the data can never run as a formula); published symbols (``c``, ``x``, ``z``) stay as
symbols; the file is written atomically.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cscanalysis.core.formatting import FLAG_MEANINGS
from cscanalysis.core.safe_files import (
    atomic_write_bytes,
    neutralise,
    neutralise_formulas,
    xlsx_value,
)
from cscanalysis.render.chart import Chart

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

HEADER_ROW = 4  # title, source and a blank row above each sheet's table


@dataclass
class Sheet:
    """One table: ``name`` (its tab), ``title`` (what it shows, with units), its data and
    ``source``."""

    name: str
    title: str
    data: pd.DataFrame
    source: str


def figure_sheet(chart: Chart, number: int) -> Sheet:
    """Figure ``number``'s data under its title and subtitle."""
    return Sheet(
        f"Fig {number} {chart.slug}",
        f"Figure {number}: {chart.title}. Data: {chart.subtitle}",
        chart.data,
        chart.source,
    )


def sheet_name(text: str, taken: set[str]) -> str:
    """A tab name Excel accepts (31 characters, none of ``[ ] : * ? / \\``), unique."""
    base = re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def write_workbook(path: str | os.PathLike[str], sheets: list[Sheet], notes: list[str]) -> Path:
    """Write the notes sheet and one sheet per table to ``path`` atomically; return the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    file = os.fspath(path)
    workbook = Workbook()
    front = workbook.active
    front.title = "Notes"
    taken = {"notes"}
    names = [sheet_name(sheet.name, taken) for sheet in sheets]
    lines = [
        ("Notes", True),
        *((note, False) for note in notes),
        ("", False),
        ("Symbols", True),
        *((f"{symbol}: {meaning}", False) for symbol, meaning in FLAG_MEANINGS.items()),
        ("", False),
        ("Sheets", True),
        *((f"{name}: {sheet.title}", False) for name, sheet in zip(names, sheets, strict=True)),
    ]
    for row, (text, bold) in enumerate(lines, start=1):
        cell = front.cell(row=row, column=1, value=_text(text, file, row))
        cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)
    front.column_dimensions["A"].width = 110
    for name, sheet in zip(names, sheets, strict=True):
        _write_sheet(workbook.create_sheet(name), sheet, file)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return atomic_write_bytes(path, buffer.getvalue())


NUMBER = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+(\.\d+)?")


def as_number(value: object) -> object:
    """A figure shown as text (``'1,234'``, ``'72.5'``) as a number Excel can add up; a symbol
    (``'c'``) or words unchanged."""
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        number = float(value.replace(",", ""))
        return int(number) if number.is_integer() and "." not in value else number
    return value


def _text(text: str, file: str, row: int) -> object:
    return xlsx_value(neutralise(text), file=file, row=row, column="A")


def _write_sheet(worksheet: Worksheet, sheet: Sheet, file: str) -> None:
    from openpyxl.styles import Font

    title = worksheet.cell(row=1, column=1, value=_text(sheet.title, file, 1))
    title.data_type = "s"
    title.font = Font(bold=True)
    source = worksheet.cell(row=2, column=1, value=_text(f"Source: {sheet.source}", file, 2))
    source.data_type = "s"
    safe = neutralise_formulas(sheet.data.reset_index(drop=True))
    for j, name in enumerate(safe.columns, start=1):
        cell = worksheet.cell(row=HEADER_ROW, column=j, value=_text(str(name), file, HEADER_ROW))
        cell.data_type = "s"
        cell.font = Font(bold=True)
        widest = max([len(str(name)), *(len(str(v)) for v in safe.iloc[:, j - 1])], default=8)
        worksheet.column_dimensions[cell.column_letter].width = min(max(widest + 2, 8), 60)
    for i, values in enumerate(safe.itertuples(index=False, name=None), start=HEADER_ROW + 1):
        for j, (name, value) in enumerate(zip(safe.columns, values, strict=True), start=1):
            stored = xlsx_value(value, file=file, row=i, column=name)
            if j > 1:  # the first column names the row (a year, a measure): kept as text
                stored = as_number(stored)
            cell = worksheet.cell(row=i, column=j, value=stored)
            if isinstance(stored, str):
                cell.data_type = "s"
    worksheet.freeze_panes = worksheet.cell(row=HEADER_ROW + 1, column=1)
