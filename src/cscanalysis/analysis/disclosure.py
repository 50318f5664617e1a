"""Small-number suppression (statistical disclosure control) for anything published.

DfE's convention: counts from 1 to 5 are replaced by ``c`` (``x`` in the SFRs before 2018), and
further cells are suppressed ("secondary suppression") so that no suppressed count can be worked
back from a total or from the other cells of its row or column. Zero is never suppressed: a
published 0 discloses nothing about an individual child.

Three entry points, all pure:

- :func:`suppress_counts` for a wide table (rows x columns, with an optional total row and total
  column): primary and secondary suppression, so that no suppressed cell's feasible range
  (:func:`feasible_ranges`) is narrower than :data:`MIN_WIDTH`;
- :func:`suppress_tidy` for the tidy long table: counts, and the rates and percentages whose
  numerator was suppressed (a rate times the published population gives the count back);
- :func:`suppress_series_forecast`: forecasts and intervals of a suppressed series are hidden.

Two attackers: :func:`recover` solves the table's row and column equations by linear algebra
and returns the cells it pins down exactly; :func:`feasible_ranges` (and :func:`integer_ranges`
for any linear relations) also uses what is known of each hidden cell, that it is a whole
number between 1 and 5, say, and gives the smallest and largest value each hidden cell can
take. The second finds what the first misses: 688, ``c``, 0, ``c`` with a total of 690 leaves 2
for two cells that are each at least 1. :mod:`cscanalysis.analysis.disclosure_audit` runs it over
everything a built pack shows.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from cscanalysis.core.errors import CSCAnalysisError, DataError, ParameterError
from cscanalysis.core.measures import COUNT_MEASURES
from cscanalysis.core.metrics import financial_to_reporting_year

SUPPRESSED = "c"
"""The flag of a suppressed cell (DfE's EES symbol)."""

DEFAULT_THRESHOLD = 5

RATE_OF: dict[str, str] = {
    "cla_rate_per_10k": "cla_31_march",
    "cla_starts_rate_per_10k": "cla_starts",
    "cla_ceased_rate_per_10k": "cla_ceased",
    "cin_rate_per_10k": "cin_31_march",
    "referrals_rate_per_10k": "referrals",
    "s47_rate_per_10k": "s47",
    "icpc_rate_per_10k": "icpc",
    "cpp_rate_per_10k": "cpp_31_march",
    "cpp_starts_rate_per_10k": "cpp_starts",
    "rereferral_pct": "rereferrals",
    "cla_3_plus_placements_pct": "cla_3_plus_placements",
    "cla_long_term_stable_pct": "cla_long_term_stable",
    "new_placements_out_far_pct": "new_placements_out_far",
}
"""Rate or percentage measure -> the count measure that is its numerator."""

_TIDY_COLUMNS = ("council_code", "period", "measure", "value", "flag")
_TOL = 1e-8


class Suppressed(NamedTuple):
    """The result of :func:`suppress_counts`.

    ``table``: the input with suppressed cells set to NaN (count columns as float);
    ``flags``: ``"c"`` where suppressed, the caller's flag (or ``""``) where the input was
    already NaN, ``""`` where published; ``reasons``: ``"primary"``, ``"secondary"`` or ``""``.
    ``flags`` and ``reasons`` cover the count columns and the total column only.
    """

    table: pd.DataFrame
    flags: pd.DataFrame
    reasons: pd.DataFrame

    @property
    def mask(self) -> pd.DataFrame:
        """True where this call suppressed the cell (primary or secondary)."""
        return self.reasons != ""


# --------------------------------------------------------------------------- wide tables


class _Layout(NamedTuple):
    rows: list[Hashable]
    cols: list[Hashable]
    total_row: int | None
    total_col: int | None


def _layout(
    table: pd.DataFrame,
    value_cols: Sequence[Hashable] | None,
    total_row: Hashable | None,
    total_col: Hashable | None,
) -> _Layout:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"expected a pandas DataFrame, got {type(table).__name__}")
    if not table.index.is_unique:
        raise ParameterError("the table's index (row labels) must be unique")
    if not table.columns.is_unique:
        raise ParameterError("the table's column labels must be unique")
    if total_col is not None and total_col not in table.columns:
        raise ParameterError(f"total column {total_col!r} is not in the table")
    if total_row is not None and total_row not in table.index:
        raise ParameterError(f"total row {total_row!r} is not in the table's index")
    if value_cols is None:
        value_cols = [
            c
            for c in table.columns
            if c != total_col and pd.api.types.is_numeric_dtype(table[c].dtype)
        ]
    else:
        value_cols = list(value_cols)
        missing = [c for c in value_cols if c not in table.columns]
        if missing:
            raise ParameterError(f"value columns not in the table: {missing!r}")
        if total_col is not None and total_col in value_cols:
            raise ParameterError(
                f"total column {total_col!r} must not also be listed in value_cols"
            )
    if not value_cols:
        raise ParameterError("the table has no count columns to suppress")
    cols = [*value_cols, *([total_col] if total_col is not None else [])]
    rows = list(table.index)
    return _Layout(
        rows=rows,
        cols=cols,
        total_row=None if total_row is None else rows.index(total_row),
        total_col=None if total_col is None else len(cols) - 1,
    )


