"""Forecasts for councils' time series: one named model, or chosen and calibrated by backtest.

Input is a *wide* frame (:func:`cscanalysis.forecasting.series.to_wide` builds one from the
tidy long table). :func:`forecast` runs one model of
:data:`~cscanalysis.forecasting.models.MODELS` with its own intervals; :func:`auto_forecast`
chains the backtest (:mod:`~cscanalysis.forecasting.evaluation`), the choice of model
(:mod:`~cscanalysis.forecasting.selection`) and the calibration of intervals
(:mod:`~cscanalysis.forecasting.calibration`); :func:`nested_evaluation` measures that whole
procedure honestly (each choice made with outcomes known at the time only).

Annual frames by default use ``ANNUAL_CANDIDATES`` (no change, a pooled regression without
drift, its blends; plus ``COMPANION_CANDIDATES`` when starts and ceasing are given as
``companions``) and the ``"recent_worst"`` rule (see
:func:`~cscanalysis.forecasting.selection.select_model`).

Every series is cut to its *last contiguous run* of published values (or, with
``gaps="interpolate"``, interior gaps are filled linearly); if the last period is missing the
forecast steps further ahead. Series shorter than a model's minimum give rows with status
``"too short to forecast"``. Counts (``nonnegative=True``) have intervals clipped at zero;
a positive series whose forecast would reach zero is refitted on logarithms, with a note.

Speed: ``model="auto"`` (backtest of the candidates, selection, calibration, forecast) takes
about a second for every council of a measure (``benchmarks/bench_forecast.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting.calibration import apply_calibration, calibration_factors
from cscanalysis.forecasting.evaluation import (
    accuracy,
    backtest,
    common_rows,
    levels_in,
    typical_change,
)
from cscanalysis.forecasting.fitting import (
    STATUS_NO_DATA,
    STATUS_OK,
    STATUS_TOO_SHORT,
    assemble,
    check_levels,
    raw_forecast,
    status_notes,
)
from cscanalysis.forecasting.models import (
    ANNUAL_CANDIDATES,
    COMPANION_CANDIDATES,
    DEFAULT_CANDIDATES,
    model_spec,
)
from cscanalysis.forecasting.selection import RECENT_ORIGINS, Selection, select_model
from cscanalysis.forecasting.series import align_companions, as_wide, prepare
from cscanalysis.forecasting.timeline import label_ordinals

__all__ = ["AutoForecast", "auto_forecast", "forecast", "nested_evaluation"]


def forecast(
    wide: pd.DataFrame | pd.Series,
    horizon: int,
    model: str = "auto",
    levels: Sequence[float] = (80, 95),
    *,
    nonnegative: bool = True,
    gaps: str = "last_run",
    min_points: int | None = None,
    companions: Mapping[str, pd.DataFrame] | None = None,
    **auto_options: object,
) -> pd.DataFrame:
    """Forecast every row of ``wide`` ``horizon`` periods past its last column.

    Returns one row per council and future period with columns ``council_code, period,
    horizon, model, mean, lo80, hi80, lo95, hi95, sd, status, calibrated, note`` (one
    ``lo``/``hi`` pair per level). ``model="auto"`` chooses and calibrates by backtest (see
    :func:`auto_forecast`, which also takes ``auto_options``); a model name uses that model's
    own intervals. ``companions``: other series of the same councils for a model that needs
    them (``balance_pooled``: ``{"inflow": starts, "outflow": ceased}``, wide frames).
    """
    if model == "auto":
        return auto_forecast(
            wide,
            horizon,
            levels=levels,
            nonnegative=nonnegative,
            gaps=gaps,
            min_points=min_points,
            companions=companions,
            **auto_options,  # type: ignore[arg-type]
        ).forecasts
    if auto_options:
        raise ParameterError(f"options {sorted(auto_options)} only apply to model='auto'")
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ParameterError(f"horizon must be a whole number of periods >= 1, not {horizon!r}")
    levels = check_levels(levels)
    wide = as_wide(wide)
    prep = prepare(wide, gaps)
    extra = align_companions(wide, prep, companions)
    mean, sd, fits, logged = raw_forecast(prep, int(horizon), model, min_points, nonnegative, extra)
    status, notes = status_notes(prep, fits, model)
    for i, why in logged.items():
        notes[i] = "; ".join(x for x in (why, notes[i]) if x)
    return assemble(
        prep, int(horizon), mean, sd, [model] * len(fits), status, notes, levels, nonnegative
    )


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
    companions: Mapping[str, pd.DataFrame] | None = None,
) -> AutoForecast:
    """Backtest the candidates, choose one, forecast, calibrate the intervals on backtest errors.

    Annual data with the default candidates: ``ANNUAL_CANDIDATES`` (no change, methods that
    carry no trend, and their blends with no change), chosen by ``rule="recent_worst"`` (a
    method must have beaten no change at each of the ``recent`` latest origins of every
    backtested horizon, else no change is used; :func:`select_model`), and intervals of the
    forecast plus or minus a multiple of the council's median absolute change over its last
    four years (:func:`typical_change`), the multiple being the 80% (95%) quantile of the
    chosen model's backtest errors over that same measure of spread, pooled over councils and
    known origins per horizon (longer horizons: times sqrt(h / 2)).
    Otherwise (or with ``rule="mean_mase"``): ``DEFAULT_CANDIDATES`` (plus seasonal naive for
    monthly or quarterly data), the lowest mean MASE, and intervals only ever widened.

    ``companions``: other series of the same councils (wide frames) for the candidates that
    need them; with ``{"inflow": starts, "outflow": ceased}`` the annual candidates include
    ``COMPANION_CANDIDATES`` (growth on the balance of starts and ceasing).

    Councils whose history is too short for the chosen model get ``fallback`` (naive) and
    a note saying so. With too little history to backtest at all, ``fallback`` is used for
    everyone, stated in the note.
    """
    wide = as_wide(wide)
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ParameterError(f"horizon must be a whole number of periods >= 1, not {horizon!r}")
    levels = check_levels(levels)
    prep = prepare(wide, gaps)
    extra = align_companions(wide, prep, companions)
    seasonal = prep.cal.m > 1
    if rule is None:
        rule = "recent_worst" if candidates is None and not seasonal else "mean_mase"
    if candidates is None:
        if rule == "recent_worst":
            candidates = ANNUAL_CANDIDATES
            if companions and all(
                set(model_spec(c).needs) <= set(companions) for c in COMPANION_CANDIDATES
            ):
                candidates = ANNUAL_CANDIDATES + COMPANION_CANDIDATES
        else:
            candidates = DEFAULT_CANDIDATES + (("seasonal_naive",) if seasonal else ())
    candidates = list(dict.fromkeys([*candidates]))
    if fallback not in candidates:
        candidates.append(fallback)
    bh = list(backtest_horizons or range(1, min(int(horizon), 2) + 1))
    try:
        bt = backtest(
            wide,
            candidates,
            bh,
            min_train,
            levels,
            nonnegative=nonnegative,
            gaps=gaps,
            companions=companions,
        )
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
        mu, s, ok, logged = raw_forecast(prep, int(horizon), name, min_points, nonnegative, extra)
        take = rows & ok
        mean[take], sd[take], fits[take] = mu[take], s[take], True
        for i, why in logged.items():
            if take[i]:
                notes[i] = "; ".join(x for x in (why, notes[i]) if x)
    short = ~fits & (prep.length > 0)
    if short.any():
        mu, s, ok, _ = raw_forecast(prep, int(horizon), fallback, min_points, nonnegative, extra)
        for i in np.flatnonzero(short & ok).tolist():
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
        others = [c for c in candidates if c != fallback]
        shortest = min((model_spec(c).minimum(prep.cal.m, min_points) for c in others), default=0)
        for i, code in enumerate(prep.codes):
            how = "per council" if sel.basis.get(code) == "series" else "for the measure"
            why = f"chosen by backtest {how}"
            if rule == "recent_worst" and sel.default == fallback:
                why = (
                    f"{fallback} chosen: no other method beat it at each of the last "
                    f"{recent} backtest origins"
                )
                if 0 < prep.length[i] < shortest:
                    why += f"; {prep.length[i]} point(s) too few for the other methods anyway"
            elif rule == "recent_worst":
                why += f" (beat {fallback} at each of the last {recent} origins)"
            notes[i] = "; ".join(x for x in (why, notes[i]) if x)
    fc = assemble(prep, int(horizon), mean, sd, used, status, notes, levels, nonnegative)
    factors = None
    if calibrate and bt is not None:
        factors = _factors(bt, levels, rule)
        lag = prep.cal.m if seasonal else 1
        spread = np.repeat(typical_change(prep, lag), int(horizon))
        fc = apply_calibration(fc, factors, nonnegative=nonnegative, scale=spread)
    acc = accuracy(bt) if bt is not None else None
    return AutoForecast(forecasts=fc, backtest=bt, accuracy=acc, selection=sel, calibration=factors)


def _factors(bt: pd.DataFrame, levels: Sequence[float], rule: str) -> pd.DataFrame:
    """Calibration for a rule: ``"recent_worst"`` takes quantiles of every known origin's
    errors over each council's typical recent change (``basis="spread"``); ``"mean_mase"``
    only ever widens the model's own intervals."""
    if rule == "recent_worst":
        return calibration_factors(bt, levels, basis="spread")
    return calibration_factors(bt, levels)


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
    ``"recent_worst"`` the intervals are calibrated as in :func:`auto_forecast`, on the
    errors known at the origin.
    """
    bt = backtest_df.copy()
    bt["_o"] = label_ordinals(bt["origin"]) if len(bt) else []
    bt["_t"] = bt["_o"] + bt["horizon"]
    levels = [float(x.replace("_", ".")) for x in levels_in(bt)]
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
        now = common_rows(bt[bt["_o"] == o])
        if now.empty:
            continue
        chosen = now["council_code"].map(sel.model_for)
        picked = now[now["model"] == chosen.where(chosen.notna(), sel.default)].copy()
        picked["chosen"] = picked["model"]
        factors = _factors(past.drop(columns=["_o", "_t"]), levels, rule)
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
