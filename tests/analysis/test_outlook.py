"""The Outlook (forecast, target, what-ifs) and the forecast command, on the real data."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from cscanalysis.analysis.forecast_table import forecast_table
from cscanalysis.analysis.outlook import (
    build_outlook,
    flows_held_name,
    flows_sentence,
    forecast_sentence,
    method_sentence,
    track_record,
)
from cscanalysis.cli import main
from cscanalysis.core.errors import ParameterError
from tests.conftest import raw_record

BRISTOL, BCP = "E06000023", "E06000058"


@pytest.fixture(scope="module")
def bristol(tidy, register):
    return build_outlook(tidy, register, BRISTOL, "2023", target_value=519, target_year=2027)


def test_forecast_has_ordered_non_negative_intervals(bristol):
    fc = bristol.forecast
    assert list(fc["period"]) == ["2024", "2025", "2026"]
    assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] <= fc["mean"]).all()
    assert (fc["mean"] <= fc["hi80"]).all() and (fc["hi80"] <= fc["hi95"]).all()
    assert (fc["lo95"] >= 0).all()
    widths = (fc["hi80"] - fc["lo80"]).to_numpy()
    assert (np.diff(widths) > 0).all()  # less sure further ahead


def test_target_glide_path_worked_by_hand(bristol):
    # 732 at 31 March 2023 to 519 in 2027 in equal steps: (732 - 519) / 4 = 53.25 a year
    assert bristol.target.to_dict() == {
        2023: 732,
        2024: 678.75,
        2025: 625.5,
        2026: 572.25,
        2027: 519,
    }
    gap = bristol.gap.set_index("period")
    fc = bristol.forecast.set_index("period")
    for period in ("2024", "2025", "2026"):
        assert gap.loc[period, "gap"] == pytest.approx(
            fc.loc[period, "mean"] - bristol.target[int(period)]
        )


def test_what_ifs_worked_by_hand(bristol):
    # RY2025 Bristol 2023: 732 looked after, 270 started, 229 ceased -> +41 a year held flat
    w = bristol.what_ifs.set_index("what_if")
    exits = w.loc["10 more children leave care each year"]
    assert exits["baseline"] == 732 + 3 * 41 == 855
    assert exits["scenario"] == 855 - 3 * 10
    # share aged 10+ of 2022 starts, from the RY2022 starts file by age (its own total)
    path = "cla/ees_ry2022/la_cla_who_started_to_be_looked_after.csv"
    bands = ("Under 1 year", "1 to 4 years", "5 to 9 years", "10 to 15 years", "16 years and over")
    n = {
        band: float(
            raw_record(
                path,
                time_period="2022",
                new_la_code=BRISTOL,
                cla_group="Age group",
                characteristic=band,
            )["number"]
        )
        for band in bands
    }
    share = (n["10 to 15 years"] + n["16 years and over"]) / sum(n.values())
    teens = w.loc["Entrants aged 10 and over fall by 20%"]
    assert teens["scenario"] == pytest.approx(732 + 3 * (270 * (1 - 0.2 * share) - 229))


def test_forecast_and_flows_held_are_named_apart_and_reconciled(bristol):
    # RY2025 Bristol 2023: 732 looked after, 270 started, 229 ceased. Held flat, the what-ifs'
    # line is 732 + 3 * 41 = 855 in 2026; the forecast is a different number, named as such.
    assert bristol.flows == {"year": 2023.0, "stock": 732.0, "starts": 270.0, "ceased": 229.0}
    end = bristol.forecast.iloc[-1]
    fc = forecast_sentence(bristol, "Bristol")
    assert fc.startswith("Forecast: Bristol would look after about ")
    assert "recent trends" not in fc
    flows = flows_sentence(bristol, "Bristol")
    assert flows_held_name(2023) == "if starts and ceasing stay at their 2023 level"
    assert "if starts and ceasing stay at their 2023 level" in flows
    assert "270 started and 229 ceased in 2023, +41 a year" in flows
    assert "855 children at 31 March 2026" in flows
    assert f"against the forecast's {round(end['mean']):,}" in flows
    assert "not a forecast" in flows
    words = method_sentence(bristol)
    assert words.startswith("Method: ")
    assert ("no change" in words) or ("better than carrying the latest figure" in words)


def test_track_record_is_stated_plainly(bristol):
    sentence = track_record(bristol)
    assert sentence.startswith(f"Tested on {bristol.backtest_n} past years")
    assert f"within {bristol.backtest_mape:.0f}%" in sentence


def test_track_record_of_one_year_is_singular(bristol):
    from dataclasses import replace

    assert track_record(replace(bristol, backtest_n=1)).startswith("Tested on 1 past year, ")


def test_short_history_is_a_stated_result(tidy, register):
    # BCP exists from 2020: four points, too few for the trend models
    outlook = build_outlook(tidy, register, BCP, "2023")
    assert outlook.model == "naive"
    assert "too few" in outlook.note


def test_forecast_table_for_every_council(tidy, register):
    table = forecast_table(tidy, register, "cla_31_march", 2023, 2)
    assert table["council_code"].nunique() == 152  # councils existing in 2023
    assert set(table["period"]) == {"2024", "2025"}
    earlier = forecast_table(tidy, register, "cla_31_march", 2019, 1)
    assert "E06000028" in set(earlier["council_code"])  # Bournemouth existed in 2019
    assert BCP not in set(earlier["council_code"])


def test_forecast_until_outside_the_data(tidy, register):
    with pytest.raises(ParameterError, match="outside the data"):
        forecast_table(tidy, register, "cla_31_march", 2031, 2)


def test_suppressed_series_get_no_forecast_for_publication(tidy, register):
    flagged = tidy[(tidy.measure == "cla_31_march") & (tidy.flag == "c")]
    code = flagged["council_code"].iloc[0]
    public = forecast_table(tidy, register, "cla_31_march", 2023, 1).set_index("council_code")
    assert public.loc[code, "status"] == "suppressed" and np.isnan(public.loc[code, "mean"])
    internal = forecast_table(tidy, register, "cla_31_march", 2023, 1, audience="internal")
    assert internal.set_index("council_code").loc[code, "status"] != "suppressed"


def test_forecast_command_writes_the_documented_columns(tmp_path, capsys):
    out = tmp_path / "fc.csv"
    assert (
        main(
            [
                "forecast",
                "--measure",
                "cla_starts",
                "--until",
                "2023",
                "--horizon",
                "2",
                "--council",
                "Bristol",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:9] == [
        "council_code",
        "period",
        "measure",
        "model",
        "mean",
        "lo80",
        "hi80",
        "lo95",
        "hi95",
    ]
    assert [(r["council_code"], r["period"]) for r in rows] == [
        (BRISTOL, "2024"),
        (BRISTOL, "2025"),
    ]


def test_all_councils_forecast_is_computed_once_per_table(tidy, register, monkeypatch):
    from cscanalysis.analysis import outlook
    from cscanalysis.forecasting import forecast
    from cscanalysis.store.derived import DerivedCache

    calls = []
    real = forecast.auto_forecast
    cache = DerivedCache(None)  # memory only: this test counts runs, not files
    monkeypatch.setattr(outlook, "default_cache", lambda: cache)
    monkeypatch.setattr(forecast, "auto_forecast", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = build_outlook(tidy, register, "E06000023", "2023")
    again = build_outlook(tidy, register, "E09000007", "2023")  # Camden: same run, same table
    assert len(calls) == 1
    # the shared run gives the same rows as a run of its own
    cache.clear_memory()
    alone = build_outlook(tidy, register, "E09000007", "2023")
    assert len(calls) == 2
    assert alone.forecast.equals(again.forecast) and first.model == alone.model
    # a changed table is a new run
    changed = tidy.copy()
    changed.loc[changed["measure"] == "cla_31_march", "value"] += 1
    build_outlook(changed, register, "E09000007", "2023")
    assert len(calls) == 3
