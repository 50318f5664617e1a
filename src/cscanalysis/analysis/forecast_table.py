"""Forecasts of one measure for every council, as the ``cscanalysis forecast`` table."""

from __future__ import annotations

import pandas as pd

from cscanalysis.analysis.disclosure import suppress_tidy
from cscanalysis.core.councils import CouncilRegister
from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting import forecast as F
from cscanalysis.forecasting.series import flow_companions, to_wide
from cscanalysis.store.tidy import reporting_years


def forecast_table(
    tidy: pd.DataFrame,
    register: CouncilRegister,
    measure: str,
    until: int,
    horizon: int,
    *,
    audience: str = "publication",
) -> pd.DataFrame:
    """One row per council and future period: model, mean, 80% and 95% intervals, status.

    Uses data up to and including reporting year ``until`` for the councils that existed then.
    The model is chosen by rolling-origin backtest across councils and the intervals are
    calibrated on it (:func:`cscanalysis.forecasting.forecast.auto_forecast`). For publication,
    councils whose series holds a suppressed figure get no numbers and the status ``suppressed``.
    """
    years = reporting_years(tidy, measure)
    if not years:
        raise ParameterError(f"no reporting-year figures for {measure!r}")
    if until not in years:
        raise ParameterError(
            f"--until {until} is outside the data: {measure} is published "
            f"for {years[0]} to {years[-1]}"
        )
    if audience == "publication":
        tidy = suppress_tidy(tidy)
    councils = [c.code for c in register.councils(until)]
    wide = to_wide(tidy, measure, until=until)
    wide = wide[wide.index.isin(councils)]
    companions = flow_companions(tidy, measure, until, councils)
    table = F.auto_forecast(wide, horizon, companions=companions).forecasts.copy()
    table.insert(2, "measure", measure)
    table["period"] = table["period"].astype(str)
    if audience == "publication":
        rows = tidy[
            (tidy["measure"] == measure)
            & (tidy["flag"] == "c")
            & tidy["period"].str.fullmatch(r"\d{4}")
        ]
        hidden = set(rows.loc[rows["period"].astype(int) <= until, "council_code"])
        mask = table["council_code"].isin(hidden)
        table.loc[mask, ["mean", "lo80", "hi80", "lo95", "hi95"]] = float("nan")
        table.loc[mask, "status"] = "suppressed"
        table.loc[mask, "note"] = "the published series includes suppressed figures"
    numbers = ["mean", "lo80", "hi80", "lo95", "hi95"]
    table[numbers] = table[numbers].round(1)
    return table.sort_values(["council_code", "period"], ignore_index=True)