def _values(table: pd.DataFrame, layout: _Layout) -> np.ndarray:
    """The count cells as a float matrix; NaN where not published. Bad counts are errors."""
    out = np.full((len(layout.rows), len(layout.cols)), np.nan)
    for j, col in enumerate(layout.cols):
        for i, (label, value) in enumerate(zip(layout.rows, table[col], strict=True)):
            if value is None or value is pd.NA:
                continue
            if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
                raise DataError(
                    f"count in row {label!r} is not a number",
                    column=str(col),
                    value=value,
                    expected="a whole number of children, or NaN when not published",
                )
            number = float(value)
            if np.isnan(number):
                continue
            if not np.isfinite(number) or number < 0 or number != round(number):
                raise DataError(
                    f"count in row {label!r} is not a non-negative whole number",
                    column=str(col),
                    value=value,
                    expected="a whole number of children, or NaN when not published",
                )
            out[i, j] = number
    return out


def _equations(layout: _Layout) -> list[list[tuple[int, int, float]]]:
    """Each row/column equation as ``[(i, j, coefficient), ...]`` summing to zero."""
    n_rows, n_cols = len(layout.rows), len(layout.cols)
    part_rows = [i for i in range(n_rows) if i != layout.total_row]
    part_cols = [j for j in range(n_cols) if j != layout.total_col]
    equations = []
    if layout.total_col is not None:
        for i in range(n_rows):
            equations.append([(i, j, 1.0) for j in part_cols] + [(i, layout.total_col, -1.0)])
    if layout.total_row is not None:
        for j in range(n_cols):
            equations.append([(i, j, 1.0) for i in part_rows] + [(layout.total_row, j, -1.0)])
    return equations


def _check_totals(values: np.ndarray, layout: _Layout, equations) -> None:
    for equation in equations:
        cells = [values[i, j] for i, j, _ in equation]
        if any(np.isnan(cells)):
            continue
        residual = sum(c * values[i, j] for i, j, c in equation)
        if abs(residual) > 1e-6:
            i, j, _ = equation[-1]  # the total is always last
            raise DataError(
                f"total in row {layout.rows[i]!r} does not equal the sum of its parts "
                f"({values[i, j] + residual:g})",
                column=str(layout.cols[j]),
                value=values[i, j],
                expected="totals that add up, so that suppression can protect them",
            )


def _solve(values: np.ndarray, unknown: np.ndarray, equations) -> dict[tuple[int, int], float]:
    """Unknown cells that the equations pin down, with their values (the attacker)."""
    cells = sorted({(i, j) for eq in equations for i, j, _ in eq if unknown[i, j]})
    if not cells:
        return {}
    column = {cell: k for k, cell in enumerate(cells)}
    a = np.zeros((len(equations), len(cells)))
    b = np.zeros(len(equations))
    for e, equation in enumerate(equations):
        for i, j, coef in equation:
            if unknown[i, j]:
                a[e, column[(i, j)]] += coef
            else:
                b[e] -= coef * values[i, j]
    _, singular, vt = np.linalg.svd(a, full_matrices=False)
    rank = int((singular > _TOL * max(1.0, singular.max(initial=0.0))).sum())
    # e_k lies in the row space of A (so x_k is determined) iff its projection has norm 1.
    projection = (vt[:rank] ** 2).sum(axis=0)
    solution = np.linalg.lstsq(a, b, rcond=None)[0]
    return {
        cell: round(float(solution[k]), 6) for cell, k in column.items() if projection[k] > 1 - 1e-6
    }


