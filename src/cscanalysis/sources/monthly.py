"""A council's own monthly performance extract (CSV or XLSX) as tidy rows.

Councils keep these "wide": one row per month, a month column (``Aug-16``, ``2016-08`` or an
Excel date) and then one column per measure, as in Tables 1 and 2 of Bristol's 2018
Strengthening Families paper (see ``data/templates/README_monthly.md``). The reader returns
the tidy columns ``council_code, council_name, period, measure, value, flag, source`` with
``period`` a month (``2016-08``).

Column headers are matched to measure ids case-insensitively, ignoring spaces, punctuation and
``-``/``_`` (``MEASURE_ALIASES``); a header that is not recognised becomes its own snake_case id
(``Re-referrals`` -> ``re_referrals``). Every value must be a count of 0 or more (a whole number
for the measures in ``MEASURE_ALIASES``), a blank (not recorded: NaN) or a published symbol
(``c x z k u low : .. -``: NaN with the symbol as flag).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from cscanalysis.core.clean import parse_value
from cscanalysis.core.errors import DataError
from cscanalysis.core.periods import is_ambiguous_period, month_label, parse_period, period_range
from cscanalysis.sources.tabular import Row, read_rows, show

TIDY_COLUMNS = ["council_code", "council_name", "period", "measure", "value", "flag", "source"]

# Headers that name the month column (after normalising, see _key).
MONTH_HEADERS = (
    "month",
    "period",
    "date",
    "monthending",
    "monthend",
    "monthstart",
    "reportingmonth",
    "monthyear",
)

# measure id -> headers councils use for it (Bristol's own headers first).
MEASURE_ALIASES: dict[str, tuple[str, ...]] = {
    "contacts": ("Contacts", "Contact", "Contacts received"),
    "referrals": ("Referrals", "Referral", "Referrals to social care"),
    "s47": (
        "Child Protection s47",
        "s47",
        "s47s",
        "s47 enquiries",
        "Section 47",
        "Section 47 enquiries",
    ),
    "icpc": ("Child Protection ICPCs", "ICPC", "ICPCs", "Initial child protection conferences"),
    "cpp_starts": (
        "Child Protection CP Starts",
        "CP starts",
        "CPP starts",
        "CP plan starts",
        "Child protection plan starts",
        "Child protection plans starting",
    ),
    # Bristol's Table 1 "Children in Care" is children entering care in the month: its values
    # equal the sum of Table 2's age bands (Aug-16: 30 = 5 + 6 + 4 + 11 + 4).
    "cla_starts": (
        "Children in Care",
        "Children entering care",
        "Children becoming looked after",
        "Children starting to be looked after",
        "CLA starts",
        "Care entries",
    ),
    "nfa": ("No further action", "NFA", "Contacts no further action"),
    "cla_starts_age_under_1": ("Under 1 Year", "Under 1", "Under 1 years", "Aged under 1"),
    "cla_starts_age_1_to_4": ("1 to 4 years", "1 to 4", "1-4", "Aged 1 to 4"),
    "cla_starts_age_5_to_9": ("5 to 9 years", "5 to 9", "5-9", "Aged 5 to 9"),
    "cla_starts_age_10_to_15": ("10 to 15 years", "10 to 15", "10-15", "Aged 10 to 15"),
    # Children looked after are under 18, so "16 to 17" and DfE's "16 and over" are one band.
    "cla_starts_age_16_plus": (
        "16 to 17 years",
        "16 to 17",
        "16-17",
        "16 and over",
        "16 years and over",
        "16+",
        "Aged 16 and over",
    ),
}
COUNT_MEASURES = frozenset(MEASURE_ALIASES)


def _key(header: str) -> str:
    """A header reduced for matching: lower case, letters, digits and ``+`` only."""
    return re.sub(r"[^a-z0-9+]", "", header.lower())


_ALIAS_INDEX: dict[str, str] = {}
for _measure, _aliases in MEASURE_ALIASES.items():
    for _alias in (_measure, *_aliases):
        _ALIAS_INDEX[_key(_alias)] = _measure


def measure_id(header: str) -> str:
    """The measure id for a column header: a known alias, else the header in snake_case."""
    known = _ALIAS_INDEX.get(_key(header))
    if known:
        return known
    slug = re.sub(r"[^a-z0-9]+", "_", header.strip().lower().replace("+", " plus")).strip("_")
    return slug


def read_monthly_extract(
    path: str | Path,
    *,
    council_code: str | None = None,
    council_name: str = "",
    sheet: str | int = 0,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a monthly extract (``.csv``, ``.xlsx`` or ``.xlsm``) into tidy rows.

    ``council_code`` and ``council_name`` label every row (empty when not given); ``sheet``
    picks the worksheet of a workbook; ``columns`` maps headers to measure ids where the
    built-in aliases are not wanted. Raises :class:`DataError` naming the file, row, column and
    value for a month that cannot be read, a month given twice, a negative or non-numeric
    count, a missing month column, a column without a name or two columns for one measure.
    """
    path = Path(path)
    return tidy_monthly(
        read_rows(path, sheet=sheet),
        file=path.name,
        council_code=council_code or "",
        council_name=council_name,
        columns=columns,
    )


