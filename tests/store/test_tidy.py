"""The tidy table: latest release wins, schema, cache invalidation, symbols kept."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pandera.errors
import pytest

from cscanalysis.core.errors import DataError
from cscanalysis.store import tidy as store


def one(tidy, code, measure, period):
    rows = tidy[(tidy.council_code == code) & (tidy.measure == measure) & (tidy.period == period)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_columns_and_uniqueness(tidy):
    assert list(tidy.columns) == store.COLUMNS
    assert not tidy.duplicated(["council_code", "period", "measure"]).any()


def test_latest_release_wins_and_is_recorded(tidy):
    # BCP 2023: RY2023 says 516, RY2024 and RY2025 say 518 -> 518 from RY2025
    row = one(tidy, "E06000058", "cla_31_march", "2023")
    assert row.value == 518
    assert "RY2025" in row.source
    # Bristol 2022: 691 (RY2022) revised to 690
    assert one(tidy, "E06000023", "cla_31_march", "2022").value == 690


def test_bristol_names_and_headline_2023(tidy):
    row = one(tidy, "E06000023", "cla_31_march", "2023")
    assert row.council_name == "Bristol, City of"
    assert row.value == 732


def test_not_applicable_years_are_flags_not_zero(tidy):
    row = one(tidy, "E06000058", "cla_31_march", "2019")
    assert math.isnan(row.value) and row.flag == "z"
    assert not ((tidy.flag != "") & tidy.value.notna()).any()


def test_rates_computed_only_where_not_published(tidy):
    published = one(tidy, "E06000023", "cla_rate_per_10k", "2023")
    assert "RY2025" in published.source
    computed = one(tidy, "E06000023", "cla_rate_per_10k", "2015")
    assert computed.source.startswith("computed")
    # 699 children at 31 March 2015 (SFR34_CLA2015), mid-2014 population from the ONS file
    population = one(tidy, "E06000023", "population_0_17", "2015").value
    assert computed.value == math.floor(699 / population * 10000 + 0.5)


def test_suppressed_count_gives_suppressed_rate(tidy):
    rates = tidy[tidy.measure == "cpp_rate_per_10k"]
    counts = tidy.loc[tidy.measure == "cpp_31_march", ["council_code", "period", "flag"]]
    joined = rates.merge(counts, on=["council_code", "period"], suffixes=("", "_count"))
    suppressed = joined[joined.flag_count.isin(["c", "x", "z"])]
    assert len(suppressed) > 0
    assert suppressed.value.isna().all()
    assert (suppressed.flag == suppressed.flag_count).all()


def test_same_release_disagreeing_is_an_error():
    rows = pd.DataFrame(
        {
            "council_code": ["E06000023"] * 2,
            "period": ["2023"] * 2,
            "measure": ["referrals"] * 2,
            "value": [1.0, 2.0],
            "flag": ["", ""],
            "source": ["a.csv"] * 2,
            "release": [2025, 2025],
        }
    )
    with pytest.raises(DataError, match="two different figures"):
        store.latest_release(rows)


def test_schema_rejects_a_value_with_a_flag(tidy):
    bad = tidy.head(3).copy()
    bad.loc[bad.index[0], "flag"] = "c"
    bad.loc[bad.index[0], "value"] = 5.0
    with pytest.raises(pandera.errors.SchemaError):
        store.SCHEMA.validate(bad)


def test_schema_rejects_an_unknown_flag(tidy):
    bad = tidy.head(3).copy()
    bad.loc[bad.index[0], ["value", "flag"]] = [float("nan"), "n/a"]
    with pytest.raises(pandera.errors.SchemaError):
        store.SCHEMA.validate(bad)


def test_cache_rebuilt_when_a_raw_file_changes(tmp_path, monkeypatch, raw_copy):
    data = tmp_path
    shutil.copytree(store.data_dir() / "reference", data / "reference")
    monkeypatch.setenv("CSCANALYSIS_DATA_DIR", str(data))
    first = store.load_tidy()
    assert len(list((data / "cache").glob("tidy-*.parquet"))) == 1
    again = store.load_tidy()  # from the cache
    pd.testing.assert_frame_equal(first, again)

    path = raw_copy / "cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
    text = path.read_text()
    assert ',"Bristol, City of",Referrals and Re-referrals,4035,' in text
    path.write_text(
        text.replace(
            ',"Bristol, City of",Referrals and Re-referrals,4035,',
            ',"Bristol, City of",Referrals and Re-referrals,4036,',
        )
    )
    rebuilt = store.load_tidy()
    assert one(rebuilt, "E06000023", "referrals", "2023").value == 4036
    assert len(list((data / "cache").glob("tidy-*.parquet"))) == 1  # the stale one is gone