def recover(
    published: pd.DataFrame,
    *,
    value_cols: Sequence[Hashable] | None = None,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
) -> dict[tuple[Hashable, Hashable], float]:
    """Every unpublished (NaN) cell that can be worked out exactly from the published cells.

    Solves the row equations (parts add up to ``total_col``) and the column equations (parts
    add up to ``total_row``) by linear algebra: a cell is recoverable when its unit vector lies
    in the row space of the system restricted to the unknown cells. This finds everything
    "subtract the other cells from the total" finds, iterated, and more (e.g. a cell between
    two suppressed blocks). It does not use what is known of each hidden cell (a whole number,
    at least 1, at most 5 for a primary cell), so it misses 688, ``c``, 0, ``c`` with a total
    of 690 (both ``c`` are 1): :func:`feasible_ranges` finds that too, and
    :func:`suppress_counts` protects against it.

    Returns ``{(row label, column label): value}``.
    """
    layout = _layout(published, value_cols, total_row, total_col)
    values = _values(published, layout)
    equations = _equations(layout)
    found = _solve(values, np.isnan(values), equations)
    return {(layout.rows[i], layout.cols[j]): v for (i, j), v in found.items()}


def is_recoverable(
    published: pd.DataFrame,
    mask: pd.DataFrame | None = None,
    *,
    value_cols: Sequence[Hashable] | None = None,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
) -> bool:
    """True if any suppressed cell of ``published`` can be derived back (see :func:`recover`).

    ``mask`` (True = suppressed) limits the check to those cells; by default every NaN cell
    counts. ``published`` must hold NaN in every suppressed cell.
    """
    found = recover(published, value_cols=value_cols, total_row=total_row, total_col=total_col)
    if mask is None:
        return bool(found)
    return any(bool(mask.loc[row, col]) for row, col in found)


# --------------------------------------------------------------------------- feasible ranges

MIN_WIDTH = 2
"""The width (max - min) a suppressed cell's feasible range must keep (:func:`suppress_counts`)."""


def _components(cells: list[tuple[int, int]], equations) -> list[tuple[list, list]]:
    """Unknown cells grouped by the equations that link them: ``[(cells, equations), ...]``."""
    parent = {cell: cell for cell in cells}

    def find(cell):
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for equation in equations:
        linked = [(i, j) for i, j, _ in equation if (i, j) in parent]
        for other in linked[1:]:
            parent[find(other)] = find(linked[0])
    groups: dict[tuple[int, int], tuple[list, list]] = {}
    for cell in cells:
        groups.setdefault(find(cell), ([], []))[0].append(cell)
    for equation in equations:
        linked = [(i, j) for i, j, _ in equation if (i, j) in parent]
        if linked:
            groups[find(linked[0])][1].append(equation)
    return list(groups.values())


def _one_equation(values, unknown, equation, low, high):
    """Ranges from a single equation whose unknowns all have coefficient 1 or -1.

    Closed form: each unknown's term is the equation's residual less the other terms, which
    range between the sums of their bounds; with unit coefficients and whole-number bounds
    every end is a whole number that can be reached. ``None`` when nothing fits; ``False``
    when the equation has another coefficient (left to the integer program).
    """
    terms = [(i, j, c) for i, j, c in equation if unknown[i, j]]
    if any(abs(c) != 1 for _, _, c in terms):
        return False
    residual = -sum(c * values[i, j] for i, j, c in equation if not unknown[i, j])
    lows = [low[i, j] if c > 0 else -high[i, j] for i, j, c in terms]  # each term c * x
    highs = [high[i, j] if c > 0 else -low[i, j] for i, j, c in terms]
    if not sum(lows) <= residual <= sum(highs):
        return None
    spans = {}
    for k, (i, j, c) in enumerate(terms):
        rest_low = sum(lows[:k] + lows[k + 1 :])
        rest_high = sum(highs[:k] + highs[k + 1 :])
        term_low = max(lows[k], residual - rest_high)
        term_high = min(highs[k], residual - rest_low)
        lo, hi = (term_low, term_high) if c > 0 else (-term_high, -term_low)
        spans[(i, j)] = (float(lo), float(hi))
    return spans


