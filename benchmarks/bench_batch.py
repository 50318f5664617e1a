"""Issue 4 benchmark: evidence packs for every council, batch command versus the plain loop.

In one run on this machine:

1. **Where one pack's time goes** (``profile``): the plain path (``papermill`` CLI, then
   ``jupyter nbconvert`` CLI) split into process start, kernel start, each cell and the HTML
   export; the notebook's library calls timed in-process (imports, data load, analysis,
   forecasting, chart building, PNG and SVG rendering, chart files and HTML fragments); and one
   pack in a warm kernel.
2. **Baseline**: the plain loop, ``papermill`` then ``jupyter nbconvert`` once per council, over
   every council of the batch (``--baseline-sample 0``, ``make bench``) or, for a quick look, a
   sample spread over the list, extrapolated (the JSON says which).
3. **Batch**: ``cscanalysis packs --all --period P --out TMP --workers W --force`` (the real
   command, as a subprocess), wall time, packs per minute and each worker's peak memory.
4. **Identity**: every council's batch page against the plain loop's page for the same council.
   They may differ only where the plain loop cannot match the batch: the page title and
   language (set by the batch's renderer), the random cell ids and the build time. Everything
   else (text, tables, image bytes) must be identical.
5. Optionally (``--without-chart-files``) the batch again with ``-p chart_files=false``: what the
   300-dpi PNG and SVG download files cost.

Writes JSON (``--out``). ``--limit N`` runs the batch on the first N councils only (quick
checks; the JSON says so).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from functools import wraps
from importlib.metadata import version
from pathlib import Path

BIN = Path(sys.executable).parent
ENV = os.environ | {"PYTHONWARNINGS": "ignore"}


def seconds(start: float) -> float:
    return round(time.perf_counter() - start, 3)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def child_cpu() -> float:
    """CPU seconds (user + system) of every finished child process and their children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- plain path


def plain_pack(ipynb: Path, code: str, period: str, work: Path) -> dict[str, float]:
    """One council the plain way: ``papermill`` CLI then ``jupyter nbconvert`` CLI."""
    from cscanalysis.packs.notebook import TEMPLATES

    folder = work / code
    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / "pack.ipynb"
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "papermill"), str(ipynb), str(executed), "-p", "council", code, "-p",
         "period", period, "-k", "python3", "--cwd", str(folder), "--no-progress-bar"],
        check=True, capture_output=True, env=ENV,
    )  # fmt: skip
    papermill_s = seconds(start)
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--template", "cscpack",
         f"--TemplateExporter.extra_template_basedirs={TEMPLATES}", "--no-input",
         "--no-prompt", "--TagRemovePreprocessor.enabled=True",
         "--TagRemovePreprocessor.remove_cell_tags=remove-cell", str(executed)],
        check=True, capture_output=True, env=ENV,
    )  # fmt: skip
    return {"papermill_s": papermill_s, "nbconvert_s": seconds(start)}


def cell_durations(executed: Path) -> list[dict[str, object]]:
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        cells.append(
            {
                "cell": tags[0] if tags else first[:60],
                "seconds": round(cell.metadata.get("papermill", {}).get("duration") or 0, 3),
            }
        )
    return cells


def kernel_start_seconds(repeat: int = 3) -> float:
    from jupyter_client.manager import KernelManager

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        manager = KernelManager(kernel_name="python3")
        manager.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        times.append(time.perf_counter() - start)
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return round(min(times), 3)


