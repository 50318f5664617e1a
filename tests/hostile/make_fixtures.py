"""Write the hostile-input fixtures in this folder from the worked examples in data/.

Each fixture is a copy of a good file (Bristol's 2016-17 front-door table, its 2018 invest-to-save
case, the example KPIs, risks, salaries and fostering funnel, the synthetic SSDA903 sample) with
one thing wrong, so every file tests one failure mode. Run from the repository root:

    python tests/hostile/make_fixtures.py

The files are committed; this script documents how each was made and remakes them.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
EXAMPLES = ROOT / "data" / "examples"
SSDA903 = ROOT / "data" / "raw" / "ssda903" / "sample_la"

FORMULA = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script>"


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def text_of(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write(name: str, rows: list[list[str]], *, encoding: str = "utf-8", delimiter=",") -> None:
    (HERE / name).write_bytes(text_of(rows, delimiter).encode(encoding))


def changed(rows: list[list[str]], row: int, column: int, value: str) -> list[list[str]]:
    """A copy of ``rows`` with one cell replaced (``row`` 0 is the header)."""
    out = [list(r) for r in rows]
    out[row][column] = value
    return out


def front_door() -> None:
    fd = rows_of(EXAMPLES / "bristol_front_door_2016_17.csv")  # Month, 7 measures, Aug-16..Jul-17
    write("fd_utf16.csv", fd, encoding="utf-16")
    write("fd_latin1.csv", changed(fd, 3, 1, "né"), encoding="latin-1")  # row 4: Oct-16
    write("fd_semicolon.csv", fd, delimiter=";")
    write("fd_tab.csv", fd, delimiter="\t")
    write("fd_duplicate_column.csv", [[*r, r[2]] for r in fd])  # Referrals twice
    write("fd_missing_month_column.csv", [r[1:] for r in fd])
    write("fd_word.csv", changed(fd, 5, 2, "n/a"))  # row 6: Dec-16 referrals
    write("fd_formula.csv", changed(fd, 2, 1, FORMULA))  # row 3: Sep-16 contacts
    write("fd_script.csv", changed(fd, 2, 1, SCRIPT))
    write("fd_infinity.csv", changed(fd, 7, 1, "inf"))  # row 8: Feb-17 contacts
    write("fd_negative.csv", changed(fd, 4, 6, "-4"))  # row 5: Nov-16 children in care
    write("fd_fraction.csv", changed(fd, 4, 6, "2.5"))
    write("fd_impossible_uk_date.csv", changed(fd, 7, 0, "30/02/2017"))  # row 8
    write("fd_impossible_iso_date.csv", changed(fd, 7, 0, "2017-02-30"))
    write("fd_financial_year.csv", changed(fd, 2, 0, "2016/17"))
    write("fd_repeated_month.csv", changed(fd, 3, 0, "Sep-16"))  # row 4 repeats row 3
    write("fd_gap_middle.csv", fd[:5] + fd[6:])  # no Dec-16
    write("fd_gap_two_months.csv", fd[:5] + fd[8:])  # no Dec-16, Jan-17, Feb-17
    write("fd_gap_before_last.csv", [*fd[:12], ["Sep-17", *fd[12][1:]]])  # no Aug-17
    write("fd_blank_last_month.csv", [*fd[:12], ["Jul-17"] + [""] * 7])
    write(
        "fd_stray_value.csv",
        [r + ([""] if i == 0 else ["9"] if i == 3 else []) for i, r in enumerate(fd)],
    )
    write("fd_no_measures.csv", [[r[0], "Foo" if i == 0 else r[1]] for i, r in enumerate(fd)])
    write("fd_header_only.csv", fd[:1])
    (HERE / "fd_empty.csv").write_bytes(b"")
    (HERE / "fd_not_a_workbook.xlsx").write_bytes(text_of(fd).encode())
    (HERE / "fd_unsupported.json").write_text('{"Month": "Aug-16"}\n', encoding="utf-8")
    # Blanks in a different month for each measure: no measure has 12 complete months.
    scattered = [list(r) for r in fd]
    for k in range(1, 8):
        scattered[4 + k][k] = ""
    write("fd_scattered_blanks.csv", scattered)


def invest_to_save() -> None:
    case = rows_of(EXAMPLES / "bristol_2018_case.csv")  # year,item,kind,amount,unit
    write("case_utf16.csv", case, encoding="utf-16")
    latin = [list(r) for r in case]
    for r in latin[1:]:
        r[1] = r[1].replace(" - ", " – ") + " (£)"
    write("case_cp1252.csv", latin, encoding="cp1252")  # en dash 0x96, pound 0xa3
    write("case_semicolon.csv", case, delimiter=";")
    write("case_duplicate_column.csv", [[*r, r[3]] for r in case])  # amount twice
    write("case_missing_column.csv", [r[:2] + r[3:] for r in case])  # no kind
    write("case_word_amount.csv", changed(case, 3, 3, "lots"))  # row 4: 2018/19 capital
    write("case_symbol_amount.csv", changed(case, 3, 3, "c"))
    write("case_negative_amount.csv", changed(case, 3, 3, "-4"))
    write("case_infinite_amount.csv", changed(case, 3, 3, "1e400"))
    write("case_bad_year.csv", changed(case, 2, 0, "2017/19"))  # row 3
    write("case_formula_item.csv", changed(case, 1, 1, FORMULA))  # accepted, neutralised
    write("case_script_item.csv", changed(case, 1, 1, SCRIPT))  # accepted, escaped


def business_inputs() -> None:
    kpis = rows_of(EXAMPLES / "kpi_example.csv")
    write("kpi_utf16.csv", kpis, encoding="utf-16")
    write("kpi_word_value.csv", changed(kpis, 2, 6, "high"))  # row 3: PLACED_20_MILES 2015-16
    risks = rows_of(EXAMPLES / "risks_example.csv")
    write("risks_likelihood_six.csv", changed(risks, 1, 2, "6"))  # row 2: SF1 likelihood
    write("risks_fraction.csv", changed(risks, 1, 2, "2.5"))
    salaries = rows_of(EXAMPLES / "salaries_example.csv")
    write("salaries_negative.csv", changed(salaries, 1, 4, "-4"))  # row 2: Bristol min_salary
    fostering = rows_of(EXAMPLES / "fostering_funnel_example.csv")
    write("fostering_negative.csv", changed(fostering, 2, 1, "-4"))  # row 3: Q2 enquiries
    write("fostering_fraction.csv", changed(fostering, 2, 1, "2.5"))
    write("fostering_gap.csv", fostering[:2] + fostering[3:])  # no 2019-20 Q2


def local_data() -> None:
    header = ["council_code", "council_name", "period", "measure", "value", "flag", "source"]
    good = ["E06000023", "Bristol, City of", "2022", "cla_31_march_fostering", "688", "", "own"]

    def local(name: str, value: str, columns: list[str] = header, row=good) -> None:
        write(name, [columns, [*row[:4], value, *row[5:]]])

    local("local_negative.csv", "-4")
    local("local_fraction.csv", "2.5")
    local("local_word.csv", "many")
    write("local_missing_column.csv", [header[:5] + header[6:], good[:5] + good[6:]])
    write("local_duplicate_column.csv", [[*header, "value"], [*good, "688"]])
    write("local_utf16.csv", [header, good], encoding="utf-16")
    write("local_impossible_date.csv", [header, [*good[:2], "2023-02-30", *good[3:]]])


def ssda903() -> None:
    """Folders of SSDA903 returns (the 2021 return of the synthetic sample) with one fault."""

    def folder(name: str, header=None, episodes=None, encodings: dict | None = None) -> None:
        target = HERE / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        h = header if header is not None else rows_of(SSDA903 / "2021-header.csv")
        e = episodes if episodes is not None else rows_of(SSDA903 / "2021-episodes.csv")
        write(f"{name}/2021-header.csv", h, encoding=(encodings or {}).get("header", "utf-8"))
        write(f"{name}/2021-episodes.csv", e, encoding=(encodings or {}).get("episodes", "utf-8"))

    episodes = rows_of(SSDA903 / "2021-episodes.csv")
    header = rows_of(SSDA903 / "2021-header.csv")
    folder("ssda903_utf16", encodings={"episodes": "utf-16"})
    folder("ssda903_semicolon", episodes=[[";".join(r)] for r in episodes])
    folder("ssda903_missing_column", episodes=[r[:1] + r[2:] for r in episodes])  # no DECOM
    folder("ssda903_duplicate_column", episodes=[[*r, r[1]] for r in episodes])  # DECOM twice
    folder("ssda903_impossible_date", episodes=changed(episodes, 1, 1, "30/02/2021"))
    folder(
        "ssda903_formula_child",
        header=changed(header, 1, 0, FORMULA),
        episodes=changed(episodes, 1, 0, FORMULA),
    )
    (HERE / "ssda903_empty").mkdir(exist_ok=True)
    (HERE / "ssda903_empty" / "README.md").write_text("A folder with no returns.\n")


if __name__ == "__main__":
    front_door()
    invest_to_save()
    business_inputs()
    local_data()
    ssda903()
