"""The forecasting models, each run on every series of a measure at once.

Each model takes ``(Y, length, steps, m)``: ``Y`` right-aligned (n, T) with NaN padding on
the left, each row's number of points, the periods to forecast and the periods per year, and
returns mean (n, steps) and sd (n, steps); rows given to a model always meet its minimum
length (:meth:`ModelSpec.minimum`).

- ``naive`` (last value), ``drift`` (straight line from first to last point),
  ``drift_pooled`` (each council's drift, as a share of its level, shrunk toward the median
  over all rows by empirical Bayes), ``ses`` and ``ses_pooled`` (simple exponential
  smoothing), ``damped`` (Holt's damped trend, parameters by a grid search evaluated for
  every series at once), ``damped_pooled`` (one damped-trend parameter set shared by all
  rows): vectorised with numpy, analytic normal intervals.
- ``ets`` (statsmodels ``ETSModel``, additive error, none/additive/damped trend by AICc) and
  ``arima`` (statsmodels ``ARIMA`` with drift, order (0,1,0), (1,1,0) or (0,1,1) by AICc):
  one fit per series.
- ``seasonal_naive`` (vectorised) and ``seasonal_ets`` (statsmodels, per series) for monthly
  or quarterly frames.
- ``reversion_pooled``: one regression for all rows of next year's log growth on last year's
  growth and the distance from the five-year mean, with no constant (no drift), on logs.
- ``momentum_recent`` and ``balance_pooled`` (:mod:`~cscanalysis.forecasting.regression`):
  pooled regressions without a constant fitted on the latest years only, one per horizon;
  ``balance_pooled`` needs the companion series ``inflow`` and ``outflow`` (children starting
  and ceasing to be looked after), given as ``extra`` (:attr:`ModelSpec.needs`).
- Blends ``"base@w"`` (e.g. ``"reversion_pooled@0.5"``): ``naive + w * (base - naive)``
  (:func:`model_spec`).

Speed: the vectorised models forecast every council for a measure in milliseconds. ``ets``
and ``arima`` take about 30-60 ms per series, and several times longer if OpenBLAS runs
multi-threaded on their tiny matrices: set ``OPENBLAS_NUM_THREADS=1`` for them (see
``benchmarks/bench_forecast.py``).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting.regression import balance_pooled, flows_pooled, momentum_recent

__all__ = [
    "ANNUAL_CANDIDATES",
    "BLEND_SEPARATOR",
    "BLEND_WEIGHTS",
    "COMPANION_CANDIDATES",
    "DEFAULT_CANDIDATES",
    "MODELS",
    "ModelFn",
    "ModelSpec",
    "model_spec",
]

DEFAULT_CANDIDATES = (
    "naive",
    "drift",
    "drift_pooled",
    "ses",
    "ses_pooled",
    "damped",
    "damped_pooled",
)

# Annual series (one figure a year): only methods that carry no trend forward, and blends of
# them with "no change", chosen by their worst recent origin (see select_model). Methods
# carrying a trend won the years of steady growth before 2019 and lost when numbers levelled
# off after 2023 (README, "Forecasts"). Pooled regressions are fitted on the latest years only
# (momentum_recent; reversion_pooled, fitted on all years, lost from 2023 and 2024).
BLEND_WEIGHTS = (0.25, 0.5, 0.75)
ANNUAL_CANDIDATES = (
    "naive",
    "momentum_recent",
    *(f"momentum_recent@{w:g}" for w in BLEND_WEIGHTS),
)
# Candidates that need companion series (ModelSpec.needs): added to the annual candidates when
# the caller gives them (auto_forecast's ``companions``).
COMPANION_CANDIDATES = tuple(
    f"{b}{suffix}"
    for b in ("balance_pooled", "flows_pooled")
    for suffix in ("", *(f"@{w:g}" for w in BLEND_WEIGHTS))
)


# (Y, length, steps, m) -> (mean, sd); a model with ModelSpec.needs also takes extra=
# {name: array aligned with Y}.
ModelFn = Callable[..., tuple[np.ndarray, np.ndarray]]


def _first_values(Y: np.ndarray, length: np.ndarray) -> np.ndarray:
    T = Y.shape[1]
    return Y[np.arange(len(Y)), T - length]


def _naive(Y: np.ndarray, length: np.ndarray, steps: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    h = np.arange(1, steps + 1)
    last = Y[:, -1]
    d = np.diff(Y, axis=1)
    with np.errstate(invalid="ignore"):
        sigma = np.sqrt(np.nanmean(d**2, axis=1))
    return np.repeat(last[:, None], steps, axis=1), sigma[:, None] * np.sqrt(h)[None, :]


def _drift_parts(Y: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    first = _first_values(Y, length)
    b = (Y[:, -1] - first) / (length - 1)
    resid = np.diff(Y, axis=1) - b[:, None]
    sigma = np.sqrt(np.nansum(resid**2, axis=1) / np.maximum(length - 2, 1))
    return b, sigma


def _drift_forecast(
    Y: np.ndarray, length: np.ndarray, b: np.ndarray, sigma: np.ndarray, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    h = np.arange(1, steps + 1)[None, :]
    mean = Y[:, -1][:, None] + h * b[:, None]
    sd = sigma[:, None] * np.sqrt(h * (1 + h / (length[:, None] - 1)))
    return mean, sd


def _drift(Y: np.ndarray, length: np.ndarray, steps: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    b, sigma = _drift_parts(Y, length)
    return _drift_forecast(Y, length, b, sigma, steps)


def _drift_pooled(
    Y: np.ndarray, length: np.ndarray, steps: int, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Drift shrunk toward the median relative drift (empirical Bayes, method of moments).

    Relative drift r_i = b_i / level_i with level the series mean; its sampling variance
    se_i^2 = sigma_i^2 / (L_i - 1) / level_i^2. Between-series variance
    tau^2 = max(var(r) - mean(se^2), 0); weight w_i = tau^2 / (tau^2 + se_i^2);
    pooled b_i = (w_i r_i + (1 - w_i) median(r)) level_i. Fewer than 5 usable rows: no pooling.
    """
    b, sigma = _drift_parts(Y, length)
    level = np.nanmean(Y, axis=1)
    ok = level > 0
    if ok.sum() >= 5:
        r = b[ok] / level[ok]
        se2 = sigma[ok] ** 2 / (length[ok] - 1) / level[ok] ** 2
        tau2 = max(float(np.var(r, ddof=1) - np.mean(se2)), 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(tau2 + se2 > 0, tau2 / (tau2 + se2), 1.0)
        b = b.copy()
        b[ok] = (w * r + (1 - w) * np.median(r)) * level[ok]
    return _drift_forecast(Y, length, b, sigma, steps)


_ALPHAS = np.linspace(0.05, 1.0, 20)
_BETA_SHARES = np.array([0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0])
_PHIS = np.array([0.8, 0.85, 0.9, 0.95, 0.98])
_GRID = np.array(np.meshgrid(_ALPHAS, _BETA_SHARES, _PHIS, indexing="ij")).reshape(3, -1)
_GRID = np.vstack([_GRID[0], _GRID[0] * _GRID[1], _GRID[2]])  # alpha, beta=alpha*share, phi


def _damped_filter(Y: np.ndarray, length: np.ndarray):
    """Run Holt's damped trend for every grid point and series at once.

    Error-correction form: yhat_t = l + phi*b; e = y - yhat; l <- yhat + alpha*e;
    b <- phi*b + beta*e. Start: l = y_1, b = y_2 - y_1; errors counted from the third point.
    Returns SSE (G, n), final level and trend (G, n) and the number of errors (n,).
    """
    n, T = Y.shape
    alpha, beta, phi = (g[:, None] for g in _GRID)
    G = _GRID.shape[1]
    start = T - length
    lev = np.zeros((G, n))
    tr = np.zeros((G, n))
    sse = np.zeros((G, n))
    for c in range(T):
        y = Y[:, c]
        at0 = c == start
        at1 = c == start + 1
        later = c >= start + 2
        if at0.any():
            lev[:, at0] = y[at0]
        if at1.any():
            tr[:, at1] = y[at1] - Y[at1, c - 1]
            lev[:, at1] = y[at1]
        if later.any():
            pred = lev[:, later] + phi * tr[:, later]
            e = y[later] - pred
            sse[:, later] += e**2
            lev[:, later] = pred + alpha * e
            tr[:, later] = phi * tr[:, later] + beta * e
    return sse, lev, tr, np.maximum(length - 2, 1)


def _damped_from(
    choice: np.ndarray,
    sse: np.ndarray,
    lev: np.ndarray,
    tr: np.ndarray,
    n_err: np.ndarray,
    steps: int,
) -> tuple[np.ndarray, np.ndarray]:
    n = lev.shape[1]
    cols = np.arange(n)
    alpha, beta, phi = (_GRID[k][choice] for k in range(3))
    lvl, trend = lev[choice, cols], tr[choice, cols]
    sigma2 = sse[choice, cols] / n_err
    h = np.arange(1, steps + 1)
    cum_phi = np.cumsum(phi[:, None] ** h[None, :], axis=1)  # phi + ... + phi^h
    mean = lvl[:, None] + cum_phi * trend[:, None]
    c = alpha[:, None] + beta[:, None] * cum_phi  # c_j for j = 1..steps
    var = sigma2[:, None] * (
        1 + np.concatenate([np.zeros((n, 1)), np.cumsum(c**2, axis=1)], axis=1)[:, :steps]
    )
    return mean, np.sqrt(var)


def _damped(Y: np.ndarray, length: np.ndarray, steps: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    sse, lev, tr, n_err = _damped_filter(Y, length)
    return _damped_from(np.argmin(sse, axis=0), sse, lev, tr, n_err, steps)


def _damped_pooled(
    Y: np.ndarray, length: np.ndarray, steps: int, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """One (alpha, beta, phi) for all rows: the grid point with least total scaled SSE."""
    sse, lev, tr, n_err = _damped_filter(Y, length)
    scale = np.nanmean(np.diff(Y, axis=1) ** 2, axis=1)
    scale = np.where(scale > 0, scale, 1.0)
    best = int(np.argmin((sse / n_err / scale).sum(axis=1)))
    return _damped_from(np.full(Y.shape[0], best), sse, lev, tr, n_err, steps)


_SES_ALPHAS = np.linspace(0.05, 1.0, 39)


def _ses_filter(Y: np.ndarray, length: np.ndarray):
    """Simple exponential smoothing for every alpha in the grid and every series at once.

    l = y_1; for later points e = y - l, l <- l + alpha*e. Returns SSE (G, n), final level
    (G, n) and the number of one-step errors (n,).
    """
    n, T = Y.shape
    alpha = _SES_ALPHAS[:, None]
    start = T - length
    lev = np.zeros((len(_SES_ALPHAS), n))
    sse = np.zeros_like(lev)
    for c in range(T):
        y = Y[:, c]
        at0 = c == start
        later = c > start
        if at0.any():
            lev[:, at0] = y[at0]
        if later.any():
            e = y[later] - lev[:, later]
            sse[:, later] += e**2
            lev[:, later] += alpha * e
    return sse, lev, np.maximum(length - 1, 1)


def _ses_from(
    choice: np.ndarray, sse: np.ndarray, lev: np.ndarray, n_err: np.ndarray, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    cols = np.arange(lev.shape[1])
    alpha = _SES_ALPHAS[choice]
    sigma2 = sse[choice, cols] / n_err
    h = np.arange(1, steps + 1)[None, :]
    mean = np.repeat(lev[choice, cols][:, None], steps, axis=1)
    var = sigma2[:, None] * (1 + (h - 1) * alpha[:, None] ** 2)
    return mean, np.sqrt(var)


def _ses(Y: np.ndarray, length: np.ndarray, steps: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    sse, lev, n_err = _ses_filter(Y, length)
    return _ses_from(np.argmin(sse, axis=0), sse, lev, n_err, steps)


def _ses_pooled(
    Y: np.ndarray, length: np.ndarray, steps: int, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """One smoothing parameter for all rows: least total SSE scaled by each series' variance
    of one-step changes."""
    sse, lev, n_err = _ses_filter(Y, length)
    scale = np.nanmean(np.diff(Y, axis=1) ** 2, axis=1)
    scale = np.where(scale > 0, scale, 1.0)
    best = int(np.argmin((sse / n_err / scale).sum(axis=1)))
    return _ses_from(np.full(Y.shape[0], best), sse, lev, n_err, steps)


def _seasonal_naive(
    Y: np.ndarray, length: np.ndarray, steps: int, m: int
) -> tuple[np.ndarray, np.ndarray]:
    T = Y.shape[1]
    h = np.arange(1, steps + 1)
    k = (h - 1) // m + 1  # whole seasons back
    mean = Y[:, T - m + (h - 1) % m]
    d = Y[:, m:] - Y[:, :-m]
    with np.errstate(invalid="ignore"):
        sigma = np.sqrt(np.nanmean(d**2, axis=1))
    return mean, sigma[:, None] * np.sqrt(k)[None, :]


def _per_series(fit_one: Callable[[np.ndarray, int, int], tuple[np.ndarray, np.ndarray]]):
    def run(Y: np.ndarray, length: np.ndarray, steps: int, m: int):
        mean = np.full((len(Y), steps), np.nan)
        sd = np.full((len(Y), steps), np.nan)
        # statsmodels sets ConvergenceWarning to "always" when first imported: import it
        # before silencing, or the import would undo the filter below.
        import statsmodels.tsa.arima.model
        import statsmodels.tsa.exponential_smoothing.ets  # noqa: F401

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in range(len(Y)):
                y = Y[i, Y.shape[1] - length[i] :]
                with contextlib.suppress(ValueError, np.linalg.LinAlgError):  # failed: NaN
                    mean[i], sd[i] = fit_one(y, steps, m)
        return mean, sd

    return run


def _ets_one(y: np.ndarray, steps: int, m: int, seasonal: bool = False):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    series = pd.Series(y, index=pd.RangeIndex(len(y)))
    specs = [(None, False), ("add", False), ("add", True)]
    best = None
    for trend, damped in specs:
        kwargs = {"seasonal": "add", "seasonal_periods": m} if seasonal else {}
        try:
            res = ETSModel(series, error="add", trend=trend, damped_trend=damped, **kwargs).fit(
                disp=False
            )
        except (ValueError, np.linalg.LinAlgError):
            continue
        score = res.aicc if np.isfinite(res.aicc) else np.inf
        if best is None or score < best[0]:
            best = (score, res)
    if best is None:
        raise ValueError("no ETS model could be fitted")
    pred = best[1].get_prediction(start=len(y), end=len(y) + steps - 1)
    return np.asarray(pred.predicted_mean), np.sqrt(np.asarray(pred.forecast_variance))


def _arima_one(y: np.ndarray, steps: int, m: int):
    from statsmodels.tsa.arima.model import ARIMA

    best = None
    for order in [(0, 1, 0), (1, 1, 0), (0, 1, 1)]:
        try:
            res = ARIMA(y, order=order, trend="t").fit()
        except (ValueError, np.linalg.LinAlgError):
            continue
        score = res.aicc if np.isfinite(res.aicc) else np.inf
        if best is None or score < best[0]:
            best = (score, res)
    if best is None:
        raise ValueError("no ARIMA model could be fitted")
    fc = best[1].get_forecast(steps)
    return np.asarray(fc.predicted_mean), np.asarray(fc.se_mean)


_REVERSION_WINDOW = 5


def _log_or_nan(Y: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(Y > 0, np.log(np.where(Y > 0, Y, 1.0)), np.nan)


def _reversion_features(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Last log growth and log distance from the mean of the last five points (fewer if the
    series is shorter), at the last column; NaN where a value is not positive."""
    L = _log_or_nan(Y)
    g = L[:, -1] - L[:, -2] if Y.shape[1] > 1 else np.full(len(Y), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        window = Y[:, -_REVERSION_WINDOW:]
        mean = np.where(np.all(np.isnan(window) | (window > 0), axis=1), np.nanmean(window, 1), 0)
    d = L[:, -1] - _log_or_nan(mean[:, None])[:, 0]
    return g, d


def _reversion_coefficients(Y: np.ndarray) -> np.ndarray:
    """Pooled least squares, no constant, of next log growth on last log growth and log
    distance from the five-year mean, over every complete window of every row.

    Fewer than 10 complete windows: (0, 0), which is "no change"."""
    K = _REVERSION_WINDOW
    X, y = [], []
    for c in range(K, Y.shape[1]):  # c: the column predicted; features at c - 1
        past = Y[:, c - K : c]
        g, d = _reversion_features(past)
        target = _log_or_nan(Y[:, c : c + 1])[:, 0] - _log_or_nan(Y[:, c - 1 : c])[:, 0]
        ok = np.isfinite(g) & np.isfinite(d) & np.isfinite(target) & ~np.isnan(past).any(1)
        X.append(np.c_[g[ok], d[ok]])
        y.append(target[ok])
    if not X or sum(len(t) for t in y) < 10:
        return np.zeros(2)
    return np.linalg.lstsq(np.vstack(X), np.concatenate(y), rcond=None)[0]


def _reversion(
    Y: np.ndarray, length: np.ndarray, steps: int, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pooled regression on logs without a constant: no drift is carried forward.

    log(y_{t+1} / y_t) = a * log(y_t / y_{t-1}) + b * log(y_t / mean(y_{t-4..t})), one (a, b)
    for all rows, fitted on every complete window in the data given (so a backtest fits on
    data up to its origin only); forecast step by step. A forecast is the last value times a
    growth factor, so a positive series never gets a forecast of 0 or less; a row with a
    value of 0 or less in its last five points has growth 0 ("no change"). sd: the forecast
    times the row's root mean square log change times sqrt(h) (calibrated by backtest).
    """
    a, b = _reversion_coefficients(Y)
    hist = Y.copy()
    mean = np.empty((len(Y), steps))
    for h in range(steps):
        g, d = _reversion_features(hist)
        growth = np.where(np.isfinite(g), a * g, 0.0) + np.where(np.isfinite(d), b * d, 0.0)
        nxt = hist[:, -1] * np.exp(growth)
        mean[:, h] = nxt
        hist = np.c_[hist, nxt]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = np.sqrt(np.nanmean(np.diff(_log_or_nan(Y), axis=1) ** 2, axis=1))
    sd = np.abs(mean) * np.nan_to_num(s)[:, None] * np.sqrt(np.arange(1, steps + 1))[None, :]
    return mean, sd


def _blend(base: ModelFn, weight: float, needs: tuple[str, ...] = ()) -> ModelFn:
    """``naive + weight * (base - naive)``: a forecast shrunk toward "no change"."""

    def run(Y: np.ndarray, length: np.ndarray, steps: int, m: int, **extra: object):
        mn, sn = _naive(Y, length, steps, m)
        mb, sb = base(Y, length, steps, m, **extra) if needs else base(Y, length, steps, m)
        return mn + weight * (mb - mn), (1 - weight) * sn + weight * sb

    return run


BLEND_SEPARATOR = "@"


@dataclass(frozen=True)
class ModelSpec:
    """A forecasting model: its function and the points it needs by default and at least.

    For seasonal models the minimum is ``min_points`` whole seasons plus ``hard_min`` points.
    """

    fn: ModelFn
    min_points: int
    hard_min: int
    seasonal: bool = False
    vectorised: bool = True
    description: str = ""
    needs: tuple[str, ...] = ()  # companion series the model takes as extra=

    def minimum(self, m: int, override: int | None = None) -> int:
        if self.seasonal:
            floor = m + self.hard_min
            need = self.min_points * m + self.hard_min
        else:
            floor = self.hard_min
            need = self.min_points
        return max(floor, need if override is None else override)


MODELS: dict[str, ModelSpec] = {
    "naive": ModelSpec(_naive, 2, 1, description="last value; random-walk intervals"),
    "drift": ModelSpec(_drift, 5, 2, description="line through first and last points"),
    "drift_pooled": ModelSpec(
        _drift_pooled, 5, 2, description="drift shrunk toward the median drift of all rows"
    ),
    "ses": ModelSpec(_ses, 5, 2, description="simple exponential smoothing, per series"),
    "ses_pooled": ModelSpec(
        _ses_pooled, 5, 2, description="simple exponential smoothing, one alpha for all rows"
    ),
    "damped": ModelSpec(_damped, 5, 3, description="Holt damped trend, grid-searched per series"),
    "damped_pooled": ModelSpec(
        _damped_pooled, 5, 3, description="Holt damped trend, one parameter set for all rows"
    ),
    "reversion_pooled": ModelSpec(
        _reversion,
        5,
        2,
        description="pooled regression of log growth on last growth and distance from the "
        "five-year mean, with no constant, so no drift",
    ),
    "momentum_recent": ModelSpec(
        momentum_recent,
        5,
        3,
        description="pooled regression of growth on last growth and distance from the "
        "three-year mean, fitted on the latest three years, with no constant, so no drift",
    ),
    "balance_pooled": ModelSpec(
        balance_pooled,
        5,
        2,
        description="pooled regression of growth on the log ratio of children starting to "
        "children ceasing to be looked after, fitted on the latest five years, with no "
        "constant, so no drift",
        needs=("inflow", "outflow"),
    ),
    "flows_pooled": ModelSpec(
        flows_pooled,
        5,
        3,
        description="pooled regression of growth on last growth, distance from the "
        "three-year mean and the log ratio of starts to ceasing, fitted on the latest five "
        "years, with no constant, so no drift",
        needs=("inflow", "outflow"),
    ),
    "ets": ModelSpec(
        _per_series(lambda y, s, m: _ets_one(y, s, m)),
        5,
        4,
        vectorised=False,
        description="statsmodels ETS(A,N|A|Ad,N) chosen by AICc",
    ),
    "arima": ModelSpec(
        _per_series(_arima_one),
        5,
        4,
        vectorised=False,
        description="statsmodels ARIMA(p,1,q) with drift, p+q<=1, chosen by AICc",
    ),
    "seasonal_naive": ModelSpec(
        _seasonal_naive, 1, 1, seasonal=True, description="same period last year"
    ),
    "seasonal_ets": ModelSpec(
        _per_series(lambda y, s, m: _ets_one(y, s, m, seasonal=True)),
        2,
        2,
        seasonal=True,
        vectorised=False,
        description="statsmodels ETS with additive seasonality",
    ),
}


def model_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` of a model in ``MODELS`` or of a blend ``"base@weight"``
    (``naive + weight * (base - naive)``, 0 < weight <= 1, base vectorised)."""
    if name in MODELS:
        return MODELS[name]
    base, sep, weight = name.partition(BLEND_SEPARATOR)
    try:
        w = float(weight)
    except ValueError:
        w = math.nan
    spec = MODELS.get(base)
    if not sep or spec is None or not 0 < w <= 1 or not spec.vectorised or spec.seasonal:
        raise ParameterError(
            f"unknown model {name!r}; choose from {sorted(MODELS)}, 'auto' or a blend such "
            "as 'reversion_pooled@0.5'"
        )
    return ModelSpec(
        _blend(spec.fn, w, spec.needs),
        spec.min_points,
        spec.hard_min,
        description=f"{w * 100:g}% of the way from no change to {base}: {spec.description}",
        needs=spec.needs,
    )
