"""A council's own figures join the published table only where DfE published nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cscanalysis.cli import main
from cscanalysis.core.errors import DataError
from cscanalysis.packs.evidence import charts as evidence_charts
from cscanalysis.store.tidy import COLUMNS, add_local, read_local

BRISTOL = "E06000023"


@pytest.fixture(scope="module")
def ssda903_rows(tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "bristol_903.csv"
    assert (
        main(
            [
                "ssda903",
                "--input",
                "data/raw/ssda903/sample_la",
                "--council",
                "Bristol",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


def row(tidy, measure, period):
    hit = tidy[(tidy.council_code == BRISTOL) & (tidy.measure == measure) & (tidy.period == period)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_published_figures_win_and_local_ones_fill_gaps(tidy, ssda903_rows):
    local = read_local(ssda903_rows)
    merged = add_local(tidy, local)
    # published 2019 figure (617, RY2023) stays; the synthetic sample says otherwise
    assert row(merged, "cla_31_march", "2019").value == 617
    # placement mix at 31 March is not published after 2017: it comes from the returns
    fostering = row(merged, "cla_31_march_fostering", "2018")
    assert "synthetic" in fostering.source
    assert fostering.value == row(local, "cla_31_march_fostering", "2018").value
    assert list(merged.columns) == COLUMNS
    assert not merged.duplicated(["council_code", "period", "measure"]).any()


def without_bristol_ceased_2018(tidy):
    """The table as if DfE had not published Bristol's 2018 ceased (it did: RY2022, 286)."""
    gap = (tidy.council_code == BRISTOL) & (tidy.measure == "cla_ceased") & (tidy.period == "2018")
    assert gap.sum() == 1
    return tidy[~gap].reset_index(drop=True)


def test_local_fills_a_year_that_was_not_published(tidy):
    tidy = without_bristol_ceased_2018(tidy)
    local = pd.DataFrame(
        [
            {
                "council_code": BRISTOL,
                "council_name": "Bristol, City of",
                "period": "2018",
                "measure": "cla_ceased",
                "value": 250.0,
                "flag": "",
                "source": "Bristol SSDA903 return 2017-18",
            }
        ]
    )
    merged = add_local(tidy, local)
    assert row(merged, "cla_ceased", "2018").value == 250
    assert len(add_local(tidy, local.iloc[0:0])) == len(tidy)


def test_a_bad_local_file_names_the_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "council_code,council_name,period,measure,value,flag,source\n"
        "E06000023,Bristol,2018,cla_31_march,,n/a,mine\n"
    )
    with pytest.raises(DataError) as caught:
        read_local(bad)
    assert caught.value.file == "bad.csv" and caught.value.column == "flag"


def test_a_local_file_without_the_tidy_columns(tmp_path):
    bad = tmp_path / "wide.csv"
    bad.write_text("month,contacts\n2016-08,2000\n")
    with pytest.raises(DataError, match="council_code"):
        read_local(bad)


# --------------------------------------------------------------------------- in the evidence pack

PLACEMENT_COLUMNS = {
    "Fostering (children)": "cla_31_march_fostering",
    "Residential (children)": "cla_31_march_residential",
    "Supported accommodation (children)": "cla_31_march_supported",
    "Other (children)": "cla_31_march_other",
}


@pytest.mark.slow
def test_pack_with_the_councils_own_data_target_and_internal_audience(ssda903_rows, tmp_path):
    from cscanalysis.packs.evidence.pack import build_pack

    result = build_pack(
        "Bristol",
        2023,
        tmp_path,
        audience="internal",
        local_data=ssda903_rows,
        target=(519, 2027),
    )
    page = Path(result.path).read_text(encoding="utf-8")
    assert "Not for publication" in page
    assert "The target path reaches 519 children in 2027." in page
    assert (
        "Bristol: the number of children in foster placements at 31 March fell from 307 in "
        "2018 to 38 in 2022" in page
    )
    assert "synthetic data, no real child" in page  # the source says what the figures are
    chart = pd.read_csv(Path(result.path).parent / "charts" / "05-cla-placements.csv", dtype=str)
    local = read_local(ssda903_rows)  # counts checked against the raw returns in test_ssda903
    for _, year in chart.iterrows():
        for column, measure in PLACEMENT_COLUMNS.items():
            assert float(year[column]) == row(local, measure, year["period"]).value
        # the groups add up to the children looked after, e.g. 2018 as returned:
        # 307 + 47 + 20 + 60 = 434
        groups = sum(float(year[c]) for c in PLACEMENT_COLUMNS)
        assert groups == row(local, "cla_31_march", year["period"]).value
    manifest = json.loads((Path(result.path).parent / "manifest.json").read_text())
    assert manifest["parameters"]["local_data"] == str(ssda903_rows.resolve())
    assert manifest["parameters"]["target_year"] == 2027


