"""Intervals calibrated on backtest errors (split-conformal style).

:func:`calibration_factors` works out, for each model, horizon and level, how much the
model's own intervals must be scaled to have held that share of past outcomes;
:func:`apply_calibration` scales a forecast's intervals by them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

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
) -> pd.DataFrame:
    """Interval scaling factors from backtest errors (split-conformal style).

    For each model, horizon and level L: the scaled error is |actual - mean| / (z_L * sd)
    and the factor is its conformal L-quantile (the ceil((n+1)L/100)-th smallest). If the
    model's own intervals covered less than L% of outcomes the factor (> 1) is ``applied``;
    otherwise it is 1. With ``two_sided`` the factor is applied either way, so intervals that
    covered more than L% are narrowed as well. ``recent``: only the latest ``recent`` origins
    of each horizon are used (the errors of the years most like the next). Rows with sd = 0
    cannot be rescaled and are left out.
    """
    if levels is None:
        levels = [float(x.replace("_", ".")) for x in levels_in(backtest_df)]
    levels = check_levels(levels)
    df = backtest_df[np.isfinite(backtest_df["mean"]) & (backtest_df["sd"] > 0)]
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
            k = _conformal_quantile(err / (z_value(lv) * g["sd"].to_numpy()), lv)
            if two_sided:
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
                }
            )
    return pd.DataFrame(
        rows, columns=["model", "horizon", "level", "n", "coverage", "factor", "applied"]
    )


def _factor_lookup(factors: pd.DataFrame, model: str, horizon: int, level: float) -> float:
    f = factors[(factors["model"] == model) & (factors["level"] == level)]
    f = f[f["horizon"] <= horizon]
    if f.empty:
        return 1.0
    return float(f.loc[f["horizon"].idxmax(), "factor"])


def apply_calibration(
    fc: pd.DataFrame, factors: pd.DataFrame, *, nonnegative: bool = True
) -> pd.DataFrame:
    """Scale a forecast's intervals by :func:`calibration_factors` (horizons beyond those
    backtested use the longest backtested horizon's factor); sets ``calibrated``."""
    out = fc.copy()
    levels = [float(x.replace("_", ".")) for x in levels_in(fc)]
    touched = np.zeros(len(out), bool)
    keys = pd.MultiIndex.from_arrays([out["model"], out["horizon"].astype(int)])
    for lv in levels:
        name = level_name(lv)
        table = {key: _factor_lookup(factors, key[0], key[1], lv) for key in keys.unique()}
        k = np.array([table[key] for key in keys], dtype=float)
        half = k * z_value(lv) * out["sd"].to_numpy(dtype=float)
        mean = out["mean"].to_numpy(dtype=float)
        lo, hi = mean - half, mean + half
        if nonnegative:
            lo, hi = np.maximum(lo, 0), np.maximum(hi, 0)
        widen = (k != 1) & np.isfinite(mean)
        out.loc[widen, f"lo{name}"] = lo[widen]
        out.loc[widen, f"hi{name}"] = hi[widen]
        touched |= widen
    prior = out["calibrated"].to_numpy(bool) if "calibrated" in out else False
    out["calibrated"] = prior | touched
    return out
