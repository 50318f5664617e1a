"""Cells of council-supplied CSV and XLSX files, read the same way by every such reader.

A file is read into ``(row number, cells)`` records: the row number is the line a CSV record
starts on, or the sheet row of a workbook (the header is row 1), so that every
:class:`DataError` names the row a person sees. Blank records are skipped. The helpers here
read one cell at a time and raise :class:`DataError` naming the file, row, column and value,
and what was expected; nothing is silently fixed.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from cscanalysis.core.clean import decode_text, parse_number
from cscanalysis.core.errors import DataError
from cscanalysis.core.periods import parse_period, period_kind

__all__ = [
    "Row",
    "Sheet",
    "cell_at",
    "column_key",
    "csv_rows",
    "header_index",
    "is_blank",
    "number_cell",
    "period_cell",
    "read_rows",
    "read_sheet",
    "reject_unknown_columns",
    "show",
    "text_cell",
    "xlsx_rows",
]

Row = tuple[int, list[object]]
"""(row number as a person sees it, cells)."""


# --------------------------------------------------------------------------- files


def read_rows(path: Path, *, sheet: str | int = 0, label: str | None = None) -> list[Row]:
    """The non-blank records of a ``.csv``/``.txt`` file or an ``.xlsx``/``.xlsm`` worksheet."""
    label = path.name if label is None else label
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return xlsx_rows(path, sheet=sheet, label=label)
    if suffix in (".csv", ".txt"):
        return csv_rows(path, label=label)
    raise DataError(
        "unsupported file type", file=label, value=path.suffix, expected="a .csv or .xlsx file"
    )


def csv_rows(path: Path, *, label: str) -> list[Row]:
    """Non-blank records of a CSV with the line each starts on (header included)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataError(f"cannot read the file ({error.strerror})", file=label) from None
    text, _ = decode_text(data, file=label)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    start = 1
    for record in reader:
        if any(field.strip() for field in record):
            rows.append((start, list(record)))
        start = reader.line_num + 1
    if rows:
        check_delimiter(rows[0], label=label)
    return rows


DELIMITERS = {";": "semicolons (';')", "\t": "tabs", "|": "vertical bars ('|')"}


def check_delimiter(header: Row, *, label: str) -> None:
    """Raise :class:`DataError` when a header read with commas is one cell split by another
    delimiter (a CSV saved with semicolons, as Excel does in many European locales, or tabs)."""
    number, cells = header
    filled = [str(c) for c in cells if str(c).strip()]
    if len(filled) != 1:
        return
    for delimiter, name in DELIMITERS.items():
        if filled[0].count(delimiter) >= 1:
            raise DataError(
                f"the columns are separated by {name}, not commas",
                file=label,
                row=number,
                value=filled[0],
                expected="a CSV file with commas between the columns (save it again as "
                "'CSV UTF-8 (comma delimited)')",
            )


