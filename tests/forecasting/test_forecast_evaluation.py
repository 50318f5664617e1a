"""Tests for cscanalysis.forecasting.evaluation: backtests and accuracy worked out by hand and
on the published CLA figures."""

from __future__ import annotations

import pandas as pd
import pytest

from cscanalysis.forecasting.evaluation import accuracy, backtest
from cscanalysis.forecasting.series import to_wide


def test_mase_by_hand_on_a_tiny_backtest(wide):
    # Series 10, 12, 11, 13, 12, 15 (2015-2020), min_train 4, naive:
    # origin 2018: train 10,12,11,13, scale = (2+1+2)/3 = 5/3; forecast 13;
    #   h1 actual 12 -> |e| = 1, q = 0.6; h2 actual 12 (2020 is 15): see below.
    # origin 2019: train 10,12,11,13,12, scale = (2+1+2+1)/4 = 1.5; forecast 12;
    #   h1 actual 15 -> |e| = 3, q = 2.0.
    # origin 2018 h2: actual 2020 = 15 -> |e| = 2, q = 2 / (5/3) = 1.2.
    # MASE h1 = (0.6 + 2.0) / 2 = 1.3; MAE h1 = (1 + 3) / 2 = 2; MASE h2 = 1.2.
    bt = backtest(wide({"A": [10.0, 12, 11, 13, 12, 15]}), ["naive"], (1, 2), min_train=4)
    assert sorted(bt["origin"].unique()) == ["2018", "2019"]
    acc = accuracy(bt).set_index("horizon")
    assert acc.loc[1, "MASE"] == pytest.approx(1.3)
    assert acc.loc[1, "MAE"] == pytest.approx(2.0)
    assert acc.loc[2, "MASE"] == pytest.approx(1.2)
    assert acc.loc[1, "n"] == 2 and acc.loc[2, "n"] == 1


def test_coverage_on_a_hand_made_backtest():
    # 4 outcomes: 3 inside the 80% interval, all 4 inside the 95% interval.
    bt = pd.DataFrame(
        {
            "council_code": ["A", "B", "C", "D"],
            "origin": "2020",
            "horizon": 1,
            "period": "2021",
            "model": "m",
            "mean": [10.0, 10, 10, 10],
            "lo80": [8.0, 8, 8, 8],
            "hi80": [12.0, 12, 12, 12],
            "lo95": [5.0, 5, 5, 5],
            "hi95": [15.0, 15, 15, 15],
            "sd": 1.0,
            "actual": [9.0, 12.0, 7.0, 11.0],
            "scale": [1.0, 2.0, 1.0, 0.0],
        }
    )
    acc = accuracy(bt).iloc[0]
    assert acc["coverage80"] == 0.75 and acc["coverage95"] == 1.0
    # MASE skips the zero scale: (1/1 + 2/2 + 3/1) / 3 = 5/3
    assert acc["MASE"] == pytest.approx(5 / 3)
    # MAPE: (1/9 + 2/12 + 3/7 + 1/11) / 4 * 100
    assert acc["MAPE"] == pytest.approx(100 * (1 / 9 + 2 / 12 + 3 / 7 + 1 / 11) / 4)


def test_all_councils_backtest_runs(cla_tidy):
    w = to_wide(cla_tidy, "cla_31_march")
    bt = backtest(w, ["naive", "drift"], horizons=(1,), min_train=4)
    assert set(bt["origin"]) == {"2022"}  # 4 training years, one origin
    acc = accuracy(bt)
    assert (acc["n"] > 140).all()


def test_backtest_includes_the_2023_and_2024_origins_naive_mae_by_hand(cla_tidy_to_2025):
    # Published counts at 31 March (RY2025 file, "Children looked after on 31 March each
    # year"): Bristol (E06000023) 2023 732, 2024 764, 2025 753; Hammersmith and Fulham
    # (E09000013) 208, 205, 197; Kent (E10000016) 1,938, 1,956, 1,896.
    # "No change" from 2023: 1 year |732-764| + |208-205| + |1938-1956| = 32 + 3 + 18 = 53,
    # MAE 17.667; 2 years 21 + 11 + 42 = 74, MAE 24.667. From 2024, 1 year: 11 + 8 + 60 = 79,
    # MAE 26.333.
    w = to_wide(cla_tidy_to_2025, "cla_31_march")
    w = w.loc[["E06000023", "E09000013", "E10000016"]]
    assert list(w.columns) == list(range(2019, 2026))
    bt = backtest(w, ["naive", "reversion_pooled@0.5"], horizons=(1, 2), min_train=5)
    assert set(bt["origin"]) == {"2023", "2024"}
    acc = accuracy(bt, by=("model", "origin", "horizon")).set_index(["model", "origin", "horizon"])
    assert acc.loc[("naive", "2023", 1), "MAE"] == pytest.approx(53 / 3)
    assert acc.loc[("naive", "2023", 2), "MAE"] == pytest.approx(74 / 3)
    assert acc.loc[("naive", "2024", 1), "MAE"] == pytest.approx(79 / 3)
    assert ("naive", "2024", 2) not in acc.index  # 2026 is not published
