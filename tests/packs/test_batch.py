"""Batch packs (issue 4): a real Dask LocalCluster with two workers, warm kernels, fault
injection, resuming, skipping unchanged packs, the index and the manifest.

Most tests run a light test notebook (no charts) so that each pack takes about a second; one
test runs the real evidence pack for three councils and checks the page is the same as
``build_pack``'s.
"""

from __future__ import annotations

import html
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cscanalysis.cli import main
from cscanalysis.core.errors import ParameterError, UnknownCouncilError
from cscanalysis.packs.batch import run as batch
from cscanalysis.packs.batch.report import Progress
from cscanalysis.packs.batch.run import OutputError, plan_batch, run_batch, safe_join
from cscanalysis.packs.batch.worker import PackOutcome
from cscanalysis.packs.evidence.pack import build_pack
from tests.conftest import raw_record

pytestmark = pytest.mark.slow

BRISTOL, LEEDS, KENT, CAMDEN = "E06000023", "E08000035", "E10000016", "E09000007"
FOUR = ["Bristol", "Leeds", "Kent", "Camden"]
RY2025 = "cla/ees_ry2025/cla_number_and_rate_per_10k_children.csv"

# A notebook with the same parameters contract as the evidence pack and faults on demand:
# mode="faults" makes Bristol's cell raise (with markup in the message), Leeds's kernel exit
# and Kent's cell sleep past the timeout; mode="slow" makes every pack take two seconds.
LIGHT = """\
# %% tags=["parameters"]
council = "x"
period = "2023"
mode = "ok"

# %%
import os
import time
from IPython.display import HTML, display
if mode == "faults" and council == "E06000023":
    raise RuntimeError("<script>alert('boom')</script> on purpose")
if mode == "faults" and council == "E08000035":
    os._exit(1)
if mode == "faults" and council == "E10000016":
    time.sleep(120)
if mode == "slow":
    time.sleep(2)
leftover = globals().get("previous_council")
previous_council = council
display(HTML(f"<p>Pack for {council}, {period}; left over from before: {leftover}</p>"))
open("marker.txt", "w").write(council)
"""


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as local,
        Client(local) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def light(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("notebook") / "light.py"
    path.write_text(LIGHT, encoding="utf-8")
    return path


def text_of(page: str) -> str:
    page = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def without_build_time(page: str) -> str:
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "<built>", page)


def manifest_of(out: Path) -> dict:
    return json.loads((out / "2023" / "manifest.json").read_text(encoding="utf-8"))


def packs_by_code(out: Path) -> dict[str, dict]:
    return {p["council_code"]: p for p in manifest_of(out)["packs"]}


# --------------------------------------------------------------------------- real packs


def test_real_packs_on_a_local_cluster_match_build_pack(cluster, tmp_path):
    out = tmp_path / "batch"
    report = run_batch(["Bristol", "Leeds", "Camden"], 2023, out, client=cluster)
    assert report.ok and report.count("built") == 3
    assert report.workers == 2
    for code in (BRISTOL, LEEDS, CAMDEN):
        assert (out / "2023" / code / "index.html").is_file()
    # same headline as the published file (RY2025 row for Bristol 2023: 732 children, rate 80)
    record = raw_record(
        RY2025,
        time_period="2023",
        new_la_code=BRISTOL,
        population_type="Children looked after on 31 March each year",
    )
    assert (record["children_count"], record["rate_per_10000"]) == ("732", "80")
    page = (out / "2023" / BRISTOL / "index.html").read_text(encoding="utf-8")
    assert "At 31 March 2023, Bristol looked after 732 children, 80 per 10,000" in text_of(page)
    # the warm kernel gives the same page as a new kernel per pack (build time aside)
    single = build_pack("Bristol", 2023, tmp_path / "single")
    assert without_build_time(page) == without_build_time(Path(single.path).read_text("utf-8"))
    # chart files beside each pack, as build_pack writes them
    assert (out / "2023" / BRISTOL / "charts" / "01-cla-rate.png").is_file()


# --------------------------------------------------------------------------- faults


