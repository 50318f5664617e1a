"""Business-case pack content: tables, key facts and charts checked against Bristol's 2018 Table 1
and figures worked by hand from the example files; inputs and parameters that cannot be used."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cscanalysis.cli import main
from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.packs.business import charts as business_charts
from cscanalysis.packs.business import content as business
from cscanalysis.packs.business import inputs as business_inputs
from cscanalysis.packs.business import tables as business_tables
from cscanalysis.packs.notebook import notebook_parameters
from cscanalysis.render.chart import close_charts
from cscanalysis.sources.casefiles import read_case

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "data" / "examples"
K = 1000

# Seed tests/fixtures/seeds/000_585f2650d4a54322.txt, Table 1 (lines 833-837, £'000s):
#   Investment - capital          £230  £1,371  £214                        5 yr £1,815
#   Investment – ongoing revenue   £80    £455 £1,017 £1,017 £1,017 £1,017       £4,603
#   Gross Revenue Savings                 -£813 -£2,455 -£4,650 -£6,477 -£6,930 -£21,325
#   Annual Net Savings:           £310  £1,013 -£1,224 -£3,633 -£5,460 -£5,913 -£14,907
# The pack's "net saving" is savings less investment: Table 1's row with the sign turned.
NET_SAVING = ["-£310,000", "-£1,013,000", "£1,224,000", "£3,633,000", "£5,460,000", "£5,913,000"]
YEARS = ["2017-18", "2018-19", "2019-20", "2020-21", "2021-22", "2022-23"]


@pytest.fixture(scope="module")
def bc():
    return business_inputs.read_inputs(
        "examples/bristol_2018_case.csv",
        kpis="examples/kpi_example.csv",
        risks="examples/risks_example.csv",
        salaries="examples/salaries_example.csv",
        fostering="examples/fostering_funnel_example.csv",
        council="Bristol",
    )


@pytest.fixture(scope="module")
def charts(bc):
    made = business.pack_charts(bc)
    yield made
    close_charts(made)


def chart(charts, slug):
    return next(c for group in charts.values() for c in group if c.slug == slug)


# --------------------------------------------------------------------------- invest to save


def test_finance_table_reproduces_table_1(bc):
    table = business_tables.finance_table(bc.yearly, bc.summary).set_index("")
    assert list(table.columns) == [*YEARS, "5-year total"]
    assert list(table.loc["Net saving (savings less investment)", YEARS]) == NET_SAVING
    # 5 yr Total column: £1,815; £4,603; -£21,325 (savings); -£14,907 (net, budget sign)
    assert table.loc["Capital investment", "5-year total"] == "£1,815,000"
    assert table.loc["Ongoing revenue cost", "5-year total"] == "£4,603,000"
    assert table.loc["Total investment", "5-year total"] == "£6,418,000"  # 1,815 + 4,603
    assert table.loc["Gross savings", "5-year total"] == "£21,325,000"
    assert table.loc["Net saving (savings less investment)", "5-year total"] == "£14,907,000"
    # Capital stops after 2019/20 (blank in Table 1): shown as £0, never left out.
    assert table.loc["Capital investment", "2020-21"] == "£0"
    # Cumulative: -310, -1,323, -99, 3,534 (running sum of the net row); no total.
    assert list(table.loc["Cumulative net saving", YEARS[:4]]) == [
        "-£310,000",
        "-£1,323,000",
        "-£99,000",
        "£3,534,000",
    ]
    assert table.loc["Cumulative net saving", "5-year total"] == ""
    assert "One-off revenue investment" not in table.index  # Bristol has none


def test_longer_case_gets_an_all_years_total(tmp_path):
    # 1 set-up year + 6 savings years: the 5-year total stops at the 5th savings year.
    lines = ["year,item,kind,amount,unit", "2020-21,Set up,one_off_revenue,100,thousands"]
    lines += [f"{2021 + i}-{22 + i},Saving,saving,50,thousands" for i in range(6)]
    (tmp_path / "case.csv").write_text("\n".join(lines) + "\n")
    case = read_case(tmp_path / "case.csv")
    bc = business_inputs.assemble(case)
    table = business_tables.finance_table(bc.yearly, bc.summary).set_index("")
    assert table.loc["Gross savings", "5-year total"] == "£250,000"  # 5 x 50
    assert table.loc["Gross savings", "Total, all years"] == "£300,000"  # 6 x 50
    assert table.loc["One-off revenue investment", "Total, all years"] == "£100,000"
    # Cumulative net: -100 (2020-21), -50, 0: zero at the end of 2022-23 -> 3.0 years from the
    # spend (2020-21), 2.0 from the first savings (2021-22).
    assert bc.summary.payback_from_spend_years == 3.0
    assert bc.summary.payback_from_savings_years == 2.0


def test_summary_table_and_bounds(tmp_path):
    path = tmp_path / "case.csv"
    path.write_text(
        "year,item,kind,amount,unit,amount_low,amount_high\n"
        "2024-25,Team,capital,300,thousands,,\n"
        "2025-26,Saving,saving,200,thousands,100,300\n"
        "2026-27,Saving,saving,200,thousands,100,300\n"
    )
    bc = business_inputs.assemble(read_case(path))
    table = business_tables.finance_summary_table(bc.summary).set_index("Measure")
    assert list(table.columns) == [
        "Central case",
        "Lower case (savings at their lower bounds)",
        "Upper case",
    ]
    # 300 up front in 2024-25; central savings 200 a year: -300, -100, +100 -> 1 + 100/200 =
    # 1.5 from the first savings (2025-26), 2.5 from the spend; low 100 a year: -300, -200,
    # -100, never; high 300: -300, 0 -> exactly 1 year from the savings, 2 from the spend.
    assert table.loc["Payback from the first savings (start of its year)"].tolist() == [
        "1.50 years from the start of 2025-26",
        "no payback within the case",
        "1.00 years from the start of 2025-26",
    ]
    assert table.loc["Payback from the first spend (start of its year)"].tolist() == [
        "2.50 years from the start of 2024-25",
        "no payback within the case",
        "2.00 years from the start of 2024-25",
    ]
    assert table.loc["Net saving"].tolist() == ["£100,000", "-£100,000", "£300,000"]
    facts = business.key_facts(bc)
    assert any("lower bound the net saving is -£100,000" in f for f in facts)


def test_investment_chart(charts):
    c = chart(charts, "invest-to-save")
    # 21,325 / 6,418 = 3.32 -> "3.3 times"
    assert c.title == "Savings of £21.3m are 3.3 times the investment of £6.4m, 2017-18 to 2022-23"
    assert c.data["Investment (£)"].tolist() == [v * K for v in [310, 1826, 1231, 1017, 1017, 1017]]
    assert c.data["Gross savings (£)"].tolist() == [v * K for v in [0, 813, 2455, 4650, 6477, 6930]]
    assert "Investment is highest in 2018-19 (£1.8m)" in c.alt
    # Works without colour: the savings bars are hatched, every bar is labelled.
    hatches = {p.get_hatch() for p in c.figure.axes[0].patches}
    assert "///" in hatches and None in hatches
    labels = [t.get_text() for t in c.figure.axes[0].texts]
    # one money scale on the bars (the axis is in £ million): 813,000 -> "£0.8m", not "£813,000"
    assert "£0.8m" in labels and "£6.9m" in labels and "£813,000" not in labels


def test_cumulative_chart_marks_the_payback_point(charts):
    c = chart(charts, "cumulative-net-saving")
    assert c.title == (
        "The cumulative net saving first reaches zero in 2020-21, 3.03 years after spending "
        "starts in 2017-18, and is £14.9m by the end of 2022-23"
    )
    assert c.data["Cumulative net saving (£)"].tolist() == [
        v * K for v in [-310, -1323, -99, 3534, 8994, 14907]
    ]
    # The star sits at 3.03 years from the start of 2017-18, on the zero line.
    stars = [line for line in c.figure.axes[0].lines if line.get_marker() == "*"]
    assert len(stars) == 1
    assert stars[0].get_xdata()[0] == pytest.approx(3 + 99 / 3633)  # 3.03
    assert stars[0].get_ydata()[0] == 0
    # From the first year whose savings exceed its running costs (2018-19: 813 > 455): 2.03.
    assert "running costs, 2018-19: 2.03 years." in c.alt
    # The line (in £ million) drops at the start of a year by its capital: 2017-18 opens at
    # -230 and ends at -310; 2018-19 opens at -310 - 1,371 = -1,681.
    path = max(c.figure.axes[0].lines, key=lambda line: len(line.get_xdata()))
    xs, ys = path.get_data()
    assert list(xs[:4]) == [0, 0, 1, 1]
    assert list(ys[:4]) == pytest.approx([0, -0.23, -0.31, -1.681])


def test_case_that_never_pays_back(tmp_path):
    path = tmp_path / "case.csv"
    path.write_text(
        "year,item,kind,amount,unit\n"
        "2024-25,Build,capital,1000,thousands\n"
        "2025-26,Saving,saving,100,thousands\n"
    )
    bc = business_inputs.assemble(read_case(path), council="Testshire")
    c = business_charts.cumulative_chart(bc.yearly, bc.summary, place="Testshire", source="test")
    try:
        assert "still -£900,000 at the end of 2025-26" in c.title
        assert not [line for line in c.figure.axes[0].lines if line.get_marker() == "*"]
    finally:
        c.close()
    facts = business.key_facts(bc)
    assert (
        "The cumulative net saving is still negative at the end of the case: no payback within "
        "the case."
    ) in facts
    assert all("Payback:" not in f for f in facts)


# --------------------------------------------------------------------------- KPIs and risks


def test_scorecard_chart(charts):
    c = chart(charts, "kpi-scorecard")
    # kpi_example.csv, 2017-18 against targets: every indicator with a target is below it
    # (CLA 68 v 55.7, 20 miles 16 v 14, caseload 17.5 v 16.1, turnover 15.2 v 10, agency 11 v 9,
    # care leavers 55 v 65, reviews 61 v 80, foster places 175 v 229) -> 0 of 8; on 2016-17,
    # improved: CLA rate (73 -> 68) and caseload (20 -> 17.5), of 7 with a value a year earlier.
    assert c.title == (
        "0 of 8 indicators with a target are on or above target in 2017-18; 2 of 7 improved on "
        "2016-17"
    )
    markers = [line.get_marker() for line in c.figure.axes[0].lines]
    assert markers.count("^") == 2 and markers.count("v") == 5 and markers.count("D") == 2
    assert "Average caseload per children and family social worker: 17.5 against a target" in c.alt
    assert len(c.data) == 9


def test_scorecard_table_shows_lower_is_better(bc):
    table = business_tables.scorecard_table(bc.card).set_index("Indicator")
    caseload = table.loc["Average caseload per children and family social worker"]
    assert (caseload["Better if"], caseload["Value"], caseload["Status"]) == (
        "lower",
        "17.5",
        "below target",
    )
    reviews = table.loc["Children in need plan reviews completed on time (%)"]
    assert (reviews["Value"], reviews["Compared with"], reviews["Direction of travel"]) == (
        "61%",
        "no data (2016-17)",
        "new indicator, no baseline",
    )
    # The thresholds used: tolerance 1 on the caseload, "well" twice it (no rule stated).
    assert (caseload["On target within ±"], caseload["Well above or below beyond ±"]) == ("1", "2")


def test_risk_heat_map(charts, bc):
    c = chart(charts, "risk-heat-map")
    # risks_example.csv: SF1 4x7=28, SF6 3x7=21, SF4 4x5=20 critical (16+); above tolerance:
    # SF1 28>10, SF6 21>14, SF4 20>15, SF2 15>10, SF3 9>6 = 5.
    assert c.title == "3 of 7 risks are rated critical and 5 are above the council's tolerance"
    cells = c.data.set_index("Risk ids")
    assert cells.loc["SF2, SF5", "Score"] == 15 and cells.loc["SF2, SF5", "Band"] == "high"
    texts = [t.get_text() for t in c.figure.axes[0].texts]
    assert "SF1*" in texts and "SF7" in texts
    assert {p.get_hatch() for p in c.figure.axes[0].patches} >= {"xx", "//", ".."}
    table = business_tables.risk_table(bc.risks)
    assert table.iloc[0].tolist() == [
        1,
        "SF1: Budget pressures: overspends and control of placement costs in the first year",
        "4 × 7 = 28",
        "critical",
        "2 × 5 = 10 (high)",
        "yes",
    ]


# --------------------------------------------------------------------------- pay and fostering


def test_salary_charts(charts):
    pay = charts["pay"]
    assert [c.slug for c in pay] == [
        "salaries-newly-qualified-social-worker-south-west-region",
        "salaries-social-worker-south-west-region",
        "salaries-social-worker-national-sample",
    ]
    assert pay[1].title == (
        "4 of 12 comparators (South West region) pay more than Bristol's top social worker salary "
        "of £32,486"
    )
    assert pay[0].title.startswith("1 of 10 comparators (South West region)")
    assert pay[2].title.startswith("7 of 14 comparators (National sample)")
    # Without colour: Bristol's line is thicker, its top a diamond, its name bold.
    axes = pay[1].figure.axes[0]
    bold = [t.get_text() for t in axes.get_yticklabels() if t.get_fontweight() == "bold"]
    assert bold == ["Bristol"]
    assert "D" in [line.get_marker() for line in axes.lines]
    # Corrections made to the seed's figures travel with them into the data table.
    notes = pay[1].data.set_index("Council")["Notes"]
    assert "£30,15 " in notes["Wiltshire Council"] and notes["Bristol"] == ""


def test_salary_summary_table(bc):
    bench = business.sufficiency.salary_benchmark(bc.salaries, "Bristol")
    table = business_tables.salary_summary_table(bench, "Bristol")
    wide = table[table["Comparison group"] == "All groups"].iloc[0]
    assert wide["Comparators paying more at the top"] == "11"  # seed 000 line 233
    assert wide["Bristol: top of scale"] == "£32,486"


def test_fostering_charts(charts):
    funnel, approvals = charts["fostering"]
    # 1 - 115/500 = 77% (seed 002 line 71); approvals 64 of 500 = 12.8%.
    assert funnel.title == (
        "77% of enquiries drop out before stage 1 complete; 64 of 500 enquiries (12.8%) ended in "
        "approval, 2019-20 Q1 to 2022-23 Q4"
    )
    # Seed 002 line 75: 51 terminations against 11 approvals in the last financial year.
    assert approvals.title == (
        "Terminations outnumbered approvals in every one of the 4 years; in 2022-23 51 carers "
        "left and 11 were approved"
    )
    assert approvals.data["Approvals less terminations"].tolist() == [-8, -13, -24, -40]
    hatches = {p.get_hatch() for p in approvals.figure.axes[0].patches}
    assert "\\\\\\" in hatches


def test_funnel_notes_say_the_example_is_illustrative(bc, charts):
    assert business_tables.funnel_notes(bc.funnel) == [
        "2019-20 Q1: illustrative quarterly counts (see data/examples/README.md)",
        "2022-23 Q4: 2022-23 totals: 11 approvals and 51 terminations as published",
    ]
    page = "".join(business.render_sections(bc, charts))
    assert "Notes in fostering_funnel_example.csv:" in page
    assert "illustrative quarterly counts" in page


def test_every_chart_is_complete(charts):
    for group in charts.values():
        for c in group:
            assert c.title and c.subtitle and c.caption and c.source
            assert c.alt.split(":")[0] in {
                "Bar chart",
                "Line chart",
                "Chart of indicator status",
                "Heat map of risks, likelihood across and impact up",
                "Range chart",
                "Funnel bar chart",
            }
            assert not c.data.empty
            assert c.png(72)[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- the pack


def test_key_facts(bc):
    facts = business.key_facts(bc)
    assert facts[0] == (
        "The case invests £6.4m from 2017-18 to 2022-23 (£1.8m capital, £4.6m revenue) and "
        "expects gross savings of £21.3m: a net saving of £14.9m."
    )
    # Worked by hand in test_finance.py from Table 1 (the paper itself states no payback).
    assert facts[1] == (
        "Payback: 3.03 years after spending starts in 2017-18 and 2.03 years after savings first "
        "exceed running costs in 2018-19; the cumulative net saving first reaches zero during "
        "2020-21."
    )
    assert any(f.startswith("Bristol pays social workers up to £32,486: 11 of 26") for f in facts)
    assert "In 2022-23 there were 11 foster carer approvals and 51 terminations." in facts


def test_sections_follow_the_inputs(bc):
    assert business.sections(bc) == list(business.CONTENTS)
    only_case = business_inputs.read_inputs("examples/bristol_2018_case.csv")
    assert business.sections(only_case) == ["summary", "invest", "method"]
    assert business.title(only_case) == (
        "Business case",
        "Invest-to-save case 2017-18 to 2022-23",
    )


def test_text_from_data_is_escaped(tmp_path):
    bc = business_inputs.read_inputs(
        "examples/bristol_2018_case.csv", council="<script>alert(1)</script>"
    )
    made = business.pack_charts(bc)
    try:
        page = "".join(business.render_sections(bc, made))
    finally:
        close_charts(made)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_notebook_parameters_are_the_documented_literals():
    params = notebook_parameters(ROOT / "notebooks" / "business_case.py")
    assert params == {
        "case": "examples/bristol_2018_case.csv",
        "kpis": "examples/kpi_example.csv",
        "risks": "examples/risks_example.csv",
        "salaries": "examples/salaries_example.csv",
        "fostering": "examples/fostering_funnel_example.csv",
        "council": "Bristol",
        "savings_basis": "annual",
        "discount_rate": 0.035,
        "options": {},
    }
    for name in ("case", "kpis", "risks", "salaries", "fostering"):
        assert business_inputs.resolve_input(params[name]).is_file()


# --------------------------------------------------------------------------- inputs


def test_resolve_input(tmp_path):
    assert business_inputs.resolve_input("") is None and business_inputs.resolve_input(None) is None
    assert business_inputs.resolve_input("examples/kpi_example.csv") == EXAMPLES / "kpi_example.csv"
    own = tmp_path / "case.csv"
    own.write_text("x")
    assert business_inputs.resolve_input(str(own)) == own
    with pytest.raises(DataError, match="input file not found") as caught:
        business_inputs.resolve_input("examples/nothing.csv")
    assert caught.value.value == "examples/nothing.csv"


@pytest.mark.parametrize("rate", [3.5, "3.5%", -1, float("nan"), "abc"])
def test_discount_rate_out_of_range_is_refused(rate):
    with pytest.raises(ParameterError, match="discount rate"):
        business_inputs.check_discount_rate(rate)


def test_discount_rate_and_basis_are_used(tmp_path):
    flat = business_inputs.read_inputs("examples/bristol_2018_case.csv", discount_rate=0)
    # At 0% the NPV is the undiscounted net saving, 14,907 thousand.
    assert flat.summary.npv == 14_907 * K
    with pytest.raises(ParameterError, match="savings basis"):
        business_inputs.read_inputs("examples/bristol_2018_case.csv", savings_basis="cumulative")


def test_bad_input_stops_the_pack_before_a_kernel(tmp_path, capsys):
    bad = tmp_path / "kpis.csv"
    bad.write_text("code,title,polarity,target,tolerance,2019-20\nCASELOAD,Caseload,,16,1,17\n")
    code = main(
        [
            "business-case",
            "--case",
            str(EXAMPLES / "bristol_2018_case.csv"),
            "--kpis",
            str(bad),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "no polarity" in err and "row 2" in err and "'polarity'" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--years", "7"], "--years must be 5 or 10"),
        (["--kpis", "examples/kpi_example.csv", "--kpi-period", "2030-31"], "2015-16, 2016-17"),
        (["--kpis", "examples/kpi_example.csv", "--kpi-tolerance", "two"], "KPI tolerance"),
        (["--kpis", "examples/kpi_example.csv", "--kpi-basis", "percent"], "absolute or share"),
        (["--risks", "examples/risks_example.csv", "--risk-bands", "low:5,high:1"], "rising"),
        (["--risks", "examples/risks_example.csv", "--risk-matrix", "no/such.csv"], "not found"),
    ],
)
def test_bad_options_stop_the_pack_before_a_kernel(tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    case = str(EXAMPLES / "bristol_2018_case.csv")
    code = main(["business-case", "--case", case, "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_options_reach_the_figures():
    # What the notebook does with its `options` parameter: read_inputs(**options).
    options = {
        "years": 10,
        "kpi_period": "2016-17",
        "kpi_compare": "2015-16",
        "kpi_tolerance": "0",
        "kpi_well": "20",
        "kpi_basis": "share",
        "risk_matrix": "examples/risk_matrix_example.csv",
    }
    bc = business_inputs.read_inputs(
        "examples/bristol_2018_case.csv",
        kpis="examples/kpi_example.csv",
        risks="examples/risks_example.csv",
        **options,
    )
    # Ten savings years from 2018-19: five projected (2023-24 to 2027-28), 2022-23 held flat.
    assert bc.summary.projected_years == 5 and bc.summary.last_year == "2027-28"
    assert bc.summary.net_10yr == (14_907 + 5 * 5_913) * K
    assert (
        "The years 2023-24 to 2027-28 are projected: the last given year's ongoing costs and "
        "savings held flat in nominal pounds."
    ) in business.key_facts(bc)
    table = business_tables.finance_table(bc.yearly, bc.summary).set_index("")
    assert table.loc["Gross savings", "2027-28 (projected)"] == "£6,930,000"
    assert "2022-23" in table.columns
    # The file's own tolerances still win; CASELOAD 2016-17: 20 vs 16.1, gap -3.9, its own
    # tolerance 1 and the default "well" of 20% of 16.1 = 3.22 -> well below.
    card = bc.card.set_index("code")
    assert card.at["CASELOAD", "well_units"] == pytest.approx(3.22)
    assert card.at["CASELOAD", "status"] == "well below target"
    assert card["previous_period"].iloc[0] == "2015-16"
    assert list(bc.risks["band"][:2]) == ["very high", "high"]  # SF1 28, SF6 21
    notes = " ".join(business.method_notes(bc))
    assert "bands (risk_matrix_example.csv): low 1-4, medium 5-13, high 14-27" in notes
    assert "Indicators are scored for 2016-17; direction of travel compares with 2015-16" in notes
    assert bc.files["risk_matrix"] == "risk_matrix_example.csv"


def test_missing_input_file_is_named(tmp_path, capsys):
    code = main(["business-case", "--case", "no/such/case.csv", "--out", str(tmp_path)])
    assert code == 2
    assert "input file not found" in capsys.readouterr().err


def test_slug():
    assert business_inputs.slugify("Bristol 2018 case") == "bristol-2018-case"
    with pytest.raises(ParameterError):
        business_inputs.slugify("!!!")


def test_yearly_money_is_whole_pounds(bc):
    # The example is in £'000s: every figure is a whole number of pounds.
    values = bc.yearly[["investment", "gross_savings", "net_position"]].to_numpy()
    assert np.array_equal(values, np.round(values)) and not math.isnan(values.sum())
    assert isinstance(bc.case, pd.DataFrame)


def test_case_with_savings_and_no_spending(tmp_path):
    # No capital, one-off or ongoing cost: nothing to pay back; 200 + 300 = £500,000 saved.
    path = tmp_path / "case.csv"
    path.write_text(
        "year,item,kind,amount,unit\n"
        "2024-25,Saving,saving,200,thousands\n"
        "2025-26,Saving,saving,300,thousands\n"
    )
    bc = business_inputs.assemble(read_case(path), council="Testshire")
    c = business_charts.cumulative_chart(bc.yearly, bc.summary, place="Testshire", source="test")
    try:
        assert c.title == (
            "Savings cover the spending from the start; the cumulative net saving reaches "
            "£500,000 by 2025-26"
        )
    finally:
        c.close()