def test_placement_mix_is_suppressed_for_publication_so_nothing_can_be_worked_back(
    tidy, register, ssda903_rows
):
    from cscanalysis.analysis.disclosure_attack import is_recoverable
    from cscanalysis.packs.evidence import charts as evidence_charts
    from cscanalysis.packs.evidence import content as evidence

    local = read_local(ssda903_rows)
    small = (local["period"] == "2022") & (local["measure"] == "cla_31_march_other")
    local.loc[small, "value"] = 3.0  # 2022: fostering 38, residential 9, supported 9, other 3
    ctx = evidence.prepare(add_local(tidy, local), register, "Bristol", 2023)
    table = evidence_charts.placement_table(ctx).set_index("period")
    assert table.loc["2022", "cla_31_march_other_flag"] == "c"  # primary: 3 is 1 to 5
    hidden = [m for m in PLACEMENT_COLUMNS.values() if table.loc["2022", f"{m}_flag"] == "c"]
    assert len(hidden) == 2  # and one more, or 3 = total - the rest
    groups = list(PLACEMENT_COLUMNS.values())
    published = table[groups].assign(total=local_totals(local))
    assert not is_recoverable(published, value_cols=groups, total_col="total")
    # nothing small in 2021 (as returned: the 2020-21 return's own 103 children)
    assert table.loc["2021", groups].tolist() == [72, 10, 12, 9]
    internal = evidence.prepare(
        add_local(tidy, local), register, "Bristol", 2023, audience="internal"
    )
    assert (
        evidence_charts.placement_table(internal).set_index("period").loc["2022", groups[-1]] == 3
    )


def local_totals(local):
    parts = local[local["measure"].isin(PLACEMENT_COLUMNS.values())]
    return parts.groupby("period")["value"].sum()


def test_pack_refuses_a_missing_local_file_and_a_past_target(tmp_path):
    from cscanalysis.core.errors import ParameterError
    from cscanalysis.packs.evidence.pack import build_pack

    with pytest.raises(ParameterError, match="does not exist"):
        build_pack("Bristol", 2023, tmp_path, local_data=tmp_path / "nope.csv")
    with pytest.raises(ParameterError, match="target year 2020 is not"):
        build_pack("Bristol", 2023, tmp_path, target=(519, 2020))
    with pytest.raises(ParameterError, match="target value -1 is not"):
        build_pack("Bristol", 2023, tmp_path, target=(-1, 2027))
    assert not any(tmp_path.iterdir())


# --------------------------------------------------------------------------- issue 12

HEADER = "council_code,council_name,period,measure,value,flag,source\n"
RUTLAND = "E06000017"


def write(tmp_path, name, *lines):
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_a_published_symbol_wins_over_local_data(tidy, tmp_path):
    # Rutland 2021 starts aged under 1: published as c in the RY2022 file
    # (cla/ees_ry2022/la_cla_who_started_to_be_looked_after.csv). A local 3 must not undo it.
    local = read_local(
        write(
            tmp_path,
            "rutland.csv",
            f"{RUTLAND},Rutland,2021,cla_starts_age_under_1,3,,Rutland SSDA903",
            f"{RUTLAND},Rutland,2021,cla_31_march_fostering,20,,Rutland SSDA903",
        )
    )
    merged = add_local(tidy, local)
    hit = merged[
        (merged.council_code == RUTLAND)
        & (merged.period == "2021")
        & (merged.measure == "cla_starts_age_under_1")
    ].iloc[0]
    assert pd.isna(hit.value) and hit.flag == "c" and "RY2022" in hit.source
    # a measure DfE did not publish at all is filled
    filled = merged[(merged.council_code == RUTLAND) & (merged.measure == "cla_31_march_fostering")]
    assert filled.value.tolist() == [20.0]


def test_local_rows_are_marked_as_the_councils_own_data(tmp_path):
    local = read_local(write(tmp_path, "own.csv", f"{BRISTOL},Bristol,2018,cla_ceased,250,,mine"))
    assert local.source.tolist() == ["council's own data: mine"]


def test_local_ceased_in_a_year_dfe_did_not_publish_is_not_credited_to_dfe(
    tidy, register, tmp_path
):
    from cscanalysis.packs.evidence import content as evidence

    tidy = without_bristol_ceased_2018(tidy)
    local = read_local(
        write(tmp_path, "ceased.csv", f"{BRISTOL},Bristol,2018,cla_ceased,250,,Bristol return")
    )
    ctx = evidence.prepare(add_local(tidy, local), register, "Bristol", 2023)
    chart = evidence_charts.cla_counts_chart(ctx)
    assert chart.data.set_index("period").loc["2018", "Ceased (children)"] == "250"
    assert "except ceased 2018: the council's own data, not DfE statistics" in chart.caption
    assert "Bristol's own data: Bristol return" in chart.source
    chart.close()
    published = evidence_charts.cla_counts_chart(evidence.prepare(tidy, register, "Bristol", 2023))
    assert published.caption.endswith("as published by DfE. Gaps: not published.")
    published.close()


