"""Issue 2 benchmark: the tidy-table build split into stages, and one pack built cold from the CLI.

Writes JSON. The baseline measured in the same run is reading the same raw CSVs with plain
``pandas.read_csv`` (no cleaning, no validation): the build's cost is quoted as a ratio to it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from cscanalysis import __version__
from cscanalysis.core.paths import raw_dir
from cscanalysis.sources.cin import CIN_FILES
from cscanalysis.sources.cla import SFR_FILES
from cscanalysis.store.tidy import build_tidy, load_tidy


def plain_read_seconds(raw: Path) -> float:
    """Baseline: pandas.read_csv of every file the readers parse, nothing else."""
    files = [raw / "cla" / f for files in SFR_FILES.values() for f in files]
    files += sorted((raw / "cla").glob("ees_ry*/*.csv"))
    files += [raw / "cin" / name for name in CIN_FILES]
    files += sorted((raw / "workforce").glob("*.csv")) + sorted((raw / "population").glob("*.csv"))
    start = time.perf_counter()
    for path in files:
        pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return time.perf_counter() - start


def best_of(n: int, func):
    times = []
    result = None
    for _ in range(n):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="outputs/bench/foundation.json")
    parser.add_argument("--council", default="Bristol")
    args = parser.parse_args()
    raw = raw_dir()

    baseline, _ = best_of(3, lambda: plain_read_seconds(raw))
    stages: dict[str, float] = {}

    def timed_build() -> pd.DataFrame:
        stages.clear()  # keep the stages of the last (warm) build
        return build_tidy(raw, timings=stages)

    build, tidy = best_of(3, timed_build)
    load_tidy()  # make sure the cache exists
    cached, _ = best_of(3, load_tidy)

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cscanalysis.cli",
                "pack",
                "--council",
                args.council,
                "--period",
                "latest",
                "--out",
                out,
            ],
            check=True,
            env=os.environ | {"PYTHONWARNINGS": "ignore"},
            capture_output=True,
        )
        pack_cold = time.perf_counter() - start

    result = {
        "benchmark": "foundation",
        "version": __version__,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "tidy_rows": len(tidy),
        "baseline_plain_read_csv_s": round(baseline, 3),
        "tidy_build_s": round(build, 3),
        "tidy_build_vs_plain_read": round(build / baseline, 2),
        "tidy_build_stages_s": {k: round(v, 3) for k, v in stages.items()},
        "tidy_from_cache_s": round(cached, 3),
        "cache_speedup_vs_build": round(build / cached, 1),
        "pack_cold_from_cli_s": round(pack_cold, 2),
        "pack_council": args.council,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
