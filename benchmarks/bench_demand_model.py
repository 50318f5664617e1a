"""Side by side with the Children's Services Demand Model: forecasts of children looked after.

    python benchmarks/bench_demand_model.py --out outputs/bench/demand_model.json

Both methods forecast the number of children looked after on 31 March from the same SSDA903
returns, the SYNTHETIC five-year sample in ``data/raw/ssda903/sample_la`` (the demand model's
own test data; no real child is in it). For each origin year Y (2019, 2020, 2021: the year
ending 31 March Y) each method sees only the returns up to Y, the "early years", and forecasts
every later 31 March up to 2022, the "later years", where it is scored.

- cscanalysis: the returns are read and validated
  (:func:`cscanalysis.sources.ssda903.read_ssda903`), the children looked after at the end of
  every month from 31 March of the first return's year are counted
  (:func:`cscanalysis.analysis.ssda903.looked_after_on`, so a child missing from later returns
  is not kept in care), and :func:`cscanalysis.forecasting.forecast.auto_forecast`
  chooses a model by rolling-origin backtest (the forecast module's default candidates plus
  seasonal naive, tested 1, 3, 6 and 12 months ahead from at least 13 months of history,
  chosen before any score was seen) and forecasts to March 2022. On this shrinking series a
  straight-line or damped trend runs past zero; since issue 16 such a row is fitted on the
  logarithms (a constant rate of decline) and its note says so (``note`` in the JSON), where
  before the line was clipped to 0 children (3 of the 6 forecasts).
- The demand model (``cs-demand-model==0.5.1`` from PyPI, run in its own virtual environment
  under ``outputs/`` because it needs pandas 1.5): ``DemandModellingDataContainer`` on the
  same files, ``PopulationStats``, ``ModelPredictor.from_model`` with the 12 months to 31 March
  Y as its reference period (transition rates and daily entrants by age band and placement
  type), predicted day by day from 31 March Y.
- A naive baseline: the last month's count carried forward.

Scored against the count each year's own return gives (children with an episode open on
31 March Y in the returns up to Y, as DfE counts a year from its return), and, as a check,
against the count from all five returns together (later returns add episodes the earlier ones
lacked). The demand model's own count of children in care from all five returns is recorded
too (``demand_model_own_count``): it keeps a child whose open episode is missing from later
returns in care, which is one reason its starting point is higher.

Reported: MAE and MAPE of the 31 March figure, and the run time of each method (wall clock on
this machine: the demand model's own load, fit and predict inside its environment, and the
whole subprocess with interpreter start).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cscanalysis.analysis.ssda903 import looked_after_on  # noqa: E402
from cscanalysis.forecasting import forecast as F  # noqa: E402
from cscanalysis.forecasting.models import DEFAULT_CANDIDATES  # noqa: E402
from cscanalysis.sources.ssda903 import (  # noqa: E402
    clean_returns,
    read_ssda903,
)
from cscanalysis.sources.ssda903_files import (  # noqa: E402
    RawReturn,
    read_return_csv,
)

SAMPLE = ROOT / "data" / "raw" / "ssda903" / "sample_la"
PACKAGE = "cs-demand-model==0.5.1"
ORIGINS = (2019, 2020, 2021)
LAST = 2022
CANDIDATES = (*DEFAULT_CANDIDATES, "seasonal_naive")
BACKTEST_HORIZONS = (1, 3, 6, 12)
MIN_TRAIN = 13

DRIVER = r'''
"""Run cs-demand-model on a folder of returns; print JSON (called by bench_demand_model.py)."""
import json, sys, time, warnings
warnings.simplefilter("ignore")
started = time.perf_counter()
from datetime import date
import pandas as pd
import cs_demand_model
from cs_demand_model import (Config, DemandModellingDataContainer, ModelPredictor,
                             PopulationStats, fs_datastore)
imported = time.perf_counter()
folder, origin, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
config = Config()
container = DemandModellingDataContainer(fs_datastore(folder), config)
stats = PopulationStats(container.enriched_view, config)
stock = stats.stock.sum(axis=1)
if origin == 0:  # only the model's own count of children in care on each 31 March
    print(json.dumps({str(y): float(stock.asof(pd.Timestamp(y, 3, 31)))
                      for y in range(stock.index.min().year + 1, last + 1)}))
    sys.exit(0)
ref_start, ref_end = date(origin - 1, 4, 1), date(origin, 3, 31)
predictor = ModelPredictor.from_model(stats, ref_start, ref_end)
fitted = time.perf_counter()
days = (date(last, 3, 31) - ref_end).days
predicted = predictor.predict(days) if days > 0 else None
done = time.perf_counter()
out = {
    "version": getattr(cs_demand_model, "__version__", None),
    "pandas": pd.__version__,
    "start_stock": float(predictor.initial_population.sum()),
    "forecast": {},
    "seconds_import": imported - started,
    "seconds_fit": fitted - imported,
    "seconds_predict": done - fitted,
}
if predicted is not None:
    total = predicted.sum(axis=1)
    total.index = pd.to_datetime(total.index)
    for year in range(origin + 1, last + 1):
        out["forecast"][str(year)] = float(total.asof(pd.Timestamp(year, 3, 31)))
print(json.dumps(out))
'''


# --- the demand model's environment ------------------------------------------------------------


def _run(cmd: list[str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def demand_model_env(venv: Path) -> dict[str, object]:
    """Create ``venv`` and install the demand model into it (reused if already there)."""
    python = venv / "bin" / "python"
    record: dict[str, object] = {"venv": str(venv), "package": PACKAGE}
    check = [str(python), "-c", "import cs_demand_model, pandas; print(pandas.__version__)"]
    if python.exists() and _run(check).returncode == 0:
        record.update(installed="reused", python=str(python))
        return record
    started = time.perf_counter()
    attempts = []
    if not python.exists():
        made = _run([sys.executable, "-m", "venv", str(venv)])
        if made.returncode != 0:
            attempts.append(f"python -m venv failed: {made.stderr.strip()[-500:]}")
    if python.exists():
        pip = _run([str(python), "-m", "pip", "install", "--quiet", PACKAGE])
        if pip.returncode == 0:
            record.update(installed="pip", install_seconds=round(time.perf_counter() - started, 1))
            record["python"] = str(python)
            return record
        attempts.append(f"pip install failed: {pip.stderr.strip()[-800:]}")
    uv = shutil.which("uv")
    if uv:
        shutil.rmtree(venv, ignore_errors=True)
        made = _run([uv, "venv", "--python", "3.11", str(venv)])
        inst = _run([uv, "pip", "install", "--python", str(python), PACKAGE])
        if made.returncode == 0 and inst.returncode == 0:
            record.update(installed="uv", install_seconds=round(time.perf_counter() - started, 1))
            record["python"] = str(python)
            return record
        attempts.append(f"uv failed: {(made.stderr + inst.stderr).strip()[-800:]}")
    else:
        attempts.append("uv is not installed")
    record.update(installed=False, why=attempts)
    return record


# --- data --------------------------------------------------------------------------------


def returns_by_year() -> list[tuple[int, str, str]]:
    """(year ending 31 March, header file, episodes file) for each return, from its dates."""
    data = read_ssda903(SAMPLE)
    out = []
    for episodes, year in data.years.items():
        out.append((year, episodes.replace("episodes", "header"), episodes))
    return sorted(out)


def fit_folder(files: list[tuple[int, str, str]], origin: int, into: Path) -> Path:
    """A folder holding only the header and episodes files of the returns up to ``origin``
    (the early years); the demand model would misread the UASC files."""
    folder = into / f"upto_{origin}"
    folder.mkdir(parents=True, exist_ok=True)
    for year, header, episodes in files:
        if year <= origin:
            shutil.copy(SAMPLE / header, folder / header)
            shutil.copy(SAMPLE / episodes, folder / episodes)
    return folder


def actuals(files: list[tuple[int, str, str]]) -> dict[str, dict[str, float]]:
    """Children looked after on 31 March of each year: as that year's return gives it (returns
    up to the year) and as all the returns together give it."""
    raws = [
        RawReturn(e, read_return_csv(SAMPLE / e), h, read_return_csv(SAMPLE / h))
        for _, h, e in files
    ]
    as_returned, revised = {}, {}
    everything = clean_returns(raws)
    for k, (year, _, _) in enumerate(files, start=1):
        upto = clean_returns(raws[:k])
        when = pd.Timestamp(year, 3, 31)
        as_returned[str(year)] = float(len(looked_after_on(upto.episodes, when)))
        revised[str(year)] = float(len(looked_after_on(everything.episodes, when)))
    return {"as_returned": as_returned, "all_returns": revised}


# --- the two methods ------------------------------------------------------------------------------


def month_end_stock(folder: Path, first_year: int, origin: int) -> pd.Series:
    """Children looked after at the end of each month, 31 March ``first_year - 1`` to 31 March
    ``origin``, from the returns in ``folder``."""
    data = read_ssda903(folder)
    ends = pd.date_range(f"{first_year - 1}-03-31", f"{origin}-03-31", freq="ME")
    values = [len(looked_after_on(data.episodes, when)) for when in ends]
    return pd.Series(
        values, index=[f"{d.year}-{d.month:02d}" for d in ends], name="sample", dtype=float
    )


def run_cscanalysis(folder: Path, first_year: int, origin: int) -> dict[str, object]:
    started = time.perf_counter()
    series = month_end_stock(folder, first_year, origin)
    derived = time.perf_counter()
    horizon = 12 * (LAST - origin)
    result = F.auto_forecast(
        series,
        horizon,
        candidates=list(CANDIDATES),
        backtest_horizons=BACKTEST_HORIZONS,
        min_train=MIN_TRAIN,
    )
    done = time.perf_counter()
    fc = result.forecasts.set_index("period")
    march = {str(y): f"{y}-03" for y in range(origin + 1, LAST + 1)}
    naive = float(series.iloc[-1])
    return {
        "months_of_history": len(series),
        "start_stock": float(series.iloc[-1]),
        "model": str(fc["model"].iloc[0]),
        "forecast": {y: float(fc.loc[p, "mean"]) for y, p in march.items()},
        "lo80": {y: float(fc.loc[p, "lo80"]) for y, p in march.items()},
        "hi80": {y: float(fc.loc[p, "hi80"]) for y, p in march.items()},
        "naive_forecast": dict.fromkeys(march, naive),
        "note": str(fc["note"].iloc[-1]),
        "seconds_read_and_derive": round(derived - started, 3),
        "seconds_forecast": round(done - derived, 3),
        "seconds_total": round(done - started, 3),
    }


def run_demand_model(python: str, folder: Path, origin: int, driver: Path) -> dict[str, object]:
    started = time.perf_counter()
    done = _run([python, str(driver), str(folder), str(origin), str(LAST)], timeout=1800)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-1500:]}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["seconds_subprocess_wall"] = round(wall, 3)
    out["seconds_total"] = round(out["seconds_fit"] + out["seconds_predict"], 3)
    for key in ("seconds_import", "seconds_fit", "seconds_predict"):
        out[key] = round(out[key], 3)
    return out


# --- scoring -----------------------------------------------------------------------------


def score(forecasts: list[tuple[int, str, float]], truth: dict[str, float]) -> dict[str, object]:
    """MAE and MAPE (%) over (origin, year, forecast) triples, overall and by years ahead."""
    rows = pd.DataFrame(forecasts, columns=["origin", "year", "forecast"])
    rows["actual"] = rows["year"].map(truth)
    rows["ahead"] = rows["year"].astype(int) - rows["origin"]
    rows["error"] = rows["forecast"] - rows["actual"]
    rows["ape"] = 100 * rows["error"].abs() / rows["actual"]

    def summary(part: pd.DataFrame) -> dict[str, float]:
        return {
            "n": len(part),
            "MAE": round(float(part["error"].abs().mean()), 1),
            "MAPE": round(float(part["ape"].mean()), 1),
            "bias": round(float(part["error"].mean()), 1),
        }

    return {
        "all": summary(rows),
        "by_years_ahead": {str(h): summary(g) for h, g in rows.groupby("ahead")},
        "fitted_on_2017_18_and_2018_19": summary(rows[rows["origin"] == ORIGINS[0]]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="outputs/bench/demand_model.json")
    parser.add_argument(
        "--venv",
        default=str(ROOT / "outputs" / "bench_demand_model" / "venv"),
        help="virtual environment for cs-demand-model (created if missing)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    env = demand_model_env(Path(args.venv))
    files = returns_by_year()
    first_year = files[0][0]
    truth = actuals(files)
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        driver = Path(tmp) / "csdm_driver.py"
        driver.write_text(DRIVER, encoding="utf-8")
        for origin in ORIGINS:
            folder = fit_folder(files, origin, Path(tmp))
            entry: dict[str, object] = {
                "fitted_on": [e for y, _, e in files if y <= origin],
                "cscanalysis": run_cscanalysis(folder, first_year, origin),
            }
            if env.get("installed"):
                entry["demand_model"] = run_demand_model(str(env["python"]), folder, origin, driver)
            results[str(origin)] = entry
            print(f"origin {origin}: done", flush=True)
        own_count = None
        if env.get("installed"):
            everything = fit_folder(files, LAST, Path(tmp))
            done = _run([str(env["python"]), str(driver), str(everything), "0", str(LAST)])
            own_count = (
                json.loads(done.stdout.strip().splitlines()[-1])
                if done.returncode == 0
                else {"error": done.stderr.strip()[-800:]}
            )

    methods = {
        "cscanalysis": lambda r: r["cscanalysis"]["forecast"],
        "naive": lambda r: r["cscanalysis"]["naive_forecast"],
    }
    if env.get("installed"):
        methods["demand_model"] = lambda r: r.get("demand_model", {}).get("forecast", {})
    scores: dict[str, dict[str, object]] = {}
    for name, pick in methods.items():
        triples = [
            (int(o), y, v) for o, r in results.items() for y, v in pick(r).items() if v is not None
        ]
        if triples:
            scores[name] = {basis: score(triples, truth[basis]) for basis in truth}
    times = {
        "cscanalysis_seconds": {o: r["cscanalysis"]["seconds_total"] for o, r in results.items()},
    }
    if env.get("installed"):
        times["demand_model_seconds_fit_and_predict"] = {
            o: r["demand_model"].get("seconds_total") for o, r in results.items()
        }
        times["demand_model_seconds_subprocess_wall"] = {
            o: r["demand_model"].get("seconds_subprocess_wall") for o, r in results.items()
        }
    record = {
        "benchmark": "children looked after on 31 March: cscanalysis against cs-demand-model",
        "data": "SYNTHETIC SSDA903 sample data/raw/ssda903/sample_la (cs-demand-model test data, "
        "MIT): five returns, years ending 31 March 2018 to 2022; no real child",
        "design": {
            "origins": list(ORIGINS),
            "fit": "each method sees only the returns for the years ending 31 March up to the "
            "origin (the early years)",
            "score": "forecasts of every later 31 March up to 2022 (the later years), against "
            "the count from the returns up to that year (as_returned) and from all five "
            "returns (all_returns)",
            "cscanalysis": f"month-end counts from 31 March {first_year - 1}; auto_forecast "
            f"candidates {list(CANDIDATES)}, backtest horizons {list(BACKTEST_HORIZONS)}, "
            f"min_train {MIN_TRAIN}",
            "demand_model": "reference period the 12 months to 31 March of the origin; "
            "predicted day by day from 31 March of the origin",
        },
        "actuals": truth,
        "demand_model_own_count": own_count,
        "scores": scores,
        "run_time": times,
        "results": results,
        "demand_model_environment": env,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
    }
    out.write_text(json.dumps(record, indent=2), encoding="utf-8")
    print(json.dumps({"scores": scores, "run_time": times}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
