"""Writing data safely: no formulas from data in CSV/XLSX, no markup from data in HTML/Markdown,
and no half-written file over a good one.

Formula injection (OWASP "CSV injection"): a text cell starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return (or their full-width forms, or any of these after leading
whitespace) may be run as a formula by a spreadsheet. :func:`neutralise_formulas` puts an
apostrophe in front of such text. Numbers are never touched (a genuine -813 stays a number),
and neither is text that is a plain number (``"-813"``, ``"+1.5"``, ``"-1,234"``, ``"-2.5%"``,
``"1e-3"``), which a spreadsheet reads as that number and never as a formula, nor the lone
``"-"`` that LAIT publishes for a missing value.
"""

from __future__ import annotations

import contextlib
import html
import io
import os
import re
import tempfile
from collections.abc import Hashable
from pathlib import Path

import numpy as np
import pandas as pd

from cscanalysis.core.errors import DataError, ParameterError

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
"""First characters that can make a spreadsheet treat text as a formula."""

_PLAIN_NUMBER = re.compile(
    r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?"
)
_HARMLESS = frozenset({"-"})


def is_formula_like(text: str) -> bool:
    """True if a spreadsheet might read ``text`` as a formula (see the module docstring)."""
    if text in _HARMLESS:
        return False
    stripped = text.lstrip(" \n\x0b\x0c\u00a0\u3000")
    if not stripped.startswith(FORMULA_TRIGGERS) and not text.startswith(("\t", "\r")):
        return False
    return _PLAIN_NUMBER.fullmatch(text.strip()) is None


def neutralise(value: object) -> object:
    """``value`` with a leading apostrophe if it is formula-like text; anything else unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column labels cannot run as formulas.

    Only text is changed (object, string and category columns, and string column labels);
    numeric columns are returned as they are.
    """
    out = df.copy()
    for position in range(df.shape[1]):
        column = df.iloc[:, position]
        dtype = column.dtype
        is_object = pd.api.types.is_object_dtype(dtype)
        is_text = is_object or pd.api.types.is_string_dtype(dtype)
        if isinstance(dtype, pd.CategoricalDtype) or is_text:
            fixed = column.astype(object).map(neutralise)
            if is_text and not is_object:
                fixed = fixed.astype(dtype)
            out.isetitem(position, fixed)
    out.columns = [neutralise(name) for name in df.columns]
    return out


# --------------------------------------------------------------------------- atomic writes


def umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` all at once: a temporary file in the same folder, fsync,
    then :func:`os.replace`. On any failure the temporary file is removed and an existing
    file at ``path`` is left as it was. Returns the path."""
    target = Path(path)
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~umask()
    descriptor, temp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    try:  # make the rename itself durable (best effort; not possible on every platform)
        folder = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return target
    try:
        os.fsync(folder)
    except OSError:
        pass
    finally:
        os.close(folder)
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """:func:`atomic_write_bytes` for text (written as given: no newline translation)."""
    return atomic_write_bytes(path, text.encode(encoding))


# --------------------------------------------------------------------------- CSV and XLSX


def _with_index(df: pd.DataFrame, index: bool) -> pd.DataFrame:
    return df.reset_index() if index else df


def write_csv(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    index: bool = False,
    encoding: str = "utf-8",
) -> Path:
    """Write ``df`` as CSV with formulas neutralised, atomically. Returns the path.

    Lines end in CRLF (RFC 4180, as Excel writes them): with CRLF as the terminator the
    writer quotes every field holding a CR or LF, so a stray CR in the data cannot split a
    row. ``encoding="utf-8-sig"`` adds the byte-order mark Excel needs to show ``£``.
    Missing values are written as empty cells; put published symbols in a column of their own.
    """
    safe = neutralise_formulas(_with_index(df, index))
    text = safe.to_csv(index=False, lineterminator="\r\n")
    return atomic_write_text(path, text, encoding=encoding)


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def xlsx_value(value: object, *, file: str, row: int, column: Hashable) -> object:
    """A value openpyxl can store, or a :class:`DataError` naming the cell."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise DataError(
                "text holds a control character that XLSX cannot store",
                file=file,
                row=row,
                column=str(column),
                value=value,
                expected="text without control characters other than tab and newline",
            )
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            raise DataError(
                "XLSX cannot store a date with a time zone",
                file=file,
                row=row,
                column=str(column),
                value=value,
                expected="a date without a time zone",
            )
        return value.to_pydatetime()
    if isinstance(value, bool | int | float):
        return value
    raise DataError(
        f"cannot write a {type(value).__name__} to XLSX",
        file=file,
        row=row,
        column=str(column),
        value=value,
        expected="text, a number, a date or an empty cell",
    )


def write_xlsx(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    sheet: str = "data",
    *,
    index: bool = False,
) -> Path:
    """Write ``df`` to one sheet of an XLSX workbook, formulas neutralised, atomically.

    Every text cell is stored as text (never as a formula). XML reads a carriage return back
    as a line feed, so ``"\\r=1"`` comes back as ``"'\\n=1"`` (still text). Rows in errors are
    counted as in Excel: the header is row 1. Returns the path.
    """
    from openpyxl import Workbook

    if not isinstance(sheet, str) or not 1 <= len(sheet) <= 31 or _SHEET_FORBIDDEN.search(sheet):
        raise ParameterError(
            f"invalid sheet name {sheet!r}: 1 to 31 characters, none of [ ] : * ? / \\"
        )
    safe = neutralise_formulas(_with_index(df, index))
    file = os.fspath(path)
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    header = [
        xlsx_value(name if isinstance(name, str) else str(name), file=file, row=1, column=name)
        for name in safe.columns
    ]
    for j, name in enumerate(header, start=1):
        cell = worksheet.cell(row=1, column=j, value=name)
        cell.data_type = "s"
    for i, values in enumerate(safe.itertuples(index=False, name=None), start=2):
        for j, (name, value) in enumerate(zip(safe.columns, values, strict=True), start=1):
            stored = xlsx_value(value, file=file, row=i, column=name)
            cell = worksheet.cell(row=i, column=j, value=stored)
            if isinstance(stored, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return atomic_write_bytes(path, buffer.getvalue())


# --------------------------------------------------------------------------- HTML and Markdown


def escape(text: object) -> str:
    """Text from data made safe for HTML (``html.escape`` with ``quote=True``); None -> ``""``."""
    if text is None:
        return ""
    return html.escape(str(text), quote=True)


_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()#+-.!|~<>=^$:")
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}


def safe_markdown_text(text: object) -> str:
    """Text from data made inert in notebook Markdown: shown literally, on one line.

    HTML characters become entities, Markdown punctuation (emphasis, links, code, headings,
    tables, ``$`` maths) is backslash-escaped, and line breaks become spaces so the text cannot
    start a heading, list or block of its own. None -> ``""``.
    """
    if text is None:
        return ""
    one_line = re.sub(r"[\r\n\u2028\u2029]+", " ", str(text))
    parts = []
    for char in one_line:
        if char in _HTML_SPECIAL:
            parts.append(_HTML_SPECIAL[char])
        elif char in _MARKDOWN_SPECIAL:
            parts.append("\\" + char)
        else:
            parts.append(char)
    return "".join(parts)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The bytes :func:`write_csv` writes (formula-safe, CRLF)."""
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def file_in_the_way(path: Path) -> Path | None:
    """The nearest existing parent of ``path`` when it is a file, not a folder, else None."""
    for folder in path.parents:
        if folder.exists():
            return None if folder.is_dir() else folder
    return None


def _reason(path: Path, error: OSError) -> str:
    """Why ``path`` cannot be written, in words: a file where a folder should be, or the
    system's reason."""
    blocker = file_in_the_way(path)
    if blocker is not None:
        return f"{blocker} is a file, not a folder"
    return (error.strerror or str(error)).lower()


def write_together(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary file beside it, then rename them all into place.

    Nothing is renamed until every file is written, so a failure (a full disc, a folder that
    cannot be written) leaves no partial file and the previous files as they were. Raises
    :class:`~cscanalysis.core.errors.ParameterError` naming the path and the reason.
    """
    temps: dict[Path, str] = {}
    path = next(iter(files))
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                raise IsADirectoryError(21, "it is a folder", str(path))
            descriptor, temps[path] = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
            )
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(
                temps[path], path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~umask()
            )
        for path, temp in temps.items():
            os.replace(temp, path)
    except OSError as error:
        raise ParameterError(f"cannot write {path}: {_reason(path, error)}") from None
    finally:
        for temp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
