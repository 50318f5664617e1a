"""The pack's Outlook: a forecast with honest intervals, its track record, a target, what-ifs.

Pure functions. The forecast comes from :func:`cscanalysis.forecasting.forecast.auto_forecast` run
over every council existing in the pack's year (pooled models and the model choice need them all);
the council's own backtest gives the plain-English track record.

That run is the same for every council's pack of a year, so it is kept in a
:class:`~cscanalysis.store.derived.DerivedCache` (memory and ``data/cache/derived``), keyed by the
content of the series and the code: computed once per data version, not once per pack or per
process (:func:`all_councils_forecast`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscanalysis.analysis import scenarios
from cscanalysis.analysis.benchmark import council_rows
from cscanalysis.core.councils import CouncilRegister
from cscanalysis.core.formatting import fmt_number
from cscanalysis.forecasting import forecast as F
from cscanalysis.forecasting.evaluation import accuracy
from cscanalysis.forecasting.models import model_spec
from cscanalysis.forecasting.series import flow_companions, to_wide
from cscanalysis.store.derived import DerivedCache, array_key, default_cache

HORIZON = 3


@dataclass
class Outlook:
    """A council's forecast of one measure and the evidence behind it."""

    measure: str
    history: pd.Series  # int year -> published value (NaN where not published)
    forecast: pd.DataFrame  # this council's rows of auto_forecast, period as str year
    model: str
    model_description: str
    status: str  # "ok", "too short to forecast", "no data", "suppressed"
    note: str
    calibrated: bool
    backtest_mape: float  # this council, chosen model, one year ahead (%)
    backtest_n: int
    coverage80: float  # all councils, chosen model, one year ahead, before calibration
    target: pd.Series | None = None
    gap: pd.DataFrame | None = None
    what_ifs: pd.DataFrame | None = None
    flows: dict[str, float] | None = None  # year, stock, starts, ceased: the what-ifs' base


def _yearly(tidy: pd.DataFrame, code: str, measure: str) -> pd.DataFrame:
    """The council's rows of the measure for single years (``2023``), indexed by the year."""
    rows = council_rows(tidy, measure, code)
    rows = rows[rows.index.str.fullmatch(r"\d{4}")]
    return rows.set_axis(rows.index.astype(int))


def council_series(tidy: pd.DataFrame, code: str, measure: str, until: int) -> pd.Series:
    rows = _yearly(tidy, code, measure)
    series = pd.Series(rows["value"].to_numpy(dtype=float), index=rows.index)
    return series[series.index <= until].sort_index()


def is_suppressed(tidy: pd.DataFrame, code: str, measure: str, until: int) -> bool:
    """True when any published year of the series is suppressed (``c``): no forecast shown."""
    rows = _yearly(tidy, code, measure)
    return bool(((rows["flag"] == "c") & (rows.index <= until)).any())


def all_councils_forecast(
    wide: pd.DataFrame,
    horizon: int,
    *,
    companions: dict[str, pd.DataFrame] | None = None,
    cache: DerivedCache | None = None,
) -> F.AutoForecast:
    """``auto_forecast(wide, horizon)``, kept in ``cache`` (default: the process's
    :func:`~cscanalysis.store.derived.default_cache`) under the councils, years and values of
    ``wide``, the horizon and the code, so a changed table is recomputed and an unchanged one is
    read (370 ms to compute, a few ms to read). The result is shared: callers only read it
    (``build_outlook`` copies the rows it keeps). ``companions``: the starts and ceased that
    the flow-balance models read (:func:`cscanalysis.forecasting.series.flow_companions`),
    part of the key too.
    """
    cache = cache or default_cache()
    extra = tuple(array_key(frame) for _, frame in sorted((companions or {}).items()))
    return cache.get(
        "forecast",
        (array_key(wide), *extra, horizon),
        lambda: F.auto_forecast(wide, horizon, companions=companions),
        "pickle",
        F.AutoForecast,
    )


