"""Where the project's data lives: ``data/`` beside ``src/``, or ``$CSCANALYSIS_DATA_DIR``."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def data_dir() -> Path:
    """The ``data/`` folder (raw inputs, reference lookups, cache)."""
    override = os.environ.get("CSCANALYSIS_DATA_DIR")
    return Path(override) if override else REPO_ROOT / "data"


def raw_dir() -> Path:
    """Published inputs, read-only, as published."""
    return data_dir() / "raw"


def cache_dir() -> Path:
    """Disposable derived files (the tidy table's parquet cache)."""
    return data_dir() / "cache"


PACKAGE = Path(__file__).resolve().parents[1]  # src/cscanalysis


@lru_cache(maxsize=4)
def source_checksum(suffixes: frozenset[str] = frozenset({".py"})) -> str:
    """SHA-256 (16 hex digits) of the package version and every package file with one of
    ``suffixes`` (name and bytes, in name order): any change to the code gives a new checksum.
    Read once per process (the source does not change under a running process)."""
    from cscanalysis import __version__

    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in suffixes:
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
