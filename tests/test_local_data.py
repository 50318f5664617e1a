"""A council's own figures join the published table only where DfE published nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cscanalysis.cli import main
from cscanalysis.errors import DataError
from cscanalysis.store import COLUMNS, add_local, read_local

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


def test_local_fills_a_year_that_was_not_published(tidy):
    gap = tidy[(tidy.council_code == BRISTOL) & (tidy.measure == "cla_ceased")]
    assert "2018" not in set(gap.period)  # no bundled release has Bristol's 2018 ceased
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
    from cscanalysis.packs import build_pack

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
        "Bristol: the number of children in foster placements at 31 March fell from 396 in "
        "2018 to 38 in 2022" in page
    )
    assert "synthetic data, no real child" in page  # the source says what the figures are
    chart = pd.read_csv(Path(result.path).parent / "charts" / "05-cla-placements.csv", dtype=str)
    local = read_local(ssda903_rows)  # counts checked against the raw returns in test_ssda903
    for _, year in chart.iterrows():
        for column, measure in PLACEMENT_COLUMNS.items():
            assert float(year[column]) == row(local, measure, year["period"]).value
        # the groups add up to the children looked after, e.g. 2018: 396 + 58 + 23 + 73 = 550
        groups = sum(float(year[c]) for c in PLACEMENT_COLUMNS)
        assert groups == row(local, "cla_31_march", year["period"]).value
    manifest = json.loads((Path(result.path).parent / "manifest.json").read_text())
    assert manifest["parameters"]["local_data"] == str(ssda903_rows.resolve())
    assert manifest["parameters"]["target_year"] == 2027


def test_placement_mix_is_suppressed_for_publication_so_nothing_can_be_worked_back(
    tidy, register, ssda903_rows
):
    from cscanalysis import evidence
    from cscanalysis.disclosure import is_recoverable

    local = read_local(ssda903_rows)
    small = (local["period"] == "2022") & (local["measure"] == "cla_31_march_other")
    local.loc[small, "value"] = 3.0  # 2022: fostering 38, residential 9, supported 9, other 3
    ctx = evidence.prepare(add_local(tidy, local), register, "Bristol", 2023)
    table = evidence.placement_table(ctx).set_index("period")
    assert table.loc["2022", "cla_31_march_other_flag"] == "c"  # primary: 3 is 1 to 5
    hidden = [m for m in PLACEMENT_COLUMNS.values() if table.loc["2022", f"{m}_flag"] == "c"]
    assert len(hidden) == 2  # and one more, or 3 = total - the rest
    groups = list(PLACEMENT_COLUMNS.values())
    published = table[groups].assign(total=local_totals(local))
    assert not is_recoverable(published, value_cols=groups, total_col="total")
    assert table.loc["2021", groups].tolist() == [98, 14, 13, 12]  # nothing small in 2021
    internal = evidence.prepare(
        add_local(tidy, local), register, "Bristol", 2023, audience="internal"
    )
    assert evidence.placement_table(internal).set_index("period").loc["2022", groups[-1]] == 3


def local_totals(local):
    parts = local[local["measure"].isin(PLACEMENT_COLUMNS.values())]
    return parts.groupby("period")["value"].sum()


def test_pack_refuses_a_missing_local_file_and_a_past_target(tmp_path):
    from cscanalysis.errors import ParameterError
    from cscanalysis.packs import build_pack

    with pytest.raises(ParameterError, match="does not exist"):
        build_pack("Bristol", 2023, tmp_path, local_data=tmp_path / "nope.csv")
    with pytest.raises(ParameterError, match="target year 2020 is not"):
        build_pack("Bristol", 2023, tmp_path, target=(519, 2020))
    with pytest.raises(ParameterError, match="target value -1 is not"):
        build_pack("Bristol", 2023, tmp_path, target=(-1, 2027))
    assert not any(tmp_path.iterdir())
