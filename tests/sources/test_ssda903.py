"""SSDA903 reader, validation report and derived measures.

Data: data/raw/ssda903/sample_la/, a SYNTHETIC five-year single-council sample (the
Children's Services Demand Model's test data, MIT); no real child is in it. Derived counts are
checked against a separate count written with the csv module and plain dictionaries, and a few
children are traced by hand from their rows (quoted). Hostile inputs are small files written
here, one test per failure mode.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cscanalysis.analysis.ssda903 import (
    TIDY_COLUMNS,
    ceased_in,
    looked_after_on,
    placement_group,
    ssda903_measures,
    starts_in,
)
from cscanalysis.core.errors import DataError
from cscanalysis.sources.ssda903 import (
    REPORT_COLUMNS,
    read_ssda903,
)
from cscanalysis.sources.ssda903_files import (
    codes_in_force,
    collection_year,
    parse_dates,
    return_year,
    year_bounds,
)

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw" / "ssda903" / "sample_la"
SOURCE = "SSDA903 synthetic sample (cs-demand-model test data, MIT): not a real council"
CODE = "E99999999"


@pytest.fixture(scope="module")
def sample():
    return read_ssda903(SAMPLE)


@pytest.fixture(scope="module")
def measures(sample):
    """The revised basis (every return combined, later returns' versions winning): the counts
    below are worked out that way; the default basis, each year as returned, is tested in
    test_ssda903_returned.py."""
    return ssda903_measures(sample, council_code=CODE, source=SOURCE, basis="revised")


def _m(measures: pd.DataFrame, year: int, measure: str) -> float:
    hit = measures[(measures["period"] == str(year)) & (measures["measure"] == measure)]
    assert len(hit) == 1, (year, measure)
    return float(hit["value"].iloc[0])


# --- an independent count of the sample, with the csv module ---------------------------------


def _date(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None


@pytest.fixture(scope="module")
def independent():
    """Counts per year ending 31 March, from plain dicts.

    The file named NNNN holds the return for the year ending 31 March NNNN+1 (its dates run
    from April NNNN to March NNNN+1; see test_years_come_from_dates). Episodes are keyed on
    (CHILD, DECOM); a later file's row replaces an earlier one. An open episode counts as open
    on 31 March Y only if a return for Y or later holds it.
    """
    latest: dict[tuple[str, str], dict[str, str]] = {}
    last_seen: dict[tuple[str, str], int] = {}
    dob: dict[str, dt.date] = {}
    for name in range(2017, 2022):
        year = name + 1
        with open(SAMPLE / f"{name}-episodes.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                latest[(row["CHILD"], row["DECOM"])] = row
                last_seen[(row["CHILD"], row["DECOM"])] = year
        with open(SAMPLE / f"{name}-header.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                dob[row["CHILD"]] = _date(row["DOB"])
    counts = {}
    for year in range(2018, 2023):
        start, end = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
        open_on_31: dict[str, tuple[dt.date, str, str]] = {}
        first_start: dict[str, dt.date] = {}
        ceased = set()
        for key, row in latest.items():
            child = row["CHILD"]
            decom, dec = _date(row["DECOM"]), _date(row["DEC"])
            if (
                decom <= end
                and ((dec is not None and dec > end) or (dec is None and last_seen[key] >= year))
                and (child not in open_on_31 or open_on_31[child][0] < decom)
            ):
                open_on_31[child] = (decom, row["PLACE"], row["PLACE_PROVIDER"])
            if (
                row["RNE"] == "S"
                and start <= decom <= end
                and (child not in first_start or decom < first_start[child])
            ):
                first_start[child] = decom
            if dec is not None and start <= dec <= end and row["REC"] != "X1":
                ceased.add(child)
        ages = Counter()
        for child, decom in first_start.items():
            born = dob[child]
            age = decom.year - born.year - ((decom.month, decom.day) < (born.month, born.day))
            band = (
                "under_1"
                if age < 1
                else "1_to_4"
                if age < 5
                else "5_to_9"
                if age < 10
                else "10_to_15"
                if age < 16
                else "16_plus"
            )
            ages[band] += 1
        places = Counter()
        for _, place, provider in open_on_31.values():
            if place in ("U1", "U2", "U3", "U4", "U5", "U6"):
                places["fostering"] += 1
                places[
                    "fostering_in_house"
                    if provider == "PR1"
                    else "fostering_agency"
                    if provider in ("PR4", "PR5")
                    else "fostering_other_provider"
                ] += 1
            elif place in ("K2", "R1"):
                places["residential"] += 1
            elif place in ("H5", "P2", "K3"):
                places["supported"] += 1
            else:
                places["other"] += 1
        counts[year] = {
            "cla_31_march": len(open_on_31),
            "cla_starts": len(first_start),
            "cla_ceased": len(ceased),
            "ages": ages,
            "places": places,
        }
    return counts


def test_years_come_from_dates(sample):
    # 2017-episodes.csv holds DECOMs up to 31/03/2018 and DECs from 02/04/2017: it is the
    # return for the year ending 31 March 2018, whatever its name says
    assert sample.years == {
        "2017-episodes.csv": 2018,
        "2018-episodes.csv": 2019,
        "2019-episodes.csv": 2020,
        "2020-episodes.csv": 2021,
        "2021-episodes.csv": 2022,
    }


def test_episodes_are_deduplicated(sample):
    keys = set()
    rows = 0
    for name in range(2017, 2022):
        with open(SAMPLE / f"{name}-episodes.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                keys.add((row["CHILD"], row["DECOM"]))
                rows += 1
    assert rows == 3737  # 1460 + 974 + 648 + 402 + 253 lines under the headers
    assert len(sample.episodes) == len(keys) == 2827
    assert not sample.episodes.duplicated(["CHILD", "DECOM"]).any()
    assert sample.excluded == 0  # the sample has no unusable rows
    assert len(sample.header) == 820


def test_counts_match_an_independent_count(measures, independent):
    for year, expected in independent.items():
        assert _m(measures, year, "cla_31_march") == expected["cla_31_march"], year
        assert _m(measures, year, "cla_starts") == expected["cla_starts"], year
        assert _m(measures, year, "cla_ceased") == expected["cla_ceased"], year
        for band in ("under_1", "1_to_4", "5_to_9", "10_to_15", "16_plus"):
            assert _m(measures, year, f"cla_starts_age_{band}") == expected["ages"][band]
        assert _m(measures, year, "cla_starts_age_10_plus") == (
            expected["ages"]["10_to_15"] + expected["ages"]["16_plus"]
        )
        for group in (
            "fostering",
            "residential",
            "supported",
            "other",
            "fostering_in_house",
            "fostering_agency",
            "fostering_other_provider",
        ):
            assert _m(measures, year, f"cla_31_march_{group}") == expected["places"][group]


def test_headline_counts_of_the_sample(measures):
    # the independent count above gives these (revised basis); written out so a change is
    # visible. Each year's own return says 434, 234, 161, 103, 62 (test_ssda903_returned.py)
    assert [_m(measures, y, "cla_31_march") for y in range(2018, 2023)] == [550, 341, 214, 137, 62]
    # starts equal what each return alone says (children with RNE S starting in its year)
    assert [_m(measures, y, "cla_starts") for y in range(2018, 2023)] == [182, 15, 10, 12, 4]


def test_measure_rows_are_tidy(measures):
    assert list(measures.columns) == TIDY_COLUMNS
    assert (measures["source"] == SOURCE).all()
    assert (measures["council_code"] == CODE).all()
    assert not measures.duplicated(["period", "measure"]).any()
    with pytest.raises(ValueError):
        ssda903_measures(read_ssda903(SAMPLE), council_code=CODE, source=" ")


def test_child_296227_traced_by_hand(sample, measures):
    # 2017-episodes.csv line 3: 296227,11/09/2017,S,C1,N2,U5,PR4,13/09/2017,X1,PLACE,...
    #                   line 4: 296227,13/09/2017,P,C1,N2,U4,PR1,,X1,,...
    # 2018-episodes.csv line 2: 296227,13/09/2017,P,C1,N2,U4,PR1,02/10/2018,X1,,...
    #                   line 3: 296227,02/10/2018,L,V3,N2,U4,PR1,01/11/2018,E17,,...
    # 2017-header.csv line 3: 296227,2,23/06/2002,...
    eps = sample.episodes[sample.episodes["CHILD"] == "296227"]
    assert list(eps["DECOM"].dt.strftime("%d/%m/%Y")) == ["11/09/2017", "13/09/2017", "02/10/2018"]
    # the episode in both returns is kept in its later (closed) version
    kept = eps[eps["DECOM"] == pd.Timestamp(2017, 9, 13)].iloc[0]
    assert (kept["DEC"], kept["file"], kept["row"]) == (
        pd.Timestamp(2018, 10, 2),
        "2018-episodes.csv",
        2,
    )
    assert (kept["first_year"], kept["last_year"]) == (2018, 2019)
    # so: a start in 2017-18 aged 15 (born 23/06/2002, started 11/09/2017), looked after on
    # 31/03/2018 in U4 with PR1 (in-house fostering), ceased 01/11/2018 (E17) in 2018-19
    assert "296227" in set(starts_in(sample.episodes, 2018)["CHILD"])
    at_31 = looked_after_on(sample.episodes, pd.Timestamp(2018, 3, 31)).set_index("CHILD")
    placed = at_31.loc["296227"]
    assert (placed["PLACE"], placed["PLACE_PROVIDER"]) == ("U4", "PR1")
    assert "296227" in set(ceased_in(sample.episodes, 2019)["CHILD"])
    assert "296227" not in set(looked_after_on(sample.episodes, pd.Timestamp(2019, 3, 31))["CHILD"])


def test_child_missing_from_later_returns_is_reported_not_kept_in_care(sample):
    # 2019-episodes.csv line 52: 184159,01/05/2019,P,C1,N3,K2,PR4,,X1,,...  (open at 31/03/2020)
    # no line for 184159 in 2020-episodes.csv or 2021-episodes.csv (only header rows)
    report = sample.report
    hit = report[(report["child"] == "184159") & (report["rule"] == "missing_from_next_return")]
    assert list(zip(hit["file"], hit["row"], strict=True)) == [("2019-episodes.csv", 52)]
    on_2020 = set(looked_after_on(sample.episodes, pd.Timestamp(2020, 3, 31))["CHILD"])
    on_2021 = set(looked_after_on(sample.episodes, pd.Timestamp(2021, 3, 31))["CHILD"])
    assert "184159" in on_2020
    assert "184159" not in on_2021
    # and header rows without episodes in the two later returns (2020-header.csv line 22,
    # 2021-header.csv line 13) -- and in the first (2017-header.csv line 83, before its
    # first episode, 2018-episodes.csv line 100: 184159,22/12/2013,...)
    idle = report[
        (report["child"] == "184159") & (report["rule"] == "header_child_without_episodes")
    ]
    assert set(zip(idle["file"], idle["row"], strict=True)) == {
        ("2017-header.csv", 83),
        ("2020-header.csv", 22),
        ("2021-header.csv", 13),
    }


def test_child_closed_by_a_later_return_counts_in_between(sample):
    # 2017-episodes.csv line 8: 62551,25/03/2018,S,V2,N2,U4,PR4,,E9,...  (open)
    # 2021-episodes.csv line 2: 62551,25/03/2018,S,V2,N2,U4,PR4,13/08/2021,E9,...
    # missing from the 2018, 2019 and 2020 episodes files: reported, but the latest return
    # says the episode ran to 13/08/2021, so 62551 is looked after on 31 March 2018 to 2021
    report = sample.report
    hit = report[(report["child"] == "62551") & (report["rule"] == "missing_from_next_return")]
    assert list(zip(hit["file"], hit["row"], strict=True)) == [("2017-episodes.csv", 8)]
    for year, expected in [(2018, True), (2019, True), (2020, True), (2021, True), (2022, False)]:
        on = set(looked_after_on(sample.episodes, pd.Timestamp(year, 3, 31))["CHILD"])
        assert ("62551" in on) is expected, year


def test_sample_report_names_file_row_child_rule(sample):
    report = sample.report
    assert list(report.columns) == REPORT_COLUMNS
    # 2017-episodes.csv line 65: 319688,11/11/2017,P,...,01/04/2018,... -- a day after the year
    hit = report[(report["rule"] == "end_after_return_year") & (report["child"] == "319688")]
    assert list(zip(hit["file"], hit["row"], strict=True)) == [("2017-episodes.csv", 65)]
    assert "01/04/2018" in hit["detail"].iloc[0]
    assert (report["action"] == "kept").all()
    rules = set(report["rule"])
    assert {
        "overlapping_episodes",
        "missing_from_next_return",
        "missing_from_previous_return",
        "header_child_without_episodes",
    } <= rules


def test_code_lists_change_over_time():
    assert {"1", "2"} <= codes_in_force("SEX", 2024)
    assert "M" not in codes_in_force("SEX", 2024)
    assert codes_in_force("SEX", 2025) == {"M", "F", "U"}
    assert "K3" not in codes_in_force("PLACE", 2025)
    assert "K3" in codes_in_force("PLACE", 2026)
    assert {"H5", "P2", "Z1"} <= codes_in_force("PLACE", 2025)
    assert not {"H5", "P2", "Z1"} & codes_in_force("PLACE", 2026)


def test_placement_groups():
    assert [
        placement_group(c)
        for c in ["U1", "U6", "K2", "R1", "H5", "P2", "K3", "K1", "P3", "A4", "QQ"]
    ] == [
        "fostering",
        "fostering",
        "residential",
        "residential",
        "supported",
        "supported",
        "supported",
        "other",
        "other",
        "other",
        "unknown",
    ]


def test_return_year_ignores_a_stray_date():
    dates = pd.to_datetime(
        pd.Series(["02/04/2017", "31/10/2017", "13/09/2017", "01/04/2018"]), format="%d/%m/%Y"
    )
    decom = pd.to_datetime(
        pd.Series(["09/04/2017", "11/09/2017", "01/01/2016", "11/11/2017"]), format="%d/%m/%Y"
    )
    assert return_year(decom, dates) == 2018
    assert return_year(decom, pd.Series([pd.NaT] * 4)) == 2018  # the latest DECOM, 11/11/2017


# --- hostile inputs: small returns written here ----------------------------------------------

EP_HEAD = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST"
)
HD_HEAD = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"


def _return(folder: Path, name: str, episodes: list[str], header: list[str]) -> None:
    (folder / f"{name}-episodes.csv").write_text("\n".join([EP_HEAD, *episodes]) + "\n")
    (folder / f"{name}-header.csv").write_text("\n".join([HD_HEAD, *header]) + "\n")


def _rules(data, rule: str) -> pd.DataFrame:
    return data.report[data.report["rule"] == rule]


GOOD = "1,01/05/2019,S,C2,N1,U4,PR1,,,,A1 1AA,A1 2AA"  # open episode, year 2019-20
GOOD_HEAD = "1,1,01/01/2010,WBRI,,,"


def test_episode_ending_before_it_starts(tmp_path):
    _return(
        tmp_path,
        "a",
        [GOOD, "2,10/06/2019,S,C2,N1,U4,PR1,01/06/2019,E13,,,"],
        [GOOD_HEAD, "2,2,01/01/2012,WBRI,,,"],
    )
    data = read_ssda903(tmp_path)
    hit = _rules(data, "end_before_start")
    assert list(zip(hit["file"], hit["row"], hit["child"], hit["action"], strict=True)) == [
        ("a-episodes.csv", 3, "2", "excluded")
    ]
    assert "01/06/2019" in hit["detail"].iloc[0]
    assert data.excluded == 1
    assert set(data.episodes["CHILD"]) == {"1"}  # the rest is kept


def test_overlapping_episodes(tmp_path):
    _return(
        tmp_path,
        "a",
        [
            "1,01/05/2019,S,C2,N1,U4,PR1,01/09/2019,X1,,,",
            "1,01/08/2019,P,C2,N1,U6,PR4,,,,,",  # starts before the first ends
        ],
        [GOOD_HEAD],
    )
    data = read_ssda903(tmp_path)
    hit = _rules(data, "overlapping_episodes")
    assert list(zip(hit["file"], hit["row"], hit["child"], strict=True)) == [
        ("a-episodes.csv", 3, "1")
    ]
    assert "01/09/2019" in hit["detail"].iloc[0]
    assert len(data.episodes) == 2  # reported, not removed
    # counted once; its placement on 31 March is the episode that started last
    out = ssda903_measures(data, council_code=CODE, source="test")
    assert _m(out, 2020, "cla_31_march") == 1
    assert _m(out, 2020, "cla_31_march_fostering_agency") == 1


def test_unknown_placement_code(tmp_path):
    _return(
        tmp_path,
        "a",
        [GOOD, "2,01/06/2019,S,C2,N1,Q9,PR1,,,,,"],
        [GOOD_HEAD, "2,2,01/01/2012,WBRI,,,"],
    )
    data = read_ssda903(tmp_path)
    hit = _rules(data, "unknown_code")
    assert list(zip(hit["row"], hit["child"], hit["action"], strict=True)) == [(3, "2", "kept")]
    assert "PLACE 'Q9'" in hit["detail"].iloc[0]
    out = ssda903_measures(data, council_code=CODE, source="test")
    assert _m(out, 2020, "cla_31_march") == 2
    assert _m(out, 2020, "cla_31_march_placement_unknown") == 1


def test_codes_checked_against_the_year(tmp_path):
    # 2025-26 return: K3 is new, H5 retired for new episodes, SEX is M/F/U
    _return(
        tmp_path,
        "a",
        [
            "1,01/05/2025,S,C2,N1,K3,PR1,,,,,",
            "2,01/05/2025,S,C2,N1,H5,PR1,,,,,",  # H5 started in 2025-26: not allowed
            "3,01/05/2024,S,C2,N1,H5,PR1,,,,,",  # H5 started in 2024-25: still fine
        ],
        ["1,M,01/01/2010,,,,", "2,F,01/01/2010,,,,", "3,1,01/01/2010,,,,"],
    )
    data = read_ssda903(tmp_path)
    assert data.years == {"a-episodes.csv": 2026}
    hit = _rules(data, "unknown_code")
    assert list(zip(hit["file"], hit["row"], hit["child"], strict=True)) == [
        ("a-episodes.csv", 3, "2"),
        ("a-header.csv", 4, "3"),
    ]
    assert "SEX '1'" in hit["detail"].iloc[1]


def test_header_not_matching_episodes(tmp_path):
    _return(
        tmp_path,
        "a",
        [GOOD, "7,01/06/2019,S,C2,N1,U4,PR1,,,,,"],
        [GOOD_HEAD, "8,2,01/01/2012,WBRI,,,"],
    )
    data = read_ssda903(tmp_path)
    orphan = _rules(data, "child_not_in_header")
    assert list(zip(orphan["file"], orphan["row"], orphan["child"], strict=True)) == [
        ("a-episodes.csv", 3, "7")
    ]
    idle = _rules(data, "header_child_without_episodes")
    assert list(zip(idle["file"], idle["row"], idle["child"], strict=True)) == [
        ("a-header.csv", 3, "8")
    ]
    out = ssda903_measures(data, council_code=CODE, source="test")
    assert _m(out, 2020, "cla_starts") == 2
    assert _m(out, 2020, "cla_starts_age_unknown") == 1  # child 7 has no date of birth


def test_missing_and_unreadable_dates(tmp_path):
    _return(
        tmp_path,
        "a",
        [
            GOOD,
            "2,,S,C2,N1,U4,PR1,,,,,",
            "3,31/02/2019,S,C2,N1,U4,PR1,,,,,",
            "4,01/06/2019,S,C2,N1,U4,PR1,2019-13-01,E13,,,",
        ],
        [GOOD_HEAD, "2,2,,,,,", "3,1,01/01/2011,,,,", "4,1,01/01/2011,,,,"],
    )
    data = read_ssda903(tmp_path)
    report = data.report
    got = set(zip(report["rule"], report["file"], report["row"], report["action"], strict=True))
    assert {
        ("missing_date", "a-episodes.csv", 3, "excluded"),
        ("invalid_date", "a-episodes.csv", 4, "excluded"),
        ("invalid_date", "a-episodes.csv", 5, "excluded"),
        ("missing_date", "a-header.csv", 3, "kept"),
    } <= got
    assert data.excluded == 3
    assert list(data.episodes["CHILD"]) == ["1"]


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    _return(
        tmp_path,
        "a",
        [
            GOOD,
            "2,10/06/2019,S,C2,N1,U4,PR1,01/06/2019,E13,,,",  # end before start
            "3,01/06/2019,S,C2,N1,ZZ,PR9,,,,,",  # two unknown codes
            ",01/06/2019,S,C2,N1,U4,PR1,,,,,",  # no child
            "1,01/05/2019,S,C2,N1,U4,PR1,,,,,",  # duplicate of line 2
        ],
        [GOOD_HEAD, "2,2,01/01/2012,,,,", "3,2,01/01/2012,,,,"],
    )
    data = read_ssda903(tmp_path)
    report = data.report
    got = sorted(zip(report["row"], report["rule"], strict=True))
    assert (3, "end_before_start") in got
    assert sum(1 for row, rule in got if (row, rule) == (4, "unknown_code")) == 2
    assert (5, "missing_child") in got
    assert (6, "duplicate_episode") in got
    assert data.excluded == 3


def test_open_episode_missing_from_next_return(tmp_path):
    _return(
        tmp_path,
        "y1",
        ["1,01/05/2019,S,C2,N1,U4,PR1,,,,,", "2,01/06/2019,S,C2,N1,U4,PR1,,,,,"],
        [GOOD_HEAD, "2,2,01/01/2012,,,,"],
    )
    _return(
        tmp_path, "y2", ["2,01/06/2019,S,C2,N1,U4,PR1,01/07/2020,E13,,,"], ["2,2,01/01/2012,,,,"]
    )
    data = read_ssda903(tmp_path)
    assert data.years == {"y1-episodes.csv": 2020, "y2-episodes.csv": 2021}
    hit = _rules(data, "missing_from_next_return")
    assert list(zip(hit["file"], hit["row"], hit["child"], strict=True)) == [
        ("y1-episodes.csv", 2, "1")
    ]
    out = ssda903_measures(data, council_code=CODE, source="test")
    assert _m(out, 2020, "cla_31_march") == 2
    assert _m(out, 2021, "cla_31_march") == 0  # child 1 is not assumed to be still in care
    assert _m(out, 2021, "cla_ceased") == 1


def test_reentry_within_12_months(tmp_path):
    _return(tmp_path, "y1", ["1,01/05/2019,S,C2,N1,U4,PR1,01/08/2019,E13,,,"], [GOOD_HEAD])
    _return(tmp_path, "y2", ["1,01/06/2020,S,C2,N1,U4,PR1,,,,,"], [GOOD_HEAD])
    out = ssda903_measures(read_ssda903(tmp_path), council_code=CODE, source="test")
    # ceased 01/08/2019, started again 01/06/2020: 10 months later
    assert _m(out, 2021, "cla_starts_reentry_12m") == 1
    assert _m(out, 2021, "cla_starts_reentry_12m_pct") == 100.0
    assert "cla_starts_reentry_12m" not in set(out[out["period"] == "2020"]["measure"])


def test_out_of_area_from_postcodes(tmp_path):
    _return(
        tmp_path,
        "a",
        [
            "1,01/05/2019,S,C2,N1,U4,PR1,,,,BS1 1AA,BS5 6XX",
            "2,01/05/2019,S,C2,N1,U4,PR1,,,,BS1 1AA,GL1 2AB",
            "3,01/05/2019,S,C2,N1,U4,PR1,,,,BS1 1AA,ZZ9 9ZZ",
        ],
        [GOOD_HEAD, "2,2,01/01/2012,,,,", "3,2,01/01/2012,,,,"],
    )
    data = read_ssda903(tmp_path)
    lookup = {"BS5": "E06000023", "GL1": "E07000081"}
    out = ssda903_measures(data, council_code="E06000023", source="test", postcode_la=lookup)
    assert _m(out, 2020, "cla_31_march_out_of_area") == 1
    assert _m(out, 2020, "cla_31_march_location_unknown") == 1
    plain = ssda903_measures(data, council_code="E06000023", source="test")
    assert "cla_31_march_out_of_area" not in set(plain["measure"])


def test_missing_column_is_an_error(tmp_path):
    (tmp_path / "a-episodes.csv").write_text("CHILD,DECOM,RNE\n1,01/05/2019,S\n")
    (tmp_path / "a-header.csv").write_text(HD_HEAD + "\n" + GOOD_HEAD + "\n")
    with pytest.raises(DataError) as err:
        read_ssda903(tmp_path)
    assert (err.value.file, err.value.row) == ("a-episodes.csv", 1)
    assert "PLACE" in err.value.column


def test_two_returns_for_one_year_is_an_error(tmp_path):
    _return(tmp_path, "a", [GOOD], [GOOD_HEAD])
    _return(tmp_path, "b", [GOOD], [GOOD_HEAD])
    with pytest.raises(DataError) as err:
        read_ssda903(tmp_path)
    assert err.value.file == "b-episodes.csv"
    assert err.value.value == "2019-20"


def test_episodes_without_header_file_is_an_error(tmp_path):
    (tmp_path / "a-episodes.csv").write_text(EP_HEAD + "\n" + GOOD + "\n")
    with pytest.raises(DataError) as err:
        read_ssda903(tmp_path)
    assert err.value.file == "a-episodes.csv"
    assert "a-header.csv" in err.value.expected


# --- properties of the date helpers ------------------------------------------------------------


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31)))
def test_dates_read_back_and_fall_in_their_year(day):
    dates, unreadable = parse_dates(pd.Series([day.strftime("%d/%m/%Y"), day.isoformat(), ""]))
    assert not unreadable.any()
    assert list(dates[:2]) == [pd.Timestamp(day)] * 2 and pd.isna(dates[2])
    year = collection_year(pd.Timestamp(day))
    start, end = year_bounds(year)
    assert start <= pd.Timestamp(day) <= end


@given(st.text(alphabet="0123456789/-abc ", min_size=1, max_size=12))
def test_unreadable_dates_are_flagged_never_guessed(text):
    dates, unreadable = parse_dates(pd.Series([text]))
    if text.strip():
        assert bool(unreadable[0]) == pd.isna(dates[0])
    else:
        assert not unreadable[0] and pd.isna(dates[0])
