"""Periods: published labels read into canonical strings, their kinds, and period arithmetic.

Canonical periods are reporting years ``'2019'``, financial years ``'2018-19'``, months
``'2016-08'`` and quarters of financial years ``'2019-20 Q1'``. Pure functions, no file
access. :func:`parse_period` reads what publishers write; :func:`period_kind` names the kind
of a canonical period; :func:`period_ordinal` and :func:`period_at` put the periods of one
kind on a line of consecutive integers (a year, a month or a quarter apart) and back.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from numbers import Integral, Real

import numpy as np
import pandas as pd

__all__ = [
    "PERIOD_FORMS",
    "financial_year_label",
    "financial_year_start",
    "is_ambiguous_period",
    "parse_period",
    "period_at",
    "period_kind",
    "period_ordinal",
]

PERIOD_FORMS = (
    "reporting year ('2019', '31 March 2019', '31/03/2019'), "
    "financial year ('2018-19', '2018/19', '17/18', '201819', '2018/2019'), "
    "month ('2016-08', 'Aug-16', 'August 2016', '08/2016', '2016-08-01') or "
    "quarter ('2019-20 Q1', 'Q1 2019/20')"
)

YEAR_MIN, YEAR_MAX = 1900, 2099
_PIVOT = 50  # two-digit years: 00-49 -> 2000s, 50-99 -> 1900s

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
    return _fy_text(year)


def financial_year_start(label: str) -> int:
    """``'2018-19'`` -> ``2018`` (canonical labels only)."""
    m = _CANONICAL_FY.fullmatch(label) if isinstance(label, str) else None
    if not m or int(m.group(2)) != (int(m.group(1)) + 1) % 100:
        raise ValueError(f"{label!r} is not a financial year label such as '2018-19'")
    return int(m.group(1))


# --------------------------------------------------------------------------- arithmetic

_KINDS = ("reporting_year", "financial_year", "month", "quarter")


def period_ordinal(period: str, kind: str) -> int:
    """The place of a canonical period of ``kind`` on a line of consecutive integers.

    A reporting year or financial year is its (first) year, ``'2018-19'`` -> ``2018``; a month
    is ``year * 12 + month - 1``; a quarter ``first year * 4 + quarter - 1``. So the next
    period of the same kind is one more, and :func:`period_at` turns the integer back.
    ``'2010-11'`` is November 2010 as a ``'month'`` and 2010 as a ``'financial_year'``.
    Raises ValueError when ``period`` is not a canonical period of ``kind``.
    """
    if kind not in _KINDS:
        raise ValueError(f"period kind {kind!r} is not one of {', '.join(_KINDS)}")
    if kind == "reporting_year":
        if _RY.fullmatch(period):
            return int(period)
    elif kind == "quarter":
        m = _CANONICAL_QUARTER.fullmatch(period)
        if m and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
            return int(m.group(1)) * 4 + int(m.group(3)) - 1
    elif m := _CANONICAL_FY.fullmatch(period):
        start, end = int(m.group(1)), int(m.group(2))
        if kind == "financial_year" and (start + 1) % 100 == end:
            return start
        if kind == "month" and 1 <= end <= 12:
            return start * 12 + end - 1
    raise ValueError(f"{period!r} is not a canonical {kind.replace('_', ' ')}")


def period_at(ordinal: int, kind: str) -> str:
    """The canonical period of ``kind`` at ``ordinal`` (the inverse of :func:`period_ordinal`):
    ``period_at(2018, 'financial_year')`` -> ``'2018-19'``, ``period_at(24199, 'month')``
    -> ``'2016-08'``."""
    if kind == "reporting_year":
        return str(ordinal)
    if kind == "financial_year":
        return _fy_text(ordinal)
    if kind == "month":
        return f"{ordinal // 12}-{ordinal % 12 + 1:02d}"
    if kind == "quarter":
        year, quarter = divmod(ordinal, 4)
        return f"{_fy_text(year)} Q{quarter + 1}"
    raise ValueError(f"period kind {kind!r} is not one of {', '.join(_KINDS)}")


def _fy_text(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def period_range(first: str, last: str, kind: str) -> list[str]:
    """Every period of ``kind`` from ``first`` to ``last``, both included (none if ``last`` is
    earlier): ``period_range('2016-11', '2017-02', 'month')`` -> four months."""
    start, end = period_ordinal(first, kind), period_ordinal(last, kind)
    return [period_at(o, kind) for o in range(start, end + 1)]


def month_label(period: str) -> str:
    """A month as a page writes it: ``'2016-08'`` -> ``'Aug 2016'``."""
    ordinal = period_ordinal(period, "month")
    return f"{calendar.month_abbr[ordinal % 12 + 1]} {ordinal // 12}"