def read_monthly_extracts(
    paths: Iterable[str | Path], *, council_code: str | None = None, council_name: str = ""
) -> pd.DataFrame:
    """Several extracts (say front door and age at entry) as one table; a measure and month
    given in two files is an error."""
    parts = [
        read_monthly_extract(p, council_code=council_code, council_name=council_name) for p in paths
    ]
    if not parts:
        raise DataError("no monthly extract given", expected="at least one file")
    table = pd.concat(parts, ignore_index=True)
    dup = table.duplicated(["council_code", "period", "measure"], keep=False)
    if dup.any():
        first = table[dup].iloc[0]
        files = sorted(
            table.loc[
                dup & (table["period"] == first["period"]) & (table["measure"] == first["measure"]),
                "source",
            ]
        )
        raise DataError(
            "the same measure and month is in two extracts",
            file=", ".join(files),
            column=first["measure"],
            value=first["period"],
            expected="each measure and month in one file only",
        )
    return table


# --- the wide table to tidy rows -------------------------------------------------------------


def tidy_monthly(
    rows: Sequence[Row],
    *,
    file: str,
    council_code: str = "",
    council_name: str = "",
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Turn ``(row number, cells)`` records (the first is the header) into tidy rows."""
    if not rows:
        raise DataError("the file is empty", file=file, expected="a header row and months")
    header_row, header_cells = rows[0]
    headers = [str(h).strip() for h in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    month_at = next((i for i, h in enumerate(headers) if _key(h) in MONTH_HEADERS), None)
    if month_at is None:
        raise DataError(
            "no month column",
            file=file,
            row=header_row,
            value=", ".join(headers),
            expected="a column headed Month (months such as Aug-16 or 2016-08)",
        )
    overrides = {_key(k): v for k, v in (columns or {}).items()}
    measures: dict[int, str] = {}
    seen: dict[str, str] = {}
    for i, header in enumerate(headers):
        if i == month_at:
            continue
        if not header:
            if any(i < len(cells) and str(cells[i]).strip() for _, cells in rows[1:]):
                raise DataError(
                    "a column with values has no header",
                    file=file,
                    row=header_row,
                    column=f"column {i + 1}",
                    expected="a measure name in the header row",
                )
            continue
        mid = overrides.get(_key(header)) or measure_id(header)
        if mid in seen:
            raise DataError(
                "two columns hold the same measure",
                file=file,
                row=header_row,
                column=header,
                value=mid,
                expected=f"one column for {mid} (already in {seen[mid]!r})",
            )
        seen[mid] = header
        measures[i] = mid
    if len(rows) < 2:
        raise DataError(
            "no months in the file",
            file=file,
            row=header_row,
            expected="one row per month under the header",
        )

    month_header = headers[month_at]
    out: list[dict[str, object]] = []
    first_seen: dict[str, int] = {}
    for number, cells in rows[1:]:
        raw_month = cells[month_at] if month_at < len(cells) else ""
        period = _month(raw_month, file=file, row=number, column=month_header)
        if period in first_seen:
            raise DataError(
                "a month appears twice",
                file=file,
                row=number,
                column=month_header,
                value=show(raw_month),
                expected=f"each month once ({period} is already on row {first_seen[period]})",
            )
        first_seen[period] = number
        stray = [j for j in range(len(headers), len(cells)) if str(cells[j]).strip()]
        if stray:
            raise DataError(
                "a value is beyond the last column heading",
                file=file,
                row=number,
                column=f"column {stray[0] + 1}",
                value=show(cells[stray[0]]),
                expected=f"values only under the {len(headers)} headed columns",
            )
        month_rows = []
        figures: list[tuple[float, str]] = []
        for i, mid in measures.items():
            cell = cells[i] if i < len(cells) else ""
            value, flag = _count(cell, measure=mid, file=file, row=number, column=headers[i])
            figures.append((value, flag))
            month_rows.append(
                {
                    "council_code": council_code,
                    "council_name": council_name,
                    "period": period,
                    "measure": mid,
                    "value": value,
                    "flag": flag,
                    "source": f"council monthly extract {file}",
                }
            )
        if measures and all(math.isnan(value) and not flag for value, flag in figures):
            raise DataError(
                "the month has no figures",
                file=file,
                row=number,
                column=month_header,
                value=show(raw_month),
                expected="a figure (or a symbol such as c) for the month, or no row for a month "
                "not yet reported at the end of the extract",
            )
        out.extend(month_rows)
    check_months(first_seen, file=file, column=month_header)
    table = pd.DataFrame(out, columns=TIDY_COLUMNS)
    table["value"] = table["value"].astype(float)
    return table.sort_values(["period"], kind="stable").reset_index(drop=True)


def check_months(months: Iterable[str], *, file: str, column: str) -> None:
    """Raise :class:`DataError` naming the months missing between the first and the last."""
    present = sorted(set(months))
    if not present:
        return
    missing = [m for m in period_range(present[0], present[-1], "month") if m not in set(present)]
    if missing:
        labels = [month_label(m) for m in missing]
        listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
        raise DataError(
            f"{'a month is' if len(missing) == 1 else f'{len(missing)} months are'} missing: "
            f"{listed}",
            file=file,
            column=column,
            value=", ".join(missing),
            expected=f"a row for every month from {month_label(present[0])} to "
            f"{month_label(present[-1])}",
        )


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_MONTH_NUMBERS = re.compile(r"\d{4}-\d{2}(?:-\d{2})?|\d{1,2}/\d{4}")


def _month(cell: object, *, file: str, row: int, column: str) -> str:
    """The canonical month (``2016-08``) of a month cell, or a DataError."""
    expected = "a month such as Aug-16, 2016-08 or a date"
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        raise DataError(
            "the month is blank", file=file, row=row, column=column, value="", expected=expected
        )
    value: object = cell if isinstance(cell, (date, datetime)) else str(cell).strip()
    if isinstance(value, str) and (m := _UK_DATE.fullmatch(value)):
        try:  # a UK date, as Excel writes dates to CSV: the month that holds it
            value = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            raise DataError(
                "not a real date", file=file, row=row, column=column, value=cell, expected=expected
            ) from None
    try:
        period = parse_period(value)
    except (ValueError, TypeError):
        raise DataError(
            "cannot read the month",
            file=file,
            row=row,
            column=column,
            value=show(cell),
            expected=expected,
        ) from None
    if not isinstance(period, str) or not _MONTH.fullmatch(period):
        raise DataError(
            "not a month",
            file=file,
            row=row,
            column=column,
            value=show(cell),
            expected=f"{expected} (read as the period {period!r})",
        )
    # '2011/12' reads as the financial year '2011-12', which is also how December 2011 is
    # written: in a month column a number pair is a month only as '2011-12' or '12/2011'.
    if (
        is_ambiguous_period(period)
        and isinstance(value, str)
        and not re.search(r"[A-Za-z]", value)
        and not _MONTH_NUMBERS.fullmatch(value)
    ):
        raise DataError(
            "a financial year, not a month",
            file=file,
            row=row,
            column=column,
            value=show(cell),
            expected=expected,
        )
    return period


def _count(cell: object, *, measure: str, file: str, row: int, column: str) -> tuple[float, str]:
    """A count cell as (value, flag); blanks are NaN, symbols NaN with their flag."""
    if isinstance(cell, bool):
        raise DataError(
            "not a number",
            file=file,
            row=row,
            column=column,
            value=cell,
            expected="a count of 0 or more",
        )
    if isinstance(cell, (int, float)):
        value, flag = float(cell), ""
    else:
        text = str(cell).strip()
        if not text:
            return math.nan, ""
        try:
            value, flag = parse_value(text)
        except (ValueError, TypeError):
            raise DataError(
                "not a number",
                file=file,
                row=row,
                column=column,
                value=text,
                expected="a count of 0 or more, a blank or a symbol such as c or x",
            ) from None
    if flag or math.isnan(value):
        return math.nan, flag
    if value < 0:
        raise DataError(
            "a count cannot be negative",
            file=file,
            row=row,
            column=column,
            value=show(cell),
            expected="a count of 0 or more",
        )
    if measure in COUNT_MEASURES and value != int(value):
        raise DataError(
            "a count must be a whole number",
            file=file,
            row=row,
            column=column,
            value=show(cell),
            expected="a whole number of 0 or more",
        )
    return float(value), ""