def _ranges(
    values: np.ndarray,
    unknown: np.ndarray,
    equations,
    low: np.ndarray,
    high: np.ndarray,
) -> dict[tuple[int, int], tuple[float, float]] | None:
    """The smallest and largest whole number each unknown cell can be (the attacker).

    Exact integer programming (HiGHS, through :func:`scipy.optimize.milp`) over the equations,
    the published cells and each unknown cell's bounds ``low[i, j]`` to ``high[i, j]``
    (``inf`` for no upper bound). ``None`` when no whole numbers satisfy them all.
    """
    cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(unknown), strict=True)]
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for group, group_equations in _components(cells, equations):
        if not group_equations:
            out[group[0]] = (float(low[group[0]]), float(high[group[0]]))
            continue
        if len(group_equations) == 1:
            spans = _one_equation(values, unknown, group_equations[0], low, high)
            if spans is not False:
                if spans is None:
                    return None
                out.update(spans)
                continue
        from scipy.optimize import Bounds, LinearConstraint, milp

        column = {cell: k for k, cell in enumerate(group)}
        a = np.zeros((len(group_equations), len(group)))
        b = np.zeros(len(group_equations))
        for e, equation in enumerate(group_equations):
            for i, j, coef in equation:
                if unknown[i, j]:
                    a[e, column[(i, j)]] += coef
                else:
                    b[e] -= coef * values[i, j]
        bounds = Bounds([low[c] for c in group], [high[c] for c in group])
        constraint = LinearConstraint(a, b, b)
        integral = np.ones(len(group))
        for cell, k in column.items():
            ends = []
            for sign in (1.0, -1.0):
                cost = np.zeros(len(group))
                cost[k] = sign
                found = milp(cost, constraints=constraint, integrality=integral, bounds=bounds)
                if found.status == 2:
                    return None
                if found.status == 3 or found.x is None:  # unbounded: no limit that way
                    ends.append(-sign * np.inf)
                else:
                    ends.append(round(float(found.x[k])))
            out[cell] = (ends[0], ends[1])
    return out


def integer_ranges(
    known: Mapping[Hashable, float],
    unknown: Mapping[Hashable, tuple[float, float]],
    equations: Sequence[Mapping[Hashable, float]],
) -> dict[Hashable, tuple[float, float]] | None:
    """The smallest and largest whole number each unknown can be, for any linear relations.

    ``known``: published figures; ``unknown``: the hidden ones with their bounds
    ``(low, high)`` (``inf`` for no upper bound); ``equations``: each ``{name: coefficient}``
    summing to 0 (``{"total": -1, "a": 1, "b": 1}`` for total = a + b). ``None`` when no whole
    numbers fit. Used by the pack audit (:mod:`cscanalysis.analysis.disclosure_audit`).
    """
    names = [*known, *(u for u in unknown if u not in known)]
    index = {name: k for k, name in enumerate(names)}
    values = np.array([[float(known.get(n, np.nan)) for n in names]])
    hidden = np.array([[n in unknown and n not in known for n in names]])
    low = np.array([[float(unknown.get(n, (0, 0))[0]) for n in names]])
    high = np.array([[float(unknown.get(n, (0, 0))[1]) for n in names]])
    rows = []
    for equation in equations:
        missing = [n for n in equation if n not in index]
        if missing:
            raise ParameterError(
                f"equation names figures that are neither known nor hidden: {missing}"
            )
        rows.append([(0, index[n], float(c)) for n, c in equation.items()])
    found = _ranges(values, hidden, rows, low, high)
    if found is None:
        return None
    return {names[j]: span for (_, j), span in found.items()}


def _required(low: np.ndarray, high: np.ndarray, min_width: int) -> np.ndarray:
    """The width each cell's range must keep: ``min_width``, or its whole bound when narrower."""
    return np.minimum(float(min_width), high - low)


