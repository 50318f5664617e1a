"""Bad and hostile inputs to every command: one line on stderr, exit status 2, no traceback.

Each case runs the command line in-process (``cscanalysis.cli.main``) on one fixture from
``tests/hostile/`` (made by ``tests/hostile/make_fixtures.py``: a good example file with one
thing wrong) or one bad option, and checks that the single line names the file, row, column
and value where the input has them. Every case fails before a kernel starts, so the corpus is
fast; a few run as a subprocess to prove the exit status and the absence of a traceback as a
user sees them. The accepted cases (odd encodings, formulas and markup in names, dates a
council cannot have) check the numbers against the published or council figures.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cscanalysis import cli
from cscanalysis.core.paths import REPO_ROOT

HOSTILE = Path(__file__).parents[1] / "hostile"
EXAMPLES = REPO_ROOT / "data" / "examples"
CASE = str(EXAMPLES / "bristol_2018_case.csv")
FRONT_DOOR = str(EXAMPLES / "bristol_front_door_2016_17.csv")
SAMPLE_903 = str(REPO_ROOT / "data" / "raw" / "ssda903" / "sample_la")
FORMULA = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script>"


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(argv: list[str], capsys) -> Result:
    """``cscanalysis ARGV`` in this process: its exit status and what it printed."""
    capsys.readouterr()
    try:
        code = cli.main(argv)
    except SystemExit as done:  # argparse exits by raising SystemExit
        code = done.code
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def assert_one_line_error(result: Result, *needles: str) -> str:
    """Exit 2, one line on stderr starting ``cscanalysis`` and holding every needle."""
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    line = lines[0]
    assert line.startswith("cscanalysis") and "error:" in line, line
    for needle in needles:
        assert needle in line, f"{needle!r} not in {line!r}"
    assert result.code == 2, line
    return line


def expand(argv: list[str], tmp_path: Path) -> list[str]:
    """``{h}`` is the fixture folder, ``{tmp}`` a fresh temporary folder, ``{file}`` a file."""
    (tmp_path / "a_file").write_text("not a folder\n")
    (tmp_path / "a_folder").mkdir(exist_ok=True)
    names = {"h": str(HOSTILE), "tmp": str(tmp_path), "file": str(tmp_path / "a_file")}
    return [a.format(**names) for a in argv]


def case(id_: str, argv: list[str], *needles: str, marks=()):
    return pytest.param(argv, needles, id=id_, marks=marks)


# --------------------------------------------------------------------------- frontdoor

FD = ["frontdoor", "--council", "Bristol", "--out", "{tmp}/out", "--input"]
FRONTDOOR = [
    case("fd-utf16", [*FD, "{h}/fd_utf16.csv"], "fd_utf16.csv", "UTF-16", "row 1"),
    case("fd-latin1", [*FD, "{h}/fd_latin1.csv"], "fd_latin1.csv", "row 4", "'Contacts'", "'né'"),
    case("fd-semicolons", [*FD, "{h}/fd_semicolon.csv"], "fd_semicolon.csv", "row 1", "';'"),
    case("fd-tabs", [*FD, "{h}/fd_tab.csv"], "fd_tab.csv", "row 1", "tab"),
    case(
        "fd-duplicate-column",
        [*FD, "{h}/fd_duplicate_column.csv"],
        "fd_duplicate_column.csv",
        "row 1",
        "'Referrals'",
    ),
    case(
        "fd-missing-month-column",
        [*FD, "{h}/fd_missing_month_column.csv"],
        "fd_missing_month_column.csv",
        "row 1",
        "no month column",
    ),
    case("fd-word", [*FD, "{h}/fd_word.csv"], "fd_word.csv", "row 6", "'Referrals'", "'n/a'"),
    case("fd-formula", [*FD, "{h}/fd_formula.csv"], "fd_formula.csv", "row 3", FORMULA),
    case("fd-script", [*FD, "{h}/fd_script.csv"], "fd_script.csv", "row 3", SCRIPT),
    case("fd-infinity", [*FD, "{h}/fd_infinity.csv"], "fd_infinity.csv", "row 8", "'inf'"),
    case(
        "fd-negative",
        [*FD, "{h}/fd_negative.csv"],
        "fd_negative.csv",
        "row 5",
        "'Children in Care'",
        "'-4'",
    ),
    case(
        "fd-fraction",
        [*FD, "{h}/fd_fraction.csv"],
        "fd_fraction.csv",
        "row 5",
        "'Children in Care'",
        "'2.5'",
    ),
    case(
        "fd-30-february-uk",
        [*FD, "{h}/fd_impossible_uk_date.csv"],
        "fd_impossible_uk_date.csv",
        "row 8",
        "'Month'",
        "30/02/2017",
    ),
    case(
        "fd-30-february-iso",
        [*FD, "{h}/fd_impossible_iso_date.csv"],
        "fd_impossible_iso_date.csv",
        "row 8",
        "2017-02-30",
    ),
    case(
        "fd-financial-year",
        [*FD, "{h}/fd_financial_year.csv"],
        "fd_financial_year.csv",
        "row 3",
        "2016/17",
    ),
    case(
        "fd-repeated-month",
        [*FD, "{h}/fd_repeated_month.csv"],
        "fd_repeated_month.csv",
        "row 4",
        "Sep-16",
    ),
    case(
        "fd-gap-middle",
        [*FD, "{h}/fd_gap_middle.csv"],
        "fd_gap_middle.csv",
        "'Month'",
        "missing",
        "Dec 2016",
    ),
    case(
        "fd-gap-three-months",
        [*FD, "{h}/fd_gap_two_months.csv"],
        "fd_gap_two_months.csv",
        "Dec 2016, Jan 2017 and Feb 2017",
    ),
    case(
        "fd-gap-before-last",
        [*FD, "{h}/fd_gap_before_last.csv"],
        "fd_gap_before_last.csv",
        "Aug 2017",
    ),
    case(
        "fd-blank-last-month",
        [*FD, "{h}/fd_blank_last_month.csv"],
        "fd_blank_last_month.csv",
        "row 13",
        "'Jul-17'",
    ),
    case(
        "fd-value-beyond-headers",
        [*FD, "{h}/fd_stray_value.csv"],
        "fd_stray_value.csv",
        "row 4",
        "'9'",
    ),
    case(
        "fd-no-front-door-measure",
        [*FD, "{h}/fd_no_measures.csv"],
        "fd_no_measures.csv",
        "'foo'",
    ),
    case("fd-header-only", [*FD, "{h}/fd_header_only.csv"], "fd_header_only.csv", "row 1"),
    case("fd-empty", [*FD, "{h}/fd_empty.csv"], "fd_empty.csv", "empty"),
    case(
        "fd-text-named-xlsx",
        [*FD, "{h}/fd_not_a_workbook.xlsx"],
        "fd_not_a_workbook.xlsx",
        "workbook",
    ),
    case("fd-json", [*FD, "{h}/fd_unsupported.json"], "fd_unsupported.json", "'.json'"),
    case("fd-no-such-file", [*FD, "{tmp}/no_such.csv"], "no_such.csv"),
    case("fd-input-is-folder", [*FD, "{tmp}/a_folder"], "a_folder"),
    case(
        "fd-same-file-twice",
        [*FD, FRONT_DOOR, "--input", FRONT_DOOR],
        "bristol_front_door_2016_17.csv",
        "'2016-08'",
    ),
    case("fd-horizon-0", [*FD, FRONT_DOOR, "--horizon", "0"], "horizon", "0"),
    case("fd-horizon-25", [*FD, FRONT_DOOR, "--horizon", "25"], "horizon", "24"),
    case("fd-horizon-fraction", [*FD, FRONT_DOOR, "--horizon", "1.5"], "--horizon", "'1.5'"),
    case("fd-blank-source", [*FD, FRONT_DOOR, "--source", "   "], "source"),
    case(
        "fd-script-council",
        ["frontdoor", "--council", SCRIPT, "--out", "{tmp}", "--input", FRONT_DOOR],
        "unknown council",
        SCRIPT,
    ),
    case(
        "fd-out-is-a-file",
        ["frontdoor", "--council", "Bristol", "--out", "{file}", "--input", FRONT_DOOR],
        "cannot write {file}",
    ),
    case(
        "fd-out-in-proc",
        [
            "frontdoor",
            "--council",
            "Bristol",
            "--out",
            "/proc/cscanalysis-test",
            "--input",
            FRONT_DOOR,
        ],
        "cannot write /proc/cscanalysis-test",
    ),
]

# --------------------------------------------------------------------------- pack

P = ["pack", "--out", "{tmp}/out", "--council", "Bristol"]
PACK = [
    case(
        "pack-script-council",
        ["pack", "--out", "{tmp}", "--council", SCRIPT],
        "unknown council",
        SCRIPT,
    ),
    case(
        "pack-formula-council",
        ["pack", "--out", "{tmp}", "--council", FORMULA],
        "unknown council",
        FORMULA,
    ),
    case("pack-period-2031", [*P, "--period", "2031"], "2031", "2010 to 2025"),
    case("pack-period-word", [*P, "--period", "abc"], "'abc'"),
    case("pack-period-path", [*P, "--period", "../../etc"], "../../etc"),
    case("pack-target-inf", [*P, "--target", "inf", "2027"], "target", "inf"),
    case("pack-target-nan", [*P, "--target", "nan", "2027"], "target", "nan"),
    case("pack-target-negative", [*P, "--target", "-5", "2027"], "target", "-5"),
    case("pack-target-fraction", [*P, "--target", "519.5", "2027"], "target", "519.5"),
    case("pack-target-year-inf", [*P, "--target", "519", "inf"], "target year", "inf"),
    case("pack-target-year-nan", [*P, "--target", "519", "nan"], "target year", "nan"),
    case("pack-target-year-fraction", [*P, "--target", "519", "2027.5"], "2027.5"),
    case("pack-target-year-past", [*P, "--target", "519", "2020"], "2020"),
    case("pack-target-word", [*P, "--target", "abc", "2027"], "--target", "'abc'"),
    case("pack-audience", [*P, "--audience", "secret"], "--audience", "'secret'"),
    case("pack-local-missing", [*P, "--local-data", "{tmp}/no_such.csv"], "no_such.csv"),
    case("pack-local-folder", [*P, "--local-data", "{tmp}/a_folder"], "a_folder"),
    case(
        "pack-local-negative",
        [*P, "--local-data", "{h}/local_negative.csv"],
        "local_negative.csv",
        "row 2",
        "'value'",
        "-4",
    ),
    case(
        "pack-local-fraction",
        [*P, "--local-data", "{h}/local_fraction.csv"],
        "local_fraction.csv",
        "row 2",
        "'value'",
        "2.5",
    ),
    case(
        "pack-local-word",
        [*P, "--local-data", "{h}/local_word.csv"],
        "local_word.csv",
        "'value'",
    ),
    case(
        "pack-local-missing-column",
        [*P, "--local-data", "{h}/local_missing_column.csv"],
        "local_missing_column.csv",
        "flag",
    ),
    case(
        "pack-local-duplicate-column",
        [*P, "--local-data", "{h}/local_duplicate_column.csv"],
        "local_duplicate_column.csv",
        "value",
    ),
    case(
        "pack-local-utf16",
        [*P, "--local-data", "{h}/local_utf16.csv"],
        "local_utf16.csv",
        "UTF-16",
    ),
    case(
        "pack-local-30-february",
        [*P, "--local-data", "{h}/local_impossible_date.csv"],
        "local_impossible_date.csv",
        "2023-02-30",
    ),
    case(
        "pack-out-is-a-file",
        ["pack", "--council", "Bristol", "--out", "{file}"],
        "cannot write {file}",
    ),
    case(
        "pack-out-under-a-file",
        ["pack", "--council", "Bristol", "--out", "{file}/sub"],
        "cannot write {file}",
    ),
    case(
        "pack-out-in-proc",
        ["pack", "--council", "Bristol", "--out", "/proc/cscanalysis-test"],
        "cannot write /proc/cscanalysis-test",
    ),
    case(
        "pack-out-in-sys",
        ["pack", "--council", "Bristol", "--out", "/sys/cscanalysis-test"],
        "cannot write /sys/cscanalysis-test",
    ),
]

# --------------------------------------------------------------------------- packs

PS = ["packs", "--out", "{tmp}/out", "--council", "Bristol"]
PACKS = [
    case("packs-workers-0", [*PS, "--workers", "0"], "workers", "0"),
    case("packs-timeout-0", [*PS, "--timeout", "0"], "timeout", "0"),
    case("packs-parameter-not-pair", [*PS, "-p", "nonsense"], "'nonsense'", "NAME=VALUE"),
    case("packs-unknown-parameter", [*PS, "-p", "colour=red"], "'colour'"),
    case(
        "packs-target-infinity",
        [*PS, "-p", "target_value=Infinity", "-p", "target_year=2027"],
        "target",
        "inf",
    ),
    case(
        "packs-target-year-fraction",
        [*PS, "-p", "target_value=519", "-p", "target_year=2027.5"],
        "2027.5",
    ),
    case(
        "packs-local-missing",
        [*PS, "-p", "local_data={tmp}/no_such.csv"],
        "no_such.csv",
    ),
    case("packs-script-council", ["packs", "--out", "{tmp}", "--council", SCRIPT], SCRIPT),
    case("packs-period-word", [*PS, "--period", "abc"], "'abc'"),
    case("packs-notebook-missing", [*PS, "--notebook", "{tmp}/no.py"], "no.py"),
    case("packs-out-is-a-file", ["packs", "--council", "Bristol", "--out", "{file}"], "{file}"),
]

# --------------------------------------------------------------------------- charts

CH = ["charts", "--council", "Bristol", "--period", "2023"]
CHARTS = [
    case("charts-script-council", ["charts", "--council", SCRIPT, "--out", "{tmp}"], SCRIPT),
    case(
        "charts-period-word",
        ["charts", "--council", "801", "--period", "x", "--out", "{tmp}"],
        "'x'",
    ),
    case("charts-out-is-a-file", [*CH, "--out", "{file}"], "cannot write {file}"),
    case("charts-out-in-proc", [*CH, "--out", "/proc/cscanalysis-test"], "cannot write /proc"),
]

# --------------------------------------------------------------------------- finance

F = ["finance", "--out", "{tmp}/out", "--case"]
FINANCE = [
    case("finance-utf16", [*F, "{h}/case_utf16.csv"], "case_utf16.csv", "UTF-16", "row 1"),
    case("finance-semicolons", [*F, "{h}/case_semicolon.csv"], "case_semicolon.csv", "';'"),
    case(
        "finance-duplicate-column",
        [*F, "{h}/case_duplicate_column.csv"],
        "case_duplicate_column.csv",
        "amount",
    ),
    case(
        "finance-missing-column",
        [*F, "{h}/case_missing_column.csv"],
        "case_missing_column.csv",
        "kind",
    ),
    case(
        "finance-word-amount",
        [*F, "{h}/case_word_amount.csv"],
        "case_word_amount.csv",
        "row 4",
        "'amount'",
        "'lots'",
    ),
    case(
        "finance-symbol-amount",
        [*F, "{h}/case_symbol_amount.csv"],
        "case_symbol_amount.csv",
        "row 4",
        "'amount'",
        "'c'",
    ),
    case(
        "finance-negative-amount",
        [*F, "{h}/case_negative_amount.csv"],
        "case_negative_amount.csv",
        "row 4",
        "'amount'",
        "-4",
    ),
    case(
        "finance-infinite-amount",
        [*F, "{h}/case_infinite_amount.csv"],
        "case_infinite_amount.csv",
        "row 4",
        "1e400",
    ),
    case(
        "finance-bad-year", [*F, "{h}/case_bad_year.csv"], "case_bad_year.csv", "row 3", "2017/19"
    ),
    case("finance-rate-inf", [*F, CASE, "--discount-rate", "inf"], "discount rate", "inf"),
    case("finance-rate-nan", [*F, CASE, "--discount-rate", "nan"], "discount rate", "nan"),
    case("finance-rate-word", [*F, CASE, "--discount-rate", "abc"], "discount rate", "abc"),
    case("finance-rate-minus-2", [*F, CASE, "--discount-rate", "-2"], "discount rate", "-2"),
    case("finance-no-such-case", [*F, "{tmp}/no_such.csv"], "no_such.csv"),
    case(
        "finance-out-is-a-file",
        ["finance", "--case", CASE, "--out", "{file}"],
        "cannot write {file}",
    ),
    case(
        "finance-out-under-a-file",
        ["finance", "--case", CASE, "--out", "{file}/sub"],
        "cannot write {file}",
    ),
    case(
        "finance-out-in-proc",
        ["finance", "--case", CASE, "--out", "/proc/cscanalysis-test"],
        "cannot write /proc/cscanalysis-test",
    ),
]

# --------------------------------------------------------------------------- business-case

B = ["business-case", "--case", CASE, "--out", "{tmp}/out"]
BUSINESS = [
    case("bc-kpis-utf16", [*B, "--kpis", "{h}/kpi_utf16.csv"], "kpi_utf16.csv", "UTF-16"),
    case(
        "bc-kpis-word",
        [*B, "--kpis", "{h}/kpi_word_value.csv"],
        "kpi_word_value.csv",
        "row 3",
        "'2015-16'",
        "'high'",
    ),
    case(
        "bc-risks-likelihood-6",
        [*B, "--risks", "{h}/risks_likelihood_six.csv"],
        "risks_likelihood_six.csv",
        "row 2",
        "'likelihood'",
        "6",
    ),
    case(
        "bc-risks-fraction",
        [*B, "--risks", "{h}/risks_fraction.csv"],
        "risks_fraction.csv",
        "row 2",
        "'likelihood'",
        "2.5",
    ),
    case(
        "bc-salaries-negative",
        [*B, "--salaries", "{h}/salaries_negative.csv"],
        "salaries_negative.csv",
        "row 2",
        "'min_salary'",
        "-4",
    ),
    case(
        "bc-fostering-negative",
        [*B, "--fostering", "{h}/fostering_negative.csv"],
        "fostering_negative.csv",
        "row 3",
        "'enquiries'",
        "-4",
    ),
    case(
        "bc-fostering-fraction",
        [*B, "--fostering", "{h}/fostering_fraction.csv"],
        "fostering_fraction.csv",
        "row 3",
        "'enquiries'",
        "2.5",
    ),
    case(
        "bc-fostering-gap",
        [*B, "--fostering", "{h}/fostering_gap.csv"],
        "fostering_gap.csv",
        "row 3",
        "'2019-20 Q3'",
        "missing",
    ),
    case("bc-rate-inf", [*B, "--discount-rate", "inf"], "discount rate", "inf"),
    case(
        "bc-no-such-case",
        ["business-case", "--case", "{tmp}/no_such.csv", "--out", "{tmp}"],
        "no_such.csv",
    ),
    case(
        "bc-out-is-a-file",
        ["business-case", "--case", CASE, "--out", "{file}"],
        "cannot write {file}",
    ),
    case(
        "bc-out-in-proc",
        ["business-case", "--case", CASE, "--out", "/proc/cscanalysis-test"],
        "cannot write /proc/cscanalysis-test",
    ),
]

# --------------------------------------------------------------------------- forecast

FC = ["forecast", "--measure", "cla_31_march", "--until", "2023"]
FORECAST = [
    case("forecast-horizon-0", [*FC, "--horizon", "0", "--out", "{tmp}/f.csv"], "horizon", "0"),
    case("forecast-horizon-negative", [*FC, "--horizon", "-3", "--out", "{tmp}/f.csv"], "-3"),
    case(
        "forecast-horizon-1000",
        [*FC, "--horizon", "1000", "--out", "{tmp}/f.csv"],
        "horizon",
        "1000",
        "1 to 10",
    ),
    case(
        "forecast-until-1900",
        ["forecast", "--measure", "cla_31_march", "--until", "1900", "--out", "{tmp}/f.csv"],
        "1900",
    ),
    case(
        "forecast-until-2099",
        ["forecast", "--measure", "cla_31_march", "--until", "2099", "--out", "{tmp}/f.csv"],
        "2099",
    ),
    case(
        "forecast-measure-unknown",
        ["forecast", "--measure", "cla", "--until", "2023", "--out", "{tmp}/f.csv"],
        "--measure",
        "'cla'",
    ),
    case("forecast-script-council", [*FC, "--council", SCRIPT, "--out", "{tmp}/f.csv"], SCRIPT),
    case(
        "forecast-out-is-a-folder", [*FC, "--out", "{tmp}/a_folder"], "cannot write {tmp}/a_folder"
    ),
    case("forecast-out-in-proc", [*FC, "--out", "/proc/cscanalysis.csv"], "cannot write /proc"),
    case("forecast-out-under-a-file", [*FC, "--out", "{file}/f.csv"], "cannot write {file}"),
]

# --------------------------------------------------------------------------- data export

DATA = [
    case(
        "export-out-is-a-folder",
        ["data", "export", "--out", "{tmp}/a_folder"],
        "cannot write {tmp}/a_folder",
    ),
    case("export-out-in-proc", ["data", "export", "--out", "/proc/tidy.csv"], "cannot write /proc"),
    case(
        "export-out-under-a-file",
        ["data", "export", "--out", "{file}/tidy.csv"],
        "cannot write {file}",
    ),
]

# --------------------------------------------------------------------------- ssda903

S = ["ssda903", "--out", "{tmp}/out.csv", "--input"]
SSDA = [
    case("903-no-such-folder", [*S, "{tmp}/no_such"], "no_such"),
    case("903-input-is-a-file", [*S, "{file}"], "a_file"),
    case("903-no-returns", [*S, "{h}/ssda903_empty"], "ssda903_empty"),
    case("903-utf16", [*S, "{h}/ssda903_utf16"], "2021-episodes.csv", "UTF-16"),
    case("903-semicolons", [*S, "{h}/ssda903_semicolon"], "2021-episodes.csv", "CHILD;DECOM"),
    case(
        "903-missing-column",
        [*S, "{h}/ssda903_missing_column"],
        "2021-episodes.csv",
        "DECOM",
    ),
    case(
        "903-duplicate-column",
        [*S, "{h}/ssda903_duplicate_column"],
        "2021-episodes.csv",
        "DECOM",
    ),
    case(
        "903-out-not-csv", ["ssda903", "--input", SAMPLE_903, "--out", "{tmp}/out.txt"], "out.txt"
    ),
    case(
        "903-out-is-a-folder",
        ["ssda903", "--input", SAMPLE_903, "--out", "{tmp}/a_folder"],
        "a_folder",
    ),
    case(
        "903-out-in-proc",
        ["ssda903", "--input", SAMPLE_903, "--out", "/proc/cscanalysis.csv"],
        "cannot write /proc",
    ),
]

# --------------------------------------------------------------------------- the rest

OTHER = [
    case("councils-year-word", ["councils", "--year", "abc"], "--year", "'abc'"),
    case("councils-year-fraction", ["councils", "--year", "2023.5"], "--year", "'2023.5'"),
    case("gallery-no-such-folder", ["gallery", "--out", "{tmp}/none", "--period", "2023"], "none"),
    case("gallery-period-path", ["gallery", "--out", "{tmp}", "--period", "../.."], "'../..'"),
    case("gallery-out-is-a-file", ["gallery", "--out", "{file}", "--period", "2023"], "a_file"),
    case("export-out-empty", ["data", "export", "--out", ""], "--out is empty"),
    case("903-out-empty", ["ssda903", "--input", SAMPLE_903, "--out", " "], "--out is empty"),
    case("no-command", [], "COMMAND"),
    case("unknown-command", ["packz"], "'packz'"),
]

CASES = FRONTDOOR + PACK + PACKS + CHARTS + FINANCE + BUSINESS + FORECAST + DATA + SSDA + OTHER


@pytest.mark.parametrize(("argv", "needles"), CASES)
def test_bad_input_gives_one_line_and_exit_2(argv, needles, tmp_path, capsys):
    names = {"h": str(HOSTILE), "tmp": str(tmp_path), "file": str(tmp_path / "a_file")}
    result = run(expand(argv, tmp_path), capsys)
    assert_one_line_error(result, *(n.format(**names) for n in needles))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("index.html"))


def test_the_corpus_covers_every_command():
    commands = {p.values[0][0] for p in CASES if p.values[0]}
    assert commands >= {
        "pack",
        "packs",
        "charts",
        "finance",
        "business-case",
        "frontdoor",
        "forecast",
        "data",
        "ssda903",
        "councils",
        "gallery",
    }
    assert len(CASES) >= 60


# --------------------------------------------------------------------------- accepted inputs


def _csv_cells(folder: Path) -> list[str]:
    cells = []
    for path in sorted(folder.rglob("*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as handle:
            cells += [cell for row in csv.reader(handle) for cell in row]
    return cells


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_formula_safe(folder: Path) -> None:
    """No cell of any CSV under ``folder`` would run as a spreadsheet formula."""
    cells = _csv_cells(folder)
    assert cells
    for cell in cells:
        assert not cell.startswith(("=", "@", "\t", "\r")), cell
        assert not cell.startswith(("+", "-")) or _is_number(cell), cell


def _summary(folder: Path) -> dict[str, str]:
    with open(folder / "summary.csv", newline="", encoding="utf-8") as handle:
        return {row["measure"]: row["central"] for row in csv.DictReader(handle)}


def assert_bristol_2018_totals(folder: Path) -> None:
    """Bristol's 2018 case (data/examples/bristol_2018_case.csv, £ thousands), by hand:
    investment 230 + 80 + 1,371 + 455 + 214 + 1,017 x 4 = 6,418; savings 813 + 2,455 + 4,650
    + 6,477 + 6,930 = 21,325; net 21,325 - 6,418 = 14,907. The paper states no payback; from
    its Table 1 the cumulative net position is -310, -1,323, -99, +3,534, so it first reaches
    zero in 2020-21: 3 + 99 / 3,633 = 3.03 years after spending starts in 2017-18."""
    summary = _summary(folder)
    assert float(summary["total_investment"]) == 6_418_000
    assert float(summary["total_savings"]) == 21_325_000
    assert float(summary["total_net"]) == 14_907_000
    assert float(summary["payback_from_spend_years"]) == 3.03


def test_windows_1252_case_file_gives_the_papers_numbers(tmp_path, capsys):
    """Item names with an en dash (0x96) and a pound sign (0xa3) as Excel saves them."""
    assert b"\x96" in (HOSTILE / "case_cp1252.csv").read_bytes()
    result = run(
        ["finance", "--case", str(HOSTILE / "case_cp1252.csv"), "--out", str(tmp_path)], capsys
    )
    assert result.code == 0, result.err
    assert "£21,325,000" in result.out
    assert_bristol_2018_totals(tmp_path)


def test_formula_in_an_item_and_the_council_is_written_as_text(tmp_path, capsys):
    argv = ["finance", "--case", str(HOSTILE / "case_formula_item.csv"), "--out", str(tmp_path)]
    result = run([*argv, "--council", FORMULA], capsys)
    assert result.code == 0, result.err
    assert_bristol_2018_totals(tmp_path)
    assert_formula_safe(tmp_path)
    meta = json.loads((tmp_path / "01-invest-to-save.json").read_text(encoding="utf-8"))
    assert meta["council"] == FORMULA  # JSON is data, not a formula: kept exactly


def test_markup_in_the_council_cannot_leave_the_svg_comment(tmp_path, capsys):
    hostile = "--><script>alert(1)</script><!--"
    argv = ["finance", "--case", str(HOSTILE / "case_script_item.csv"), "--out", str(tmp_path)]
    result = run([*argv, f"--council={hostile}"], capsys)
    assert result.code == 0, result.err
    assert_bristol_2018_totals(tmp_path)
    for svg in tmp_path.glob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        assert "<script" not in text and "alert(1)</script>" not in text
    assert_formula_safe(tmp_path)


def test_30_february_in_an_ssda903_return_is_reported_not_fatal(tmp_path, capsys):
    out = tmp_path / "tidy.csv"
    result = run(
        ["ssda903", "--input", str(HOSTILE / "ssda903_impossible_date"), "--out", str(out)], capsys
    )
    assert result.code == 0, result.err
    with open(tmp_path / "tidy_validation.csv", newline="", encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    # row 2 of 2021-episodes.csv is child 62551's episode, its DECOM changed to 30/02/2021
    hits = [r for r in report if r["file"] == "2021-episodes.csv" and r["row"] == "2"]
    assert hits and hits[0]["child"] == "62551"
    assert "30/02/2021" in " ".join(hits[0].values())


def test_formula_as_a_child_id_is_written_as_text(tmp_path, capsys):
    out = tmp_path / "tidy.csv"
    result = run(
        ["ssda903", "--input", str(HOSTILE / "ssda903_formula_child"), "--out", str(out)], capsys
    )
    assert result.code == 0, result.err
    assert_formula_safe(tmp_path)


def test_blanks_scattered_over_the_months_leave_totals_out_not_a_crash():
    """Each measure has one blank month, so no measure has 12 complete months: the pack's
    window totals are empty (a total of 11 months is never shown as 12) and nothing fails."""
    from cscanalysis.packs.frontdoor import charts as frontdoor_charts
    from cscanalysis.packs.frontdoor import content as frontdoor
    from cscanalysis.packs.frontdoor import context as frontdoor_context
    from cscanalysis.sources.monthly import read_monthly_extracts

    monthly = read_monthly_extracts([HOSTILE / "fd_scattered_blanks.csv"], council_code="E06000023")
    ctx = frontdoor_context.prepare(
        monthly, council_code="E06000023", council_name="Bristol", place="Bristol", source="test"
    )
    assert frontdoor_context.window_totals(ctx).empty
    assert (
        frontdoor_context.window_total(ctx, frontdoor_context.window_totals(ctx), "contacts") != 1
    )  # NaN
    assert frontdoor_charts.funnel_chart(ctx) is None
    assert frontdoor.key_facts(ctx)


@pytest.mark.slow
def test_front_door_pack_with_scattered_blanks_is_built(tmp_path, capsys):
    argv = ["frontdoor", "--council", "Bristol", "--out", str(tmp_path)]
    result = run([*argv, "--input", str(HOSTILE / "fd_scattered_blanks.csv")], capsys)
    assert result.code == 0, result.err
    assert (tmp_path / "front_door" / "E06000023" / "index.html").is_file()


# --------------------------------------------------------------------------- outputs that fail


def _refuse_mkdir(monkeypatch, under: Path, error: int) -> None:
    """Make creating any folder at or under ``under`` fail as the operating system would."""
    real = os.mkdir

    def mkdir(path, *args, **kwargs):
        target = Path(os.fsdecode(path))
        if target == under or under in target.parents:
            raise OSError(error, os.strerror(error), os.fsdecode(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)


@pytest.mark.parametrize(
    ("command", "code", "reason"),
    [
        (["pack", "--council", "Bristol"], errno.EROFS, "read-only"),
        (["finance", "--case", CASE], errno.EACCES, "permission denied"),
        (["frontdoor", "--council", "801", "--input", FRONT_DOOR], errno.ENOSPC, "no space"),
        (["business-case", "--case", CASE], errno.EDQUOT, "quota"),
        (["charts", "--council", "Bristol"], errno.EPERM, "does not allow"),
    ],
    ids=[
        "pack-read-only",
        "finance-no-permission",
        "frontdoor-disk-full",
        "bc-quota",
        "charts-perm",
    ],
)
def test_output_folder_the_system_refuses(command, code, reason, tmp_path, monkeypatch, capsys):
    """A read-only file system or a folder without write permission (root ignores chmod, so
    the refusal is made by replacing ``os.mkdir``, which every command creates folders with)."""
    out = tmp_path / "locked" / "out"
    _refuse_mkdir(monkeypatch, tmp_path / "locked", code)
    result = run([*command, "--out", str(out)], capsys)
    line = assert_one_line_error(result, "cannot write", str(tmp_path / "locked"), reason)
    assert line.count("cannot write") == 1


# --------------------------------------------------------------------------- never a traceback


def _raising(error: BaseException):
    def run_(*args, **kwargs):
        raise error

    return run_


def test_ctrl_c_is_quiet_with_status_130(monkeypatch, capsys):
    import cscanalysis.cli.councils as councils

    monkeypatch.setattr(councils, "run", _raising(KeyboardInterrupt()))
    result = run(["councils"], capsys)
    assert (result.code, result.err) == (130, "cscanalysis: interrupted\n")


def test_a_failing_notebook_is_one_line_internal_error(monkeypatch, capsys, tmp_path):
    from papermill.exceptions import PapermillExecutionError

    import cscanalysis.packs.framework as packs

    error = PapermillExecutionError(3, 4, "x = 1", "ValueError", "No objects\nto concatenate", [])
    monkeypatch.setattr(packs, "publish_notebook", _raising(error))
    result = run(["pack", "--council", "Bristol", "--out", str(tmp_path)], capsys)
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.splitlines() == [
        "cscanalysis: internal error: the notebook failed in cell 4 with ValueError: No objects "
        "(please report it)"
    ]


def test_a_bug_is_one_line_unless_asked_for_the_traceback(monkeypatch, capsys):
    import cscanalysis.cli.councils as councils

    monkeypatch.setattr(councils, "run", _raising(ZeroDivisionError("division by zero")))
    result = run(["councils"], capsys)
    assert result.code == 1
    assert result.err.startswith("cscanalysis: internal error: ZeroDivisionError: division by zero")
    assert len(result.err.splitlines()) == 1
    monkeypatch.setenv("CSCANALYSIS_TRACEBACK", "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["councils"])


def test_line_breaks_and_terminal_codes_in_a_name_stay_on_one_line(tmp_path, capsys):
    name = "bad\nname\x1b[31m.csv"
    result = run(
        ["frontdoor", "--council", "801", "--out", str(tmp_path), "--input", str(tmp_path / name)],
        capsys,
    )
    line = assert_one_line_error(result, "bad\\nname\\x1b[31m.csv")
    assert "\x1b" not in line


# --------------------------------------------------------------------------- as a user runs it


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["pack", "--council", "Bristol", "--target", "inf", "2027"], "target value inf"),
        (["finance", "--case", CASE, "--out", "{file}"], "cannot write {file}"),
        (
            ["frontdoor", "--council", "801", "--out", "{tmp}", "--input", "{h}/fd_gap_middle.csv"],
            "Dec 2016",
        ),
        (["data", "export", "--out", "/proc/tidy.csv"], "cannot write /proc/tidy.csv"),
        (["pack", "--target", "519"], "--target"),
    ],
    ids=["target-inf", "finance-out-file", "frontdoor-gap", "export-proc", "usage"],
)
def test_subprocess_exit_2_and_no_traceback(argv, needle, tmp_path):
    names = {"h": str(HOSTILE), "tmp": str(tmp_path), "file": str(tmp_path / "a_file")}
    done = subprocess.run(
        [sys.executable, "-m", "cscanalysis.cli", *expand(argv, tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")},
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cscanalysis: error:"), done.stderr
    assert needle.format(**names) in lines[0]
