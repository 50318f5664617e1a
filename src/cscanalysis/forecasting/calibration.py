"""Intervals calibrated on backtest errors (split-conformal style).

:func:`calibration_factors` works out, for each model, horizon and level, how much the
model's own intervals must be scaled to have held that share of past outcomes
(``basis="sd"``), or the quantile of past errors over each council's typical one-year change
(``basis="scale"``: the half-width is that quantile times the council's in-sample mean
absolute one-year change, the ``scale`` column of a backtest); :func:`apply_calibration` sets
a forecast's intervals from them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting.evaluation import levels_in
from cscanalysis.forecasting.fitting import check_levels, level_name, z_value
from cscanalysis.forecasting.timeline import label_ordinals

__all__ = ["apply_calibration", "calibration_factors"]


def _conformal_quantile(x: np.ndarray, level: float) -> float:
    x = np.sort(x[np.isfinite(x)])
    if x.size == 0:
        return np.nan
    k = min(math.ceil((x.size + 1) * level / 100), x.size)
    return float(x[k - 1])


def calibration_factors(
    backtest_df: pd.DataFrame,
    levels: Sequence[float] | None = None,
    *,
    recent: int | None = None,
    two_sided: bool = False,
    basis: str = "sd",
) -> pd.DataFrame:
    """Interval scaling factors from backtest errors (split-conformal style).

    For each model, horizon and level L: the scaled error is |actual - mean| / (z_L * sd)
    and the factor is its conformal L-quantile (the ceil((n+1)L/100)-th smallest). If the
    model's own intervals covered less than L% of outcomes the factor (> 1) is ``applied``;
    otherwise it is 1. With ``two_sided`` the factor is applied either way, so intervals that
    covered more than L% are narrowed as well. ``recent``: only the latest ``recent`` origins
    of each horizon are used (the errors of the years most like the next). Rows with sd = 0
    cannot be rescaled and are left out.

    ``basis="scale"``: the scaled error is |actual - mean| / scale (the council's in-sample
    mean absolute one-step change at the origin) and the factor, its conformal L-quantile,
    is the interval's half-width in units of that scale; always applied. Rows with scale = 0
    are left out. ``basis="spread"``: the same over the ``spread`` column (the council's median
    absolute change over its latest four years: ``evaluation.typical_change``), or over
    ``scale`` if the backtest has no such column.
    """
    if basis not in {"sd", "scale", "spread"}:
        raise ParameterError(f"basis={basis!r}; expected 'sd', 'scale' or 'spread'")
    if basis == "spread" and "spread" not in backtest_df:
        basis = "scale"
    if levels is None:
        levels = [float(x.replace("_", ".")) for x in levels_in(backtest_df)]
    levels = check_levels(levels)
    spread = backtest_df[basis]
    df = backtest_df[np.isfinite(backtest_df["mean"]) & (spread > 0) & np.isfinite(spread)]
    if recent is not None and len(df):
        o = pd.Series(label_ordinals(df["origin"]), index=df.index)
        keep = pd.Series(False, index=df.index)
        for _, g in o.groupby(df["horizon"]):
            keep[g.index] = g >= sorted(g.unique())[-recent:][0]
        df = df[keep]
    rows = []
    for (model, h), g in df.groupby(["model", "horizon"], sort=True):
        err = (g["actual"] - g["mean"]).abs().to_numpy()
        for lv in levels:
            name = level_name(lv)
            if f"lo{name}" in g:
                cov = float(
                    ((g[f"lo{name}"] <= g["actual"]) & (g["actual"] <= g[f"hi{name}"])).mean()
                )
            else:
                cov = np.nan
            if basis != "sd":
                k = _conformal_quantile(err / g[basis].to_numpy(dtype=float), lv)
            else:
                k = _conformal_quantile(err / (z_value(lv) * g["sd"].to_numpy()), lv)
            if basis != "sd":
                applied = bool(np.isfinite(k))
            elif two_sided:
                applied = bool(np.isfinite(k) and k > 0 and not np.isclose(k, 1))
            else:
                applied = bool(np.isfinite(k) and cov < lv / 100 and k > 1)
            rows.append(
                {
                    "model": model,
                    "horizon": int(h),
                    "level": lv,
                    "n": len(g),
                    "coverage": cov,
                    "factor": k if applied else 1.0,
                    "applied": applied,
                    "basis": basis,
                }
            )
    return pd.DataFrame(
        rows,
        columns=["model", "horizon", "level", "n", "coverage", "factor", "applied", "basis"],
    )


def _factor_lookup(factors: pd.DataFrame, model: str, horizon: int, level: float) -> float:
    """The factor for a model, horizon and level; horizons beyond those backtested use the
    longest one's (``basis="scale"``: times sqrt(h / H), as errors spread like a random walk's).
    Nothing known: 1 (``"sd"``) or NaN (``"scale"``: intervals left as the model gave them)."""
    f = factors[(factors["model"] == model) & (factors["level"] == level)]
    by_scale = bool(len(f)) and "basis" in f and (f["basis"] != "sd").any()
    f = f[f["horizon"] <= horizon]
    if f.empty:
        return math.nan if by_scale else 1.0
    row = f.loc[f["horizon"].idxmax()]
    k = float(row["factor"])
    if by_scale and int(row["horizon"]) < horizon:
        k *= math.sqrt(horizon / int(row["horizon"]))
    return k


def apply_calibration(
    fc: pd.DataFrame,
    factors: pd.DataFrame,
    *,
    nonnegative: bool = True,
    scale: np.ndarray | None = None,
) -> pd.DataFrame:
    """Scale a forecast's intervals by :func:`calibration_factors` (horizons beyond those
    backtested use the longest backtested horizon's factor); sets ``calibrated``.

    Factors with ``basis="scale"`` need each row's ``scale`` (the council's in-sample mean
    absolute one-step change; default: ``fc["scale"]``): half-width = factor * scale."""
    out = fc.copy()
    levels = [float(x.replace("_", ".")) for x in levels_in(fc)]
    touched = np.zeros(len(out), bool)
    keys = pd.MultiIndex.from_arrays([out["model"], out["horizon"].astype(int)])
    by_scale = "basis" in factors and bool((factors["basis"] != "sd").any())
    if by_scale:
        if scale is None:
            col = str(factors["basis"].iloc[0])
            if col not in out:
                raise ParameterError(f"calibration on {col!r} needs each row's {col}")
            scale = out[col].to_numpy(dtype=float)
        spread = np.asarray(scale, dtype=float)
    else:
        spread = out["sd"].to_numpy(dtype=float)
    for lv in levels:
        name = level_name(lv)
        table = {key: _factor_lookup(factors, key[0], key[1], lv) for key in keys.unique()}
        k = np.array([table[key] for key in keys], dtype=float)
        half = k * spread if by_scale else k * z_value(lv) * spread
        mean = out["mean"].to_numpy(dtype=float)
        lo, hi = mean - half, mean + half
        if nonnegative:
            lo, hi = np.maximum(lo, 0), np.maximum(hi, 0)
        if by_scale:
            widen = np.isfinite(k) & (spread > 0) & np.isfinite(mean)
        else:
            widen = (k != 1) & np.isfinite(mean)
        out.loc[widen, f"lo{name}"] = lo[widen]
        out.loc[widen, f"hi{name}"] = hi[widen]
        touched |= widen
    prior = out["calibrated"].to_numpy(bool) if "calibrated" in out else False
    out["calibrated"] = prior | touched
    return out
