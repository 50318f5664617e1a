"""SSDA903 figures as returned (each year from its own return) and as revised; the failure
modes of issue 12 (a duplicated column, a date of birth after a start, unwritable outputs).

Data: data/raw/ssda903/sample_la/, a SYNTHETIC five-year sample (the Children's Services Demand
Model's test data, MIT); no real child is in it. Expected counts are worked out here with pandas
straight from each CSV file, without the package's reader. Failure modes are small returns
written here, one test per failure mode.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cscanalysis.analysis.ssda903 import (
    AGE_BANDS,
    measure_report,
    revisions,
    ssda903_measures,
)
from cscanalysis.cli import main
from cscanalysis.core.errors import DataError
from cscanalysis.sources.ssda903 import (
    REPORT_COLUMNS,
    clean_returns,
    read_ssda903,
)
from cscanalysis.sources.ssda903_files import (
    RawReturn,
    read_return_csv,
)

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw" / "ssda903" / "sample_la"
SOURCE = "SSDA903 synthetic sample (cs-demand-model test data, MIT): not a real council"
PLACES = {
    "fostering": {"U1", "U2", "U3", "U4", "U5", "U6"},
    "residential": {"K2", "R1"},
    "supported": {"H5", "P2", "K3"},
}


def _m(measures: pd.DataFrame, year: int, measure: str) -> float:
    hit = measures[(measures["period"] == str(year)) & (measures["measure"] == measure)]
    assert len(hit) == 1, (year, measure)
    return float(hit["value"].iloc[0])


@pytest.fixture(scope="module")
def sample():
    return read_ssda903(SAMPLE)


@pytest.fixture(scope="module")
def returned(sample):
    return ssda903_measures(sample, council_code="", source=SOURCE)  # the default basis


@pytest.fixture(scope="module")
def revised(sample):
    return ssda903_measures(sample, council_code="", source=SOURCE, basis="revised")


def _episodes(name: int) -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE / f"{name}-episodes.csv", dtype=str, keep_default_na=False)
    for column in ("DECOM", "DEC"):
        frame[column] = pd.to_datetime(frame[column].replace("", None), format="%d/%m/%Y")
    return frame


def own_return_counts(name: int) -> dict[str, object]:
    """Counts for the year ending 31 March ``name + 1`` from ``{name}-episodes.csv`` alone.

    The file named 2020 holds the 2020-21 return: its end dates (DEC) run from 03/04/2020 to
    30/03/2021 and its latest start 27/03/2021 (see test_each_file_holds_the_year_after_its
    name), so it is the return for the year ending 31 March 2021.

    SSDA903 rules, as DfE counts a return: a child is looked after on 31 March if an episode
    has DECOM <= 31 March and DEC blank or DEC > 31 March (an end date after the year end can
    only be a slip in that return, and is kept as the return gives it), counted once however
    many episodes are open; a start is a child with an RNE S episode commencing from 1 April to
    31 March; a cease is a child with an episode ending in the year for a reason other than X1
    (a new episode the same day). The placement on 31 March is the open episode that started
    last. This reproduces 103 for 2021: 105 rows of 2020-episodes.csv are open on 31/03/2021,
    two children (359195, 755819) with two open episodes each; and 62 for 2022 from
    2021-episodes.csv, whose 62 blank DECs are 62 different children.
    """
    eps = _episodes(name)
    year = name + 1
    start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    open_rows = eps[(eps["DECOM"] <= end) & (eps["DEC"].isna() | (eps["DEC"] > end))]
    last_open = open_rows.sort_values("DECOM").groupby("CHILD").tail(1)
    places = {group: int(last_open["PLACE"].isin(codes).sum()) for group, codes in PLACES.items()}
    places["other"] = len(last_open) - sum(places.values())
    starts = eps[(eps["RNE"] == "S") & eps["DECOM"].between(start, end)]
    first = starts.sort_values("DECOM").groupby("CHILD").head(1)
    header = pd.read_csv(SAMPLE / f"{name}-header.csv", dtype=str, keep_default_na=False)
    born = pd.to_datetime(header.set_index("CHILD")["DOB"], format="%d/%m/%Y")
    bands: dict[str, int] = {}
    for child, decom in zip(first["CHILD"], first["DECOM"], strict=True):
        dob = born[child]  # every starting child has a header row in the same return
        age = decom.year - dob.year - ((decom.month, decom.day) < (dob.month, dob.day))
        band = next(m for m, low, high in AGE_BANDS if low <= age < high)
        bands[band] = bands.get(band, 0) + 1
    ceased = eps[eps["DEC"].between(start, end) & (eps["REC"] != "X1")]
    return {
        "cla_31_march": open_rows["CHILD"].nunique(),
        "open_rows": len(open_rows),
        "places": places,
        "cla_starts": starts["CHILD"].nunique(),
        "bands": bands,
        "cla_ceased": ceased["CHILD"].nunique(),
    }


def test_each_file_holds_the_year_after_its_name(sample):
    for name in range(2017, 2022):
        eps = _episodes(name)
        ends = eps["DEC"].dropna()
        # every end date but the 2017 file's slips (01/04/2018, three rows) lies in April
        # name to March name + 1
        inside = ends.between(pd.Timestamp(name, 4, 1), pd.Timestamp(name + 1, 3, 31))
        assert inside.sum() >= len(ends) - 3, name
        assert sample.years[f"{name}-episodes.csv"] == name + 1


def test_as_returned_counts_are_each_years_own_file(returned):
    for name in range(2017, 2022):
        year, expected = name + 1, own_return_counts(name)
        assert _m(returned, year, "cla_31_march") == expected["cla_31_march"], year
        assert _m(returned, year, "cla_starts") == expected["cla_starts"], year
        assert _m(returned, year, "cla_ceased") == expected["cla_ceased"], year
        for group, count in expected["places"].items():
            assert _m(returned, year, f"cla_31_march_{group}") == count, (year, group)
        for band, _, _ in AGE_BANDS:
            assert _m(returned, year, band) == expected["bands"].get(band, 0), (year, band)
        assert sum(expected["bands"].values()) == expected["cla_starts"]
    # the figures the 2020-21 and 2021-22 returns themselves give
    assert own_return_counts(2020)["cla_31_march"] == 103
    assert own_return_counts(2020)["open_rows"] == 105
    assert own_return_counts(2021)["cla_31_march"] == 62
    assert _m(returned, 2021, "cla_31_march") == 103
    assert _m(returned, 2022, "cla_31_march") == 62


def test_revised_adds_the_children_a_later_return_recorded(sample, returned, revised):
    # 2021-episodes.csv (2021-22) holds 34 children with an episode that started by
    # 31/03/2021 (so open on that day: it ends, if at all, in 2021-22) and who are not open
    # on 31/03/2021 in 2020-episodes.csv: revised, 103 + 34 = 137
    end = pd.Timestamp(2021, 3, 31)
    later = _episodes(2021)
    earlier = _episodes(2020)
    open_earlier = earlier[
        (earlier["DECOM"] <= end) & (earlier["DEC"].isna() | (earlier["DEC"] > end))
    ]
    added = set(later.loc[later["DECOM"] <= end, "CHILD"]) - set(open_earlier["CHILD"])
    assert len(added) == 34
    assert _m(revised, 2021, "cla_31_march") == 137
    # and the report lists exactly those children, each once, with the file and row
    diff = revisions(sample)
    hit = diff[(diff["year"] == 2021) & (diff["field"] == "looked_after_31_march")]
    assert set(hit["child"]) == added and len(hit) == 34
    assert set(zip(hit["as_returned"], hit["revised"], strict=True)) == {("no", "yes")}
    assert set(hit["file"]) == {"2021-episodes.csv"}


def test_every_difference_between_the_bases_is_listed(sample, returned, revised):
    # for each year and count, revised - as returned = (children only in revised) - (children
    # only as returned), as the report lists them
    diff = revisions(sample)
    fields = {
        "cla_31_march": "looked_after_31_march",
        "cla_starts": "started",
        "cla_ceased": "ceased",
    }
    for year in range(2018, 2023):
        for measure, name in fields.items():
            rows = diff[(diff["year"] == year) & (diff["field"] == name)]
            gained = int((rows["revised"] == "yes").sum())
            lost = int((rows["as_returned"] == "yes").sum())
            change = _m(revised, year, measure) - _m(returned, year, measure)
            assert change == gained - lost, (year, measure)
    # the last return has nothing later to revise it
    assert diff[diff["year"] == 2022].empty
    # 2017-episodes.csv line 223: 48420,...,01/04/2018,E... ends a day after its return's year
    # and no later return holds it: a cease in 2018-19 only once the returns are combined
    hit = diff[(diff["child"] == "48420") & (diff["field"] == "ceased")]
    assert list(zip(hit["year"], hit["file"], hit["row"], strict=True)) == [
        (2019, "2017-episodes.csv", 223)
    ]
    assert list(diff.columns) == REPORT_COLUMNS


def test_the_cli_gives_both_bases(tmp_path, capsys):
    default, other = tmp_path / "returned.csv", tmp_path / "revised.csv"
    assert main(["ssda903", "--input", str(SAMPLE), "--out", str(default)]) == 0
    argv = ["ssda903", "--input", str(SAMPLE), "--out", str(other), "--basis", "revised"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "each year as returned" in out and "revised by later returns" in out

    def value(path: Path, year: str) -> tuple[float, str]:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["period"] == year and row["measure"] == "cla_31_march":
                    return float(row["value"]), row["source"]
        raise AssertionError(year)

    assert value(default, "2021")[0] == 103 and value(other, "2021")[0] == 137
    assert value(default, "2022")[0] == 62 and value(other, "2022")[0] == 62
    assert "each year as returned" in value(default, "2021")[1]
    assert "revised by later returns" in value(other, "2021")[1]
    with open(tmp_path / "returned_validation.csv", newline="", encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    assert list(report[0]) == REPORT_COLUMNS
    listed = [
        r
        for r in report
        if (r["rule"], r["year"], r["field"])
        == ("revised_by_later_return", "2021", "looked_after_31_march")
    ]
    assert len(listed) == 34


# --- a date of birth after an episode starts ---------------------------------------------------

EP_HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC"
HD_HEAD = "CHILD,SEX,DOB"


def _write(folder: Path, episodes: list[str], header: list[str], name: str = "2019") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}-episodes.csv").write_text("\n".join([EP_HEAD, *episodes]) + "\n")
    (folder / f"{name}-header.csv").write_text("\n".join([HD_HEAD, *header]) + "\n")
    return folder


def test_date_of_birth_after_the_start_is_reported_and_left_out_of_age_bands(tmp_path):
    # child 1 starts 01/05/2019 aged 9 (born 01/01/2010); child 2 "starts" 01/06/2019 but is
    # born 01/07/2019: 2 starts, 1 in the age bands (5 to 9), 1 left out and reported
    folder = _write(
        tmp_path / "in",
        ["1,01/05/2019,S,C2,N1,U4,PR1,,", "2,01/06/2019,S,C2,N1,U4,PR1,,"],
        ["1,1,01/01/2010", "2,2,01/07/2019"],
    )
    data = read_ssda903(folder)
    hit = data.report[data.report["rule"] == "dob_after_start"]
    assert list(zip(hit["file"], hit["row"], hit["child"], hit["year"], strict=True)) == [
        ("2019-episodes.csv", 3, "2", 2020)
    ]
    assert (
        "01/07/2019" in hit["detail"].iloc[0] and "2019-header.csv row 3" in hit["detail"].iloc[0]
    )
    for basis in ("returned", "revised"):
        out = ssda903_measures(data, council_code="", source="test", basis=basis)
        bands = sum(_m(out, 2020, m) for m, _, _ in AGE_BANDS)
        assert _m(out, 2020, "cla_starts") == 2
        assert bands == 1 and _m(out, 2020, "cla_starts_age_5_to_9") == 1
        assert _m(out, 2020, "cla_starts_age_unknown") == 1
        report = measure_report(data, basis)
        left = report[report["rule"] == "left_out_of_age_bands"]
        assert list(zip(left["file"], left["row"], left["child"], strict=True)) == [
            ("2019-episodes.csv", 3, "2")
        ]


def test_the_cli_says_how_many_starts_were_left_out(tmp_path, capsys):
    folder = _write(
        tmp_path / "in",
        ["1,01/05/2019,S,C2,N1,U4,PR1,,", "2,01/06/2019,S,C2,N1,U4,PR1,,"],
        ["1,1,01/01/2010", "2,2,01/07/2019"],
    )
    out = tmp_path / "out.csv"
    assert main(["ssda903", "--input", str(folder), "--out", str(out), "--synthetic"]) == 0
    assert "1 start(s) left out of the age bands" in capsys.readouterr().out


# --- a column given twice, and files that cannot be read -------------------------------------


@pytest.mark.parametrize(
    ("episodes_head", "header_head", "file", "column"),
    [
        (EP_HEAD + ",DEC", HD_HEAD, "2019-episodes.csv", "DEC"),
        (EP_HEAD, "CHILD,SEX,DOB, dob", "2019-header.csv", "DOB"),
    ],
)
def test_a_column_given_twice_is_one_line_naming_it(
    tmp_path, capsys, episodes_head, header_head, file, column
):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2019-episodes.csv").write_text(episodes_head + "\n1,01/05/2019,S,C2,N1,U4,PR1,,\n")
    (folder / "2019-header.csv").write_text(header_head + "\n1,1,01/01/2010\n")
    out = tmp_path / "out.csv"
    assert main(["ssda903", "--input", str(folder), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "appears twice" in err and f"file {file}" in err and f"column '{column}'" in err
    assert "row 1" in err and "expected each column once" in err
    assert not out.exists() and not any(p.name.startswith("out") for p in tmp_path.iterdir())


def test_columns_without_a_name_are_dropped(tmp_path):
    # a trailing comma on every line makes one or more columns with no name: nothing in them
    # can be used, so they go; the data are read as without them
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2019-episodes.csv").write_text(EP_HEAD + ",,\n1,01/05/2019,S,C2,N1,U4,PR1,,,,\n")
    (folder / "2019-header.csv").write_text(HD_HEAD + ",\n1,1,01/01/2010,\n")
    data = read_ssda903(folder)
    assert "" not in data.episodes.columns
    out = ssda903_measures(data, council_code="", source="test")
    assert _m(out, 2020, "cla_31_march") == 1


def test_an_unreadable_input_file_is_one_line(tmp_path, capsys):
    folder = _write(tmp_path / "in", ["1,01/05/2019,S,C2,N1,U4,PR1,,"], ["1,1,01/01/2010"])
    (folder / "2019-header.csv").unlink()
    (folder / "2019-header.csv").mkdir()  # a folder where the header file should be
    with pytest.raises(DataError) as err:
        read_ssda903(folder)
    assert err.value.file == "2019-header.csv" and "cannot read the file" in str(err.value)
    assert main(["ssda903", "--input", str(folder), "--out", str(tmp_path / "o.csv")]) == 2
    err_text = capsys.readouterr().err.strip()
    assert "\n" not in err_text and "2019-header.csv" in err_text


GOOD_EPISODES = EP_HEAD + "\n1,01/05/2019,S,C2,N1,U4,PR1,,\n"


@pytest.mark.parametrize(
    ("episodes", "says"),
    [
        (b"", "the file is empty"),
        ((EP_HEAD + "\n").encode(), "no usable dates"),
        ((EP_HEAD + "\n1,01/05/2019,S," + "x" * 200_000 + "\n").encode(), "not a readable CSV"),
        (GOOD_EPISODES.encode("utf-16"), "cannot decode the file"),
    ],
    ids=["empty", "no-rows", "field-over-the-csv-limit", "utf-16"],
)
def test_an_episodes_file_that_cannot_be_read_is_one_line(tmp_path, capsys, episodes, says):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "2019-episodes.csv").write_bytes(episodes)
    (folder / "2019-header.csv").write_text(HD_HEAD + "\n1,1,01/01/2010\n")
    out = tmp_path / "out.csv"
    assert main(["ssda903", "--input", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert says in err and "file 2019-episodes.csv" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


# --- outputs: written together, or not at all ----------------------------------------------


def test_an_output_folder_that_is_a_file_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    out = blocker / "out.csv"
    assert main(["ssda903", "--input", str(SAMPLE), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"cscanalysis: error: cannot write {out}: {blocker} is a file, not a folder"
    assert blocker.read_text() == "not a folder"


def test_a_failed_write_leaves_the_previous_files_untouched(tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["ssda903", "--input", str(SAMPLE), "--out", str(out)]) == 0
    before = out.read_bytes()
    report = tmp_path / "out_validation.csv"
    report.unlink()
    report.mkdir()  # the report cannot be written now
    argv = ["ssda903", "--input", str(SAMPLE), "--out", str(out), "--basis", "revised"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"cannot write {report}" in err
    assert out.read_bytes() == before  # not replaced by the revised rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out_validation.csv"]


# --- properties: the order of rows and of returns does not matter ------------------------------


def _sample_returns(names: tuple[int, ...]) -> list[RawReturn]:
    return [
        RawReturn(
            f"{n}-episodes.csv",
            read_return_csv(SAMPLE / f"{n}-episodes.csv"),
            f"{n}-header.csv",
            read_return_csv(SAMPLE / f"{n}-header.csv"),
        )
        for n in names
    ]


SMALL = _sample_returns((2020, 2021))  # the two smallest returns, 34 revisions between


def _shuffled(raw: pd.DataFrame, order: list[int]) -> pd.DataFrame:
    """The rows in ``order``, numbered as a file written in that order would number them."""
    out = raw.iloc[order].reset_index(drop=True)
    out["row"] = range(2, len(out) + 2)
    return out


def _counts(returns: list[RawReturn]) -> tuple[dict, dict, frozenset]:
    data = clean_returns(returns)
    bases = [
        ssda903_measures(data, council_code="", source="t", basis=b).set_index(
            ["period", "measure"]
        )["value"]
        for b in ("returned", "revised")
    ]
    report = measure_report(data)
    facts = frozenset(
        zip(report["file"], report["child"], report["rule"], report["field"], strict=True)
    )
    return bases[0].fillna(-1).to_dict(), bases[1].fillna(-1).to_dict(), facts


EXPECTED = _counts(SMALL)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1), st.permutations(range(len(SMALL))))
def test_any_order_of_rows_and_returns_gives_the_same_counts(seed, order):
    # rows of ~1,000 are shuffled by a generator seeded from hypothesis (a permutation drawn
    # element by element would be too large an example to shrink)
    rng = np.random.default_rng(seed)
    returns = [
        RawReturn(
            raw.episodes_file,
            _shuffled(raw.episodes, list(rng.permutation(len(raw.episodes)))),
            raw.header_file,
            _shuffled(raw.header, list(rng.permutation(len(raw.header)))),
        )
        for raw in SMALL
    ]
    got = _counts([returns[i] for i in order])
    assert got[0] == EXPECTED[0]
    assert got[1] == EXPECTED[1]
    assert got[2] == EXPECTED[2]
