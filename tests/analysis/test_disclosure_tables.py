"""Suppression of wide tables: primary, secondary (cannot be undone, even knowing each hidden
cell's bounds), and the errors for bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from cscanalysis.analysis.disclosure_attack import (
    feasible_ranges,
    is_recoverable,
    narrowed,
    recover,
)
from cscanalysis.analysis.disclosure_tables import MIN_WIDTH, suppress_counts
from cscanalysis.core.errors import DataError, ParameterError
from tests.analysis.published_tables import AGES, starts_by_age

# --------------------------------------------------------------------------- primary


def test_primary_suppresses_1_to_5_but_not_0_or_6():
    table = pd.DataFrame({"a": [0, 1, 5, 6, 40]}, index=list("pqrst"))
    result = suppress_counts(table)  # no totals: nothing to protect, so no secondary
    assert result.flags["a"].tolist() == ["", "c", "c", "", ""]
    assert result.reasons["a"].tolist() == ["", "primary", "primary", "", ""]
    values = result.table["a"]
    assert values["p"] == 0 and values["s"] == 6 and values["t"] == 40
    assert values[["q", "r"]].isna().all()


def test_threshold_is_configurable():
    table = pd.DataFrame({"a": [0, 1, 6, 10, 11]})
    assert suppress_counts(table, threshold=10).mask["a"].tolist() == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert not suppress_counts(table, threshold=0).mask.any().any()


def test_label_columns_pass_through_untouched():
    table = pd.DataFrame({"council": ["Rutland", "Bristol"], "n": [3, 50]})
    result = suppress_counts(table, value_cols=["n"])
    assert result.table["council"].tolist() == ["Rutland", "Bristol"]
    assert list(result.flags.columns) == ["n"]


# --------------------------------------------------------------------------- secondary


def test_single_small_cell_in_a_row_with_total_takes_the_next_smallest_with_it():
    # 3 + 10 + 20 = 33. With 3 hidden, 33 - 10 - 20 gives it back, so the next smallest
    # cell (10) is hidden too: 3 + 10 = 13 then has two unknowns.
    table = pd.DataFrame({"a": [3], "b": [10], "c": [20], "total": [33]})
    result = suppress_counts(table, total_col="total")
    assert result.reasons.iloc[0].tolist() == ["primary", "secondary", "", ""]
    assert not is_recoverable(result.table, total_col="total")


def test_real_bristol_starts_by_age_with_a_threshold_of_30():
    # Published starts by age, Bristol (raw file STARTS_FILE), rows 2018-2022:
    #          Under1  1-4  5-9  10-15  16+  Total
    #   2018     47    39   41    68    44    239
    #   2019     43    37   44    55    32    211
    #   2020     32    26   45    76    31    210   26 <= 30: primary; next smallest 31 (16+)
    #   2021     37    31   34    55    37    194
    #   2022     36    30   34    74    77    251   30 <= 30: primary; next smallest 34 (5-9)
    # (39+68+44+41+47 = 239 etc.; no total row, so years are independent.)
    table = starts_by_age("Bristol, City of")
    assert table.loc["2020"].tolist() == [32, 26, 45, 76, 31, 210]
    result = suppress_counts(table, value_cols=AGES, total_col="Total", threshold=30)
    hidden = {(r, c): v for (r, c), v in result.reasons.stack().items() if v}
    assert hidden == {
        ("2020", "1 to 4 years"): "primary",
        ("2020", "16 years and over"): "secondary",
        ("2022", "1 to 4 years"): "primary",
        ("2022", "5 to 9 years"): "secondary",
    }
    assert result.table["Total"].tolist() == [239, 211, 210, 194, 251]
    assert not is_recoverable(result.table, value_cols=AGES, total_col="Total")


def test_total_that_is_the_only_other_unknown_is_protected_through_the_grand_total():
    #        a   b  total
    # r1     4   0    4    4 and its total 4 are both primary (two unknowns in row r1) ...
    # r2    20  30   50
    # all   24  30   54    ... but 24 - 20 gives a, and 54 - 50 gives r1's total.
    # Column a has one unknown: hide the next cell that closes the pattern: 20 (a part, its
    # row r2 has no unknown yet, like every other candidate). Row r2 then has one unknown:
    # 50 (a total, but its column already has an unknown) beats 30 (whose column b has none).
    # Hidden: r1 a, r1 total, r2 a, r2 total: a cycle, nothing can be solved.
    table = pd.DataFrame(
        {"a": [4, 20, 24], "b": [0, 30, 30], "total": [4, 50, 54]}, index=["r1", "r2", "all"]
    )
    result = suppress_counts(table, total_row="all", total_col="total")
    assert result.reasons.to_dict("index") == {
        "r1": {"a": "primary", "b": "", "total": "primary"},
        "r2": {"a": "secondary", "b": "", "total": "secondary"},
        "all": {"a": "", "b": "", "total": ""},
    }
    assert result.table.loc["r1", "b"] == 0  # zero is published, never used as a complement
    assert not is_recoverable(result.table, total_row="all", total_col="total")


def test_cells_already_missing_on_input_keep_their_flag_and_are_protected():
    # b is not available ("x") on input: 12 = a + b + 9 with a hidden too is safe, but if a
    # were published, 21 - 9 - 0 would give b back. Here a = 0 is published, so 9 goes.
    table = pd.DataFrame({"a": [0.0], "b": [np.nan], "c": [9.0], "total": [21.0]})
    flags = pd.DataFrame({"b": ["x"]})
    result = suppress_counts(table, total_col="total", flags=flags)
    assert result.flags.iloc[0].tolist() == ["", "x", "c", ""]
    assert result.reasons.iloc[0].tolist() == ["", "", "secondary", ""]


# --------------------------------------------------------------------------- property


def solvable_ranges(published: pd.DataFrame, total_row, total_col) -> dict:
    """min and max of each hidden cell given the totals, published cells and x >= 0 (LP)."""
    values = published.to_numpy(dtype=float)
    rows, cols = list(published.index), list(published.columns)
    hidden = [(i, j) for i in range(len(rows)) for j in range(len(cols)) if np.isnan(values[i, j])]
    position = {cell: k for k, cell in enumerate(hidden)}
    equations = []
    tr = rows.index(total_row) if total_row is not None else None
    tc = cols.index(total_col) if total_col is not None else None
    if tc is not None:
        equations += [
            [(i, j, 1 if j != tc else -1) for j in range(len(cols))] for i in range(len(rows))
        ]
    if tr is not None:
        equations += [
            [(i, j, 1 if i != tr else -1) for i in range(len(rows))] for j in range(len(cols))
        ]
    a = np.zeros((len(equations), len(hidden)))
    b = np.zeros(len(equations))
    for e, eq in enumerate(equations):
        for i, j, c in eq:
            if (i, j) in position:
                a[e, position[(i, j)]] += c
            else:
                b[e] -= c * values[i, j]
    ranges = {}
    for cell, k in position.items():
        cost = np.zeros(len(hidden))
        cost[k] = 1
        low = linprog(cost, A_eq=a, b_eq=b, bounds=(0, None))
        high = linprog(-cost, A_eq=a, b_eq=b, bounds=(0, None))
        assert low.status == 0 and high.status in (0, 3)  # 3: unbounded, so not pinned
        ranges[cell] = (low.fun, np.inf if high.status == 3 else -high.fun)
    return ranges


@st.composite
def tables_with_totals(draw):
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 5))
    cell = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 40, 120])
    values = np.array(draw(st.lists(cell, min_size=n_rows * n_cols, max_size=n_rows * n_cols)))
    table = pd.DataFrame(values.reshape(n_rows, n_cols), columns=[f"c{j}" for j in range(n_cols)])
    mode = draw(st.sampled_from(["both", "row", "column"]))
    total_row = total_col = None
    if mode in ("both", "column"):
        table["total"] = table.sum(axis=1)
        total_col = "total"
    if mode in ("both", "row"):
        table.loc["all"] = table.sum(axis=0)
        total_row = "all"
    threshold = draw(st.sampled_from([5, 5, 10]))
    return table, total_row, total_col, threshold


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_with_totals())
def test_secondary_suppression_cannot_be_undone(case):
    table, total_row, total_col, threshold = case
    result = suppress_counts(table, threshold=threshold, total_row=total_row, total_col=total_col)
    cols = list(result.flags.columns)
    original = table[cols].to_numpy(dtype=float)
    shown = result.table[cols].to_numpy(dtype=float)
    hidden = result.mask.to_numpy()
    # Every count from 1 to the threshold is hidden; nothing else changes but hidden cells.
    assert hidden[(original >= 1) & (original <= threshold)].all()
    assert (shown[~hidden] == original[~hidden]).all()
    assert np.isnan(shown[hidden]).all()
    assert (result.flags.to_numpy()[hidden] == "c").all()
    # No zero is hidden as a complement, so no hidden cell is pinned by x >= 0 either.
    assert (original[result.reasons.to_numpy() == "secondary"] != 0).all()
    # The attacker (linear algebra over every row and column equation) finds nothing.
    assert recover(result.table[cols], total_row=total_row, total_col=total_col) == {}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_with_totals())
def test_no_hidden_cell_is_pinned_even_knowing_counts_are_not_negative(case):
    table, total_row, total_col, threshold = case
    result = suppress_counts(table, threshold=threshold, total_row=total_row, total_col=total_col)
    cols = list(result.flags.columns)
    if total_row is None and total_col is None:
        return
    for low, high in solvable_ranges(result.table[cols], total_row, total_col).values():
        assert high - low >= 1 - 1e-6


# --------------------------------------------------------------------------- bounds


def issue_12_placements() -> pd.DataFrame:
    """Issue 12: a pack showed 2022 fostering 688, residential c, supported 0, other c and 690
    children looked after (RY2025 file: Bristol 2022 = 690). Hidden: residential 1, other 1."""
    return pd.DataFrame(
        {"fostering": [688.0], "residential": [1.0], "supported": [0.0], "other": [1.0]},
        index=["2022"],
    ).assign(total=690.0)


def test_linear_algebra_misses_what_the_bounds_give_away():
    shown = issue_12_placements()
    shown[["residential", "other"]] = np.nan
    assert recover(shown, total_col="total") == {}  # one equation, two unknowns
    # 690 - 688 - 0 = 2 shared by two cells that are each at least 1: both are 1.
    assert feasible_ranges(shown, total_col="total") == {
        ("2022", "residential"): (1, 1),
        ("2022", "other"): (1, 1),
    }
    assert set(narrowed(shown, total_col="total")) == {("2022", "residential"), ("2022", "other")}
    # With a total of 693 the pair shares 5: each is 1 to 4, two ways or more.
    shown["total"] = 693.0
    assert narrowed(shown, total_col="total") == {}


def test_suppression_protects_the_issue_12_table():
    result = suppress_counts(issue_12_placements(), total_col="total")
    assert result.reasons.loc["2022"].tolist() == ["secondary", "primary", "", "primary", ""]
    shown = result.table
    assert shown.loc["2022", "supported"] == 0 and shown.loc["2022", "total"] == 690
    # 690 - 0 = fostering + residential + other, fostering at least 1: residential 1 to 688.
    ranges = feasible_ranges(shown, total_col="total")
    assert ranges[("2022", "residential")] == (1, 688)
    # Even knowing residential and other are 1 to 5 and fostering above 5, each keeps 1 to 5.
    primary = {("2022", "residential"): (1, 5), ("2022", "other"): (1, 5)}
    known = feasible_ranges(
        shown, total_col="total", bounds={**primary, ("2022", "fostering"): (6, np.inf)}
    )
    assert known[("2022", "residential")] == (1, 5) and known[("2022", "fostering")] == (680, 688)


def test_a_pair_that_keeps_three_values_needs_no_more_suppression():
    # 40, c, c, 0 with a total of 48: the pair shares 8, so each is 3 to 5 knowing both are
    # 1 to 5 (three values): enough with MIN_WIDTH 2; MIN_WIDTH 3 suppresses the 40 as well.
    table = pd.DataFrame({"a": [40.0], "b": [4.0], "c": [4.0], "d": [0.0]}).assign(total=48.0)
    assert MIN_WIDTH == 2
    assert suppress_counts(table, total_col="total").reasons.iloc[0].tolist() == [
        "",
        "primary",
        "primary",
        "",
        "",
    ]
    wider = suppress_counts(table, total_col="total", min_width=3).reasons.iloc[0].tolist()
    assert wider == ["secondary", "primary", "primary", "", ""]


def bounded_ranges(result, total_row, total_col, threshold, lower_only=False) -> dict:
    """The attacker, written apart from the code: LP min and max of each hidden cell.

    Knows the totals, the published cells and each hidden cell's bounds: primary 1 to the
    threshold, secondary above it (``lower_only``: just 1 or more, not knowing which is which).
    Tables with row and column totals have a totally unimodular system (negate the total row's
    and total column's equations), so with whole-number bounds the LP ends are whole numbers.
    """
    cols = list(result.flags.columns)
    values = result.table[cols].to_numpy(dtype=float)
    reasons = result.reasons.to_numpy()
    rows = list(result.table.index)
    hidden = [(i, j) for i in range(len(rows)) for j in range(len(cols)) if reasons[i, j]]
    position = {cell: k for k, cell in enumerate(hidden)}
    tr = rows.index(total_row) if total_row is not None else None
    tc = cols.index(total_col) if total_col is not None else None
    equations = []
    if tc is not None:
        equations += [
            [(i, j, 1 if j != tc else -1) for j in range(len(cols))] for i in range(len(rows))
        ]
    if tr is not None:
        equations += [
            [(i, j, 1 if i != tr else -1) for i in range(len(rows))] for j in range(len(cols))
        ]
    a = np.zeros((len(equations), len(hidden)))
    b = np.zeros(len(equations))
    for e, eq in enumerate(equations):
        for i, j, c in eq:
            if (i, j) in position:
                a[e, position[(i, j)]] += c
            else:
                b[e] -= c * values[i, j]
    bounds = []
    for i, j in hidden:
        if lower_only:
            bounds.append((1, None))
        elif reasons[i, j] == "primary":
            bounds.append((1, threshold))
        else:
            bounds.append((threshold + 1, None))
    ranges = {}
    for cell, k in position.items():
        cost = np.zeros(len(hidden))
        cost[k] = 1
        low = linprog(cost, A_eq=a, b_eq=b, bounds=bounds)
        high = linprog(-cost, A_eq=a, b_eq=b, bounds=bounds)
        assert low.status == 0 and high.status in (0, 3)
        ranges[cell] = (low.fun, np.inf if high.status == 3 else -high.fun)
    return ranges


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_with_totals())
def test_no_suppressed_cell_can_be_narrowed_even_knowing_its_bounds(case):
    table, total_row, total_col, threshold = case
    result = suppress_counts(table, threshold=threshold, total_row=total_row, total_col=total_col)
    reasons = result.reasons.to_numpy()
    cols = list(result.flags.columns)
    left = (table[cols].to_numpy(dtype=float) != 0) & (reasons == "")
    strong = bounded_ranges(result, total_row, total_col, threshold) if left.any() else {}
    nonzero = table[cols].to_numpy(dtype=float) != 0
    hidden = reasons != ""

    def exhausted(i: int, j: int) -> bool:
        """Every non-zero cell of the cell's row and column is hidden: nothing left to suppress
        (the documented stop, e.g. a row of 1s whose total is itself small)."""
        row_done = total_col is None or not (nonzero[i] & ~hidden[i]).any()
        col_done = total_row is None or not (nonzero[:, j] & ~hidden[:, j]).any()
        return row_done and col_done

    for (i, j), (low, high) in strong.items():
        if exhausted(i, j):
            continue  # checked below against an attacker who cannot tell primary from secondary
        # each keeps at least three whole numbers (two when the threshold is 2 or less)
        need = min(MIN_WIDTH, threshold - 1) if reasons[i, j] == "primary" else MIN_WIDTH
        assert high - low >= need - 1e-6, (i, j, low, high)
    # Not knowing which cell is which (every c is 1 or more): nothing is pinned either.
    for low, high in bounded_ranges(result, total_row, total_col, threshold, True).values():
        assert high - low >= 1 - 1e-6
    # and the package's own attacker agrees: nothing is narrowed to one number
    assert narrowed(result.table[cols], total_row=total_row, total_col=total_col) == {}


# --------------------------------------------------------------------------- bad input


def test_totals_that_do_not_add_up_are_an_error_naming_the_cell():
    table = pd.DataFrame({"a": [3, 10], "b": [20, 7], "total": [23, 18]}, index=["r1", "r2"])
    with pytest.raises(DataError) as info:
        suppress_counts(table, total_col="total")
    assert info.value.column == "total" and info.value.value == 18
    assert "'r2'" in str(info.value) and "17" in str(info.value)


@pytest.mark.parametrize("bad", [-1, 2.5, "c", np.inf])
def test_counts_that_are_not_whole_non_negative_numbers_are_errors(bad):
    table = pd.DataFrame({"a": [3, bad]}, index=["Rutland", "Bristol"], dtype=object)
    with pytest.raises(DataError) as info:
        suppress_counts(table, value_cols=["a"])
    assert info.value.column == "a" and "'Bristol'" in str(info.value)
    assert info.value.value is bad or info.value.value == bad


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": -1},
        {"threshold": 2.5},
        {"total_col": "nope"},
        {"total_row": "nope"},
        {"value_cols": ["nope"]},
        {"value_cols": ["a", "total"], "total_col": "total"},
    ],
)
def test_bad_arguments_are_parameter_errors(kwargs):
    table = pd.DataFrame({"a": [3, 10], "total": [3, 10]})
    with pytest.raises(ParameterError):
        suppress_counts(table, **kwargs)
