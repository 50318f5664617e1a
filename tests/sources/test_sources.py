"""Readers against figures read by hand from the raw files (each quoted beside its test)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cscanalysis.sources import read_cin, read_cla, read_population, read_workforce
from tests.conftest import RAW, raw_record


@pytest.fixture(scope="module")
def cla():
    return read_cla(RAW)


def value(rows: pd.DataFrame, code: str, measure: str, period: str, release: float | None = None):
    hit = rows[(rows.council_code == code) & (rows.measure == measure) & (rows.period == period)]
    if release is not None:
        hit = hit[hit.release == release]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_sfr_2017_bristol_and_hammersmith(cla):
    # SFR50_CLA2017.csv: 160,E06000023,LA,801,"Bristol, City of",684,...
    assert value(cla, "E06000023", "cla_31_march", "2017").value == 684
    # 104,E09000013,LA,205,Hammersmith and Fulham,215,... (LAIT later revised it to 221)
    assert value(cla, "E09000013", "cla_31_march", "2017").value == 215


def test_sfr_2013_old_gateshead_code_maps_to_new(cla):
    # SFR36_CLA2013.csv: E08000020,LA,390,Gateshead,388
    assert value(cla, "E08000037", "cla_31_march", "2013").value == 388
    assert not (cla.council_code == "E08000020").any()


def test_sfr_2010_has_no_codes_but_numbers(cla):
    # SFR27_2010_March.csv has only LA numbers; Bristol (801) had 648 at 31 March 2010
    record = raw_record("cla/sfr_2010/SFR27_2010_March.csv", geog_c="801")
    assert record["MarTotal_2010"] == "648"
    row = value(cla, "E06000023", "cla_31_march", "2010")
    assert row.value == 648
    assert value(cla, "E06000023", "population_0_17", "2010").value == float(
        record["Mid2009Pop0-17"]
    )


def test_sfr_2015_mislabelled_starts_column_is_read_as_2015(cla):
    # SFR34_ADM2015.csv heads its 2015 starts column CLA_started2014 (a DfE erratum)
    record = raw_record("cla/sfr_2015/SFR34_ADM2015.csv", geog_c="801")
    assert value(cla, "E06000023", "cla_starts", "2015").value == float(record["CLA_started2014"])


def test_sfr_suppression_symbol_is_a_flag_not_zero(cla):
    # 2010 England's Q1 placement count is published as x
    flagged = cla[cla.flag == "x"]
    assert len(flagged) > 0
    assert flagged.value.isna().all()


def test_ees_releases_restate_years_and_disagree(cla):
    # Bristol 2022: RY2022 file says 691, RY2023 onwards say 690
    assert value(cla, "E06000023", "cla_31_march", "2022", 2022).value == 691
    assert value(cla, "E06000023", "cla_31_march", "2022", 2025).value == 690
    # BCP 2023: RY2023 516, RY2025 518 (cla_number_and_rate files)
    assert value(cla, "E06000058", "cla_31_march", "2023", 2023).value == 516
    assert value(cla, "E06000058", "cla_31_march", "2023", 2025).value == 518


def test_ees_2019_reorganisation_rows(cla):
    # RY2023: Bournemouth 248 in 2019 with population and rate 'x'; BCP 'z' in 2019
    assert value(cla, "E06000028", "cla_31_march", "2019", 2023).value == 248
    rate = value(cla, "E06000028", "cla_rate_per_10k", "2019", 2023)
    assert math.isnan(rate.value) and rate.flag == "x"
    bcp = value(cla, "E06000058", "cla_31_march", "2019", 2023)
    assert math.isnan(bcp.value) and bcp.flag == "z"


def test_ees_ry2025_renamed_columns_read(cla):
    # RY2025 renames number -> children_count; Bristol 2023 = 732, rate 80
    assert value(cla, "E06000023", "cla_31_march", "2023", 2025).value == 732
    assert value(cla, "E06000023", "cla_rate_per_10k", "2023", 2025).value == 80


def test_north_yorkshire_recoded_between_releases(cla):
    # RY2023 lists North Yorkshire as E10000023, RY2025 as E06000065: both land on one code
    assert (
        value(cla, "E06000065", "cla_31_march", "2022", 2023).value
        == value(cla, "E06000065", "cla_31_march", "2022", 2025).value
    )
    assert not (cla.council_code == "E10000023").any()


def test_starts_by_age_2022_from_ees():
    rows = read_cla(RAW)
    record = raw_record(
        "cla/ees_ry2022/la_cla_who_started_to_be_looked_after.csv",
        time_period="2022",
        new_la_code="E06000023",
        cla_group="Age group",
        characteristic="16 years and over",
    )
    assert value(rows, "E06000023", "cla_starts_age_16_plus", "2022").value == float(
        record["number"]
    )


def test_cin_bristol_2023():
    rows = read_cin(RAW)
    # c1: 2023 ... "Bristol, City of",Referrals and Re-referrals,4035,909,22.5,658,16.3,...
    assert value(rows, "E06000023", "referrals", "2023").value == 4035
    assert value(rows, "E06000023", "rereferrals", "2023").value == 909
    assert value(rows, "E06000023", "rereferral_pct", "2023").value == 22.5
    record = raw_record(
        "cin/d5_cpps_at31march_by_duration_2013_to_2025.csv",
        time_period="2023",
        new_la_code="E06000023",
    )
    assert value(rows, "E06000023", "cpp_31_march", "2023").value == float(record["CPP_At31"])


def test_cin_hackney_x_years_are_flags():
    rows = read_cin(RAW)
    hackney = value(rows, "E09000012", "referrals", "2021")
    assert math.isnan(hackney.value) and hackney.flag == "x"


def test_population_is_stored_for_the_year_it_is_a_denominator():
    rows = read_population(RAW)
    # mid-2018 estimate for Bristol, 93,050, is the denominator for 2019 (SOURCE_README)
    assert value(rows, "E06000023", "population_0_17", "2019").value == 93050


def test_workforce_shared_service_rates_go_to_both_councils():
    rows = read_workforce(RAW)
    # csww_indicators 2022: Kingston / Richmond combined row, caseload_fte 13.1 (hand-read)
    record = raw_record(
        "workforce/csww_indicators_2017_to_2025.csv",
        time_period="2022",
        new_la_code="E09000021 / E09000027",
    )
    latest = rows[rows.release == 2025]
    for code in ("E09000021", "E09000027"):
        assert value(latest, code, "sw_caseload", "2022-09").value == float(record["caseload_fte"])
        assert latest[
            (latest.council_code == code)
            & (latest.measure == "sw_fte")
            & (latest.period == "2022-09")
        ].empty


def test_workforce_low_symbol_kept():
    rows = read_workforce(RAW)
    # Sunderland agency_rate_fte is 'low' in 2023 to 2025
    sunderland = value(rows[rows.release == 2025], "E08000024", "sw_agency_rate", "2023-09")
    assert math.isnan(sunderland.value) and sunderland.flag == "low"
