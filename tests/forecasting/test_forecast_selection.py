"""Tests for cscanalysis.forecasting.selection: a model chosen by backtest, never in-sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cscanalysis.forecasting.forecast import auto_forecast, forecast
from cscanalysis.forecasting.selection import select_model


def test_selection_uses_backtest_and_falls_back_for_short_series(wide):
    rng = np.random.default_rng(3)
    rows = {f"C{i}": list(100 + 5 * np.arange(10) + rng.normal(0, 1, 10)) for i in range(5)}
    rows["NEW"] = [np.nan] * 7 + [50.0, 52, 54]
    # The old rule (lowest mean MASE among DEFAULT_CANDIDATES, trends included), asked for by
    # name since issue 16 made "recent_worst" among no-drift candidates the annual default.
    res = auto_forecast(wide(rows), 2, rule="mean_mase")
    assert res.selection is not None
    assert res.selection.default in {"drift", "drift_pooled", "damped", "damped_pooled"}
    fc = res.forecasts.set_index("council_code")
    assert fc.loc["NEW", "model"].tolist() == ["naive", "naive"]
    assert "too few" in fc.loc["NEW", "note"].iloc[0]
    assert "chosen by backtest" in fc.loc["C1", "note"].iloc[0]
    assert {"lo80", "hi95", "calibrated"} <= set(res.forecasts.columns)
    # the same through forecast(model="auto")
    same = forecast(wide(rows), 2, rule="mean_mase")
    assert same["model"].tolist() == res.forecasts["model"].tolist()


def _ratio_backtest(errors: dict[str, dict[tuple[int, int], float]]) -> pd.DataFrame:
    """Backtest rows for two councils: model -> {(origin, horizon): absolute error}."""
    rows = []
    for model, cells in errors.items():
        for (origin, h), err in cells.items():
            for code in ("X", "Y"):
                rows.append(
                    {
                        "council_code": code,
                        "origin": str(origin),
                        "horizon": h,
                        "period": str(origin + h),
                        "model": model,
                        "mean": 100 + err,
                        "lo80": 90.0,
                        "hi80": 110.0,
                        "sd": 1.0,
                        "actual": 100.0,
                        "scale": 1.0,
                    }
                )
    return pd.DataFrame(rows)


def test_recent_worst_needs_a_win_at_every_recent_origin():
    # naive's error is 10 everywhere. "steady" has 9 at the last three origins of each
    # horizon (worst ratio 0.9) and 30 before; "lucky" has 5, 5 and 11 (worst 1.1) and a
    # lower mean error than "steady": the worst recent origin decides, so "steady".
    cells = [(o, h) for h in (1, 2) for o in range(2015, 2022 - h)]
    recent = {(o, h) for h in (1, 2) for o in range(2019 - h, 2022 - h)}
    naive = dict.fromkeys(cells, 10.0)
    steady = {c: 9.0 if c in recent else 30.0 for c in cells}
    lucky = {c: 5.0 for c in cells}
    lucky[(2020, 1)] = 11.0
    sel = select_model(
        _ratio_backtest({"naive": naive, "steady": steady, "lucky": lucky}), rule="recent_worst"
    )
    assert sel.default == "steady"
    assert sel.scores.loc["worst", "steady"] == pytest.approx(0.9)
    assert sel.scores.loc["worst", "lucky"] == pytest.approx(1.1)
    # If nothing beat naive at every recent origin, naive is chosen.
    sel2 = select_model(_ratio_backtest({"naive": naive, "lucky": lucky}), rule="recent_worst")
    assert sel2.default == "naive"
