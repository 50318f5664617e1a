"""Shared fixtures: the real tidy table and register, and writable copies of the raw data."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from cscanalysis.core.councils import load_register
from cscanalysis.core.paths import raw_dir
from cscanalysis.store.tidy import load_tidy

RAW = raw_dir()
REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "data" / "examples"

# The four pages `make packs` builds, each through the command a user types.
SHOWCASE_COMMANDS = {
    "Bristol": ["pack", "--council", "Bristol", "--period", "latest"],
    "BCP": ["pack", "--council", "Bournemouth, Christchurch and Poole", "--period", "latest"],
    "business case": [
        "business-case",
        *("--case", str(EXAMPLES / "bristol_2018_case.csv")),
        *("--kpis", str(EXAMPLES / "kpi_example.csv")),
        *("--risks", str(EXAMPLES / "risks_example.csv")),
        *("--salaries", str(EXAMPLES / "salaries_example.csv")),
        *("--fostering", str(EXAMPLES / "fostering_funnel_example.csv")),
        *("--council", "Bristol"),
    ],
    "front door": [
        "frontdoor",
        *("--input", str(EXAMPLES / "bristol_front_door_2016_17.csv")),
        *("--input", str(EXAMPLES / "bristol_age_at_entry_2016_17.csv")),
        *("--council", "Bristol"),
    ],
}
SHOWCASE_PAGES = {
    "Bristol": "2025/E06000023/index.html",
    "BCP": "2025/E06000058/index.html",
    "business case": "business_case/bristol-2018-case/index.html",
    "front door": "front_door/E06000023/index.html",
}


@pytest.fixture(scope="session")
def showcase_pages(tmp_path_factory) -> dict[str, Path]:
    """The pages of `make packs`, built once per session: name -> index.html."""
    from cscanalysis.cli import main

    out = tmp_path_factory.mktemp("showcase")
    for name, argv in SHOWCASE_COMMANDS.items():
        assert main([*argv, "--out", str(out)]) == 0, name
    return {name: out / page for name, page in SHOWCASE_PAGES.items()}


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
