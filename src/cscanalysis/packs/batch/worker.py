"""The worker side of a batch: build one council's pack in a warm kernel, keep a failed pack's
notebook and error, and report the worker's memory (runs on a Dask worker or in-process)."""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import socket
import time
import traceback
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from cscanalysis import __version__
from cscanalysis.packs.batch.report import (
    BUILT,
    FAILED,
    now_iso,
)
from cscanalysis.packs.evidence.pack import manifest_fields
from cscanalysis.packs.framework import publish_notebook
from cscanalysis.store.tidy import inputs_key

FAILURES = "failures"


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
    audited: bool = True  # the evidence notebook's publication pages are audited for disclosure
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
        return manifest_fields(
            self.council_code,
            self.council_name,
            self.period,
            self.data_key,
            self.notebook_sha256,
            self.code_key,
            self.inputs_key,
        )


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


def build_one(job: PackJob) -> PackOutcome:
    """Build one pack on this worker, in this thread's warm kernel. Never raises for a pack.

    A failure leaves any earlier pack in place, keeps the executed notebook and an
    ``error.txt`` in ``failures/<code>/`` and returns a ``failed`` outcome with the reason.
    """
    from cscanalysis.packs import engine

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
                audited=job.audited,
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
            record_failure(job, staging, reason, details)
    else:
        record_failure(job, staging, reason, reason)
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

    from cscanalysis.packs.engine import KernelDied

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


def record_failure(job: PackJob, staging: Path, reason: str, details: str) -> None:
    """``failures/<code>/``: the executed notebook (if any) and ``error.txt``, renamed in."""
    staging.mkdir(parents=True, exist_ok=True)
    text = (
        f"council: {job.council_name} ({job.council_code})\nperiod: {job.period}\n"
        f"notebook: {job.notebook}\nparameters: {json.dumps(job.parameters)}\n"
        f"inputs key: {job.inputs_key}\nat: {now_iso()}\nreason: {reason}\n\n{details}\n"
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


def worker_peaks() -> dict[str, int | None]:
    """This worker's peak memory and its warm kernels' (run on each worker at the end)."""
    from cscanalysis.packs import engine

    kernels = engine.all_kernels()
    peaks = [k.peak_rss() for k in kernels]
    return {
        "worker_peak_rss": _self_peak_rss(),
        "kernel_peak_rss": max((p for p in peaks if p), default=None),
        "kernels": len(kernels),
        "kernel_starts": sum(k.starts for k in kernels),
    }


def shutdown_kernels() -> int:
    from cscanalysis.packs import engine

    return engine.shutdown_all()