def import_seconds(source: Path) -> float:
    """A new Python process importing what the notebook imports, less an empty process."""
    import jupytext

    lines = []
    for cell in jupytext.read(source).cells:
        if cell.cell_type == "code":
            lines += [
                line for line in cell.source.splitlines() if re.match(r"(import|from) \S+", line)
            ]
    code = "\n".join(lines)

    def timed(program: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", program], check=True, env=ENV)
        return time.perf_counter() - start

    return round(min(timed(code) for _ in range(2)) - min(timed("pass") for _ in range(2)), 3)


# --------------------------------------------------------------------------- in-process stages

STAGES = {
    "data load (load_tidy, load_register)": [
        ("cscanalysis.store.tidy", "load_tidy"),
        ("cscanalysis.core.councils", "load_register"),
    ],
    "analysis (prepare incl. suppression, headline table, facts, ranks, sources)": [
        ("cscanalysis.packs.evidence.content", "prepare"),
        ("cscanalysis.packs.evidence.content", "headline_table"),
        ("cscanalysis.packs.evidence.content", "headline_display"),
        ("cscanalysis.packs.evidence.content", "key_facts"),
        ("cscanalysis.packs.evidence.content", "ranks_table"),
        ("cscanalysis.packs.evidence.content", "sources_used"),
    ],
    "forecasting (outlook, what-ifs)": [
        ("cscanalysis.packs.evidence.outlook", "outlook"),
        ("cscanalysis.packs.evidence.outlook", "outlook_facts"),
        ("cscanalysis.packs.evidence.outlook", "what_if_table"),
    ],
    "chart building (pack_charts: figures, titles, alt text, data)": [
        ("cscanalysis.packs.evidence.charts", "pack_charts"),
    ],
    # drawn here; compressed and written by a background thread (the wait is in close_charts)
    "chart rendering: PNG 300 dpi (drawn)": [("cscanalysis.render.chart:Chart", "write_png")],
    "chart rendering: SVG (embedded and written)": [("cscanalysis.render.chart:Chart", "svg")],
    "chart rendering: half-width SVG (laid out again, embedded)": [
        ("cscanalysis.render.chart:Chart", "svg_narrow")
    ],
    "waiting for the PNG files (close_charts)": [("cscanalysis.render.chart", "close_charts")],
}
ENCLOSING = {  # stage: (function, stages nested inside it)
    "chart files and figure HTML (figure_html less rendering)": (
        ("cscanalysis.packs.evidence.charts", "figure_html"),  # as the pack's Figures calls it
        [
            "chart rendering: PNG 300 dpi (drawn)",
            "chart rendering: SVG (embedded and written)",
            "chart rendering: half-width SVG (laid out again, embedded)",
        ],
    ),
}


def profile_stages(source: Path, code: str, period: str) -> dict[str, object]:
    """Run the notebook's code cells in this (new) process, timing the library's stages."""
    import importlib

    import jupytext

    spent: dict[tuple[str, str], float] = {}

    def timed(key, function):
        @wraps(function)
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - start

        return wrapper

    start = time.perf_counter()
    importlib.import_module("cscanalysis.packs.evidence.content")
    importlib.import_module("cscanalysis.render.chart_files")
    imports = seconds(start)
    keys = [k for ks in STAGES.values() for k in ks] + [v[0] for v in ENCLOSING.values()]
    for module_name, name in keys:
        module_path, _, cls = module_name.partition(":")
        owner = importlib.import_module(module_path)
        owner = getattr(owner, cls) if cls else owner
        if hasattr(owner, name):
            setattr(owner, name, timed((module_name, name), getattr(owner, name)))
    notebook = jupytext.read(source)
    namespace: dict[str, object] = {}
    folder = Path(tempfile.mkdtemp(prefix="bench-pack-"))
    here = Path.cwd()
    os.chdir(folder)
    start = time.perf_counter()
    try:
        with open(os.devnull, "w") as null, redirect_stdout(null):
            for cell in notebook.cells:
                if cell.cell_type != "code":
                    continue
                exec(compile(cell.source, "cell", "exec"), namespace)
                if "parameters" in cell.metadata.get("tags", []):
                    namespace.update(council=code, period=period)
    finally:
        os.chdir(here)
        shutil.rmtree(folder, ignore_errors=True)
    total = seconds(start)
    stages = {name: round(sum(spent.get(k, 0.0) for k in ks), 3) for name, ks in STAGES.items()}
    for name, (key, inner) in ENCLOSING.items():
        stages[name] = round(spent.get(key, 0.0) - sum(stages[i] for i in inner), 3)
    stages["other (display, rest of the cells)"] = round(total - sum(stages.values()), 3)
    return {"library_imports_s": imports, "cells_total_s": total, "stages_s": stages}


# --------------------------------------------------------------------------- warm kernel


def warm_packs(source: Path, codes: list[str], period: str) -> dict[str, object]:
    from cscanalysis.packs.engine import WarmKernel
    from cscanalysis.packs.framework import publish_notebook

    kernel = WarmKernel()
    start = time.perf_counter()
    kernel.start()
    started = seconds(start)
    times = []
    with tempfile.TemporaryDirectory() as out:
        for code in codes:
            start = time.perf_counter()
            publish_notebook(
                source, {"council": code, "period": period}, Path(out) / code, title="x",
                manifest={}, runner=kernel.run,
            )  # fmt: skip
            times.append(seconds(start))
    peak = kernel.peak_rss()
    kernel.shutdown()
    return {
        "kernel_start_and_warmup_s": started,
        "per_pack_s": times,
        "mean_per_pack_s": round(sum(times) / len(times), 3),
        "kernel_peak_rss_mb": round(peak / 2**20, 1) if peak else None,
    }


# --------------------------------------------------------------------------- the run


def pack_content(page: Path) -> str:
    """The page less what the plain loop cannot reproduce: title, lang, cell ids, build time."""
    text = page.read_text("utf-8")
    text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "<built>", text)
    text = re.sub(r'id="cell-id=[^"]*"', 'id="cell"', text)
    text = re.sub(r"<title>.*?</title>", "<title/>", text, count=1)
    return re.sub(r'<html lang="[^"]*">', "<html>", text, count=1)


