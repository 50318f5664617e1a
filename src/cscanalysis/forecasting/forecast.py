"""Forecasts for councils' time series, with rolling-origin backtests and calibrated intervals.

Input is a *wide* frame: one row per council (index ``council_code``), one column per period
in time order, float values with NaN where nothing was published. Columns are int years
(``2019``), financial years (``"2018-19"``), months (``"2016-08"``) or quarters
(``"2019-20 Q1"``); :func:`to_wide` builds one from the tidy long table.

Models (``MODELS``):

- ``naive`` (last value), ``drift`` (straight line from first to last point),
  ``drift_pooled`` (each council's drift, as a share of its level, shrunk toward the median
  over all rows by empirical Bayes), ``damped`` (Holt's damped trend, parameters by a grid
  search evaluated for every series at once), ``damped_pooled`` (one damped-trend parameter
  set shared by all rows): vectorised with numpy, analytic normal intervals.
- ``ets`` (statsmodels ``ETSModel``, additive error, none/additive/damped trend by AICc) and
  ``arima`` (statsmodels ``ARIMA`` with drift, order (0,1,0), (1,1,0) or (0,1,1) by AICc):
  one fit per series.
- ``seasonal_naive`` (vectorised) and ``seasonal_ets`` (statsmodels, per series) for monthly
  or quarterly frames.
- ``reversion_pooled``: one regression for all rows of next year's log growth on last year's
  growth and the distance from the five-year mean, with no constant (no drift), on logs.
- Blends ``"base@w"`` (e.g. ``"reversion_pooled@0.5"``): ``naive + w * (base - naive)``.

Annual frames by default use ``ANNUAL_CANDIDATES`` (no change, methods that carry no trend,
their blends) and the ``"recent_worst"`` rule: a method is used only if it beat no change at
each of the last ``RECENT_ORIGINS`` backtest origins of every horizon, else no change. Trend
methods won the steady growth before 2019 and lost when numbers levelled off after 2023
(``benchmarks/bench_forecast_turning.py``).

Every series is cut to its *last contiguous run* of published values (or, with
``gaps="interpolate"``, interior gaps are filled linearly); if the last period is missing the
forecast steps further ahead. Series shorter than a model's minimum give rows with status
``"too short to forecast"``. Counts (``nonnegative=True``) have intervals clipped at zero;
a positive series whose forecast would reach zero is refitted on logarithms, with a note.

Model choice and interval calibration use rolling-origin backtests (:func:`backtest`,
:func:`accuracy`, :func:`select_model`, :func:`calibration_factors`), never in-sample fit;
:func:`auto_forecast` chains them, and :func:`nested_evaluation` measures the whole
procedure honestly (each choice made with outcomes known at the time only).

Speed: the vectorised models forecast every council for a measure in milliseconds and
``model="auto"`` (backtest of the candidates, selection, calibration, forecast) in about a
second. ``ets`` and ``arima`` take about 30-60 ms per series, and
several times longer if OpenBLAS runs multi-threaded on their tiny matrices: set
``OPENBLAS_NUM_THREADS=1`` for them (see ``benchmarks/bench_forecast.py``).
"""

from __future__ import annotations

import contextlib
import math
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from cscanalysis.core.errors import DataError, ParameterError

__all__ = [
    "MODELS",
    "AutoForecast",
    "Selection",
    "accuracy",
    "apply_calibration",
    "auto_forecast",
    "backtest",
    "calibration_factors",
    "forecast",
    "nested_evaluation",
    "select_model",
    "to_wide",
]

STATUS_OK = "ok"
STATUS_TOO_SHORT = "too short to forecast"
STATUS_NO_DATA = "no data"

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
# off after 2023 (README, "Forecasts").
BLEND_WEIGHTS = (0.25, 0.5, 0.75)
ANNUAL_CANDIDATES = (
    "naive",
    "ses_pooled",
    "reversion_pooled",
    *(f"{b}@{w:g}" for b in ("ses_pooled", "reversion_pooled") for w in BLEND_WEIGHTS),
)
RECENT_ORIGINS = 3  # origins per horizon that select_model's "recent_worst" rule looks at

# --------------------------------------------------------------------------------------
# periods
# --------------------------------------------------------------------------------------

_YEAR = re.compile(r"^\d{4}$")
_FY = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-(\d{2}) Q([1-4])$")


@dataclass(frozen=True)
class _Calendar:
    """How a frame's period labels map to consecutive integers and back."""

    kind: str  # "year", "fy", "month", "quarter"
    m: int  # periods per year (seasonal period)

    def label(self, ordinal: int) -> str:
        if self.kind == "year":
            return str(ordinal)
        if self.kind == "fy":
            return f"{ordinal}-{(ordinal + 1) % 100:02d}"
        if self.kind == "month":
            return f"{ordinal // 12}-{ordinal % 12 + 1:02d}"
        y, q = divmod(ordinal, 4)
        return f"{y}-{(y + 1) % 100:02d} Q{q + 1}"


