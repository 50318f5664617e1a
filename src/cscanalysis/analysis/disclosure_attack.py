"""What can be worked back from a published table (the attacker of disclosure control).

:func:`recover` solves the table's row and column equations by linear algebra and returns the
cells it pins down exactly; :func:`feasible_ranges` (and :func:`integer_ranges` for any linear
relations) also uses what is known of each hidden cell, that it is a whole number between 1 and
5, say, and gives the smallest and largest value each hidden cell can take. The second finds
what the first misses: 688, ``c``, 0, ``c`` with a total of 690 leaves 2 for two cells that are
each at least 1. :func:`cscanalysis.analysis.disclosure_tables.suppress_counts` suppresses until
no hidden cell can be narrowed; :mod:`cscanalysis.analysis.disclosure_audit` runs the attacker
over everything a built pack shows.

A table is read as a :class:`TableLayout` (its rows, count columns and totals), its cells as a
float matrix (:func:`count_matrix`) and its sums as equations (:func:`table_equations`), each a
list of ``(row, column, coefficient)`` summing to zero.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Literal, NamedTuple, TypeVar

import numpy as np
import pandas as pd

from cscanalysis.core.errors import DataError, ParameterError

_TOL = 1e-8
Cell = tuple[int, int]
Equation = list[tuple[int, int, float]]
K = TypeVar("K", bound=Hashable)


class TableLayout(NamedTuple):
    """A wide table's row labels, count columns (the total column last) and the positions of
    its total row and total column, if any."""

    rows: list[Hashable]
    cols: list[Hashable]
    total_row: int | None
    total_col: int | None


def table_layout(
    table: pd.DataFrame,
    value_cols: Sequence[Hashable] | None,
    total_row: Hashable | None,
    total_col: Hashable | None,
) -> TableLayout:
    """The table's layout, checked: unique labels, the totals present, count columns given
    or found (every numeric column but the total column)."""
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
    return TableLayout(
        rows=rows,
        cols=cols,
        total_row=None if total_row is None else rows.index(total_row),
        total_col=None if total_col is None else len(cols) - 1,
    )


def count_matrix(table: pd.DataFrame, layout: TableLayout) -> np.ndarray:
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


def table_equations(layout: TableLayout) -> list[Equation]:
    """Each row/column equation as ``[(i, j, coefficient), ...]`` summing to zero."""
    n_rows, n_cols = len(layout.rows), len(layout.cols)
    part_rows = [i for i in range(n_rows) if i != layout.total_row]
    part_cols = [j for j in range(n_cols) if j != layout.total_col]
    equations: list[Equation] = []
    if layout.total_col is not None:
        for i in range(n_rows):
            equations.append([(i, j, 1.0) for j in part_cols] + [(i, layout.total_col, -1.0)])
    if layout.total_row is not None:
        for j in range(n_cols):
            equations.append([(i, j, 1.0) for i in part_rows] + [(layout.total_row, j, -1.0)])
    return equations


def check_totals(values: np.ndarray, layout: TableLayout, equations: Sequence[Equation]) -> None:
    """Totals that do not add up (where every cell is published) are a :class:`DataError`."""
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


def _system(
    values: np.ndarray, unknown: np.ndarray, equations: Sequence[Equation], cells: Sequence[Cell]
) -> tuple[np.ndarray, np.ndarray]:
    """The equations as ``a @ x = b`` in the unknown ``cells`` (known cells moved to ``b``)."""
    column = {cell: k for k, cell in enumerate(cells)}
    a = np.zeros((len(equations), len(cells)))
    b = np.zeros(len(equations))
    for e, equation in enumerate(equations):
        for i, j, coef in equation:
            if unknown[i, j]:
                a[e, column[(i, j)]] += coef
            else:
                b[e] -= coef * values[i, j]
    return a, b


def _solve(
    values: np.ndarray, unknown: np.ndarray, equations: Sequence[Equation]
) -> dict[Cell, float]:
    """Unknown cells that the equations pin down, with their values (the attacker)."""
    cells = sorted({(i, j) for eq in equations for i, j, _ in eq if unknown[i, j]})
    if not cells:
        return {}
    a, b = _system(values, unknown, equations, cells)
    _, singular, vt = np.linalg.svd(a, full_matrices=False)
    rank = int((singular > _TOL * max(1.0, singular.max(initial=0.0))).sum())
    # e_k lies in the row space of A (so x_k is determined) iff its projection has norm 1.
    projection = (vt[:rank] ** 2).sum(axis=0)
    solution = np.linalg.lstsq(a, b, rcond=None)[0]
    return {
        cell: round(float(solution[k]), 6)
        for k, cell in enumerate(cells)
        if projection[k] > 1 - 1e-6
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
    :func:`~cscanalysis.analysis.disclosure_tables.suppress_counts` protects against it.

    Returns ``{(row label, column label): value}``.
    """
    layout = table_layout(published, value_cols, total_row, total_col)
    values = count_matrix(published, layout)
    equations = table_equations(layout)
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


