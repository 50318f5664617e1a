"""Invest-to-save: Bristol's 2018 Table 1 reproduced from its inputs, hand-worked payback and NPV,
and one test per bad-input failure mode of the case reader."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscanalysis.analysis.finance import (
    horizon_totals,
    npv,
    payback,
    summarise_case,
    yearly_position,
)
from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.core.investment_case import incremental_to_annual
from cscanalysis.sources.casefiles import csv_to_xlsx, read_case

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "examples" / "bristol_2018_case.csv"
EXAMPLE_XLSX = ROOT / "data" / "examples" / "bristol_2018_case.xlsx"
TEMPLATE = ROOT / "data" / "templates" / "invest_to_save.csv"
K = 1000  # Table 1 is in £'000s; the reader returns pounds

YEARS = ["2017-18", "2018-19", "2019-20", "2020-21", "2021-22", "2022-23"]

# Seed tests/fixtures/seeds/000_585f2650d4a54322.txt, Table 1 (lines 833-837):
#   (£'000s)	2017/18	2018/19	2019/20	2020/21	2021/22	2022/23	5 yr Total
#   Investment - capital	£230	£1,371	£214				£1,815
#   Investment – ongoing revenue	£80	£455	£1,017	£1,017	£1,017	£1,017	£4,603
#   Gross Revenue Savings		-£813	-£2,455	-£4,650	-£6,477	-£6,930	-£21,325
#   Annual Net Savings:	£310	£1,013	-£1,224	-£3,633	-£5,460	-£5,913	-£14,907
PUBLISHED_CAPITAL = [230, 1371, 214, 0, 0, 0]
PUBLISHED_ONGOING = [80, 455, 1017, 1017, 1017, 1017]
PUBLISHED_SAVINGS = [0, 813, 2455, 4650, 6477, 6930]  # printed as negatives (budget sign)
PUBLISHED_ANNUAL_NET = [310, 1013, -1224, -3633, -5460, -5913]
PUBLISHED_5YR = {"capital": 1815, "ongoing": 4603, "savings": -21325, "net": -14907}


def write(tmp_path: Path, text: str, name: str = "case.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- Bristol Table 1


@pytest.fixture(scope="module")
def bristol():
    case = read_case(EXAMPLE)
    summary, yearly = summarise_case(case)
    return case, summary, yearly


def test_bristol_annual_net_savings_row_is_reproduced(bristol):
    _, _, yearly = bristol
    assert list(yearly["year"]) == YEARS
    # Bristol prints costs positive and savings negative: our net_budget_impact.
    assert list(yearly["net_budget_impact"]) == [v * K for v in PUBLISHED_ANNUAL_NET]
    assert list(yearly["net_position"]) == [-v * K for v in PUBLISHED_ANNUAL_NET]
    assert list(yearly["capital"]) == [v * K for v in PUBLISHED_CAPITAL]
    assert list(yearly["ongoing_cost"]) == [v * K for v in PUBLISHED_ONGOING]
    assert list(yearly["gross_savings"]) == [v * K for v in PUBLISHED_SAVINGS]


def test_bristol_five_year_totals_are_reproduced(bristol):
    _, summary, yearly = bristol
    assert yearly["capital"].sum() == PUBLISHED_5YR["capital"] * K
    assert yearly["ongoing_cost"].sum() == PUBLISHED_5YR["ongoing"] * K
    # 1,815 + 4,603 = 6,418 invested over the published "5 yr" columns (2017/18 to 2022/23).
    assert summary.investment_5yr == (1815 + 4603) * K
    assert summary.savings_5yr == -PUBLISHED_5YR["savings"] * K
    assert summary.net_5yr == -PUBLISHED_5YR["net"] * K
    assert summary.first_saving_year == "2018-19"
    # The case stops after five savings years: no ten-year total without an extension.
    assert math.isnan(summary.net_10yr)


def test_bristol_payback_and_roi_worked_by_hand(bristol):
    _, summary, _ = bristol
    # The paper states no payback (seed 000 has none); worked by hand from Table 1 (£'000s).
    # Up-front (capital) 230, 1,371, 214, 0, 0, 0; running (savings - ongoing revenue)
    # -80, 813 - 455 = 358, 2,455 - 1,017 = 1,438, 3,633, 5,460, 5,913.
    # Cumulative net position at each year end: -310, -1,323, -99, +3,534 (Table 1's annual net
    # savings 310, 1,013, -1,224, -3,633 added up, budget sign flipped).
    # It first reaches zero in 2020-21, which opens at -99 (no capital) and gains 3,633 evenly:
    # 99 / 3,633 = 0.0272 of the year -> 3.0272 years after the start of 2017-18 (first spend)
    # -> 3.03; 2.0272 after the start of 2018-19 (first year whose savings, 813, exceed its
    # ongoing cost, 455) -> 2.03.
    assert summary.payback_from_spend_years == 3.03
    assert summary.payback_from_savings_years == 2.03
    assert (summary.spend_start_year, summary.savings_start_year) == ("2017-18", "2018-19")
    assert summary.payback_year == "2020-21"
    assert summary.payback_lapses_year is None and not summary.payback_projected
    # ROI: (21,325 - 6,418) / 6,418 = 14,907 / 6,418 = 2.3227
    assert summary.roi == pytest.approx(2.3227, abs=1e-4)


def test_bristol_xlsx_reads_the_same_as_the_csv(bristol):
    case, _, _ = bristol
    pd.testing.assert_frame_equal(read_case(EXAMPLE_XLSX), case)


def test_csv_to_xlsx_round_trip(tmp_path, bristol):
    case, _, _ = bristol
    out = csv_to_xlsx(EXAMPLE, tmp_path / "case.xlsx")
    pd.testing.assert_frame_equal(read_case(out), case)
    assert [p.name for p in tmp_path.iterdir()] == ["case.xlsx"]  # no temporary left behind


def test_incremental_savings_proposals_become_gross_revenue_savings(tmp_path):
    # Seed lines 408-412, "Savings proposals £'000" by workstream, 2018/19 to 2022/23:
    #   Supply Management	-£52	-£686	-£691	-£413	-£155
    #   Demand Management	-£761	-£790	-£1288	-£1082	-£76
    #   Culture Change with Partners	-£0	-£166	-£216	-£332	-£222
    # Year totals 813, 1,642, 2,195, 1,827, 453 (line 416) are increments of Table 1's gross
    # revenue savings 813, 2,455, 4,650, 6,477, 6,930 (line 836).
    rows = {
        "Supply Management": [52, 686, 691, 413, 155],
        "Demand Management": [761, 790, 1288, 1082, 76],
        "Culture Change with Partners": [0, 166, 216, 332, 222],
    }
    lines = ["year,item,kind,amount,unit"]
    for i, year in enumerate(["18/19", "19/20", "20/21", "21/22", "22/23"]):
        for item, values in rows.items():
            lines.append(f"{year},{item},saving,{values[i]},£'000")
    case = read_case(write(tmp_path, "\n".join(lines) + "\n"), savings_basis="incremental")
    yearly = yearly_position(case)
    assert list(yearly["gross_savings"]) == [v * K for v in [813, 2455, 4650, 6477, 6930]]


def test_published_money_and_year_forms_are_read(tmp_path):
    # As printed in the seed: '£1,371' and years '2018/19', '19/20', '2020-21'.
    path = write(
        tmp_path,
        "year,item,kind,amount,unit\n"
        '2018/19,Capital,capital,"£1,371",£000\n'
        "19/20,Capital,capital,£214,£000\n"
        "2020-21,Savings,saving,1017.5,£000\n",
    )
    case = read_case(path)
    assert list(case["year"]) == ["2018-19", "2019-20", "2020-21"]
    assert list(case["amount"]) == [1_371_000, 214_000, 1_017_500]


# --------------------------------------------------------------------------- a tiny case


TINY = pd.DataFrame(
    {
        "year": ["2024-25", "2025-26", "2026-27"],
        "item": ["Set-up", "Savings", "Savings"],
        "kind": ["capital", "saving", "saving"],
        "amount": [100.0, 60.0, 60.0],
    }
)


def test_tiny_payback_by_hand():
    summary, yearly = summarise_case(TINY)
    assert list(yearly["net_position"]) == [-100, 60, 60]
    assert list(yearly["cumulative_net_position"]) == [-100, -40, 20]
    # Cumulative -100, -40, +20: 2025-26's year end is -40, 2026-27 gains 60 -> 40/60 of it.
    # From the first spend (2024-25): 2 + 40/60 = 2.67; from the first savings (2025-26): 1.67.
    assert summary.payback_from_spend_years == 2.67
    assert summary.payback_from_savings_years == 1.67
    assert summary.roi == pytest.approx(0.2)  # (120 - 100) / 100


def test_tiny_npv_by_hand():
    # Year 0 undiscounted, then 1/1.035 = 0.966184 and 1/1.035^2 = 1/1.071225 = 0.933511:
    # -100 + 60 x 0.966184 + 60 x 0.933511 = -100 + 57.9710 + 56.0106 = 13.9817
    summary, _ = summarise_case(TINY)
    assert summary.npv == pytest.approx(13.9817, abs=1e-4)
    assert summary.pv_investment == 100
    assert summary.pv_savings == pytest.approx(113.9817, abs=1e-4)
    # At 50%: -100 + 60/1.5 + 60/2.25 = -100 + 40 + 26.667 = -33.333
    assert npv([-100, 60, 60], 0.5) == pytest.approx(-100 / 3)
    assert summarise_case(TINY, discount_rate=0.5)[0].npv == pytest.approx(-100 / 3)


def test_payback_edge_cases():
    # payback(up-front spend by year, savings - ongoing costs by year)
    nothing = payback([0, 0], [10, 10])  # nothing spent: nothing to pay back
    assert (nothing.from_spend, nothing.from_savings, nothing.spend_start) == (0.0, 0.0, None)
    never = payback([100, 0], [0, 10])  # -100, -90: no payback within the case
    assert math.isnan(never.from_spend) and math.isnan(never.from_savings)
    assert never.crossing is None
    assert math.isnan(payback([0, 0], [-10, -10]).from_spend)  # running costs, no savings
    # Crossing in the first year: 100 up front, 400 saved evenly -> 100/400 = 0.25 of the year.
    first = payback([100], [400])
    assert (first.from_spend, first.from_savings, first.crossing) == (0.25, 0.25, 0)
    # Crossing in the first savings year: -100, then +400 -> 1 + 100/400 from the spend.
    soon = payback([100, 0], [0, 400])
    assert (soon.from_spend, soon.from_savings) == (1.25, 0.25)
    # Exactly zero at a year end: -100, -50, 0 -> 2 + 50/50 = 3.0 from the spend.
    assert payback([100, 0, 0], [0, 50, 50]).from_spend == 3.0
    # Running costs first (no capital): -30, then +60 -> 1 + 30/60 = 1.5 from the spend.
    assert payback([0, 0], [-30, 60]).from_spend == 1.5
    # Spending starts after a quiet year: counted from the start of the year with spending.
    quiet = payback([0, 100, 0], [0, 0, 200])
    assert (quiet.spend_start, quiet.from_spend, quiet.from_savings) == (1, 1.5, 0.5)


def test_payback_uses_the_first_crossing_and_flags_a_lapse():
    # Cumulative -10, +10, -30, +10: the first crossing is in year 2 (index 1), -10 + 20:
    # 1 + 10/20 = 1.5; it lapses at the end of index 2, reported, not counted.
    back = payback([10, 0, 40, 0], [0, 20, 0, 40])
    assert (back.from_spend, back.crossing, back.lapses) == (1.5, 1, 2)


def test_payback_spend_up_front_inside_the_crossing_year():
    # -100 at the end of year 0; year 1 opens with 50 of capital (-150) and gains 300 evenly:
    # 150/300 = 0.5 -> 1.5 from the spend; savings start in year 1 -> 0.5.
    back = payback([100, 50], [0, 300])
    assert (back.from_spend, back.from_savings) == (1.5, 0.5)


def _bristol_rows(extra: str = "") -> str:
    return EXAMPLE.read_text(encoding="utf-8") + extra


def test_bristol_payback_unchanged_by_a_later_year(tmp_path):
    # Issue 16: a 2023-24 year of costs and savings after the crossing (2020-21) moved the old
    # simple payback from 2.68 to 2.90. Both paybacks use only the years up to the crossing.
    extra = (
        "2023/24,Investment - capital,capital,500,thousands\n"
        "2023/24,Investment - ongoing revenue,ongoing_cost,1017,thousands\n"
        "2023/24,Gross revenue savings,saving,6930,thousands\n"
    )
    summary, _ = summarise_case(read_case(write(tmp_path, _bristol_rows(extra))))
    assert (summary.payback_from_spend_years, summary.payback_from_savings_years) == (3.03, 2.03)
    assert summary.last_year == "2023-24"
    # Even a later year that drags the cumulative position below zero again leaves both alone.
    loss = "2023/24,Investment - capital,capital,30000,thousands\n"
    summary, _ = summarise_case(read_case(write(tmp_path, _bristol_rows(loss))))
    assert (summary.payback_from_spend_years, summary.payback_from_savings_years) == (3.03, 2.03)
    assert summary.payback_lapses_year == "2023-24"  # 23,868 - 30,000 < 0: said, not counted


def test_gross_and_net_entry_give_the_same_payback(tmp_path):
    # A case of our own shaped like issue 16's: £350k a year of ongoing cost beside savings.
    # Gross entry: capital 1,000 in 2024-25; ongoing 350 and savings 550, 950, 950 from
    # 2025-26. Net entry: the same years with savings 200, 600, 600 and no ongoing cost.
    # Cumulative net: -1,000, -800, -200, +400; 2027-28 opens at -200 and gains 600: from the
    # first spend 3 + 200/600 = 3.33; from the first savings (2025-26) 2.33, either way.
    head = "year,item,kind,amount,unit\n2024/25,Set-up,capital,1000,thousands\n"
    gross = head + "".join(
        f"{y},Team,ongoing_cost,350,thousands\n{y},Savings,saving,{s},thousands\n"
        for y, s in (("2025/26", 550), ("2026/27", 950), ("2027/28", 950))
    )
    net = head + "".join(
        f"{y},Savings,saving,{s},thousands\n"
        for y, s in (("2025/26", 200), ("2026/27", 600), ("2027/28", 600))
    )
    a, _ = summarise_case(read_case(write(tmp_path, gross, "gross.csv")))
    b, _ = summarise_case(read_case(write(tmp_path, net, "net.csv")))
    for summary in (a, b):
        assert summary.payback_from_spend_years == 3.33
        assert summary.payback_from_savings_years == 2.33
    assert a.total_investment != b.total_investment  # what the old simple payback divided by


def test_extension_fills_later_years_flat_in_nominal_pounds():
    summary, yearly = summarise_case(TINY, extend_to_years=5)
    # First savings year 2025-26 (index 1): five savings years end at index 5 -> 6 rows, the
    # last three projected with the 2026-27 saving of 60, unchanged (no inflation).
    assert yearly["year"].tolist()[-1] == "2029-30"
    assert yearly["gross_savings"].tolist() == [0, 60, 60, 60, 60, 60]
    assert summary.projected_years == 3
    # The payback (2.67) is reached in a given year, so the projection does not move it.
    assert summary.payback_from_spend_years == 2.67 and not summary.payback_projected


def test_payback_in_a_projected_year_is_said():
    # -100, then +30 a year: -70 at the end of the case (2025-26); projected +30 a year gives
    # -40, -10, +20 -> 4 + 10/30 = 4.33 from the spend, in 2028-29, a projected year.
    case = pd.DataFrame(
        {"year": ["2024-25", "2025-26"], "item": ["Set-up", "Savings"],
         "kind": ["capital", "saving"], "amount": [100.0, 30.0]}
    )  # fmt: skip
    summary, _ = summarise_case(case)
    assert math.isnan(summary.payback_from_spend_years)
    summary, _ = summarise_case(case, extend_to_years=5)
    assert summary.payback_from_spend_years == 4.33
    assert summary.payback_year == "2028-29" and summary.payback_projected


def test_lower_and_upper_cases_from_bounds():
    case = TINY.assign(amount_low=[np.nan, 40.0, 50.0], amount_high=[np.nan, 80.0, np.nan])
    summary, yearly = summarise_case(case)
    assert list(yearly["gross_savings_low"]) == [0, 40, 50]
    assert list(yearly["gross_savings_high"]) == [0, 80, 60]  # blank high = central amount
    assert summary.lower.total_savings == 90
    assert summary.upper.total_savings == 140
    # Lower case never pays back: cumulative -100, -60, -10.
    assert math.isnan(summary.lower.payback_from_spend_years)
    # Upper: cumulative -100, -20, +40 -> 2 + 20/60 = 2.33 from the spend, 1.33 from savings.
    assert summary.upper.payback_from_spend_years == 2.33
    assert summary.upper.payback_from_savings_years == 1.33
    assert summarise_case(TINY)[0].lower is None


def test_extension_repeats_the_last_year_for_ten_year_totals():
    case = pd.concat(
        [TINY, pd.DataFrame([{"year": "2026-27", "item": "Staff", "kind": "ongoing_cost",
                              "amount": 10.0}])],
        ignore_index=True,
    )  # fmt: skip
    summary, yearly = summarise_case(case, extend_to_years=10)
    # First savings year 2025-26 (index 1), so ten savings years end at index 10: 11 rows.
    assert len(yearly) == 11
    assert yearly["projected"].tolist() == [False] * 3 + [True] * 8
    assert yearly["year"].iloc[-1] == "2034-35"
    # Investment: 100 + 10 x 9 (2026-27 plus 8 projected years) = 190; savings 60 x 10 = 600.
    assert summary.investment_10yr == 190
    assert summary.savings_10yr == 600
    assert summary.net_10yr == 410
    # Payback: cumulative -100, -40, +10 (2026-27 gains 60 - 10 = 50): 2 + 40/50 = 2.8 from
    # the spend, 1.8 from the first savings; the projected years do not enter it.
    assert summary.payback_from_spend_years == 2.8
    assert summary.payback_from_savings_years == 1.8
    # Five savings years end at index 5: investment 100 + 10 x 4 (indexes 2 to 5) = 140,
    # savings 60 x 5 = 300, net 160.
    assert horizon_totals(yearly, 5) == {"investment": 140, "savings": 300, "net": 160}


def test_bad_parameters():
    with pytest.raises(ParameterError):
        summarise_case(TINY, discount_rate=-1)
    with pytest.raises(ParameterError):
        summarise_case(TINY, extend_to_years=0)
    with pytest.raises(DataError, match="unknown kind"):
        yearly_position(TINY.assign(kind="savings"))


# --------------------------------------------------------------------------- properties


years_forms = st.sampled_from(["{a}-{b:02d}", "{a}/{b:02d}", "{s:02d}/{b:02d}"])


@settings(max_examples=40, deadline=None)
@given(
    amounts=st.lists(
        st.tuples(st.integers(0, 10**7), st.integers(0, 10**7), st.integers(0, 10**7)),
        min_size=1,
        max_size=8,
    ),
    form=years_forms,
    start=st.integers(2000, 2040),
    shuffle=st.randoms(use_true_random=False),
)
def test_reader_and_yearly_table_properties(tmp_path_factory, amounts, form, start, shuffle):
    lines = ["year,item,kind,amount,unit"]
    for i, (capital, cost, saving) in enumerate(amounts):
        a = start + i
        year = form.format(a=a, b=(a + 1) % 100, s=a % 100)
        lines += [
            f"{year},Build,capital,{capital},pounds",
            f"{year},Staff,ongoing_cost,{cost},pounds",
            f"{year},Fewer placements,saving,{saving},pounds",
        ]
    body = lines[1:]
    shuffle.shuffle(body)  # rows in any order read the same
    lines = lines[:1] + body
    path = tmp_path_factory.mktemp("p") / "case.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    case = read_case(path)
    yearly = yearly_position(case)
    assert list(yearly["investment"]) == [float(c + o) for c, o, _ in amounts]
    assert list(yearly["gross_savings"]) == [float(s) for _, _, s in amounts]
    assert yearly["cumulative_net_position"].iloc[-1] == pytest.approx(
        sum(s - c - o for c, o, s in amounts)
    )
    # Annual savings turned into increments and back again are unchanged.
    steps = case.copy()
    saving = steps["kind"] == "saving"
    steps.loc[saving, "amount"] = (
        steps.loc[saving, "amount"].diff().fillna(steps.loc[saving, "amount"])
    )
    back = yearly_position(incremental_to_annual(steps))
    assert list(back["gross_savings"]) == pytest.approx(list(yearly["gross_savings"]))


@settings(max_examples=200, deadline=None)
@given(
    years=st.lists(
        st.tuples(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500)),
        min_size=1,
        max_size=8,
    ),
    later=st.tuples(st.integers(0, 5000), st.integers(0, 500), st.integers(0, 500)),
    netted=st.integers(0, 300),
    where=st.integers(0, 7),
)
def test_payback_ignores_later_years_and_gross_or_net_entry(years, later, netted, where):
    up = [float(u) for u, _, _ in years]
    running = [float(s - c) for _, c, s in years]
    base = payback(up, running)
    # A year added after the end changes nothing once the crossing is reached.
    more = payback([*up, float(later[0])], [*running, float(later[2] - later[1])])
    if base.crossing is not None:
        assert (more.from_spend, more.from_savings) == (base.from_spend, base.from_savings)
    # Entering a saving gross beside an ongoing cost (adding the same to both) changes
    # nothing: the yearly table's running flow (savings - ongoing) is the same.
    i = where % len(years)
    case = pd.DataFrame(
        [
            row
            for t, (u, c, s) in enumerate(years)
            for row in (
                {"year": f"{2020 + t}-{(21 + t) % 100:02d}", "item": "Build", "kind": "capital",
                 "amount": float(u)},
                {"year": f"{2020 + t}-{(21 + t) % 100:02d}", "item": "Staff",
                 "kind": "ongoing_cost", "amount": float(c + (netted if t == i else 0))},
                {"year": f"{2020 + t}-{(21 + t) % 100:02d}", "item": "Saving", "kind": "saving",
                 "amount": float(s + (netted if t == i else 0))},
            )
        ]
    )  # fmt: skip
    summary, _ = summarise_case(case)
    same = (summary.payback_from_spend_years, summary.payback_from_savings_years)
    expected = (base.from_spend, base.from_savings)
    assert same == pytest.approx(expected, nan_ok=True)


# --------------------------------------------------------------------------- bad input


def assert_error(error: DataError, *, row: int | None, column: str | None, value: object):
    assert error.file == "case.csv"
    assert error.row == row
    assert error.column == column
    assert error.value == value
    assert error.expected


GOOD_HEAD = "year,item,kind,amount,unit\n2017/18,Capital,capital,230,thousands\n"


def read_bad(tmp_path: Path, text: str) -> DataError:
    with pytest.raises(DataError) as info:
        read_case(write(tmp_path, text))
    return info.value


def test_bad_kind(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2018/19,Savings,savings,813,thousands\n")
    assert "unknown kind" in str(error)
    assert_error(error, row=3, column="kind", value="savings")


def test_bad_year_unparseable(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "next year,Savings,saving,813,thousands\n")
    assert_error(error, row=3, column="year", value="next year")


def test_bad_year_not_a_financial_year(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2018,Savings,saving,813,thousands\n")
    assert "not a financial year" in str(error)
    assert_error(error, row=3, column="year", value="2018")


def test_rows_in_any_order_read_as_in_year_order(tmp_path):
    # A spreadsheet lists one item's years together: Bristol's Table 1 item by item, the last
    # year first, gives the same case and the same figures as the file in year order.
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    by_item = [lines[0], *sorted(lines[1:], key=lambda line: (line.split(",")[1], line[:7]))]
    by_item = [by_item[0], *by_item[1:][::-1]]
    case = read_case(write(tmp_path, "\n".join(by_item) + "\n"))
    summary, yearly = summarise_case(case)
    assert list(yearly["net_budget_impact"]) == [v * K for v in PUBLISHED_ANNUAL_NET]
    assert summary.payback_from_spend_years == 3.03
    assert list(case["year"]) == sorted(case["year"])


def test_bad_year_missing(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2019/20,Savings,saving,813,thousands\n")
    assert "a year is missing" in str(error)
    assert_error(error, row=3, column="year", value="2019/20")
    assert "2018-19" in error.expected


def test_bad_year_missing_in_a_file_out_of_order(tmp_path):
    # 2019/20 (row 2), 2017/18 (row 3): 2018-19 is missing; the row named is the first row of
    # the year after the gap.
    text = (
        "year,item,kind,amount,unit\n2019/20,Savings,saving,813,thousands\n"
        "2017/18,Capital,capital,230,thousands\n"
    )
    error = read_bad(tmp_path, text)
    assert "a year is missing" in str(error)
    assert_error(error, row=2, column="year", value="2019/20")


def test_bad_duplicate_in_a_file_out_of_order(tmp_path):
    text = GOOD_HEAD + "2018/19,Savings,saving,813,thousands\n2017/18,Capital,capital,1,thousands\n"
    error = read_bad(tmp_path, text)
    assert "appear twice" in str(error)
    assert_error(error, row=4, column="item", value="Capital")


def test_bad_amount_not_a_number(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2018/19,Savings,saving,eight hundred,thousands\n")
    assert "not a number" in str(error)
    assert_error(error, row=3, column="amount", value="eight hundred")


def test_bad_amount_published_symbol(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2018/19,Savings,saving,c,thousands\n")
    assert_error(error, row=3, column="amount", value="c")


def test_bad_amount_blank(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2018/19,Savings,saving,,thousands\n")
    assert "blank" in str(error)
    assert_error(error, row=3, column="amount", value="")


def test_bad_amount_negative(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2018/19,Savings,saving,-£813,thousands\n")
    assert "negative" in str(error)
    assert_error(error, row=3, column="amount", value="-£813")


def test_bad_amount_with_multiplier(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2018/19,Savings,saving,£1.8m,thousands\n")
    assert "k, m or bn" in str(error)
    assert_error(error, row=3, column="amount", value="£1.8m")


def test_bad_missing_column(tmp_path):
    error = read_bad(tmp_path, "year,item,kind,amount\n2017/18,Capital,capital,230\n")
    assert "missing column" in str(error)
    assert_error(error, row=1, column="unit", value="year, item, kind, amount")


def test_bad_unit(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2018/19,Savings,saving,813,millions\n")
    assert_error(error, row=3, column="unit", value="millions")


def test_bad_mixed_units(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2018/19,Savings,saving,813000,pounds\n")
    assert "mixes units" in str(error)
    assert_error(error, row=3, column="unit", value="pounds")


def test_bad_duplicate_row(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "2017/18,Capital,capital,20,thousands\n")
    assert "twice" in str(error)
    assert_error(error, row=3, column="item", value="Capital")


def test_bad_bounds_on_a_cost(tmp_path):
    text = "year,item,kind,amount,unit,amount_low\n2017/18,Capital,capital,230,£000,200\n"
    error = read_bad(tmp_path, text)
    assert "savings only" in str(error)
    assert_error(error, row=2, column="amount_low", value="200")


def test_bad_lower_bound_above_amount(tmp_path):
    text = "year,item,kind,amount,unit,amount_low\n2017/18,Savings,saving,230,£000,300\n"
    error = read_bad(tmp_path, text)
    assert_error(error, row=2, column="amount_low", value="300")


def test_bad_empty_file(tmp_path):
    error = read_bad(tmp_path, "year,item,kind,amount,unit\n")
    assert_error(error, row=1, column=None, value=None)


def test_bad_row_numbers_count_blank_lines(tmp_path):
    error = read_bad(tmp_path, GOOD_HEAD + "\n\n2018/19,Savings,saving,x1,thousands\n")
    assert_error(error, row=5, column="amount", value="x1")


def test_bad_xlsx_names_the_sheet_row(tmp_path):
    csv = write(tmp_path, GOOD_HEAD + "2018/19,Savings,savings,813,thousands\n", "bad.csv")
    xlsx = csv_to_xlsx(csv, tmp_path / "bad.xlsx")
    with pytest.raises(DataError) as info:
        read_case(xlsx)
    assert (info.value.file, info.value.row, info.value.column) == ("bad.xlsx", 3, "kind")


def test_template_reads():
    case = read_case(TEMPLATE)
    assert set(case["kind"]) == {"capital", "one_off_revenue", "ongoing_cost", "saving"}
