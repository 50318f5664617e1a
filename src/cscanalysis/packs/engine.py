"""Warm kernels: one long-lived Jupyter kernel executes pack after pack.

A new kernel per pack pays for the kernel start, the imports (pandas, matplotlib, the library)
and the data load every time. A :class:`WarmKernel` starts once, imports the library once, and
between packs deletes every user variable, closes figures, collects the garbage and changes
into the pack's staging folder, so each notebook still runs top to bottom in an empty
namespace, in its own folder, with papermill injecting the parameters exactly as
:func:`cscanalysis.packs.notebook.execute` does. The executed notebook, and so the HTML, is the same
as from a fresh kernel.

After a failure other than a cell raising (the kernel died, a cell timed out, anything
unexpected) the kernel is shut down and the next pack starts a new one.

:func:`worker_kernel` gives each thread of a process (each Dask worker thread) its own kernel;
:func:`shutdown_all` stops them (registered with ``atexit`` too). Kernels talk over Unix sockets
in a private folder (no TCP ports for parallel workers to race for), and a kernel that fails to
start is tried once more.
"""

from __future__ import annotations

import atexit
import contextlib
import inspect
import os
import queue
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import nbformat
import papermill
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from papermill.exceptions import PapermillExecutionError

from cscanalysis.packs.notebook import load_source

if TYPE_CHECKING:
    from jupyter_client import BlockingKernelClient, KernelClient, KernelManager

# Imported once when a kernel starts, so that the first pack does not pay for them.
WARMUP = """\
import pandas, numpy, matplotlib
import cscanalysis.packs.evidence.content, cscanalysis.render.chart_files
import cscanalysis.render.html, cscanalysis.render.charts
from cscanalysis.core.councils import load_register
from cscanalysis.store.tidy import load_tidy
load_register()
load_tidy()
"""
# Run before each pack: the pack's own folder (first: the last one may have been deleted), an
# empty namespace, no figure left open, cell numbers from 1 as in a new kernel. Every user
# variable is deleted as ``%reset -s`` does it, then the last pack's garbage is collected and
# what survives (imports, the data, caches) is frozen out of the collector's sight
# (``gc.freeze``), so each collection looks at one pack's objects only: a few hundredths of a
# second, where ``%reset``'s full collection of millions of objects took a quarter of one.
# Without collecting, a kernel grew by 200 MB over 76 packs.
RESET = """\
__import__("os").chdir({cwd!r})
[get_ipython().user_ns.pop(name) for name in get_ipython().run_line_magic("who_ls", "")]
if "matplotlib.pyplot" in __import__("sys").modules:
    __import__("sys").modules["matplotlib.pyplot"].close("all")
__import__("gc").collect()
__import__("gc").freeze()
get_ipython().execution_count = 1
"""


class KernelDied(RuntimeError):
    """The kernel exited while (or before) running a pack."""