def _components(
    cells: list[Cell], equations: Sequence[Equation]
) -> list[tuple[list[Cell], list[Equation]]]:
    """Unknown cells grouped by the equations that link them: ``[(cells, equations), ...]``."""
    parent = {cell: cell for cell in cells}

    def find(cell: Cell) -> Cell:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for equation in equations:
        linked = [(i, j) for i, j, _ in equation if (i, j) in parent]
        for other in linked[1:]:
            parent[find(other)] = find(linked[0])
    groups: dict[Cell, tuple[list[Cell], list[Equation]]] = {}
    for cell in cells:
        groups.setdefault(find(cell), ([], []))[0].append(cell)
    for equation in equations:
        linked = [(i, j) for i, j, _ in equation if (i, j) in parent]
        if linked:
            groups[find(linked[0])][1].append(equation)
    return list(groups.values())


def _one_equation(
    values: np.ndarray, unknown: np.ndarray, equation: Equation, low: np.ndarray, high: np.ndarray
) -> dict[Cell, tuple[float, float]] | Literal[False] | None:
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
    spans: dict[Cell, tuple[float, float]] = {}
    for k, (i, j, c) in enumerate(terms):
        rest_low = sum(lows[:k] + lows[k + 1 :])
        rest_high = sum(highs[:k] + highs[k + 1 :])
        term_low = max(lows[k], residual - rest_high)
        term_high = min(highs[k], residual - rest_low)
        lo, hi = (term_low, term_high) if c > 0 else (-term_high, -term_low)
        spans[(i, j)] = (float(lo), float(hi))
    return spans


def cell_ranges(
    values: np.ndarray,
    unknown: np.ndarray,
    equations: Sequence[Equation],
    low: np.ndarray,
    high: np.ndarray,
) -> dict[Cell, tuple[float, float]] | None:
    """The smallest and largest whole number each unknown cell can be (the attacker).

    Exact integer programming (HiGHS, through :func:`scipy.optimize.milp`) over the equations,
    the published cells and each unknown cell's bounds ``low[i, j]`` to ``high[i, j]``
    (``inf`` for no upper bound). ``None`` when no whole numbers satisfy them all.
    """
    cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(unknown), strict=True)]
    out: dict[Cell, tuple[float, float]] = {}
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

        a, b = _system(values, unknown, group_equations, group)
        bounds = Bounds([low[c] for c in group], [high[c] for c in group])
        constraint = LinearConstraint(a, b, b)
        integral = np.ones(len(group))
        for k, cell in enumerate(group):
            ends: list[float] = []
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
    known: Mapping[K, float],
    unknown: Mapping[K, tuple[float, float]],
    equations: Sequence[Mapping[K, float]],
) -> dict[K, tuple[float, float]] | None:
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
    found = cell_ranges(values, hidden, rows, low, high)
    if found is None:
        return None
    return {names[j]: span for (_, j), span in found.items()}


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
    layout = table_layout(published, value_cols, total_row, total_col)
    values = count_matrix(published, layout)
    unknown = np.isnan(values)
    low = np.full(values.shape, float(lower))
    high = np.full(values.shape, float(upper))
    for (row, col), (lo, hi) in (bounds or {}).items():
        if row not in layout.rows or col not in layout.cols:
            raise ParameterError(f"bounds name a cell not in the table: {(row, col)!r}")
        i, j = layout.rows.index(row), layout.cols.index(col)
        low[i, j], high[i, j] = float(lo), float(hi)
    found = cell_ranges(values, unknown, table_equations(layout), low, high)
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
