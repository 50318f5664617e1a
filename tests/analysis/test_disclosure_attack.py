"""The attacker: cells recovered by linear algebra, and the ranges whole numbers within their
bounds leave (checked against every solution listed)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscanalysis.analysis.disclosure_attack import integer_ranges, is_recoverable, recover
from cscanalysis.core.errors import ParameterError
from tests.analysis.published_tables import AGES, raw_rows, starts_by_age

# --------------------------------------------------------------------------- the checker


def test_checker_recovers_a_single_blank_cell_of_a_real_row():
    # Bristol 2018: 47 + 39 + 41 + 68 + 44 = 239, so a blank Under 1 is 239 - 192 = 47.
    table = starts_by_age("Bristol, City of").loc[["2018"]].copy()
    table.loc["2018", "Under 1 year"] = np.nan
    assert recover(table, value_cols=AGES, total_col="Total") == {("2018", "Under 1 year"): 47}


def test_checker_iterates_through_rows_and_columns():
    #       a   b  total
    # r1    ?   ?   30      row r1 alone has two unknowns,
    # r2    ?   8   20      but column b gives r1 b = 17 - 8 = 9, then r1 a = 21,
    # all  33  17   50      and r2 a = 20 - 8 = 12 (also 33 - 21).
    table = pd.DataFrame(
        {"a": [np.nan, np.nan, 33], "b": [np.nan, 8, 17], "total": [30, 20, 50]},
        index=["r1", "r2", "all"],
    )
    assert recover(table, total_row="all", total_col="total") == {
        ("r1", "a"): 21,
        ("r1", "b"): 9,
        ("r2", "a"): 12,
    }


def test_checker_finds_a_cell_that_no_single_row_or_column_gives_away():
    # Two blocks of four hidden cells (rows 0-1 x cols a-b, rows 2-3 x cols c-d) joined by one
    # hidden cell (row 1, col c). Every row and column holding a hidden cell has two or more,
    # yet rows 0+1 minus columns a+b leaves only the joining cell: 50 (all cells are 50).
    values = pd.DataFrame(50.0, index=range(5), columns=list("abcde"))
    values["total"] = 250.0
    values.loc["all"] = 250.0
    values.loc["all", "total"] = 1250.0
    for row, col in [
        (0, "a"),
        (0, "b"),
        (1, "a"),
        (1, "b"),
        (2, "c"),
        (2, "d"),
        (3, "c"),
        (3, "d"),
        (1, "c"),
    ]:
        values.loc[row, col] = np.nan
    assert recover(values, total_row="all", total_col="total") == {(1, "c"): 50}


def test_dfe_published_suppression_cannot_be_undone():
    # Rutland 2021 starts by age as published: c, 6, 0, c, c, total 14 -> three unknowns
    # share 8; SFR 27/2010 City of London: x cells with total 15 (8 + 7 unknown).
    rutland = starts_by_age("Rutland").loc[["2021"]]
    assert rutland.iloc[0].isna().sum() == 3
    assert not is_recoverable(rutland, value_cols=AGES, total_col="Total")
    row = next(r for r in raw_rows("cla/sfr_2010/SFR27_2010_March.csv") if r["geog_c"] == "201")
    parts = {k: (np.nan if v == "x" else float(v)) for k, v in row.items() if "MarPlace" in k}
    london = pd.DataFrame([{**parts, "total": float(row["MarTotal_2010"])}])
    assert london["total"].iloc[0] == 15
    assert not is_recoverable(london, total_col="total")


def test_integer_ranges_of_any_linear_relations():
    # starts 14 = five age bands; bands 10 to 15 and 16+ also shown as their sum 9 (10 plus).
    known = {"starts": 14, "under_1": 2, "1_to_4": 3, "10_plus": 9}
    hidden = {"5_to_9": (0, np.inf), "10_to_15": (1, np.inf), "16_plus": (1, np.inf)}
    equations = [
        {"starts": -1, "under_1": 1, "1_to_4": 1, "5_to_9": 1, "10_to_15": 1, "16_plus": 1},
        {"10_plus": -1, "10_to_15": 1, "16_plus": 1},
    ]
    ranges = integer_ranges(known, hidden, equations)
    assert ranges == {"5_to_9": (0, 0), "10_to_15": (1, 8), "16_plus": (1, 8)}
    assert integer_ranges({"t": 3}, {"a": (2, 5), "b": (2, 5)}, [{"t": -1, "a": 1, "b": 1}]) is None
    # a coefficient other than 1 goes to the integer program: 2a + b = 7, a, b >= 1 -> a 1..3
    hidden = {"a": (1, np.inf), "b": (1, np.inf)}
    assert integer_ranges({"t": 7}, hidden, [{"a": 2, "b": 1, "t": -1}]) == {
        "a": (1, 3),
        "b": (1, 5),
    }
    with pytest.raises(ParameterError):
        integer_ranges({}, {"a": (1, 2)}, [{"a": 1, "z": -1}])


@st.composite
def one_equation(draw):
    n = draw(st.integers(1, 4))
    signs = draw(st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n))
    bounds = []
    for _ in range(n):
        low = draw(st.integers(0, 4))
        bounds.append((low, draw(st.integers(low, 6))))
    return signs, bounds, draw(st.integers(-8, 14))


@settings(max_examples=300, deadline=None)
@given(one_equation())
def test_integer_ranges_match_enumerating_every_whole_number(case):
    # sum(sign_k * x_k) = t, each x_k a whole number within its bounds: every solution listed
    signs, bounds, t = case
    names = [f"x{k}" for k in range(len(signs))]
    solutions = [
        x
        for x in itertools.product(*(range(lo, hi + 1) for lo, hi in bounds))
        if sum(s * v for s, v in zip(signs, x, strict=True)) == t
    ]
    hidden = dict(zip(names, bounds, strict=True))
    equation = {"t": -1} | dict(zip(names, signs, strict=True))
    found = integer_ranges({"t": t}, hidden, [equation])
    if not solutions:
        assert found is None
        return
    expected = {
        n: (min(x[k] for x in solutions), max(x[k] for x in solutions)) for k, n in enumerate(names)
    }
    assert found == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=3, max_size=3),
    st.integers(0, 9),
    st.integers(0, 9),
    st.sampled_from([1, 2]),
)
def test_linked_equations_go_to_the_integer_program_and_match_enumeration(spans, t1, t2, coef):
    # x0 + coef * x1 = t1 and x1 + x2 = t2 share x1: solved by milp, checked by listing
    bounds = [(lo, lo + width) for lo, width in spans]
    solutions = [
        x
        for x in itertools.product(*(range(lo, hi + 1) for lo, hi in bounds))
        if x[0] + coef * x[1] == t1 and x[1] + x[2] == t2
    ]
    hidden = {"x0": bounds[0], "x1": bounds[1], "x2": bounds[2]}
    equations = [{"x0": 1, "x1": coef, "t1": -1}, {"x1": 1, "x2": 1, "t2": -1}]
    found = integer_ranges({"t1": t1, "t2": t2}, hidden, equations)
    if not solutions:
        assert found is None
        return
    assert found == {
        n: (min(x[k] for x in solutions), max(x[k] for x in solutions))
        for k, n in enumerate(["x0", "x1", "x2"])
    }
