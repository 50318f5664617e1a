"""Packs of any kind from a jobs file (``cscanalysis packs --kind K --jobs CSV``)."""

from __future__ import annotations

import pytest

from cscanalysis.cli import main
from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.packs.jobs import JobOutcome, build_jobs, read_jobs
from tests.conftest import EXAMPLES, REPO_ROOT
from tests.golden.normalise import normalise

FRONT_DOOR = ";".join(
    str(EXAMPLES / name)
    for name in ("bristol_front_door_2016_17.csv", "bristol_age_at_entry_2016_17.csv")
)


def jobs_file(tmp_path, text):
    path = tmp_path / "jobs.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_row_is_planned_before_any_kernel_starts(tmp_path):
    path = jobs_file(tmp_path, f"inputs,council,horizon\n{FRONT_DOOR},Bristol,6\n")
    ((row, plan),) = [(job.row, job.plan) for job in read_jobs(path, "front-door")]
    assert row == 2
    assert plan.kind.name == "front-door"
    assert plan.folder.as_posix() == "front_door/E06000023"
    assert plan.parameters["forecast_horizon"] == 6


def test_an_unknown_column_names_the_file_and_column(tmp_path):
    path = jobs_file(tmp_path, f"inputs,place\n{FRONT_DOOR},Bristol\n")
    with pytest.raises(DataError) as caught:
        read_jobs(path, "front-door")
    assert (caught.value.row, caught.value.column) == (1, "place")


def test_a_bad_row_names_its_row(tmp_path):
    rows = f"inputs,council\n{FRONT_DOOR},Bristol\n{FRONT_DOOR},Atlantis\n"
    with pytest.raises(ParameterError, match=r"jobs.csv row 3: .*Atlantis"):
        read_jobs(jobs_file(tmp_path, rows), "front-door")


def test_a_horizon_that_is_not_a_whole_number_names_its_cell(tmp_path):
    path = jobs_file(tmp_path, f"inputs,council,horizon\n{FRONT_DOOR},Bristol,six\n")
    with pytest.raises(DataError) as caught:
        read_jobs(path, "front-door")
    assert (caught.value.row, caught.value.column, caught.value.value) == (2, "horizon", "six")


def test_evidence_packs_from_a_jobs_file_take_a_target(tmp_path):
    path = jobs_file(tmp_path, "council,period,target\nBristol,2025,519 2027\n")
    (job,) = read_jobs(path, "evidence")
    plan = job.plan
    assert plan.folder.as_posix() == "2025/E06000023"
    assert (plan.parameters["target_value"], plan.parameters["target_year"]) == (519.0, 2027)


def test_a_target_that_is_not_two_numbers_names_its_cell(tmp_path):
    path = jobs_file(tmp_path, "council,target\nBristol,519\n")
    with pytest.raises(DataError) as caught:
        read_jobs(path, "evidence")
    assert (caught.value.row, caught.value.column, caught.value.value) == (2, "target", "519")


def test_a_row_with_more_cells_than_columns_names_its_row(tmp_path):
    path = jobs_file(tmp_path, f"inputs,council\n{FRONT_DOOR},Bristol,extra\n")
    with pytest.raises(DataError, match="more cells than columns") as caught:
        read_jobs(path, "front-door")
    assert (caught.value.row, caught.value.value) == (2, "extra")


def test_an_empty_required_cell_names_its_column(tmp_path):
    path = jobs_file(tmp_path, f"inputs,council\n{FRONT_DOOR},\n")
    with pytest.raises(DataError) as caught:
        read_jobs(path, "front-door")
    assert (caught.value.row, caught.value.column) == (2, "council")


def test_rows_are_numbered_as_the_file_shows_them(tmp_path):
    # a blank line is row 3; the council on row 4 does not exist
    rows = f"inputs,council\n{FRONT_DOOR},Bristol\n\n{FRONT_DOOR},Atlantis\n"
    with pytest.raises(ParameterError, match=r"jobs.csv row 4: "):
        read_jobs(jobs_file(tmp_path, rows), "front-door")


def test_two_rows_that_build_the_same_pack_are_refused(tmp_path):
    rows = f"inputs,council\n{FRONT_DOOR},Bristol\n{FRONT_DOOR},E06000023\n"
    with pytest.raises(ParameterError, match=r"rows 2 and 3 build the same pack"):
        read_jobs(jobs_file(tmp_path, rows), "front-door")


def test_a_failing_pack_is_reported_and_the_others_are_built(tmp_path):
    import nbformat

    case = EXAMPLES / "bristol_2018_case.csv"
    path = jobs_file(tmp_path, f"case,slug\n{case},first\n{case},second\n")

    def runner(source, executed, parameters, **kwargs):
        if executed.parent.name.startswith(".first."):  # the staging folder of row 2's pack
            raise RuntimeError("the notebook failed in cell 4")
        notebook = nbformat.v4.new_notebook()
        nbformat.write(notebook, executed)
        return notebook

    out = tmp_path / "out"
    first, second = build_jobs(read_jobs(path, "business-case"), out, runner=runner)
    assert (first.row, first.path) == (2, None)
    assert first.reason == "RuntimeError: the notebook failed in cell 4"
    assert not (out / "business_case" / "first").exists()  # nothing half-built is left
    assert second == JobOutcome(3, out / "business_case" / "second" / "index.html")
    assert second.path is not None and second.path.is_file()


def test_batch_options_are_refused_with_a_jobs_file(tmp_path, capsys):
    path = jobs_file(tmp_path, f"inputs,council\n{FRONT_DOOR},Bristol\n")
    argv = ["packs", "--kind", "front-door", "--jobs", str(path), "--workers", "2"]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    assert "--workers cannot be used with --jobs" in capsys.readouterr().err


def test_another_kind_without_a_jobs_file_is_refused(tmp_path, capsys):
    assert main(["packs", "--kind", "front-door", "--all", "--out", str(tmp_path)]) == 2
    assert "needs --jobs" in capsys.readouterr().err


@pytest.mark.slow
def test_a_front_door_from_a_jobs_file_is_the_page_the_frontdoor_command_builds(
    tmp_path, showcase_pages, capsys
):
    # The same framework builds both: the page must match the showcase front door exactly.
    path = jobs_file(tmp_path, f"inputs,council\n{FRONT_DOOR},Bristol\n")
    out = tmp_path / "out"
    assert main(["packs", "--kind", "front-door", "--jobs", str(path), "--out", str(out)]) == 0
    page = out / "front_door" / "E06000023" / "index.html"
    assert capsys.readouterr().out.strip() == str(page)
    built, expected = (
        normalise(p.read_text(encoding="utf-8"), str(REPO_ROOT))
        for p in (page, showcase_pages["front door"])
    )
    assert built == expected