class WarmKernel:
    """A Jupyter kernel kept alive across notebook executions (not thread-safe: one per thread)."""

    def __init__(self, kernel_name: str = "python3", *, startup_timeout: int = 60) -> None:
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.km: KernelManager | None = None
        self.kc: KernelClient | None = None
        self.control: BlockingKernelClient | None = None
        self.starts = 0
        self.packs = 0
        self.log_path: Path | None = None
        self._log: BinaryIO | None = None
        self._sockets: Path | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the kernel, connect, and import the library in it."""
        self.shutdown()
        self.remove_log()  # the last kernel's (a death was copied to error.txt already)
        handle, log_path = tempfile.mkstemp(prefix="cscanalysis-kernel-", suffix=".log")
        os.close(handle)
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in shutdown)
        client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name=self.kernel_name,
            startup_timeout=self.startup_timeout,
        )
        client.km = client.create_kernel_manager()
        if os.name == "posix":  # Unix sockets in a folder of its own: no ports to race for
            self._sockets = Path(tempfile.mkdtemp(prefix="cscanalysis-kernel-"))
            client.km.transport = "ipc"
            client.km.ip = str(self._sockets / "k")
        # The kernel's own stdout/stderr (not cell output) go to a log file: a kernel that
        # dies says why there, and nothing scribbles over the progress bar.
        client.start_new_kernel(stdout=self._log, stderr=self._log, env=kernel_environment())
        client.start_new_kernel_client()
        self.km, self.kc = client.km, client.kc
        # A second client for the reset between packs: shell channel only, so that it does not
        # subscribe to (and buffer) every output the packs broadcast.
        self.control = self.km.blocking_client()
        self.control.start_channels(iopub=False, stdin=False, hb=False, control=False)
        self.starts += 1
        _register(self)
        self._silent(WARMUP, timeout=300, check=False)

    @property
    def alive(self) -> bool:
        return self.km is not None and bool(self.km.has_kernel) and self._is_alive()

    def _is_alive(self) -> bool:
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return process is not None and process.poll() is None

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def shutdown(self) -> None:
        """Stop the kernel and close its channels (safe to call twice)."""
        # Best effort on the way out: a dead kernel or a closed channel is not an error here.
        for client in (self.control, self.kc):
            if client is not None:
                with contextlib.suppress(Exception):
                    client.stop_channels()
        if self.km is not None:
            with contextlib.suppress(Exception):
                if self.km.has_kernel:
                    _sync(self.km.shutdown_kernel)(now=True)
            with contextlib.suppress(Exception):
                _sync(self.km.cleanup_resources)()
        self.km = self.kc = self.control = None
        if self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)
            self._sockets = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def remove_log(self) -> None:
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None

    def log_tail(self, lines: int = 30) -> str:
        """The end of the kernel's own log (useful when it died)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def peak_rss(self) -> int | None:
        """The kernel process's peak resident memory in bytes (Linux ``VmHWM``), if known."""
        return peak_rss(self.pid) if self.pid else None

    # -- execution --------------------------------------------------------------------------
    def run(
        self,
        source: Path,
        executed: Path,
        parameters: dict[str, object],
        *,
        cwd: Path,
        timeout: int = 600,
    ) -> nbformat.NotebookNode:
        """Execute the jupytext notebook ``source`` into ``executed``, in folder ``cwd``.

        The same call as :func:`cscanalysis.packs.notebook.execute`, on this kernel.
        """
        reset = RESET.format(cwd=str(Path(cwd).resolve()))
        if not self.alive:
            try:
                self.start()
            except Exception:  # a kernel that fails to start is tried once more
                self.start()
        try:
            self._silent(reset, timeout=120)
        except Exception:  # a kernel that cannot be reset is replaced, once
            self.start()
            self._silent(reset, timeout=120)
        try:
            notebook = papermill.execute_notebook(
                load_source(source),
                str(executed),
                parameters=parameters,
                kernel_name=self.kernel_name,
                progress_bar=False,
                execution_timeout=timeout,
                start_timeout=self.startup_timeout,
                km=self.km,
                kc=self.kc,
            )
        except PapermillExecutionError:
            if not self.alive:  # a cell that kills the kernel can also surface as an error
                self.shutdown()
            raise
        except BaseException as error:
            died = not self.alive
            self.shutdown()  # dead, timed out (still busy) or unknown: start afresh next time
            if died:
                raise KernelDied("the kernel died while running the notebook") from error
            raise
        finally:
            self.packs += 1
        return notebook

    def _silent(self, code: str, *, timeout: int, check: bool = True) -> None:
        """Run ``code`` in the kernel without output or history; wait for its reply."""
        if self.control is None:
            raise KernelDied("the kernel is not running")
        msg_id = self.control.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self.control.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.1))
            except queue.Empty:
                raise TimeoutError(f"the kernel did not answer within {timeout} s") from None
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if check and reply["content"]["status"] != "ok":
            content = reply["content"]
            raise RuntimeError(
                f"kernel setup failed: {content.get('ename')}: {content.get('evalue')}"
            )


def kernel_environment() -> dict[str, str]:
    """The kernel's environment: this process's, less Dask's aggressive malloc trimming.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` so that they hand memory
    back to the system; a kernel inheriting it spends about a second per pack in the system
    (page faults) while rendering charts. The kernel keeps glibc's default instead.
    """
    env = dict(os.environ)
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    return env


def peak_rss(pid: int) -> int | None:
    """Peak resident memory of process ``pid`` in bytes (Linux), else None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _sync(method):
    """Call a kernel-manager method that may be a coroutine (async managers) synchronously."""
    if inspect.iscoroutinefunction(method):
        return run_sync(method)
    return method


_LOCAL = threading.local()
_ALL: list[WarmKernel] = []
_ALL_LOCK = threading.Lock()


def worker_kernel() -> WarmKernel:
    """This thread's warm kernel (created on first use; started on its first pack)."""
    kernel = getattr(_LOCAL, "kernel", None)
    if kernel is None:
        kernel = _LOCAL.kernel = WarmKernel()
    return kernel


def _register(kernel: WarmKernel) -> None:
    with _ALL_LOCK:
        if kernel not in _ALL:
            _ALL.append(kernel)


def all_kernels() -> list[WarmKernel]:
    """Every warm kernel this process has started (one per worker thread)."""
    with _ALL_LOCK:
        return list(_ALL)


def shutdown_all() -> int:
    """Stop every warm kernel of this process; return how many there were."""
    with _ALL_LOCK:
        kernels = list(_ALL)
        _ALL.clear()
    for kernel in kernels:
        kernel.shutdown()
        kernel.remove_log()
    return len(kernels)


atexit.register(shutdown_all)