def test_faults_are_isolated_recorded_and_escaped(cluster, light, tmp_path):
    out = tmp_path / "out"
    report = run_batch(
        FOUR,
        "2023",
        out,
        client=cluster,
        notebook=light,
        parameters={"mode": "faults"},
        timeout=5,
    )
    assert not report.ok
    status = {o.council_code: (o.status, o.action) for o in report.outcomes}
    assert status == {
        BRISTOL: ("failed", "failed"),
        LEEDS: ("failed", "failed"),
        KENT: ("failed", "failed"),
        CAMDEN: ("built", "built"),
    }
    packs = packs_by_code(out)
    assert packs[BRISTOL]["reason"] == (
        "a cell raised RuntimeError: <script>alert('boom')</script> on purpose (cell 3)"
    )
    assert "kernel died" in packs[LEEDS]["reason"]
    assert "5 s timeout" in packs[KENT]["reason"]
    period = out / "2023"
    for code in (BRISTOL, LEEDS, KENT):
        assert not (period / code).exists()  # no HTML published for a failed pack
        failure = period / "failures" / code
        assert (failure / "pack.ipynb").is_file()  # kept for debugging
        error = (failure / "error.txt").read_text(encoding="utf-8")
        assert packs[code]["reason"] in error and "Traceback" in error
        assert packs[code]["failure"] == f"failures/{code}/"
    executed = json.loads((period / "failures" / BRISTOL / "pack.ipynb").read_text())
    assert any(
        o.get("ename") == "RuntimeError" for c in executed["cells"] for o in c.get("outputs", [])
    )
    assert "Pack for E09000007, 2023" in (period / CAMDEN / "index.html").read_text()
    assert not list(period.glob(".*.tmp")) and not list((period / "failures").glob(".*"))
    # the index escapes the reason and links what there is
    index = (period / "index.html").read_text(encoding="utf-8")
    assert "<script" not in index
    assert "&lt;script&gt;alert(&#x27;boom&#x27;)&lt;/script&gt; on purpose" in index
    assert f'href="{CAMDEN}/index.html"' in index
    assert f'href="{BRISTOL}/index.html"' not in index
    assert f'href="failures/{LEEDS}/error.txt"' in index
    assert index.count("<tr class=") == 4


def test_a_kernel_killed_mid_run_is_replaced_for_the_next_pack(cluster, light, tmp_path):
    # One worker gets Leeds (kernel exits) and more packs after it: those still build.
    councils = ["Leeds", "Bristol", "Camden", "Kent", "Barnet", "York"]
    report = run_batch(
        councils,
        "2023",
        tmp_path,
        client=cluster,
        notebook=light,
        parameters={"mode": "faults"},
        timeout=5,
    )
    built = {o.council_code for o in report.outcomes if o.status == "built"}
    assert built == {CAMDEN, "E09000003", "E06000014"}  # Camden, Barnet, York
    # each pack ran in an empty namespace: nothing left over from the pack before
    for code in built:
        assert (
            "left over from before: None" in (tmp_path / "2023" / code / "index.html").read_text()
        )


def test_failure_keeps_the_previous_good_pack(cluster, light, tmp_path):
    assert run_batch(["Bristol"], "2023", tmp_path, client=cluster, notebook=light).ok
    page = (tmp_path / "2023" / BRISTOL / "index.html").read_bytes()
    report = run_batch(
        ["Bristol"],
        "2023",
        tmp_path,
        client=cluster,
        notebook=light,
        parameters={"mode": "faults"},
    )
    assert [o.status for o in report.outcomes] == ["failed"]
    assert (tmp_path / "2023" / BRISTOL / "index.html").read_bytes() == page
    pack = packs_by_code(tmp_path)[BRISTOL]
    assert pack["previous_pack"] and pack["why"] == "parameters changed"
    index = (tmp_path / "2023" / "index.html").read_text(encoding="utf-8")
    assert "previous pack</a> kept" in index


# --------------------------------------------------------------------------- resuming


def test_skip_when_unchanged_rebuild_when_changed_or_forced(cluster, light, tmp_path):
    first = run_batch(FOUR[:3], "2023", tmp_path, client=cluster, notebook=light)
    assert first.count("built") == 3, [o.reason for o in first.outcomes]
    again = run_batch(FOUR[:3], "2023", tmp_path, client=cluster, notebook=light)
    assert again.ok and again.count("built") == 0 and again.count("skipped") == 3
    assert again.workers == 0  # nothing to build: no cluster, no kernel
    assert manifest_of(tmp_path)["counts"] == {
        "councils": 3,
        "built": 3,
        "failed": 0,
        "not_run": 0,
        "built_this_run": 0,
        "unchanged": 3,
    }
    changed = run_batch(
        FOUR[:3], "2023", tmp_path, client=cluster, notebook=light, parameters={"mode": "x"}
    )
    assert changed.count("built") == 3
    assert {o.why for o in changed.outcomes} == {"parameters changed"}
    forced = run_batch(
        FOUR[:3],
        "2023",
        tmp_path,
        client=cluster,
        notebook=light,
        parameters={"mode": "x"},
        force=True,
    )
    assert forced.count("built") == 3 and {o.why for o in forced.outcomes} == {"forced"}
    light_copy = tmp_path / "light.py"
    light_copy.write_text(LIGHT + "\n# an edit\n", encoding="utf-8")
    edited = plan_batch(FOUR[:3], "2023", tmp_path, notebook=light_copy, parameters={"mode": "x"})
    assert {j.why for j in edited.jobs} == {"notebook changed"}


