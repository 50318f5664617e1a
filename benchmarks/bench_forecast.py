"""Forecast accuracy and speed benchmark over every council (writes JSON).

    python benchmarks/bench_forecast.py --out results/forecast.json [--fast]

Builds wide annual series (council rows, year columns) of children looked after at
31 March, starts and ceased for every council from the raw files, runs the rolling-origin
backtest for every model, and records:

- MASE and coverage at horizons 1 and 2 for every model (same records for all models);
- the honest ("nested") accuracy of the automatic method: the model chosen, and the
  interval calibration worked out, only from outcomes known at each origin; against naive on
  the same records; coverage before and after calibration;
- pooling (drift vs drift shrunk to the median drift; damped per series vs one shared set);
- wall time of forecasting all councils for one measure with each model and with the
  automatic method, against the naive baseline in the same run.

History: the tidy table (``cscanalysis.store.tidy``): SFR underlying data 2010 to 2017 as first
published, then the latest Explore Education Statistics release holding each year (2018 to
2025). Predecessors and successors of reorganisations (Bournemouth, Poole and old Dorset to
2019; BCP and new Dorset from 2020; Northamptonshire to 2021 and its successors from 2022) are
separate series.

The "selected" records here use the mean-MASE rule over every origin (``rule="mean_mase"``),
kept for comparison; the rule the annual forecasts use since issue 16 ("recent_worst" among
no-drift candidates) is measured by origin in ``bench_forecast_turning.py``.
"""

from __future__ import annotations

import os

# statsmodels' per-series fits work on tiny matrices: OpenBLAS threads make them 4-6 times
# slower (measured: ETS on 156 councils 45 s with default threads, 8 s with one). Set before
# numpy is imported; an explicit setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from cscanalysis.core.councils import load_register  # noqa: E402
from cscanalysis.forecasting import forecast as F  # noqa: E402
from cscanalysis.forecasting.calibration import calibration_factors  # noqa: E402
from cscanalysis.forecasting.evaluation import accuracy, backtest  # noqa: E402
from cscanalysis.forecasting.models import DEFAULT_CANDIDATES  # noqa: E402
from cscanalysis.forecasting.selection import select_model  # noqa: E402
from cscanalysis.forecasting.series import to_wide  # noqa: E402
from cscanalysis.store.tidy import load_tidy  # noqa: E402

MEASURES = ("cla_31_march", "cla_starts", "cla_ceased")


def load_wide() -> dict[str, pd.DataFrame]:
    """Every council's annual series of each measure, from the tidy table (2010 to 2025)."""
    tidy = load_tidy()
    councils = {c.code for c in load_register().councils()}
    out = {}
    for measure in MEASURES:
        wide = to_wide(tidy, measure)
        out[measure] = wide[wide.index.isin(councils)].dropna(how="all").astype(float)
    return out


