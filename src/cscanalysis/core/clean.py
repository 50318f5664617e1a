"""Cleaning shared by every reader: published symbols, numbers, periods, text and names.

Pure functions, no file access. Published symbols are data: they become ``NaN`` with the
symbol kept as a flag, never zero. Anything that is neither a number nor a published symbol
is an error, never a silent fix.
"""

from __future__ import annotations

import datetime as dt
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
    "PERIOD_FORMS",
    "SYMBOLS",
    "clean_values",
    "decode_text",
    "financial_year_label",
    "financial_year_start",
    "is_ambiguous_period",
    "normalise_name",
    "parse_number",
    "parse_period",
    "parse_value",
    "period_kind",
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

PERIOD_FORMS = (
    "reporting year ('2019', '31 March 2019', '31/03/2019'), "
    "financial year ('2018-19', '2018/19', '17/18', '201819', '2018/2019'), "
    "month ('2016-08', 'Aug-16', 'August 2016', '08/2016', '2016-08-01') or "
    "quarter ('2019-20 Q1', 'Q1 2019/20')"
)

YEAR_MIN, YEAR_MAX = 1900, 2099
_PIVOT = 50  # two-digit years: 00-49 -> 2000s, 50-99 -> 1900s

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


# --------------------------------------------------------------------------- periods

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_QUALIFIER = re.compile(r"\s*\((?:OT|Rev|Revised|Final|Prov|Provisional)\)$", re.IGNORECASE)
_RY = re.compile(r"\d{4}")
_RY_DATE = re.compile(r"31(?:st)?\s+mar(?:ch)?\s+(\d{4})|31[/.-]0?3[/.-](\d{4})", re.IGNORECASE)
_FY_SIX = re.compile(r"(\d{4})(\d{2})")
_FY_LONG_SHORT = re.compile(r"(\d{4})\s*([-/])\s*(\d{2})")
_FY_LONG_LONG = re.compile(r"(\d{4})\s*[-/]\s*(\d{4})")
_FY_SHORT = re.compile(r"(\d{2})\s*[-/]\s*(\d{2})")
_MONTH_NAME = re.compile(r"([a-z]+)\.?[\s/-]*(\d{4}|\d{2})", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_MONTH_SLASH = re.compile(r"(\d{1,2})/(\d{4})")
_QUARTER_FIRST = re.compile(r"(?:q|quarter\s*)(\d+)\s*(?:,|-|of)?\s*(.+)", re.IGNORECASE)
_QUARTER_LAST = re.compile(r"(.+?)\s*(?:,|-)?\s*(?:q|quarter\s*)(\d+)", re.IGNORECASE)
_CANONICAL_FY = re.compile(r"(\d{4})-(\d{2})")
_CANONICAL_QUARTER = re.compile(r"(\d{4})-(\d{2}) Q([1-4])")


class _PeriodError(ValueError):
    """A reason why a text is not a period (turned into the full message by parse_period)."""


def _year(text: str) -> int:
    if len(text) == 2:
        two = int(text)
        return (2000 if two < _PIVOT else 1900) + two
    year = int(text)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _PeriodError(f"year {year} is outside {YEAR_MIN} to {YEAR_MAX}")
    return year


def _month(year: int, month: int) -> str:
    if not 1 <= month <= 12:
        raise _PeriodError(f"month {month} is not 1 to 12")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _PeriodError(f"year {year} is outside {YEAR_MIN} to {YEAR_MAX}")
    return f"{year:04d}-{month:02d}"


def _fy(start: int, end_text: str) -> str:
    end = int(end_text)
    expected = (start + 1) % 100 if len(end_text) == 2 else start + 1
    if end != expected:
        raise _PeriodError(
            f"a financial year runs over two consecutive years, and {end_text} does not follow "
            f"{start} (a range of years is not one period)"
        )
    return financial_year_label(start)


def _financial_year(s: str) -> str | None:
    """Canonical financial year for ``s``, None if it has no financial-year shape."""
    s = re.sub(r"^FY\s*", "", s, flags=re.IGNORECASE)
    if m := _FY_SIX.fullmatch(s):
        return _fy(_year(m.group(1)), m.group(2))
    if (m := _FY_LONG_SHORT.fullmatch(s)) and m.group(2) == "/":
        return _fy(_year(m.group(1)), m.group(3))
    if m := _FY_LONG_LONG.fullmatch(s):
        return _fy(_year(m.group(1)), m.group(2))
    if m := _FY_SHORT.fullmatch(s):
        return _fy(_year(m.group(1)), m.group(2))
    if m := _FY_LONG_SHORT.fullmatch(s):  # '2018-19' (or a month such as '2016-08')
        start, end = _year(m.group(1)), int(m.group(3))
        if end == (start + 1) % 100:
            return financial_year_label(start)
        if 1 <= end <= 12:
            return None  # a month, read by the month rules
        return _fy(start, m.group(3))
    return None


def _quarter(s: str) -> str | None:
    for pattern, q_group, fy_group in ((_QUARTER_FIRST, 1, 2), (_QUARTER_LAST, 2, 1)):
        if m := pattern.fullmatch(s):
            quarter = int(m.group(q_group))
            if not 1 <= quarter <= 4:
                raise _PeriodError(f"quarter {quarter} is not 1 to 4")
            fy = _financial_year(m.group(fy_group).strip())
            if fy is None:
                raise _PeriodError(
                    f"{m.group(fy_group)!r} is not a financial year (quarters are of "
                    "financial years, such as 'Q1 2019/20')"
                )
            return f"{fy} Q{quarter}"
    return None


def _month_text(s: str) -> str | None:
    if (m := _CANONICAL_FY.fullmatch(s)) and 1 <= int(m.group(2)) <= 12:
        return _month(_year(m.group(1)), int(m.group(2)))
    if m := _ISO_DATE.fullmatch(s):
        year, month, day = (int(g) for g in m.groups())
        try:
            dt.date(year, month, day)
        except ValueError:
            raise _PeriodError(f"{s!r} is not a real date") from None
        return _month(_year(m.group(1)), month)
    if m := _MONTH_SLASH.fullmatch(s):
        return _month(_year(m.group(2)), int(m.group(1)))
    if m := _MONTH_NAME.fullmatch(s):
        name = m.group(1).lower()
        if name not in _MONTHS:
            raise _PeriodError(f"{m.group(1)!r} is not a month name")
        return _month(_year(m.group(2)), _MONTHS[name])
    return None


def _period_text(s: str) -> str:
    s = " ".join(s.replace("–", "-").replace("—", "-").split())
    s = _QUALIFIER.sub("", s)
    if _RY.fullmatch(s):
        return str(_year(s))
    if m := _RY_DATE.fullmatch(s):
        return str(_year(m.group(1) or m.group(2)))
    for reader in (_financial_year, _month_text, _quarter):
        period = reader(s)
        if period is not None:
            return period
    raise _PeriodError("it has none of the accepted shapes")


def parse_period(text: object) -> str:
    """Canonical period string for a published period label.

    Reporting year ``'2019'``, financial year ``'2018-19'``, month ``'2016-08'`` or quarter
    ``'2019-20 Q1'``. Trailing qualifiers such as ``(OT)``, ``(Rev)`` and ``(Final)`` are
    dropped. Raises ValueError naming the text and the accepted forms for anything else.
    """
    try:
        if isinstance(text, np.datetime64):
            text = pd.Timestamp(text)
        if text is pd.NaT:
            raise _PeriodError("a missing date (NaT) is not a period")
        if isinstance(text, dt.date):
            return _month(text.year, text.month)
        if isinstance(text, bool | np.bool_):
            raise _PeriodError("a true/false value is not a period")
        if isinstance(text, Integral):
            return _period_text(str(int(text)))
        if isinstance(text, Real) and float(text).is_integer():
            return _period_text(str(int(float(text))))
        if not isinstance(text, str):
            raise _PeriodError(f"a {type(text).__name__} is not a period")
        return _period_text(text)
    except _PeriodError as error:
        raise ValueError(
            f"cannot read {text!r} as a period: {error}; expected {PERIOD_FORMS}"
        ) from None


def is_ambiguous_period(period: str) -> bool:
    """True for canonical strings that are both a financial year and a month.

    ``'2010-11'`` is the financial year 2010-11 and also November 2010: the canonical forms
    collide for ``'2000-01'`` to ``'2011-12'``. :func:`period_kind` reads them as financial
    years, so keep the kind alongside such periods when months that old are possible.
    """
    m = _CANONICAL_FY.fullmatch(period)
    return m is not None and 1 <= int(m.group(2)) == (int(m.group(1)) + 1) % 100 <= 12


def period_kind(period: str) -> str:
    """``'reporting_year'``, ``'financial_year'``, ``'month'`` or ``'quarter'`` for a canonical
    period (see :func:`parse_period`). ``'2000-01'`` to ``'2011-12'`` read as financial years
    (see :func:`is_ambiguous_period`). Raises ValueError for anything not canonical.
    """
    if isinstance(period, str):
        if _RY.fullmatch(period) and YEAR_MIN <= int(period) <= YEAR_MAX:
            return "reporting_year"
        if m := _CANONICAL_FY.fullmatch(period):
            start, end = int(m.group(1)), int(m.group(2))
            if YEAR_MIN <= start <= YEAR_MAX:
                if end == (start + 1) % 100:
                    return "financial_year"
                if 1 <= end <= 12:
                    return "month"
        if (m := _CANONICAL_QUARTER.fullmatch(period)) and period[:7] == financial_year_label(
            int(m.group(1))
        ):
            return "quarter"
    raise ValueError(
        f"{period!r} is not a canonical period ('2019', '2018-19', '2016-08' or "
        "'2019-20 Q1'); read published labels with parse_period first"
    )


def financial_year_label(start_year: int) -> str:
    """``2018`` -> ``'2018-19'``; ``1999`` -> ``'1999-00'``."""
    if isinstance(start_year, bool) or not isinstance(start_year, Integral):
        raise ValueError(f"financial year start {start_year!r} is not a whole year")
    year = int(start_year)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueError(f"financial year start {year} is outside {YEAR_MIN} to {YEAR_MAX}")
    return f"{year:04d}-{(year + 1) % 100:02d}"


def financial_year_start(label: str) -> int:
    """``'2018-19'`` -> ``2018`` (canonical labels only)."""
    m = _CANONICAL_FY.fullmatch(label) if isinstance(label, str) else None
    if not m or int(m.group(2)) != (int(m.group(1)) + 1) % 100:
        raise ValueError(f"{label!r} is not a financial year label such as '2018-19'")
    return int(m.group(1))


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
