"""Tests for cscanalysis.forecasting.forecast: automatic forecasts, the nested evaluation of
the whole procedure, real CLA data and refused parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cscanalysis.core.errors import ParameterError
from cscanalysis.forecasting.evaluation import backtest
from cscanalysis.forecasting.forecast import auto_forecast, forecast, nested_evaluation
from cscanalysis.forecasting.models import ANNUAL_CANDIDATES
from cscanalysis.forecasting.series import to_wide


def test_auto_with_too_little_history_uses_naive_and_says_so(wide):
    fc = forecast(wide({"A": [1.0, 2, 3, 4], "B": [2.0, 2, 2, 3]}), 1)
    assert set(fc["model"]) == {"naive"}
    assert fc["note"].str.contains("too little history to backtest").all()


def test_auto_forecast_says_when_no_change_is_chosen(wide):
    # Random walks: nothing beats no change at every recent origin, by construction of the
    # data with no memory; the note says so.
    rng = np.random.default_rng(7)
    rows = {f"C{i}": list(500 + np.cumsum(rng.normal(0, 20, 12))) for i in range(30)}
    res = auto_forecast(wide(rows), 2)
    assert set(res.backtest["model"]) == set(ANNUAL_CANDIDATES)
    if res.selection.default == "naive":
        assert res.forecasts["note"].str.contains("no other method beat it").all()
    else:  # chosen only if it beat naive at each of the last 3 origins of both horizons
        worst = res.selection.scores.loc["worst", res.selection.default]
        assert worst < 1
        assert res.forecasts["note"].str.contains("beat naive at each of the last 3").all()


def test_nested_evaluation_chooses_from_the_past_only():
    # Model "a" is perfect at origins 2014-2015 and 5 out afterwards; "b" the reverse.
    # At origin 2016 only outcomes of origins 2014-2015 are known: "a". At 2019, origins
    # 2014-2018 are known: mean error a = 15/5 = 3 > b = 10/5 = 2, so "b".
    rows = []
    for o in range(2014, 2022):
        for code in ("X", "Y"):
            for model in ("a", "b", "naive"):
                err = {"a": 0.0 if o < 2016 else 5.0, "b": 5.0 if o < 2016 else 0.0, "naive": 3.0}[
                    model
                ]
                rows.append(
                    {
                        "council_code": code,
                        "origin": str(o),
                        "horizon": 1,
                        "period": str(o + 1),
                        "model": model,
                        "mean": 100 + err,
                        "lo80": 99.0,
                        "hi80": 101.0,
                        "sd": 1.0,
                        "actual": 100.0,
                        "scale": 1.0,
                    }
                )
    nested = nested_evaluation(pd.DataFrame(rows), min_past_origins=2)
    chosen = nested[nested["model"] == "selected"].groupby("origin")["chosen"].first()
    assert "2015" not in chosen.index  # only one earlier origin
    assert chosen["2016"] == "a" and chosen["2019"] == "b" and chosen["2021"] == "b"
    assert set(nested["model"]) == {"naive", "selected", "selected_calibrated"}


def test_nested_recent_worst_chooses_from_the_past_only():
    # "a" beats naive (error 1 against 3) up to origin 2017 and loses (error 5) from 2018;
    # "b" the reverse. Horizon 1 only, so at origin o the known origins are those before o.
    # At 2018 the last three known (2015-2017) all favour "a"; at 2019 (2016-2018) "a" lost
    # in 2018 and "b" lost in 2016-2017: neither beat naive at all three, so naive. At 2021
    # (2018-2020) "b" beat naive at all three: "b".
    rows = []
    for o in range(2012, 2022):
        for code in ("X", "Y"):
            for model in ("a", "b", "naive"):
                err = {"a": 1.0 if o < 2018 else 5.0, "b": 5.0 if o < 2018 else 1.0}.get(model, 3.0)
                rows.append(
                    {
                        "council_code": code,
                        "origin": str(o),
                        "horizon": 1,
                        "period": str(o + 1),
                        "model": model,
                        "mean": 100 + err,
                        "lo80": 99.0,
                        "hi80": 101.0,
                        "sd": 1.0,
                        "actual": 100.0,
                        "scale": 1.0,
                    }
                )
    nested = nested_evaluation(pd.DataFrame(rows), rule="recent_worst")
    chosen = nested[nested["model"] == "selected"].groupby("origin")["chosen"].first()
    assert chosen["2018"] == "a" and chosen["2019"] == "naive" and chosen["2021"] == "b"


def test_bristol_cla_forecasts_from_published_figures(cla_tidy):
    # Bristol (E06000023) at 31 March: 2019 617 (RY2023), 2020 622, 2021 633, 2022 690,
    # 2023 732 (RY2025). Naive 2024 = 732; drift (732 - 617) / 4 = 28.75 -> 760.75, 789.5.
    w = to_wide(cla_tidy, "cla_31_march")
    assert list(w.columns) == [2019, 2020, 2021, 2022, 2023]
    assert w.loc["E06000023"].tolist() == [617.0, 622.0, 633.0, 690.0, 732.0]
    fc = forecast(w, 2, "drift").set_index("council_code").loc["E06000023"]
    assert fc["mean"].tolist() == pytest.approx([760.75, 789.5])
    assert forecast(w, 1, "naive").set_index("council_code").loc["E06000023", "mean"] == 732
    # until=2022 drops 2023: drift (690 - 617) / 3 = 24.33 -> 714.33 with min_points=4
    w22 = to_wide(cla_tidy, "cla_31_march", until=2022)
    assert list(w22.columns) == [2019, 2020, 2021, 2022]
    fc22 = forecast(w22, 1, "drift", min_points=4).set_index("council_code")
    assert fc22.loc["E06000023", "mean"] == pytest.approx(690 + 73 / 3)


def test_reorganised_councils_are_flagged_not_errors(cla_tidy):
    # BCP (E06000058) exists from 2020 (4 points) and North Northamptonshire (E06000061)
    # from 2022 (2 points): too short for drift, naive still works.
    w = to_wide(cla_tidy, "cla_31_march")
    fc = forecast(w, 1, "drift").set_index("council_code")
    assert fc.loc["E06000058", "status"] == "too short to forecast"
    assert fc.loc["E06000061", "status"] == "too short to forecast"
    assert fc.loc["E06000023", "status"] == "ok"
    nv = forecast(w, 1, "naive").set_index("council_code")
    assert nv.loc["E06000061", "mean"] == w.loc["E06000061", 2023]
    assert nv.loc["E06000061", "status"] == "ok"


def test_bad_parameters_are_refused(wide):
    w = wide({"A": [1.0, 2, 3, 4, 5]})
    with pytest.raises(ParameterError, match="unknown model"):
        forecast(w, 1, "prophet")
    with pytest.raises(ParameterError, match="horizon"):
        forecast(w, 0, "naive")
    with pytest.raises(ParameterError, match="level"):
        forecast(w, 1, "naive", levels=(80, 100))
    with pytest.raises(ParameterError, match="gaps"):
        forecast(w, 1, "naive", gaps="drop")
    bad = pd.DataFrame([[1.0, 2.0]], index=["A"], columns=["2019", "last year"])
    with pytest.raises(ParameterError, match="last year"):
        forecast(bad, 1, "naive")
    with pytest.raises(ParameterError, match="too few to backtest"):
        backtest(w, ["naive"], min_train=5)
