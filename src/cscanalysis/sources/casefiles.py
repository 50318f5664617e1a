"""Readers for the business-case input files: invest-to-save case, KPIs and risks (CSV or XLSX).

The layouts are documented in ``data/templates/README.md``. Each reader checks every cell and
raises :class:`DataError` naming the file, row (the line in a CSV, the sheet row in a workbook;
the header is row 1), column and value, and what was expected. Nothing is silently fixed:
blank amounts, negative amounts, unknown kinds or units, a year left out, duplicated rows and
out-of-range scores are all errors. Rows may come in any order (a spreadsheet often lists one
item's years together).
"""

from __future__ import annotations

import io
import itertools
import math
import re
from pathlib import Path
from typing import TypedDict

import pandas as pd

from cscanalysis.core.clean import parse_value
from cscanalysis.core.errors import DataError
from cscanalysis.core.investment_case import (
    CASE_COLUMNS,
    KINDS,
    SAVINGS_BASES,
    incremental_to_annual,
)
from cscanalysis.core.periods import financial_year_label, financial_year_start, parse_period
from cscanalysis.core.safe_files import atomic_write_bytes
from cscanalysis.sources.tabular import (
    cell_at,
    column_key,
    csv_rows,
    is_blank,
    number_cell,
    period_cell,
    read_sheet,
    show,
)

__all__ = ["KPI_COLUMNS", "UNITS", "csv_to_xlsx", "read_case", "read_kpis"]

KPI_COLUMNS = [
    "code", "title", "polarity", "unit", "target", "tolerance", "well", "basis", "period",
    "value", "flag",
]  # fmt: skip
"""The columns of the KPI table :func:`read_kpis` returns (:mod:`cscanalysis.analysis.kpi`)."""

# unit cell (lower case, no spaces) -> pounds per unit
UNITS: dict[str, int] = {
    "pounds": 1, "£": 1, "gbp": 1,
    "thousands": 1000, "£000": 1000, "£000s": 1000, "£'000": 1000, "£'000s": 1000,
    "£k": 1000, "£thousands": 1000,
}  # fmt: skip
UNIT_EXPECTED = "pounds (or £) or thousands (or £000, £'000s)"
POLARITIES = {
    "+": "+", "higher": "+", "higherisbetter": "+", "high": "+", "up": "+",
    "-": "-", "−": "-", "lower": "-", "lowerisbetter": "-", "low": "-", "down": "-",
}  # fmt: skip
POLARITY_EXPECTED = "+ (higher is better) or - (lower is better)"
KPI_TEXT_COLUMNS = ("unit", "well", "basis", "notes", "source", "comment", "comments")
BASES = {
    "absolute": "absolute", "units": "absolute", "": "absolute",
    "share": "share", "shareoftarget": "share", "%oftarget": "share", "percentoftarget": "share",
    "relative": "share",
}  # fmt: skip
BASIS_EXPECTED = "absolute (in the indicator's units) or share (a percentage of the target)"


# --------------------------------------------------------------------------- cells


def _financial_year(value: object, *, file: str, row: int, column: str) -> str:
    return period_cell(
        value,
        file=file,
        row=row,
        column=column,
        expected="a financial year such as 2017-18, 2017/18 or 17/18",
        kinds=("financial_year",),
        kinds_text="a financial year",
        noun="year",
    )


# --------------------------------------------------------------------------- the case


class _CaseRow(TypedDict):
    """One row of a case (:data:`CASE_COLUMNS`), amounts in pounds."""

    year: str
    item: str
    kind: str
    amount: float
    amount_low: float
    amount_high: float


