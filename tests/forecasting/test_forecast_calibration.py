"""Tests for cscanalysis.forecasting.calibration: interval factors from backtest errors, by
hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cscanalysis.forecasting.calibration import apply_calibration, calibration_factors
from cscanalysis.forecasting.evaluation import naive_scale, typical_change
from cscanalysis.forecasting.series import prepare

Z80 = 1.2815515655446004  # standard normal quantile at 0.90
Z95 = 1.959963984540054  # at 0.975


def test_conformal_widening_by_hand():
    # Nine outcomes with sd 1 and errors 1..9. The 80% interval (+-1.28) covers only the
    # first, so coverage 1/9 < 80% and the factor is the ceil(10 * 0.8) = 8th smallest
    # scaled error, 8 / 1.2816 = 6.242. Widened half-width = 6.242 * 1.2816 * 1 = 8.
    bt = pd.DataFrame(
        {
            "council_code": [f"C{i}" for i in range(9)],
            "origin": "2020",
            "horizon": 1,
            "period": "2021",
            "model": "m",
            "mean": 100.0,
            "sd": 1.0,
            "lo80": 100 - Z80,
            "hi80": 100 + Z80,
            "actual": 100.0 + np.arange(1, 10),
            "scale": 1.0,
        }
    )
    fac = calibration_factors(bt, levels=[80]).iloc[0]
    assert fac["coverage"] == pytest.approx(1 / 9)
    assert fac["factor"] == pytest.approx(8 / Z80)
    assert bool(fac["applied"])
    fc = pd.DataFrame(
        {
            "council_code": ["A", "A"],
            "period": ["2022", "2023"],
            "horizon": [1, 3],
            "model": "m",
            "mean": [50.0, 50.0],
            "lo80": 0.0,
            "hi80": 0.0,
            "sd": [1.0, 2.0],
            "calibrated": False,
        }
    )
    out = apply_calibration(fc, calibration_factors(bt, levels=[80]))
    assert out["hi80"].tolist() == pytest.approx([58.0, 66.0])  # h3 uses h1's factor
    assert out["calibrated"].all()


def test_no_widening_when_coverage_is_already_enough():
    bt = pd.DataFrame(
        {
            "council_code": ["A", "B"],
            "origin": "2020",
            "horizon": 1,
            "period": "2021",
            "model": "m",
            "mean": 10.0,
            "sd": 1.0,
            "lo80": 8.0,
            "hi80": 12.0,
            "actual": [10.0, 10.5],
            "scale": 1.0,
        }
    )
    fac = calibration_factors(bt, levels=[80]).iloc[0]
    assert fac["factor"] == 1.0 and not fac["applied"]


def test_two_sided_calibration_narrows_over_wide_intervals():
    # Errors 0, 1, 2, ..., 9 with sd 10 (z80 = 1.2816): scaled errors e / 12.816; the
    # conformal 80% quantile is the ceil(11 * 0.8) = 9th smallest, 8 / 12.816 = 0.6242.
    # The model's own 80% intervals (+-12.8) held all ten: one-sided leaves them, two-sided
    # narrows them by 0.6242, and then 9 of 10 errors (0..8) lie inside.
    bt = pd.DataFrame(
        {
            "council_code": [f"C{i}" for i in range(10)],
            "origin": "2020",
            "horizon": 1,
            "period": "2021",
            "model": "m",
            "mean": 100.0 + np.arange(10),
            "sd": 10.0,
            "lo80": 100.0 + np.arange(10) - Z80 * 10,
            "hi80": 100.0 + np.arange(10) + Z80 * 10,
            "actual": 100.0,
            "scale": 1.0,
        }
    )
    one = calibration_factors(bt, levels=[80]).iloc[0]
    assert one["factor"] == 1.0 and not one["applied"]
    two = calibration_factors(bt, levels=[80], two_sided=True).iloc[0]
    assert two["factor"] == pytest.approx(8 / (Z80 * 10))
    out = apply_calibration(bt.drop(columns=["actual", "scale"]), pd.DataFrame([two]))
    inside = (out["lo80"] <= 100.0 + 1e-9) & (out["hi80"] >= 100.0 - 1e-9)
    assert inside.sum() == 9


def test_calibration_on_recent_origins_only():
    # Origin 2015 had errors of 50 and 2016-2018 errors of 1 (sd 1): with recent=3 only the
    # small errors count, so the 80% factor is 1 / 1.2816; with all four origins the
    # 9th-smallest of 8 values capped at the 8th is 50 / 1.2816.
    rows = []
    for o, err in ((2015, 50.0), (2016, 1.0), (2017, 1.0), (2018, 1.0)):
        for code in ("X", "Y"):
            rows.append(
                {
                    "council_code": code,
                    "origin": str(o),
                    "horizon": 1,
                    "model": "m",
                    "mean": 100 + err,
                    "sd": 1.0,
                    "lo80": 0.0,
                    "hi80": 1000.0,
                    "actual": 100.0,
                }
            )
    bt = pd.DataFrame(rows)
    recent = calibration_factors(bt, [80], recent=3, two_sided=True).iloc[0]
    assert recent["n"] == 6 and recent["factor"] == pytest.approx(1 / Z80)
    every = calibration_factors(bt, [80], two_sided=True).iloc[0]
    assert every["factor"] == pytest.approx(50 / Z80)


def test_typical_change_is_the_median_of_the_last_four_changes():
    # A: 100 103 99 102 140 143 141, one exceptional year (+38). Changes 3, -4, 3, 38, 3, -2;
    # the last four in absolute value, sorted: 2 3 3 38; median (3 + 3) / 2 = 3, where the
    # mean of the last three, (38 + 3 + 2) / 3 = 14.33, would carry the odd year into every
    # interval for three years. B, from 2023 only (20, 22, 27): changes 2 and 5, median 3.5.
    years = list(range(2019, 2026))
    wide = pd.DataFrame(
        [[100, 103, 99, 102, 140, 143, 141], [np.nan] * 4 + [20, 22, 27]],
        index=pd.Index(["A", "B"], name="council_code"),
        columns=years,
    )
    prep = prepare(wide, "last_run")
    assert typical_change(prep, 1).tolist() == pytest.approx([3.0, 3.5])
    assert naive_scale(prep, 1, 3).tolist() == pytest.approx([43 / 3, 3.5])
