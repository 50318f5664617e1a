"""The data log: ``data/raw/manifest.csv`` and ``DATA_LOG.md``, and the sources of a pack.

``manifest.csv`` has one row per copy of a raw file (``file, bytes, sha256, publication, source,
licence, copied``); when a file is replaced by a newer release a row is appended, so the last row
for a file describes the bytes on disk and the earlier rows are its history. ``DATA_LOG.md`` gets
the same rows as a Markdown table under a heading per update.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd

from cscanalysis.core.paths import raw_dir

MANIFEST = "manifest.csv"
DATA_LOG = "DATA_LOG.md"
LICENCE = "Open Government Licence v3.0"
# The file a tidy row came from: "DfE children in need RY2025 (cin/b1_....csv)".
_FILE_IN_SOURCE = re.compile(r"\(([^()]+\.[A-Za-z0-9]+)\)\s*$")


@dataclass(frozen=True)
class LogEntry:
    """One row of ``manifest.csv``."""

    file: str
    bytes: int
    sha256: str
    publication: str
    source: str
    licence: str
    copied: str


COLUMNS = [f.name for f in fields(LogEntry)]


def read_manifest(raw: Path | None = None) -> dict[str, dict[str, str]]:
    """``{file: row}`` from ``manifest.csv``; a file's last row wins (it describes the bytes)."""
    path = (raw or raw_dir()) / MANIFEST
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


def manifest_with(raw: Path, entries: list[LogEntry]) -> str:
    """The text of ``manifest.csv`` with ``entries`` appended (existing rows untouched)."""
    text = (raw / MANIFEST).read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    for entry in entries:
        writer.writerow(asdict(entry))
    return text + out.getvalue()


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def log_with(raw: Path, entries: list[LogEntry], heading: str, note: str) -> str:
    """The text of ``DATA_LOG.md`` with a section for this update appended."""
    text = (raw / DATA_LOG).read_text(encoding="utf-8").rstrip("\n") + "\n"
    lines = [
        "",
        f"## {heading}",
        "",
        note,
        "",
        "| file | publication | source (release) | licence | copied | bytes | sha256 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for e in entries:
        lines.append(
            f"| `{_cell(e.file)}` | {_cell(e.publication)} | {_cell(e.source)} | "
            f"{_cell(e.licence)} | {e.copied} | {e.bytes:,} | `{e.sha256[:12]}` |"
        )
    return text + "\n".join(lines) + "\n"


def source_files(tidy: pd.DataFrame) -> list[str]:
    """The raw files (paths under ``data/raw``) the tidy table's figures come from."""
    found = tidy["source"].drop_duplicates().str.extract(_FILE_IN_SOURCE, expand=False)
    return sorted(found.dropna().unique().tolist())


def sources_record(tidy: pd.DataFrame, raw: Path | None = None) -> list[dict[str, str | None]]:
    """Each source file of ``tidy`` with its publication (release), source, checksum and copy date.

    The details come from the data log's last row for the file; a file missing from the log
    is listed with ``None`` for them (never guessed).
    """
    try:
        logged = read_manifest(raw)
    except FileNotFoundError:
        logged = {}
    record = []
    for name in source_files(tidy):
        row = logged.get(name, {})
        record.append(
            {
                "file": name,
                "publication": row.get("publication"),
                "source": row.get("source"),
                "sha256": row.get("sha256"),
                "copied": row.get("copied"),
            }
        )
    return record


@functools.lru_cache(maxsize=4)
def pack_sources(data_key: str | None) -> list[dict[str, str | None]]:
    """:func:`sources_record` of the published tidy table (cached per data key)."""
    from cscanalysis.store.tidy import load_tidy

    return sources_record(load_tidy())
