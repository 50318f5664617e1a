"""Forecasts and intervals of suppressed series are hidden."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cscanalysis.analysis.disclosure_forecasts import (
    find_suppressed_series,
    suppress_series_forecast,
)
from cscanalysis.core.errors import DataError, ParameterError

# --------------------------------------------------------------------------- forecasts


def forecast_table() -> pd.DataFrame:
    """Shaped like cscanalysis.forecasting.forecast.forecast() output (two councils, two
    horizons)."""
    return pd.DataFrame(
        {
            "council_code": ["E06000017", "E06000017", "E06000023", "E06000023"],
            "period": ["2024", "2025", "2024", "2025"],
            "horizon": [1, 2, 1, 2],
            "model": ["naive"] * 4,
            "mean": [5.0, 5.0, 210.0, 215.0],
            "lo80": [1.0, 0.0, 190.0, 185.0],
            "hi80": [9.0, 11.0, 230.0, 245.0],
            "sd": [3.0, 4.0, 15.0, 20.0],
            "status": ["ok"] * 4,
        }
    )


def history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "council_code": ["E06000017", "E06000017", "E06000023", "E06000023"],
            "council_name": ["Rutland", "Rutland", "Bristol, City of", "Bristol, City of"],
            "period": ["2022", "2023", "2022", "2023"],
            "measure": ["cla_starts"] * 4,
            "value": [np.nan, 7.0, 251.0, 220.0],
            "flag": ["c", "", "", ""],
            "source": ["test"] * 4,
        }
    )


def test_forecasts_and_intervals_of_a_suppressed_series_are_hidden():
    out = suppress_series_forecast(forecast_table(), history())  # keys: council_code only
    rutland = out[out["council_code"] == "E06000017"]
    assert rutland[["mean", "lo80", "hi80", "sd"]].isna().all().all()
    assert rutland["flag"].tolist() == ["c", "c"]
    assert rutland["horizon"].tolist() == [1, 2] and rutland["status"].tolist() == ["ok", "ok"]
    bristol = out[out["council_code"] == "E06000023"]
    assert bristol["mean"].tolist() == [210.0, 215.0] and bristol["flag"].tolist() == ["", ""]


def test_series_suppressed_only_in_the_past_is_kept_with_how_last():
    assert find_suppressed_series(history()) == {("E06000017", "cla_starts")}
    assert find_suppressed_series(history(), how="last") == set()
    out = suppress_series_forecast(forecast_table(), history(), how="last")
    assert out["mean"].notna().all()


def test_forecast_keys_can_be_given_as_tuples_and_bad_ones_are_errors():
    frame = forecast_table().assign(measure="cla_starts")
    out = suppress_series_forecast(frame, [("E06000023", "cla_starts")])
    assert out["mean"].isna().tolist() == [False, False, True, True]
    with pytest.raises(ParameterError):
        suppress_series_forecast(frame, [("E06000023",)])
    with pytest.raises(DataError):
        suppress_series_forecast(forecast_table(), ["x"], keys=["council_code", "measure"])
    several = pd.concat([history(), history().assign(measure="cla_ceased")])
    with pytest.raises(ParameterError):
        suppress_series_forecast(forecast_table(), several)
    out = suppress_series_forecast(forecast_table(), several, measure="cla_ceased")
    assert out["mean"].isna().tolist() == [True, True, False, False]