def batch_run(
    councils: list[str], out: Path, workers: int, args: argparse.Namespace, extra: list[str] = ()
) -> dict[str, object]:
    """``cscanalysis packs`` as a subprocess: wall time, CPU, packs per minute, peak memory."""
    command = [sys.executable, "-m", "cscanalysis.cli", "packs", "--period", args.period,
               "--out", str(out), "--workers", str(workers), "--force", *extra]  # fmt: skip
    command += ["--council", *councils] if args.limit else ["--all"]
    load_before = load()
    start, cpu = time.perf_counter(), child_cpu()
    done = subprocess.run(command, capture_output=True, text=True, env=ENV)
    wall = seconds(start)
    cpu = child_cpu() - cpu
    record = json.loads((out / args.period / "manifest.json").read_text())
    built = record["counts"]["built_this_run"]
    peaks = record.get("worker_peaks", {})
    pack_seconds = [p["seconds"] for p in record["packs"] if p["action"] == "built"]
    result = {
        "command": f"cscanalysis packs --period {args.period} --out DIR --workers {workers} "
        + " ".join(["--force", *extra, f"--council <{args.limit}>" if args.limit else "--all"]),
        "exit_status": done.returncode,
        "councils": len(councils),
        "built": built,
        "failed": record["counts"]["failed"],
        "workers": workers,
        "load_average_before": load_before,
        "wall_s": wall,
        "run_s_in_manifest": record["seconds"],
        "packs_per_minute": round(built / wall * 60, 2),
        "mean_pack_s_on_worker": round(sum(pack_seconds) / max(len(pack_seconds), 1), 3),
        "cpu_s_total": round(cpu, 1),
        "cpu_s_per_pack": round(cpu / max(built, 1), 2),
        "peak_memory_per_worker_mb": {
            address: {
                "worker_process": round((p.get("worker_peak_rss") or 0) / 2**20, 1),
                "warm_kernel": round((p.get("kernel_peak_rss") or 0) / 2**20, 1),
                "kernel_starts": p.get("kernel_starts"),
            }
            for address, p in peaks.items()
        },
        "failures": [
            {"council": p["council_code"], "reason": p["reason"]}
            for p in record["packs"]
            if p["status"] != "built"
        ],
    }
    if done.returncode not in (0, 1):
        result["stderr_tail"] = done.stderr[-3000:]
    print(json.dumps(result, indent=2), flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="outputs/bench/batch.json")
    parser.add_argument("--period", default="2023")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--baseline-sample", type=int, default=0, help="councils in the plain loop (default 0: all)"
    )
    parser.add_argument("--without-chart-files", action="store_true")
    parser.add_argument("--limit", type=int, default=0, help="batch on the first N councils")
    parser.add_argument("--profile-pack", help=argparse.SUPPRESS)  # internal: one council
    args = parser.parse_args()

    from cscanalysis.packs.notebook import NOTEBOOKS

    source = NOTEBOOKS / "evidence_pack.py"
    if args.profile_pack:  # run in a new process so that imports and caches start cold
        print(json.dumps(profile_stages(source, args.profile_pack, args.period)))
        return 0

    import jupytext

    from cscanalysis import __version__
    from cscanalysis.core.councils import load_register
    from cscanalysis.packs.batch.run import available_cores

    workers = args.workers or available_cores()
    councils = [c.code for c in load_register().councils(int(args.period))]
    batch_councils = councils[: args.limit] if args.limit else councils
    if args.baseline_sample:
        step = max(len(batch_councils) // args.baseline_sample, 1)
        sample = batch_councils[::step][: args.baseline_sample]
    else:
        sample = list(batch_councils)
    result: dict[str, object] = {
        "benchmark": "batch",
        "version": __version__,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "cores_available": available_cores(),
            "load_average_at_start": load(),
        },
        "tools": {p: version(p) for p in ("papermill", "nbconvert", "nbclient", "distributed")},
        "period": args.period,
        "councils": len(councils),
    }
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        ipynb = work / "evidence_pack.ipynb"
        notebook = jupytext.read(source)
        notebook.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3",
                                                    "language": "python"})  # fmt: skip
        jupytext.write(notebook, ipynb)

        # 1. one pack, the plain way, split up; then in-process stages; then warm
        first = sample[0]
        plain = plain_pack(ipynb, first, args.period, work / "profile")
        start = time.perf_counter()
        import nbformat

        from cscanalysis.packs.notebook import render_html

        executed = nbformat.read(work / "profile" / first / "pack.ipynb", as_version=4)
        render_html(executed, "x")
        render_s = seconds(start)
        stages = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--profile-pack", first, "--period", args.period],
                check=True, capture_output=True, text=True, env=ENV,
            ).stdout.strip().splitlines()[-1]
        )  # fmt: skip
        result["profile_one_pack"] = {
            "council": first,
            "plain_papermill_cli_s": plain["papermill_s"],
            "plain_nbconvert_cli_s": plain["nbconvert_s"],
            "kernel_start_s": kernel_start_seconds(),
            "notebook_imports_new_process_s": import_seconds(source),
            "cells_s": cell_durations(work / "profile" / first / "pack.ipynb"),
            "html_export_in_process_s": render_s,
            "in_process": stages,
            "warm_kernel": warm_packs(source, sample[:3], args.period),
            "note": "plain_* are wall times of the two CLI commands for one council; cells_s "
            "are papermill's per-cell durations in that run; in_process times the notebook's "
            "library calls in a new process (first pack: caches cold); warm_kernel is the "
            "batch's way (reset + execute + HTML + files) for 3 councils in one kernel.",
        }
        print(json.dumps(result["profile_one_pack"], indent=2), flush=True)

        # 2. baseline: the plain loop, every council (or a sample, extrapolated)
        result["load_average_before_baseline"] = load()
        start, cpu = time.perf_counter(), child_cpu()
        per = [plain_pack(ipynb, code, args.period, work / "plain") for code in sample]
        baseline_wall = seconds(start)
        per_pack = baseline_wall / len(sample)
        every = len(sample) == len(batch_councils)
        result["baseline_plain_loop"] = {
            "method": "papermill CLI then jupyter nbconvert CLI per council, sequentially, "
            + (
                f"over all {len(sample)} councils of the batch run"
                if every
                else f"on a sample of {len(sample)} councils spread over the list; wall time "
                f"extrapolated to all {len(batch_councils)} councils of the batch run"
            ),
            "councils": len(sample),
            "measured_wall_s": baseline_wall,
            "wall_s": round(per_pack * len(batch_councils), 1),
            "extrapolated": not every,
            "per_pack_s": round(per_pack, 3),
            "packs_per_minute": round(60 / per_pack, 2),
            "cpu_s_per_pack": round((child_cpu() - cpu) / len(sample), 2),
            "slowest_pack": max(
                ({"council": c, **p} for c, p in zip(sample, per, strict=True)),
                key=lambda p: p["papermill_s"] + p["nbconvert_s"],
            ),
        }
        print(json.dumps(result["baseline_plain_loop"], indent=2), flush=True)

        # 3. the batch command on every council
        out = work / "batch"
        result["batch"] = batch_run(batch_councils, out, workers, args)
        built = result["batch"]["built"]
        complete = built == len(batch_councils)
        baseline = result["baseline_plain_loop"]["wall_s"]
        batch_wall = result["batch"]["wall_s"]
        result["speedup_vs_plain_loop"] = round(baseline / batch_wall, 2) if complete else None
        result["cpu_per_pack_ratio_plain_vs_batch"] = round(
            result["baseline_plain_loop"]["cpu_s_per_pack"]
            / max(result["batch"]["cpu_s_per_pack"], 1e-9),
            2,
        )

        # 4. identity with the plain loop's pages
        differing = []
        for code in sample:
            plain_page = work / "plain" / code / "pack.html"
            batch_page = out / args.period / code / "index.html"
            if not batch_page.is_file() or pack_content(batch_page) != pack_content(plain_page):
                differing.append(code)
        result["identical_to_plain_loop"] = {
            "compared": len(sample),
            "identical": len(sample) - len(differing),
            "differing": differing,
            "masked": "page title, html lang, cell ids, build time",
        }
        result["goals"] = {
            "every_pack_built": complete,
            "identical_pack_content": not differing,
            "all_councils_under_2_minutes": bool(complete and not args.limit and batch_wall < 120),
            "at_least_5x_plain_loop": bool(complete and result["speedup_vs_plain_loop"] >= 5),
        }

        # 5. what the download files cost
        if args.without_chart_files:
            light = batch_run(
                batch_councils, work / "light", workers, args, ["-p", "chart_files=false"]
            )
            result["batch_without_chart_files"] = light
            result["speedup_without_chart_files_vs_plain_loop"] = round(
                baseline / light["wall_s"], 2
            )
        if args.limit:
            result["note"] = f"batch run on the first {args.limit} councils only (--limit)"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    target = Path(args.out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "profile_one_pack"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
