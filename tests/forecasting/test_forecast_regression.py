"""Tests for the pooled regressions without a constant (cscanalysis.forecasting.regression) and
the companion series they take (starts and ceasing), with answers worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting.calibration import apply_calibration, calibration_factors
from cscanalysis.forecasting.evaluation import backtest
from cscanalysis.forecasting.forecast import auto_forecast, forecast
from cscanalysis.forecasting.models import COMPANION_CANDIDATES
from cscanalysis.forecasting.series import align_companions, prepare

YEARS = list(range(2018, 2024))  # six years, 2018 to 2023


def _frame(rows: dict[str, list[float]], years: list[int] = YEARS) -> pd.DataFrame:
    out = pd.DataFrame.from_dict(rows, orient="index", columns=years).astype(float)
    out.index.name = "council_code"
    return out


def _balanced_panel():
    """Five councils whose count grows each year by exactly the square root of the year's
    ratio of starts to ceasing, the ratio being the same every year:
    A starts 40, ceases 10 (ratio 4): doubles, 1, 2, ..., 32;
    B starts 10, ceases 40 (1/4): halves, 1024, ..., 32;
    C and E starts = ceases: flat at 100 and 50;
    D starts 160, ceases 10 (16): times 4, 1, 4, ..., 1024."""
    stock = _frame(
        {
            "A": [1, 2, 4, 8, 16, 32],
            "B": [1024, 512, 256, 128, 64, 32],
            "C": [100] * 6,
            "D": [1, 4, 16, 64, 256, 1024],
            "E": [50] * 6,
        }
    )
    starts = _frame({"A": [40] * 6, "B": [10] * 6, "C": [20] * 6, "D": [160] * 6, "E": [7] * 6})
    ceased = _frame({"A": [10] * 6, "B": [40] * 6, "C": [20] * 6, "D": [10] * 6, "E": [7] * 6})
    return stock, {"inflow": starts, "outflow": ceased}


def test_balance_recovers_the_square_root_rule_by_hand():
    # log(y_{t+1} / y_t) = 0.5 log(starts_t / ceased_t) holds exactly in every council and
    # year, so the pooled least squares without a constant finds c_1 = 0.5 (25 pairs), and two
    # years on c_2 = 1 (the ratio is the same every year; 20 pairs). Forecasts:
    # A 32 * sqrt(4) = 64 then 32 * 4 = 128; B 32 / 2 = 16 then 8; D 1024 * 4 = 4096 then
    # 1024 * 16 = 16384; C and E no change.
    stock, comp = _balanced_panel()
    fc = forecast(stock, 2, "balance_pooled", companions=comp).set_index(
        ["council_code", "horizon"]
    )["mean"]
    expected = {"A": (64, 128), "B": (16, 8), "C": (100, 100), "D": (4096, 16384), "E": (50, 50)}
    for code, (one, two) in expected.items():
        assert fc[(code, 1)] == pytest.approx(one, rel=1e-9)
        assert fc[(code, 2)] == pytest.approx(two, rel=1e-9)


def test_balance_blend_and_flows_on_the_same_panel():
    # Half way from no change: A (32 + 64) / 2 = 48. flows_pooled adds last growth and the
    # distance from the three-year mean; the balance alone fits exactly, but the three
    # features are collinear here (growth = 0.5 log ratio), so only the fitted values are
    # pinned down: still 64 for A one year on.
    stock, comp = _balanced_panel()
    half = forecast(stock, 1, "balance_pooled@0.5", companions=comp).set_index("council_code")
    assert half.loc["A", "mean"] == pytest.approx(48)
    flows = forecast(stock, 1, "flows_pooled", companions=comp).set_index("council_code")
    assert flows.loc["A", "mean"] == pytest.approx(64, rel=1e-6)
    assert flows.loc["C", "mean"] == pytest.approx(100)


def test_momentum_continues_a_constant_growth_rate_by_hand():
    # Every council grows at its own constant rate r (2, 1/2, 1, 4, 1.5) for seven years:
    # next year's log growth equals last year's exactly, so the pooled fit (no constant) is
    # a = 1, b = 0 one year on and a = 2, b = 0 two years on (15 pairs each, from the three
    # latest years with an outcome): forecasts y_T * r and y_T * r^2.
    rates = {"A": 2.0, "B": 0.5, "C": 1.0, "D": 4.0, "E": 1.5}
    rows = {c: [64.0 * r**k for k in range(7)] for c, r in rates.items()}
    fc = forecast(_frame(rows, list(range(2017, 2024))), 2, "momentum_recent")
    got = fc.set_index(["council_code", "horizon"])["mean"]
    for code, r in rates.items():
        assert got[(code, 1)] == pytest.approx(64 * r**7, rel=1e-9)
        assert got[(code, 2)] == pytest.approx(64 * r**8, rel=1e-9)


def test_momentum_with_too_few_pairs_is_no_change():
    # Two councils of seven points: 2 x 3 = 6 pairs one year on (< 10): no change.
    rows = {"A": [10.0, 12, 15, 19, 24, 30, 37], "B": [50.0, 48, 47, 45, 44, 40, 41]}
    fc = forecast(_frame(rows, list(range(2017, 2024))), 2, "momentum_recent")
    assert fc["mean"].tolist() == [37.0, 37.0, 41.0, 41.0]


def test_companions_are_aligned_with_each_series_last_value():
    # F's last value is 2022 (2023 not published): its row is shifted one column right, so
    # the aligned companion's last column holds F's 2022 starts (25), not 2023's (99).
    stock = _frame({"A": [1, 2, 3, 4, 5, 6], "F": [7, 8, 9, 10, 11, np.nan]})
    starts = _frame({"A": [1, 1, 1, 1, 1, 2], "F": [20, 21, 22, 23, 25, 99]})
    prep = prepare(stock, "last_run")
    aligned = align_companions(stock, prep, {"inflow": starts})["inflow"]
    assert aligned[0, -1] == 2
    assert aligned[1, -1] == 25
    assert np.isnan(aligned[1, 0])  # shifted in from before 2018
    # A council missing from the companion gets NaN
    only_a = align_companions(stock, prep, {"inflow": starts.loc[["A"]]})["inflow"]
    assert np.isnan(only_a[1]).all()


def test_a_companion_model_without_companions_is_refused():
    stock, _ = _balanced_panel()
    with pytest.raises(ParameterError, match="companion"):
        forecast(stock, 1, "balance_pooled")


def test_auto_forecast_backtests_the_companion_candidates_only_when_given():
    stock, comp = _balanced_panel()
    with_comp = auto_forecast(stock, 2, companions=comp)
    assert set(COMPANION_CANDIDATES) <= set(with_comp.backtest["model"])
    without = auto_forecast(stock, 2)
    assert not set(COMPANION_CANDIDATES) & set(without.backtest["model"])


def test_backtest_spread_is_the_median_absolute_change_of_the_last_four_years():
    # Origin 2022 (five points 10, 20, 11, 15, 14): changes 10, -9, 4, -1; scale (all) =
    # 24 / 4 = 6; spread (median of the last four, 1 4 9 10) = (4 + 9) / 2 = 6.5.
    # Origin 2023 (six points, the last 16): changes 10, -9, 4, -1, 2; the last four sorted
    # 1 2 4 9: spread (2 + 4) / 2 = 3.
    w = _frame({"A": [10, 20, 11, 15, 14, 16, 13]}, years=list(range(2018, 2025)))
    bt = backtest(w, ["naive"], horizons=(1,), min_train=5).set_index("origin")
    assert bt.loc["2022", "scale"] == pytest.approx(6)
    assert bt.loc["2022", "spread"] == pytest.approx(6.5)
    assert bt.loc["2023", "spread"] == pytest.approx(3)


def test_spread_calibration_by_hand():
    # Four past errors over their spreads: 0.5, 1, 1.5, 2. The 80% factor is the
    # ceil(5 * 0.8) = 4th smallest, 2; the 50% factor the ceil(2.5) = 3rd, 1.5. A forecast of
    # 100 with spread 10: 80% interval 80 to 120, 50% 85 to 115; two years on (only one
    # backtested) the factor grows by sqrt(2): 80% half-width 20 * 1.414 = 28.28.
    bt = pd.DataFrame(
        {
            "council_code": ["A", "B", "C", "D"],
            "origin": "2020",
            "horizon": 1,
            "model": "m",
            "mean": 100.0,
            "sd": 1.0,
            "actual": [105.0, 90, 115, 80],
            "scale": 1.0,
            "spread": [10.0, 10, 10, 10],
        }
    )
    fac = calibration_factors(bt, levels=[50, 80], basis="spread").set_index("level")
    assert fac.loc[80, "factor"] == pytest.approx(2.0)
    assert fac.loc[50, "factor"] == pytest.approx(1.5)
    fc = pd.DataFrame(
        {
            "council_code": ["A", "A"],
            "horizon": [1, 2],
            "model": "m",
            "mean": [100.0, 100.0],
            "lo50": 99.0,
            "hi50": 101.0,
            "lo80": 98.0,
            "hi80": 102.0,
            "sd": 1.0,
            "calibrated": False,
        }
    )
    out = apply_calibration(fc, fac.reset_index(), scale=np.array([10.0, 10.0]))
    assert out.loc[0, ["lo80", "hi80", "lo50", "hi50"]].tolist() == pytest.approx(
        [80, 120, 85, 115]
    )
    assert out.loc[1, "hi80"] == pytest.approx(100 + 20 * 2**0.5)
    assert out["calibrated"].all()
