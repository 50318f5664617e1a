"""Numbers as UK analysts write them: ``1,234``, ``£1.8m``, ``72.5 per 10,000 children``.

Pure functions returning text for captions, alt text, tables and prose. Rounding is half away
from zero on the number as written (2.5 -> 3, 2.675 -> 2.68), as in published tables, not
Python's banker's rounding of the binary float.

A missing value (None or NaN) is never shown as ``0`` or ``nan``: every formatter takes an
optional ``flag`` (the published symbol) and renders the symbol's meaning instead, e.g.
``fmt_int(nan, flag="c") == "suppressed"``; with no flag, ``"not published"``.

Money bands (:func:`fmt_money`): under £10,000 to the pound (``£1,815``); from £10,000 to the
nearest £1,000 (``£91,000``, ``-£813,000``); from £1m to one decimal of a million (``£1.8m``,
``£2m``); from £1bn to one decimal of a billion (``£11.2bn``). A value that rounds up into the
next band is shown in that band (``999,600`` -> ``£1m``). ``full=True`` gives whole pounds.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import pandas as pd

from cscanalysis.core.errors import DataError, ParameterError

FLAG_MEANINGS: dict[str, str] = {
    "c": "suppressed",
    "x": "not available",
    "z": "not applicable",
    "k": "rounds to 0",
    "u": "low reliability",
    "..": "not available",
    ":": "not available",
}
"""What a published symbol means, for a value that is not published."""

NOT_PUBLISHED = "not published"
_CONTEXT = Context(prec=400)  # enough digits for any float, so rounding never fails


def describe_flag(flag: object = "") -> str:
    """The meaning of a published symbol (``"c"`` -> ``"suppressed"``); else ``"not published"``."""
    if not isinstance(flag, str):
        return NOT_PUBLISHED
    return FLAG_MEANINGS.get(flag.strip().lower(), NOT_PUBLISHED)


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' NA/NaT (values with nothing to show)."""
    if value is None:
        return True
    if isinstance(value, numbers.Integral):
        return False
    if isinstance(value, numbers.Real):
        return math.isnan(value)
    try:  # pandas NA, NaT, Decimal("NaN")
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # not a scalar
        return False


