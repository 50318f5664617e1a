"""Where the project's data lives: ``data/`` beside ``src/``, or ``$CSCANALYSIS_DATA_DIR``."""

from __future__ import annotations

import os
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