def feasible_ranges(
    published: pd.DataFrame,
    *,
    value_cols: Sequence[Hashable] | None = None,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    lower: float = 1,
    upper: float = np.inf,
    bounds: Mapping[tuple[Hashable, Hashable], tuple[float, float]] | None = None,
) -> dict[tuple[Hashable, Hashable], tuple[float, float]]:
    """The smallest and largest whole number each unpublished (NaN) cell can be.

    What an attacker knows: the published cells, that the parts add up to ``total_col`` (each
    row) and ``total_row`` (each column), that each unpublished cell lies between ``lower`` and
    ``upper`` (default 1 and no limit: a suppressed count is never 0), or between the bounds
    given for it in ``bounds`` (``{(row, col): (low, high)}``, e.g. ``(1, 5)`` for a cell known
    to be a primary suppression). Exact integer programming, so it finds what subtraction,
    linear algebra (:func:`recover`) and the bounds find together: 688, ``c``, 0, ``c`` with a
    total of 690 gives ``(1, 1)`` for both hidden cells. A cell whose range is one number is
    disclosed. Raises :class:`DataError` when nothing fits (totals and bounds contradict).
    """
    layout = _layout(published, value_cols, total_row, total_col)
    values = _values(published, layout)
    unknown = np.isnan(values)
    low = np.full(values.shape, float(lower))
    high = np.full(values.shape, float(upper))
    for (row, col), (lo, hi) in (bounds or {}).items():
        if row not in layout.rows or col not in layout.cols:
            raise ParameterError(f"bounds name a cell not in the table: {(row, col)!r}")
        i, j = layout.rows.index(row), layout.cols.index(col)
        low[i, j], high[i, j] = float(lo), float(hi)
    found = _ranges(values, unknown, _equations(layout), low, high)
    if found is None:
        raise DataError(
            "no whole numbers within the bounds fit the published cells and totals",
            expected="totals that add up and bounds that hold the hidden counts",
        )
    return {(layout.rows[i], layout.cols[j]): span for (i, j), span in found.items()}


def narrowed(
    published: pd.DataFrame,
    *,
    min_width: int = 1,
    **kwargs,
) -> dict[tuple[Hashable, Hashable], tuple[float, float]]:
    """Unpublished cells whose feasible range (:func:`feasible_ranges`) is narrower than
    ``min_width``; with the default 1, the cells that can be worked out exactly."""
    ranges = feasible_ranges(published, **kwargs)
    return {cell: span for cell, span in ranges.items() if span[1] - span[0] < min_width}


def _choose_complement(
    values: np.ndarray,
    unknown: np.ndarray,
    equations,
    exposed: set[tuple[int, int]],
    layout: _Layout,
) -> tuple[int, int] | None:
    """The published cell to suppress next so that the exposed cells stop being so.

    Looks in the equations that hold an exposed cell. Prefers, in order: an equation with a
    single unknown; a cell whose other row/column already has an unknown (so it closes the
    pattern instead of opening a new one); a part over a total; the smallest count. Zeros are
    never chosen.
    """
    unknowns_in = [sum(bool(unknown[i, j]) for i, j, _ in eq) for eq in equations]
    equations_of: dict[tuple[int, int], list[int]] = {}
    for e, equation in enumerate(equations):
        for i, j, _ in equation:
            equations_of.setdefault((i, j), []).append(e)
    best = None
    for e, equation in enumerate(equations):
        if not any((i, j) in exposed for i, j, _ in equation):
            continue
        for i, j, _ in equation:
            if unknown[i, j] or values[i, j] == 0:
                continue
            opens = sum(unknowns_in[o] == 0 for o in equations_of[(i, j)] if o != e)
            is_total = i == layout.total_row or j == layout.total_col
            key = (unknowns_in[e] != 1, opens, is_total, values[i, j], i, j)
            if best is None or key < best:
                best = key
    return None if best is None else (best[-2], best[-1])


def _exposed(
    values: np.ndarray,
    unknown: np.ndarray,
    equations,
    low: np.ndarray,
    high: np.ndarray,
    min_width: int,
) -> set[tuple[int, int]]:
    """Unknown cells whose feasible range is narrower than they must keep."""
    ranges = _ranges(values, unknown, equations, low, high)
    if ranges is None:  # pragma: no cover - the true values always fit their own bounds
        raise CSCAnalysisError("the suppressed cells' bounds do not hold their own values")
    need = _required(low, high, min_width)
    return {cell for cell, (lo, hi) in ranges.items() if hi - lo < need[cell] - 1e-9}


def _fallback_complement(
    values: np.ndarray,
    unknown: np.ndarray,
    equations,
    low: np.ndarray,
    high: np.ndarray,
    threshold: int,
    min_width: int,
    layout: _Layout,
) -> tuple[int, int] | None:
    """Greedy search over every published non-zero cell: fewest exposed cells after, if
    fewer than now (``None`` when no cell helps)."""
    best = None
    now = len(_exposed(values, unknown, equations, low, high, min_width))
    for i, j in zip(*np.nonzero(~unknown & (values != 0)), strict=True):
        trial, trial_low = unknown.copy(), low.copy()
        trial[i, j] = True
        trial_low[i, j] = threshold + 1
        left = len(_exposed(values, trial, equations, trial_low, high, min_width))
        is_total = i == layout.total_row or j == layout.total_col
        key = (left, is_total, values[i, j], int(i), int(j))
        if left < now and (best is None or key < best):
            best = key
    return None if best is None else (best[-2], best[-1])