def _timed(fn, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _acc_dict(acc: pd.DataFrame) -> dict:
    res: dict = {}
    for _, r in acc.iterrows():
        res.setdefault(r["model"], {})[f"h{int(r['horizon'])}"] = {
            k: (None if pd.isna(r[k]) else round(float(r[k]), 4))
            for k in ("n", "MAE", "MASE", "MAPE", "bias", "coverage80", "coverage95")
        }
    return res


def run(fast: bool = False) -> dict:
    t_load = time.perf_counter()
    data = load_wide()
    load_s = time.perf_counter() - t_load
    models = list(DEFAULT_CANDIDATES)
    if not fast:
        models += ["ets", "arima"]
    result: dict = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "data": "the tidy table: SFR 2010-2017 (first published), EES 2018-2025 (latest "
        "release holding each year); one series per council code",
        "load_seconds": round(load_s, 2),
        "backtest": {
            "min_train": 5,
            "horizons": [1, 2],
            "models": models,
            "origins": "every year from the 5th of the series to the last but one",
        },
        "measures": {},
    }
    for measure, wide in data.items():
        t = time.perf_counter()
        bt = backtest(wide, models, horizons=(1, 2), min_train=5)
        bt_s = time.perf_counter() - t
        acc = accuracy(bt)
        m: dict = {
            "councils": len(wide),
            "years": [int(wide.columns[0]), int(wide.columns[-1])],
            "backtest_seconds": round(bt_s, 2),
            "models": _acc_dict(acc),
        }
        fast_models = [x for x in models if x not in ("ets", "arima")]
        acc_fast = accuracy(bt[bt["model"].isin(fast_models)])
        m["models_vectorised_only"] = _acc_dict(acc_fast)
        for sel in ("measure", "series"):
            for pool, label in ((fast_models, "vectorised"), (models, "all")):
                if label == "all" and fast:
                    continue
                nested = F.nested_evaluation(bt[bt["model"].isin(pool)], selection=sel)
                nacc = accuracy(nested)
                key = f"selected_by_{sel}_{label}"
                d = _acc_dict(nacc)
                d["chosen_counts"] = (
                    nested[nested["model"] == "selected"]["chosen"].value_counts().to_dict()
                )
                for h in ("h1", "h2"):
                    if h in d.get("selected", {}) and h in d.get("naive", {}):
                        d[f"MASE_ratio_selected_to_naive_{h}"] = round(
                            d["selected"][h]["MASE"] / d["naive"][h]["MASE"], 4
                        )
                m[key] = d
        sel_all = select_model(bt[bt["model"].isin(fast_models)], "measure")
        m["selected_on_full_backtest"] = sel_all.default
        m["pooling_MASE"] = {
            f"{base}_vs_{base}_pooled": {
                h: {
                    "per_series": m["models"][base][h]["MASE"],
                    "pooled": m["models"][f"{base}_pooled"][h]["MASE"],
                    "pooled_better": m["models"][f"{base}_pooled"][h]["MASE"]
                    < m["models"][base][h]["MASE"],
                }
                for h in ("h1", "h2")
            }
            for base in ("drift", "ses", "damped")
        }
        cal = calibration_factors(bt)
        m["calibration_factors_full_backtest"] = cal.round(4).to_dict(orient="records")
        timing = {}
        timing["naive"] = _timed(lambda w=wide: F.forecast(w, 2, "naive"))
        for name in models[1:]:
            timing[name] = _timed(
                lambda w=wide, n=name: F.forecast(w, 2, n),
                repeat=1 if name in ("ets", "arima") else 3,
            )
        timing["auto_with_backtest"] = _timed(lambda w=wide: F.forecast(w, 2, "auto"), repeat=1)
        m["forecast_all_councils_seconds"] = {k: round(v, 4) for k, v in timing.items()}
        m["forecast_time_ratio_to_naive"] = {
            k: round(v / timing["naive"], 1) for k, v in timing.items()
        }
        result["measures"][measure] = m
    result["summary"] = _summary(result)
    return result


def _summary(result: dict) -> dict:
    """Headline figures: the automatic method (measure-level choice among the vectorised
    models, evaluated nested) against naive, and coverage before/after calibration."""
    out = {}
    for measure, m in result["measures"].items():
        d = m["selected_by_measure_vectorised"]
        row: dict = {"chosen_on_full_backtest": m["selected_on_full_backtest"]}
        for h in ("h1", "h2"):
            row[h] = {
                "MASE_naive": d["naive"][h]["MASE"],
                "MASE_selected": d["selected"][h]["MASE"],
                "ratio": d[f"MASE_ratio_selected_to_naive_{h}"],
                "coverage80_before": d["selected"][h]["coverage80"],
                "coverage80_after": d["selected_calibrated"][h]["coverage80"],
                "coverage95_before": d["selected"][h]["coverage95"],
                "coverage95_after": d["selected_calibrated"][h]["coverage95"],
                "n": d["naive"][h]["n"],
            }
        row["beats_naive_on_average"] = (row["h1"]["ratio"] + row["h2"]["ratio"]) / 2 < 1
        row["coverage80_after_in_75_85"] = all(
            0.75 <= row[h]["coverage80_after"] <= 0.85 for h in ("h1", "h2")
        )
        t = m["forecast_all_councils_seconds"]
        row["seconds_all_councils"] = {
            "naive": t["naive"],
            "selected_model": t[m["selected_on_full_backtest"]],
            "auto_with_backtest": t["auto_with_backtest"],
        }
        out[measure] = row
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--fast", action="store_true", help="skip the statsmodels ETS/ARIMA")
    args = parser.parse_args(argv)
    res = run(fast=args.fast)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(res, indent=2, default=float))
    tmp.replace(out)
    print(json.dumps(res["summary"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
