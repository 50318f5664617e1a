"""What a batch run reports: the period's ``manifest.json`` and ``index.html`` (every council with
its status), written atomically, and the progress lines printed while it runs."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from cscanalysis import __version__
from cscanalysis.core.safe_files import atomic_write_text, escape

if TYPE_CHECKING:
    from cscanalysis.packs.batch.run import BatchPlan, BatchReport
    from cscanalysis.packs.batch.worker import PackOutcome


BUILT, FAILED, NOT_RUN = "built", "failed", "not run"  # a pack's status in a run


def now_iso() -> str:
    """The time now, UTC, to the second (ISO 8601)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def manifest(report: BatchReport) -> dict[str, object]:
    """The run, machine-readable: what was asked, what each council's pack is, and why."""
    plan = report.plan
    return {
        "period": plan.period,
        "complete": report.ok,
        "interrupted": report.interrupted,
        "started_at": report.started_at,
        "seconds": report.seconds,
        "workers": report.workers,
        "scheduler": report.scheduler,
        "version": __version__,
        "data_key": plan.data_key,
        "notebook": plan.notebook.name,
        "notebook_sha256": plan.notebook_sha256,
        "code_key": plan.code_key,
        "parameters": plan.parameters,
        "force": plan.force,
        "counts": {
            "councils": len(report.outcomes),
            "built": sum(o.status == BUILT for o in report.outcomes),
            "failed": sum(o.status == FAILED for o in report.outcomes),
            "not_run": sum(o.status == NOT_RUN for o in report.outcomes),
            "built_this_run": report.count("built"),
            "unchanged": report.count("skipped"),
        },
        "worker_peaks": report.worker_peaks,
        "packs": [o.record() for o in report.outcomes],
    }