def test_a_resumed_run_builds_only_the_rest_and_ends_as_an_uninterrupted_run(
    cluster, light, tmp_path
):
    whole = tmp_path / "whole"
    parts = tmp_path / "parts"
    assert run_batch(FOUR, "2023", whole, client=cluster, notebook=light).ok
    assert run_batch(FOUR[:2], "2023", parts, client=cluster, notebook=light).ok
    # a killed run leaves a staging folder behind; the next run clears it
    (parts / "2023" / f".{KENT}.abc123.tmp").mkdir()
    resumed = run_batch(FOUR, "2023", parts, client=cluster, notebook=light)
    assert {o.council_code: o.action for o in resumed.outcomes} == {
        BRISTOL: "skipped",
        LEEDS: "skipped",
        KENT: "built",
        CAMDEN: "built",
    }
    assert resumed.ok
    assert not list((parts / "2023").glob(".*.tmp"))
    files = sorted(p.relative_to(whole) for p in whole.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(parts) for p in parts.rglob("*") if p.is_file())
    for code in (BRISTOL, LEEDS, KENT, CAMDEN):
        assert (whole / "2023" / code / "index.html").read_bytes() == (
            parts / "2023" / code / "index.html"
        ).read_bytes()
    status = [(p["council_code"], p["status"], p["path"]) for p in manifest_of(whole)["packs"]]
    assert status == [
        (p["council_code"], p["status"], p["path"]) for p in manifest_of(parts)["packs"]
    ]


def test_a_killed_run_started_again_completes_the_rest(light, tmp_path):
    command = [
        sys.executable, "-m", "cscanalysis.cli", "packs", "--council", *FOUR, "--period",
        "2023", "--out", str(tmp_path), "--workers", "1", "--notebook", str(light), "-p",
        "mode=slow",
    ]  # fmt: skip
    run = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 180
        while not list((tmp_path / "2023").glob("E*/manifest.json")):
            assert run.poll() is None and time.monotonic() < deadline, run.communicate()
            time.sleep(0.2)
    finally:
        os.killpg(run.pid, signal.SIGKILL)  # the whole run: client, cluster and kernels
        run.wait()
    done = {p.parent.name for p in (tmp_path / "2023").glob("E*/manifest.json")}
    assert 1 <= len(done) < 4
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    packs = packs_by_code(tmp_path)
    assert {c for c, p in packs.items() if p["action"] == "skipped"} == done
    assert all(p["status"] == "built" for p in packs.values()) and len(packs) == 4
    assert not list((tmp_path / "2023").glob(".*.tmp"))


def test_a_run_for_some_councils_keeps_the_others_in_the_index(cluster, light, tmp_path):
    assert run_batch(FOUR[:2], "2023", tmp_path, client=cluster, notebook=light).ok
    report = run_batch(["Kent"], "2023", tmp_path, client=cluster, notebook=light)
    assert report.ok and report.count("built") == 1
    packs = packs_by_code(tmp_path)
    assert {c: p["action"] for c, p in packs.items()} == {
        BRISTOL: "not in this run",
        LEEDS: "not in this run",
        KENT: "built",
    }
    assert all(p["status"] == "built" for p in packs.values())
    index = (tmp_path / "2023" / "index.html").read_text(encoding="utf-8")
    assert f'href="{LEEDS}/index.html"' in index and f'href="{KENT}/index.html"' in index


# --------------------------------------------------------------------------- fail fast


