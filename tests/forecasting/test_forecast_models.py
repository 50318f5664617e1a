"""Tests for cscanalysis.forecasting.models: forecasts and intervals worked out by hand, and
properties every model must keep."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting.forecast import forecast
from cscanalysis.forecasting.models import ANNUAL_CANDIDATES, model_spec

Z80 = 1.2815515655446004  # standard normal quantile at 0.90
Z95 = 1.959963984540054  # at 0.975


def test_constant_series_gives_flat_forecast_and_zero_width_intervals(wide):
    w = wide({"A": [40.0] * 6})
    for model in ("naive", "drift", "drift_pooled", "ses", "damped", "damped_pooled"):
        fc = forecast(w, 3, model)
        assert fc["mean"].tolist() == pytest.approx([40.0] * 3), model
        assert (fc["hi95"] - fc["lo95"]).max() == pytest.approx(0.0, abs=1e-9), model
        assert fc["period"].tolist() == ["2021", "2022", "2023"]
        assert set(fc["status"]) == {"ok"}


def test_straight_line_is_reproduced_exactly_by_drift(wide):
    # 10, 12, ..., 20 over 2015-2020: drift = (20 - 10) / 5 = 2, so 22, 24, 26.
    w = wide({"A": [10.0, 12, 14, 16, 18, 20]})
    fc = forecast(w, 3, "drift")
    assert fc["mean"].tolist() == pytest.approx([22.0, 24.0, 26.0])
    assert fc["sd"].tolist() == pytest.approx([0.0, 0.0, 0.0])


def test_naive_intervals_by_hand(wide):
    # 10, 12, 11, 13, 12: one-step changes 2, -1, 2, -1; sigma^2 = (4+1+4+1)/4 = 2.5.
    # h=1: 12 +- 1.2816 * 1.5811 = 12 +- 2.0263; h=2: sd = 1.5811 * sqrt(2) = 2.2361,
    # hi95 = 12 + 1.96 * 2.2361 = 16.3827.
    fc = forecast(wide({"A": [10.0, 12, 11, 13, 12]}), 2, "naive")
    assert fc["mean"].tolist() == [12.0, 12.0]
    assert fc["sd"].tolist() == pytest.approx([math.sqrt(2.5), math.sqrt(5.0)])
    assert fc.loc[0, "hi80"] == pytest.approx(12 + Z80 * math.sqrt(2.5))
    assert fc.loc[1, "hi95"] == pytest.approx(12 + Z95 * math.sqrt(5.0))


def test_drift_intervals_by_hand(wide):
    # 10, 12, 11, 13, 14: drift b = (14 - 10) / 4 = 1; residuals 1, -2, 1, 0, SSE = 6,
    # sigma^2 = 6 / (5 - 2) = 2; sd_1 = sqrt(2 * 1 * (1 + 1/4)) = 1.5811; mean 15, 16.
    fc = forecast(wide({"A": [10.0, 12, 11, 13, 14]}), 2, "drift")
    assert fc["mean"].tolist() == pytest.approx([15.0, 16.0])
    assert fc.loc[0, "sd"] == pytest.approx(math.sqrt(2.5))
    assert fc.loc[1, "sd"] == pytest.approx(math.sqrt(2 * 2 * (1 + 2 / 4)))


def test_three_points_too_short_for_trend_models_but_not_naive(wide):
    w = wide({"A": [np.nan, np.nan, 5.0, 6.0, 7.0], "B": [1.0, 2, 3, 4, 5]})
    for model in ("drift", "drift_pooled", "ses", "damped", "damped_pooled", "ets", "arima"):
        fc = forecast(w, 2, model)
        a = fc[fc["council_code"] == "A"]
        assert set(a["status"]) == {"too short to forecast"}, model
        assert a["mean"].isna().all()
        assert "3 point(s)" in a["note"].iloc[0]
        assert set(fc[fc["council_code"] == "B"]["status"]) == {"ok"}
    assert set(forecast(w, 2, "naive")["status"]) == {"ok"}
    # the minimum is configurable
    assert set(forecast(w, 2, "drift", min_points=3)["status"]) == {"ok"}


def test_counts_never_go_below_zero(wide):
    # 50, 30, 15, 6, 2: drift (2 - 50) / 4 = -12 gives -10 on the straight line. A positive
    # count is never forecast at 0 without a reason (issue 16): the drift is fitted to the
    # logarithms instead, (log 2 - log 50) / 4, so 2 * (2/50)^(1/4) = 2 * 0.44721 = 0.89443,
    # and the note says why. (Before issue 16 the line was clipped to 0.)
    w = wide({"A": [50.0, 30, 15, 6, 2]})
    for model in ("naive", "drift", "damped", "ses", "ets", "arima"):
        fc = forecast(w, 3, model)
        cols = ["mean", "lo80", "hi80", "lo95", "hi95"]
        assert (fc[cols].to_numpy() >= 0).all(), model
        assert (fc["mean"] > 0).all(), model
    fc = forecast(w, 1, "drift")
    assert fc["mean"].iloc[0] == pytest.approx(2 * 0.04**0.25)
    assert "falls to 0 or below by 2020" in fc["note"].iloc[0]
    assert "logarithms" in fc["note"].iloc[0]
    assert forecast(w, 1, "drift", nonnegative=False)["mean"].iloc[0] == pytest.approx(-10.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=5, max_size=12))
def test_property_nonnegative_and_ordered_intervals(wide, values):
    fc = forecast(wide({"A": values}), 3, "drift")
    assert (fc[["mean", "lo80", "hi80", "lo95", "hi95"]].to_numpy() >= 0).all()
    assert (fc["lo95"] <= fc["lo80"] + 1e-9).all() and (fc["hi80"] <= fc["hi95"] + 1e-9).all()


def test_vectorised_models_match_one_series_at_a_time(wide):
    rng = np.random.default_rng(1)
    rows = {f"C{i}": list(100 + np.cumsum(rng.normal(2, 5, 10))) for i in range(6)}
    rows["C0"][:3] = [np.nan] * 3
    w = wide(rows)
    for model in ("naive", "drift", "ses", "damped"):
        together = forecast(w, 2, model).set_index(["council_code", "period"])
        for code in w.index:
            alone = forecast(w.loc[[code]], 2, model).set_index(["council_code", "period"])
            np.testing.assert_allclose(alone["mean"], together.loc[alone.index, "mean"])
            np.testing.assert_allclose(alone["sd"], together.loc[alone.index, "sd"])


def test_damped_trend_lies_between_naive_and_drift_on_a_line(wide):
    w = wide({"A": [10.0, 12, 14, 16, 18, 20]})
    fc = forecast(w, 3, "damped")["mean"].to_numpy()
    assert (fc > 20).all() and (fc <= np.array([22, 24, 26]) + 1e-9).all()
    assert np.all(np.diff(np.diff(np.r_[20, fc])) <= 1e-9)  # steps shrink: damping


def test_pooled_drift_shrinks_toward_the_median_growth(wide):
    # Eight noisy series growing ~2% a year and one growing 10%: pooling pulls the
    # outlier's drift toward the others, never past the median.
    rng = np.random.default_rng(0)
    rows = {f"C{i}": list(200 * 1.02 ** np.arange(8) + rng.normal(0, 6, 8)) for i in range(8)}
    rows["X"] = list(200 * 1.10 ** np.arange(8) + rng.normal(0, 6, 8))
    w = wide(rows)
    raw = forecast(w, 1, "drift").set_index("council_code")["mean"]
    pooled = forecast(w, 1, "drift_pooled").set_index("council_code")["mean"]
    last = w.iloc[:, -1]
    assert (pooled["X"] - last["X"]) < (raw["X"] - last["X"])


def test_monthly_series_from_the_seed_and_seasonal_naive():
    # Bristol referrals Aug-16 to Jul-17 (seed 000, Table 1); naive repeats Jul-17 = 523.
    referrals = [349, 446, 381, 452, 343, 397, 360, 760, 395, 558, 603, 523]
    months = [f"{2016 + (7 + i) // 12}-{(7 + i) % 12 + 1:02d}" for i in range(12)]
    w = pd.DataFrame(
        [referrals], index=pd.Index(["E06000023"], name="council_code"), columns=months, dtype=float
    )
    fc = forecast(w, 2, "naive")
    assert fc["period"].tolist() == ["2017-08", "2017-09"]
    assert fc["mean"].tolist() == [523.0, 523.0]
    # Seasonal naive needs more than a year: synthetic two-year pattern (invented data).
    pattern = [10.0, 20, 30, 40] * 3
    s = pd.Series(
        pattern + [11.0, 21, 31, 41] * 3,
        index=pd.period_range("2020-01", periods=24, freq="M"),
        name="X",
    )
    fc = forecast(s, 13, "seasonal_naive")
    assert fc["period"].iloc[0] == "2022-01"
    assert fc["mean"].tolist()[:4] == [11.0, 21.0, 31.0, 41.0]
    assert fc["mean"].iloc[12] == 11.0  # 13 months ahead = same month, one more season
    assert set(forecast(s.iloc[:12], 2, "seasonal_naive")["status"]) == {"too short to forecast"}


def test_seasonal_model_on_annual_data_is_refused(wide):
    with pytest.raises(ParameterError, match="monthly or quarterly"):
        forecast(wide({"A": [1.0, 2, 3, 4, 5]}), 1, "seasonal_naive")


def _geometric_rows(a: float, b: float, n_rows: int = 6, years: int = 9) -> dict:
    """Series that follow log(y_{t+1}/y_t) = a*g_t + b*d_t exactly, from varied starts."""
    rows = {}
    for i in range(n_rows):
        y = [100.0 + 10 * i, 104.0 + 3 * i * (-1) ** i, 97.0 + 5 * i, 110.0 - 2 * i, 101.0 + i]
        while len(y) < years:
            g = math.log(y[-1] / y[-2])
            d = math.log(y[-1] / (sum(y[-5:]) / 5))
            y.append(y[-1] * math.exp(a * g + b * d))
        rows[f"C{i}"] = y
    return rows


def test_reversion_recovers_known_coefficients_and_forecasts_by_hand(wide):
    # Data made by hand from a = 0.3, b = -0.2 with no noise: the pooled least squares (no
    # constant) finds them exactly, and the forecast is y_T * exp(0.3 g_T - 0.2 d_T).
    rows = _geometric_rows(0.3, -0.2)
    fc = forecast(wide(rows), 2, "reversion_pooled").set_index(["council_code", "horizon"])
    for code, y in rows.items():
        g = math.log(y[-1] / y[-2])
        d = math.log(y[-1] / (sum(y[-5:]) / 5))
        one = y[-1] * math.exp(0.3 * g - 0.2 * d)
        assert fc.loc[(code, 1), "mean"] == pytest.approx(one, rel=1e-9)
        y2 = [*y, one]
        g2, d2 = math.log(one / y[-1]), math.log(one / (sum(y2[-5:]) / 5))
        assert fc.loc[(code, 2), "mean"] == pytest.approx(one * math.exp(0.3 * g2 - 0.2 * d2))


def test_reversion_with_too_few_windows_is_no_change(wide):
    # One row of 6 points has one complete window (< 10): coefficients 0, forecast = last.
    fc = forecast(wide({"A": [10.0, 12, 15, 19, 24, 30]}), 2, "reversion_pooled")
    assert fc["mean"].tolist() == [30.0, 30.0]


def test_blend_is_part_way_from_no_change_by_hand(wide):
    # 10, 12, ..., 20: naive 20, drift 22 and 24; a quarter of the way: 20.5 and 21.
    w = wide({"A": [10.0, 12, 14, 16, 18, 20]})
    fc = forecast(w, 2, "drift@0.25")
    assert fc["mean"].tolist() == pytest.approx([20.5, 21.0])
    assert model_spec("drift@0.25").description.startswith("25% of the way from no change")
    with pytest.raises(ParameterError, match="unknown model"):
        forecast(w, 1, "drift@1.5")
    with pytest.raises(ParameterError, match="unknown model"):
        forecast(w, 1, "ets@0.5")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(1, 5000, allow_nan=False), min_size=6, max_size=10),
    st.floats(0.3, 0.95),
)
def test_property_positive_series_get_positive_forecasts(wide, values, shrink):
    # A falling tail (each value a share of the one before) tempts trend models below 0.
    tail = [values[-1] * shrink**k for k in range(1, 4)]
    rows = {"A": values + tail, "B": list(reversed(values)) + tail}
    w = wide({k: v[-9:] for k, v in rows.items()})
    for model in (*ANNUAL_CANDIDATES, "drift", "drift_pooled", "damped", "damped_pooled"):
        fc = forecast(w, 3, model)
        assert (fc["mean"] > 0).all(), model
    assert (forecast(w, 3)["mean"] > 0).all()
