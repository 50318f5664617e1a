"""Placement stability and new placements, checked against the published RY2022 and RY2025 files."""

from __future__ import annotations

from cscanalysis.packs.evidence import outlook as evidence_outlook
from cscanalysis.sources.placements import read_placements
from tests.conftest import RAW, raw_record

BRISTOL = "E06000023"
STABILITY = "cla/ees_ry2025/la_cla_placement_stability.csv"


def test_bristol_placement_measures_as_published():
    rows = read_placements(RAW)
    bristol = rows[(rows["council_code"] == BRISTOL) & (rows["period"] == "2025")]
    got = dict(zip(bristol["measure"], bristol["value"], strict=True))
    # la_cla_placement_stability.csv, 2025, Bristol: "CLA on 31 March, With 3 or more placements
    # during the year, 61, 8"; long-term: "Living with the same carer for at least 2 years,
    # 184, 68" out of "Total children 269"
    assert got["cla_3_plus_placements"] == 61
    assert got["cla_3_plus_placements_pct"] == 8
    assert got["cla_long_term_stable"] == 184
    assert got["cla_long_term_stable_pct"] == 68
    assert got["cla_long_term_group"] == 269
    # la_cla_during_year_new_placements.csv, 2025, Bristol: total 727; outside the boundary and
    # more than 20 miles 193 (27%); distance not known "c"
    assert got["new_placements"] == 727
    assert got["new_placements_out_far"] == 193
    assert got["new_placements_out_far_pct"] == 27
    unknown = bristol[bristol["measure"] == "new_placements_distance_unknown"]
    assert unknown["flag"].item() == "c" and unknown["value"].isna().all()


def test_three_placements_before_2021_come_from_the_ry2022_release(tidy):
    record = raw_record(
        "cla/ees_ry2022/la_cla_at_31_march_placement_stability_indicator.csv",
        time_period="2018",
        la_name="Bristol, City of",
        characteristic="With 3 or more placements during the year",
    )
    row = tidy[
        (tidy["council_code"] == BRISTOL)
        & (tidy["measure"] == "cla_3_plus_placements")
        & (tidy["period"] == "2018")
    ]
    assert row["value"].item() == float(record["number"])  # 62 in the file
    assert "RY2022" in row["source"].item()
    # 2022 is in both releases (RY2022: 50, RY2025: 52): the latest release wins.
    row = tidy[
        (tidy["council_code"] == BRISTOL)
        & (tidy["measure"] == "cla_3_plus_placements")
        & (tidy["period"] == "2022")
    ]
    assert row["value"].item() == 52 and "RY2025" in row["source"].item()


def test_long_term_stability_is_not_read_from_the_older_definition(tidy):
    # RY2022 counted the same placement, RY2025 the same carer: different measures.
    years = set(tidy.loc[tidy["measure"] == "cla_long_term_stable_pct", "period"])
    assert min(years) == "2021"


def test_ceased_2018_is_published_and_in_the_table(tidy):
    # SOURCE_README: la_children_who_ceased_during_year.csv is "the only LA-level source here
    # for 2018 ceased (Bristol 286)"
    row = tidy[
        (tidy["council_code"] == BRISTOL)
        & (tidy["measure"] == "cla_ceased")
        & (tidy["period"] == "2018")
    ]
    assert row["value"].item() == 286


def test_every_council_has_ceased_for_2018(tidy, register):
    ceased = tidy[(tidy["measure"] == "cla_ceased") & (tidy["period"] == "2018")]
    councils = {c.code for c in register.councils(2018)}
    assert councils <= set(ceased["council_code"])


def test_the_newest_year_is_2025_for_the_headline_counts(tidy):
    # The check: Bristol 764 (2024) and 753 (2025); Cumberland 482 and 458; England
    # 81,770 (2025), from cla/ees_ry2025/cla_number_and_rate_per_10k_children.csv
    def v(code, period):
        row = tidy[
            (tidy["council_code"] == code)
            & (tidy["measure"] == "cla_31_march")
            & (tidy["period"] == period)
        ]
        return row["value"].item()

    assert (v(BRISTOL, "2024"), v(BRISTOL, "2025")) == (764, 753)
    assert (v("E06000063", "2024"), v("E06000063", "2025")) == (482, 458)
    assert v("E92000001", "2025") == 81_770
    record = raw_record(STABILITY, time_period="2025", la_name="Bristol, City of")
    assert record  # the file is the whole RY2025 release


def test_a_successor_says_how_its_short_history_is_forecast(tidy, register):
    from cscanalysis.packs.evidence import content as evidence
    from cscanalysis.packs.evidence import outlook as evidence_outlook

    ctx = evidence.prepare(tidy, register, "Cumberland", "2025")
    found = evidence_outlook.outlook(ctx)
    text = " ".join(evidence_outlook.outlook_facts(ctx, found))
    # Cumberland's first reporting year is 2024 (RY2025 file: z for 2023, 482 for 2024)
    assert "since the year ending 31 March 2024" in text
    assert "own 2 published years only" in text and "Cumbria" in text


def test_an_abolished_council_gets_no_forecast_past_its_abolition(tidy, register):
    from cscanalysis.packs.evidence import content as evidence

    ctx = evidence.prepare(tidy, register, "Cumbria", "2023")
    found = evidence_outlook.outlook(ctx)
    assert found.status == "ended" and found.forecast.empty
    text = " ".join(evidence_outlook.outlook_facts(ctx, found))
    assert "Cumberland and Westmorland and Furness" in text and "past 2023" in text


def test_a_renamed_breakdown_is_an_error_not_a_lost_measure(raw_copy):
    import pytest

    from cscanalysis.core.errors import DataError

    path = raw_copy / STABILITY
    text = path.read_bytes().decode("utf-8-sig")
    path.write_text(text.replace("With 3 or more placements during the year", "Three or more"))
    with pytest.raises(DataError) as caught:
        read_placements(raw_copy)
    assert caught.value.file == STABILITY and "cla_3_plus_placements" in str(caught.value)