def suppress_counts(
    table: pd.DataFrame,
    *,
    value_cols: Sequence[Hashable] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    total_row: Hashable | None = None,
    total_col: Hashable | None = None,
    flags: pd.DataFrame | None = None,
    min_width: int = MIN_WIDTH,
) -> Suppressed:
    """Primary and secondary suppression of a wide table of counts.

    ``value_cols``: the count columns (default: every numeric column but ``total_col``);
    other columns (labels) are passed through. ``total_col``: a column holding each row's
    total of ``value_cols``; ``total_row``: an index label whose row holds each column's total
    over the other rows (with both, their crossing is the grand total). Totals must add up.

    1. Primary: counts from 1 to ``threshold`` (totals included) are suppressed. Zero is not
       suppressed: DfE publishes 0 and suppresses 1 to 5 (``c``; ``x`` in the old SFRs).
    2. Secondary, against an attacker who knows every published cell and total, that each
       primary cell lies between 1 and ``threshold``, that each secondary cell is above
       ``threshold`` (only published non-zero cells are chosen, and every published cell is
       0 or above ``threshold``), and that a cell NaN on input is 1 or more when its flag is
       ``c`` (0 or more otherwise): each suppressed cell's feasible range, the smallest to
       the largest whole number consistent with all of that (:func:`feasible_ranges`), must
       span at least ``min_width`` (default 2, so at least three values remain possible), or
       its whole bound when that is narrower (with ``threshold`` 2 a primary cell can only be
       1 or 2). While a range is narrower, one more published non-zero cell of a row or
       column holding it is suppressed: in a row or column with a single unknown first, then
       one that closes the pattern, a part before a total, the smallest count first.

    Rule in one line: no suppressed cell can be narrowed to fewer than ``min_width + 1``
    whole numbers, so none can be worked out (as in 688, ``c``, 0, ``c`` with a total of 690,
    which linear algebra alone misses). Zeros are never suppressed as complements. Where
    suppressing more cannot widen a range (every non-zero cell of its rows and columns is
    suppressed, e.g. a table of 1s), it stops: such a table shows only its zeros, and to anyone
    who does not know which ``c`` is primary no hidden cell is pinned (double every non-zero
    cell and all the equations still hold).
    NaN cells on input are unknowns (their flag is taken from ``flags`` if given, else ``""``).
    Raises :class:`DataError` for a count that is not a non-negative whole number or totals
    that do not add up, :class:`ParameterError` for bad arguments.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)):
        raise ParameterError(f"threshold must be a whole number, got {threshold!r}")
    if threshold < 0:
        raise ParameterError(f"threshold must be 0 or more, got {threshold}")
    if isinstance(min_width, bool) or not isinstance(min_width, (int, np.integer)):
        raise ParameterError(f"min_width must be a whole number, got {min_width!r}")
    if min_width < 0:
        raise ParameterError(f"min_width must be 0 or more, got {min_width}")
    layout = _layout(table, value_cols, total_row, total_col)
    values = _values(table, layout)
    equations = _equations(layout)
    _check_totals(values, layout, equations)

    given_nan = np.isnan(values)
    reasons = np.full(values.shape, "", dtype=object)
    primary = ~given_nan & (values >= 1) & (values <= threshold)
    reasons[primary] = "primary"
    unknown = given_nan | primary
    low = np.zeros(values.shape)
    high = np.full(values.shape, np.inf)
    low[primary], high[primary] = 1.0, float(threshold)
    if flags is not None:
        for j, col in enumerate(layout.cols):
            if col in flags.columns:
                given = flags[col].reindex(table.index).fillna("").astype(str).to_numpy()
                low[:, j] = np.where(given_nan[:, j] & (given == SUPPRESSED), 1.0, low[:, j])
    if _ranges(values, unknown, equations, low, high) is None:
        low[given_nan] = 0.0  # the input's symbols cannot all be 1 or more: do not assume it

    while True:
        exposed = _exposed(values, unknown, equations, low, high, min_width)
        if not exposed:
            break
        cell = _choose_complement(values, unknown, equations, exposed, layout)
        if cell is None:
            cell = _fallback_complement(
                values, unknown, equations, low, high, threshold, min_width, layout
            )
        if cell is None:  # every non-zero cell that could help is suppressed already
            break
        unknown[cell] = True
        low[cell] = threshold + 1
        reasons[cell] = "secondary"

    out = table.copy()
    flag_frame = pd.DataFrame("", index=table.index, columns=layout.cols, dtype=object)
    for j, col in enumerate(layout.cols):
        column = values[:, j].copy()
        column[reasons[:, j] != ""] = np.nan
        out[col] = column
        flag_frame[col] = np.where(reasons[:, j] != "", SUPPRESSED, "")
        if flags is not None and col in flags.columns:
            given = flags[col].reindex(table.index).fillna("").astype(str).to_numpy()
            flag_frame[col] = np.where(given_nan[:, j], given, flag_frame[col].to_numpy())
    reason_frame = pd.DataFrame(reasons, index=table.index, columns=layout.cols)
    return Suppressed(out, flag_frame, reason_frame)


# --------------------------------------------------------------------------- tidy table


def _require_tidy(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            "tidy table is missing columns",
            column=", ".join(missing),
            expected="columns " + ", ".join(_TIDY_COLUMNS),
        )


def _set_flag(frame: pd.DataFrame, rows: pd.Series, flag: str = SUPPRESSED) -> None:
    if "flag" not in frame.columns:
        frame["flag"] = ""
    dtype = frame["flag"].dtype
    if isinstance(dtype, pd.CategoricalDtype) and flag not in dtype.categories:
        frame["flag"] = frame["flag"].cat.add_categories([flag])
    frame.loc[rows, "flag"] = flag


def suppress_tidy(
    tidy: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    count_measures: Iterable[str] = COUNT_MEASURES,
    rate_of: Mapping[str, str] = RATE_OF,
) -> pd.DataFrame:
    """Suppress small counts in the tidy long table, and the rates computed from them.

    - A row whose ``measure`` is in ``count_measures`` and whose value is from 1 to
      ``threshold`` gets value NaN and flag ``c``. Zero is not suppressed.
    - A row whose measure is a key of ``rate_of`` (rate or percentage -> numerator count) is
      suppressed when the numerator of the same ``council_code`` and ``period`` is suppressed
      (flag ``c``, by this call or as published): the rate times the published population
      would give the count back (e.g. City of London 2023: 152 per 10,000 of 591 is 9).

    This is cell-level suppression of each council's figures. Tables with totals (for example
    councils adding up to a region) need :func:`suppress_counts`. Returns a new table.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)):
        raise ParameterError(f"threshold must be a whole number, got {threshold!r}")
    if threshold < 0:
        raise ParameterError(f"threshold must be 0 or more, got {threshold}")
    _require_tidy(tidy, _TIDY_COLUMNS)
    out = tidy.copy()
    try:
        value = pd.to_numeric(out["value"], errors="raise").astype(float)
    except (TypeError, ValueError) as error:
        raise DataError(
            f"tidy table has a value that is not a number ({error})",
            column="value",
            expected="floats, NaN where not published",
        ) from error
    small = out["measure"].isin(list(count_measures)) & (value >= 1) & (value <= threshold)
    out["value"] = value.mask(small)
    _set_flag(out, small)

    suppressed = out["value"].isna() & (out["flag"].astype(str) == SUPPRESSED)
    hidden = out.loc[suppressed, ["council_code", "period", "measure"]]
    hidden_keys = set(zip(hidden["council_code"], hidden["period"], hidden["measure"], strict=True))
    if rate_of and hidden_keys:
        numerators = out["measure"].map(dict(rate_of))
        keys = zip(out["council_code"], out["period"], numerators, strict=True)
        follows = pd.Series(
            [isinstance(n, str) and (c, p, n) in hidden_keys for c, p, n in keys],
            index=out.index,
            dtype=bool,
        )
        out.loc[follows, "value"] = np.nan
        _set_flag(out, follows)
    return out