def _ordinal(label: object, kind: str) -> int | None:
    text = str(label).strip()
    if kind == "year":
        return int(text) if _YEAR.match(text) else None
    if kind == "fy":
        hit = _FY.match(text)
        if hit and (int(hit.group(1)) + 1) % 100 == int(hit.group(2)):
            return int(hit.group(1))
        return None
    if kind == "month":
        hit = _FY.match(text)
        if hit and 1 <= int(hit.group(2)) <= 12:
            return int(hit.group(1)) * 12 + int(hit.group(2)) - 1
        return None
    hit = _QUARTER.match(text)
    if hit and (int(hit.group(1)) + 1) % 100 == int(hit.group(2)):
        return int(hit.group(1)) * 4 + int(hit.group(3)) - 1
    return None


def _calendar(labels: Sequence[object]) -> tuple[_Calendar, list[int]]:
    """Work out the period kind of ``labels`` and their ordinals (consecutive integers)."""
    if len(labels) == 0:
        raise ParameterError("the wide frame has no period columns")
    kinds = [("year", 1), ("fy", 1), ("month", 12), ("quarter", 4)]
    fits = []
    for kind, m in kinds:
        ords = [_ordinal(x, kind) for x in labels]
        if all(o is not None for o in ords):
            fits.append((_Calendar(kind, m), [int(o) for o in ords]))  # type: ignore[arg-type]
    if not fits:
        bad = [x for x in labels if all(_ordinal(x, k) is None for k, _ in kinds)]
        if not bad:
            raise ParameterError(
                f"period columns mix kinds (e.g. {labels[0]!r} and {labels[-1]!r}); "
                "use one of years, financial years, months or quarters"
            )
        raise ParameterError(
            f"period column {bad[0]!r} is not a year (2019), financial year (2018-19), "
            "month (2016-08) or quarter (2019-20 Q1)"
        )
    if len(fits) > 1:  # "2011-12" alone could be a financial year or December 2011
        steps = {c.kind: np.diff(sorted(o)) for c, o in fits}
        month_ok = "month" in steps and len(labels) > 1 and bool(np.all(steps["month"] == 1))
        fits = [f for f in fits if f[0].kind == ("month" if month_ok else "fy")] or fits[:1]
    return fits[0]


def _label_ordinals(labels: Iterable[object]) -> np.ndarray:
    """Ordinals of period labels (each distinct label parsed once)."""
    codes, uniques = pd.factorize(pd.Series(list(labels), dtype=object))
    return np.asarray(_calendar(list(uniques))[1], dtype=int)[codes]


# --------------------------------------------------------------------------------------
# tidy -> wide
# --------------------------------------------------------------------------------------


def to_wide(tidy: pd.DataFrame, measure: str, until: int | str | None = None) -> pd.DataFrame:
    """One measure of the tidy long table as a wide frame (council rows, period columns).

    Annual periods (``"2019"``) become int columns; other periods stay strings, in time
    order. ``until`` keeps periods up to and including it. A (council, period) pair that
    appears twice is a :class:`DataError`.
    """
    missing = {"council_code", "period", "measure", "value"} - set(tidy.columns)
    if missing:
        raise ParameterError(f"the tidy table has no column(s) {sorted(missing)}")
    rows = tidy[tidy["measure"] == measure]
    if rows.empty:
        known = sorted(tidy["measure"].dropna().unique().tolist())
        raise ParameterError(f"measure {measure!r} is not in the table; measures: {known}")
    dup = rows.duplicated(["council_code", "period"], keep=False)
    if dup.any():
        first = rows[dup].iloc[0]
        raise DataError(
            "the same council and period appear more than once",
            column="period",
            value=f"{first['council_code']} {first['period']}",
            expected="one row per council, period and measure",
        )
    values = pd.to_numeric(rows["value"], errors="coerce")
    bad = values.isna() & rows["value"].notna()
    if bad.any():
        first = rows[bad].iloc[0]
        raise DataError(
            "value is not a number",
            column="value",
            value=first["value"],
            expected=f"a float for {first['council_code']} {first['period']}",
        )
    periods = rows["period"].astype(str)
    cal, ords = _calendar(periods.unique().tolist())
    lookup = dict(zip(periods.unique().tolist(), ords, strict=True))
    frame = pd.DataFrame(
        {"council_code": rows["council_code"].to_numpy(), "o": periods.map(lookup), "v": values}
    )
    wide = frame.pivot(index="council_code", columns="o", values="v").sort_index()
    if until is not None:
        limit = _ordinal(until, cal.kind)
        if limit is None:
            raise ParameterError(f"until={until!r} is not a {cal.kind} period like the data")
        wide = wide.loc[:, [c for c in wide.columns if c <= limit]]
    wide = wide.reindex(columns=range(min(wide.columns), max(wide.columns) + 1))
    wide.columns = [c if cal.kind == "year" else cal.label(c) for c in wide.columns]
    wide.columns.name = "period"
    return wide.astype(float)


# --------------------------------------------------------------------------------------
# preparing series
# --------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    codes: list[str]
    Y: np.ndarray  # (n, T) right-aligned to each series' last value, NaN padded on the left
    length: np.ndarray  # (n,) points used
    lag: np.ndarray  # (n,) periods between the last value used and the frame's last column
    notes: list[str]
    cal: _Calendar
    last_ordinal: int


