"""Cleaning shared by every reader: published symbols, numbers, text and names.

Pure functions, no file access. Published symbols are data: they become ``NaN`` with the
symbol kept as a flag, never zero. Anything that is neither a number nor a published symbol
is an error, never a silent fix.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, DecimalException, localcontext
from numbers import Integral, Real

import numpy as np
import pandas as pd

from cscanalysis.core.errors import DataError

__all__ = [
    "EXPECTED_VALUE",
    "SYMBOLS",
    "clean_values",
    "decode_text",
    "normalise_name",
    "parse_number",
    "parse_value",
    "round12",
]

SYMBOLS: dict[str, str] = {
    "c": "suppressed to protect confidentiality",
    "x": "not available (pre-2018 SFR files: 1 to 5, or secondary suppression)",
    "z": "not applicable",
    "k": "rounds to zero, but is not zero",
    "u": "low reliability",
    "low": "low (published in CSWW indicators; meaning not defined in the files)",
    ":": "not available",
    "..": "not available",
    "-": "missing or suppressed (LAIT)",
}

EXPECTED_VALUE = "a number or one of the published symbols c, x, z, k, u, low, :, .., -"


# --------------------------------------------------------------------------- numbers

_EXCEL_ERRORS = frozenset(
    {"#VALUE!", "#DIV/0!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
_CIRCA = re.compile(r"(?:circa|c\.|c)\s*(?=[-−+(£0-9.])", re.IGNORECASE)
_BODY = re.compile(
    r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"  # 1,234 or 1,234.5 (no exponent)
    r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"  # 1234, 1234.5, .5, 7.0E-2
)
_MULTIPLIERS = {"k": Decimal(1_000), "m": Decimal(1_000_000), "bn": Decimal(1_000_000_000)}
_SUFFIX = re.compile(r"(k|m|bn)$", re.IGNORECASE)


def round12(values: np.ndarray) -> np.ndarray:
    """Round to 12 significant digits, keeping every integer digit (removes float artefacts).

    ``9.3699999999999992`` -> 9.37 and ``7.0000000000000007E-2`` -> 0.07, while an integer
    such as 123,456,789,012,345 is kept whole. Values below 1e-11 are left as they are.
    """
    a = np.array(values, dtype=float, copy=True, ndmin=1)
    with np.errstate(all="ignore"):
        decimals = 11 - np.floor(np.log10(np.abs(a)))
    ok = np.isfinite(a) & (a != 0) & (decimals > 0) & (decimals <= 22)
    scale = 10.0 ** decimals[ok]
    a[ok] = np.round(a[ok] * scale) / scale
    return a


def _round1(value: float) -> float:
    return float(round12(np.array([value]))[0])


def parse_number(text: object) -> float:
    """Read a number as UK analysts and publishers write it.

    Accepts ``1,234``, ``£1,815``, ``-£813``, ``£-813``, ``(813)``, ``(£813)``, ``£1.8m``,
    ``£250k``, ``c£91,000`` (circa), ``18.3%`` (-> 18.3, percentage points), float artefacts
    such as ``7.0000000000000007E-2`` (rounded to 12 significant digits), and ints or floats.
    Raises ValueError for anything else, including the published symbols.
    """
    if isinstance(text, bool | np.bool_):
        raise ValueError(f"{text!r} is a true/false value, not a number")
    if isinstance(text, Real):
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(f"{text!r} is not a finite number")
        return number if isinstance(text, Integral) else _round1(number)
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a number")
    s = text.strip()
    if s in SYMBOLS:
        raise ValueError(f"{text!r} is the published symbol for {SYMBOLS[s]!r}, not a number")
    if s in _EXCEL_ERRORS:
        raise ValueError(f"{text!r} is an Excel error value, not a number")
    value = _parse_number_text(s)
    if value is None:
        raise ValueError(f"{text!r} is not a number")
    return value


def _parse_number_text(s: str) -> float | None:
    """The number in stripped text ``s``, or None when it is not one."""
    m = _CIRCA.match(s)
    if m:
        s = s[m.end() :]
    negative = False
    if len(s) > 2 and s[0] == "(" and s[-1] == ")":
        negative, s = True, s[1:-1].strip()
    signed = False
    if s[:1] in ("-", "−", "+"):
        if negative:  # '(-813)' is not a form anyone publishes
            return None
        negative, signed, s = s[0] != "+", True, s[1:]
    percent = money = False
    if s[:1] == "£":
        money, s = True, s[1:].lstrip()
        if s[:1] in ("-", "−", "+"):
            if signed or negative:
                return None
            negative, s = s[0] != "+", s[1:]
    if s.endswith("%"):
        if money:
            return None
        percent, s = True, s[:-1]
    multiplier = Decimal(1)
    suffix = _SUFFIX.search(s)
    if suffix and not percent:
        multiplier, s = _MULTIPLIERS[suffix.group(1).lower()], s[: suffix.start()]
    if not _BODY.fullmatch(s):
        return None
    digits = s.replace(",", "")
    if suffix and not percent:  # exact decimal scaling: '£1.815m' is 1,815,000, not ...0.0002
        try:
            with localcontext(prec=80):
                value = float(Decimal(digits) * multiplier)
        except DecimalException:  # an exponent too large to scale
            return None
    else:
        value = float(digits)  # correctly rounded, as pd.to_numeric in clean_values
    if not math.isfinite(value):
        return None
    if negative:
        value = -value
    return _round1(value)


def _is_blank(text: object) -> bool:
    if text is None or text is pd.NA or text is pd.NaT:
        return True
    if isinstance(text, float | np.floating):
        return bool(np.isnan(text))
    return isinstance(text, str) and not text.strip()


def _numeric_candidate(cell: object) -> bool:
    """Cells worth a vectorised pd.to_numeric: text and numbers, not bools or dates."""
    return isinstance(cell, str) or (
        isinstance(cell, Real) and not isinstance(cell, bool | np.bool_)
    )


def parse_value(text: object) -> tuple[float, str]:
    """Return ``(value, flag)``: a published symbol gives ``(nan, symbol)``, blank ``(nan, "")``.

    Symbols are case-sensitive (``c`` but not ``C``); surrounding spaces are ignored. Anything
    that is neither blank, a symbol nor a number (see :func:`parse_number`) raises ValueError.
    """
    if _is_blank(text):
        return math.nan, ""
    if isinstance(text, str) and text.strip() in SYMBOLS:
        return math.nan, text.strip()
    return parse_number(text), ""


def _parse_rest(
    values: pd.Series,
    rest: np.ndarray,
    out_value: np.ndarray,
    out_flag: np.ndarray,
    *,
    file: str,
    column: str,
    first_row: int,
) -> None:
    """Parse the cells at positions ``rest`` one by one; raise for the first unreadable one."""
    first_bad: tuple[int, object, str] | None = None
    bad = 0
    raw = values.to_numpy(dtype=object)
    for position in rest:
        cell = raw[position]
        try:
            out_value[position], out_flag[position] = parse_value(cell)
        except ValueError as error:
            bad += 1
            if first_bad is None:
                first_bad = (int(position), cell, str(error))
    if first_bad is not None:
        position, cell, reason = first_bad
        more = f" (and {bad - 1} more unreadable cells in this column)" if bad > 1 else ""
        raise DataError(
            f"cannot read this cell: {reason}{more}",
            file=file,
            row=first_row + position,
            column=column,
            value=cell,
            expected=EXPECTED_VALUE,
        )


def clean_values(values: pd.Series, *, file: str, column: str, first_row: int = 2) -> pd.DataFrame:
    """Parse a column of published values into float ``value`` and str ``flag`` columns.

    Plain numbers are parsed in one vectorised step (``pd.to_numeric``; what it reads,
    :func:`parse_number` reads the same); only the rest (symbols, money, bad cells) are parsed
    cell by cell with :func:`parse_value`. The result has ``values``' index. A cell
    that cannot be read raises :class:`DataError` naming the file, the row (``first_row`` plus
    the cell's position in ``values``), the column and the raw value.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    n = len(values)
    out_value = np.full(n, np.nan)
    out_flag = np.full(n, "", dtype=object)
    missing = values.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        fast = ~missing & np.isfinite(numbers)
    else:
        candidates = ~missing
        if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in (
            "string",
            "empty",
        ):  # mixed cells (read from a workbook): text and numbers, but not bools or dates
            readable = values.map(_numeric_candidate, na_action="ignore")
            candidates &= readable.fillna(False).astype(bool).to_numpy()
        numbers = np.full(n, np.nan)
        if candidates.any():
            subset = values if candidates.all() else values[candidates]
            numbers[candidates] = np.asarray(pd.to_numeric(subset, errors="coerce"), dtype=float)
        fast = candidates & np.isfinite(numbers)
    out_value[fast] = round12(numbers[fast])
    rest = np.flatnonzero(~missing & ~fast)
    if len(rest):
        _parse_rest(
            values, rest, out_value, out_flag, file=file, column=column, first_row=first_row
        )
    return pd.DataFrame(
        {"value": out_value, "flag": pd.array(out_flag, dtype=str)}, index=values.index
    )


# --------------------------------------------------------------------------- text


def decode_text(data: bytes, *, file: str = "<bytes>") -> tuple[str, str]:
    """Decode a published text file; return ``(text, encoding)`` with ``'\\n'`` line endings.

    UTF-8 with a byte order mark -> ``'utf-8-sig'`` (mark removed), UTF-8 -> ``'utf-8'``,
    otherwise Windows-1252 -> ``'cp1252'``. Raises :class:`DataError` naming the file when the
    bytes are none of these (NUL bytes suggest UTF-16 or a binary file such as a workbook).
    """
    expected = "text encoded as UTF-8 (with or without a byte order mark) or Windows-1252"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        position = data.find(b"\x00")
        position = 0 if position < 0 else position
        raise DataError(
            "cannot decode the file: it holds NUL bytes, which suggests UTF-16 or a binary "
            "file such as an Excel workbook; save it as CSV (UTF-8)",
            file=file,
            row=data.count(b"\n", 0, position) + 1,
            value=data[position : position + 4],
            expected=expected,
        )
    # A byte order mark says UTF-8: then there is no fallback to Windows-1252.
    bom = data.startswith(b"\xef\xbb\xbf")
    encodings = ["utf-8-sig"] if bom else ["utf-8", "cp1252"]
    body = data[3:] if bom else data
    offset = 0
    for encoding in encodings:
        try:
            text = body.decode("utf-8" if bom else encoding)
        except UnicodeDecodeError as error:
            offset = error.start + (3 if bom else 0)
            continue
        return text.replace("\r\n", "\n").replace("\r", "\n"), encoding
    raise DataError(
        f"cannot decode the file as {' or '.join(encodings)}: byte "
        f"{data[offset : offset + 1]!r} at offset {offset}",
        file=file,
        row=data.count(b"\n", 0, offset) + 1,
        value=data[offset : offset + 1],
        expected=expected,
    )


_APOSTROPHES = re.compile(r"['’‘`´]")


def normalise_name(text: str) -> str:
    """Key for matching names: casefold, ``&`` -> ``and``, no punctuation, single spaces.

    ``'Bristol, City of '`` -> ``'bristol city of'``; ``'St. Helens'`` -> ``'st helens'``;
    ``"King's Lynn"`` -> ``'kings lynn'``; ``'Stockton-on-Tees'`` -> ``'stockton on tees'``.
    """
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a name")
    s = _APOSTROPHES.sub("", text.casefold().replace("&", " and "))
    s = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in s)
    return " ".join(s.split())
