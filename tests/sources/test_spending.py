"""Spending: S251 outturn, LAIT's S251 indicators and RO3, checked against the published files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cscanalysis.analysis.disclosure import hide_per_child
from cscanalysis.core.metrics import derived_spending, financial_to_reporting_year
from cscanalysis.sources.spending import read_lait_spending, read_ro3, read_s251_year
from tests.conftest import RAW

BRISTOL = "E06000023"


def value(tidy: pd.DataFrame, code: str, measure: str, period: str) -> tuple[float, str]:
    row = tidy[
        (tidy["council_code"] == code) & (tidy["measure"] == measure) & (tidy["period"] == period)
    ]
    assert len(row) == 1, (code, measure, period)
    return float(row["value"].iloc[0]), str(row["flag"].iloc[0])


def test_bristol_spending_2024_25_as_published(tidy):
    # LAIT, "TotalLACFinance", 2024-25 (OT), Bristol, City of: 96680079 (whole pounds)
    assert value(tidy, BRISTOL, "spend_cla", "2024-25") == (96_680_079, "")
    # "SafeguardingFinance" 33835181; "FamilySupportFinance" 28662108; "C&YPExpenditure" 174296422
    assert value(tidy, BRISTOL, "spend_safeguarding", "2024-25") == (33_835_181, "")
    assert value(tidy, BRISTOL, "spend_family_support", "2024-25") == (28_662_108, "")
    assert value(tidy, BRISTOL, "spend_children_services", "2024-25") == (174_296_422, "")
    # LAIT's weekly unit cost "LACFinance" 2460
    assert value(tidy, BRISTOL, "spend_cla_weekly_unit_cost", "2024-25") == (2_460, "")


def test_spending_per_child_worked_by_hand(tidy):
    # 96,680,079 / 753 children looked after at 31 March 2025 = 128,393.2 -> £128,393
    assert value(tidy, BRISTOL, "spend_per_child_looked_after", "2024-25") == (128_393, "")
    # 174,296,422 / 92,705 children aged 0 to 17 (ONS mid-2024, DfE's denominator for 2025)
    # = 1,880.1 -> £1,880
    assert value(tidy, BRISTOL, "spend_children_services_per_child", "2024-25") == (1_880, "")


def test_lait_weekly_unit_cost_agrees_with_our_per_child_figure(tidy):
    # DfE's weekly unit cost is spending over children looked after in the year; ours divides by
    # the 31 March count. For Bristol 2024-25: 128,393 / 52.18 weeks = 2,461 against 2,460.
    per_child, _ = value(tidy, BRISTOL, "spend_per_child_looked_after", "2024-25")
    weekly, _ = value(tidy, BRISTOL, "spend_cla_weekly_unit_cost", "2024-25")
    assert math.isclose(per_child / (365.25 / 7), weekly, rel_tol=0.01)


def test_old_s251_outturn_gross_expenditure():
    rows = read_s251_year(RAW, "2008-09")
    bristol = rows[rows["council_code"] == BRISTOL].set_index("measure")["value"]
    # outturn_0809.csv: 801,"Bristol, City of ",14 Total Children Looked After,...,27924476,...
    assert bristol["spend_cla"] == 27_924_476
    # 28 Total Family Support Services: TOTAL EXPENDITURE (k) 5665297
    assert bristol["spend_family_support"] == 5_665_297
    # Safeguarding and the children's services total were defined differently before 2011-12
    # and 2010-11: not read for 2008-09.
    assert "spend_safeguarding" not in bristol
    assert "spend_children_services" not in bristol
    rows = read_s251_year(RAW, "2012-13")
    bristol = rows[rows["council_code"] == BRISTOL].set_index("measure")["value"]
    # outturn_1213.csv: "20 Total  Safeguarding Children and Young Peoples Services" 20294583
    assert bristol["spend_safeguarding"] == 20_294_583


def test_old_s251_covers_every_council_of_the_time():
    # 2008-09 lists 150 LAs, Bedfordshire (820) and Cheshire (875) among them, abolished in 2009:
    # their successors did not exist that year, so they are left out (148 councils).
    assert read_s251_year(RAW, "2008-09")["council_code"].nunique() == 148
    assert read_s251_year(RAW, "2013-14")["council_code"].nunique() == 152


def test_lait_dash_is_a_symbol_never_zero():
    rows = read_lait_spending(RAW)
    dashes = rows[rows["flag"] == "-"]
    assert len(dashes) > 0
    assert dashes["value"].isna().all()
    assert set(rows["period"]) == {f"{y}-{(y + 1) % 100:02d}" for y in range(2016, 2025)}


def test_ro3_lines_in_pounds_and_symbols_kept():
    rows = read_ro3(RAW)
    bristol = rows[rows["council_code"] == BRISTOL].set_index("measure")["value"]
    # RO3 2024-25, Bristol, "Children's social care - Asylum Seekers - Total Expenditure": 6673
    # (thousands of pounds)
    assert bristol["spend_uasc"] == 6_673_000
    # "[x]" (return not received) is the symbol x, not zero
    missing = rows[rows["flag"] == "x"]
    assert len(missing) > 0 and missing["value"].isna().all()
    assert set(rows["period"]) == {"2024-25"}


def test_financial_to_reporting_year():
    assert financial_to_reporting_year(pd.Series(["2024-25", "1999-00"])).tolist() == [
        "2025",
        "2000",
    ]


def _rows(rows):
    return pd.DataFrame(
        rows, columns=["council_code", "period", "measure", "value", "flag", "source", "release"]
    )


def test_per_child_follows_symbols_and_zero_divisor():
    tidy = _rows(
        [
            ("E1", "2024-25", "spend_cla", 1000.0, "", "s", 1),
            ("E1", "2025", "cla_31_march", np.nan, "c", "s", 1),
            ("E2", "2024-25", "spend_cla", np.nan, "-", "s", 1),
            ("E2", "2025", "cla_31_march", 10.0, "", "s", 1),
            ("E3", "2024-25", "spend_cla", 500.0, "", "s", 1),
            ("E3", "2025", "cla_31_march", 0.0, "", "s", 1),
        ]
    )
    out = derived_spending(tidy).set_index("council_code")
    assert out.loc["E1", "flag"] == "c" and np.isnan(out.loc["E1", "value"])
    assert out.loc["E2", "flag"] == "-" and np.isnan(out.loc["E2", "value"])
    assert out.loc["E3", "flag"] == "x" and np.isnan(out.loc["E3", "value"])


def test_per_child_is_hidden_where_the_count_is_suppressed():
    # 1,000,000 / per-child 250,000 would give back a suppressed count of 4
    tidy = _rows(
        [
            ("E1", "2024-25", "spend_per_child_looked_after", 250_000.0, "", "s", 1),
            ("E1", "2025", "cla_31_march", np.nan, "c", "s", 1),
            ("E2", "2024-25", "spend_per_child_looked_after", 90_000.0, "", "s", 1),
            ("E2", "2025", "cla_31_march", 40.0, "", "s", 1),
        ]
    )
    out = hide_per_child(tidy).set_index(["council_code", "measure"])
    assert out.loc[("E1", "spend_per_child_looked_after"), "flag"] == "c"
    assert np.isnan(out.loc[("E1", "spend_per_child_looked_after"), "value"])
    assert out.loc[("E2", "spend_per_child_looked_after"), "value"] == 90_000


@pytest.mark.parametrize("measure", ["spend_cla", "spend_safeguarding", "spend_family_support"])
def test_england_is_the_published_lait_total(tidy, measure):
    # LAIT's England rows (LA Number 970) for 2024-25: TotalLACFinance 8955421269,
    # SafeguardingFinance 3586900940, FamilySupportFinance 1902330547
    expected = {
        "spend_cla": 8_955_421_269,
        "spend_safeguarding": 3_586_900_940,
        "spend_family_support": 1_902_330_547,
    }[measure]
    assert value(tidy, "E92000001", measure, "2024-25") == (expected, "")
