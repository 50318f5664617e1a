"""Results derived from the tidy table that are the same for every pack of a data version.

The publication table (the whole table with small numbers suppressed) and the all-councils
forecast and backtest do not depend on the council, so every pack of a release would compute
them again: about 0.6 s of a cold ``cscanalysis pack``, in the CLI process and again in the
kernel. A :class:`DerivedCache` keeps each result in memory (for a warm kernel building pack
after pack) and on disk (for the next new process), so each is computed once per data version.

**Keys are content, never identity.** A result is filed under a SHA-256 of its inputs' content
(:func:`frame_key`: every value, flag, label and dtype of the table it was computed from), of its
parameters and of the package's source code (:func:`code_version`). A changed raw file gives a
different tidy table and so a different key; so does a changed threshold or a code change. Two
equal tables share a result; a table changed in place after a call is looked up afresh.

**Files** are ``data/cache/derived/<kind>-<key>.<parquet|pickle>``, written to a temporary file
and renamed into place (a reader sees the old file or the new, never half of one), with the
permissions the umask gives. A file that cannot be read back (truncated, corrupt, written by
another library version) is rebuilt and replaced, never an error; so is a folder that cannot be
written (the result is then only kept in memory). The newest :attr:`DerivedCache.keep_files`
files of each kind are kept. Delete the folder at any time.

**Results are shared**: callers must not change a returned table or forecast in place (copy
the rows you keep, as :func:`cscanalysis.analysis.outlook.build_outlook` does).

:func:`default_cache` is the process's cache (memory plus ``data/cache/derived``); functions
that use one take ``cache=`` so a caller or a test can pass its own (``DerivedCache(None)``:
memory only; ``DerivedCache(folder)``: another folder).
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from cscanalysis.core.paths import cache_dir, source_checksum
from cscanalysis.core.safe_files import atomic_write_bytes

T = TypeVar("T")
FORMATS = ("parquet", "pickle")


def code_version() -> str:
    """The package's Python source as a checksum (:func:`~cscanalysis.core.paths.source_checksum`):
    any code change gives new keys, so a result computed by older code is never reused."""
    return source_checksum()


def frame_key(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's content: values, index, column names and dtypes (about 15 ms for
    the whole tidy table)."""
    digest = hashlib.sha256(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(repr(list(frame.index.names)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def array_key(frame: pd.DataFrame) -> str:
    """SHA-256 of a numeric table: its index and column labels and its values as floats."""
    digest = hashlib.sha256(repr((list(frame.index), list(frame.columns))).encode())
    digest.update(np.ascontiguousarray(frame.to_numpy(dtype=float)).tobytes())
    return digest.hexdigest()


def make_key(kind: str, parts: Sequence[object]) -> str:
    """The key of one result: its kind, its inputs' content keys and parameters, the code."""
    text = repr((kind, code_version(), *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class DerivedCache:
    """Derived results in memory (the newest ``keep_in_memory``) and in ``folder`` on disk.

    ``folder=None`` keeps them in memory only.
    """

    def __init__(
        self, folder: Path | None, *, keep_in_memory: int = 8, keep_files: int = 8
    ) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.keep_in_memory = keep_in_memory
        self.keep_files = keep_files
        self._memory: OrderedDict[str, Any] = OrderedDict()
        self.events: deque[tuple[str, str]] = deque(maxlen=64)  # (kind, memory|disk|built)

    def get(
        self,
        kind: str,
        parts: Sequence[object],
        build: Callable[[], T],
        fmt: str,
        expect: type | None = None,
    ) -> T:
        """The result filed under ``kind`` and ``parts``; ``build()`` computes it when neither
        memory nor disk has it (``fmt``: ``"parquet"`` for a table, ``"pickle"`` otherwise; a
        file that does not read back as an ``expect`` is rebuilt)."""
        if fmt not in FORMATS:
            raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
        key = f"{kind}-{make_key(kind, parts)}"
        if key in self._memory:
            self._memory.move_to_end(key)
            self.events.append((kind, "memory"))
            return self._memory[key]
        path = self.folder / f"{key}.{fmt}" if self.folder is not None else None
        value = _read(path, fmt) if path is not None else None
        if value is not None and expect is not None and not isinstance(value, expect):
            value = None
        if value is not None:
            self.events.append((kind, "disk"))
        else:
            value = build()
            self.events.append((kind, "built"))
            if path is not None:
                self._write(path, fmt, value, kind)
        self._memory[key] = value
        while len(self._memory) > self.keep_in_memory:
            self._memory.popitem(last=False)
        return value

    def clear_memory(self) -> None:
        self._memory.clear()

    def _write(self, path: Path, fmt: str, value: object, kind: str) -> None:
        """Write atomically; a folder that cannot be written leaves the result in memory only."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, _dump(value, fmt))
            olds = sorted(
                (p for p in path.parent.glob(f"{kind}-*.*") if p != path),
                key=lambda p: p.stat().st_mtime,
                reverse=True,
            )
            for old in olds[max(self.keep_files - 1, 0) :]:
                old.unlink(missing_ok=True)
        except OSError:
            pass


def _dump(value: object, fmt: str) -> bytes:
    if fmt == "parquet":
        buffer = io.BytesIO()
        value.to_parquet(buffer, index=True)  # type: ignore[attr-defined]
        return buffer.getvalue()
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _read(path: Path, fmt: str) -> Any:
    """The stored result, or ``None`` when the file is missing or cannot be read back."""
    if not path.is_file():
        return None
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        with path.open("rb") as handle:
            return pickle.load(handle)  # our own cache folder, written by this code
    except Exception:  # a corrupt or foreign file is rebuilt, never an error
        return None


_DEFAULT: DerivedCache | None = None


def default_cache() -> DerivedCache:
    """The process's cache: memory plus ``data/cache/derived`` (``$CSCANALYSIS_DATA_DIR`` is
    honoured; ``CSCANALYSIS_DERIVED_CACHE=off`` keeps results in memory only)."""
    global _DEFAULT
    folder = None if os.environ.get("CSCANALYSIS_DERIVED_CACHE") == "off" else cache_dir()
    folder = folder / "derived" if folder is not None else None
    if _DEFAULT is None or _DEFAULT.folder != folder:
        _DEFAULT = DerivedCache(folder)
    return _DEFAULT
