"""Rolling-origin backtests and their accuracy: every method judged out of sample.

:func:`backtest` fits on data up to each origin and forecasts what was published next;
:func:`accuracy` scores the forecasts (MAE, MASE, MAPE, bias, interval coverage).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting.fitting import (
    assemble,
    check_levels,
    level_name,
    raw_forecast,
    status_notes,
)
from cscanalysis.forecasting.models import DEFAULT_CANDIDATES, model_spec
from cscanalysis.forecasting.series import (
    Prepared,
    align_companions,
    as_wide,
    numeric_values,
    prepare,
)
from cscanalysis.forecasting.timeline import calendar_of

__all__ = ["accuracy", "backtest", "common_rows", "levels_in", "naive_scale", "typical_change"]


SPREAD_CHANGES = 4  # latest one-step changes whose median absolute value is a row's "spread"


def _changes(prep: Prepared, lag: int, last: int | None) -> np.ndarray:
    d = (
        prep.Y[:, lag:] - prep.Y[:, :-lag]
        if prep.Y.shape[1] > lag
        else np.full((len(prep.Y), 1), np.nan)
    )
    return np.abs(d if last is None else d[:, -last:])


def naive_scale(prep: Prepared, lag: int, last: int | None = None) -> np.ndarray:
    """In-sample MAE of the one-step (or seasonal, ``lag``) naive forecast on each run (on its
    ``last`` changes only, if given: how much the series has moved lately)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(_changes(prep, lag, last), axis=1)


def typical_change(prep: Prepared, lag: int, last: int = SPREAD_CHANGES) -> np.ndarray:
    """Median absolute one-step (or seasonal, ``lag``) change over each run's latest ``last``
    changes: a council's ordinary recent year. Of four changes, the mean of the middle two, so
    one exceptional year (the pandemic's) neither widens nor narrows it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(_changes(prep, lag, last), axis=1)


def backtest(
    wide: pd.DataFrame,
    models: Sequence[str] = DEFAULT_CANDIDATES,
    horizons: Sequence[int] = (1, 2),
    min_train: int = 5,
    levels: Sequence[float] = (80, 95),
    *,
    nonnegative: bool = True,
    gaps: str = "last_run",
    companions: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest: fit on data up to each origin, forecast, compare with outcome.

    Origins run from the ``min_train``-th column to the last but one; every series must
    have at least ``min_train`` points (and the model's own minimum) at that origin. Returns
    one row per (council, origin, horizon, model) with an outcome: ``council_code, origin,
    horizon, period, model, mean, lo.., hi.., sd, actual, scale, spread, status``, where
    ``scale`` is the in-sample MAE of the one-step naive forecast (seasonal naive for monthly
    or quarterly data) on the training run, used for MASE, and ``spread`` the median absolute
    change over its latest ``SPREAD_CHANGES`` changes (:func:`typical_change`, for calibrated
    intervals). ``companions``: other
    series of the same councils for models that need them (``ModelSpec.needs``), also cut at
    each origin.
    """
    wide = as_wide(wide)
    if not models:
        raise ParameterError("backtest needs at least one model")
    for name in models:
        model_spec(name)  # unknown names are refused here
    horizons = sorted({int(h) for h in horizons})
    if not horizons or horizons[0] < 1:
        raise ParameterError(f"horizons must be whole numbers >= 1, not {horizons!r}")
    if min_train < 2:
        raise ParameterError(f"min_train must be at least 2, not {min_train}")
    levels = check_levels(levels)
    cal, ords = calendar_of(list(wide.columns))
    order = np.argsort(ords)
    wide = wide.iloc[:, order]
    full = prepare(wide, "last_run")  # validates and fills missing columns
    ordinal0 = full.last_ordinal - full.Y.shape[1] + 1
    X = numeric_values(wide)
    cols = np.asarray(ords)[order]
    frames = []
    H = max(horizons)
    for o in range(ordinal0 + min_train - 1, full.last_ordinal):
        train = wide.loc[:, [c for c, oo in zip(wide.columns, cols, strict=True) if oo <= o]]
        prep = prepare(train, gaps)
        extra = align_companions(train, prep, companions)
        lag = cal.m if cal.m > 1 else 1
        scale = naive_scale(prep, lag)
        spread = typical_change(prep, lag)
        actual = np.full((len(prep.codes), H), np.nan)
        for h in range(1, H + 1):
            hit = np.flatnonzero(cols == o + h)
            if hit.size:
                actual[:, h - 1] = X[:, hit[0]]
        for name in models:
            mean, sd, fits, _ = raw_forecast(prep, H, name, None, nonnegative, extra)
            fits &= prep.length >= min_train
            mean[~fits], sd[~fits] = np.nan, np.nan
            status, _ = status_notes(prep, fits, name)
            part = assemble(
                prep, H, mean, sd, [name] * len(fits), status, [""] * len(fits), levels, nonnegative
            )
            part["actual"] = actual.ravel()
            part["scale"] = np.repeat(scale, H)
            part["spread"] = np.repeat(spread, H)
            part["origin"] = cal.label(o)
            frames.append(part)
    if not frames:
        raise ParameterError(
            f"{full.Y.shape[1]} period(s) is too few to backtest with min_train={min_train}"
        )
    bt = pd.concat(frames, ignore_index=True)
    bt = bt[bt["horizon"].isin(horizons) & bt["actual"].notna()]
    cols_out = ["council_code", "origin", "horizon", "period", "model", "mean"]
    cols_out += [c for lv in levels for c in (f"lo{level_name(lv)}", f"hi{level_name(lv)}")]
    cols_out += ["sd", "actual", "scale", "spread", "status"]
    return bt[cols_out].reset_index(drop=True)