# --------------------------------------------------------------------------- forecasts


def find_suppressed_series(
    tidy: pd.DataFrame,
    *,
    keys: Sequence[str] = ("council_code", "measure"),
    how: Literal["any", "last"] = "any",
) -> set[tuple]:
    """Series (one per ``keys`` combination) with a suppressed (``c``) value.

    ``how="any"`` (the default, conservative): any period suppressed; ``how="last"``: the
    latest period (by ``period`` string order) suppressed. Pass the table after
    :func:`suppress_tidy`.
    """
    _require_tidy(tidy, [*keys, "period", "value", "flag"])
    if how not in ("any", "last"):
        raise ParameterError(f"how must be 'any' or 'last', got {how!r}")
    frame = tidy
    if how == "last":
        frame = tidy.sort_values("period").groupby(list(keys), sort=False).tail(1)
    hit = frame["value"].isna() & (frame["flag"].astype(str) == SUPPRESSED)
    return set(frame.loc[hit, list(keys)].itertuples(index=False, name=None))


def suppress_series_forecast(
    forecast_df: pd.DataFrame,
    suppressed_series: Iterable[tuple] | Iterable[str] | pd.DataFrame,
    *,
    keys: Sequence[str] | None = None,
    measure: str | None = None,
    how: Literal["any", "last"] = "any",
    value_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Hide the forecasts and intervals of suppressed series.

    ``keys``: the columns naming a series (default ``council_code`` and ``measure``, or just
    ``council_code`` when the forecast has no ``measure`` column, as
    :func:`cscanalysis.forecasting.forecast.forecast` returns). ``suppressed_series``: key tuples in
    the order of ``keys`` (plain strings when there is one key), or the suppressed tidy table,
    passed to :func:`find_suppressed_series` with ``how``; ``measure`` then picks the measure
    forecast (needed when the tidy table holds several and ``keys`` has no ``measure``).
    ``value_cols``: the columns to blank (default: every float column not in ``keys``, e.g. ``mean,
    lo80, hi80, lo95, hi95, sd``). Blanked rows get NaN and flag ``c`` (a ``flag`` column is added
    if missing). Returns a new table.
    """
    if keys is None:
        keys = ["council_code", "measure"] if "measure" in forecast_df.columns else ["council_code"]
    keys = list(keys)
    missing = [k for k in keys if k not in forecast_df.columns]
    if missing:
        raise DataError(
            "forecast table is missing key columns",
            column=", ".join(missing),
            expected="columns " + ", ".join(keys),
        )
    if isinstance(suppressed_series, pd.DataFrame):
        tidy = suppressed_series
        if measure is not None:
            _require_tidy(tidy, ["measure"])
            tidy = tidy[tidy["measure"] == measure]
        elif "measure" not in keys and "measure" in tidy.columns and tidy["measure"].nunique() > 1:
            raise ParameterError(
                "the tidy table holds several measures and the forecast has no measure column: "
                "pass measure= to say which one was forecast"
            )
        series = find_suppressed_series(tidy, keys=keys, how=how)
    else:
        series = {(s,) if isinstance(s, str) else tuple(s) for s in suppressed_series}
    bad = [s for s in series if len(s) != len(keys)]
    if bad:
        raise ParameterError(f"series keys must have {len(keys)} parts ({keys}), got {bad[0]!r}")
    if value_cols is None:
        value_cols = [
            c
            for c in forecast_df.columns
            if c not in keys and pd.api.types.is_float_dtype(forecast_df[c].dtype)
        ]
    out = forecast_df.copy()
    row_keys = out[keys].itertuples(index=False, name=None)
    hide = pd.Series([k in series for k in row_keys], index=out.index, dtype=bool)
    for col in value_cols:
        out[col] = out[col].astype(float).mask(hide)
    if "flag" not in out.columns:
        out["flag"] = ""
    _set_flag(out, hide)
    return out


def hide_per_child(tidy: pd.DataFrame) -> pd.DataFrame:
    """Suppress spending per child looked after where the count it divides by is suppressed.

    A published total divided by the per-child figure would give the suppressed count back.
    """
    per_child = tidy["measure"] == "spend_per_child_looked_after"
    if not per_child.any():
        return tidy
    counts = tidy[(tidy["measure"] == "cla_31_march") & (tidy["flag"] == SUPPRESSED)]
    hidden = set(zip(counts["council_code"], counts["period"], strict=True))
    year = financial_to_reporting_year(tidy.loc[per_child, "period"])
    keys = zip(tidy.loc[per_child, "council_code"], year, strict=True)
    mask = pd.Series(False, index=tidy.index)
    mask[per_child] = [key in hidden for key in keys]
    if not mask.any():
        return tidy
    out = tidy.copy()
    out.loc[mask, "value"] = np.nan
    out.loc[mask, "flag"] = SUPPRESSED
    return out
