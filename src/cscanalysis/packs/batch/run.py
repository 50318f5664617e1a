"""Evidence packs for many councils in one run: validated, resumable, failure-isolated, on Dask.

``run_batch(["Bristol", "Leeds"] or None, "2023", out)`` builds ``out/2023/<code>/`` for every
council named (``None``: every council that existed in the year), then writes
``out/2023/index.html`` and ``out/2023/manifest.json`` listing every council with its status,
link, build time and, for a failure, the reason.

- **Fail fast.** Councils, period, notebook parameters and output paths are checked, and the
  output folder is probed for writing and free space, before a cluster or a kernel starts.
- **Resumable.** A pack whose ``manifest.json`` records the same inputs key (data checksum,
  notebook checksum, package version and source, parameters) is left alone; ``force`` rebuilds.
  A run killed part-way keeps the packs it finished, and the next run builds the rest.
- **Failure-isolated.** Each pack is published by
  :func:`cscanalysis.packs.framework.publish_notebook` (staging folder, then rename). A pack that
  fails (a cell raises, the kernel dies, a timeout) publishes nothing; its executed notebook and
  ``error.txt`` go to ``failures/<code>/``.
- **Fast.** Packs run on Dask: a ``LocalCluster`` of single-threaded worker processes, or an
  existing cluster (``scheduler="tcp://host:8786"``). Each worker keeps one warm kernel
  (:mod:`cscanalysis.packs.engine`) and reuses it for pack after pack.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from cscanalysis.core.councils import CouncilRegister, load_register
from cscanalysis.core.errors import CSCAnalysisError, ParameterError
from cscanalysis.packs.batch.report import (
    BUILT,
    FAILED,
    NOT_RUN,
    Progress,
    now_iso,
    write_outputs,
)
from cscanalysis.packs.batch.worker import (
    FAILURES,
    PackJob,
    PackOutcome,
    build_one,
    record_failure,
    shutdown_kernels,
    worker_peaks,
)
from cscanalysis.packs.evidence.content import PackContext, prepare, resolve_period
from cscanalysis.packs.evidence.pack import EVIDENCE, check_pack_parameters, pack_title
from cscanalysis.packs.framework import code_key, file_sha256, pack_inputs_key
from cscanalysis.packs.notebook import notebook_parameters
from cscanalysis.store.tidy import inputs_key, load_tidy

LOCK = ".lock"
PACK_BYTES = 8 * 1024 * 1024  # an evidence pack folder is about 6.6 MB; staging needs as much
SPARE_BYTES = 64 * 1024 * 1024
SET_BY_BATCH = ("council", "period")


class OutputError(CSCAnalysisError, OSError):
    """The output folder cannot take the packs (not writable, full, or in use)."""


@dataclass
class BatchPlan:
    """A validated run: the packs to build and the ones already up to date."""

    period: str
    period_dir: Path
    notebook: Path
    parameters: dict[str, object]
    data_key: str
    notebook_sha256: str
    code_key: str
    jobs: list[PackJob]
    unchanged: list[PackOutcome]
    force: bool = False

    @property
    def total(self) -> int:
        return len(self.jobs) + len(self.unchanged)


@dataclass
class BatchReport:
    plan: BatchPlan
    outcomes: list[PackOutcome]
    started_at: str
    seconds: float
    workers: int
    scheduler: str
    interrupted: bool = False
    worker_peaks: dict[str, dict[str, int | None]] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def ok(self) -> bool:
        """Every requested pack is built and current."""
        return not self.interrupted and all(
            o.status == BUILT for o in self.outcomes if o.action != "not in this run"
        )

    @property
    def index_path(self) -> Path:
        return self.plan.period_dir / "index.html"


# --------------------------------------------------------------------------- planning


def safe_join(root: Path, *parts: str) -> Path:
    """``root/part/...``, refusing any path that would land outside ``root``."""
    base = Path(root).resolve()
    path = base.joinpath(*parts).resolve()
    if path != base and base not in path.parents:
        raise ParameterError(
            f"path {'/'.join(parts)!r} escapes the output folder {base}; expected a name inside it"
        )
    return path


def check_parameters(notebook: Path, parameters: dict[str, object]) -> dict[str, object]:
    """Extra notebook parameters: names the notebook declares, literal values."""
    if not Path(notebook).is_file():
        raise ParameterError(f"notebook {notebook} does not exist")
    known = notebook_parameters(Path(notebook))
    for name, value in parameters.items():
        if name in SET_BY_BATCH:
            raise ParameterError(
                f"parameter {name!r} is set by the batch for each pack; use --council/--period"
            )
        if name not in known:
            allowed = ", ".join(sorted(n for n in known if n not in SET_BY_BATCH)) or "none"
            raise ParameterError(
                f"unknown parameter {name!r} for notebook {Path(notebook).name}; "
                f"it takes: {allowed}"
            )
        if not isinstance(value, str | int | float | bool | type(None)):
            raise ParameterError(
                f"parameter {name!r} must be a string, number, true/false or null, got {value!r}"
            )
    return dict(parameters)


def check_output(period_dir: Path, packs: int) -> None:
    """Fail before any work when ``period_dir`` cannot take ``packs`` new packs."""
    try:
        period_dir.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=period_dir, prefix=".probe.", suffix=".tmp")
        try:
            os.write(handle, b"cscanalysis output probe\n" * 1024)
            os.fsync(handle)
        finally:
            os.close(handle)
            Path(probe).unlink(missing_ok=True)
    except OSError as error:
        raise OutputError(
            f"cannot write to the output folder {period_dir}: {error.strerror or error}; "
            "expected a writable folder"
        ) from error
    free = free_bytes(period_dir)
    needed = packs * PACK_BYTES + SPARE_BYTES if packs else 0
    if free < needed:
        raise OutputError(
            f"not enough space in {period_dir}: {free / 2**20:,.0f} MB free, about "
            f"{needed / 2**20:,.0f} MB needed for {packs} packs"
        )


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def _existing(job: PackJob) -> dict[str, Any] | None:
    """The manifest of the pack in place, if there is one."""
    try:
        manifest = json.loads((job.final / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if (job.final / "index.html").is_file() and isinstance(manifest, dict) else None


def stale_reason(job: PackJob, manifest: dict[str, object] | None) -> str:
    """Why the pack must be built ('' when the pack in place was built from these inputs)."""
    if manifest is None:
        return "new"
    if manifest.get("inputs_key") == job.inputs_key:
        return ""
    changes = {
        "data changed": manifest.get("data_key") != job.data_key,
        "notebook changed": manifest.get("notebook_sha256") != job.notebook_sha256,
        "package changed": manifest.get("version") != job.version
        or manifest.get("code_key") != job.code_key,
        "parameters changed": manifest.get("parameters") != job.parameters,
    }
    return ", ".join(k for k, v in changes.items() if v) or "inputs changed"


def plan_batch(
    councils: Sequence[str | int] | None,
    period: str | int,
    out: Path,
    *,
    notebook: Path | None = None,
    parameters: dict[str, object] | None = None,
    force: bool = False,
    timeout: int = 600,
    tidy: pd.DataFrame | None = None,
    register: CouncilRegister | None = None,
) -> BatchPlan:
    """Validate a run and list the packs to build (nothing is built, no kernel starts).

    ``councils=None`` means every council that existed in the period. Raises
    :class:`ParameterError` / :class:`UnknownCouncilError` for bad parameters and
    :class:`OutputError` for an output folder that cannot take the packs.
    """
    source = Path(notebook or EVIDENCE.source).resolve()
    extra = check_parameters(source, dict(parameters or {}))
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ParameterError(f"timeout must be a positive number of seconds, got {timeout!r}")
    tidy = load_tidy() if tidy is None else tidy
    register = register or load_register()
    year = resolve_period(tidy, period)
    check_pack_parameters(extra, int(year))  # a target or local data the kernel would refuse
    if councils is None:
        queries: list[str | int] = [c.code for c in register.councils(int(year))]
    else:
        queries = list(councils)
        if not queries:
            raise ParameterError("no council named: give --council NAME ... or --all")
    contexts: dict[str, PackContext] = {}
    cla = tidy[tidy["measure"] == "cla_31_march"]  # all that resolve_period reads
    for query in queries:
        # Checking needs the council and the year only: an internal audience skips the
        # small-number suppression of the whole table, which the pack itself does.
        ctx = prepare(cla, register, query, year, audience="internal")
        contexts.setdefault(ctx.code, ctx)  # the same council named twice is built once
    if "audience" in extra and contexts:  # check the notebook's audience value once
        prepare(cla, register, next(iter(contexts)), year, audience=str(extra["audience"]))
    root = Path(out)
    period_dir = safe_join(root, year)
    data_key = inputs_key()
    notebook_sha = file_sha256(source)
    code = code_key()
    jobs, unchanged = [], []
    for code_, ctx in sorted(contexts.items(), key=lambda item: item[1].council.name):
        safe_join(period_dir, code_)
        safe_join(period_dir, FAILURES, code_)
        params = {"council": code_, "period": year} | extra
        job = PackJob(
            council_code=code_,
            council_name=ctx.council.name,
            period=year,
            notebook=str(source),
            audited=EVIDENCE.audits(source),
            parameters=params,
            title=pack_title(ctx.place, year),
            period_dir=str(period_dir),
            data_key=data_key,
            notebook_sha256=notebook_sha,
            code_key=code,
            inputs_key=pack_inputs_key(data_key, notebook_sha, params, code),
            timeout=timeout,
        )
        manifest = _existing(job)
        why = "forced" if force else stale_reason(job, manifest)
        if why:
            jobs.append(replace(job, why=why))
        else:
            assert manifest is not None  # an up-to-date pack has its manifest
            unchanged.append(
                PackOutcome(
                    job.council_code,
                    job.council_name,
                    BUILT,
                    "skipped",
                    seconds=manifest.get("seconds"),
                    built_at=manifest.get("built_at"),
                    inputs_key=job.inputs_key,
                    why="unchanged",
                )
            )
    check_output(period_dir, len(jobs))
    return BatchPlan(
        year, period_dir, source, extra, data_key, notebook_sha, code, jobs, unchanged, force
    )


# --------------------------------------------------------------------------- running


def run_batch(
    councils: Sequence[str | int] | None,
    period: str | int,
    out: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    notebook: Path | None = None,
    parameters: dict[str, object] | None = None,
    timeout: int = 600,
    progress: Progress | None = None,
    client: object | None = None,
) -> BatchReport:
    """Plan, then build the packs on Dask; write ``index.html`` and ``manifest.json``.

    ``workers``: local worker processes (default: the number of cores); ``scheduler``: the
    address of an existing Dask cluster instead; ``client``: an existing
    ``distributed.Client`` (tests, notebooks). Raises before any work for bad parameters or an
    output folder that cannot take the packs; a failing pack does not raise (see the report).
    """
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise ParameterError(f"workers must be 1 or more, got {workers!r}")
    plan = plan_batch(
        councils,
        period,
        out,
        notebook=notebook,
        parameters=parameters,
        force=force,
        timeout=timeout,
    )
    progress = progress or Progress(stream=None)
    with locked(plan.period_dir):
        _clean_stale(plan.period_dir)
        return _run_plan(plan, workers, scheduler, progress, client)


def _run_plan(
    plan: BatchPlan,
    workers: int | None,
    scheduler: str | None,
    progress: Progress,
    client: object | None,
) -> BatchReport:
    started_at, started = now_iso(), time.perf_counter()
    outcomes = {o.council_code: o for o in plan.unchanged}
    for outcome in plan.unchanged:
        shutil.rmtree(plan.period_dir / FAILURES / outcome.council_code, ignore_errors=True)
    n_workers = min(workers or available_cores(), max(len(plan.jobs), 1))
    where = scheduler or (f"client {client}" if client else f"LocalCluster({n_workers} workers)")
    progress.start(plan, where)
    interrupted = False
    peaks: dict[str, dict[str, int | None]] = {}
    try:
        if plan.jobs:
            with _dask_client(client, scheduler, n_workers) as dask:
                n_workers = len(dask.scheduler_info(n_workers=-1)["workers"]) or n_workers
                try:
                    for outcome in _execute(dask, plan.jobs):
                        outcomes[outcome.council_code] = outcome
                        progress.update(outcome)
                finally:
                    with contextlib.suppress(Exception):
                        peaks = dask.run(worker_peaks)
                    with contextlib.suppress(Exception):
                        dask.run(shutdown_kernels)
    except BaseException:
        interrupted = True
        raise
    finally:
        for job in plan.jobs:
            if job.council_code not in outcomes:
                outcomes[job.council_code] = PackOutcome(
                    job.council_code,
                    job.council_name,
                    NOT_RUN,
                    NOT_RUN,
                    reason="the run was interrupted before this pack was built",
                    inputs_key=job.inputs_key,
                    why=job.why,
                    previous_pack=(job.final / "index.html").is_file(),
                )
        ordered = [outcomes[c] for c in _order(plan)]
        ordered = sorted(
            ordered + _carried_over(plan.period_dir, set(outcomes)),
            key=lambda o: (o.council_name, o.council_code),
        )
        report = BatchReport(
            plan,
            ordered,
            started_at,
            round(time.perf_counter() - started, 2),
            n_workers if plan.jobs else 0,
            where if plan.jobs else "none (nothing to build)",
            interrupted,
            peaks,
        )
        write_outputs(report)
        progress.finish(report)
    return report


def _carried_over(period_dir: Path, done: set[str]) -> list[PackOutcome]:
    """Councils the previous run listed and this one did not: kept in the index as they were.

    (A run for a few councils must not drop the others from the folder's index.) Entries whose
    pack and failure folders are both gone are dropped.
    """
    try:
        previous = json.loads((period_dir / "manifest.json").read_text(encoding="utf-8"))
        packs = list(previous["packs"])
    except (OSError, ValueError, KeyError, TypeError):
        return []
    fields = set(PackOutcome.__dataclass_fields__)
    kept = []
    for pack in packs:
        if not isinstance(pack, dict) or pack.get("council_code") in done:
            continue
        try:
            outcome = PackOutcome(**{k: v for k, v in pack.items() if k in fields})
        except TypeError:
            continue
        code = outcome.council_code
        if not ((period_dir / code).is_dir() or (period_dir / FAILURES / code).is_dir()):
            continue
        if outcome.status == BUILT and not (period_dir / code / "index.html").is_file():
            continue
        outcome.action = "not in this run"
        kept.append(outcome)
    return kept


def _order(plan: BatchPlan) -> list[str]:
    names = {j.council_code: j.council_name for j in plan.jobs}
    names |= {o.council_code: o.council_name for o in plan.unchanged}
    return sorted(names, key=lambda code: (names[code], code))


def _execute(dask, jobs: list[PackJob]) -> Iterator[PackOutcome]:
    """Submit every job; yield outcomes as they finish (a lost worker is a failed pack)."""
    from distributed import as_completed

    token = uuid.uuid4().hex[:8]
    futures = dask.map(
        build_one,
        jobs,
        key=[f"cscanalysis-pack-{job.period}-{job.council_code}-{token}" for job in jobs],
        retries=0,
    )
    job_of = {future.key: job for future, job in zip(futures, jobs, strict=True)}
    try:
        for future in as_completed(futures):
            job = job_of[future.key]
            try:
                yield future.result()
            except Exception as error:  # the worker died or the task was lost
                reason = f"the Dask task failed: {type(error).__name__}: {error}".strip()
                with contextlib.suppress(OSError):
                    record_failure(
                        job,
                        job.failure_dir.with_name(f".{job.council_code}.{token}.tmp"),
                        reason,
                        "".join(traceback.format_exception(error)),
                    )
                yield PackOutcome(
                    job.council_code,
                    job.council_name,
                    FAILED,
                    "failed",
                    reason=reason,
                    inputs_key=job.inputs_key,
                    why=job.why,
                    previous_pack=(job.final / "index.html").is_file(),
                )
            finally:
                future.release()
    finally:
        dask.cancel(futures)


@contextlib.contextmanager
def _dask_client(client: object | None, scheduler: str | None, n_workers: int) -> Iterator:
    """The Dask client to use: the one given, one for ``scheduler``, or a LocalCluster's."""
    if client is not None:
        yield client
        return
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            dask = Client(scheduler, timeout="30s")
        except OSError as error:
            raise OutputError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from error
        with dask:
            yield dask
        return
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    with cluster, Client(cluster) as dask:
        yield dask


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def locked(period_dir: Path) -> Iterator[None]:
    """One run at a time per output folder (a cron run overlapping a manual one waits not)."""
    path = period_dir / LOCK
    handle = open(path, "a+")  # noqa: SIM115 (held for the run)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            raise OutputError(
                f"another run is writing packs to {period_dir} (lock {path}); wait for it to finish"
            ) from error
        yield
    finally:
        handle.close()


def _clean_stale(period_dir: Path) -> None:
    """Remove staging folders a killed run left behind (safe: we hold the lock)."""
    for folder in (period_dir, period_dir / FAILURES):
        if folder.is_dir():
            for path in folder.glob(".*"):
                if path.is_dir() and (path.name.endswith(".tmp") or ".old." in path.name):
                    shutil.rmtree(path, ignore_errors=True)


__all__ = [
    "BatchPlan",
    "BatchReport",
    "OutputError",
    "check_output",
    "check_parameters",
    "plan_batch",
    "run_batch",
    "safe_join",
]


def parse_parameters(items: list[str]) -> dict[str, object]:
    """``["audience=internal", "chart_files=false"]`` -> ``{"audience": "internal", ...}``."""
    parameters: dict[str, object] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ParameterError(f"parameter {item!r} is not NAME=VALUE")
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        parameters[name.strip()] = value
    return parameters