def levels_in(frame: pd.DataFrame) -> list[str]:
    """The interval levels of a table's ``lo``/``hi`` column pairs, as in their names."""
    return [c[2:] for c in frame.columns if c.startswith("lo") and f"hi{c[2:]}" in frame.columns]


def common_rows(bt: pd.DataFrame) -> pd.DataFrame:
    """Rows whose (council, origin, horizon) was forecast by every model in ``bt``."""
    ok = bt[np.isfinite(bt["mean"].to_numpy(dtype=float))]
    n_models = bt["model"].nunique()
    counts = ok.groupby(["council_code", "origin", "horizon"])["model"].transform("nunique")
    return ok[counts == n_models]


def accuracy(
    backtest_df: pd.DataFrame,
    by: Sequence[str] = ("model", "horizon"),
    *,
    common: bool = True,
) -> pd.DataFrame:
    """Accuracy of backtest forecasts, grouped ``by`` (add ``council_code`` for per council).

    Columns: ``n``, ``MAE``, ``MASE`` (mean of |error| / scale over rows with scale > 0),
    ``MAPE`` (mean |error| / actual over non-zero actuals, in %), ``bias`` (mean of forecast
    minus actual) and ``coverage80``, ``coverage95`` (share of actuals inside the interval).
    With ``common=True`` only rows every model forecast are compared.
    """
    need = {"mean", "actual", "scale", *by}
    missing = need - set(backtest_df.columns)
    if missing:
        raise ParameterError(f"the backtest table has no column(s) {sorted(missing)}")
    df = common_rows(backtest_df) if common else backtest_df[np.isfinite(backtest_df["mean"])]
    err = df["mean"] - df["actual"]
    work = pd.DataFrame({k: df[k] for k in by})
    work["n"] = 1
    work["abs"] = err.abs()
    work["bias"] = err
    with np.errstate(divide="ignore", invalid="ignore"):
        work["q"] = np.where(df["scale"] > 0, err.abs() / df["scale"], np.nan)
        work["ape"] = np.where(df["actual"] != 0, 100 * err.abs() / df["actual"].abs(), np.nan)
    for lv in levels_in(df):
        work[f"coverage{lv}"] = (
            (df[f"lo{lv}"] <= df["actual"]) & (df["actual"] <= df[f"hi{lv}"])
        ).astype(float)
    g = work.groupby(list(by), sort=True)
    out = pd.DataFrame(
        {
            "n": g["n"].sum(),
            "MAE": g["abs"].mean(),
            "MASE": g["q"].mean(),
            "MAPE": g["ape"].mean(),
            "bias": g["bias"].mean(),
        }
    )
    for lv in levels_in(df):
        out[f"coverage{lv}"] = g[f"coverage{lv}"].mean()
    return out.reset_index()
