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
- **Failure-isolated.** Each pack is published by :func:`cscanalysis.packs.publish_notebook`
  (staging folder, then rename). A pack that fails (a cell raises, the kernel dies, a timeout)
  publishes nothing; its executed notebook and ``error.txt`` go to ``failures/<code>/``.
- **Fast.** Packs run on Dask: a ``LocalCluster`` of single-threaded worker processes, or an
  existing cluster (``scheduler="tcp://host:8786"``). Each worker keeps one warm kernel
  (:mod:`cscanalysis.engine`) and reuses it for pack after pack.
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import inspect
import json
import logging
import os
import resource
import shutil
import socket
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pandas as pd

from cscanalysis import __version__
from cscanalysis.councils import CouncilRegister, load_register
from cscanalysis.errors import CSCAnalysisError, ParameterError
from cscanalysis.evidence import prepare, resolve_period
from cscanalysis.packs import (
    NOTEBOOKS,
    check_pack_parameters,
    code_key,
    file_sha256,
    notebook_parameters,
    pack_inputs_key,
    pack_title,
    publish_notebook,
)
from cscanalysis.safe_export import atomic_write_bytes
from cscanalysis.store import inputs_key, load_tidy

FAILURES = "failures"
LOCK = ".lock"
PACK_BYTES = 8 * 1024 * 1024  # an evidence pack folder is about 6.6 MB; staging needs as much
SPARE_BYTES = 64 * 1024 * 1024
SET_BY_BATCH = ("council", "period")
BUILT, FAILED, NOT_RUN = "built", "failed", "not run"


class OutputError(CSCAnalysisError, OSError):
    """The output folder cannot take the packs (not writable, full, or in use)."""


@dataclass(frozen=True)
class PackJob:
    """One council's pack to build: everything a worker needs, nothing it must look up."""

    council_code: str
    council_name: str
    period: str
    notebook: str
    parameters: dict[str, object]
    title: str
    period_dir: str
    data_key: str
    notebook_sha256: str
    code_key: str
    inputs_key: str
    version: str = __version__
    timeout: int = 600
    why: str = "new"

    @property
    def final(self) -> Path:
        return Path(self.period_dir) / self.council_code

    @property
    def failure_dir(self) -> Path:
        return Path(self.period_dir) / FAILURES / self.council_code

    def manifest(self) -> dict[str, object]:
        return {
            "council_code": self.council_code,
            "council_name": self.council_name,
            "period": self.period,
            "data_key": self.data_key,
            "notebook_sha256": self.notebook_sha256,
            "code_key": self.code_key,
            "inputs_key": self.inputs_key,
        }


@dataclass
class PackOutcome:
    """What became of one council's pack.

    ``status`` is the state of the pack on disk (``built``: a current pack is in place;
    ``failed``; ``not run``); ``action`` is what this run did (``built``, ``skipped``
    (unchanged), ``failed``, ``not run``).
    """

    council_code: str
    council_name: str
    status: str
    action: str
    seconds: float | None = None
    built_at: str | None = None
    reason: str = ""
    inputs_key: str = ""
    why: str = ""
    worker: str = ""
    previous_pack: bool = False
    worker_peak_rss: int | None = None
    kernel_peak_rss: int | None = None

    @property
    def path(self) -> str | None:
        if self.status == BUILT or self.previous_pack:
            return f"{self.council_code}/index.html"
        return None

    @property
    def failure(self) -> str | None:
        return f"{FAILURES}/{self.council_code}/" if self.status == FAILED else None

    def record(self) -> dict[str, object]:
        data = asdict(self)
        data["path"] = self.path
        data["failure"] = self.failure
        return data


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


def _existing(job: PackJob) -> dict[str, object] | None:
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
    source = Path(notebook or NOTEBOOKS / "evidence_pack.py").resolve()
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
    contexts = {}
    options = _prepare_options(extra)
    cla = tidy[tidy["measure"] == "cla_31_march"]  # all that resolve_period reads
    for query in queries:
        ctx = prepare(cla, register, query, year, **options)
        contexts.setdefault(ctx.code, ctx)  # the same council named twice is built once
    if "audience" in extra and contexts:  # check the notebook's audience value once
        prepare(cla, register, next(iter(contexts)), year, audience=extra["audience"])
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


def _prepare_options(extra: dict[str, object]) -> dict[str, object]:
    """Keyword arguments for validating each council with :func:`prepare` cheaply.

    Validation needs the council and the year only; an internal audience skips the
    small-number suppression of the whole table, which the pack itself does.
    """
    return {"audience": "internal"} if "audience" in inspect.signature(prepare).parameters else {}


# --------------------------------------------------------------------------- worker side