def read_case(
    path: str | Path, savings_basis: str = "annual", *, sheet: str | int = 0
) -> pd.DataFrame:
    """Read an invest-to-save case into the long table :mod:`cscanalysis.analysis.finance` uses.

    Columns in the file: ``year, item, kind, amount, unit`` and optionally ``amount_low``,
    ``amount_high`` (savings only). Amounts are converted to pounds; with
    ``savings_basis='incremental'`` savings are turned into each year's saving
    (:func:`cscanalysis.core.investment_case.incremental_to_annual`). Returns the columns
    ``year, item, kind, amount, amount_low, amount_high``, with ``attrs`` ``source`` (file
    name), ``unit`` (always ``'pounds'``), ``unit_declared`` (as in the file) and
    ``savings_basis``.
    """
    path = Path(path)
    label = path.name
    if savings_basis not in SAVINGS_BASES:
        raise DataError(
            "unknown savings basis",
            file=label,
            value=savings_basis,
            expected="annual or incremental",
        )
    grid = read_sheet(path, ("year", "item", "kind", "amount", "unit"), sheet=sheet)
    index = grid.index
    if not grid.rows:
        raise DataError(
            "no figures under the header",
            file=label,
            row=grid.header_row,
            expected="one row per year, item and kind",
        )
    out: list[_CaseRow] = []
    first_unit: tuple[str, int] | None = None
    years: dict[int, tuple[int, object]] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for number, cells in grid.rows:
        record, unit = _case_record(cells, index, file=label, row=number)
        start = financial_year_start(record["year"])
        years.setdefault(start, (number, cell_at(cells, index["year"])))
        if first_unit is not None and UNITS[unit] != UNITS[first_unit[0]]:
            raise DataError(
                "the file mixes units",
                file=label,
                row=number,
                column="unit",
                value=cell_at(cells, index["unit"]),
                expected=f"{first_unit[0]} as on row {first_unit[1]}: one unit per file",
            )
        first_unit = first_unit or (unit, number)
        key = (record["year"], record["item"], record["kind"])
        if key in seen:
            raise DataError(
                "the same year, item and kind appear twice",
                file=label,
                row=number,
                column="item",
                value=record["item"],
                expected=f"one row per year, item and kind (already on row {seen[key]})",
            )
        seen[key] = number
        out.append(record)
    _check_no_gap(years, file=label)
    case = pd.DataFrame(out, columns=CASE_COLUMNS)
    case["_start"] = case["year"].map(financial_year_start)
    case = case.sort_values("_start", kind="stable").drop(columns="_start").reset_index(drop=True)
    case.attrs = {
        "source": label,
        "unit": "pounds",
        "unit_declared": first_unit[0] if first_unit else "",
        "savings_basis": savings_basis,
    }
    if savings_basis == "incremental":
        case = incremental_to_annual(case)
    return case


def _case_record(
    cells: list[object], index: dict[str, int], *, file: str, row: int
) -> tuple[_CaseRow, str]:
    """One row of a case file as a record (amounts in pounds) and its unit key."""
    year = _financial_year(cell_at(cells, index["year"]), file=file, row=row, column="year")
    item = str(cell_at(cells, index["item"]))
    if not item:
        raise DataError(
            "the item is blank",
            file=file,
            row=row,
            column="item",
            value="",
            expected="a name for the line",
        )
    kind = column_key(cell_at(cells, index["kind"]))
    if kind not in KINDS:
        raise DataError(
            "unknown kind",
            file=file,
            row=row,
            column="kind",
            value=cell_at(cells, index["kind"]),
            expected="one of " + ", ".join(KINDS),
        )
    unit_cell = cell_at(cells, index["unit"])
    unit = re.sub(r"\s+", "", str(unit_cell).lower())
    if unit not in UNITS:
        raise DataError(
            "unknown unit",
            file=file,
            row=row,
            column="unit",
            value=unit_cell,
            expected=UNIT_EXPECTED,
        )
    amounts: dict[str, float] = {}
    raw: dict[str, object] = {}
    for column in ("amount", "amount_low", "amount_high"):
        cell = raw[column] = cell_at(cells, index.get(column))
        if column != "amount" and is_blank(cell):
            amounts[column] = math.nan
            continue
        if column != "amount" and kind != "saving":
            raise DataError(
                "bounds are for savings only",
                file=file,
                row=row,
                column=column,
                value=show(cell),
                expected="a blank cell on a row of kind " + kind,
            )
        amounts[column] = _amount(cell, file=file, row=row, column=column) * UNITS[unit]
    _check_bounds(amounts, raw, file=file, row=row)
    record: _CaseRow = {
        "year": year,
        "item": item,
        "kind": kind,
        "amount": amounts["amount"],
        "amount_low": amounts["amount_low"],
        "amount_high": amounts["amount_high"],
    }
    return record, unit


def _check_no_gap(years: dict[int, tuple[int, object]], *, file: str) -> None:
    """Every year from the first to the last has a row (in any order)."""
    starts = sorted(years)
    for before, after in itertools.pairwise(starts):
        if after > before + 1:
            row, cell = years[after]
            missing = financial_year_label(before + 1)
            raise DataError(
                "a year is missing",
                file=file,
                row=row,
                column="year",
                value=show(cell),
                expected=f"a row for {missing} somewhere in the file (between "
                f"{financial_year_label(before)} and {financial_year_label(after)}); add a row "
                "with amount 0 for a year with no figures",
            )


