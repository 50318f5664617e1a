"""Readers for council-supplied sufficiency files: salary benchmarks and the foster-carer
recruitment funnel (CSV or XLSX; layouts in ``data/templates/README_sufficiency.md``).

Like :mod:`cscanalysis.sources.casefiles`, every cell is checked and a bad one raises
:class:`DataError` naming the file, row (the line in a CSV, the sheet row in a workbook; the
header is row 1), column and value, and what was expected. Nothing is silently fixed: a salary
typed ``£30,15``, a council name split by PDF extraction (``Glouceste rshire``), an unknown
council, a bottom of scale above the top, a quarter out of order or a count of 2.5 all stop
the reader.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TypedDict

import pandas as pd

from cscanalysis.core.councils import (
    Council,
    CouncilRegister,
    council_words,
    load_register,
    name_key,
)
from cscanalysis.core.errors import DataError, UnknownCouncilError
from cscanalysis.core.periods import financial_year_start, period_kind
from cscanalysis.sources.tabular import (
    cell_at,
    is_blank,
    number_cell,
    period_cell,
    read_sheet,
    reject_unknown_columns,
    show,
    text_cell,
)

__all__ = [
    "DEFAULT_GROUP",
    "FUNNEL_FIRST",
    "FUNNEL_LAST",
    "SALARY_COLUMNS",
    "SALARY_RANGE",
    "TERMINATIONS",
    "read_fostering_funnel",
    "read_salaries",
]

SALARY_COLUMNS = [
    "group", "council", "council_code", "region", "grade", "min_salary", "max_salary",
    "one_off_payment", "market_supplement", "notes",
]  # fmt: skip
"""The columns of the salary table :func:`read_salaries` returns."""
FUNNEL_FIRST, FUNNEL_LAST, TERMINATIONS = "enquiries", "approvals", "terminations"
"""The funnel file's first and last stage columns and its column of carers who left."""

DEFAULT_GROUP = "Comparators"
SALARY_RANGE = (10_000, 200_000)
"""Plausible annual salaries in pounds; anything outside is taken for a typo."""
SALARY_REQUIRED = ("council", "grade", "min_salary", "max_salary")
SALARY_OPTIONAL = ("group", "region", "one_off_payment", "market_supplement", "notes")
FUNNEL_REQUIRED = ("period", FUNNEL_FIRST, FUNNEL_LAST, TERMINATIONS)
_COUNT_TEXT = re.compile(r"-?[\d,]+(?:\.\d+)?")  # no £, %, k or m on a count of people


class _Salary(TypedDict):
    """One row of the salary table (:data:`SALARY_COLUMNS`)."""

    group: str
    council: str
    council_code: str
    region: str
    grade: str
    min_salary: float
    max_salary: float
    one_off_payment: float
    market_supplement: float
    notes: str


# --------------------------------------------------------------------------- salaries


