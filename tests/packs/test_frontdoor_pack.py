"""The front-door pack: its content checked against Bristol's 2016-17 tables worked by hand,
and one real run of the notebook (papermill, a Python kernel, nbconvert) through the CLI.

Seed: tests/fixtures/seeds/000_585f2650d4a54322.txt, Table 1 (lines 692-704) and Table 2
(lines 714-726), transcribed in data/examples/ (see data/templates/README_monthly.md). The
sums are written out in the comments. The seasonal-forecast test uses a SYNTHETIC series made
here (no council has published a long enough monthly extract in the seeds) and says so.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from cscanalysis.cli import main
from cscanalysis.core.errors import ParameterError
from cscanalysis.core.paths import REPO_ROOT
from cscanalysis.packs.frontdoor import charts as frontdoor_charts
from cscanalysis.packs.frontdoor import content as frontdoor
from cscanalysis.packs.frontdoor import context as frontdoor_context
from cscanalysis.packs.frontdoor import forecast as frontdoor_forecast
from cscanalysis.packs.frontdoor import tables as frontdoor_tables
from cscanalysis.sources.monthly import read_monthly_extracts

EXAMPLES = [
    "data/examples/bristol_front_door_2016_17.csv",
    "data/examples/bristol_age_at_entry_2016_17.csv",
]
BRISTOL = "E06000023"
# Seed lines 693-704, in month order Aug-16 .. Jul-17
CONTACTS = [1916, 2164, 2001, 2133, 1857, 2176, 1855, 2723, 1852, 2282, 2461, 2439]
REFERRALS = [349, 446, 381, 452, 343, 397, 360, 760, 395, 558, 603, 523]


@pytest.fixture(scope="module")
def ctx() -> frontdoor_context.FrontDoorContext:
    paths = frontdoor_context.input_paths(EXAMPLES, REPO_ROOT)
    monthly = read_monthly_extracts(paths, council_code=BRISTOL, council_name="Bristol, City of")
    return frontdoor_context.prepare(
        monthly,
        council_code=BRISTOL,
        council_name="Bristol, City of",
        place="Bristol",
        source=frontdoor_context.default_source(paths, "Bristol"),
        horizon=6,
    )


def test_source_line_cites_the_paper(ctx):
    assert ctx.source == (
        "Bristol City Council, Cabinet 3 April 2018, Strengthening Families Programme, "
        "Appendix A Table 1 and Appendix A Table 2"
    )
    assert frontdoor_context.default_source(["/x/my_extract.csv"], "Leeds") == (
        "Leeds monthly performance extract (my_extract.csv)"
    )


def test_key_facts_over_the_12_months(ctx):
    facts = frontdoor.key_facts(ctx)
    # contacts 1916+2164+2001+2133+1857+2176+1855+2723+1852+2282+2461+2439 = 25,859
    # referrals 349+446+381+452+343+397+360+760+395+558+603+523 = 5,567; 5567/25859 = 21.53%
    # no further action 1370+1476+1368+1302+1311+1494+1191+1589+1229+1352+1430+1559 = 16,671;
    # 16671/25859 = 64.47%
    assert facts[0] == (
        "Bristol received 25,859 contacts in the 12 months to Jul 2017; 5,567 referrals "
        "followed (21.5% of contacts) and 16,671 contacts (64.5%) ended with no further action."
    )
    # s47 73+120+93+147+64+107+108+142+85+155+174+144 = 1,412; 1412/5567 = 25.36%
    assert facts[1].startswith("In the same months there were 1,412 section 47 enquiries (25.4%")
    # entering care 30+29+27+28+18+20+28+29+22+21+21+26 = 299; Table 2's bands sum to 293;
    # 10 to 15: 96, 16 to 17: 64; (96+64)/293 = 54.61%, 64/293 = 21.84%
    assert facts[2] == (
        "299 children entered care in the 12 months to Jul 2017; of the 293 whose age band "
        "was recorded, 54.6% were aged 10 or over and 21.8% were 16 or over."
    )


def test_funnel_chart_plots_the_totals(ctx):
    chart = frontdoor_charts.funnel_chart(ctx)
    assert chart.title == (
        "In the 12 months to Jul 2017, Bristol had 25,859 contacts; 21.5% led to a referral "
        "and 299 children entered care"
    )
    data = chart.data.set_index("Stage")
    assert data.iloc[:, 0].tolist() == ["25,859", "5,567", "1,412", "1,315", "595", "299"]
    # ICPCs 47+49+93+147+64+107+108+142+85+155+174+144 = 1,315; 1315/1412 = 93.13%
    # CP starts 47+44+39+57+57+51+60+61+36+41+59+43 = 595; 595/1315 = 45.25%; 299/595 = 50.25%
    assert data["% of the stage before"].tolist() == ["", "21.5", "25.4", "93.1", "45.2", "50.3"]
    assert "Bar chart" in chart.alt and "Referrals 5,567 (21.5% of contacts)" in chart.alt
    chart.close()


def test_trend_chart_plots_the_extract(ctx):
    chart = frontdoor_charts.trend_chart(ctx, "referrals")
    assert chart.data["Referrals (referrals)"].tolist() == [str(v) for v in REFERRALS]
    # Jul-17 523 against Jun-17 603: down 80/603 = 13.3%; 5567/12 = 463.9 a month
    assert chart.title == (
        "Referrals: 523 in Jul 2017, down 13% on Jun 2017; 464 a month on average over the "
        "12 months"
    )
    assert chart.data["12-month average per month"].tolist() == [""] * 11 + ["463.9"]
    assert chart.source == ctx.source
    chart.close()


def test_rates_chart(ctx):
    chart = frontdoor_charts.rates_chart(ctx)
    # Jul-17: 523/2439 = 21.44% referred; 1559/2439 = 63.92% no further action
    assert chart.title == (
        "In Jul 2017, 21.4% of Bristol's contacts led to a referral and 63.9% ended with no "
        "further action"
    )
    # Aug-16: 349/1916 = 18.22%
    assert chart.data.iloc[0, 1] == "18.2"
    chart.close()


def test_age_chart(ctx):
    chart = frontdoor_charts.age_chart(ctx)
    # Under 1: 5+5+3+9+4+1+7+2+4+3+1+4 = 48, 1-4: 6+4+4+5+0+2+3+4+1+2+5+5 = 41,
    # 5-9: 4+5+4+2+5+3+6+5+1+2+2+5 = 44, 10-15: 96, 16-17: 64 (total 293)
    assert chart.data["Children"].tolist() == ["48", "41", "44", "96", "64"]
    assert chart.title == (
        "54.6% of the 293 children entering care in the 12 months to Jul 2017 were aged 10 or "
        "over (21.8% aged 16 or over)"
    )
    chart.close()


def test_data_notes_flag_the_tables_quirks(ctx):
    notes = " ".join(frontdoor.data_notes(ctx))
    # ICPCs equal s47 from Oct-16 to Jul-17 (seed lines 695-704): 10 of 12 months
    assert "Initial child protection conferences equal section 47 enquiries in 10 of 12" in notes
    # Table 1 minus Table 2: Feb-17 28-27, Mar-17 29-27, Apr-17 22-21, Jun-17 21-20, Jul-17 26-25
    assert "In 5 month(s) the age bands do not add up" in notes
    assert "Mar 2017: 29 entering care, 27 in the age bands" in notes


def test_monthly_table(ctx):
    table = frontdoor_tables.monthly_table(ctx)
    assert table["Contacts"].tolist() == [f"{v:,}" for v in CONTACTS]
    # Mar-17: 760/2723 = 27.91%
    assert table.set_index("Month").loc["Mar 2017", "Contacts to referral (%)"] == "27.9"


def test_twelve_months_are_too_few_for_a_seasonal_model(ctx):
    fc = frontdoor_forecast.forecast_measure(ctx, "referrals")
    assert "seasonal_naive" not in fc.candidates and fc.months_used == 12
    # origins after months 5..11: 7 one-month-ahead tests. 'Same as last month' errors on
    # Jan-17..Jul-17: |397-343| + |360-397| + |760-360| + |395-760| + |558-395| + |603-558|
    # + |523-603| = 54+37+400+365+163+45+80 = 1,144; 1144/7 = 163.4
    naive = fc.accuracy[(fc.accuracy["model"] == "naive") & (fc.accuracy["horizon"] == 1)]
    assert int(naive["n"].iloc[0]) == 7
    assert naive["MAE"].iloc[0] == pytest.approx(1144 / 7)
    words = " ".join(frontdoor.forecast_statement(ctx, fc))
    assert "'same as last month' was out by 163.4" in words
    assert "No seasonal model was used" in words and "this extract has 12" in words
    assert len(fc.table) == 6 and fc.table["period"].iloc[-1] == "2018-01"
    chart = frontdoor_charts.forecast_chart(ctx, fc)
    assert chart.data["Forecast"].tolist()[:12] == [""] * 12
    assert chart.title.startswith("Referrals are forecast at about")
    chart.close()


def test_seasonal_candidates_by_length():
    # seasonal naive needs 13 months and 3 tests: 16; seasonal ETS 2*12+2 = 26 and 3 tests: 29
    assert frontdoor_forecast.seasonal_candidates(15) == []
    assert frontdoor_forecast.seasonal_candidates(16) == ["seasonal_naive"]
    assert frontdoor_forecast.seasonal_candidates(28) == ["seasonal_naive"]
    assert frontdoor_forecast.seasonal_candidates(29) == ["seasonal_naive", "seasonal_ets"]


def _synthetic(months: int, measure: str = "referrals") -> pd.DataFrame:
    """SYNTHETIC referrals with a strong March peak and August/December dips."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(months):
        year, month = 2015 + (i + 3) // 12, (i + 3) % 12 + 1
        value = 400 + 120 * (month == 3) - 80 * (month in (8, 12)) + rng.integers(-10, 11)
        rows.append((f"{year}-{month:02d}", measure, float(value)))
    frame = pd.DataFrame(rows, columns=["period", "measure", "value"])
    return frame.assign(council_code="", council_name="", flag="", source="synthetic")