def _as_wide(data: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(data, pd.Series):
        if isinstance(data.index, pd.PeriodIndex):
            freq = data.index.freqstr[0]
            if freq == "M":
                cols = [f"{p.year}-{p.month:02d}" for p in data.index]
            elif freq in {"A", "Y"}:
                cols = [int(p.year) for p in data.index]
            else:
                raise ParameterError(
                    f"PeriodIndex frequency {data.index.freqstr} is not supported; pass a "
                    "wide frame with columns such as 2019, 2018-19, 2016-08 or 2019-20 Q1"
                )
        else:
            cols = list(data.index)
        name = data.name if data.name is not None else "series"
        return pd.DataFrame(
            [data.to_numpy()], index=pd.Index([name], name="council_code"), columns=cols
        )
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("expected a wide DataFrame (council rows, period columns)")
    return data


def _numeric(wide: pd.DataFrame) -> np.ndarray:
    try:
        return wide.to_numpy(dtype=float)
    except (TypeError, ValueError):
        for col in wide.columns:
            vals = pd.to_numeric(wide[col], errors="coerce")
            bad = vals.isna() & wide[col].notna()
            if bad.any():
                code = bad[bad].index[0]
                raise DataError(
                    "value is not a number",
                    column=str(col),
                    value=wide.at[code, col],
                    expected=f"a float or NaN for council {code}",
                ) from None
        raise


def _prepare(wide: pd.DataFrame, gaps: str) -> _Prepared:
    if gaps not in {"last_run", "interpolate"}:
        raise ParameterError(f"gaps={gaps!r}; expected 'last_run' or 'interpolate'")
    if wide.columns.duplicated().any():
        raise ParameterError(f"period {wide.columns[wide.columns.duplicated()][0]!r} repeats")
    cal, ords = _calendar(list(wide.columns))
    order = np.argsort(ords)
    ords_sorted = np.asarray(ords)[order]
    X = _numeric(wide)[:, order]
    full = np.arange(ords_sorted[0], ords_sorted[-1] + 1)
    if len(full) != len(ords_sorted):  # a period nobody published: keep it as a gap
        Z = np.full((X.shape[0], len(full)), np.nan)
        Z[:, ords_sorted - ords_sorted[0]] = X
        X = Z
    n, T = X.shape
    labels = [cal.label(o) for o in full]
    valid = ~np.isnan(X)
    has = valid.any(axis=1)
    idx = np.arange(T)
    last = np.where(has, T - 1 - np.argmax(valid[:, ::-1], axis=1), -1)
    first = np.where(has, np.argmax(valid, axis=1), 0)
    notes: list[str] = []
    if gaps == "interpolate":
        for i in np.flatnonzero(has):
            seg = X[i, first[i] : last[i] + 1]
            holes = np.isnan(seg)
            if holes.any():
                pos = np.arange(len(seg))
                seg[holes] = np.interp(pos[holes], pos[~holes], seg[~holes])
                X[i, first[i] : last[i] + 1] = seg
        start = first
    else:
        before = np.where(~valid & (idx[None, :] < last[:, None]), idx[None, :], -1)
        start = before.max(axis=1) + 1
    length = np.where(has, last - start + 1, 0)
    Y = np.full((n, T), np.nan)
    for i in np.flatnonzero(has):
        Y[i, T - length[i] :] = X[i, start[i] : last[i] + 1]
    lag = np.where(has, T - 1 - last, 0)
    for i in range(n):
        parts = []
        if not has[i]:
            notes.append("no published values")
            continue
        gap_cols = [labels[j] for j in range(first[i], last[i] + 1) if not valid[i, j]]
        if gap_cols and gaps == "last_run":
            parts.append(
                f"used {labels[start[i]]} to {labels[last[i]]} (last unbroken run; "
                f"missing {', '.join(gap_cols)})"
            )
        elif gap_cols:
            parts.append(f"interpolated {', '.join(gap_cols)}")
        if lag[i]:
            parts.append(f"latest value {labels[last[i]]} ({lag[i]} period(s) before the end)")
        notes.append("; ".join(parts))
    return _Prepared(
        codes=[str(c) for c in wide.index],
        Y=Y,
        length=length.astype(int),
        lag=lag.astype(int),
        notes=notes,
        cal=cal,
        last_ordinal=int(full[-1]),
    )


def _first_values(Y: np.ndarray, length: np.ndarray) -> np.ndarray:
    T = Y.shape[1]
    return Y[np.arange(len(Y)), T - length]


# --------------------------------------------------------------------------------------
# models: each takes (Y right-aligned (n, T), length (n,), steps, m) and returns
# mean (n, steps) and sd (n, steps); rows given to a model always meet its minimum length.
# --------------------------------------------------------------------------------------

ModelFn = Callable[[np.ndarray, np.ndarray, int, int], tuple[np.ndarray, np.ndarray]]


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


def _blend(base: ModelFn, weight: float) -> ModelFn:
    """``naive + weight * (base - naive)``: a forecast shrunk toward "no change"."""

    def run(Y: np.ndarray, length: np.ndarray, steps: int, m: int):
        mn, sn = _naive(Y, length, steps, m)
        mb, sb = base(Y, length, steps, m)
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


# --------------------------------------------------------------------------------------
# forecasting
# --------------------------------------------------------------------------------------


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
        _blend(spec.fn, w),
        spec.min_points,
        spec.hard_min,
        description=f"{w * 100:g}% of the way from no change to {base}: {spec.description}",
    )


def _z(level: float) -> float:
    if not 0 < level < 100:
        raise ParameterError(f"interval level {level} must be between 0 and 100")
    return NormalDist().inv_cdf(0.5 + level / 200)


