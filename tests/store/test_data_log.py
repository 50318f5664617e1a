"""data/raw is exactly what was published: every file logged with its checksum, none edited."""

from __future__ import annotations

import csv
import hashlib

from tests.conftest import RAW

LOG_FILES = {"manifest.csv", "DATA_LOG.md"}


def manifest():
    with open(RAW / "manifest.csv", newline="") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


def test_every_raw_file_is_logged_with_its_checksum():
    logged = manifest()
    present = {
        p.relative_to(RAW).as_posix()
        for p in RAW.rglob("*")
        if p.is_file() and p.name not in LOG_FILES
    }
    assert present == set(logged)
    for name, row in logged.items():
        data = (RAW / name).read_bytes()
        assert len(data) == int(row["bytes"]), name
        assert hashlib.sha256(data).hexdigest() == row["sha256"], name


def test_every_logged_file_has_publication_source_and_licence():
    log = (RAW / "DATA_LOG.md").read_text()
    for name, row in manifest().items():
        assert row["publication"] and row["source"] and row["licence"], name
        assert f"`{name}`" in log


def test_sizes_match_the_publishers_description():
    # SOURCE_README: the RY2023 CLA file is 406,765 bytes; the LAIT parquet 1,795,878 bytes
    # (the whole file, update of 30 November 2026)
    logged = manifest()
    assert logged["cla/ees_ry2023/cla_number_and_rate_per_10k_children.csv"]["bytes"] == "406765"
    assert logged["lait/bds_long_0.parquet"]["bytes"] == "1795878"
