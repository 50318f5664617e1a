"""Figures and periods in words for chart titles, subtitles, alt text and data tables:
``1,234``, ``£1.8m``, ``23.2%``, ``September 2017``, "rose", "above", and the range a title's
two end points would hide. A missing figure is named by its flag, never shown as ``0``.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence

import numpy as np

from cscanalysis.core.formatting import fmt_money, fmt_number, is_missing
from cscanalysis.core.measures import Measure
from cscanalysis.core.periods import period_kind

TITLE_YEARS = 5  # an active title: the change over the last five published years, and the
# highest or lowest value of the whole range drawn where the two ends would hide it


def show(value: object, flag: str = "", places: int = 0, *, symbol: bool = False) -> str:
    """A figure as text with ``places`` decimals (``1,234``, ``72.5``).

    A missing figure is its flag's meaning (``suppressed``, ``not applicable``), or with
    ``symbol=True`` (data tables and exports) the published symbol itself; never ``0``.
    """
    if is_missing(value):
        return (flag or "not published") if symbol else fmt_number(value, flag=flag)
    return fmt_number(value, dp=places, flag=flag)


def figure_text(value: object, measure: Measure, flag: str = "") -> str:
    """A measure's figure in a sentence: money as ``£1.8m`` or ``£52,000``, a percentage as
    ``23.2%``, else :func:`show`."""
    if measure.kind == "money":
        return fmt_money(value, flag=flag)
    text = show(value, flag, places=measure.places)
    return f"{text}%" if measure.unit == "%" and not is_missing(value) else text


def unit_suffix(measure: Measure) -> str:
    """What follows a figure in a title: ``' per 10,000'``, ``' per child'`` or nothing."""
    if measure.kind == "money":
        rest = measure.unit.removeprefix("£").strip()
        return f" {rest}" if rest else ""
    return "" if measure.unit in {"children", "%"} else f" {measure.unit.replace(' children', '')}"


def label_with_unit(label: str, unit: str) -> str:
    """``Referrals`` and ``referrals`` -> ``Referrals``; ``Caseload`` and ``cases`` ->
    ``Caseload (cases)``: the unit in brackets unless the label already says it."""
    if not unit or unit.lower() in label.lower():
        return label
    return f"{label} ({unit})"


def period_words(period: str) -> str:
    """``2017-09`` -> ``September 2017``; other periods as they are."""
    try:
        if period_kind(period) == "month":
            return f"{calendar.month_name[int(period[5:])]} {period[:4]}"
    except ValueError:
        pass
    return period


def period_label(period: str) -> str:
    """``2022-09`` -> ``Sep 2022``; reporting and financial years are shown as they are."""
    try:
        if period_kind(period) == "month":
            return f"{calendar.month_abbr[int(period[5:])]} {period[:4]}"
    except ValueError:
        pass
    return period


def movement(first: float, last: float) -> str:
    """'rose', 'fell' or 'was unchanged'."""
    if np.isclose(first, last):
        return "was unchanged"
    return "rose" if last > first else "fell"


def range_clause(
    periods: Sequence[str],
    values: Sequence[float],
    first: float,
    last: float,
    places: int = 0,
    measure: Measure | None = None,
) -> str:
    """The whole range drawn, where a title's two end points would hide it.

    ``" (highest: 81 in 2013)"``, ``" (lowest: 23.0 in 2021)"`` or both, for the highest and
    lowest published values (NaN ignored; the latest year when tied) that lie beyond both end
    points as shown to ``places`` decimals; ``""`` when the ends are the extremes.
    """
    y = np.asarray(values, dtype=float)
    ok = np.flatnonzero(np.isfinite(y))
    if not ok.size:
        return ""
    parts = []
    top, bottom = max(first, last), min(first, last)
    for word, pick, beyond in (
        ("highest", np.max, lambda v: v > top),
        ("lowest", np.min, lambda v: v < bottom),
    ):
        value = float(pick(y[ok]))
        at = ok[np.flatnonzero(y[ok] == value)[-1]]
        shown = show(value, places=places)
        if beyond(value) and shown not in {show(first, places=places), show(last, places=places)}:
            shown = figure_text(value, measure) if measure else shown  # money as £1,124
            parts.append(f"{word}: {shown} in {period_label(str(periods[at]))}")
    return f" ({'; '.join(parts)})" if parts else ""


def relative(value: float, other: float) -> str:
    """'above', 'below' or 'the same as'."""
    if np.isclose(value, other):
        return "the same as"
    return "above" if value > other else "below"