def _level_name(level: float) -> str:
    return f"{level:g}".replace(".", "_")


def _check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    levels = tuple(levels)
    for lv in levels:
        _z(lv)
    return levels


def _raw_forecast(
    prep: _Prepared,
    horizon: int,
    model: str,
    min_points: int | None,
    nonnegative: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, str]]:
    """Mean and sd (n, horizon) aligned to the frame's future periods, a 'fits' mask and
    notes by row.

    With ``nonnegative``, a row whose values are all positive and whose forecast would fall
    to 0 or below (a straight-line decline run past zero) is forecast by the same model on
    the logarithms of its values (a constant rate of decline), and the note says so: a
    positive count never gets a forecast of 0 without a reason given.
    """
    spec = model_spec(model)
    m = prep.cal.m
    if spec.seasonal and m == 1:
        raise ParameterError(f"model {model!r} needs monthly or quarterly periods")
    need = spec.minimum(m, min_points)
    n = len(prep.codes)
    mean = np.full((n, horizon), np.nan)
    sd = np.full((n, horizon), np.nan)
    notes: dict[int, str] = {}
    fits = prep.length >= need
    rows = np.flatnonzero(fits)
    if rows.size:
        steps = horizon + int(prep.lag[rows].max())
        Ysub = prep.Y[rows]
        keep = int(prep.length[rows].max())
        Ysub = Ysub[:, Ysub.shape[1] - keep :]
        mu, s = spec.fn(Ysub, prep.length[rows], steps, m)
        take = prep.lag[rows][:, None] + np.arange(horizon)[None, :]
        mu, s = np.take_along_axis(mu, take, axis=1), np.take_along_axis(s, take, axis=1)
        if nonnegative:
            positive = np.all(np.isnan(Ysub) | (Ysub > 0), axis=1)
            bad = np.flatnonzero(positive & np.any(mu <= 0, axis=1))
            if bad.size:
                with np.errstate(divide="ignore"):
                    lmu, ls = spec.fn(np.log(Ysub[bad]), prep.length[rows][bad], steps, m)
                lmu = np.take_along_axis(lmu, take[bad], axis=1)
                ls = np.take_along_axis(ls, take[bad], axis=1)
                first = np.argmax(mu[bad] <= 0, axis=1)
                mu[bad], s[bad] = np.exp(lmu), np.exp(lmu) * ls
                for j, i in enumerate(rows[bad]):
                    when = prep.cal.label(prep.last_ordinal + int(first[j]) + 1)
                    notes[int(i)] = (
                        f"the {model} forecast of this positive series falls to 0 or below "
                        f"by {when}; the model was fitted to the logarithms of the values "
                        "instead (a constant rate of decline)"
                    )
        mean[rows], sd[rows] = mu, s
    return mean, sd, fits, notes


def _assemble(
    prep: _Prepared,
    horizon: int,
    mean: np.ndarray,
    sd: np.ndarray,
    models: Sequence[str],
    status: Sequence[str],
    notes: Sequence[str],
    levels: Sequence[float],
    nonnegative: bool,
    factors: np.ndarray | None = None,
    calibrated: np.ndarray | None = None,
) -> pd.DataFrame:
    n = len(prep.codes)
    periods = [prep.cal.label(prep.last_ordinal + h) for h in range(1, horizon + 1)]
    mu = mean.ravel()
    s = sd.ravel()
    cols: dict[str, object] = {
        "council_code": np.repeat(prep.codes, horizon),
        "period": np.tile(periods, n),
        "horizon": np.tile(np.arange(1, horizon + 1), n),
        "model": np.repeat(list(models), horizon),
        "mean": np.maximum(mu, 0) if nonnegative else mu,
    }
    for j, lv in enumerate(levels):
        k = 1.0 if factors is None else factors[:, :, j].ravel()
        half = k * _z(lv) * s
        lo, hi = mu - half, mu + half
        if nonnegative:
            lo, hi = np.maximum(lo, 0), np.maximum(hi, 0)
        cols[f"lo{_level_name(lv)}"] = lo
        cols[f"hi{_level_name(lv)}"] = hi
    cols["sd"] = s
    cols["status"] = np.repeat(list(status), horizon)
    cols["calibrated"] = (
        np.zeros(n * horizon, bool) if calibrated is None else np.asarray(calibrated).ravel()
    )
    cols["note"] = np.repeat(list(notes), horizon)
    return pd.DataFrame(cols)


def forecast(
    wide: pd.DataFrame | pd.Series,
    horizon: int,
    model: str = "auto",
    levels: Sequence[float] = (80, 95),
    *,
    nonnegative: bool = True,
    gaps: str = "last_run",
    min_points: int | None = None,
    **auto_options: object,
) -> pd.DataFrame:
    """Forecast every row of ``wide`` ``horizon`` periods past its last column.

    Returns one row per council and future period with columns ``council_code, period,
    horizon, model, mean, lo80, hi80, lo95, hi95, sd, status, calibrated, note`` (one
    ``lo``/``hi`` pair per level). ``model="auto"`` chooses and calibrates by backtest (see
    :func:`auto_forecast`, which also takes ``auto_options``); a model name uses that model's
    own intervals.
    """
    if model == "auto":
        return auto_forecast(
            wide,
            horizon,
            levels=levels,
            nonnegative=nonnegative,
            gaps=gaps,
            min_points=min_points,
            **auto_options,  # type: ignore[arg-type]
        ).forecasts
    if auto_options:
        raise ParameterError(f"options {sorted(auto_options)} only apply to model='auto'")
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ParameterError(f"horizon must be a whole number of periods >= 1, not {horizon!r}")
    levels = _check_levels(levels)
    prep = _prepare(_as_wide(wide), gaps)
    mean, sd, fits, logged = _raw_forecast(prep, int(horizon), model, min_points, nonnegative)
    status, notes = _status_notes(prep, fits, model)
    for i, why in logged.items():
        notes[i] = "; ".join(x for x in (why, notes[i]) if x)
    return _assemble(
        prep, int(horizon), mean, sd, [model] * len(fits), status, notes, levels, nonnegative
    )