def read_salaries(
    path: str | Path,
    *,
    sheet: str | int = 0,
    register: CouncilRegister | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Read a salary benchmark file: one row per comparison group, council and grade.

    Columns in the file: ``council, grade, min_salary, max_salary`` and optionally ``group``
    (default :data:`DEFAULT_GROUP`), ``region``, ``one_off_payment``, ``market_supplement``,
    ``notes``. A council is named as in the register (``Bristol``, ``Devon County Council``,
    ``Borough of Poole``; ``year`` picks between councils sharing a name); an unnamed comparator
    (a paper that gives only its region) has a blank council and its region, and is labelled
    ``Unnamed council (East Midlands)`` or, when a table has several in a region,
    ``Unnamed council 1 (North West)``, in file order. A blank payment is NaN (not given).
    Returns :data:`SALARY_COLUMNS` with ``attrs['source']``.
    """
    path = Path(path)
    label = path.name
    register = register or load_register()
    grid = read_sheet(path, SALARY_REQUIRED, sheet=sheet)
    index = grid.index
    reject_unknown_columns(
        grid.names, grid.header, SALARY_REQUIRED + SALARY_OPTIONAL, label, grid.header_row
    )
    regions = {name_key(name): name for name in register.regions.values()}
    out: list[_Salary] = []
    seen: dict[tuple[str, str, str], int] = {}
    figures: dict[tuple[str, str], tuple[float, float, str, int]] = {}
    for number, cells in grid.rows:
        key, record = _salary_record(
            cells, index, file=label, row=number, register=register, year=year, regions=regions
        )
        if (record["group"], record["grade"], key) in seen:
            raise DataError(
                "the same council and grade appear twice in a group",
                file=label,
                row=number,
                column="council",
                value=cell_at(cells, index["council"]),
                expected="each council once per group and grade (already on row "
                f"{seen[(record['group'], record['grade'], key)]})",
            )
        seen[(record["group"], record["grade"], key)] = number
        if not key.startswith("unnamed:"):
            _same_figures_everywhere(record, key, figures, cells, index, label, number)
        out.append(record)
    if not out:
        raise DataError(
            "no salaries under the header",
            file=label,
            row=grid.header_row,
            expected="one row per council and grade",
        )
    table = pd.DataFrame(out, columns=SALARY_COLUMNS)
    table["council"] = _unnamed_labels(table)
    table.attrs = {"source": label}
    return table


def _salary_record(
    cells: list[object],
    index: dict[str, int],
    *,
    file: str,
    row: int,
    register: CouncilRegister,
    year: int | None,
    regions: dict[str, str],
) -> tuple[str, _Salary]:
    """The council's key (its code, or ``unnamed:<row>``) and the row as a record."""
    group = text_cell(cells, index, "group") if "group" in index else DEFAULT_GROUP
    if not group:
        raise DataError(
            "the group is blank",
            file=file,
            row=row,
            column="group",
            value="",
            expected="the comparison group, e.g. South West region",
        )
    grade = text_cell(cells, index, "grade")
    if not grade:
        raise DataError(
            "the grade is blank",
            file=file,
            row=row,
            column="grade",
            value="",
            expected="a grade, e.g. Social worker",
        )
    region_text = text_cell(cells, index, "region")
    region = ""
    if region_text:
        region = regions.get(name_key(region_text), "")
        if not region:
            raise DataError(
                "unknown region",
                file=file,
                row=row,
                column="region",
                value=region_text,
                expected="one of " + ", ".join(regions.values()),
            )
    council_text = text_cell(cells, index, "council")
    code = ""
    if council_text:
        council = _council(council_text, register, year, file=file, row=row)
        code = council.code
        if region and region != council.region_name:
            raise DataError(
                f"{council.short_name} is not in this region (it is in {council.region_name})",
                file=file,
                row=row,
                column="region",
                value=region_text,
                expected=f"{council.region_name} or a blank cell",
            )
        region = council.region_name
        key = code
    elif region:
        key = "unnamed:"
    else:
        raise DataError(
            "the council is blank and no region is given",
            file=file,
            row=row,
            column="council",
            value="",
            expected="a council's name, or a blank council with the region of an unnamed "
            "comparator",
        )
    low = _salary(cells, index, "min_salary", file=file, row=row)
    high = _salary(cells, index, "max_salary", file=file, row=row)
    if low > high:
        raise DataError(
            "the bottom of the scale is above the top",
            file=file,
            row=row,
            column="min_salary",
            value=show(cell_at(cells, index["min_salary"])),
            expected=f"at most max_salary {show(cell_at(cells, index['max_salary']))}",
        )
    if key == "unnamed:":
        key = f"unnamed:{row}"
    return key, {
        "group": group,
        "council": council_text,
        "council_code": code,
        "region": region,
        "grade": grade,
        "min_salary": low,
        "max_salary": high,
        "one_off_payment": _payment(cells, index, "one_off_payment", file=file, row=row),
        "market_supplement": _payment(cells, index, "market_supplement", file=file, row=row),
        "notes": text_cell(cells, index, "notes"),
    }


def _council(
    text: str, register: CouncilRegister, year: int | None, *, file: str, row: int
) -> Council:
    """The register's council for a name, refusing names with a split or joined word."""
    try:
        council = register.resolve(text, year=year)
    except UnknownCouncilError as error:
        hint = f" (did you mean {', '.join(error.suggestions)}?)" if error.suggestions else ""
        raise DataError(
            "unknown council" + hint,
            file=file,
            row=row,
            column="council",
            value=text,
            expected="a council name as in `cscanalysis councils`, or a blank council with the "
            "region of an unnamed comparator",
        ) from None
    given = council_words(text)
    variants = [
        council_words(v) for v in (council.name, council.short_name, *council.name_variants)
    ]
    if given not in variants and any("".join(given) == "".join(v) for v in variants):
        raise DataError(
            "the council name has a split or joined word (as PDF text extraction leaves them)",
            file=file,
            row=row,
            column="council",
            value=text,
            expected=f"{council.short_name!r}",
        )
    return council


def _salary(
    cells: list[object], index: dict[str, int], column: str, *, file: str, row: int
) -> float:
    low, high = SALARY_RANGE
    expected = f"an annual salary in pounds from £{low:,} to £{high:,}, such as 32486 or £32,486"
    cell = cell_at(cells, index[column])
    value = number_cell(
        cell,
        file=file,
        row=row,
        column=column,
        expected=expected,
        problem="not an amount",
        blank_message="the salary is blank",
    )
    if not low <= value <= high:
        raise DataError(
            "not a plausible annual salary (a typo?)",
            file=file,
            row=row,
            column=column,
            value=show(cell),
            expected=expected,
        )
    return value


def _payment(
    cells: list[object], index: dict[str, int], column: str, *, file: str, row: int
) -> float:
    expected = "an amount in pounds, 0 or more (0 when none is paid; blank when not known)"
    cell = cell_at(cells, index.get(column))
    value = number_cell(
        cell,
        file=file,
        row=row,
        column=column,
        expected=expected,
        problem="not an amount",
        blank=math.nan,
    )
    if value < 0:
        raise DataError(
            "a payment cannot be negative",
            file=file,
            row=row,
            column=column,
            value=show(cell),
            expected=expected,
        )
    return value


def _same_figures_everywhere(
    record: _Salary,
    key: str,
    figures: dict[tuple[str, str], tuple[float, float, str, int]],
    cells: list[object],
    index: dict[str, int],
    label: str,
    number: int,
) -> None:
    """A council's scale for a grade is the same in every group it appears in."""
    grade = record["grade"]
    now = (record["min_salary"], record["max_salary"])
    before = figures.get((key, grade))
    if before is None:
        figures[(key, grade)] = (*now, record["group"], number)
        return
    if now != before[:2]:
        raise DataError(
            "this council's scale differs from its row in another group",
            file=label,
            row=number,
            column="min_salary" if now[0] != before[0] else "max_salary",
            value=show(
                cell_at(cells, index["min_salary" if now[0] != before[0] else "max_salary"])
            ),
            expected=f"£{before[0]:,.0f} to £{before[1]:,.0f} as in group {before[2]!r} "
            f"(row {before[3]})",
        )


def _unnamed_labels(table: pd.DataFrame) -> list[str]:
    counts = table[table["council"] == ""].groupby(["group", "grade", "region"], sort=False).size()
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for group, grade, region, council in table[["group", "grade", "region", "council"]].itertuples(
        index=False
    ):
        if council:
            out.append(council)
            continue
        key = (group, grade, region)
        seen[key] = seen.get(key, 0) + 1
        number = f" {seen[key]}" if counts[key] > 1 else ""
        out.append(f"Unnamed council{number} ({region})")
    return out


# --------------------------------------------------------------------------- fostering funnel


def read_fostering_funnel(path: str | Path, *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a foster-carer recruitment funnel: one row per quarter (or financial year).

    Columns in the file: ``period``, ``enquiries``, any stage columns in funnel order
    (``stage_1_complete``, ``Stage 2 complete``, ...), ``approvals``, ``terminations`` and
    optionally ``notes``. Periods are quarters (``2019-20 Q1``, ``Q1 2019/20``) or financial
    years (``2019-20``), one kind per file, in order with none left out. Counts are whole
    numbers, 0 or more; a blank is NaN (not recorded). Returns ``period``, the stages from
    ``enquiries`` to ``approvals``, ``terminations`` and ``notes`` (column names in lower case
    with underscores), with ``attrs['source']`` and ``attrs['labels']`` (column -> header as
    written).
    """
    path = Path(path)
    label = path.name
    grid = read_sheet(path, FUNNEL_REQUIRED, sheet=sheet)
    header, index = grid.header, grid.index
    stages = _funnel_columns(grid.names, header, label, grid.header_row)
    counts = [*stages, TERMINATIONS]
    out: list[dict[str, object]] = []
    previous: tuple[str, int, int] | None = None  # (period, position, row)
    for number, cells in grid.rows:
        period = _funnel_period(cell_at(cells, index["period"]), file=label, row=number)
        previous = _check_sequence(period, previous, cell_at(cells, index["period"]), label, number)
        record: dict[str, object] = {"period": period}
        for column in counts:
            record[column] = _count(
                cell_at(cells, index[column]), file=label, row=number, column=column
            )
        record["notes"] = text_cell(cells, index, "notes")
        out.append(record)
    if not out:
        raise DataError(
            "no periods under the header",
            file=label,
            row=grid.header_row,
            expected="one row a quarter",
        )
    table = pd.DataFrame(out, columns=["period", *counts, "notes"])
    table.attrs = {
        "source": label,
        "labels": {n: str(header[index[n]]).strip() for n in ["period", *counts]},
    }
    return table


def _funnel_columns(names: list[str], header: list[object], label: str, row: int) -> list[str]:
    """The stage columns, enquiries to approvals, in file order."""
    stages = [n for n in names if n and n not in ("period", TERMINATIONS, "notes")]
    if stages[0] != FUNNEL_FIRST or stages[-1] != FUNNEL_LAST:
        wrong = stages[0] if stages[0] != FUNNEL_FIRST else stages[-1]
        raise DataError(
            "the stage columns are out of funnel order",
            file=label,
            row=row,
            column=str(header[names.index(wrong)]).strip(),
            value=str(header[names.index(wrong)]).strip(),
            expected="enquiries first and approvals last among the count columns, with any "
            "stages in between (terminations and notes may go anywhere)",
        )
    return stages


def _funnel_period(cell: object, *, file: str, row: int) -> str:
    return period_cell(
        cell,
        file=file,
        row=row,
        column="period",
        expected="a quarter such as 2019-20 Q1 (or Q1 2019/20), or a financial year such as "
        "2019-20",
        kinds=("quarter", "financial_year"),
        kinds_text="a quarter or financial year",
    )


def _position(period: str) -> int:
    if period_kind(period) == "quarter":
        return financial_year_start(period[:7]) * 4 + int(period[-1]) - 1
    return financial_year_start(period)


def _check_sequence(
    period: str, previous: tuple[str, int, int] | None, cell: object, label: str, row: int
) -> tuple[str, int, int]:
    """Periods of one kind, each the one after the previous row's."""
    position = _position(period)
    if previous is not None:
        before, before_position, before_row = previous
        if period_kind(period) != period_kind(before):
            raise DataError(
                "the file mixes quarters and financial years",
                file=label,
                row=row,
                column="period",
                value=show(cell),
                expected=f"a {period_kind(before).replace('_', ' ')} like {before} (row "
                f"{before_row})",
            )
        if position != before_position + 1:
            if position == before_position:
                problem = "the period appears twice"
            elif position > before_position:
                problem = "a period is missing"
            else:
                problem = "the periods are out of order"
            raise DataError(
                problem,
                file=label,
                row=row,
                column="period",
                value=show(cell),
                expected=f"the period after {before} (row {before_row}): one row per period, in "
                "order, with blank counts for a period with no figures",
            )
    return period, position, row


def _count(cell: object, *, file: str, row: int, column: str) -> float:
    expected = "a whole number, 0 or more, or a blank cell when not recorded"
    if is_blank(cell):
        return math.nan
    if isinstance(cell, str) and not _COUNT_TEXT.fullmatch(cell):
        raise DataError(
            "not a count",
            file=file,
            row=row,
            column=column,
            value=cell,
            expected=expected,
        )
    value = number_cell(
        cell, file=file, row=row, column=column, expected=expected, problem="not a count"
    )
    if value < 0 or not float(value).is_integer():
        raise DataError(
            "not a whole number of people, 0 or more",
            file=file,
            row=row,
            column=column,
            value=show(cell),
            expected=expected,
        )
    return float(value)
