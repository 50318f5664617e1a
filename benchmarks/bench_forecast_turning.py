"""Forecasts at the turning point: the automatic annual forecast against "no change" (writes JSON).

    python benchmarks/bench_forecast_turning.py --out outputs/bench/forecast_turning.json

Children looked after at 31 March, starts and ceased for every council (the tidy table: SFR
2010-2017 as first published, then the latest EES release holding each year, 2018-2025).
Rolling-origin backtest of the annual candidates (``cscanalysis.forecasting.models``:
``ANNUAL_CANDIDATES``, no change and a pooled regression without drift fitted on the latest years
with its blends with no change, and ``COMPANION_CANDIDATES``, regressions on the balance of starts
and ceasing, given every measure's starts and ceased as companion series) at horizons 1 and 2,
from every origin with five or more years of history.

Measured honestly (``nested_evaluation``): at each origin the method is chosen, and the
intervals calibrated, from outcomes known at that origin only. The table gives, for each
origin, measure and horizon, the mean absolute error (MAE) of the method chosen then, the MAE
of "no change" (the last value carried forward) on the same councils, their ratio and the
share of outcomes inside the calibrated 80% and 95% intervals (and their means over every
origin, ``coverage_mean_over_origins``). The goal (issue 16): ratio below 1 from the 2023 and
2024 origins for every measure and horizon, and 80% coverage between 75% and 85%. For
comparison, the method used before (lowest mean MASE over all origins among
``DEFAULT_CANDIDATES``, which include drift and damped trends) is measured the same way.
``chosen_now``: the method the automatic forecast uses from the latest year.

``flows_held_vs_naive``: the Outlook's what-if line (this year's stock plus h times this year's
starts minus ceased) against no change, 1 to 3 years ahead from every origin with all three
figures, the evidence for the Outlook's sentence that this line is an assumption, not a forecast.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cscanalysis.core.councils import load_register  # noqa: E402
from cscanalysis.forecasting import forecast as F  # noqa: E402
from cscanalysis.forecasting.evaluation import accuracy, backtest  # noqa: E402
from cscanalysis.forecasting.models import (  # noqa: E402
    ANNUAL_CANDIDATES,
    COMPANION_CANDIDATES,
    DEFAULT_CANDIDATES,
)
from cscanalysis.forecasting.selection import RECENT_ORIGINS, select_model  # noqa: E402
from cscanalysis.forecasting.series import to_wide  # noqa: E402
from cscanalysis.store.tidy import load_tidy  # noqa: E402

MEASURES = ("cla_31_march", "cla_starts", "cla_ceased")
GOAL_ORIGINS = ("2023", "2024")


def load_wide() -> dict[str, pd.DataFrame]:
    tidy = load_tidy()
    councils = {c.code for c in load_register().councils()}
    out = {}
    for measure in MEASURES:
        wide = to_wide(tidy, measure)
        out[measure] = wide[wide.index.isin(councils)].dropna(how="all")
    return out


def by_origin(nested: pd.DataFrame) -> list[dict]:
    """One record per origin and horizon: chosen method, MAE, ratio to naive, coverage."""
    acc = accuracy(nested, by=("origin", "horizon", "model"))
    chosen = nested[nested["model"] == "selected"].groupby(["origin", "horizon"])["chosen"].first()
    rows = []
    for (origin, h), g in acc.groupby(["origin", "horizon"]):
        a = g.set_index("model")
        rows.append(
            {
                "origin": str(origin),
                "horizon": int(h),
                "outcome_year": int(origin) + int(h),
                "chosen": str(chosen[(origin, h)]),
                "n": int(a.loc["naive", "n"]),
                "MAE_model": round(float(a.loc["selected", "MAE"]), 2),
                "MAE_naive": round(float(a.loc["naive", "MAE"]), 2),
                "ratio": round(float(a.loc["selected", "MAE"] / a.loc["naive", "MAE"]), 3),
                "coverage80": round(float(a.loc["selected_calibrated", "coverage80"]), 3),
                "coverage95": round(float(a.loc["selected_calibrated", "coverage95"]), 3),
                "coverage80_uncalibrated": round(float(a.loc["selected", "coverage80"]), 3),
            }
        )
    return rows


def mean_coverage(rows: list[dict]) -> dict:
    """Mean 80% and 95% coverage over every origin and horizon measured (not only 2023-24)."""
    frame = pd.DataFrame(rows)
    return {
        "origins": f"{frame['origin'].min()}-{frame['origin'].max()}",
        "cells": len(frame),
        "coverage80": round(float(frame["coverage80"].mean()), 3),
        "coverage95": round(float(frame["coverage95"].mean()), 3),
        "cells_coverage80_outside_75_85": int((~frame["coverage80"].between(0.75, 0.85)).sum()),
    }


def flows_held(data: dict[str, pd.DataFrame]) -> list[dict]:
    """MAE of stock + h * (starts - ceased) and of no change, by origin and horizon."""
    stock, starts, ceased = (data[m] for m in MEASURES)
    rows = []
    for o in stock.columns:
        for h in (1, 2, 3):
            if o + h not in stock.columns or o not in ceased.columns:
                continue
            held = stock[o] + h * (starts[o] - ceased[o])
            actual = stock[o + h]
            ok = held.notna() & actual.notna()
            if ok.sum() < 10:
                continue
            a = float((held - actual)[ok].abs().mean())
            b = float((stock[o] - actual)[ok].abs().mean())
            rows.append(
                {
                    "origin": str(o),
                    "horizon": h,
                    "n": int(ok.sum()),
                    "MAE_flows_held": round(a, 2),
                    "MAE_naive": round(b, 2),
                    "ratio": round(a / b, 3),
                }
            )
    return rows


def run() -> dict:
    started = time.perf_counter()
    data = load_wide()
    result: dict = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S"),
        "python": platform.python_version(),
        "data": "the tidy table: SFR 2010-2017 (first published), EES 2018-2025 (latest release "
        "holding each year); councils of the current register",
        "candidates": list(ANNUAL_CANDIDATES + COMPANION_CANDIDATES),
        "rule": f"recent_worst: a method must beat naive at each of the last {RECENT_ORIGINS} "
        "known origins of both horizons, else naive; intervals: quantiles of the chosen "
        "method's errors over each council's median absolute change in its last four years, "
        "pooled over councils and known origins, per horizon",
        "measured": "nested: choice and calibration from outcomes known at each origin only; "
        "MAE over the councils every candidate forecast at that origin",
        "measures": {},
    }
    table = []
    companions = {"inflow": data["cla_starts"], "outflow": data["cla_ceased"]}
    for measure, wide in data.items():
        bt = backtest(
            wide,
            list(ANNUAL_CANDIDATES + COMPANION_CANDIDATES),
            (1, 2),
            5,
            companions=companions,
        )
        nested = F.nested_evaluation(bt, rule="recent_worst")
        rows = by_origin(nested)
        old_bt = backtest(wide, list(DEFAULT_CANDIDATES), (1, 2), 5)
        old_rows = by_origin(F.nested_evaluation(old_bt))
        now = select_model(bt, rule="recent_worst")
        ratios = now.scores.round(3)
        ratios.index = [str(i) for i in ratios.index]
        result["measures"][measure] = {
            "councils": len(wide),
            "years": [int(wide.columns[0]), int(wide.columns[-1])],
            "chosen_now": now.default,
            "recent_ratios_to_naive_now": ratios.to_dict(),
            "by_origin": rows,
            "coverage_mean_over_origins": mean_coverage(rows),
            "before_by_origin": old_rows,
        }
        for r in rows:
            if r["origin"] in GOAL_ORIGINS:
                table.append({"measure": measure, **r})
    result["goal_table"] = table
    held = flows_held(data)
    result["flows_held_vs_naive"] = {
        "rows": held,
        "worse_than_naive_every_time": all(r["ratio"] > 1 for r in held),
    }
    result["goal"] = {
        "MAE_below_naive_everywhere": all(r["ratio"] < 1 for r in table),
        "coverage80_in_75_85_everywhere": all(0.75 <= r["coverage80"] <= 0.85 for r in table),
        "cells_not_below_naive": [
            f"{r['measure']} from {r['origin']}, {r['horizon']} yr: {r['ratio']}"
            for r in table
            if r["ratio"] >= 1
        ],
        "cells_coverage80_outside": [
            f"{r['measure']} from {r['origin']}, {r['horizon']} yr: {r['coverage80']}"
            for r in table
            if not 0.75 <= r["coverage80"] <= 0.85
        ],
    }
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args(argv)
    res = run()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(res, indent=2, default=float))
    tmp.replace(out)
    print(pd.DataFrame(res["goal_table"]).to_string(index=False))
    print(json.dumps(res["goal"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