def _status_notes(prep: _Prepared, fits: np.ndarray, model: str) -> tuple[list[str], list[str]]:
    status, notes = [], []
    for i, ok in enumerate(fits):
        if prep.length[i] == 0:
            status.append(STATUS_NO_DATA)
            notes.append(prep.notes[i])
        elif ok:
            status.append(STATUS_OK)
            notes.append(prep.notes[i])
        else:
            status.append(STATUS_TOO_SHORT)
            extra = f"{prep.length[i]} point(s) is too few for {model}"
            notes.append("; ".join(x for x in (extra, prep.notes[i]) if x))
    return status, notes


# --------------------------------------------------------------------------------------
# backtests and accuracy
# --------------------------------------------------------------------------------------


def _naive_scale(prep: _Prepared, lag: int) -> np.ndarray:
    """In-sample MAE of the one-step (or seasonal, ``lag``) naive forecast on each run."""
    d = (
        prep.Y[:, lag:] - prep.Y[:, :-lag]
        if prep.Y.shape[1] > lag
        else np.full((len(prep.Y), 1), np.nan)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.abs(d), axis=1)


def backtest(
    wide: pd.DataFrame,
    models: Sequence[str] = DEFAULT_CANDIDATES,
    horizons: Sequence[int] = (1, 2),
    min_train: int = 5,
    levels: Sequence[float] = (80, 95),
    *,
    nonnegative: bool = True,
    gaps: str = "last_run",
) -> pd.DataFrame:
    """Rolling-origin backtest: fit on data up to each origin, forecast, compare with outcome.

    Origins run from the ``min_train``-th column to the last but one; every series must
    have at least ``min_train`` points (and the model's own minimum) at that origin. Returns
    one row per (council, origin, horizon, model) with an outcome: ``council_code, origin,
    horizon, period, model, mean, lo.., hi.., sd, actual, scale, status``, where ``scale`` is
    the in-sample MAE of the one-step naive forecast (seasonal naive for monthly or
    quarterly data) on the training run, used for MASE.
    """
    wide = _as_wide(wide)
    if not models:
        raise ParameterError("backtest needs at least one model")
    for name in models:
        model_spec(name)  # unknown names are refused here
    horizons = sorted({int(h) for h in horizons})
    if not horizons or horizons[0] < 1:
        raise ParameterError(f"horizons must be whole numbers >= 1, not {horizons!r}")
    if min_train < 2:
        raise ParameterError(f"min_train must be at least 2, not {min_train}")
    levels = _check_levels(levels)
    cal, ords = _calendar(list(wide.columns))
    order = np.argsort(ords)
    wide = wide.iloc[:, order]
    full = _prepare(wide, "last_run")  # validates and fills missing columns
    ordinal0 = full.last_ordinal - full.Y.shape[1] + 1
    X = _numeric(wide)
    cols = np.asarray(ords)[order]
    frames = []
    H = max(horizons)
    for o in range(ordinal0 + min_train - 1, full.last_ordinal):
        train = wide.loc[:, [c for c, oo in zip(wide.columns, cols, strict=True) if oo <= o]]
        prep = _prepare(train, gaps)
        lag = cal.m if cal.m > 1 else 1
        scale = _naive_scale(prep, lag)
        actual = np.full((len(prep.codes), H), np.nan)
        for h in range(1, H + 1):
            hit = np.flatnonzero(cols == o + h)
            if hit.size:
                actual[:, h - 1] = X[:, hit[0]]
        for name in models:
            mean, sd, fits, _ = _raw_forecast(prep, H, name, None, nonnegative)
            fits &= prep.length >= min_train
            mean[~fits], sd[~fits] = np.nan, np.nan
            status, _ = _status_notes(prep, fits, name)
            part = _assemble(
                prep, H, mean, sd, [name] * len(fits), status, [""] * len(fits), levels, nonnegative
            )
            part["actual"] = actual.ravel()
            part["scale"] = np.repeat(scale, H)
            part["origin"] = cal.label(o)
            frames.append(part)
    if not frames:
        raise ParameterError(
            f"{full.Y.shape[1]} period(s) is too few to backtest with min_train={min_train}"
        )
    bt = pd.concat(frames, ignore_index=True)
    bt = bt[bt["horizon"].isin(horizons) & bt["actual"].notna()]
    cols_out = ["council_code", "origin", "horizon", "period", "model", "mean"]
    cols_out += [c for lv in levels for c in (f"lo{_level_name(lv)}", f"hi{_level_name(lv)}")]
    cols_out += ["sd", "actual", "scale", "status"]
    return bt[cols_out].reset_index(drop=True)