def xlsx_rows(path: Path, *, sheet: str | int, label: str) -> list[Row]:
    """Non-empty rows of a worksheet (by position or name) with their sheet row numbers."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several types for a damaged file
        raise DataError(
            f"cannot open the workbook ({error})", file=label, expected="an .xlsx workbook"
        ) from None
    try:
        names = book.sheetnames
        if isinstance(sheet, int) and 0 <= sheet < len(names):
            ws = book[names[sheet]]
        elif isinstance(sheet, str) and sheet in names:
            ws = book[sheet]
        else:
            raise DataError(
                "no such worksheet", file=label, value=sheet, expected=f"one of {names}"
            )
        rows: list[Row] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else v for v in values]
            if any(str(c).strip() for c in cells):
                rows.append((number, cells))
        return rows
    finally:
        book.close()


# --------------------------------------------------------------------------- the header


def column_key(header: object) -> str:
    """A header as a column name: trimmed, lower case, spaces and hyphens as ``_``."""
    return re.sub(r"[\s\-]+", "_", str(header).strip().lower())


def header_index(
    rows: Sequence[Row], required: Sequence[str], *, label: str
) -> tuple[int, list[str], dict[str, int]]:
    """The header's row number, column names (:func:`column_key`) and name -> position.

    Raises :class:`DataError` for an empty file, a column named twice or a missing column.
    """
    if not rows:
        raise DataError(
            "the file is empty", file=label, expected="a header row: " + ", ".join(required)
        )
    number, cells = rows[0]
    names = [column_key(c) for c in cells]
    while names and not names[-1]:
        names.pop()
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in index:
            raise DataError(
                "two columns have the same name",
                file=label,
                row=number,
                column=str(cells[i]).strip(),
                expected="each column once",
            )
        if name:
            index[name] = i
    for name in required:
        if name not in index:
            raise DataError(
                f"missing column {name!r}",
                file=label,
                row=number,
                column=name,
                value=", ".join(str(c).strip() for c in cells if str(c).strip()),
                expected="columns " + ", ".join(required),
            )
    return number, names, index


def reject_unknown_columns(
    names: Sequence[str], header: Sequence[object], allowed: Sequence[str], label: str, row: int
) -> None:
    """Raise :class:`DataError` for the first named column not in ``allowed``."""
    for name, given in zip(names, header, strict=False):
        if name and name not in allowed:
            raise DataError(
                "unknown column",
                file=label,
                row=row,
                column=str(given).strip(),
                value=str(given).strip(),
                expected="columns " + ", ".join(allowed),
            )


@dataclass(frozen=True)
class Sheet:
    """A file read as a header and the rows under it."""

    file: str
    """The file name, as errors give it."""
    header_row: int
    header: list[object]
    """The header cells as written."""
    names: list[str]
    """The header cells as column names (:func:`column_key`)."""
    index: dict[str, int]
    """Column name -> position."""
    rows: list[Row]
    """The records under the header."""


def read_sheet(path: str | Path, required: Sequence[str], *, sheet: str | int = 0) -> Sheet:
    """Read a CSV or XLSX file whose header must hold the ``required`` columns."""
    path = Path(path)
    rows = read_rows(path, sheet=sheet)
    header_row, names, index = header_index(rows, required, label=path.name)
    return Sheet(path.name, header_row, rows[0][1], names, index, rows[1:])


# --------------------------------------------------------------------------- cells


def cell_at(cells: Sequence[object], i: int | None) -> object:
    """The cell at position ``i`` (text trimmed); ``""`` past the end or when ``i`` is None."""
    if i is None or i >= len(cells):
        return ""
    value = cells[i]
    return value.strip() if isinstance(value, str) else value


def text_cell(cells: Sequence[object], index: dict[str, int], column: str) -> str:
    """A text cell with runs of white space as one space; ``""`` for a blank or no column."""
    value = cell_at(cells, index.get(column))
    return "" if is_blank(value) else " ".join(str(value).split())


def is_blank(value: object) -> bool:
    """True for None, an empty string or NaN (cells from :func:`cell_at` are trimmed)."""
    return (
        value is None
        or (isinstance(value, str) and not value)
        or (isinstance(value, float) and math.isnan(value))
    )


def show(value: object) -> object:
    """A cell as an error gives it: dates in ISO form, everything else as it is."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def number_cell(
    value: object,
    *,
    file: str,
    row: int,
    column: str,
    expected: str,
    problem: str = "not a number",
    blank: float | None = None,
    blank_message: str = "the cell is blank",
) -> float:
    """A number cell as a float (see :func:`cscanalysis.core.clean.parse_number`).

    A blank cell gives ``blank``, or raises ``blank_message`` when ``blank`` is None; a cell
    that is not a number raises ``"{problem} (why)"``.
    """
    if is_blank(value):
        if blank is not None:
            return blank
        raise DataError(
            blank_message, file=file, row=row, column=column, value="", expected=expected
        )
    try:
        return parse_number(value)
    except (ValueError, TypeError) as error:
        raise DataError(
            f"{problem} ({error})",
            file=file,
            row=row,
            column=column,
            value=show(value),
            expected=expected,
        ) from None


def period_cell(
    value: object,
    *,
    file: str,
    row: int,
    column: str,
    expected: str,
    kinds: Sequence[str],
    kinds_text: str,
    noun: str = "period",
) -> str:
    """A period cell as a canonical period of one of ``kinds`` (:func:`period_kind`).

    Raises :class:`DataError` for a blank (``the {noun} is blank``), a cell that is no
    period (``cannot read the {noun}``) or a period of another kind (``not {kinds_text}``).
    """
    if is_blank(value):
        raise DataError(
            f"the {noun} is blank", file=file, row=row, column=column, value="", expected=expected
        )
    try:
        period = parse_period(value)
    except (ValueError, TypeError) as error:
        raise DataError(
            f"cannot read the {noun} ({error})",
            file=file,
            row=row,
            column=column,
            value=show(value),
            expected=expected,
        ) from None
    if period_kind(period) not in kinds:
        raise DataError(
            f"not {kinds_text} (read as the {period_kind(period).replace('_', ' ')} {period!r})",
            file=file,
            row=row,
            column=column,
            value=show(value),
            expected=expected,
        )
    return period
