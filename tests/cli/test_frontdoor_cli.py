"""``cscanalysis frontdoor`` with hostile inputs: each stops with exit code 2 and a message naming
the file, row (line as a text editor shows it, header = 1), column and value, before any
notebook runs, and writes nothing. The files are small extracts written here, in the template's
shape (data/templates/monthly_extract.csv), with figures from Bristol's Table 1 (seed lines
693-695) where a figure is needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cscanalysis.cli import main

HEADER = "Month,Contacts,Referrals,Child Protection s47"
AUG = "Aug-16,1916,349,73"
SEP = "Sep-16,2164,446,120"
OCT = "Oct-16,2001,381,93"


def _run(tmp_path: Path, lines: list[str], capsys, *extra: str) -> tuple[int, str, Path]:
    extract = tmp_path / "extract.csv"
    extract.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    argv = ["frontdoor", "--input", str(extract), "--council", "Bristol", "--out", str(out)]
    code = main([*argv, *extra])
    return code, capsys.readouterr().err, out


def test_unparseable_month(tmp_path, capsys):
    code, err, out = _run(tmp_path, [HEADER, AUG, "Smarch-16,2164,446,120", OCT], capsys)
    assert code == 2
    assert "cannot read the month" in err
    assert "file extract.csv" in err and "row 3" in err
    assert "column 'Month'" in err and "value 'Smarch-16'" in err
    assert not out.exists()


def test_duplicated_month(tmp_path, capsys):
    # 2016-08 is Aug-16 written another way: the same month twice (rows 2 and 4)
    code, err, out = _run(tmp_path, [HEADER, AUG, SEP, "2016-08,2001,381,93"], capsys)
    assert code == 2
    assert "a month appears twice" in err
    assert "file extract.csv" in err and "row 4" in err
    assert "column 'Month'" in err and "value '2016-08'" in err
    assert "already on row 2" in err
    assert not out.exists()


def test_negative_count(tmp_path, capsys):
    code, err, out = _run(tmp_path, [HEADER, AUG, "Sep-16,2164,-446,120", OCT], capsys)
    assert code == 2
    assert "file extract.csv" in err and "row 3" in err
    assert "column 'Referrals'" in err and "value '-446'" in err
    assert "0 or more" in err
    assert not out.exists()


def test_count_that_is_not_a_number(tmp_path, capsys):
    code, err, out = _run(tmp_path, [HEADER, AUG, SEP, "Oct-16,2001,lots,93"], capsys)
    assert code == 2
    assert "row 4" in err and "column 'Referrals'" in err and "value 'lots'" in err
    assert not out.exists()


def test_financial_year_in_the_month_column(tmp_path, capsys):
    code, err, _ = _run(tmp_path, [HEADER, AUG, "2016/17,2164,446,120"], capsys)
    assert code == 2
    assert "row 3" in err and "value '2016/17'" in err


def test_second_file_with_the_same_month_and_measure(tmp_path, capsys):
    other = tmp_path / "again.csv"
    other.write_text("Month,Referrals\nAug-16,350\n", encoding="utf-8")
    code, err, out = _run(tmp_path, [HEADER, AUG, SEP], capsys, "--input", str(other))
    assert code == 2
    assert "the same measure and month is in two extracts" in err
    assert "again.csv" in err and "extract.csv" in err and "2016-08" in err
    assert not out.exists()


def test_missing_file(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["frontdoor", "--input", str(tmp_path / "nope.csv"), "--council", "Bristol"]
    assert main([*argv, "--out", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not out.exists()


def test_unknown_council(tmp_path, capsys):
    code, err, out = _run(tmp_path, [HEADER, AUG], capsys, "--council", "Bristle")
    assert code == 2
    assert "unknown council 'Bristle'" in err
    assert not out.exists()


@pytest.mark.parametrize("horizon", ["0", "25"])
def test_horizon_out_of_range(tmp_path, capsys, horizon):
    code, err, out = _run(tmp_path, [HEADER, AUG, SEP], capsys, "--horizon", horizon)
    assert code == 2
    assert "forecast_horizon" in err
    assert not out.exists()


def test_no_front_door_measures(tmp_path, capsys):
    code, err, _ = _run(tmp_path, ["Month,Apples", "Aug-16,3"], capsys)
    assert code == 2
    assert "none of the front-door measures" in err and "apples" in err


def test_an_unknown_audience_is_refused_before_any_kernel(tmp_path, capsys):
    code, err, out = _run(tmp_path, [HEADER, AUG, SEP, OCT], capsys, "--audience", "press")
    assert code == 2
    assert "--audience" in err and "press" in err
    assert not out.exists()


@pytest.mark.slow
def test_an_internal_front_door_pack_is_stamped_and_keeps_small_counts(tmp_path, capsys):
    small = "Nov-16,1850,412,4"  # 4 section 47 enquiries: suppressed for publication
    code, err, out = _run(
        tmp_path, [HEADER, AUG, SEP, OCT, small], capsys, "--audience", "internal"
    )
    assert code == 0, err
    page = next(out.glob("front_door/*/index.html")).read_text(encoding="utf-8")
    assert "Not for publication" in page
