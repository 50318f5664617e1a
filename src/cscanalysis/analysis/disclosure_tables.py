"""Primary and secondary suppression of a wide table of counts (:func:`suppress_counts`).

Counts from 1 to 5 are suppressed (primary), then further cells (secondary) until no suppressed
cell's feasible range (:func:`cscanalysis.analysis.disclosure_attack.feasible_ranges`) is
narrower than :data:`MIN_WIDTH`: no hidden count can be worked back from a total or from the
other cells of its row or column. Zero is never suppressed.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from cscanalysis.analysis.disclosure import DEFAULT_THRESHOLD, SUPPRESSED
from cscanalysis.analysis.disclosure_attack import (
    Cell,
    Equation,
    TableLayout,
    cell_ranges,
    check_totals,
    count_matrix,
    table_equations,
    table_layout,
)
from cscanalysis.core.errors import CSCAnalysisError, ParameterError


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


MIN_WIDTH = 2
"""The width (max - min) a suppressed cell's feasible range must keep (:func:`suppress_counts`)."""


def _required(low: np.ndarray, high: np.ndarray, min_width: int) -> np.ndarray:
    """The width each cell's range must keep: ``min_width``, or its whole bound when narrower."""
    return np.minimum(float(min_width), high - low)


def _choose_complement(
    values: np.ndarray,
    unknown: np.ndarray,
    equations: Sequence[Equation],
    exposed: set[Cell],
    layout: TableLayout,
) -> Cell | None:
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
    equations: Sequence[Equation],
    low: np.ndarray,
    high: np.ndarray,
    min_width: int,
) -> set[Cell]:
    """Unknown cells whose feasible range is narrower than they must keep."""
    ranges = cell_ranges(values, unknown, equations, low, high)
    if ranges is None:  # pragma: no cover - the true values always fit their own bounds
        raise CSCAnalysisError("the suppressed cells' bounds do not hold their own values")
    need = _required(low, high, min_width)
    return {cell for cell, (lo, hi) in ranges.items() if hi - lo < need[cell] - 1e-9}


def _fallback_complement(
    values: np.ndarray,
    unknown: np.ndarray,
    equations: Sequence[Equation],
    low: np.ndarray,
    high: np.ndarray,
    threshold: int,
    min_width: int,
    layout: TableLayout,
) -> Cell | None:
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
       the largest whole number consistent with all of that
       (:func:`~cscanalysis.analysis.disclosure_attack.feasible_ranges`), must
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
    layout = table_layout(table, value_cols, total_row, total_col)
    values = count_matrix(table, layout)
    equations = table_equations(layout)
    check_totals(values, layout, equations)

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
    if cell_ranges(values, unknown, equations, low, high) is None:
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