def _synthetic_ctx(monthly: pd.DataFrame) -> frontdoor_context.FrontDoorContext:
    return frontdoor_context.prepare(
        monthly,
        council_code=BRISTOL,
        council_name="Bristol",
        place="Bristol",
        source="synthetic test series",
        horizon=3,
    )


def test_a_seasonal_series_gets_a_seasonal_model():
    ctx = _synthetic_ctx(_synthetic(28))  # Apr 2015 to Jul 2017
    fc = frontdoor_forecast.forecast_measure(ctx, "referrals")
    assert fc.model == "seasonal_naive"
    words = " ".join(frontdoor.forecast_statement(ctx, fc))
    assert "follows the seasonal pattern of the past 28 months" in words
    # seasonal naive repeats the same month a year before: Aug, Sep, Oct 2016
    history = fc.history
    assert fc.table["mean"].tolist() == [history["2016-08"], history["2016-09"], history["2016-10"]]
    chart = frontdoor_charts.forecast_chart(ctx, fc)
    assert "synthetic" in chart.source
    chart.close()


def test_gaps_and_symbols_are_shown_not_filled():
    monthly = _synthetic(14)
    monthly = monthly[monthly["period"] != "2015-09"].copy()  # a month missing
    hit = monthly["period"] == "2016-01"
    monthly.loc[hit, "value"], monthly.loc[hit, "flag"] = np.nan, "c"  # a suppressed month
    ctx = _synthetic_ctx(monthly)
    notes = " ".join(frontdoor.data_notes(ctx))
    assert "1 month(s) between Apr 2015 and May 2016 are not in the extract: Sep 2015" in notes
    assert "1 figure(s) are blank or a symbol" in notes
    table = frontdoor_tables.monthly_table(ctx).set_index("Month")
    assert table.loc["Jan 2016", "Referrals"] == "c"
    chart = frontdoor_charts.trend_chart(ctx, "referrals")
    assert chart.data.set_index("Month").loc["Jan 2016", "Referrals (referrals)"] == "c"
    chart.close()