def index_html(record: dict[str, Any]) -> str:
    """``index.html`` from :func:`manifest`'s record: one row per council, all text escaped."""
    e = escape
    counts = record["counts"]
    rows = []
    for pack in record["packs"]:
        status = pack["status"]
        if pack["path"] and status == BUILT:
            link = f'<a href="{e(pack["path"])}">{e(pack["council_name"])}</a>'
        else:
            link = e(pack["council_name"])
        notes = []
        if pack["reason"]:
            notes.append(e(pack["reason"]))
        if pack["failure"]:
            notes.append(
                f'<a href="{e(pack["failure"])}error.txt">error</a> · '
                f'<a href="{e(pack["failure"])}pack.ipynb">executed notebook</a>'
            )
        if pack["previous_pack"] and status != BUILT:
            notes.append(
                f'<a href="{e(pack["path"])}">previous pack</a> kept (built from older inputs)'
            )
        seconds = f"{pack['seconds']:.1f}" if isinstance(pack["seconds"], int | float) else ""
        rows.append(
            f'<tr class="{e(status.replace(" ", "-"))}"><th scope="row">{link}</th>'
            f"<td>{e(pack['council_code'])}</td><td>{e(status)}</td>"
            f"<td>{e(_this_run(pack))}</td><td>{e(pack['built_at'] or '')}</td>"
            f"<td>{e(seconds)}</td><td>{' '.join(notes)}</td></tr>"
        )
    state = "complete" if record["complete"] else "incomplete"
    summary = (
        f"{counts['built']} of {counts['councils']} packs built"
        f" ({counts['built_this_run']} this run, {counts['unchanged']} unchanged)"
        f", {counts['failed']} failed, {counts['not_run']} not run"
    )
    details = {
        "Run started": record["started_at"],
        "Run time": f"{record['seconds']:.1f} s",
        "Workers": f"{record['workers']} ({record['scheduler']})",
        "Notebook": f"{record['notebook']} (sha256 {str(record['notebook_sha256'])[:12]})",
        "Parameters": json.dumps(record["parameters"]) if record["parameters"] else "none",
        "Package": f"cscanalysis {record['version']}",
        "Data key": record["data_key"],
    }
    facts = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in details.items())
    title = f"Children's social care evidence packs, {record['period']}"
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>
body {{ font-family: Arial, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem;
  color: #0b0c0c; line-height: 1.4; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.95rem; }}
th, td {{ border-bottom: 1px solid #b1b4b6; padding: 0.35rem 0.5rem; text-align: left;
  vertical-align: top; }}
thead th {{ border-bottom: 2px solid #0b0c0c; }}
tr.failed th, tr.failed td:nth-child(3) {{ color: #801650; font-weight: bold; }}
tr.not-run td:nth-child(3) {{ color: #3d3d3d; font-style: italic; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }}
dt {{ font-weight: bold; }} dd {{ margin: 0; overflow-wrap: anywhere; min-width: 0; }}
a {{ color: #12436d; }}
.table-wrap {{ overflow-x: auto; max-width: 100%; }}
@media (max-width: 40rem) {{ body {{ margin: 1rem auto; padding: 0 0.75rem; }}
  dl {{ grid-template-columns: 1fr; }} dd {{ margin-bottom: 0.4rem; }} }}
</style>
</head>
<body>
<h1>{e(title)}</h1>
<p class="summary"><strong>{e(state.capitalize())}:</strong> {e(summary)}.</p>
<dl>{facts}</dl>
<div class="table-wrap"><table>
<caption>Every council in this run: status of its pack, what this run did, when the pack was
built and how long it took, and for a failure the reason</caption>
<thead><tr><th scope="col">Council</th><th scope="col">Code</th><th scope="col">Status</th>
<th scope="col">This run</th><th scope="col">Built at (UTC)</th>
<th scope="col">Build time (s)</th><th scope="col">Notes</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table></div>
</body>
</html>
"""


def _this_run(pack: dict[str, object]) -> str:
    action, why = str(pack["action"]), str(pack.get("why") or "")
    if action == "skipped":
        return "skipped (unchanged)"
    return f"{action} ({why})" if why and action in {"built", "failed"} else action


def write_outputs(report: BatchReport) -> dict[str, object]:
    """Write ``manifest.json`` and ``index.html`` into the period folder (atomically)."""
    record = manifest(report)
    atomic_write_text(
        report.plan.period_dir / "manifest.json", json.dumps(record, indent=2, default=str)
    )
    atomic_write_text(report.index_path, index_html(record))
    return record


class Progress:
    """A progress bar on a terminal; one plain log line per pack otherwise (cron, CI, files)."""

    def __init__(self, stream: IO[str] | None = sys.stderr, *, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = bool(stream is not None and (stream.isatty() if tty is None else tty))
        self.total = self.done = self.failed = self.skipped = 0
        self.started = time.perf_counter()

    def start(self, plan: BatchPlan, where: str) -> None:
        self.total, self.skipped = len(plan.jobs), len(plan.unchanged)
        self.started = time.perf_counter()
        self._log(
            f"period {plan.period}: {plan.total} councils, {self.total} to build, "
            f"{self.skipped} unchanged" + (f", on {where}" if self.total else "")
        )
        self._bar()

    def update(self, outcome: PackOutcome) -> None:
        self.done += 1
        self.failed += outcome.status == FAILED
        if self.tty:
            if outcome.status == FAILED:
                self._clear()
                self._write(f"failed {outcome.council_name}: {outcome.reason}\n")
            self._bar()
        else:
            what = "built" if outcome.status == BUILT else f"FAILED ({outcome.reason})"
            took = f" in {outcome.seconds:.1f}s" if outcome.seconds is not None else ""
            self._log(
                f"{what} {outcome.council_code} {outcome.council_name}{took} "
                f"[{self.done}/{self.total}, {self.failed} failed, ETA {self._eta()}]"
            )

    def finish(self, report: BatchReport) -> None:
        self._clear()
        rate = report.count("built") / report.seconds * 60 if report.seconds else 0.0
        self._log(
            f"{'done' if report.ok else 'INCOMPLETE'}: {report.count('built')} built, "
            f"{report.count('skipped')} unchanged, {report.count('failed')} failed, "
            f"{report.count(NOT_RUN)} not run in {_duration(report.seconds)}"
            f" ({rate:.1f} packs/min); index {report.index_path}"
        )

    def _eta(self) -> str:
        if not self.done:
            return "?"
        elapsed = time.perf_counter() - self.started
        return _duration(elapsed / self.done * (self.total - self.done))

    def _bar(self) -> None:
        if not self.tty or not self.total:
            return
        width = 30
        filled = int(width * self.done / self.total)
        text = (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} done, "
            f"{self.failed} failed, {self.total - self.done} remaining, ETA {self._eta()}"
        )
        self._write("\r" + text + "\x1b[K")

    def _clear(self) -> None:
        if self.tty:
            self._write("\r\x1b[K")

    def _log(self, text: str) -> None:
        self._write(f"{now_iso()} {text}\n" if not self.tty else text + "\n")

    def _write(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write(text)
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