def build_one(job: PackJob) -> PackOutcome:
    """Build one pack on this worker, in this thread's warm kernel. Never raises for a pack.

    A failure leaves any earlier pack in place, keeps the executed notebook and an
    ``error.txt`` in ``failures/<code>/`` and returns a ``failed`` outcome with the reason.
    """
    from cscanalysis import engine

    for name in ("papermill", "traitlets", "nbclient"):  # failures go to error.txt instead
        logging.getLogger(name).setLevel(logging.CRITICAL)
    kernel = engine.worker_kernel()
    started = time.perf_counter()
    reason = _worker_mismatch(job)
    staging = job.failure_dir.with_name(f".{job.council_code}.{uuid.uuid4().hex[:8]}.tmp")
    if not reason:
        try:
            seconds = publish_notebook(
                Path(job.notebook),
                job.parameters,
                job.final,
                title=job.title,
                manifest=job.manifest(),
                runner=kernel.run,
                timeout=job.timeout,
                keep_failed=staging,
            )
            shutil.rmtree(job.failure_dir, ignore_errors=True)
            manifest = json.loads((job.final / "manifest.json").read_text(encoding="utf-8"))
            return PackOutcome(
                job.council_code,
                job.council_name,
                BUILT,
                "built",
                seconds=seconds,
                built_at=manifest.get("built_at"),
                inputs_key=job.inputs_key,
                why=job.why,
                worker=_worker_name(),
                worker_peak_rss=_self_peak_rss(),
                kernel_peak_rss=kernel.peak_rss(),
            )
        except Exception as error:  # a failing pack must not stop the run
            reason = failure_reason(error, job.timeout)
            details = "".join(traceback.format_exception(error))
            if isinstance(error, engine.KernelDied) and kernel.log_tail():
                details += "\nKernel log (end):\n" + kernel.log_tail()
            _record_failure(job, staging, reason, details)
    else:
        _record_failure(job, staging, reason, reason)
    return PackOutcome(
        job.council_code,
        job.council_name,
        FAILED,
        "failed",
        seconds=round(time.perf_counter() - started, 2),
        reason=reason,
        inputs_key=job.inputs_key,
        why=job.why,
        worker=_worker_name(),
        previous_pack=(job.final / "index.html").is_file(),
        worker_peak_rss=_self_peak_rss(),
        kernel_peak_rss=kernel.peak_rss(),
    )


def failure_reason(error: BaseException, timeout: int) -> str:
    """One line a person can act on: which cell raised what, a dead kernel, a timeout."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from cscanalysis.engine import KernelDied

    if isinstance(error, PapermillExecutionError):
        value = str(error.evalue).strip().splitlines()
        first = value[0] if value else ""
        return f"a cell raised {error.ename}: {first} (cell {error.exec_count})"
    if isinstance(error, KernelDied | DeadKernelError):
        return "the kernel died while running the notebook (see the kernel log in error.txt)"
    if isinstance(error, CellTimeoutError | TimeoutError):
        return f"a cell ran longer than the {timeout} s timeout and was stopped"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def _record_failure(job: PackJob, staging: Path, reason: str, details: str) -> None:
    """``failures/<code>/``: the executed notebook (if any) and ``error.txt``, renamed in."""
    staging.mkdir(parents=True, exist_ok=True)
    text = (
        f"council: {job.council_name} ({job.council_code})\nperiod: {job.period}\n"
        f"notebook: {job.notebook}\nparameters: {json.dumps(job.parameters)}\n"
        f"inputs key: {job.inputs_key}\nat: {_now()}\nreason: {reason}\n\n{details}\n"
    )
    (staging / "error.txt").write_text(text, encoding="utf-8")
    retired = None
    if job.failure_dir.exists():
        retired = staging.with_name(f".{job.council_code}.old.{uuid.uuid4().hex[:8]}")
        os.replace(job.failure_dir, retired)
    os.replace(staging, job.failure_dir)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def _worker_mismatch(job: PackJob) -> str:
    """Why this worker cannot build the job as planned (different data or package), or ''."""
    from cscanalysis import __version__ as here

    if here != job.version:
        return f"the worker has cscanalysis {here}, the run was planned with {job.version}"
    key = inputs_key()
    if key != job.data_key:
        return (
            f"the worker's data key is {key}, the run was planned with {job.data_key}: the data "
            "(or the code that reads them) changed during the run, or the worker sees another "
            "data folder; run the command again, with every worker on the same data"
        )
    if not Path(job.notebook).is_file():
        return f"the worker cannot read the notebook {job.notebook}"
    return ""


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def _self_peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _worker_peaks() -> dict[str, int | None]:
    """This worker's peak memory and its warm kernels' (run on each worker at the end)."""
    from cscanalysis import engine

    kernels = [k.peak_rss() for k in engine._ALL]
    return {
        "worker_peak_rss": _self_peak_rss(),
        "kernel_peak_rss": max((k for k in kernels if k), default=None),
        "kernels": len(kernels),
        "kernel_starts": sum(k.starts for k in engine._ALL),
    }


def _shutdown_kernels() -> int:
    from cscanalysis import engine

    return engine.shutdown_all()


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
    with _locked(plan.period_dir):
        _clean_stale(plan.period_dir)
        return _run_plan(plan, workers, scheduler, progress, client)


def _run_plan(
    plan: BatchPlan,
    workers: int | None,
    scheduler: str | None,
    progress: Progress,
    client: object | None,
) -> BatchReport:
    started_at, started = _now(), time.perf_counter()
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
                        peaks = dask.run(_worker_peaks)
                    with contextlib.suppress(Exception):
                        dask.run(_shutdown_kernels)
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
                    _record_failure(
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
def _locked(period_dir: Path) -> Iterator[None]:
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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- index, manifest


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


def index_html(record: dict[str, object]) -> str:
    """``index.html`` from :func:`manifest`'s record: one row per council, all text escaped."""
    e = _esc
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


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def write_outputs(report: BatchReport) -> dict[str, object]:
    """Write ``manifest.json`` and ``index.html`` into the period folder (atomically)."""
    record = manifest(report)
    _atomic_write(
        report.plan.period_dir / "manifest.json", json.dumps(record, indent=2, default=str)
    )
    _atomic_write(report.index_path, index_html(record))
    return record


def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` all at once, readable by others as the umask allows."""
    atomic_write_bytes(path, text.encode("utf-8"))


# --------------------------------------------------------------------------- progress


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
        self._write(f"{_now()} {text}\n" if not self.tty else text + "\n")

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


__all__ = [
    "BatchPlan",
    "BatchReport",
    "OutputError",
    "PackJob",
    "PackOutcome",
    "Progress",
    "build_one",
    "check_output",
    "check_parameters",
    "failure_reason",
    "index_html",
    "manifest",
    "plan_batch",
    "run_batch",
    "safe_join",
    "write_outputs",
]
