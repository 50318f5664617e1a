"""The cache of derived results (publication table, all-councils forecast) on disk and in memory.

The values checked by hand are those of the existing tests: Bristol's 2023 children looked
after, 732 (EES RY2023, ``la_children_looked_after_at_31_march``); a child protection count set
to 4 is at or under the threshold (5) and becomes ``c`` with its rate (test_publication.py).
"""

from __future__ import annotations

import math
import os
import pickle

import pandas as pd
import pytest

from cscanalysis.analysis import outlook
from cscanalysis.core.safe_files import umask
from cscanalysis.packs.evidence import content as evidence
from cscanalysis.store import tidy as store
from cscanalysis.store.derived import DerivedCache, code_version, frame_key, make_key

BRISTOL = "E06000023"


def with_value(tidy, code, measure, period, value):
    tidy = tidy.copy()
    hit = (tidy.council_code == code) & (tidy.measure == measure) & (tidy.period == period)
    assert hit.sum() == 1
    tidy.loc[hit, ["value", "flag"]] = [value, ""]
    return tidy


def row(table, measure, period="2023", code=BRISTOL):
    hit = table[
        (table.council_code == code) & (table.measure == measure) & (table.period == period)
    ]
    assert len(hit) == 1
    return hit.iloc[0]


@pytest.fixture(scope="module")
def small(tidy):
    return with_value(tidy, BRISTOL, "cpp_31_march", "2023", 4.0)


def check_hand_values(table):
    cpp = row(table, "cpp_31_march")
    assert math.isnan(cpp.value) and cpp.flag == "c"  # 4 <= 5: suppressed
    rate = row(table, "cpp_rate_per_10k")
    assert math.isnan(rate.value) and rate.flag == "c"  # its rate would give the 4 back
    cla = row(table, "cla_31_march")
    assert cla.value == 732 and cla.flag == ""  # published, over the threshold


def test_publication_table_is_the_same_built_read_from_disk_and_without_a_disk(tmp_path, small):
    built_cache = DerivedCache(tmp_path)
    built = evidence.publication_table(small, 5, cache=built_cache)
    assert list(built_cache.events) == [("publication", "built")]
    files = list(tmp_path.glob("publication-*.parquet"))
    assert len(files) == 1
    assert files[0].stat().st_mode & 0o777 == 0o666 & ~umask()  # readable per the umask

    read_cache = DerivedCache(tmp_path)  # a new process: memory empty, the file there
    read = evidence.publication_table(small, 5, cache=read_cache)
    assert list(read_cache.events) == [("publication", "disk")]
    alone = evidence.publication_table(small, 5, cache=DerivedCache(None))

    for table in (built, read, alone):
        check_hand_values(table)
    pd.testing.assert_frame_equal(read, built)
    pd.testing.assert_frame_equal(alone, built)
    assert evidence.publication_table(small, 5, cache=read_cache) is read  # memory next time


def test_prepare_for_publication_reads_the_same_table(tmp_path, small, register, monkeypatch):
    cache = DerivedCache(tmp_path)
    monkeypatch.setattr(evidence, "default_cache", lambda: cache)
    first = evidence.prepare(small, register, "Bristol", 2023)
    cache.clear_memory()
    again = evidence.prepare(small, register, "Bristol", 2023)
    assert [e for _, e in cache.events] == ["built", "disk"]
    check_hand_values(again.tidy)
    pd.testing.assert_frame_equal(first.tidy, again.tidy)


def test_all_councils_forecast_is_the_same_from_disk(tmp_path, tidy, register, monkeypatch):
    # Bristol 2023: 732 looked after; the what-if of 10 more leaving each year, worked by hand
    # in test_outlook.py, is 732 + 3 * 41 - 3 * 10 = 825 whichever way the forecast came.
    results = []
    for cache in (DerivedCache(tmp_path), DerivedCache(tmp_path), DerivedCache(None)):
        monkeypatch.setattr(outlook, "default_cache", lambda cache=cache: cache)
        got = outlook.build_outlook(tidy, register, BRISTOL, "2023")
        results.append((got, [e for _, e in cache.events]))
    assert [events for _, events in results] == [["built"], ["disk"], ["built"]]
    first = results[0][0]
    for got, _ in results:
        assert got.history[2023] == 732
        what_ifs = got.what_ifs.set_index("what_if")
        assert what_ifs.loc["10 more children leave care each year", "scenario"] == 825
        pd.testing.assert_frame_equal(got.forecast, first.forecast)
        assert (got.model, got.backtest_mape, got.coverage80) == (
            first.model,
            first.backtest_mape,
            first.coverage80,
        )