def _levels_in(frame: pd.DataFrame) -> list[str]:
    return [c[2:] for c in frame.columns if c.startswith("lo") and f"hi{c[2:]}" in frame.columns]


def _common(bt: pd.DataFrame) -> pd.DataFrame:
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
    df = _common(backtest_df) if common else backtest_df[np.isfinite(backtest_df["mean"])]
    err = df["mean"] - df["actual"]
    work = pd.DataFrame({k: df[k] for k in by})
    work["n"] = 1
    work["abs"] = err.abs()
    work["bias"] = err
    with np.errstate(divide="ignore", invalid="ignore"):
        work["q"] = np.where(df["scale"] > 0, err.abs() / df["scale"], np.nan)
        work["ape"] = np.where(df["actual"] != 0, 100 * err.abs() / df["actual"].abs(), np.nan)
    for lv in _levels_in(df):
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
    for lv in _levels_in(df):
        out[f"coverage{lv}"] = g[f"coverage{lv}"].mean()
    return out.reset_index()


@dataclass
class Selection:
    """Model chosen by backtest: one ``default`` for the measure and one per council."""

    default: str
    per_series: dict[str, str]
    scores: pd.DataFrame  # MASE by model and horizon over all councils
    basis: dict[str, str] = field(default_factory=dict)  # council -> "series" | "measure"

    def model_for(self, code: str) -> str:
        return self.per_series.get(code, self.default)


def _origin_mae(backtest_df: pd.DataFrame) -> pd.DataFrame:
    """MAE by (origin ordinal, horizon) and model over rows every model forecast."""
    df = _common(backtest_df)
    if df.empty:
        return pd.DataFrame()
    work = pd.DataFrame(
        {
            "o": _label_ordinals(df["origin"]),
            "horizon": df["horizon"].astype(int).to_numpy(),
            "model": df["model"].to_numpy(),
            "abs": (df["mean"] - df["actual"]).abs().to_numpy(),
        }
    )
    return work.groupby(["o", "horizon", "model"])["abs"].mean().unstack("model")


def recent_ratios(
    backtest_df: pd.DataFrame, *, recent: int = RECENT_ORIGINS, baseline: str = "naive"
) -> pd.DataFrame:
    """Each model's MAE over ``baseline``'s at the ``recent`` latest origins of each horizon
    (rows: origin ordinal and horizon; columns: models), on the rows every model forecast."""
    mae = _origin_mae(backtest_df)
    if mae.empty or baseline not in mae.columns:
        return pd.DataFrame()
    keep = [
        (o, h)
        for h in sorted(mae.index.get_level_values("horizon").unique())
        for o in sorted(mae.xs(h, level="horizon").index)[-recent:]
    ]
    return mae.loc[keep].div(mae.loc[keep, baseline], axis=0)


def select_model(
    backtest_df: pd.DataFrame,
    selection: str = "measure",
    *,
    min_records: int = 3,
    rule: str = "mean_mase",
    recent: int = RECENT_ORIGINS,
    baseline: str = "naive",
) -> Selection:
    """Choose a model by backtest (never by in-sample fit).

    ``rule="mean_mase"``: the lowest mean MASE over horizons. ``selection="measure"``: one
    model for every council; ``"series"``: each council's own best model when it has at least
    ``min_records`` backtest forecasts per model, else the measure's choice.

    ``rule="recent_worst"`` (one model for the measure): for each model, the ratio of its MAE
    to ``baseline``'s at each of the ``recent`` latest origins of each horizon; its score is
    the worst (largest) of these ratios. The model with the lowest score is chosen if that
    score is below 1, that is if it beat ``baseline`` at every recent origin and horizon;
    otherwise ``baseline`` is chosen. ``scores`` then holds the ratios and the scores.
    """
    if selection not in {"measure", "series"}:
        raise ParameterError(f"selection={selection!r}; expected 'measure' or 'series'")
    if rule not in {"mean_mase", "recent_worst"}:
        raise ParameterError(f"rule={rule!r}; expected 'mean_mase' or 'recent_worst'")
    codes = backtest_df["council_code"].unique().tolist()
    if rule == "recent_worst":
        ratios = recent_ratios(backtest_df, recent=recent, baseline=baseline)
        if ratios.empty:
            raise ParameterError(
                f"the backtest has no forecast every model and {baseline} made; cannot select"
            )
        worst = ratios.max(axis=0)
        default = str(worst.idxmin()) if worst.min() < 1 else baseline
        scores = pd.concat([ratios, worst.to_frame("worst").T])
        return Selection(
            default=default,
            per_series=dict.fromkeys(codes, default),
            scores=scores,
            basis=dict.fromkeys(codes, "measure"),
        )
    acc = accuracy(backtest_df)
    if acc.empty or acc["MASE"].isna().all():
        raise ParameterError("the backtest has no forecast every model made; cannot select")
    scores = acc.pivot(index="model", columns="horizon", values="MASE")
    default = str(scores.mean(axis=1).idxmin())
    per_series: dict[str, str] = {}
    basis: dict[str, str] = {}
    if selection == "series":
        per = accuracy(backtest_df, by=("council_code", "model", "horizon"))
        agg = per.groupby(["council_code", "model"]).agg(n=("n", "sum"), q=("MASE", "mean"))
        enough = agg.groupby(level=0)["n"].min() >= min_records
        scored = agg.dropna(subset=["q"])
        best = scored.loc[scored.groupby(level=0)["q"].idxmin()].index
        own = {c: str(mdl) for c, mdl in best if enough.get(c, False)}
        for code in codes:
            per_series[code] = own.get(code, default)
            basis[code] = "series" if code in own else "measure"
    else:
        per_series = dict.fromkeys(codes, default)
        basis = dict.fromkeys(codes, "measure")
    return Selection(default=default, per_series=per_series, scores=scores, basis=basis)


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
        levels = [float(x.replace("_", ".")) for x in _levels_in(backtest_df)]
    levels = _check_levels(levels)
    df = backtest_df[np.isfinite(backtest_df["mean"]) & (backtest_df["sd"] > 0)]
    if recent is not None and len(df):
        o = pd.Series(_label_ordinals(df["origin"]), index=df.index)
        keep = pd.Series(False, index=df.index)
        for _, g in o.groupby(df["horizon"]):
            keep[g.index] = g >= sorted(g.unique())[-recent:][0]
        df = df[keep]
    rows = []
    for (model, h), g in df.groupby(["model", "horizon"], sort=True):
        err = (g["actual"] - g["mean"]).abs().to_numpy()
        for lv in levels:
            name = _level_name(lv)
            if f"lo{name}" in g:
                cov = float(
                    ((g[f"lo{name}"] <= g["actual"]) & (g["actual"] <= g[f"hi{name}"])).mean()
                )
            else:
                cov = np.nan
            k = _conformal_quantile(err / (_z(lv) * g["sd"].to_numpy()), lv)
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
    levels = [float(x.replace("_", ".")) for x in _levels_in(fc)]
    touched = np.zeros(len(out), bool)
    keys = pd.MultiIndex.from_arrays([out["model"], out["horizon"].astype(int)])
    for lv in levels:
        name = _level_name(lv)
        table = {key: _factor_lookup(factors, key[0], key[1], lv) for key in keys.unique()}
        k = np.array([table[key] for key in keys], dtype=float)
        half = k * _z(lv) * out["sd"].to_numpy(dtype=float)
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