# --- one real run of the notebook ------------------------------------------------------------


def _text(page: str) -> str:
    page = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("frontdoor")
    argv = ["frontdoor", "--council", "Bristol", "--out", str(out)]
    for path in EXAMPLES:
        argv += ["--input", str(REPO_ROOT / path)]
    assert main(argv) == 0
    return out / "front_door" / BRISTOL


@pytest.mark.slow
def test_pack_lands_where_documented(built):
    assert (built / "index.html").is_file()
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["parameters"]["council"] == BRISTOL
    assert manifest["parameters"]["forecast_horizon"] == 6
    assert not list(built.parent.glob(".*"))  # no staging folder left behind


@pytest.mark.slow
def test_pack_figures_worked_by_hand(built):
    page = (built / "index.html").read_text(encoding="utf-8")
    text = _text(page)
    # Aug-16: 349 referrals of 1,916 contacts = 18.215%, shown as 18.2 in the monthly table
    assert "Aug 2016 1,916 349 18.2 73" in text
    # totals over the 12 months (see test_key_facts_over_the_12_months)
    assert "Bristol received 25,859 contacts in the 12 months to Jul 2017; 5,567 referrals" in text
    assert "16,671 contacts (64.5%) ended with no further action" in text
    assert "54.6% of the 293 children entering care" in text
    # 'same as last month' one month ahead: 1,144 / 7 = 163.4 referrals
    assert "'same as last month' was out by 163.4" in text
    assert "No seasonal model was used" in text
    # real data: cited, never called synthetic
    assert "Strengthening Families Programme, Appendix A Table 1 and Appendix A Table 2" in text
    assert "synthetic" not in text.lower()
    # every chart has alt text and a data table; nothing runs from anywhere
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 8
    assert all(re.search(r'alt="(Bar|Line|Fan) chart: [^"]{40,}"', img) for img in images)
    assert page.count("Data table for this chart") == 8
    assert "<script" not in page.lower()


