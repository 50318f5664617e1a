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

History: SFR underlying data 2010 to 2015 (first published), the LAIT 2016 to 2018 (revised
figures), and Explore Education Statistics 2019 to 2023 (latest release holding each year:
RY2023 for 2019, RY2024 for 2020, RY2025 for 2021 to 2023). Councils are keyed by DfE's
3-digit LA number and labelled with the ONS code of the latest EES release. Predecessors and
successors of reorganisations (Bournemouth, Poole and old Dorset to 2019; BCP and new Dorset
from 2020; Northamptonshire to 2021 and its successors from 2022) are separate series.

This reader is a stand-in for ``cscanalysis.store``, which will replace it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cscanalysis import forecast as F  # noqa: E402

RAW = ROOT / "data" / "raw"
MEASURES = {
    "cla_31_march": ("31 March", "LACnum", ("March", "CLA")),
    "cla_starts": ("starting", "LACnum_Start", ("Started", "ADM")),
    "cla_ceased": ("ceasing", "LACceased", ("Ceased", "CEA")),
}
SFR_FILES = {
    2010: (
        "sfr_2010/SFR27_2010_March.csv",
        "sfr_2010/SFR27_2010_Started.csv",
        "sfr_2010/SFR27_2010_Ceased.csv",
    ),
    2011: ("sfr_2011/SFR21_CLA.csv", "sfr_2011/SFE21_ADM.csv", "sfr_2011/SFR21_CEA.csv"),
    2012: ("sfr_2012/SFR20_CLA2012.csv", "sfr_2012/SFR20_ADM2012.csv", "sfr_2012/SFR_CEA2012.csv"),
    2013: (
        "sfr_2013/SFR36_CLA2013.csv",
        "sfr_2013/SFR36_ADM2013.csv",
        "sfr_2013/SFR36_CEA2013.csv",
    ),
    2014: (
        "sfr_2014/SFR36_CLA2014.csv",
        "sfr_2014/SFR36_ADM2014.csv",
        "sfr_2014/SFR36_CEA2014.csv",
    ),
    2015: (
        "sfr_2015/SFR34_CLA2015.csv",
        "sfr_2015/SFR34_ADM2015.csv",
        "sfr_2015/SFR34_CEA2015.csv",
    ),
}
EES = {
    2019: "ees_ry2023",
    2020: "ees_ry2024",
    2021: "ees_ry2025",
    2022: "ees_ry2025",
    2023: "ees_ry2025",
}


def _number(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.astype(str).str.strip(), errors="coerce")  # c x z - .. -> NaN


def _read_ees(folder: str) -> pd.DataFrame:
    d = pd.read_csv(
        RAW / "cla" / folder / "cla_number_and_rate_per_10k_children.csv",
        dtype=str,
        encoding="utf-8-sig",
    )
    d = d[d["geographic_level"] == "Local authority"]
    label = d["population_count"] if "population_count" in d else d["population_type"]
    value = d["number"] if "number" in d else d["children_count"]
    out = pd.DataFrame(
        {
            "la": d["old_la_code"].astype(int),
            "code": d["new_la_code"],
            "year": d["time_period"].astype(int),
            "label": label,
            "value": _number(value),
        }
    )
    return out


def _read_sfr(path: Path, year: int) -> pd.Series:
    d = pd.read_csv(path, dtype=str, encoding="latin-1")
    d.columns = [c.strip() for c in d.columns]
    total = d.columns[d.columns.get_loc("geog_n") + 1]  # headline count follows the name
    la = d[
        d["geog_c"].str.strip().str.fullmatch(r"\d{3}")
        & ~d["geog_l"].fillna("").str.upper().isin(["NATIONAL"])
    ]
    s = pd.Series(_number(la[total]).to_numpy(), index=la["geog_c"].str.strip().astype(int))
    return s[~s.index.duplicated()].rename(year)


def load_wide() -> dict[str, pd.DataFrame]:
    """Wide frames (ONS code rows, 2010..2023 columns) for the three CLA measures."""
    ees = {f: _read_ees(f) for f in sorted(set(EES.values()))}
    codes = pd.concat([ees["ees_ry2023"], ees["ees_ry2025"]])  # latest code wins
    la_to_code = codes.drop_duplicates("la", keep="last").set_index("la")["code"]
    lait = pd.read_parquet(RAW / "lait" / "bds_long_0.parquet")
    out = {}
    for measure, (ees_word, lait_code, _) in MEASURES.items():
        cols = {}
        k = list(MEASURES).index(measure)
        for year, files in SFR_FILES.items():
            cols[year] = _read_sfr(RAW / "cla" / files[k], year)
        x = lait[(lait["Short Desc"] == lait_code) & lait["Years"].isin(["2016", "2017", "2018"])]
        x = x[x["LA Number"].notna()]
        for year in (2016, 2017, 2018):
            y = x[x["Years"] == str(year)]
            cols[year] = pd.Series(
                _number(y["Values"]).to_numpy(), index=y["LA Number"].astype(int)
            ).rename(year)
        for year, folder in EES.items():
            e = ees[folder]
            e = e[(e["year"] == year) & e["label"].str.contains(ees_word)]
            cols[year] = e.set_index("la")["value"].rename(year)
        wide = pd.concat(cols, axis=1)
        wide = wide[wide.index.isin(la_to_code.index)]  # LA numbers in the EES releases
        wide.index = la_to_code.loc[wide.index].to_numpy()
        wide.index.name = "council_code"
        wide = wide.dropna(how="all").sort_index().astype(float)
        out[measure] = wide
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
    models = list(F.DEFAULT_CANDIDATES)
    if not fast:
        models += ["ets", "arima"]
    result: dict = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "data": "SFR 2010-2015 (first published), LAIT 2016-2018, EES 2019-2023 (latest "
        "release holding each year); LA rows; one series per council code",
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
        bt = F.backtest(wide, models, horizons=(1, 2), min_train=5)
        bt_s = time.perf_counter() - t
        acc = F.accuracy(bt)
        m: dict = {
            "councils": len(wide),
            "years": [int(wide.columns[0]), int(wide.columns[-1])],
            "backtest_seconds": round(bt_s, 2),
            "models": _acc_dict(acc),
        }
        fast_models = [x for x in models if x not in ("ets", "arima")]
        acc_fast = F.accuracy(bt[bt["model"].isin(fast_models)])
        m["models_vectorised_only"] = _acc_dict(acc_fast)
        for sel in ("measure", "series"):
            for pool, label in ((fast_models, "vectorised"), (models, "all")):
                if label == "all" and fast:
                    continue
                nested = F.nested_evaluation(bt[bt["model"].isin(pool)], selection=sel)
                nacc = F.accuracy(nested)
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
        sel_all = F.select_model(bt[bt["model"].isin(fast_models)], "measure")
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
        cal = F.calibration_factors(bt)
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
