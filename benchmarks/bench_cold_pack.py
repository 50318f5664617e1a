"""Issue 15 benchmark: one cold evidence pack (a new process, chart files on), median of runs.

Four ways of building the same pack (default Bristol, 2025), each run in a new process, taken in
turn (round-robin) so that load from other processes falls on all of them alike:

- ``cli_no_cache``: ``python -m cscanalysis.cli pack`` with ``CSCANALYSIS_DERIVED_CACHE=off``:
  the publication table and the all-councils forecast computed in every process (the state
  before the derived-results cache).
- ``cli_empty_cache``: the same with ``data/cache/derived`` emptied first: the first pack after
  a data or code change (computes them once and writes them).
- ``cli_warm_cache``: the same with the cache filled: every later pack of the data version.
- ``plain``: the plain way, ``papermill`` CLI then ``jupyter nbconvert`` CLI, cache off.
- ``cli_before`` (with ``--before SRC``): the CLI of another version's ``src`` folder (e.g.
  ``git archive <commit> src | tar -x -C /tmp/before``), on this tree's raw data and notebook,
  with its own cache folder (its tidy table's key differs when ``store/tidy.py`` differs; sharing
  one folder would rebuild the table at every turn), filled by one untimed run first.

Reports each one's median wall time and its ratio to the plain run's median, and checks that
the pages of the three CLI ways are identical apart from the build time. Absolute seconds depend
on the machine and its load (recorded); compare the ratios. Writes JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
ENV = os.environ | {"PYTHONWARNINGS": "ignore", "PYTHONPATH": str(SRC)}
WAYS = ("cli_no_cache", "cli_empty_cache", "cli_warm_cache", "plain")


def derived_folder() -> Path:
    sys.path.insert(0, str(SRC))
    from cscanalysis.core.paths import cache_dir

    return cache_dir() / "derived"


def cli_pack(council: str, period: str, out: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cscanalysis.cli", "pack", "--council", council, "--period",
         period, "--out", str(out)],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    return time.perf_counter() - start


def plain_pack(ipynb: Path, council: str, period: str, folder: Path) -> float:
    """``papermill`` CLI then ``jupyter nbconvert`` CLI, as in ``bench_batch.py``."""
    sys.path.insert(0, str(SRC))
    from cscanalysis.packs.notebook import TEMPLATES

    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / "pack.ipynb"
    env = ENV | {"CSCANALYSIS_DERIVED_CACHE": "off"}
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "papermill"), str(ipynb), str(executed), "-p", "council", council, "-p",
         "period", period, "-k", "python3", "--cwd", str(folder), "--no-progress-bar"],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--template", "cscpack",
         f"--TemplateExporter.extra_template_basedirs={TEMPLATES}", "--no-input",
         "--no-prompt", "--TagRemovePreprocessor.enabled=True",
         "--TagRemovePreprocessor.remove_cell_tags=remove-cell", str(executed)],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    return time.perf_counter() - start


def page_text(folder: Path) -> str:
    """The pack's page without its build time (the one thing that differs run to run)."""
    pages = list(folder.rglob("index.html"))
    text = pages[0].read_text(encoding="utf-8")
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "BUILT", text)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="outputs/bench/cold_pack.json")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--council", default="Bristol")
    parser.add_argument("--period", default="2025")
    parser.add_argument("--before", type=Path, help="another version's src folder, also timed")
    args = parser.parse_args()
    ways = WAYS + (("cli_before",) if args.before else ())
    import jupytext

    derived = derived_folder()
    times: dict[str, list[float]] = {way: [] for way in ways}
    pages: dict[str, str] = {}
    loads = []
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as temp:
        work = Path(temp)
        ipynb = work / "evidence_pack.ipynb"
        notebook = jupytext.read(ROOT / "notebooks" / "evidence_pack.py")
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        notebook.metadata["language_info"] = {"name": "python"}
        jupytext.write(notebook, ipynb)
        before_env = {}
        if args.before:
            data = work / "before-data"  # the same inputs, a cache of its own
            data.mkdir()
            for entry in (ROOT / "data").iterdir():
                if entry.name != "cache":
                    (data / entry.name).symlink_to(entry)
            before_env = ENV | {
                "PYTHONPATH": str(args.before.resolve()),
                "CSCANALYSIS_DATA_DIR": str(data),
                "CSCANALYSIS_NOTEBOOKS": str(ROOT / "notebooks"),
            }
            cli_pack(args.council, args.period, work / "before-warm-up", before_env)
        for run in range(args.runs):
            for way in ways:
                out = work / f"{way}-{run}"
                loads.append(os.getloadavg()[0])
                if way == "plain":
                    seconds = plain_pack(ipynb, args.council, args.period, out)
                elif way == "cli_before":
                    seconds = cli_pack(args.council, args.period, out, before_env)
                    pages.setdefault(way, page_text(out))
                else:
                    off = way == "cli_no_cache"
                    env = ENV | ({"CSCANALYSIS_DERIVED_CACHE": "off"} if off else {})
                    if way == "cli_empty_cache":
                        shutil.rmtree(derived, ignore_errors=True)
                    seconds = cli_pack(args.council, args.period, out, env)
                    pages.setdefault(way, page_text(out))
                times[way].append(round(seconds, 2))
                print(f"run {run + 1} {way}: {seconds:.2f} s", flush=True)
                shutil.rmtree(out, ignore_errors=True)
    medians = {way: round(statistics.median(values), 2) for way, values in times.items()}
    plain = medians["plain"]
    result = {
        "benchmark": "one cold evidence pack, chart files on (issue 15)",
        "council": args.council,
        "period": args.period,
        "runs": args.runs,
        "seconds": times,
        "median_s": medians,
        "ratio_to_plain": {way: round(m / plain, 2) for way, m in medians.items()},
        "pages_identical": len(set(pages.values())) == 1,
        "pages_compared": sorted(pages),
        "load_average_1min": {
            "min": round(min(loads), 2),
            "median": round(statistics.median(loads), 2),
            "max": round(max(loads), 2),
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "how": "each run a new process; ways taken in turn; wall time of the whole command",
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("median_s", "ratio_to_plain", "pages_identical")}))
    return 0 if result["pages_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
