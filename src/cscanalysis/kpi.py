"""KPI scorecard: status against target, direction of travel and summary shares.

Pure functions on a long table of indicators, one row per indicator and period, as
:func:`cscanalysis.sources.casefiles.read_kpis` returns it:

    code, title, polarity, unit, target, tolerance, period, value, flag

``polarity`` is ``'+'`` (higher is better) or ``'-'`` (lower is better). ``target`` and
``tolerance`` are in the indicator's own units (a tolerance of 2 on a percentage is 2
percentage points); a blank target gives status "no target".

**Status** (five bands, stated as better or worse than target so lower-is-better indicators
flip). Let ``gap = (value - target)`` for ``+`` indicators and ``(target - value)`` for ``-``
ones, so a positive gap is always better than target, and let ``t = tolerance`` and
``w = well * tolerance`` (``well`` = 2 by default):

* ``-t <= gap <= t``: **on target** (the bounds are inside);
* ``t < gap <= w``: **above target**; ``gap > w``: **well above target** (better);
* ``-w <= gap < -t``: **below target**; ``gap < -w``: **well below target** (worse).

With a tolerance of 0 only an exact hit is on target and any miss is "well" above or below.
A missing value gives "no data"; a missing target "no target".

**Direction of travel** compares with the same period a year earlier (``2019-20 Q1`` with
``2018-19 Q1``, ``2019-20`` with ``2018-19``, ``2019`` with ``2018``, ``2019-06`` with
``2018-06``): ``change = value - previous`` (``previous - value`` for ``-`` indicators);
``change > same_within``: **improved**, ``change < -same_within``: **worsened**, otherwise
**same** (``same_within`` = 0 by default). No value a year earlier gives "new indicator, no
baseline"; no value now gives "no data".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from cscanalysis.clean import financial_year_label, financial_year_start, period_kind
from cscanalysis.errors import ParameterError

__all__ = [
    "BETTER_STATUSES",
    "DIRECTIONS",
    "KPI_COLUMNS",
    "STATUSES",
    "ScorecardSummary",
    "direction_of_travel",
    "previous_year_period",
    "scorecard",
    "scorecard_summary",
    "status",
]

KPI_COLUMNS = [
    "code", "title", "polarity", "unit", "target", "tolerance", "period", "value", "flag",
]  # fmt: skip
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


def _r(value: float) -> float:
    """Round away binary error so that 82.0 - 80 - 2 compares as exactly 0."""
    return round(float(value), 9)


def status(
    value: float | None,
    target: float | None,
    tolerance: float | None,
    polarity: str,
    *,
    well: float = 2.0,
) -> str:
    """The status band of ``value`` against ``target`` (see the module docstring)."""
    sign = _sign(polarity)
    if well < 1:
        raise ParameterError(f"well must be 1 or more (a multiple of the tolerance), not {well}")
    if _missing(value):
        return NO_DATA
    if _missing(target):
        return NO_TARGET
    tol = 0.0 if _missing(tolerance) else float(tolerance)
    if tol < 0:
        raise ParameterError(f"tolerance must be 0 or more, not {tol}")
    gap = _r(sign * (float(value) - float(target)))
    t, w = _r(tol), _r(well * tol)
    if -t <= gap <= t:
        return ON
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
    if _missing(value):
        return NO_DATA
    if _missing(previous):
        return NO_BASELINE
    change = _r(sign * (float(value) - float(previous)))
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


def _latest_period(kpis: pd.DataFrame) -> str:
    periods = pd.unique(kpis["period"])
    kinds = {period_kind(p) for p in periods}
    if len(kinds) != 1:
        raise ParameterError(
            "the indicators mix kinds of period (" + ", ".join(sorted(kinds)) + "); "
            "say which period to score"
        )
    return str(max(periods))


def scorecard(
    kpis: pd.DataFrame,
    period: str | None = None,
    *,
    well: float = 2.0,
    same_within: float = 0.0,
) -> pd.DataFrame:
    """One row per indicator for ``period`` (default: the latest), in the order given.

    Columns: ``code, title, polarity, unit, target, tolerance, period, value, flag, status,
    previous_period, previous_value, direction``. An indicator with no row for ``period``
    has value NaN and status "no data".
    """
    missing = [c for c in KPI_COLUMNS if c not in kpis.columns and c not in ("unit", "flag")]
    if missing:
        raise ParameterError("the indicator table has no column " + ", ".join(missing))
    if kpis.empty:
        raise ParameterError("the indicator table is empty")
    period = _latest_period(kpis) if period is None else period
    before = previous_year_period(period)
    rows = []
    for code, group in kpis.groupby("code", sort=False):
        first = group.iloc[0]
        now = group[group["period"] == period]
        then = group[group["period"] == before]
        value = float(now["value"].iloc[0]) if len(now) else math.nan
        previous = float(then["value"].iloc[0]) if len(then) else math.nan
        flag = str(now["flag"].iloc[0]) if len(now) and "flag" in now else ""
        rows.append(
            {
                "code": code,
                "title": first["title"],
                "polarity": first["polarity"],
                "unit": first["unit"] if "unit" in group else "",
                "target": first["target"],
                "tolerance": first["tolerance"],
                "period": period,
                "value": value,
                "flag": flag,
                "status": status(
                    value, first["target"], first["tolerance"], first["polarity"], well=well
                ),
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