# --- small numbers for publication ------------------------------------------------------------


def _bristol_monthly() -> pd.DataFrame:
    paths = frontdoor_context.input_paths(EXAMPLES, REPO_ROOT)
    return read_monthly_extracts(paths, council_code=BRISTOL, council_name="Bristol, City of")


def _with(monthly, period, measure, value):
    monthly = monthly.copy()
    hit = (monthly["period"] == period) & (monthly["measure"] == measure)
    assert hit.sum() == 1
    monthly.loc[hit, "value"] = float(value)
    return monthly


def _prepare(monthly, audience="publication"):
    return frontdoor_context.prepare(
        monthly,
        council_code=BRISTOL,
        council_name="Bristol, City of",
        place="Bristol",
        source="test",
        horizon=3,
        audience=audience,
    )


def test_a_small_month_is_suppressed_with_everything_built_on_it():
    # Jul-17 ICPCs set to 4 (the table says 144): 4 is 1 to 5, so c; so is its rate
    # (s47 to ICPC: 4 / 144) and the next one (ICPC to CP plan: 43 / 4), and the 12-month
    # total of ICPCs, which would give it back (total - the other 11 months).
    ctx = _prepare(_with(_bristol_monthly(), "2017-07", "icpc", 4))
    table = frontdoor_tables.monthly_table(ctx).set_index("Month")
    assert table.loc["Jul 2017", "ICPCs"] == "c"
    assert table.loc["Jul 2017", "s47 to ICPC (%)"] == "c"
    assert table.loc["Jul 2017", "ICPC to CP plan (%)"] == "c"
    assert table.loc["Jun 2017", "ICPCs"] == "174"  # others as in the extract
    totals = frontdoor_context.window_totals(ctx)
    assert "icpc_rolling_12m" not in set(totals["measure"])
    facts = " ".join(frontdoor.key_facts(ctx))
    assert "initial child protection conferences" not in facts  # no total to subtract from
    assert "Counts from 1 to 5 are suppressed (c)" in frontdoor.banner(ctx)
    # the internal pack shows the 4 and says it is not suppressed
    internal = _prepare(_with(_bristol_monthly(), "2017-07", "icpc", 4), audience="internal")
    assert (
        frontdoor_tables.monthly_table(internal).set_index("Month").loc["Jul 2017", "ICPCs"] == "4"
    )
    assert "not suppressed" in frontdoor.banner(internal)