# --------------------------------------------------------------------------------------
# automatic forecasts
# --------------------------------------------------------------------------------------


@dataclass
class AutoForecast:
    """Result of :func:`auto_forecast`: forecasts and the evidence behind them."""

    forecasts: pd.DataFrame
    backtest: pd.DataFrame | None
    accuracy: pd.DataFrame | None
    selection: Selection | None
    calibration: pd.DataFrame | None


def auto_forecast(
    wide: pd.DataFrame | pd.Series,
    horizon: int,
    *,
    candidates: Sequence[str] | None = None,
    selection: str = "measure",
    calibrate: bool = True,
    backtest_horizons: Sequence[int] | None = None,
    min_train: int = 5,
    levels: Sequence[float] = (80, 95),
    nonnegative: bool = True,
    gaps: str = "last_run",
    min_points: int | None = None,
    fallback: str = "naive",
    rule: str | None = None,
    recent: int = RECENT_ORIGINS,
) -> AutoForecast:
    """Backtest the candidates, choose one, forecast, calibrate the intervals on backtest errors.

    Annual data with the default candidates: ``ANNUAL_CANDIDATES`` (no change, methods that
    carry no trend, and their blends with no change), chosen by ``rule="recent_worst"`` (a
    method must have beaten no change at each of the ``recent`` latest origins of every
    backtested horizon, else no change is used; :func:`select_model`), and intervals scaled
    both ways so that they would have held 80% (95%) of the outcomes at those origins.
    Otherwise (or with ``rule="mean_mase"``): ``DEFAULT_CANDIDATES`` (plus seasonal naive for
    monthly or quarterly data), the lowest mean MASE, and intervals only ever widened.

    Councils whose history is too short for the chosen model get ``fallback`` (naive) and
    a note saying so. With too little history to backtest at all, ``fallback`` is used for
    everyone, stated in the note.
    """
    wide = _as_wide(wide)
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ParameterError(f"horizon must be a whole number of periods >= 1, not {horizon!r}")
    levels = _check_levels(levels)
    prep = _prepare(wide, gaps)
    seasonal = prep.cal.m > 1
    if rule is None:
        rule = "recent_worst" if candidates is None and not seasonal else "mean_mase"
    if candidates is None:
        if rule == "recent_worst":
            candidates = ANNUAL_CANDIDATES
        else:
            candidates = DEFAULT_CANDIDATES + (("seasonal_naive",) if seasonal else ())
    candidates = list(dict.fromkeys([*candidates]))
    if fallback not in candidates:
        candidates.append(fallback)
    bh = list(backtest_horizons or range(1, min(int(horizon), 2) + 1))
    try:
        bt = backtest(wide, candidates, bh, min_train, levels, nonnegative=nonnegative, gaps=gaps)
        sel = select_model(bt, selection, rule=rule, recent=recent, baseline=fallback)
    except ParameterError:
        bt, sel = None, None
    n = len(prep.codes)
    chosen = [sel.model_for(c) if sel else fallback for c in prep.codes]
    mean = np.full((n, horizon), np.nan)
    sd = np.full((n, horizon), np.nan)
    fits = np.zeros(n, bool)
    used = list(chosen)
    notes = list(prep.notes)
    for name in dict.fromkeys(chosen):
        rows = np.array([c == name for c in chosen])
        mu, s, ok, logged = _raw_forecast(prep, int(horizon), name, min_points, nonnegative)
        take = rows & ok
        mean[take], sd[take], fits[take] = mu[take], s[take], True
        for i, why in logged.items():
            if take[i]:
                notes[i] = "; ".join(x for x in (why, notes[i]) if x)
    short = ~fits & (prep.length > 0)
    if short.any():
        mu, s, ok, _ = _raw_forecast(prep, int(horizon), fallback, min_points, nonnegative)
        for i in np.flatnonzero(short & ok):
            mean[i], sd[i], fits[i] = mu[i], s[i], True
            why = f"{prep.length[i]} point(s) too few for {chosen[i]}; {fallback} used"
            notes[i] = "; ".join(x for x in (why, notes[i]) if x)
            used[i] = fallback
    status = []
    for i in range(n):
        if prep.length[i] == 0:
            status.append(STATUS_NO_DATA)
        elif fits[i]:
            status.append(STATUS_OK)
        else:
            status.append(STATUS_TOO_SHORT)
            notes[i] = "; ".join(x for x in (f"{prep.length[i]} point(s)", notes[i]) if x)
    if sel is None:
        notes = [
            (
                "; ".join(
                    x for x in ("too little history to backtest; " + fallback + " used", nt) if x
                )
            )
            for nt in notes
        ]
    else:
        for i, code in enumerate(prep.codes):
            how = "per council" if sel.basis.get(code) == "series" else "for the measure"
            why = f"chosen by backtest {how}"
            if rule == "recent_worst" and sel.default == fallback:
                why = (
                    f"{fallback} chosen: no other method beat it at each of the last "
                    f"{recent} backtest origins"
                )
            elif rule == "recent_worst":
                why += f" (beat {fallback} at each of the last {recent} origins)"
            notes[i] = "; ".join(x for x in (why, notes[i]) if x)
    fc = _assemble(prep, int(horizon), mean, sd, used, status, notes, levels, nonnegative)
    factors = None
    if calibrate and bt is not None:
        if rule == "recent_worst":
            factors = calibration_factors(bt, levels, recent=recent, two_sided=True)
        else:
            factors = calibration_factors(bt, levels)
        fc = apply_calibration(fc, factors, nonnegative=nonnegative)
    acc = accuracy(bt) if bt is not None else None
    return AutoForecast(forecasts=fc, backtest=bt, accuracy=acc, selection=sel, calibration=factors)


