"""``cscanalysis data update`` against a local HTTP server serving recorded EES API answers.

Never the internet: the server runs on 127.0.0.1 on a free port and serves the fixtures in
``tests/fixtures/ees/`` (see its README for where each comes from). Every test works on a copy
of ``data/raw`` (``raw_copy``) with ``CSCANALYSIS_DATA_DIR`` pointing at it.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import http.server
import json
import os
import shutil
import socket
import threading
from pathlib import Path

import pandas as pd
import pytest

from cscanalysis.cli import main
from cscanalysis.store import tidy as store
from cscanalysis.store.update import (
    UpdateError,
    commit,
    fetch,
    registry,
)
from cscanalysis.store.update_changes import compare

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ees"
CLA_ID = "00000000-0000-4000-8000-00000000c1a0"
C1_ID = "342f9a01-26f0-2a71-91a1-f8bc0bee8b11"
CLA_TEMPLATE = "cla/ees_ry{year}/cla_number_and_rate_per_10k_children.csv"
CLA_2026 = "cla/ees_ry2026/cla_number_and_rate_per_10k_children.csv"
C1 = "cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
# Bristol's 2025 record in the bundled C1 file (line 121): referrals 4,264.
C1_BRISTOL_2025 = ',"Bristol, City of",Referrals and Re-referrals,4264,989,'
BRISTOL = "E06000023"


class Publisher:
    """A stand-in for the EES API: ``routes`` maps a path (without query) to a reply."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, str]] = {}
        self.requests: list[str] = []
        publisher = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                publisher.requests.append(self.path)
                status, body, how = publisher.routes.get(
                    self.path.split("?")[0], (404, b'{"title": "Not Found"}', "")
                )
                if how == "gzip":
                    body = gzip.compress(body)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                if how == "gzip":
                    self.send_header("Content-Encoding", "gzip")
                self.end_headers()
                if how == "drop":  # promise the whole body, send half, hang up
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def data_set(self, dataset_id: str, summary: Path, csv_body: bytes, how: str = "") -> None:
        self.routes[f"/v1/data-sets/{dataset_id}"] = (200, summary.read_bytes(), "")
        self.routes[f"/v1/data-sets/{dataset_id}/csv"] = (200, csv_body, how)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def publisher():
    server = Publisher()
    yield server
    server.close()


@pytest.fixture
def data(tmp_path, raw_copy, monkeypatch) -> Path:
    """``tmp_path`` as the data folder: the raw copy and the reference lookups."""
    shutil.copytree(store.data_dir() / "reference", tmp_path / "reference")
    monkeypatch.setenv("CSCANALYSIS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CSCANALYSIS_EES_API", raising=False)
    monkeypatch.delenv("CSCANALYSIS_EES_DATASETS", raising=False)
    return tmp_path


def snapshot(raw: Path) -> dict[str, str]:
    """Checksum of every file under ``raw`` (and nothing else there)."""
    return {
        p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(raw.rglob("*"))
        if p.is_file()
    }


def revised_c1(raw: Path) -> bytes:
    text = (raw / C1).read_bytes()
    assert text.count(C1_BRISTOL_2025.encode()) == 1
    return text.replace(
        C1_BRISTOL_2025.encode(), b',"Bristol, City of",Referrals and Re-referrals,4270,989,'
    )


def serve_both(publisher: Publisher, raw: Path, c1_how: str = "") -> None:
    cla = (FIXTURES / "cla_number_and_rate_ry2026.csv").read_bytes()
    publisher.data_set(CLA_ID, FIXTURES / "dataset_cla.json", cla, how="gzip")
    publisher.data_set(C1_ID, FIXTURES / "dataset_c1.json", revised_c1(raw), how=c1_how)


def run(publisher_base: str, *extra: str) -> int:
    return main(
        [
            "data",
            "update",
            "--api",
            publisher_base,
            "--dataset",
            f"{CLA_TEMPLATE}={CLA_ID}",
            "--dataset",
            f"{C1}={C1_ID}",
            *extra,
        ]
    )