def test_zero_is_shown_and_a_bad_audience_is_an_error():
    ctx = _prepare(_with(_bristol_monthly(), "2017-07", "icpc", 0))
    assert frontdoor_tables.monthly_table(ctx).set_index("Month").loc["Jul 2017", "ICPCs"] == "0"
    with pytest.raises(ParameterError, match="audience"):
        _prepare(_bristol_monthly(), audience="everyone")


def test_small_age_band_totals_over_the_window_are_suppressed_so_none_can_be_worked_out():
    from cscanalysis.analysis.disclosure_attack import feasible_ranges

    monthly = _bristol_monthly()
    # Under 1 in every month set to 0 but Aug-16 (5) -> 12-month total 5: small. The other
    # bands over the 12 months (seed Table 2): 1 to 4: 6+4+4+5+0+2+3+4+1+2+5+5 = 41,
    # 5 to 9: 4+5+4+2+5+3+6+5+1+2+2+5 = 44, 10 to 15: 11+10+8+6+6+7+6+13+8+9+5+7 = 96,
    # 16 and over: 4+5+8+6+3+7+5+3+7+5+7+4 = 64; all recorded: 5 + 41 + 44 + 96 + 64 = 250.
    for period in sorted(set(monthly["period"]))[1:]:
        monthly = _with(monthly, period, "cla_starts_age_under_1", 0)
    ctx = _prepare(monthly)
    totals = frontdoor_context.window_totals(ctx).set_index("measure")
    bands = [f"{b}_rolling_12m" for b in frontdoor_context.AGE_LABELS]
    shown = totals.loc[bands, "value"]
    # 5 is c, and the smallest other band (41) too, or 250 - 44 - 96 - 64 = 5 gives it back
    assert shown.isna().tolist() == [True, True, False, False, False]
    assert totals.loc[bands[0], "flag"] == "c" and totals.loc[bands[1], "flag"] == "c"
    # the shares would give them back (share x total): not given; nor is the age chart
    assert np.isnan(totals.loc["cla_starts_age_10_plus_pct_rolling_12m", "value"])
    assert frontdoor_charts.age_chart(ctx) is None
    assert "aged 10 or over" not in " ".join(frontdoor.key_facts(ctx))
    # What the page shows cannot pin either: 250 recorded is not shown once a band is c, but
    # even knowing it (and that the small one is 1 to 5), each keeps a range.
    table = pd.DataFrame([shown.to_numpy()], columns=bands).assign(total=250.0)
    ranges = feasible_ranges(
        table, value_cols=bands, total_col="total", bounds={(0, bands[0]): (1, 5)}
    )
    assert ranges[(0, bands[0])] == (1, 5) and ranges[(0, bands[1])] == (41, 45)
    internal = _prepare(monthly, audience="internal")
    assert (
        frontdoor_context.window_totals(internal).set_index("measure").loc[bands[0], "value"] == 5
    )


def test_a_hidden_month_of_entrants_hides_the_window_age_bands():
    # Oct-16 entrants set to 4 (c). The 12-month age bands add up to the window's entrants
    # whose band was recorded; with the other 11 months shown (272 in the reviewer's copy),
    # 276 - 272 = 4 would give the hidden month back. So every band's total is hidden.
    monthly = _with(_bristol_monthly(), "2016-10", "cla_starts", 4)
    ctx = _prepare(monthly)
    assert frontdoor_tables.monthly_table(ctx).set_index("Month").loc["Oct 2016"].isin(["c"]).any()
    totals = frontdoor_context.window_totals(ctx).set_index("measure")
    bands = [f"{b}_rolling_12m" for b in frontdoor_context.AGE_LABELS]
    assert totals.loc[bands, "flag"].eq("c").all() and totals.loc[bands, "value"].isna().all()
    assert frontdoor_charts.age_chart(ctx) is None
    assert "whose age band was recorded" not in " ".join(frontdoor.key_facts(ctx))
    internal = _prepare(monthly, audience="internal")
    assert internal.monthly is not None
    assert (
        frontdoor_context.window_totals(internal)
        .set_index("measure")
        .loc[bands, "value"]
        .notna()
        .all()
    )
