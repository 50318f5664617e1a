"""``cscanalysis ssda903``, run as a user runs it.

Data: data/raw/ssda903/sample_la/, a SYNTHETIC five-year sample (the Children's Services Demand
Model's test data, MIT): no real child is in it, and every row written from it must say so.
Expected counts are worked out here with the csv module from the files themselves. Hostile
inputs are small returns written here, one test per failure mode.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from cscanalysis.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw" / "ssda903" / "sample_la"
TIDY = ["council_code", "council_name", "period", "measure", "value", "flag", "source"]
REPORT = [
    "file",
    "row",
    "child",
    "rule",
    "detail",
    "action",
    "year",
    "field",
    "as_returned",
    "revised",
]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _value(rows: list[dict[str, str]], period: str, measure: str) -> float:
    hit = [r for r in rows if r["period"] == period and r["measure"] == measure]
    assert len(hit) == 1, (period, measure)
    return float(hit[0]["value"])


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ssda903") / "sample_la.csv"
    assert main(["ssda903", "--input", str(SAMPLE), "--out", str(out)]) == 0
    return out


def test_writes_tidy_rows_and_a_report_beside_them(sample_run):
    rows = _rows(sample_run)
    assert list(rows[0]) == TIDY
    report = sample_run.with_name("sample_la_validation.csv")
    problems = _rows(report)
    assert list(problems[0]) == REPORT
    # the five returns' dates run from 2017-18 to 2021-22 (years ending 31 March 2018..2022)
    assert sorted({r["period"] for r in rows}) == ["2018", "2019", "2020", "2021", "2022"]
    assert {r["council_code"] for r in rows} == {""}  # no --council given


def test_every_row_says_the_data_is_synthetic(sample_run):
    rows = _rows(sample_run)
    assert all("synthetic" in r["source"] for r in rows)
    assert rows[0]["source"].startswith("SSDA903 returns 2017-18 to 2021-22")


def test_counts_for_the_last_year_worked_out_from_the_file(sample_run):
    """2021-episodes.csv is the last return (1 April 2021 to 31 March 2022), so no later file
    can add to or close its episodes: children looked after on 31 March 2022 are the children
    with an episode in it that started by then and has no end date, or ends after it; starts
    are children with an RNE S episode commencing in the year."""
    end, start = dt.date(2022, 3, 31), dt.date(2021, 4, 1)
    in_care, starting = set(), set()
    with open(SAMPLE / "2021-episodes.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            decom = dt.datetime.strptime(row["DECOM"], "%d/%m/%Y").date()
            dec = dt.datetime.strptime(row["DEC"], "%d/%m/%Y").date() if row["DEC"] else None
            if decom <= end and (dec is None or dec > end):
                in_care.add(row["CHILD"])
            if row["RNE"] == "S" and start <= decom <= end:
                starting.add(row["CHILD"])
    rows = _rows(sample_run)
    assert _value(rows, "2022", "cla_31_march") == len(in_care)
    assert _value(rows, "2022", "cla_starts") == len(starting)
    # and the sizes themselves: 62 open episodes (62 blank DEC cells, all different children)
    assert len(in_care) == 62


def test_council_labels_every_row(tmp_path):
    out = tmp_path / "bristol.csv"
    assert main(["ssda903", "--input", str(SAMPLE), "--council", "801", "--out", str(out)]) == 0
    rows = _rows(out)
    assert {(r["council_code"], r["council_name"]) for r in rows} == {
        ("E06000023", "Bristol, City of")
    }


def test_given_source_still_says_synthetic_for_the_sample(tmp_path):
    out = tmp_path / "x.csv"
    argv = ["ssda903", "--input", str(SAMPLE), "--out", str(out), "--source", "My returns"]
    assert main(argv) == 0
    assert {r["source"] for r in _rows(out)} == {"My returns, synthetic data, no real child"}


# --- hostile inputs ---------------------------------------------------------------------------

EP_HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC"
HD_HEAD = "CHILD,SEX,DOB"
GOOD = "1,01/05/2019,S,C2,N1,U4,PR1,,"  # open episode in the 2019-20 return
GOOD_HEAD = "1,1,01/01/2010"


def _return(folder: Path, episodes: list[str], header: list[str]) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "2019-episodes.csv").write_text("\n".join([EP_HEAD, *episodes]) + "\n")
    (folder / "2019-header.csv").write_text("\n".join([HD_HEAD, *header]) + "\n")
    return folder


def _report_of(tmp_path: Path, folder: Path, capsys) -> list[dict[str, str]]:
    out = tmp_path / "out.csv"
    assert main(["ssda903", "--input", str(folder), "--out", str(out), "--synthetic"]) == 0
    assert "synthetic" in _rows(out)[0]["source"]
    capsys.readouterr()
    return _rows(tmp_path / "out_validation.csv")


def test_episode_ending_before_it_starts_is_reported_and_excluded(tmp_path, capsys):
    folder = _return(
        tmp_path / "in", [GOOD, "2,10/06/2019,S,C2,N1,U4,PR1,01/06/2019,E13"], [GOOD_HEAD]
    )
    report = _report_of(tmp_path, folder, capsys)
    hit = [r for r in report if r["rule"] == "end_before_start"]
    assert [(r["file"], r["row"], r["child"], r["action"]) for r in hit] == [
        ("2019-episodes.csv", "3", "2", "excluded")
    ]
    rows = _rows(tmp_path / "out.csv")
    assert _value(rows, "2020", "cla_31_march") == 1  # child 1 only; child 2's row is unusable


def test_overlapping_episodes_are_reported(tmp_path, capsys):
    folder = _return(
        tmp_path / "in",
        ["1,01/05/2019,S,C2,N1,U4,PR1,01/09/2019,X1", "1,01/08/2019,P,C2,N1,U6,PR4,,"],
        [GOOD_HEAD],
    )
    report = _report_of(tmp_path, folder, capsys)
    hit = [r for r in report if r["rule"] == "overlapping_episodes"]
    assert [(r["file"], r["row"], r["child"]) for r in hit] == [("2019-episodes.csv", "3", "1")]


def test_unknown_placement_code_is_reported(tmp_path, capsys):
    folder = _return(tmp_path / "in", [GOOD, "2,01/06/2019,S,C2,N1,Q9,PR1,,"], [GOOD_HEAD])
    report = _report_of(tmp_path, folder, capsys)
    hit = [r for r in report if r["rule"] == "unknown_code"]
    assert [(r["row"], r["child"]) for r in hit] == [("3", "2")]
    assert "PLACE 'Q9'" in hit[0]["detail"]


def test_header_not_matching_episodes_is_reported(tmp_path, capsys):
    folder = _return(tmp_path / "in", [GOOD, "2,01/06/2019,S,C2,N1,U4,PR1,,"], [GOOD_HEAD])
    report = _report_of(tmp_path, folder, capsys)
    hit = [r for r in report if r["rule"] == "child_not_in_header"]
    assert [(r["file"], r["row"], r["child"]) for r in hit] == [("2019-episodes.csv", "3", "2")]


def test_missing_column_stops_with_file_and_column(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2019-episodes.csv").write_text("CHILD,DECOM,RNE\n1,01/05/2019,S\n")
    (folder / "2019-header.csv").write_text(f"{HD_HEAD}\n{GOOD_HEAD}\n")
    out = tmp_path / "out.csv"
    assert main(["ssda903", "--input", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "file 2019-episodes.csv" in err and "row 1" in err and "PLACE" in err
    assert not out.exists() and not (tmp_path / "out_validation.csv").exists()


def test_not_a_folder_is_exit_2(tmp_path, capsys):
    assert main(["ssda903", "--input", str(tmp_path / "nope"), "--out", "x.csv"]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_out_must_be_a_csv_file(tmp_path, capsys):
    assert main(["ssda903", "--input", str(SAMPLE), "--out", str(tmp_path)]) == 2
    assert "--out must be a .csv file" in capsys.readouterr().err


def test_unknown_council_is_exit_2(tmp_path, capsys):
    argv = ["ssda903", "--input", str(SAMPLE), "--council", "Bristle", "--out", "x.csv"]
    assert main(argv) == 2
    assert "unknown council 'Bristle'" in capsys.readouterr().err
