"""KPI scorecard: status against target by the council's own rule, direction of travel and
summary shares.

Pure functions on a long table of indicators, one row per indicator and period, as
:func:`cscanalysis.sources.casefiles.read_kpis` returns it:

    code, title, polarity, unit, target, tolerance, well, basis, period, value, flag

``polarity`` is ``'+'`` (higher is better) or ``'-'`` (lower is better); a blank target gives
status "no target".

**The rule.** Each indicator may state its own rule: ``tolerance`` (how far from target still
counts as on target), ``well`` (how far from target a miss becomes "well below", or a beat
"well above") and ``basis``, ``absolute`` (both in the indicator's own units: 2 on a percentage
is 2 percentage points) or ``share`` (both as a percentage of the target: 10 is 10% of the
target). A blank cell takes the default rule (:class:`KpiRule`, from the command line); with
neither, the tolerance is 0 and the "well" threshold is twice the tolerance when the tolerance is
above 0, and **none** otherwise: a blank tolerance never turns every miss into "well below".

**Status** (stated as better or worse than target so lower-is-better indicators flip). Let
``gap = (value - target)`` for ``+`` indicators and ``(target - value)`` for ``-`` ones (a
positive gap is always better), ``t`` the tolerance and ``w`` the "well" threshold, in units:

* ``-t <= gap <= t``: **on target** (the bounds are inside);
* ``t < gap <= w``: **above target**; ``gap > w``: **well above target** (better);
* ``-w <= gap < -t``: **below target**; ``gap < -w``: **well below target** (worse);
* with no "well" threshold there are no "well" bands.

A missing value gives "no data"; a missing target "no target".

**Periods.** The period scored defaults to the latest period of the kind most columns have (a
file may hold last year's outturn beside this year's quarters); the period compared with
defaults to the same period a year earlier (``2019-20 Q1`` with ``2018-19 Q1``, ``2019-20``
with ``2018-19``, ``2019`` with ``2018``, ``2019-06`` with ``2018-06``). Both may be given.

**Direction of travel**: ``change = value - previous`` (``previous - value`` for ``-``
indicators); ``change > same_within``: **improved**, ``change < -same_within``: **worsened**,
otherwise **same** (``same_within`` = 0 by default). No value in the period compared with gives
"new indicator, no baseline"; no value now gives "no data".
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.core.periods import financial_year_label, financial_year_start, period_kind

__all__ = [
    "BASES",
    "BETTER_STATUSES",
    "DIRECTIONS",
    "STATUSES",
    "KpiRule",
    "ScorecardSummary",
    "choose_periods",
    "direction_of_travel",
    "previous_year_period",
    "scorecard",
    "scorecard_summary",
    "status",
    "thresholds",
]

BASES = ("absolute", "share")
WELL_ABOVE, ABOVE, ON, BELOW, WELL_BELOW = (
    "well above target",
    "above target",
    "on target",
    "below target",
    "well below target",
)
NO_DATA, NO_TARGET, NO_BASELINE = "no data", "no target", "new indicator, no baseline"
IMPROVED, SAME, WORSENED = "improved", "same", "worsened"
STATUSES = (WELL_ABOVE, ABOVE, ON, BELOW, WELL_BELOW, NO_TARGET, NO_DATA)
BETTER_STATUSES = (WELL_ABOVE, ABOVE, ON)
DIRECTIONS = (IMPROVED, SAME, WORSENED, NO_BASELINE, NO_DATA)
POLARITIES = ("+", "-")


def _sign(polarity: str) -> int:
    if polarity not in POLARITIES:
        raise ParameterError(
            f"polarity must be '+' (higher is better) or '-' (lower is better), not {polarity!r}"
        )
    return 1 if polarity == "+" else -1


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _given(value: float | None) -> float | None:
    """``value`` as a float; None when it is missing (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _r(value: float) -> float:
    """Round away binary error so that 82.0 - 80 - 2 compares as exactly 0."""
    return round(float(value), 9)


@dataclass(frozen=True)
class KpiRule:
    """The default rule for indicators whose own cells are blank (see the module docstring).

    ``tolerance`` and ``well`` are None when not stated; ``basis`` is ``absolute`` (in the
    indicator's units) or ``share`` (a percentage of the target).
    """

    tolerance: float | None = None
    well: float | None = None
    basis: str = "absolute"

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise ParameterError(
                f"the KPI rule's basis (--kpi-basis) must be absolute or share, not {self.basis!r}"
            )
        for name in ("tolerance", "well"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ParameterError(f"the default {name} must be 0 or more, not {value!r}")
        if self.tolerance is not None and self.well is not None and self.well < self.tolerance:
            raise ParameterError(
                f"the 'well' threshold ({self.well:g}) must not be below the tolerance "
                f"({self.tolerance:g})"
            )


def _in_units(amount: float, basis: str, target: float) -> float:
    if basis not in BASES:
        raise ParameterError(f"basis must be absolute or share, not {basis!r}")
    return amount if basis == "absolute" else amount * abs(target) / 100.0


def thresholds(
    target: float,
    tolerance: float | None,
    well: float | None,
    basis: str = "absolute",
    rule: KpiRule = KpiRule(),
) -> tuple[float, float | None]:
    """The tolerance and the "well" threshold in the indicator's units (None: no "well" bands),
    from the indicator's own cells (``basis``) or, where blank, the default ``rule``."""
    given_tolerance, given_well = _given(tolerance), _given(well)
    if given_tolerance is not None:
        t = _in_units(given_tolerance, basis, target)
    elif rule.tolerance is not None:
        t = _in_units(rule.tolerance, rule.basis, target)
    else:
        t = 0.0
    if given_well is not None:
        w: float | None = _in_units(given_well, basis, target)
    elif rule.well is not None:
        w = _in_units(rule.well, rule.basis, target)
    else:
        w = 2 * t if t > 0 else None
    if t < 0 or (w is not None and w < t):
        shown = "none" if w is None else f"{w:g}"
        raise ParameterError(
            f"the tolerance must be 0 or more and the 'well' threshold not below it, not "
            f"{t:g} and {shown}"
        )
    return t, w


def status(
    value: float | None,
    target: float | None,
    tolerance: float | None,
    polarity: str,
    *,
    well: float | None = None,
    basis: str = "absolute",
    rule: KpiRule = KpiRule(),
) -> str:
    """The status band of ``value`` against ``target`` (see the module docstring)."""
    sign = _sign(polarity)
    given, aim = _given(value), _given(target)
    if given is None:
        return NO_DATA
    if aim is None:
        return NO_TARGET
    t, w = thresholds(aim, tolerance, well, basis, rule)
    gap = _r(sign * (given - aim))
    t = _r(t)
    if -t <= gap <= t:
        return ON
    if w is None:
        return ABOVE if gap > 0 else BELOW
    w = _r(w)
    if gap > 0:
        return ABOVE if gap <= w else WELL_ABOVE
    return BELOW if gap >= -w else WELL_BELOW


def direction_of_travel(
    value: float | None, previous: float | None, polarity: str, *, same_within: float = 0.0
) -> str:
    """Improved, same or worsened against ``previous``, respecting ``polarity``."""
    sign = _sign(polarity)
    if same_within < 0:
        raise ParameterError(f"same_within must be 0 or more, not {same_within}")
    given, before = _given(value), _given(previous)
    if given is None:
        return NO_DATA
    if before is None:
        return NO_BASELINE
    change = _r(sign * (given - before))
    if change > _r(same_within):
        return IMPROVED
    if change < -_r(same_within):
        return WORSENED
    return SAME


def previous_year_period(period: str) -> str:
    """The same period a year earlier: ``'2019-20 Q1'`` -> ``'2018-19 Q1'``."""
    kind = period_kind(period)
    if kind == "reporting_year":
        return str(int(period) - 1)
    if kind == "financial_year":
        return financial_year_label(financial_year_start(period) - 1)
    if kind == "quarter":
        return f"{financial_year_label(financial_year_start(period[:7]) - 1)}{period[7:]}"
    return f"{int(period[:4]) - 1:04d}{period[4:]}"  # month


def choose_periods(
    periods: list[str], period: str | None = None, compare: str | None = None
) -> tuple[str, str]:
    """The period to score and the period to compare with (see the module docstring)."""
    available = list(dict.fromkeys(str(p) for p in periods))
    shown = ", ".join(available)
    for name, given in (("period", period), ("comparison period", compare)):
        if given is not None and str(given) not in available:
            raise ParameterError(
                f"the {name} {given!r} is not a column of the indicator file: choose one of {shown}"
            )
    if period is None:
        kinds = Counter(period_kind(p) for p in available)
        ranked = kinds.most_common()
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            raise ParameterError(
                "the indicator file has as many columns of one kind of period as of another ("
                + ", ".join(k for k, _ in ranked)
                + f"): say which period to score, one of {shown}"
            )
        period = max(p for p in available if period_kind(p) == ranked[0][0])
    return str(period), str(compare) if compare is not None else previous_year_period(period)


def scorecard(
    kpis: pd.DataFrame,
    period: str | None = None,
    *,
    compare: str | None = None,
    rule: KpiRule = KpiRule(),
    same_within: float = 0.0,
) -> pd.DataFrame:
    """One row per indicator for ``period``, compared with ``compare`` (defaults: see the module
    docstring), each indicator rated by its own rule or else ``rule``, in the order given.

    Columns: ``code, title, polarity, unit, target, tolerance, well, basis, period, value,
    flag, status, tolerance_units, well_units, previous_period, previous_value, direction``
    (``tolerance_units`` and ``well_units``: the thresholds used, in the indicator's units;
    ``well_units`` NaN when there are no "well" bands). An indicator with no row for
    ``period`` has value NaN and status "no data".
    """
    needed = ("code", "title", "polarity", "target", "tolerance", "period", "value")
    missing = [c for c in needed if c not in kpis.columns]
    if missing:
        raise ParameterError("the indicator table has no column " + ", ".join(missing))
    if kpis.empty:
        raise ParameterError("the indicator table is empty")
    period, before = choose_periods(list(pd.unique(kpis["period"])), period, compare)
    rows = []
    for code, group in kpis.groupby("code", sort=False):
        first = group.iloc[0]
        now = group[group["period"] == period]
        then = group[group["period"] == before]
        value = float(now["value"].iloc[0]) if len(now) else math.nan
        previous = float(then["value"].iloc[0]) if len(then) else math.nan
        flag = str(now["flag"].iloc[0]) if len(now) and "flag" in now else ""
        well = first["well"] if "well" in group else math.nan
        basis = str(first["basis"]) if "basis" in group and first["basis"] else "absolute"
        if _missing(first["target"]):
            t, w = math.nan, None
        else:
            try:
                t, w = thresholds(float(first["target"]), first["tolerance"], well, basis, rule)
            except ParameterError as error:
                raise ParameterError(
                    f"indicator {code}: {error}; state its 'well' threshold in the file or "
                    "give a larger default"
                ) from None
        rows.append(
            {
                "code": code,
                "title": first["title"],
                "polarity": first["polarity"],
                "unit": first["unit"] if "unit" in group else "",
                "target": first["target"],
                "tolerance": first["tolerance"],
                "well": well,
                "basis": basis,
                "period": period,
                "value": value,
                "flag": flag,
                "status": status(
                    value,
                    first["target"],
                    first["tolerance"],
                    first["polarity"],
                    well=well,
                    basis=basis,
                    rule=rule,
                ),
                "tolerance_units": t,
                "well_units": math.nan if w is None else w,
                "previous_period": before,
                "previous_value": previous,
                "direction": direction_of_travel(
                    value, previous, first["polarity"], same_within=same_within
                ),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ScorecardSummary:
    """Counts and shares over a scorecard.

    ``on_or_above_share`` = indicators on, above or well above target / indicators with both a
    value and a target. ``improved_share`` = improved / indicators with a value now and a year
    earlier. Shares are NaN when their denominator is 0.
    """

    indicators: int
    with_status: int
    on_or_above: int
    on_or_above_share: float
    with_baseline: int
    improved: int
    same: int
    worsened: int
    improved_share: float
    no_data: int
    no_baseline: int
    no_target: int


def scorecard_summary(card: pd.DataFrame) -> ScorecardSummary:
    """Summary shares of a :func:`scorecard` table."""
    statuses, directions = card["status"], card["direction"]
    banded = statuses.isin([WELL_ABOVE, ABOVE, ON, BELOW, WELL_BELOW])
    better = statuses.isin(BETTER_STATUSES)
    travelled = directions.isin([IMPROVED, SAME, WORSENED])
    improved = int((directions == IMPROVED).sum())
    return ScorecardSummary(
        indicators=len(card),
        with_status=int(banded.sum()),
        on_or_above=int(better.sum()),
        on_or_above_share=float(better.sum() / banded.sum()) if banded.any() else math.nan,
        with_baseline=int(travelled.sum()),
        improved=improved,
        same=int((directions == SAME).sum()),
        worsened=int((directions == WORSENED).sum()),
        improved_share=improved / int(travelled.sum()) if travelled.any() else math.nan,
        no_data=int((statuses == NO_DATA).sum()),
        no_baseline=int((directions == NO_BASELINE).sum()),
        no_target=int((statuses == NO_TARGET).sum()),
    )
