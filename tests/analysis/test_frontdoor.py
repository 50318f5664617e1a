"""Front-door analyses checked against Bristol's 2016-17 tables worked by hand.

Seed: tests/fixtures/seeds/000_585f2650d4a54322.txt, Table 1 (lines 692-704) and Table 2
(lines 714-726), as transcribed in data/examples/. Each expectation is written as the
arithmetic on the seed's numbers, with the seed line quoted.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from cscanalysis.analysis.frontdoor import (
    TIDY_COLUMNS,
    age_band_mismatches,
    age_profile,
    front_door_measures,
    funnel_rates,
    month_on_month,
    rolling_12_months,
    year_on_year,
)
from cscanalysis.sources.monthly import read_monthly_extracts

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "data" / "examples"
BRISTOL = "E06000023"


@pytest.fixture(scope="module")
def bristol() -> pd.DataFrame:
    return read_monthly_extracts(
        [
            EXAMPLES / "bristol_front_door_2016_17.csv",
            EXAMPLES / "bristol_age_at_entry_2016_17.csv",
        ],
        council_code=BRISTOL,
        council_name="Bristol",
    )


def _get(table: pd.DataFrame, period: str, measure: str) -> pd.Series:
    hit = table[(table["period"] == period) & (table["measure"] == measure)]
    assert len(hit) == 1, (period, measure, len(hit))
    return hit.iloc[0]


def _value(table: pd.DataFrame, period: str, measure: str) -> float:
    return float(_get(table, period, measure)["value"])


def test_funnel_august_2016(bristol):
    rates = funnel_rates(bristol)
    assert list(rates.columns) == TIDY_COLUMNS
    # line 693: "Aug-16	1916	349	73	47	47	30	1370"
    assert _value(rates, "2016-08", "contact_to_referral_pct") == pytest.approx(100 * 349 / 1916)
    assert _value(rates, "2016-08", "contact_to_referral_pct") == pytest.approx(18.215, abs=1e-3)
    assert _value(rates, "2016-08", "referral_to_s47_pct") == pytest.approx(100 * 73 / 349)
    assert _value(rates, "2016-08", "s47_to_icpc_pct") == pytest.approx(100 * 47 / 73)
    assert _value(rates, "2016-08", "icpc_to_cpp_pct") == pytest.approx(100.0)
    assert _value(rates, "2016-08", "cpp_to_cla_pct") == pytest.approx(100 * 30 / 47)
    assert _value(rates, "2016-08", "contact_nfa_pct") == pytest.approx(100 * 1370 / 1916)
    assert _value(rates, "2016-08", "contact_nfa_pct") == pytest.approx(71.503, abs=1e-3)
    # 12 months x 6 rates, all with values
    assert len(rates) == 72
    assert (rates["flag"] == "").all()
    assert (rates["council_name"] == "Bristol").all()


def test_funnel_march_2017(bristol):
    rates = funnel_rates(bristol)
    # line 700: "Mar-17	2723	760	142	142	61	29	1589"
    assert _value(rates, "2017-03", "contact_to_referral_pct") == pytest.approx(100 * 760 / 2723)
    assert _value(rates, "2017-03", "icpc_to_cpp_pct") == pytest.approx(100 * 61 / 142)
    assert _value(rates, "2017-03", "cpp_to_cla_pct") == pytest.approx(100 * 29 / 61)


def test_rolling_12_months_and_annual_rates(bristol):
    rolling = rolling_12_months(bristol)
    # only one complete 12-month window in Aug-16..Jul-17: the one ending Jul-17
    assert set(rolling["period"]) == {"2017-07"}
    # Contacts, lines 693-704: 1916+2164+2001+2133+1857+2176+1855+2723+1852+2282+2461+2439
    assert _value(rolling, "2017-07", "contacts_rolling_12m") == 25859
    # Referrals: 349+446+381+452+343+397+360+760+395+558+603+523
    assert _value(rolling, "2017-07", "referrals_rolling_12m") == 5567
    # No further action: 1370+1476+1368+1302+1311+1494+1191+1589+1229+1352+1430+1559
    assert _value(rolling, "2017-07", "nfa_rolling_12m") == 16671
    # Children in Care: 30+29+27+28+18+20+28+29+22+21+21+26
    assert _value(rolling, "2017-07", "cla_starts_rolling_12m") == 299
    # CP starts: 47+44+39+57+57+51+60+61+36+41+59+43
    assert _value(rolling, "2017-07", "cpp_starts_rolling_12m") == 595
    annual = funnel_rates(rolling, suffix="_rolling_12m")
    assert _value(annual, "2017-07", "contact_to_referral_pct_rolling_12m") == pytest.approx(
        100 * 5567 / 25859
    )
    assert _value(annual, "2017-07", "contact_nfa_pct_rolling_12m") == pytest.approx(
        100 * 16671 / 25859
    )
    assert _value(annual, "2017-07", "cpp_to_cla_pct_rolling_12m") == pytest.approx(100 * 299 / 595)


def test_rolling_window_needs_every_month(bristol):
    without_march = bristol[bristol["period"] != "2017-03"]
    assert rolling_12_months(without_march).empty
    three = rolling_12_months(bristol, ["contacts"], months=3)
    # Aug+Sep+Oct 2016, lines 693-695: 1916 + 2164 + 2001
    assert _value(three, "2016-10", "contacts_rolling_3m") == 1916 + 2164 + 2001
    assert len(three) == 10  # windows ending Oct-16 .. Jul-17


def test_month_on_month(bristol):
    change = month_on_month(bristol, ["contacts", "referrals"])
    # lines 693-694: contacts 1916 -> 2164
    assert _value(change, "2016-09", "contacts_mom_change") == 2164 - 1916
    assert _value(change, "2016-09", "contacts_mom_change_pct") == pytest.approx(
        100 * (2164 - 1916) / 1916
    )
    # across the new year, lines 697-698: referrals 343 -> 397
    assert _value(change, "2017-01", "referrals_mom_change") == 397 - 343
    # the first month has no previous month in the data
    assert "2016-08" not in set(change["period"])
    assert len(change) == 2 * 2 * 11


def test_year_on_year_needs_a_year_before(bristol):
    assert year_on_year(bristol).empty  # 12 months only: nothing to compare with
    # An invented August 2017 (not in the seed) against Aug-16 (line 693: contacts 1916)
    extra = pd.DataFrame(
        [
            {
                "council_code": BRISTOL,
                "council_name": "Bristol",
                "period": "2017-08",
                "measure": "contacts",
                "value": 2000.0,
                "flag": "",
                "source": "invented for this test",
            }
        ]
    )
    change = year_on_year(pd.concat([bristol, extra], ignore_index=True), ["contacts"])
    assert set(change["period"]) == {"2017-08"}
    assert _value(change, "2017-08", "contacts_yoy_change") == 2000 - 1916
    assert _value(change, "2017-08", "contacts_yoy_change_pct") == pytest.approx(100 * 84 / 1916)


def test_age_profile(bristol):
    ages = age_profile(bristol)
    # line 715: "Aug-16	5	6	4	11	4" -> 10+ = 11 + 4 = 15 of 30
    assert _value(ages, "2016-08", "cla_starts_age_10_plus") == 15
    assert _value(ages, "2016-08", "cla_starts_age_10_plus_pct") == pytest.approx(100 * 15 / 30)
    assert _value(ages, "2016-08", "cla_starts_age_16_plus_pct") == pytest.approx(100 * 4 / 30)
    # line 719: "Dec-16	4	0	5	6	3" -> 9 of 18 aged 10+, 3 of 18 aged 16+
    assert _value(ages, "2016-12", "cla_starts_age_10_plus_pct") == pytest.approx(50.0)
    assert _value(ages, "2016-12", "cla_starts_age_16_plus_pct") == pytest.approx(100 * 3 / 18)
    # the year (lines 715-726): under 1 = 48, 1-4 = 41, 5-9 = 44, 10-15 = 96, 16-17 = 64,
    # total 293; 10+ = 160 (54.6%), 16+ = 64 (21.8%)
    year = age_profile(rolling_12_months(bristol), suffix="_rolling_12m")
    assert _value(year, "2017-07", "cla_starts_age_10_plus_rolling_12m") == 160
    assert _value(year, "2017-07", "cla_starts_age_10_plus_pct_rolling_12m") == pytest.approx(
        100 * 160 / 293
    )
    assert _value(year, "2017-07", "cla_starts_age_16_plus_pct_rolling_12m") == pytest.approx(
        100 * 64 / 293
    )


def test_bristol_tables_disagree_in_five_months(bristol):
    # Table 1 "Children in Care" minus the sum of Table 2's bands:
    # Feb-17 28 - (7+3+6+6+5=27) = 1; Mar-17 29 - (2+4+5+13+3=27) = 2;
    # Apr-17 22 - (4+1+1+8+7=21) = 1; Jun-17 21 - (1+5+2+5+7=20) = 1; Jul-17 26 - (4+5+5+7+4=25) = 1
    mismatches = age_band_mismatches(bristol)
    assert dict(zip(mismatches["period"], mismatches["difference"], strict=True)) == {
        "2017-02": 1,
        "2017-03": 2,
        "2017-04": 1,
        "2017-06": 1,
        "2017-07": 1,
    }


def _rows(values: dict[tuple[str, str], tuple[float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "council_code": BRISTOL,
                "council_name": "Bristol",
                "period": p,
                "measure": m,
                "value": v,
                "flag": f,
                "source": "test",
            }
            for (p, m), (v, f) in values.items()
        ]
    )


def test_suppressed_and_zero_inputs_are_not_zeros():
    rows = _rows(
        {
            ("2016-08", "contacts"): (1916.0, ""),
            ("2016-08", "referrals"): (math.nan, "c"),
            ("2016-09", "contacts"): (0.0, ""),
            ("2016-09", "referrals"): (0.0, ""),
        }
    )
    rates = funnel_rates(rows)
    aug = _get(rates, "2016-08", "contact_to_referral_pct")
    assert math.isnan(aug["value"]) and aug["flag"] == "c"
    sep = _get(rates, "2016-09", "contact_to_referral_pct")
    assert math.isnan(sep["value"]) and sep["flag"] == "z"
    change = month_on_month(rows, ["contacts", "referrals"])
    assert _value(change, "2016-09", "contacts_mom_change") == -1916
    assert _get(change, "2016-09", "referrals_mom_change")["flag"] == "c"
    zero = _get(
        month_on_month(_rows({("2016-08", "nfa"): (0.0, ""), ("2016-09", "nfa"): (5.0, "")})),
        "2016-09",
        "nfa_mom_change_pct",
    )
    assert math.isnan(zero["value"]) and zero["flag"] == "z"


def test_duplicate_rows_are_refused():
    rows = _rows({("2016-08", "contacts"): (1.0, "")})
    with pytest.raises(ValueError, match="given twice"):
        funnel_rates(pd.concat([rows, rows]))


def test_everything_at_once(bristol):
    allm = front_door_measures(bristol)
    assert list(allm.columns) == TIDY_COLUMNS
    assert not allm.duplicated(["council_code", "period", "measure"]).any()
    assert _value(allm, "2017-07", "contact_to_referral_pct_rolling_12m") == pytest.approx(
        100 * 5567 / 25859
    )
    assert _value(allm, "2016-08", "cla_starts_age_10_plus_pct") == pytest.approx(50.0)