def _decimal(value: object) -> Decimal:
    """The number as written (shortest repr of a float), checked to be finite."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, numbers.Integral):
        number = Decimal(int(value))
    elif isinstance(value, numbers.Real):
        number = Decimal(repr(float(value)))
    else:
        raise DataError(
            "cannot format a value that is not a number",
            value=value,
            expected="a number, or NaN with a flag",
        )
    if not number.is_finite():
        raise DataError(
            "cannot format an infinite number",
            value=value,
            expected="a finite number, or NaN with a flag",
        )
    return number


def _round(number: Decimal, dp: int) -> Decimal:
    rounded = number.quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP, context=_CONTEXT)
    return rounded if rounded != 0 else abs(rounded)  # no "-0"


def _number_text(number: Decimal, dp: int | None) -> str:
    """Thousands separators; ``dp=None``: up to one decimal, without a trailing ``.0``."""
    if dp is None:
        text = format(_round(number, 1), ",.1f")
        return text[:-2] if text.endswith(".0") else text
    if dp < 0:
        raise ParameterError(f"dp must be 0 or more, got {dp}")
    return format(_round(number, dp), f",.{dp}f")


def fmt_int(value: object, *, flag: str = "") -> str:
    """A whole number with thousands separators: ``1234`` -> ``'1,234'`` (rounds half up)."""
    if is_missing(value):
        return describe_flag(flag)
    return format(_round(_decimal(value), 0), ",.0f")


def fmt_number(value: object, *, dp: int | None = None, flag: str = "") -> str:
    """A number with separators; ``dp=None`` shows at most one decimal (``72.5``, ``80``)."""
    if is_missing(value):
        return describe_flag(flag)
    return _number_text(_decimal(value), dp)


def fmt_money(value: object, *, full: bool = False, flag: str = "") -> str:
    """Pounds in the bands of the module docstring: ``1_815_000`` -> ``'£1.8m'``.

    ``1815`` -> ``'£1,815'``; ``91_234`` -> ``'£91,000'``; ``-813_000`` -> ``'-£813,000'``.
    """
    if is_missing(value):
        return describe_flag(flag)
    number = _decimal(value)
    size = abs(number)
    if full:
        text = "£" + format(_round(size, 0), ",.0f")
    elif (pounds := _round(size, 0)) < 10_000:
        text = "£" + format(pounds, ",.0f")
    elif (thousands := _round(size, -3)) < 1_000_000:
        text = "£" + format(thousands, ",.0f")
    elif (millions := _round(size / 1_000_000, 1)) < 1_000:
        text = "£" + _number_text(millions, None) + "m"
    else:
        text = "£" + _number_text(size / 1_000_000_000, None) + "bn"
    return "-" + text if number < 0 and text != "£0" else text


def fmt_rate(
    value: object,
    *,
    per: int = 10_000,
    unit: str = "children",
    dp: int | None = None,
    flag: str = "",
) -> str:
    """A rate: ``72.5`` -> ``'72.5 per 10,000 children'`` (``dp=None``: up to one decimal)."""
    if is_missing(value):
        return describe_flag(flag)
    text = f"{_number_text(_decimal(value), dp)} per {per:,}"
    return f"{text} {unit}" if unit else text


def fmt_pct(value: object, *, dp: int | None = None, flag: str = "") -> str:
    """A percentage given in percent (not a fraction): ``18.3`` -> ``'18.3%'``."""
    if is_missing(value):
        return describe_flag(flag)
    return _number_text(_decimal(value), dp) + "%"


def fmt_change(
    new: object,
    old: object,
    *,
    fmt: Callable[[Any], str] | None = None,
    points: bool = False,
) -> str:
    """The change from ``old`` to ``new`` in words: ``'up 6% (from 690 to 732)'``.

    The percentage is rounded to a whole number (``'up less than 1%'`` when it rounds to 0)
    and given only when ``old`` is positive and ``new`` is not negative; otherwise
    ``'down from -£813 to -£900'``. ``points=True`` (for percentages) gives percentage points:
    ``'up 2.1 percentage points (from 18.3% to 20.4%)'``. ``fmt`` formats the two values
    (default :func:`fmt_int`, or :func:`fmt_pct` with ``points``). A missing value gives
    ``'change not available'``.
    """
    if fmt is None:
        fmt = fmt_pct if points else fmt_int
    if is_missing(new) or is_missing(old):
        return "change not available"
    a, b = _decimal(new), _decimal(old)
    if a == b:
        return f"unchanged at {fmt(new)}"
    direction = "up" if a > b else "down"
    span = f"from {fmt(old)} to {fmt(new)}"
    if points:
        size = _round(abs(a - b), 1)
        if size == 0:
            return f"{direction} less than 0.1 percentage points ({span})"
        unit = "percentage point" if size == 1 else "percentage points"
        return f"{direction} {_number_text(size, None)} {unit} ({span})"
    if b > 0 and a >= 0:
        pct = _round(abs(a - b) / b * 100, 0)
        if pct == 0:
            return f"{direction} less than 1% ({span})"
        return f"{direction} {format(pct, ',.0f')}% ({span})"
    return f"{direction} {span}"


FORMATTERS: dict[str, Callable[..., str]] = {
    "int": fmt_int,
    "number": fmt_number,
    "money": fmt_money,
    "rate": fmt_rate,
    "pct": fmt_pct,
}


def fmt_value(value: object, flag: str = "", *, kind: str = "number", **options: Any) -> str:
    """A tidy-table cell as text: the value, or the meaning of its flag when there is none.

    ``fmt_value(nan, "c") == 'suppressed'``; ``'z'`` -> ``'not applicable'``; ``'x'`` ->
    ``'not available'``; no or unknown flag -> ``'not published'``; never ``'0'`` or ``'nan'``.
    ``kind`` picks the formatter (``int``, ``number``, ``money``, ``rate``, ``pct``);
    ``options`` go to it. A value flagged ``u`` (low reliability) says so.
    """
    formatter = FORMATTERS.get(kind)
    if formatter is None:
        raise ParameterError(f"unknown kind {kind!r}; expected one of {sorted(FORMATTERS)}")
    if is_missing(value):
        return describe_flag(flag)
    text = formatter(value, **options)
    if isinstance(flag, str) and flag.strip().lower() == "u":
        text += " (low reliability)"
    return text


def financial_year(year: object) -> str:
    """The financial year starting in April of ``year``: ``2018`` -> ``'2018-19'``."""
    text = str(year).strip() if isinstance(year, str | numbers.Integral) else ""
    if isinstance(year, bool) or not (text.isdigit() and len(text) == 4):
        raise ParameterError(f"expected a four-digit year such as 2018, got {year!r}")
    start = int(text)
    return f"{start}-{(start + 1) % 100:02d}"


def ordinal(n: object) -> str:
    """``1`` -> ``'1st'``, ``3`` -> ``'3rd'``, ``11`` -> ``'11th'``, ``22`` -> ``'22nd'``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 0:
        raise ParameterError(f"expected a whole number 0 or more, got {n!r}")
    n = int(n)
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