def build_outlook(
    tidy: pd.DataFrame,
    register: CouncilRegister,
    code: str,
    period: str,
    *,
    measure: str = "cla_31_march",
    horizon: int = HORIZON,
    target_value: float | None = None,
    target_year: int | None = None,
    extra_exits: float = 10,
    teenage_change: float = -0.2,
) -> Outlook:
    """Forecast ``measure`` for the council from data up to ``period``, with a target path and
    two what-ifs: ``extra_exits`` more children leaving care a year, and starts aged 10 and over
    changing by ``teenage_change``."""
    year = int(period)
    history = council_series(tidy, code, measure, year)
    if is_suppressed(tidy, code, measure, year):
        return Outlook(
            measure,
            history,
            pd.DataFrame(),
            "",
            "",
            "suppressed",
            "the series includes suppressed figures, so no forecast is shown",
            False,
            np.nan,
            0,
            np.nan,
        )
    councils = [c.code for c in register.councils(year)]
    wide = to_wide(tidy, measure, until=year)
    wide = wide[wide.index.isin(councils)]
    companions = flow_companions(tidy, measure, year, councils)
    auto = all_councils_forecast(wide, horizon, companions=companions)
    rows = auto.forecasts[auto.forecasts["council_code"] == code].copy()
    rows["period"] = rows["period"].astype(str)
    model = str(rows["model"].iloc[0]) if len(rows) else ""
    status = str(rows["status"].iloc[0]) if len(rows) else "no data"
    mape, n, coverage = np.nan, 0, np.nan
    if auto.backtest is not None and model:
        bt = auto.backtest[(auto.backtest["model"] == model) & (auto.backtest["horizon"] == 1)]
        own = bt[bt["council_code"] == code]
        acc = accuracy(own, by=("model",), common=False) if len(own) else pd.DataFrame()
        if len(acc):
            mape, n = float(acc["MAPE"].iloc[0]), int(acc["n"].iloc[0])
        every = accuracy(bt, by=("model",), common=False) if len(bt) else pd.DataFrame()
        if len(every):
            coverage = float(every["coverage80"].iloc[0])
    outlook = Outlook(
        measure,
        history,
        rows,
        model,
        model_spec(model).description if model else "",
        status,
        str(rows["note"].iloc[0]) if len(rows) and "note" in rows else "",
        bool(rows["calibrated"].any()) if "calibrated" in rows else False,
        mape,
        n,
        coverage,
    )
    last = history.dropna()
    if status == "ok" and target_value is not None and target_year is not None and len(last):
        outlook.target = scenarios.glide_path(
            int(last.index[-1]), float(last.iloc[-1]), int(target_year), float(target_value)
        )
        outlook.gap = scenarios.gap(outlook.target, rows, level=80)
    if measure == "cla_31_march" and len(last):
        outlook.what_ifs = what_ifs(tidy, code, year, horizon, extra_exits, teenage_change)
        outlook.flows = latest_flows(tidy, code, year)
    return outlook


def latest_flows(tidy: pd.DataFrame, code: str, year: int) -> dict[str, float] | None:
    """The year's stock at 31 March, starts and children ceasing, as the what-ifs hold them."""
    got = {
        key: council_series(tidy, code, measure, year)
        for key, measure in (
            ("stock", "cla_31_march"),
            ("starts", "cla_starts"),
            ("ceased", "cla_ceased"),
        )
    }
    if not all(year in s.index and np.isfinite(s[year]) for s in got.values()):
        return None
    return {"year": float(year), **{k: float(s[year]) for k, s in got.items()}}


def what_ifs(
    tidy: pd.DataFrame,
    code: str,
    year: int,
    horizon: int,
    extra_exits: float,
    teenage_change: float,
) -> pd.DataFrame | None:
    """Stock-and-flow what-ifs from the latest published stock, starts and ceasing held flat."""
    stock = council_series(tidy, code, "cla_31_march", year)
    starts = council_series(tidy, code, "cla_starts", year)
    ceased = council_series(tidy, code, "cla_ceased", year)
    bands = {
        band: council_series(tidy, code, f"cla_starts_age_{band}", year)
        for band in ("under_1", "1_to_4", "5_to_9", "10_to_15", "16_plus")
    }
    teen = bands["10_to_15"] + bands["16_plus"]
    all_ages = sum(bands.values())  # the breakdown's own total, from the same release
    if not all(year in s.index and np.isfinite(s[year]) for s in (stock, starts, ceased)):
        return None
    future = pd.Index([year + h for h in range(1, horizon + 1)], name="period")
    flat_starts = pd.Series(starts[year], index=future)
    flat_ceased = pd.Series(ceased[year], index=future)
    share_by_year = (teen / all_ages).dropna()
    share = float(share_by_year.iloc[-1]) if len(share_by_year) else np.nan
    rows = []
    exits = scenarios.what_if(stock[year], flat_starts, flat_ceased, extra_exits=extra_exits)
    rows.append(
        {
            "what_if": f"{extra_exits:g} more children leave care each year",
            "assumption": "e.g. more special guardianship orders",
            **_ends(exits),
        }
    )
    if np.isfinite(share):
        teens = scenarios.what_if(
            stock[year], flat_starts, flat_ceased, starts_change=teenage_change, share=share
        )
        rows.append(
            {
                "what_if": f"Entrants aged 10 and over {'fall' if teenage_change < 0 else 'rise'}"
                f" by {abs(teenage_change) * 100:g}%",
                "assumption": f"{share * 100:.0f}% of entrants were aged 10 and over in "
                f"{share_by_year.index[-1]}",
                **_ends(teens),
            }
        )
    return pd.DataFrame(rows)


def _ends(frame: pd.DataFrame) -> dict[str, float]:
    last = frame.iloc[-1]
    return {
        "year": int(frame.index[-1]),
        "baseline": float(last["baseline"]),
        "scenario": float(last["scenario"]),
        "difference": float(last["difference"]),
    }