_SUFFIXED = re.compile(r"(k|m|bn)\)?$", re.IGNORECASE)


def _amount(cell: object, *, file: str, row: int, column: str) -> float:
    expected = "an amount of 0 or more in the file's unit, such as 1815, £1,815 or 1815.5"
    if isinstance(cell, str) and _SUFFIXED.search(cell):
        raise DataError(
            "amounts with k, m or bn are not allowed",
            file=file,
            row=row,
            column=column,
            value=cell,
            expected=expected + " (the unit column says pounds or thousands)",
        )
    value = number_cell(cell, file=file, row=row, column=column, expected=expected)
    if value < 0:
        raise DataError(
            "amounts cannot be negative",
            file=file,
            row=row,
            column=column,
            value=show(cell),
            expected=expected + "; enter savings as positive reductions in spend (Bristol "
            "prints them as -£813)",
        )
    return value


def _check_bounds(
    amounts: dict[str, float], raw: dict[str, object], *, file: str, row: int
) -> None:
    amount, low, high = amounts["amount"], amounts["amount_low"], amounts["amount_high"]
    if not math.isnan(low) and low > amount:
        raise DataError(
            "the lower bound is above the amount",
            file=file,
            row=row,
            column="amount_low",
            value=show(raw["amount_low"]),
            expected=f"at most the amount {show(raw['amount'])}",
        )
    if not math.isnan(high) and high < amount:
        raise DataError(
            "the upper bound is below the amount",
            file=file,
            row=row,
            column="amount_high",
            value=show(raw["amount_high"]),
            expected=f"at least the amount {show(raw['amount'])}",
        )


# --------------------------------------------------------------------------- KPIs