def test_a_changed_table_or_threshold_is_a_new_key_and_is_built(tmp_path, tidy, small):
    assert frame_key(small) != frame_key(tidy)
    assert frame_key(tidy.copy()) == frame_key(tidy)  # content, not the object
    assert make_key("publication", (frame_key(tidy), 5)) != make_key(
        "publication", (frame_key(tidy), 6)
    )
    cache = DerivedCache(tmp_path)
    evidence.publication_table(tidy, 5, cache=cache)
    evidence.publication_table(small, 5, cache=cache)
    evidence.publication_table(small, 6, cache=cache)
    assert [e for _, e in cache.events] == ["built", "built", "built"]
    assert len(list(tmp_path.glob("publication-*.parquet"))) == 3


def test_a_changed_input_file_changes_the_data_key(tmp_path, raw_copy, monkeypatch):
    # The tidy table is rebuilt from a changed file (tests/store/test_tidy.py), which changes
    # its content and so every derived key; the data key changes with any byte of any input.
    import shutil

    shutil.copytree(store.data_dir() / "reference", tmp_path / "reference")
    before = store.inputs_key(tmp_path)
    path = raw_copy / "cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
    text = path.read_text()
    old = ',"Bristol, City of",Referrals and Re-referrals,4035,'
    assert old in text
    path.write_text(text.replace(old, old.replace("4035", "4036")))
    assert store.inputs_key(tmp_path) != before


def test_the_code_is_part_of_every_key(monkeypatch):
    key = make_key("publication", ("abc", 5))
    monkeypatch.setattr("cscanalysis.store.derived.code_version", lambda: code_version() + "x")
    assert make_key("publication", ("abc", 5)) != key


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not a parquet file"),
        lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
        lambda path: path.write_bytes(b""),
    ],
    ids=["garbage", "truncated", "empty"],
)
def test_a_corrupt_table_file_is_rebuilt_not_an_error(tmp_path, small, damage):
    good = evidence.publication_table(small, 5, cache=DerivedCache(tmp_path))
    (path,) = tmp_path.glob("publication-*.parquet")
    damage(path)
    cache = DerivedCache(tmp_path)
    again = evidence.publication_table(small, 5, cache=cache)
    assert list(cache.events) == [("publication", "built")]
    check_hand_values(again)
    pd.testing.assert_frame_equal(again, good)
    read = DerivedCache(tmp_path)  # and the file is whole again
    pd.testing.assert_frame_equal(evidence.publication_table(small, 5, cache=read), good)
    assert list(read.events) == [("publication", "disk")]


def test_a_corrupt_or_foreign_pickle_is_rebuilt(tmp_path):
    cache = DerivedCache(tmp_path)
    cache.get("thing", ("a",), lambda: pd.DataFrame({"x": [1]}), "pickle", pd.DataFrame)
    (path,) = tmp_path.glob("thing-*.pickle")
    for content in (b"\x80\x05garbage", pickle.dumps({"not": "a table"})):
        path.write_bytes(content)
        fresh = DerivedCache(tmp_path)
        got = fresh.get("thing", ("a",), lambda: pd.DataFrame({"x": [2]}), "pickle", pd.DataFrame)
        assert got["x"].tolist() == [2] and list(fresh.events) == [("thing", "built")]


def test_a_folder_that_cannot_be_written_keeps_results_in_memory(tmp_path, small):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    cache = DerivedCache(blocked / "derived")
    check_hand_values(evidence.publication_table(small, 5, cache=cache))
    assert list(cache.events) == [("publication", "built")]


def test_old_files_of_a_kind_are_pruned(tmp_path):
    cache = DerivedCache(tmp_path, keep_files=2)
    for n in range(4):
        cache.get("thing", (n,), lambda n=n: n, "pickle")
        os.utime(next(tmp_path.glob(f"thing-{make_key('thing', (n,))}.pickle")), (n, n))
    assert len(list(tmp_path.glob("thing-*.pickle"))) == 2