def track_record(outlook: Outlook) -> str:
    """The backtest in one plain sentence."""
    if not np.isfinite(outlook.backtest_mape) or outlook.backtest_n == 0:
        return "There is too little history to test this method on past years."
    years = "1 past year" if outlook.backtest_n == 1 else f"{outlook.backtest_n} past years"
    return (
        f"Tested on {years}, this method's one-year-ahead forecast was within "
        f"{outlook.backtest_mape:.0f}% of the published figure on average."
    )


# --------------------------------------------------------------------------------------
# words: the forecast and the flows-held projection are two different things, named apart
# --------------------------------------------------------------------------------------


def flows_held_name(year: int) -> str:
    """The what-ifs' starting line: not a forecast."""
    return f"if starts and ceasing stay at their {year} level"


def forecast_sentence(outlook: Outlook, place: str) -> str:
    """The forecast's end point and 80% interval, named as the forecast."""
    end = outlook.forecast.iloc[-1]
    return (
        f"Forecast: {place} would look after about {fmt_number(end['mean'], dp=0)} children "
        f"at 31 March {end['period']}; the 80% interval runs from "
        f"{fmt_number(end['lo80'], dp=0)} to {fmt_number(end['hi80'], dp=0)}."
    )


# Forecasting methods in plain words for council-facing pages (the code names stay in the data)
PLAIN_METHODS = {
    "naive": "the latest published figure carried forward",
    "drift": "the straight-line trend from the first to the latest published year",
    "drift_pooled": "the council's straight-line trend, pulled toward the typical trend of "
    "all councils",
    "ses": "a weighted average of past years, recent years counting most",
    "ses_pooled": "a weighted average of past years, recent years counting most, weighted "
    "alike for all councils",
    "reversion_pooled": "last year's change carried on in part and pulled back toward the "
    "council's five-year average, the same pull for all councils and no trend",
    "momentum_recent": "last year's change carried on in part and pulled back toward the "
    "council's three-year average, set alike for all councils from the latest three years, "
    "and no trend",
    "balance_pooled": "a change in line with this year's balance of children starting and "
    "leaving care, as that balance moved numbers in all councils over the latest five years, "
    "and no trend",
    "flows_pooled": "last year's change, the pull back toward the council's three-year average "
    "and this year's balance of children starting and leaving care, weighted alike for all "
    "councils from the latest five years, and no trend",
    "damped": "a trend that levels off over time",
    "damped_pooled": "a trend that levels off over time, set alike for all councils",
    "ets": "an exponential smoothing model chosen by how well it fits past years",
    "arima": "a time-series (ARIMA) model chosen by how well it fits past years",
}
_SHARES = {0.25: "a quarter of the way", 0.5: "halfway", 0.75: "three quarters of the way"}


def plain_method(model: str) -> str:
    """A method in words: ``ses_pooled@0.25`` is a quarter of the way from no change to it."""
    base, _, weight = model.partition("@")
    words = PLAIN_METHODS.get(base, base)
    if not weight:
        return words
    share = _SHARES.get(float(weight), f"{float(weight):.0%} of the way")
    return f"{share} from the latest figure to {words}"


def method_sentence(outlook: Outlook) -> str:
    """How the forecast's method was chosen, in plain words."""
    if outlook.model == "naive":
        return (
            "Method: no change (the latest published figure carried forward). Tested on every "
            "council's past years, no other method forecast each of the last three years "
            "tested better, so none is used."
        )
    return (
        f"Method: {plain_method(outlook.model)}, used because, across all councils, it "
        "forecast each of the last three years tested better than carrying the latest figure "
        "forward."
    )


def flows_sentence(outlook: Outlook, place: str) -> str | None:
    """The what-ifs' 'no change in flows' line, told apart from the forecast and reconciled."""
    f = outlook.flows
    if f is None or outlook.forecast.empty:
        return None
    year, net = int(f["year"]), f["starts"] - f["ceased"]
    end = outlook.forecast.iloc[-1]
    steps = int(end["period"]) - year
    held = f["stock"] + steps * net
    change = "no change" if net == 0 else f"{'+' if net > 0 else '−'}{fmt_number(abs(net), dp=0)}"
    return (
        f"The what-ifs start from a different line: {flows_held_name(year)} "
        f"({fmt_number(f['starts'], dp=0)} started and {fmt_number(f['ceased'], dp=0)} ceased "
        f"in {year}, {change} a year), {place} would look after "
        f"{fmt_number(held, dp=0)} children at 31 March {end['period']}, against the "
        f"forecast's {fmt_number(end['mean'], dp=0)}. That line is an assumption, not a "
        "forecast: tested on every council since 2011, holding starts and ceasing flat was "
        "further from the published number than no change in every year tested."
    )