def read_kpis(path: str | Path, *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a KPI file (one row per indicator, one column per period) into a long table.

    Columns in the file: ``code, title, polarity, target, tolerance``, optionally ``unit``
    (kept), ``well`` and ``basis`` (the council's rule, :mod:`cscanalysis.analysis.kpi`), ``notes``,
    ``source`` or ``comments`` (ignored), and one column per period headed ``2019-20 Q1``,
    ``Q1 2019/20``, ``2018-19``, ``2018/19`` and so on; periods of different kinds may sit side
    by side. A blank tolerance or ``well`` is NaN (the default rule applies); a blank target
    means "no target"; a blank value is "no data"; a published symbol (``c``, ``x``, ...) is NaN
    with the symbol kept in ``flag``. Returns the columns of
    :data:`KPI_COLUMNS`.
    """
    path = Path(path)
    label = path.name
    grid = read_sheet(path, KPI_REQUIRED, sheet=sheet)
    periods = _kpi_periods(grid.header, grid.names, file=label, row=grid.header_row)
    out: list[dict[str, object]] = []
    codes: dict[str, int] = {}
    for number, cells in grid.rows:
        meta = _kpi_meta(cells, grid.index, file=label, row=number)
        code = meta["code"]
        if code in codes:
            raise DataError(
                "the code appears twice",
                file=label,
                row=number,
                column="code",
                value=code,
                expected=f"each code once (already on row {codes[code]})",
            )
        codes[code] = number
        for i, given, period in periods:
            cell = cell_at(cells, i)
            try:
                value, flag = parse_value(cell)
            except (ValueError, TypeError) as error:
                raise DataError(
                    f"not a number ({error})",
                    file=label,
                    row=number,
                    column=given,
                    value=show(cell),
                    expected="a number, a blank (no data) or a published symbol such as c or x",
                ) from None
            out.append({**meta, "period": period, "value": value, "flag": flag})
    if not out:
        raise DataError(
            "no indicators under the header",
            file=label,
            row=grid.header_row,
            expected="one row per indicator",
        )
    table = pd.DataFrame(out, columns=KPI_COLUMNS)
    table.attrs = {"source": label}
    return table


KPI_REQUIRED = ("code", "title", "polarity", "target", "tolerance")


def _kpi_periods(
    header: list[object], names: list[str], *, file: str, row: int
) -> list[tuple[int, str, str]]:
    """(column index, header as given, canonical period) for each period column."""
    periods: list[tuple[int, str, str]] = []
    for i, name in enumerate(names):
        if not name or name in KPI_REQUIRED or name in KPI_TEXT_COLUMNS:
            continue
        given = str(header[i]).strip()
        try:
            period = parse_period(header[i])
        except (ValueError, TypeError) as error:
            raise DataError(
                f"cannot read this column header as a period ({error})",
                file=file,
                row=row,
                column=given,
                value=given,
                expected="a period such as 2019-20 Q1 or 2018-19, or one of "
                + ", ".join(KPI_REQUIRED + KPI_TEXT_COLUMNS),
            ) from None
        if any(period == p for _, _, p in periods):
            raise DataError(
                "two columns hold the same period",
                file=file,
                row=row,
                column=given,
                value=period,
                expected="each period once",
            )
        periods.append((i, given, period))
    if not periods:
        raise DataError(
            "no period columns",
            file=file,
            row=row,
            expected="one column per period, such as 2019-20 Q1",
        )
    return periods


class _KpiMeta(TypedDict):
    """What a KPI row says about its indicator (the first columns of :data:`KPI_COLUMNS`)."""

    code: str
    title: str
    polarity: str
    unit: str
    target: float
    tolerance: float
    well: float
    basis: str


def _kpi_meta(cells: list[object], index: dict[str, int], *, file: str, row: int) -> _KpiMeta:
    """Code, title, polarity, unit, target and tolerance of one indicator row."""
    code = str(cell_at(cells, index["code"]))
    if not code:
        raise DataError(
            "the code is blank",
            file=file,
            row=row,
            column="code",
            value="",
            expected="a short code for the indicator",
        )
    raw_polarity = cell_at(cells, index["polarity"])
    if is_blank(raw_polarity):
        raise DataError(
            "the indicator has no polarity",
            file=file,
            row=row,
            column="polarity",
            value="",
            expected=POLARITY_EXPECTED,
        )
    polarity = POLARITIES.get(re.sub(r"\s+", "", str(raw_polarity).lower()))
    if polarity is None:
        raise DataError(
            "unknown polarity",
            file=file,
            row=row,
            column="polarity",
            value=raw_polarity,
            expected=POLARITY_EXPECTED,
        )
    expected = "a number in the indicator's units, such as 80 or 80%"
    raw_target = cell_at(cells, index["target"])
    target = number_cell(
        raw_target, file=file, row=row, column="target", expected=expected, blank=math.nan
    )
    rule: dict[str, float] = {}
    for column in ("tolerance", "well"):
        raw = cell_at(cells, index.get(column))
        rule[column] = number_cell(
            raw, file=file, row=row, column=column, expected=expected, blank=math.nan
        )
        if rule[column] < 0:
            raise DataError(
                f"the {column} is negative",
                file=file,
                row=row,
                column=column,
                value=show(raw),
                expected="0 or more",
            )
    if rule["well"] < rule["tolerance"]:
        raise DataError(
            "the 'well' threshold is inside the tolerance",
            file=file,
            row=row,
            column="well",
            value=show(cell_at(cells, index.get("well"))),
            expected=f"{rule['tolerance']:g} (the tolerance) or more, or blank",
        )
    raw_basis = cell_at(cells, index.get("basis"))
    basis = BASES.get(re.sub(r"\s+", "", str(raw_basis).lower()))
    if basis is None:
        raise DataError(
            "unknown basis",
            file=file,
            row=row,
            column="basis",
            value=raw_basis,
            expected=BASIS_EXPECTED,
        )
    return {
        "code": code,
        "title": str(cell_at(cells, index["title"])),
        "polarity": polarity,
        "unit": str(cell_at(cells, index.get("unit"))),
        "target": target,
        "tolerance": rule["tolerance"],
        "well": rule["well"],
        "basis": basis,
    }


# --------------------------------------------------------------------------- writer


def csv_to_xlsx(csv_path: str | Path, xlsx_path: str | Path, *, sheet_name: str = "case") -> Path:
    """Copy a CSV into a one-sheet workbook, numbers as numbers (for the XLSX examples).

    Plain numbers become numeric cells; everything else stays text. Written to a temporary
    file first and then renamed, so a failure never leaves half a workbook.
    """
    from openpyxl import Workbook

    csv_path, xlsx_path = Path(csv_path), Path(xlsx_path)
    rows = csv_rows(csv_path, label=csv_path.name)
    book = Workbook()
    ws = book.active
    ws.title = sheet_name
    for _, cells in rows:
        ws.append([_as_cell(c) for c in cells])
    data = io.BytesIO()
    book.save(data)
    atomic_write_bytes(xlsx_path, data.getvalue())  # readable by others as the umask allows
    return xlsx_path


def _as_cell(text: object) -> object:
    if isinstance(text, str) and re.fullmatch(r"-?\d+(\.\d+)?", text.strip()):
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    return text
