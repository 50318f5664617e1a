"""Pooled regressions of growth on what all councils share, with no constant (no drift).

One least-squares fit for every row of a measure at once, of the log growth over ``h`` years on
features known at the start of it, fitted only on the latest ``windows`` years whose outcome is
in the data given (so a backtest fits on data up to its origin only), one fit per horizon
("direct"): no fitted value is fed back in. Without a constant no national trend is carried
forward: with every feature at 0 the forecast is "no change".

- :func:`momentum_features`: last log growth and log distance from the mean of the last three
  values (short-term momentum and the pull back to a council's own recent level).
- :func:`balance_features`: the log ratio of the year's inflow to its outflow (children starting
  to be looked after over children ceasing). Starts and ceasing pull towards each other: a year
  with more starts than leavers is followed by more leavers, and the other way round.
- :func:`flow_features`: both.

:func:`direct_growth` fits and forecasts; :func:`momentum_recent`, :func:`balance_pooled` and
:func:`flows_pooled` are the models (``(Y, length, steps, m[, extra])``, as in
:mod:`~cscanalysis.forecasting.models`). Pure numpy.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

__all__ = [
    "BALANCE_YEARS",
    "MIN_ROWS",
    "MOMENTUM_YEARS",
    "balance_features",
    "balance_pooled",
    "direct_coefficients",
    "direct_growth",
    "flow_features",
    "flows_pooled",
    "log_or_nan",
    "momentum_features",
    "momentum_recent",
]

MIN_ROWS = 10  # fewer complete (features, outcome) pairs than this: coefficients 0, no change
MOMENTUM_WINDOW = 3


def log_or_nan(Y: np.ndarray) -> np.ndarray:
    """Natural log where positive, NaN elsewhere."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(Y > 0, np.log(np.where(Y > 0, Y, 1.0)), np.nan)


def momentum_features(Y: np.ndarray, extra: Mapping[str, np.ndarray]) -> np.ndarray:
    """(n, T, 2): at each column c, log(y_c / y_{c-1}) and log(y_c / mean(y_{c-2..c})); NaN
    where a value is missing or not positive."""
    L = log_or_nan(Y)
    n, T = Y.shape
    out = np.full((n, T, 2), np.nan)
    k = MOMENTUM_WINDOW
    if T > 1:
        out[:, 1:, 0] = L[:, 1:] - L[:, :-1]
    for c in range(k - 1, T):
        window = Y[:, c - k + 1 : c + 1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ok = np.all(window > 0, axis=1)
            mean = np.where(ok, window.mean(axis=1), np.nan)
        out[:, c, 1] = L[:, c] - log_or_nan(mean)
    return out


def balance_features(Y: np.ndarray, extra: Mapping[str, np.ndarray]) -> np.ndarray:
    """(n, T, 1): at each column, log(inflow / outflow) from ``extra["inflow"]`` and
    ``extra["outflow"]`` (aligned with ``Y``); NaN where either is missing or not positive."""
    b = log_or_nan(extra["inflow"]) - log_or_nan(extra["outflow"])
    return b[:, :, None]


def flow_features(Y: np.ndarray, extra: Mapping[str, np.ndarray]) -> np.ndarray:
    """(n, T, 3): :func:`momentum_features` and :func:`balance_features` side by side."""
    return np.concatenate([momentum_features(Y, extra), balance_features(Y, extra)], axis=2)


def direct_coefficients(Y: np.ndarray, F: np.ndarray, h: int, windows: int) -> np.ndarray:
    """Least squares, no constant, of log(y_{c+h} / y_c) on F[:, c] over every row and the
    latest ``windows`` columns c with c + h in the data. Fewer than ``MIN_ROWS`` complete
    pairs: zeros ("no change")."""
    L = log_or_nan(Y)
    T, p = F.shape[1:]
    cols = list(range(T - h))[-windows:] if windows > 0 else []
    if not cols:
        return np.zeros(p)
    X = F[:, cols, :].reshape(-1, p)
    t = (L[:, [c + h for c in cols]] - L[:, cols]).reshape(-1)
    ok = np.isfinite(X).all(axis=1) & np.isfinite(t)
    if ok.sum() < max(MIN_ROWS, p):
        return np.zeros(p)
    return np.linalg.lstsq(X[ok], t[ok], rcond=None)[0]


def direct_growth(
    Y: np.ndarray, F: np.ndarray, steps: int, windows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Forecast ``steps`` columns past ``Y``'s last: y_T * exp(F[:, T] . beta_h), one beta_h per
    horizon from :func:`direct_coefficients`; a missing feature counts as 0 (no change). sd:
    the forecast times the row's root mean square log change times sqrt(h) (to be calibrated
    by backtest)."""
    n = Y.shape[0]
    last = F[:, -1, :]
    mean = np.empty((n, steps))
    for h in range(1, steps + 1):
        beta = direct_coefficients(Y, F, h, windows)
        growth = np.nan_to_num(last, nan=0.0) @ beta
        mean[:, h - 1] = Y[:, -1] * np.exp(growth)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = np.sqrt(np.nanmean(np.diff(log_or_nan(Y), axis=1) ** 2, axis=1))
    sd = np.abs(mean) * np.nan_to_num(s)[:, None] * np.sqrt(np.arange(1, steps + 1))[None, :]
    return mean, sd


MOMENTUM_YEARS = 3  # latest years momentum_recent is fitted on, per horizon
BALANCE_YEARS = 5  # latest years balance_pooled and flows_pooled are fitted on, per horizon


def momentum_recent(
    Y: np.ndarray, length: np.ndarray, steps: int, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """log(y_{t+h} / y_t) = a_h log(y_t / y_{t-1}) + b_h log(y_t / mean(y_{t-2..t})), one
    (a_h, b_h) for all rows, fitted on the latest three years with an outcome h years on."""
    return direct_growth(Y, momentum_features(Y, {}), steps, MOMENTUM_YEARS)


def balance_pooled(
    Y: np.ndarray,
    length: np.ndarray,
    steps: int,
    m: int,
    extra: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """log(y_{t+h} / y_t) = c_h log(inflow_t / outflow_t), one c_h for all rows, fitted on the
    latest five years with an outcome h years on. ``extra`` holds the companion series (checked
    by :func:`~cscanalysis.forecasting.fitting.raw_forecast` against ``ModelSpec.needs``)."""
    assert extra is not None
    return direct_growth(Y, balance_features(Y, extra), steps, BALANCE_YEARS)


def flows_pooled(
    Y: np.ndarray,
    length: np.ndarray,
    steps: int,
    m: int,
    extra: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """momentum_recent's and balance_pooled's features in one regression (latest five years)."""
    assert extra is not None  # checked against ModelSpec.needs before any model runs
    return direct_growth(Y, flow_features(Y, extra), steps, BALANCE_YEARS)
