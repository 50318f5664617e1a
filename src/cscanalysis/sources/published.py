"""Read published CSV files exactly as published and turn their columns into tidy rows.

Every reader in this package goes through :func:`read_csv` (encoding, line endings, exact line
numbers for error messages, required columns) and :func:`tidy_rows` (symbols, council codes,
measures). Readers differ only in which columns hold what.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cscanalysis.core.clean import clean_values, decode_text
from cscanalysis.core.councils import load_register
from cscanalysis.core.errors import DataError

LINE = "_line"  # column holding each record's line number in its file (header is line 1)
TIDY_COLUMNS = ["council_code", "period", "measure", "value", "flag", "source", "release"]


@dataclass(frozen=True)
class Release:
    """A publication release: ``label`` names it in the tidy table, higher ``rank`` is later."""

    label: str
    rank: float


def read_csv(path: Path, *, label: str, required: Iterable[str] = ()) -> pd.DataFrame:
    """Read a published CSV as strings, with header names stripped and a ``_line`` column.

    ``label`` is how the file is named in errors (its path under ``data/raw``). Blank lines are
    skipped; a record's line number is where it starts, so errors point at the right line even
    when a quoted field holds line breaks.
    """
    text, _ = decode_text(path.read_bytes(), file=label)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise DataError("the file is empty", file=label, expected="a header row") from None
    records, lines = [], []
    start = reader.line_num + 1
    for record in reader:
        if any(field.strip() for field in record):
            if len(record) < len(header):
                record = record + [""] * (len(header) - len(record))
            records.append(record[: len(header)])
            lines.append(start)
        start = reader.line_num + 1
    frame = pd.DataFrame(records, columns=_dedupe(header), dtype=object)
    frame[LINE] = lines
    require_columns(frame, required, file=label)
    return frame


def _dedupe(names: list[str]) -> list[str]:
    """Make repeated header names unique (`SNP`, `SNP.1`, ...) as pandas does."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        out.append(name if count == 0 else f"{name}.{count}")
        seen[name] = count + 1
    return out


def require_columns(frame: pd.DataFrame, required: Iterable[str], *, file: str) -> None:
    """Raise :class:`DataError` for the first required column that is missing."""
    present = [c for c in frame.columns if c != LINE]
    for column in required:
        if column not in frame.columns:
            close = difflib.get_close_matches(column, present, n=3, cutoff=0.5)
            hint = f"; the file has {', '.join(map(repr, close))}: renamed?" if close else ""
            raise DataError(
                f"required column {column!r} is missing{hint}",
                file=file,
                row=1,
                column=column,
                expected=f"a header with {column!r} (found {len(present)} columns)",
            )


def pick_column(frame: pd.DataFrame, candidates: Iterable[str], *, file: str) -> str:
    """Return the first of ``candidates`` present in ``frame`` (publishers rename columns)."""
    candidates = list(candidates)
    for name in candidates:
        if name in frame.columns:
            return name
    require_columns(frame, candidates[:1], file=file)
    raise AssertionError("unreachable")


def at_line(error: DataError, frame: pd.DataFrame) -> DataError:
    """Turn an error's 0-based position in ``frame`` into the record's line in the file."""
    if error.row is not None and 0 <= error.row < len(frame):
        error.row = int(frame[LINE].iloc[error.row])
    return error


def area_codes(
    frame: pd.DataFrame, *, file: str, code: str | pd.Series, name: str | None, number: str | None
) -> pd.Series:
    """Canonical ONS codes for each record, from its code, DfE number or name."""
    frame = frame.reset_index(drop=True)
    codes = frame[code] if isinstance(code, str) else code.reset_index(drop=True)
    try:
        return load_register().canonical_codes(
            codes.str.strip(),
            names=frame[name] if name else None,
            numbers=frame[number] if number else None,
            file=file,
            first_row=0,
        )
    except DataError as error:
        raise at_line(error, frame) from None


def tidy_rows(
    frame: pd.DataFrame,
    *,
    file: str,
    codes: pd.Series,
    periods: pd.Series | str,
    measures: Mapping[str, str],
    release: Release,
) -> pd.DataFrame:
    """Melt ``measures`` (column -> measure id) of ``frame`` into tidy rows.

    Values are parsed with :func:`cscanalysis.core.clean.clean_values`: published symbols become NaN
    with the symbol kept in ``flag``; anything else that is not a number is an error naming the
    file, line, column and value.
    """
    frame = frame.reset_index(drop=True)
    codes = pd.Series(np.asarray(codes), dtype=object)
    periods = (
        pd.Series([periods] * len(frame), dtype=object)
        if isinstance(periods, str)
        else pd.Series(np.asarray(periods), dtype=object)
    )
    parts = []
    for column, measure in measures.items():
        try:
            cleaned = clean_values(frame[column], file=file, column=column, first_row=0)
        except DataError as error:
            raise at_line(error, frame) from None
        parts.append(
            pd.DataFrame(
                {
                    "council_code": codes,
                    "period": periods,
                    "measure": measure,
                    "value": cleaned["value"].to_numpy(dtype=float),
                    "flag": cleaned["flag"].to_numpy(dtype=object),
                    "source": f"{release.label} ({file})",
                    "release": release.rank,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=TIDY_COLUMNS)
    return pd.concat(parts, ignore_index=True)
