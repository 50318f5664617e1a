"""A council's own figures join the published table only where DfE published nothing."""

from __future__ import annotations

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
