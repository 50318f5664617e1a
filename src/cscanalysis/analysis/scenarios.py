"""Targets and what-ifs: glide paths, gaps against a forecast, stock and flow, costs.

- :func:`glide_path` turns a target (a level at a future year) into a year-by-year path,
  linear or at a constant percentage change, that hits the target exactly;
  :func:`rate_to_count`, :func:`count_to_rate` and :func:`implied_population` convert
  between rates per 10,000 children and counts.
- :func:`gap` sets a glide path against a forecast (from
  :mod:`cscanalysis.forecasting.forecast`): the children above the path and, with a unit cost,
  the money, with lower and upper bounds from the forecast interval.
- :func:`stock_flow` and :func:`what_if`: children in care at 31 March from starts and
  ceasing (stock_t = stock_{t-1} + starts_t - ceasing_t), and the effect of fewer starts
  (for example teenage entrants down 20%) or extra exits.
- :func:`spend`, :func:`by_placement` and :func:`spend_forecast`: children by placement type
  times unit costs (:class:`UnitCost`, with documented defaults in ``DEFAULT_UNIT_COSTS``).

Children at 31 March times an annual cost approximates a year's spend (it assumes the
year-end number was in care all year); say so when quoting it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscanalysis.core.errors import ParameterError

__all__ = [
    "DEFAULT_UNIT_COSTS",
    "WEEKS_PER_YEAR",
    "UnitCost",
    "by_placement",
    "count_to_rate",
    "gap",
    "glide_path",
    "implied_population",
    "rate_to_count",
    "spend",
    "spend_forecast",
    "stock_flow",
    "what_if",
]

# Bristol's 2023 bid (seed 002, line 91) gives "£1,755 per week or c£91,000 per year":
# 1,755 x 52 = 91,260, so the seeds count 52 weeks to the year.
WEEKS_PER_YEAR = 52


@dataclass(frozen=True)
class UnitCost:
    """Cost of one child in a placement type, per ``"week"`` or per ``"year"``."""

    amount: float
    per: str = "week"
    source: str = ""

    def __post_init__(self) -> None:
        if self.per not in {"week", "year"}:
            raise ParameterError(f"unit cost per {self.per!r}; expected 'week' or 'year'")
        if not np.isfinite(self.amount) or self.amount < 0:
            raise ParameterError(f"unit cost {self.amount!r} must be a number >= 0")

    @property
    def annual(self) -> float:
        """Cost of one child for a year."""
        return self.amount * WEEKS_PER_YEAR if self.per == "week" else self.amount


DEFAULT_UNIT_COSTS: dict[str, UnitCost] = {
    # Seed 002 (Bristol, 2023 DfE Investment and Improvement Grant bid), line 91:
    # "ESA accommodation average costs are £1,755 per week or c£91,000 per year".
    "external_supported_accommodation": UnitCost(
        1755, "week", "Bristol City Council 2023 DfE grant bid: ESA average £1,755 per week"
    ),
    # Seed 000 (Bristol Cabinet, 3 April 2018, Strengthening Families), line 209:
    # "The average out of authority residential placement cost per year is £166k."
    "out_of_authority_residential": UnitCost(
        166_000, "year", "Bristol City Council Cabinet 2018: out of authority residential £166k"
    ),
}


def _annual(cost: UnitCost | float) -> float:
    """Annual cost from a :class:`UnitCost` or a plain number (taken as per year)."""
    if isinstance(cost, UnitCost):
        return cost.annual
    value = float(cost)
    if not np.isfinite(value) or value < 0:
        raise ParameterError(f"unit cost {cost!r} must be a number >= 0")
    return value


# --------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------


def glide_path(
    start_year: int,
    start_value: float,
    target_year: int,
    target_value: float,
    method: str = "linear",
) -> pd.Series:
    """Year-by-year path from ``start_value`` in ``start_year`` to ``target_value`` exactly.

    ``"linear"``: equal steps. ``"percent"``: the same percentage change every year
    (needs positive values). The index is the int years ``start_year..target_year``.
    """
    if int(target_year) <= int(start_year):
        raise ParameterError(f"target year {target_year} must be after the start year {start_year}")
    for name, v in (("start_value", start_value), ("target_value", target_value)):
        if not np.isfinite(float(v)):
            raise ParameterError(f"{name} {v!r} is not a number")
    years = np.arange(int(start_year), int(target_year) + 1)
    t = (years - years[0]) / (years[-1] - years[0])
    if method == "linear":
        values = start_value + (target_value - start_value) * t
    elif method == "percent":
        if start_value <= 0 or target_value <= 0:
            raise ParameterError("a constant percentage path needs start and target above zero")
        values = start_value * (target_value / start_value) ** t
    else:
        raise ParameterError(f"method={method!r}; expected 'linear' or 'percent'")
    values[0], values[-1] = start_value, target_value  # exact at both ends
    return pd.Series(values, index=pd.Index(years, name="period"), name="target")


def rate_to_count(rate_per_10k: float | pd.Series, population: float | pd.Series):
    """Children from a rate per 10,000 children and the child population."""
    return rate_per_10k * population / 10_000


def count_to_rate(count: float | pd.Series, population: float | pd.Series):
    """Rate per 10,000 children from a count and the child population."""
    return count / population * 10_000


def implied_population(count: float, rate_per_10k: float) -> float:
    """Child population implied by a count and its rate per 10,000 (684 at 72.5 -> 94,345)."""
    if rate_per_10k <= 0:
        raise ParameterError(f"rate {rate_per_10k!r} must be above zero")
    return count / rate_per_10k * 10_000


def _one_council(fc: pd.DataFrame, council: str | None) -> pd.DataFrame:
    need = {"council_code", "period", "mean"}
    missing = need - set(fc.columns)
    if missing:
        raise ParameterError(f"the forecast has no column(s) {sorted(missing)}")
    codes = fc["council_code"].unique()
    if council is None:
        if len(codes) != 1:
            raise ParameterError(
                f"the forecast holds {len(codes)} councils; pass council= to pick one"
            )
        council = codes[0]
    rows = fc[fc["council_code"] == council]
    if rows.empty:
        raise ParameterError(f"council {council!r} is not in the forecast")
    return rows.set_index(rows["period"].astype(str))


def gap(
    target: pd.Series,
    fc: pd.DataFrame,
    *,
    unit_cost: UnitCost | float | None = None,
    level: float = 80,
    council: str | None = None,
) -> pd.DataFrame:
    """Forecast minus target path for the periods both cover, in children and money.

    ``gap`` > 0 means the forecast is above the target (children to avoid). ``gap_lo`` and
    ``gap_hi`` use the forecast interval at ``level``. With ``unit_cost`` (a
    :class:`UnitCost` or an annual amount) adds ``cost_gap``, ``cost_gap_lo``,
    ``cost_gap_hi``: the gap times the annual cost.
    """
    rows = _one_council(fc, council)
    lo, hi = f"lo{level:g}", f"hi{level:g}"
    if lo not in rows or hi not in rows:
        raise ParameterError(f"the forecast has no {level:g}% interval ({lo}, {hi})")
    tgt = pd.Series(target.to_numpy(dtype=float), index=[str(p) for p in target.index])
    periods = [p for p in rows.index if p in tgt.index]
    if not periods:
        raise ParameterError(
            f"the target covers {list(tgt.index)} and the forecast {list(rows.index)}: no overlap"
        )
    out = pd.DataFrame(
        {
            "period": periods,
            "target": tgt.loc[periods].to_numpy(),
            "forecast": rows.loc[periods, "mean"].to_numpy(),
            "forecast_lo": rows.loc[periods, lo].to_numpy(),
            "forecast_hi": rows.loc[periods, hi].to_numpy(),
        }
    )
    out["gap"] = out["forecast"] - out["target"]
    out["gap_lo"] = out["forecast_lo"] - out["target"]
    out["gap_hi"] = out["forecast_hi"] - out["target"]
    if unit_cost is not None:
        annual = _annual(unit_cost)
        for col in ("gap", "gap_lo", "gap_hi"):
            out[f"cost_{col}"] = out[col] * annual
    return out


# --------------------------------------------------------------------------------------
# stock and flow
# --------------------------------------------------------------------------------------


def _aligned(starts: pd.Series, ceasing: pd.Series) -> tuple[pd.Series, pd.Series]:
    if not starts.index.equals(ceasing.index):
        raise ParameterError(
            f"starts cover {list(starts.index)} but ceasing cover {list(ceasing.index)}"
        )
    for name, s in (("starts", starts), ("ceasing", ceasing)):
        if s.isna().any():
            raise ParameterError(f"{name} has no value for {list(s.index[s.isna()])}")
    return starts.astype(float), ceasing.astype(float)


def stock_flow(
    stock0: float,
    starts: pd.Series,
    ceasing: pd.Series,
    adjustment: float | pd.Series = 0.0,
) -> pd.Series:
    """Children in care at the end of each period: stock_{t-1} + starts_t - ceasing_t.

    ``stock0`` is the number at the end of the period before the first one in ``starts``.
    ``adjustment`` (per period) absorbs what the published counts leave out: DfE counts
    only a child's first start and last ceasing in a year, so children who leave and come
    back in the same year make the published stock a few children higher than the
    identity (between -4 and +20 children, at most 3.8% of the stock, for every council
    2020 to 2023 in the RY2023/RY2025 releases).
    """
    if not np.isfinite(float(stock0)):
        raise ParameterError(f"stock0 {stock0!r} is not a number")
    starts, ceasing = _aligned(starts, ceasing)
    adj = (
        adjustment.reindex(starts.index).fillna(0.0).to_numpy(dtype=float)
        if isinstance(adjustment, pd.Series)
        else np.full(len(starts), float(adjustment))
    )
    stock = float(stock0) + np.cumsum(starts.to_numpy() - ceasing.to_numpy() + adj)
    return pd.Series(stock, index=starts.index, name="stock")


def what_if(
    stock0: float,
    starts: pd.Series,
    ceasing: pd.Series,
    *,
    starts_change: float = 0.0,
    share: float = 1.0,
    extra_exits: float | pd.Series = 0.0,
    from_period: object | None = None,
    exits: str = "fixed",
    adjustment: float | pd.Series = 0.0,
) -> pd.DataFrame:
    """Baseline and scenario stock when starts change or exits are added.

    The scenario's starts are ``starts * (1 + starts_change * share)``: ``share`` is the
    part of starts the change applies to (e.g. 0.55 for starts aged 10 and over, with
    ``starts_change=-0.2`` for "teenage entrants fall by 20%"). ``extra_exits`` are added
    to ceasing each period ("10 more exits a year to special guardianship"). Changes apply
    from ``from_period`` on (default: every period).

    ``exits="fixed"`` keeps the baseline's ceasing counts; ``"proportional"`` keeps each
    period's baseline exit rate, ceasing_t / (stock_{t-1} + starts_t), so fewer children in
    care also means fewer leaving. The scenario stock never goes below zero.
    """
    if exits not in {"fixed", "proportional"}:
        raise ParameterError(f"exits={exits!r}; expected 'fixed' or 'proportional'")
    if not 0 <= share <= 1:
        raise ParameterError(f"share {share!r} must be between 0 and 1")
    if starts_change < -1:
        raise ParameterError(f"starts_change {starts_change!r} cannot be below -1 (-100%)")
    starts, ceasing = _aligned(starts, ceasing)
    base = stock_flow(stock0, starts, ceasing, adjustment)
    active = np.ones(len(starts), bool)
    if from_period is not None:
        if from_period not in starts.index:
            raise ParameterError(f"from_period {from_period!r} is not in {list(starts.index)}")
        active = np.arange(len(starts)) >= starts.index.get_loc(from_period)
    extra = (
        extra_exits.reindex(starts.index).fillna(0.0).to_numpy(dtype=float)
        if isinstance(extra_exits, pd.Series)
        else np.full(len(starts), float(extra_exits))
    )
    adj = (
        adjustment.reindex(starts.index).fillna(0.0).to_numpy(dtype=float)
        if isinstance(adjustment, pd.Series)
        else np.full(len(starts), float(adjustment))
    )
    s_new = np.where(active, starts.to_numpy() * (1 + starts_change * share), starts.to_numpy())
    prev_base = np.concatenate([[float(stock0)], base.to_numpy()[:-1]])
    exposure = prev_base + starts.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(exposure > 0, ceasing.to_numpy() / exposure, 0.0)
    stock = []
    ceased_new = []
    prev = float(stock0)
    for t in range(len(starts)):
        c = ceasing.iloc[t] if exits == "fixed" else rate[t] * (prev + s_new[t])
        c += extra[t] if active[t] else 0.0
        c = min(c, prev + s_new[t] + adj[t])  # cannot lose more children than there are
        prev = prev + s_new[t] - c + adj[t]
        stock.append(prev)
        ceased_new.append(c)
    out = pd.DataFrame(
        {
            "starts_baseline": starts.to_numpy(),
            "ceasing_baseline": ceasing.to_numpy(),
            "baseline": base.to_numpy(),
            "starts_scenario": s_new,
            "ceasing_scenario": ceased_new,
            "scenario": stock,
        },
        index=starts.index,
    )
    out["difference"] = out["scenario"] - out["baseline"]
    return out


# --------------------------------------------------------------------------------------
# costs
# --------------------------------------------------------------------------------------


def by_placement(total: pd.Series, mix: Mapping[str, float]) -> pd.DataFrame:
    """Split a number of children into placement types by shares (summing to at most 1).

    Shares that add up to less than 1 leave the rest uncosted; the remainder is returned
    as column ``other`` so that the columns always add up to ``total``.
    """
    shares = {k: float(v) for k, v in mix.items()}
    bad = {k: v for k, v in shares.items() if not 0 <= v <= 1}
    if bad:
        raise ParameterError(f"placement shares must be between 0 and 1: {bad}")
    s = sum(shares.values())
    if s > 1 + 1e-9:
        raise ParameterError(f"placement shares add up to {s:.3f}, more than 1")
    out = pd.DataFrame({k: total * v for k, v in shares.items()}, index=total.index)
    if s < 1 - 1e-9 and "other" not in out:
        out["other"] = total * (1 - s)
    return out


def spend(
    children: pd.Series | pd.DataFrame,
    unit_costs: Mapping[str, UnitCost | float] | UnitCost | float,
) -> pd.DataFrame:
    """Annual spend: children (by placement type in columns) times annual unit costs.

    A Series with one unit cost gives one ``spend`` column; a DataFrame needs a cost for
    every column except ``other`` (left uncosted) and adds a ``total`` column.
    """
    if isinstance(children, pd.Series):
        if isinstance(unit_costs, Mapping):
            raise ParameterError("pass one unit cost for a Series of children")
        return pd.DataFrame({"children": children, "spend": children * _annual(unit_costs)})
    if not isinstance(unit_costs, Mapping):
        raise ParameterError("pass a unit cost per placement type (a mapping)")
    cols = [c for c in children.columns if c != "other"]
    missing = [c for c in cols if c not in unit_costs]
    if missing:
        raise ParameterError(
            f"no unit cost for placement type(s) {missing}; known: {sorted(unit_costs)}"
        )
    out = pd.DataFrame(
        {c: children[c] * _annual(unit_costs[c]) for c in cols}, index=children.index
    )
    out["total"] = out.sum(axis=1)
    return out


def spend_forecast(
    fc: pd.DataFrame,
    unit_cost: UnitCost | float,
    *,
    scenario: pd.Series | None = None,
    level: float = 80,
    council: str | None = None,
) -> pd.DataFrame:
    """Spend trajectory of a forecast, with bounds from its interval, and the saving
    against it of a ``scenario`` path (e.g. a glide path or a what-if), if given.

    Columns: ``period, children, spend, spend_lo, spend_hi`` and, with a scenario,
    ``scenario_children, scenario_spend, saving, saving_lo, saving_hi`` (saving = forecast
    spend minus scenario spend; lo/hi from the forecast interval).
    """
    rows = _one_council(fc, council)
    lo, hi = f"lo{level:g}", f"hi{level:g}"
    if lo not in rows or hi not in rows:
        raise ParameterError(f"the forecast has no {level:g}% interval ({lo}, {hi})")
    annual = _annual(unit_cost)
    out = pd.DataFrame(
        {
            "period": rows.index,
            "children": rows["mean"].to_numpy(),
            "spend": rows["mean"].to_numpy() * annual,
            "spend_lo": rows[lo].to_numpy() * annual,
            "spend_hi": rows[hi].to_numpy() * annual,
        }
    )
    if scenario is not None:
        g = gap(scenario, fc, unit_cost=annual, level=level, council=rows["council_code"].iloc[0])
        g = g.set_index("period")
        out = out[out["period"].isin(g.index)].reset_index(drop=True)
        out["scenario_children"] = g.loc[out["period"], "target"].to_numpy()
        out["scenario_spend"] = out["scenario_children"] * annual
        out["saving"] = g.loc[out["period"], "cost_gap"].to_numpy()
        out["saving_lo"] = g.loc[out["period"], "cost_gap_lo"].to_numpy()
        out["saving_hi"] = g.loc[out["period"], "cost_gap_hi"].to_numpy()
    return out
