"""Shared fixtures: the real tidy table and register, and writable copies of the raw data."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from cscanalysis.councils import load_register
from cscanalysis.paths import raw_dir
from cscanalysis.store import load_tidy

RAW = raw_dir()


@pytest.fixture(scope="session")
def tidy():
    return load_tidy()


@pytest.fixture(scope="session")
def register():
    return load_register()


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A writable copy of data/raw (the real one is read-only)."""
    target = tmp_path / "raw"
    shutil.copytree(RAW, target, ignore=shutil.ignore_patterns("ssda903", "*.doc*"))
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def raw_record(relative: str, **match: str) -> dict[str, str]:
    """The first record of a raw CSV whose columns equal ``match`` (read with the csv module)."""
    text = (RAW / relative).read_bytes().decode("utf-8-sig")
    for record in csv.DictReader(io.StringIO(text, newline="")):
        if all(record.get(k, "").strip() == v for k, v in match.items()):
            return record
    raise LookupError(f"no record in {relative} with {match}")