def nested_evaluation(
    backtest_df: pd.DataFrame,
    selection: str = "measure",
    *,
    min_past_origins: int = 2,
    baseline: str = "naive",
    rule: str = "mean_mase",
    recent: int = RECENT_ORIGINS,
) -> pd.DataFrame:
    """Honest accuracy of 'select by backtest, then calibrate': no peeking at outcomes.

    For each origin, the model is chosen and the calibration factors are worked out from
    backtest rows whose outcome period was already known at that origin (at least
    ``min_past_origins`` earlier one-step origins). Returns backtest-like rows for three
    pseudo-models on the same keys: ``baseline`` (naive), ``selected`` (the chosen model's
    own intervals) and ``selected_calibrated``; pass them to :func:`accuracy`. Column
    ``chosen`` names the model used. ``rule`` and ``recent`` are :func:`select_model`'s; with
    ``"recent_worst"`` the calibration uses the ``recent`` latest known origins, both ways.
    """
    bt = backtest_df.copy()
    bt["_o"] = _label_ordinals(bt["origin"]) if len(bt) else []
    bt["_t"] = bt["_o"] + bt["horizon"]
    levels = [float(x.replace("_", ".")) for x in _levels_in(bt)]
    origins = sorted(bt["_o"].unique())
    frames = []
    for o in origins:
        past = bt[bt["_t"] <= o]
        if past[past["horizon"] == 1]["_o"].nunique() < min_past_origins:
            continue
        try:
            sel = select_model(
                past.drop(columns=["_o", "_t"]),
                selection,
                rule=rule,
                recent=recent,
                baseline=baseline,
            )
        except ParameterError:
            continue
        now = _common(bt[bt["_o"] == o])
        if now.empty:
            continue
        chosen = now["council_code"].map(sel.model_for)
        picked = now[now["model"] == chosen.where(chosen.notna(), sel.default)].copy()
        picked["chosen"] = picked["model"]
        if rule == "recent_worst":
            factors = calibration_factors(
                past.drop(columns=["_o", "_t"]), levels, recent=recent, two_sided=True
            )
        else:
            factors = calibration_factors(past.drop(columns=["_o", "_t"]), levels)
        cal = apply_calibration(picked, factors)
        picked["model"] = "selected"
        cal["chosen"] = picked["chosen"]
        cal["model"] = "selected_calibrated"
        base = now[now["model"] == baseline].copy()
        base["chosen"] = baseline
        frames += [base, picked, cal]
    if not frames:
        raise ParameterError("not enough backtest origins for a nested evaluation")
    out = pd.concat(frames, ignore_index=True).drop(columns=["_o", "_t"])
    return out