@pytest.mark.parametrize(
    ("name", "line", "row", "column", "value", "words"),
    [
        (
            "negative_age_band.csv",
            f"{BRISTOL},Bristol,2018,cla_starts_age_10_to_15,-4,,mine",
            3,
            "value",
            -4.0,
            "negative",
        ),
        (
            "part_child.csv",
            f"{BRISTOL},Bristol,2018,cla_31_march_other,2.5,,mine",
            3,
            "value",
            2.5,
            "not a whole number",
        ),
        (
            "unknown_council.csv",
            "E06999999,Nowhere,2018,cla_31_march_other,2,,mine",
            3,
            "council_code",
            "E06999999",
            "unknown council code",
        ),
        (
            "old_code.csv",  # Gateshead's code before 2013 (E08000020); now E08000037
            "E08000020,Gateshead,2018,cla_31_march_other,2,,mine",
            3,
            "council_code",
            "E08000020",
            "an old code",
        ),
        (
            "infinite.csv",
            f"{BRISTOL},Bristol,2018,cla_31_march_other,inf,,mine",
            3,
            "value",
            np.inf,
            "not finite",
        ),
    ],
)
def test_bad_local_rows_are_one_line_errors(tmp_path, name, line, row, column, value, words):
    good = f"{BRISTOL},Bristol,2018,cla_31_march_fostering,40,,mine"
    path = write(tmp_path, name, good, line)
    with pytest.raises(DataError) as caught:
        read_local(path)
    error = caught.value
    assert (error.file, error.row, error.column) == (name, row, column)
    assert error.value == value and words in str(error) and "\n" not in str(error)
    # the command says the same in one line, exit status 2, before any kernel starts
    assert main(["pack", "--council", "Bristol", "--local-data", str(path)]) == 2


def test_a_fractional_value_is_fine_for_a_measure_that_is_not_a_count(tmp_path):
    path = write(tmp_path, "days.csv", f"{BRISTOL},Bristol,2018,episode_days_mean,212.5,,mine")
    assert read_local(path).value.tolist() == [212.5]


def placements_adding_up(tidy, tmp_path):
    """Issue 12's rows: fostering = children looked after - 2, residential 1, supported 0,
    other 1, for 2018 to 2023 (Bristol 2022: 688 + 1 + 0 + 1 = 690, the RY2025 figure)."""
    published = tidy[(tidy.council_code == BRISTOL) & (tidy.measure == "cla_31_march")]
    total = published.set_index("period")["value"]
    assert total["2022"] == 690
    lines = []
    for year in ["2018", "2019", "2020", "2021", "2022", "2023"]:
        for group, value in [
            ("fostering", total[year] - 2),
            ("residential", 1),
            ("supported", 0),
            ("other", 1),
        ]:
            lines.append(f"{BRISTOL},Bristol,{year},cla_31_march_{group},{value:g},,own returns")
    return write(tmp_path, "adds_up.csv", *lines)


def test_placement_rows_that_add_up_to_the_total_give_nothing_away(tidy, register, tmp_path):
    from cscanalysis.analysis.disclosure_attack import feasible_ranges
    from cscanalysis.packs.evidence import content as evidence

    local = read_local(placements_adding_up(tidy, tmp_path))
    ctx = evidence.prepare(add_local(tidy, local), register, "Bristol", 2023)
    table = evidence_charts.placement_table(ctx).set_index("period")
    groups = list(PLACEMENT_COLUMNS.values())
    # 688, c, 0, c would give both c as 1 (690 - 688 - 0 = 2, each at least 1): the 688 goes
    assert table.loc["2022", groups].isna().tolist() == [True, True, False, True]
    shown = table.loc[["2022"], groups].assign(total=690.0)  # the total the page shows
    ranges = feasible_ranges(shown, value_cols=groups, total_col="total")
    assert all(high - low >= 2 for low, high in ranges.values())


@pytest.mark.slow
def test_bristols_pack_with_placements_adding_up_passes_the_audit(tidy, tmp_path):
    from cscanalysis.analysis.disclosure_audit import audit_pack, pack_figures
    from cscanalysis.packs.evidence.pack import build_pack

    result = build_pack(
        "Bristol", 2023, tmp_path / "out", local_data=placements_adding_up(tidy, tmp_path)
    )
    pack = Path(result.path).parent
    figures = pack_figures(pack)
    assert figures[("cla_31_march", "2022")]["02-cla-numbers.csv"] == 690
    for group in ("residential", "fostering"):  # in the CSV and the page's data table
        shown = figures[(f"cla_31_march_{group}", "2022")]
        assert len(shown) == 2 and set(shown.values()) == {"c"}
    assert audit_pack(pack) == []
