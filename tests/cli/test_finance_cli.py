"""``cscanalysis finance`` run as a user runs it: the summary it prints (payback included), the
files it writes, and the errors it gives for inputs that cannot be used."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from cscanalysis.cli import main

ROOT = Path(__file__).resolve().parents[2]
BRISTOL = ROOT / "data" / "examples" / "bristol_2018_case.csv"
K = 1000


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["finance", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_bristol_summary_and_payback_are_printed(tmp_path, capsys):
    code, out, _ = run(
        capsys, "--case", str(BRISTOL), "--out", str(tmp_path), "--council", "Bristol"
    )
    assert code == 0
    # Seed 000 Table 1 (lines 833-837, £'000s): investment 1,815 + 4,603 = 6,418; gross savings
    # 21,325; annual net savings -14,907 over the "5 yr Total" (2017/18 to 2022/23).
    assert "  Total investment: £6.4m (£6,418,000)" in out
    assert "  Gross savings: £21.3m (£21,325,000)" in out
    assert (
        "  5-year totals (2017-18 to 2022-23): investment £6,418,000, gross savings £21,325,000, "
        "net saving £14,907,000"
    ) in out
    assert "  10-year totals: not available" in out
    # The paper states no payback. Cumulative net position (Table 1's annual net savings added
    # up): -310, -1,323, -99, +3,534; 2020-21 opens at -99 and gains 3,633: 99 / 3,633 = 0.027
    # of it. From the first spend (2017-18): 3.03; from the first savings (2018-19, savings 813
    # above ongoing costs 455): 2.03.
    assert "  Payback from the first spend: 3.03 years from the start of 2017-18" in out
    assert "  Payback from the first savings: 2.03 years from the start of 2018-19" in out
    assert "  The cumulative net saving first reaches zero during 2020-21." in out
    # ROI: 14,907 / 6,418 = 2.32 -> 232%
    assert "  Return on investment: 232%" in out


def test_files_written(tmp_path, capsys):
    code, out, _ = run(capsys, "--case", str(BRISTOL), "--out", str(tmp_path))
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        ["yearly_position.csv", "summary.csv", "finance_table.csv"]
        + [f"01-invest-to-save.{x}" for x in ("png", "svg", "csv", "json")]
        + [f"02-cumulative-net-saving.{x}" for x in ("png", "svg", "csv", "json")]
    )
    assert "Wrote 11 files" in out
    yearly = rows(tmp_path / "yearly_position.csv")
    # Table 1 "Annual Net Savings": 310, 1,013, -1,224, -3,633, -5,460, -5,913 (budget sign)
    assert [float(r["net_budget_impact"]) for r in yearly] == [
        v * K for v in [310, 1013, -1224, -3633, -5460, -5913]
    ]
    summary = {r["measure"]: r["central"] for r in rows(tmp_path / "summary.csv")}
    assert float(summary["payback_from_spend_years"]) == 3.03
    assert float(summary["payback_from_savings_years"]) == 2.03
    assert summary["payback_year"] == "2020-21"
    assert float(summary["net_5yr"]) == 14_907 * K
    table = {r[""]: r for r in rows(tmp_path / "finance_table.csv")}
    assert table["Net saving (savings less investment)"]["5-year total"] == "£14,907,000"
    # "-£310,000" starts with a minus: neutralised so a spreadsheet cannot run it as a formula
    assert table["Net saving (savings less investment)"]["2017-18"] == "'-£310,000"
    assert (tmp_path / "01-invest-to-save.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "02-cumulative-net-saving.svg").read_bytes()[:500]
    meta = json.loads((tmp_path / "02-cumulative-net-saving.json").read_text())
    assert meta["title"].startswith("The cumulative net saving first reaches zero in 2020-21")
    assert meta["period"] == "2017-18 to 2022-23"


def test_incremental_savings_proposals_give_the_same_case(tmp_path, capsys):
    # Seed 000 lines 408-412, "Savings proposals £'000" by workstream, 2018/19 to 2022/23,
    # increments whose running totals are Table 1's gross savings 813, 2,455, ..., 6,930.
    proposals = {
        "Supply Management": [52, 686, 691, 413, 155],
        "Demand Management": [761, 790, 1288, 1082, 76],
        "Culture Change with Partners": [0, 166, 216, 332, 222],
    }
    lines = [
        "year,item,kind,amount,unit",
        "2017/18,Investment - capital,capital,230,£'000s",
        "2017/18,Investment - ongoing revenue,ongoing_cost,80,£'000s",
    ]
    capital = {1: 1371, 2: 214}
    ongoing = [455, 1017, 1017, 1017, 1017]
    for i, year in enumerate(["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]):
        if i + 1 in capital:
            lines.append(f"{year},Investment - capital,capital,{capital[i + 1]},£'000s")
        lines.append(f"{year},Investment - ongoing revenue,ongoing_cost,{ongoing[i]},£'000s")
        lines += [f"{year},{item},saving,{v[i]},£'000s" for item, v in proposals.items()]
    case = tmp_path / "proposals.csv"
    case.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(
        capsys,
        "--case",
        str(case),
        "--out",
        str(tmp_path / "out"),
        "--savings-basis",
        "incremental",
    )
    assert code == 0
    assert "savings given as increments on the year before" in out
    assert "  Gross savings: £21.3m (£21,325,000)" in out
    assert "  Payback from the first savings: 2.03 years from the start of 2018-19" in out


def test_years_extends_the_case_flat_in_nominal_pounds(tmp_path, capsys):
    code, out, _ = run(capsys, "--case", str(BRISTOL), "--out", str(tmp_path), "--years", "10")
    assert code == 0
    # Ten savings years from 2018-19 end in 2027-28: five projected years, each with 2022-23's
    # ongoing cost 1,017 and saving 6,930 (net 5,913). Ten-year net: 14,907 + 5 x 5,913 =
    # 44,472 (£'000s). The payback is reached in 2020-21, so it does not move.
    assert "10-year totals (2017-18 to 2027-28)" in out and "net saving £44,472,000" in out
    assert "  Payback from the first spend: 3.03 years from the start of 2017-18" in out
    assert "held flat in nominal pounds" in out
    code, _, err = run(capsys, "--case", str(BRISTOL), "--out", str(tmp_path), "--years", "7")
    assert code == 2 and "--years" in err and "\n" not in err.strip()


def test_discount_rate_is_used(tmp_path, capsys):
    code, out, _ = run(
        capsys, "--case", str(BRISTOL), "--out", str(tmp_path), "--discount-rate", "0"
    )
    assert code == 0
    # Undiscounted, the NPV is the net saving itself.
    assert "  Net present value at 0%: £14.9m (£14,907,000)" in out


def test_bounds_give_lower_and_upper_cases(tmp_path, capsys):
    case = tmp_path / "bounds.csv"
    case.write_text(
        "year,item,kind,amount,unit,amount_low,amount_high\n"
        "2024-25,Team,capital,300,thousands,,\n"
        "2025-26,Saving,saving,200,thousands,100,300\n"
        "2026-27,Saving,saving,200,thousands,100,300\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "--case", str(case), "--out", str(tmp_path / "out"))
    assert code == 0
    # Central: cumulative -300, -100, +100: 2 + 100/200 = 2.5 from the spend (2024-25), 1.5
    # from the first savings (2025-26); low: -300, -200, -100, never; high: -300, 0: 1 + 300/300
    # = 2.0 from the spend, 1.0 from the savings.
    assert "  Payback from the first savings: 1.50 years from the start of 2025-26" in out
    assert "  Payback from the first spend: 2.50 years from the start of 2024-25" in out
    assert (
        "  Lower case (savings at their lower bounds): net saving -£100,000, payback no payback "
        "within the case from the first spend" in out
    )
    assert (
        "  Upper case (savings at their upper bounds): net saving £300,000, payback 2.00 years "
        "from the first spend and 1.00 years from the first savings" in out
    )


@pytest.mark.parametrize(
    ("row", "column", "value", "message"),
    [
        ("2018/19,Savings,savings,813,thousands", "kind", "savings", "unknown kind"),
        (
            "2018/19,Savings,saving,eight hundred,thousands",
            "amount",
            "eight hundred",
            "not a number",
        ),
        ("2015/16,Savings,saving,813,thousands", "year", "2017/18", "a year is missing"),
    ],
)
def test_bad_case_exits_2_naming_row_and_column(tmp_path, capsys, row, column, value, message):
    case = tmp_path / "case.csv"
    case.write_text(
        "year,item,kind,amount,unit\n2017/18,Investment - capital,capital,230,thousands\n"
        + row
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, _, err = run(capsys, "--case", str(case), "--out", str(out))
    assert code == 2
    assert message in err and "case.csv" in err
    assert ("row 2" if message == "a year is missing" else "row 3") in err
    assert f"column {column!r}" in err and f"value {value!r}" in err
    assert not out.exists()  # nothing written for a case that cannot be read


def test_percentage_typed_as_rate_is_refused(tmp_path, capsys):
    code, _, err = run(
        capsys, "--case", str(BRISTOL), "--out", str(tmp_path / "o"), "--discount-rate", "3.5"
    )
    assert code == 2
    assert "0.035" in err and not (tmp_path / "o").exists()


def test_missing_case_file(tmp_path, capsys):
    code, _, err = run(capsys, "--case", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o"))
    assert code == 2 and "none.csv" in err and "cannot read the file" in err
