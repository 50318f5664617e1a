"""Monthly forecasts for the front-door pack: the candidate models, rolling-origin backtests,
the model chosen on them and its prediction intervals (:class:`MonthlyForecast`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting import forecast
from cscanalysis.forecasting.calibration import apply_calibration, calibration_factors
from cscanalysis.forecasting.evaluation import accuracy, backtest
from cscanalysis.forecasting.models import DEFAULT_CANDIDATES, MODELS
from cscanalysis.forecasting.series import to_wide
from cscanalysis.packs.frontdoor.context import (
    FORECAST_MEASURES,
    LEVELS,
    MIN_SEASONAL_TESTS,
    SEASON,
    FrontDoorContext,
)

__all__ = [
    "BASE_CANDIDATES",
    "MAX_SEASONAL_ETS_TESTS",
    "MIN_CALIBRATION_TESTS",
    "MIN_TRAIN",
    "MonthlyForecast",
    "accuracy_row",
    "choose_model",
    "forecast_measure",
    "forecasts",
    "model_name",
    "seasonal_candidates",
]


@dataclass
class MonthlyForecast:
    """A measure's forecast with the evidence behind it.

    ``backtest`` and ``accuracy`` are :func:`cscanalysis.forecasting.evaluation.backtest`
    and :func:`cscanalysis.forecasting.evaluation.accuracy` over every candidate (None when the
    months are too few to test); ``model`` is the candidate with the smallest mean absolute
    error over the tested horizons (``naive`` when untested) and ``table`` its forecast,
    intervals widened by :func:`cscanalysis.forecasting.calibration.calibration_factors` where
    past intervals missed too often.
    """

    measure: str
    history: pd.Series  # month -> value (NaN where missing), the extract's months
    candidates: list[str]
    months_used: int  # length of the last unbroken run of months
    model: str  # the model that made the forecast ("" when none could)
    table: pd.DataFrame
    backtest: pd.DataFrame | None = None
    accuracy: pd.DataFrame | None = None

    @property
    def tested(self) -> bool:
        return self.accuracy is not None and not self.accuracy.empty


def _run_length(values: np.ndarray) -> int:
    """Length of the last unbroken run of values (trailing blanks skipped)."""
    finite = np.isfinite(values)
    if not finite.any():
        return 0
    end = int(np.flatnonzero(finite)[-1])
    start = end
    while start > 0 and finite[start - 1]:
        start -= 1
    return end - start + 1


def seasonal_candidates(months_used: int) -> list[str]:
    """Seasonal models with enough months to be fitted and tested at least
    ``MIN_SEASONAL_TESTS`` times: seasonal naive from 16 months, seasonal ETS from 29."""
    out = []
    for name in ("seasonal_naive", "seasonal_ets"):
        if months_used >= MODELS[name].minimum(SEASON) + MIN_SEASONAL_TESTS:
            out.append(name)
    return out


MIN_TRAIN = 5  # months a model is fitted on before its first test


MIN_CALIBRATION_TESTS = 10  # tests at a horizon before intervals are widened from them


MAX_SEASONAL_ETS_TESTS = 12  # origins tested when seasonal ETS (one statsmodels fit each) is in


# The forecast module's non-seasonal candidates without the pooled variants, which for a single
# series give the same forecasts as their unpooled twins.
BASE_CANDIDATES = tuple(m for m in DEFAULT_CANDIDATES if not m.endswith("_pooled"))


def choose_model(accuracy: pd.DataFrame) -> str:
    """The model with the smallest mean absolute error averaged over the tested horizons.

    One series in one unit, so the error in that unit ranks the models; MASE is not used
    because its seasonal scale needs 13 months before the first test.
    """
    scores = accuracy.groupby("model")["MAE"].mean().dropna()
    if scores.empty:
        raise ParameterError("no model could be tested")
    return str(scores.idxmin())


def forecast_measure(ctx: FrontDoorContext, measure: str) -> MonthlyForecast | None:
    """Test the candidate models on the measure's past months (rolling origin), pick the most
    accurate, forecast ``ctx.horizon`` months with 80% and 95% intervals and widen the
    intervals where past ones missed too often (see :mod:`cscanalysis.forecasting.calibration`)."""
    if measure not in ctx.measures:
        return None
    wide = to_wide(ctx.monthly, measure)
    history = wide.iloc[0]
    used = _run_length(history.to_numpy(dtype=float))
    candidates = [*BASE_CANDIDATES, *seasonal_candidates(used)]
    horizons = sorted({1, min(3, ctx.horizon)})
    bt = acc = None
    min_train = MIN_TRAIN
    if "seasonal_ets" in candidates:  # about a second a fit: test on the latest months only
        min_train = max(MIN_TRAIN, wide.shape[1] - MAX_SEASONAL_ETS_TESTS)
    if used > MIN_TRAIN:
        try:
            bt = backtest(wide, candidates, horizons, min_train, LEVELS)
            acc = accuracy(bt)
        except ParameterError:
            bt = acc = None
    model = choose_model(acc) if acc is not None and not acc.empty else "naive"
    table = forecast.forecast(wide, ctx.horizon, model=model, levels=LEVELS)
    if model != "naive" and not np.isfinite(table["mean"]).any():
        model = "naive"
        table = forecast.forecast(wide, ctx.horizon, model=model, levels=LEVELS)
    if bt is not None:
        factors = calibration_factors(bt, LEVELS)
        factors = factors[factors["n"] >= MIN_CALIBRATION_TESTS]
        table = apply_calibration(table, factors)
    if not np.isfinite(table["mean"]).any():
        model = ""
    return MonthlyForecast(measure, history, candidates, used, model, table, bt, acc)


def model_name(model: str) -> str:
    names = {
        "naive": "same as the last month (naive)",
        "drift": "straight-line trend (drift)",
        "drift_pooled": "straight-line trend (drift)",
        "ses": "exponential smoothing (level only)",
        "ses_pooled": "exponential smoothing (level only)",
        "damped": "damped trend (Holt)",
        "damped_pooled": "damped trend (Holt)",
        "seasonal_naive": "same month last year (seasonal naive)",
        "seasonal_ets": "exponential smoothing with a seasonal pattern (seasonal ETS)",
        "ets": "exponential smoothing (ETS)",
        "arima": "ARIMA",
    }
    return names.get(model, model)


def accuracy_row(fc: MonthlyForecast, model: str, horizon: int) -> pd.Series | None:
    acc = fc.accuracy
    if acc is None or acc.empty:
        return None
    hit = acc[(acc["model"] == model) & (acc["horizon"] == horizon)]
    return None if hit.empty else hit.iloc[0]


def forecasts(ctx: FrontDoorContext) -> list[MonthlyForecast]:
    return [f for f in (forecast_measure(ctx, m) for m in FORECAST_MEASURES) if f is not None]