def value(tidy: pd.DataFrame, code: str, measure: str, period: str) -> float:
    row = tidy[
        (tidy["council_code"] == code) & (tidy["measure"] == measure) & (tidy["period"] == period)
    ]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_update_replaces_files_logs_them_and_reports_the_changes(
    data, raw_copy, publisher, capsys, tmp_path
):
    serve_both(publisher, raw_copy)
    served_c1 = revised_c1(raw_copy)
    before = snapshot(raw_copy)
    old_tidy = store.load_tidy()
    assert value(old_tidy, BRISTOL, "cla_31_march", "2025") == 753  # published RY2025
    changes_csv = tmp_path / "changes.csv"

    assert run(publisher.base, "--changes", str(changes_csv)) == 0
    out = capsys.readouterr().out

    # The CSV was asked for the version the summary named.
    assert f"/v1/data-sets/{CLA_ID}/csv?dataSetVersion=2.0" in publisher.requests
    # The files: a new release folder for CLA 2026, the C1 file replaced in place.
    after = snapshot(raw_copy)
    cla_bytes = (FIXTURES / "cla_number_and_rate_ry2026.csv").read_bytes()
    assert (raw_copy / CLA_2026).read_bytes() == cla_bytes  # gunzipped, byte for byte
    assert (raw_copy / C1).read_bytes() == served_c1
    assert not [p for p in raw_copy.rglob("*.tmp")] and not [p for p in raw_copy.rglob("*.old")]
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed == {CLA_2026, C1, "manifest.csv", "DATA_LOG.md"}
    mask = os.umask(0)
    os.umask(mask)
    assert (raw_copy / CLA_2026).stat().st_mode & 0o777 == 0o666 & ~mask  # the umask's say
    assert (raw_copy / CLA_2026).parent.stat().st_mode & 0o777 == 0o777 & ~mask

    # The log: one appended row per file with its checksum and the release's date.
    with open(raw_copy / "manifest.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    last = {row["file"]: row for row in rows}
    assert last[CLA_2026]["sha256"] == hashlib.sha256(cla_bytes).hexdigest()
    assert last[CLA_2026]["bytes"] == str(len(cla_bytes))
    assert "released 2026-11-27" in last[CLA_2026]["source"]
    assert "version 2.0" in last[CLA_2026]["source"]
    assert "released 2026-11-20" in last[C1]["source"]
    assert [r["file"] for r in rows].count(C1) == 2  # the old row kept as history
    log = (raw_copy / "DATA_LOG.md").read_text()
    assert f"`{CLA_2026}`" in log and "from the EES API" in log
    for name in (CLA_2026, C1):  # the manifest describes the bytes on disk
        assert hashlib.sha256((raw_copy / name).read_bytes()).hexdigest() == last[name]["sha256"]

    # The table was rebuilt from the new files.
    tidy = store.load_tidy()
    assert value(tidy, BRISTOL, "cla_31_march", "2025") == 755
    assert value(tidy, BRISTOL, "cla_31_march", "2026") == 748
    assert value(tidy, BRISTOL, "referrals", "2025") == 4270
    assert value(tidy, BRISTOL, "cla_31_march", "2024") == 764  # RY2025, untouched

    # The report: the new year, the revised figures (old -> new) and no new council.
    assert "New year 2026" in out
    assert "Bristol, City of (E06000023), 2025, cla_31_march: 753 -> 755" in out
    assert "Bristol, City of (E06000023), 2025, referrals: 4,264 -> 4,270" in out
    assert "Revised figures: 2 published" in out
    assert "New councils: none" in out
    assert f"{CLA_2026}: new file" in out and f"{C1}: revised file" in out
    listed = pd.read_csv(changes_csv)
    assert {"revised"} <= set(listed["change"])
    assert len(listed[listed["change"] == "revised"]) == 2


def test_dry_run_lists_the_changes_and_writes_nothing(data, raw_copy, publisher, capsys):
    serve_both(publisher, raw_copy)
    store.load_tidy()
    before = snapshot(data)

    assert run(publisher.base, "--dry-run") == 0
    out = capsys.readouterr().out
    assert snapshot(data) == before  # not even the cache
    assert "dry run" in out and "would be rebuilt" in out
    assert "New year 2026" in out
    assert "2025, cla_31_march: 753 -> 755" in out


def test_a_second_update_finds_nothing_new(data, raw_copy, publisher, capsys):
    serve_both(publisher, raw_copy)
    assert run(publisher.base) == 0
    capsys.readouterr()
    before = snapshot(raw_copy)
    assert run(publisher.base) == 0
    out = capsys.readouterr().out
    assert snapshot(raw_copy) == before
    assert f"{CLA_2026}: unchanged" in out and "No file changed" in out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_no_network_is_one_line_exit_2_and_nothing_changed(data, raw_copy, capsys):
    before = snapshot(data)
    assert run(f"http://127.0.0.1:{free_port()}/v1") == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "cannot reach the publisher" in err and "connection refused" in err
    assert "nothing was changed" in err and "Traceback" not in err
    assert snapshot(data) == before


def test_a_download_dropped_half_way_leaves_the_old_files(data, raw_copy, publisher, capsys):
    # The CLA file downloads whole; C1 breaks off: neither may land (all or nothing).
    serve_both(publisher, raw_copy, c1_how="drop")
    before = snapshot(data)
    assert run(publisher.base) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "broke off" in err and C1_ID in err
    assert snapshot(data) == before
    assert not (raw_copy / "cla" / "ees_ry2026").exists()


@pytest.mark.parametrize(("status", "words"), [(404, "404 Not Found"), (500, "500")])
def test_an_http_error_is_one_line(data, raw_copy, publisher, capsys, status, words):
    serve_both(publisher, raw_copy)
    publisher.routes[f"/v1/data-sets/{C1_ID}/csv"] = (status, b"{}", "")
    before = snapshot(data)
    assert run(publisher.base) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert words in err and "nothing was changed" in err
    assert snapshot(data) == before


def test_a_download_the_reader_cannot_read_changes_nothing(data, raw_copy, publisher, capsys):
    # A whole download whose layout the reader rejects (a required column renamed).
    serve_both(publisher, raw_copy)
    bad = revised_c1(raw_copy).replace(b",referral_count,", b",referrals_count,", 1)
    publisher.routes[f"/v1/data-sets/{C1_ID}/csv"] = (200, bad, "")
    before = snapshot(data)
    assert run(publisher.base) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "do not read" in err and "referral_count" in err
    assert snapshot(data) == before


def test_files_without_a_data_set_id_are_skipped_and_said_so(data, raw_copy, publisher, capsys):
    serve_both(publisher, raw_copy)
    assert main(["data", "update", "--api", publisher.base, "--dry-run"]) == 0
    out = capsys.readouterr().out
    # The registry knows only C1's id: the CLA file is skipped with the reason.
    assert "cla/ees_ry{year}/cla_number_and_rate_per_10k_children.csv: skipped" in out
    assert f"{C1}: revised file" in out


def test_an_unknown_file_in_dataset_is_an_error(data, capsys):
    assert main(["data", "update", "--dataset", "cin/nope.csv=abc", "--dry-run"]) == 2
    assert "no updatable raw file 'cin/nope.csv'" in capsys.readouterr().err


def test_registry_ids_from_the_environment(monkeypatch):
    monkeypatch.setenv("CSCANALYSIS_EES_DATASETS", f"{CLA_TEMPLATE}=abc-123")
    ids = {d.path: d.dataset_id for d in registry()}
    assert ids[CLA_TEMPLATE] == "abc-123"
    assert ids[C1] == C1_ID


def test_fetch_reports_a_short_body(publisher):
    publisher.routes["/v1/x"] = (200, b"a" * 1000, "drop")
    with pytest.raises(UpdateError, match="broke off"):
        fetch(f"{publisher.base}/x")


def test_compare_finds_new_periods_revisions_and_new_councils():
    def table(rows):
        return pd.DataFrame(
            rows,
            columns=[
                "council_code",
                "council_name",
                "period",
                "measure",
                "value",
                "flag",
                "source",
            ],
        )

    old = table(
        [
            ("E06000023", "Bristol", "2024", "cla_31_march", 764.0, "", "f"),
            ("E06000023", "Bristol", "2025", "cla_31_march", 753.0, "", "f"),
            ("E06000024", "Somerset", "2025", "cla_31_march", float("nan"), "c", "f"),
        ]
    )
    new = table(
        [
            ("E06000023", "Bristol", "2024", "cla_31_march", 764.0, "", "f"),
            ("E06000023", "Bristol", "2025", "cla_31_march", 755.0, "", "f"),
            ("E06000023", "Bristol", "2026", "cla_31_march", 748.0, "", "f"),
            ("E06000024", "Somerset", "2025", "cla_31_march", 12.0, "", "f"),
            ("E06000063", "Cumberland", "2025", "cla_31_march", 458.0, "", "f"),
        ]
    )
    changes = compare(old, new)
    assert changes.new_periods["period"].tolist() == ["2026"]
    revised = {
        (r.council_code, r.period): (r.value_old, r.value_new) for r in changes.revised.itertuples()
    }
    assert revised[("E06000023", "2025")] == (753.0, 755.0)
    assert revised[("E06000024", "2025")][1] == 12.0  # a suppressed figure published
    assert len(revised) == 2
    assert changes.new_councils["council_code"].tolist() == ["E06000063"]


def test_pack_manifest_lists_each_source_with_its_checksum(tidy):
    from cscanalysis.store.datalog import read_manifest, sources_record

    record = sources_record(tidy)
    files = {r["file"]: r for r in record}
    logged = read_manifest()
    name = "cla/ees_ry2025/cla_number_and_rate_per_10k_children.csv"
    assert files[name]["sha256"] == logged[name]["sha256"]
    assert files[name]["copied"] == "2026-11-30"
    assert "reporting year 2025" in files[name]["publication"]
    assert all(r["sha256"] for r in record)  # every file the table used is logged
    assert json.dumps(record)  # fits in manifest.json


def test_pack_manifest_records_the_sources(tmp_path):
    import nbformat

    from cscanalysis.packs.framework import publish_notebook

    def runner(source, executed, parameters, **kwargs):
        notebook = nbformat.v4.new_notebook()
        nbformat.write(notebook, executed)
        return notebook

    final = tmp_path / "pack"
    publish_notebook(
        tmp_path / "nb.py",
        {"council": BRISTOL},
        final,
        title="t",
        manifest={"council_code": BRISTOL, "data_key": store.inputs_key()},
        runner=runner,
    )
    record = json.loads((final / "manifest.json").read_text())
    files = {s["file"]: s for s in record["sources"]}
    assert "cin/b1_children_in_need_2013_to_2025.csv" in files
    assert files["cin/b1_children_in_need_2013_to_2025.csv"]["sha256"] == (
        "fc065f5eb33a97fcbf3b2df6a7a55e15dbf645ce9739ef0128776461602179ad"  # data/raw/manifest.csv
    )


def test_commit_puts_everything_back_when_a_rename_fails(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    (raw / "cin").mkdir(parents=True)
    (raw / "cin" / "a.csv").write_bytes(b"old a")
    (raw / "manifest.csv").write_bytes(b"old manifest")
    before = snapshot(raw)
    real_replace = os.replace
    calls = []

    def flaky(source, target):
        calls.append(target)
        if len(calls) == 3:  # the first two land, the third fails
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", flaky)
    files = {"cin/a.csv": b"new a", "cla/ees_ry2026/b.csv": b"new b", "manifest.csv": b"new"}
    with pytest.raises(UpdateError, match="No space left on device"):
        commit(raw, files)
    monkeypatch.setattr(os, "replace", real_replace)
    assert snapshot(raw) == before  # old bytes back, no temporary or backup file left
    assert not (raw / "cla").exists()  # the new folder is gone too