def test_bad_parameters_fail_before_anything_is_written(light, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(UnknownCouncilError, match="Bristoll"):
        plan_batch(["Bristol", "Bristoll"], "2023", out, notebook=light)
    with pytest.raises(ParameterError, match="outside the data"):
        plan_batch(["Bristol"], "2031", out, notebook=light)
    with pytest.raises(ParameterError, match=r"unknown parameter 'colour'.*it takes: mode"):
        plan_batch(["Bristol"], "2023", out, notebook=light, parameters={"colour": "red"})
    with pytest.raises(ParameterError, match="set by the batch"):
        plan_batch(["Bristol"], "2023", out, notebook=light, parameters={"council": "Leeds"})
    with pytest.raises(ParameterError, match="did not exist"):
        plan_batch(["Bournemouth"], "2023", out, notebook=light)  # abolished in 2019
    with pytest.raises(ParameterError, match="workers"):
        run_batch(["Bristol"], "2023", out, notebook=light, workers=0)
    with pytest.raises(ParameterError, match="escapes the output folder"):
        safe_join(out, "..", "elsewhere")
    with pytest.raises(ParameterError, match="escapes the output folder"):
        safe_join(out, "2023", "../../../etc")
    assert safe_join(out, "2023", BRISTOL) == (out / "2023" / BRISTOL).resolve()
    assert not out.exists()


def test_unwritable_or_full_output_folder_fails_fast(light, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match=r"cannot write to the output folder .*file/2023"):
        plan_batch(["Bristol"], "2023", blocker, notebook=light)
    if os.geteuid() != 0:  # root can write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        with pytest.raises(OutputError, match="cannot write"):
            plan_batch(["Bristol"], "2023", locked, notebook=light)
    monkeypatch.setattr(batch, "free_bytes", lambda path: 10 * 2**20)
    with pytest.raises(OutputError, match=r"not enough space .*: 10 MB free, about 88 MB needed"):
        plan_batch(["Bristol", "Leeds", "Kent"], "2023", tmp_path / "full", notebook=light)
    assert main(["packs", "--council", "Bristol", "--out", str(blocker)]) == 2


def test_a_second_run_on_the_same_folder_is_refused(light, tmp_path):
    period = tmp_path / "2023"
    period.mkdir()
    with batch.locked(period), pytest.raises(OutputError, match="another run"):
        run_batch(["Bristol"], "2023", tmp_path, notebook=light)


# --------------------------------------------------------------------------- command line


def test_command_line_exit_status_and_scheduler_address(cluster, light, tmp_path, capsys):
    address = cluster.scheduler_info()["address"]
    ok = ["packs", "--council", "Bristol", "Camden", "--period", "2023", "--out", str(tmp_path)]
    assert main([*ok, "--notebook", str(light), "--scheduler", address]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(tmp_path / "2023" / name) for name in ("index.html", "gallery.html")]
    bad = main([*ok, "--notebook", str(light), "--scheduler", address, "-p", "mode=faults"])
    assert bad == 1  # Bristol failed
    assert main([*ok, "--notebook", str(light), "-p", "colour=red"]) == 2
    assert "unknown parameter 'colour'" in capsys.readouterr().err


# --------------------------------------------------------------------------- index, progress


def test_index_and_manifest_describe_every_council(cluster, light, tmp_path):
    run_batch(FOUR, "2023", tmp_path, client=cluster, notebook=light, timeout=5,
              parameters={"mode": "faults"})  # fmt: skip
    record = manifest_of(tmp_path)
    assert record["period"] == "2023" and record["complete"] is False
    assert record["notebook"] == "light.py" and record["parameters"] == {"mode": "faults"}
    assert record["counts"]["built"] == 1 and record["counts"]["failed"] == 3
    names = [p["council_name"] for p in record["packs"]]
    assert names == sorted(names)  # by council name
    camden = packs_by_code(tmp_path)[CAMDEN]
    assert camden["path"] == f"{CAMDEN}/index.html" and camden["seconds"] > 0
    assert camden["built_at"].startswith("20") and camden["why"] == "new"
    pack_manifest = json.loads((tmp_path / "2023" / CAMDEN / "manifest.json").read_text())
    assert pack_manifest["inputs_key"] == camden["inputs_key"]
    index = (tmp_path / "2023" / "index.html").read_text(encoding="utf-8")
    text = text_of(index)
    assert "Incomplete: 1 of 4 packs built (1 this run, 0 unchanged), 3 failed, 0 not run" in text
    assert '<html lang="en-GB">' in index and "<script" not in index
    for name in names:
        assert html.escape(name) in index


def test_progress_bar_on_a_terminal_and_log_lines_otherwise():
    plan = batch.BatchPlan("2023", Path("/x/2023"), Path("nb.py"), {}, "d", "n", "c", [], [])
    plan.jobs = [object()] * 3  # only counted
    outcome = PackOutcome(BRISTOL, "Bristol, City of", "built", "built", seconds=1.5)
    failed = PackOutcome(LEEDS, "Leeds", "failed", "failed", reason="a cell raised X")
    log = io.StringIO()
    progress = Progress(log, tty=False)
    progress.start(plan, "LocalCluster(2 workers)")
    progress.update(outcome)
    progress.update(failed)
    lines = log.getvalue().splitlines()
    assert lines[0].endswith("period 2023: 3 councils, 3 to build, 0 unchanged, on "
                             "LocalCluster(2 workers)")  # fmt: skip
    assert "built E06000023 Bristol, City of in 1.5s [1/3, 0 failed, ETA" in lines[1]
    assert "FAILED (a cell raised X) E08000035 Leeds [2/3, 1 failed, ETA" in lines[2]
    assert "\r" not in log.getvalue()
    bar = io.StringIO()
    progress = Progress(bar, tty=True)
    progress.start(plan, "here")
    progress.update(outcome)
    assert "\r[##########....................] 1/3 done, 0 failed, 2 remaining, ETA" in (
        bar.getvalue()
    )
