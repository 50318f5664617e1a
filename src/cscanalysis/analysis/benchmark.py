"""A council against England, its region and its statistical neighbours: values, rank, quartile.

Pure functions on the tidy table. The statistical-neighbour figure is the simple mean of the
neighbours' published values, as DfE's benchmarking tool computes it; a neighbour with no value
that year is left out of the mean and the count of neighbours used is returned with it.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from cscanalysis.core.councils import ENGLAND_CODE, CouncilRegister


def measure_table(tidy: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Rows of one measure, indexed by (council_code, period). Treat it as read-only.

    A pack asks for some thirty measures, so the table is split by measure once and the
    pieces are kept while ``tidy`` lives (:data:`SPLITS`; a batch kernel's packs share one
    published table).
    """
    pieces = _split(tidy)
    return pieces.get(measure, pieces[None])


def council_rows(tidy: pd.DataFrame, measure: str, code: str) -> pd.DataFrame:
    """One council's rows of one measure (``value``, ``flag``), indexed by period. Read-only.

    The measure's rows are grouped by council once per table (where each council's rows are)
    and a council's rows are taken out when first asked for, then kept: a pack asks for a few
    councils of each measure, a batch kernel for all of them in turn.
    """
    pieces = _split(tidy)
    key = ("by council", measure)
    if key not in pieces:
        table = measure_table(tidy, measure)
        where = table.groupby(level="council_code", sort=False, observed=True).indices
        pieces[key] = (table, where, {})
    table, where, taken = pieces[key]
    if code not in taken:
        rows = table.iloc[where[code]] if code in where else table.iloc[:0]
        taken[code] = rows.droplevel("council_code")
    return taken[code]


class TableSplits:
    """The pieces of one tidy table, kept while the table lives: its rows split by measure,
    each measure's rows split by council and its league tables.

    A pack asks for some thirty measures and a hundred council series, so splitting the table
    once saves most of the lookups' time. **Keyed by the table object**, through a weak reference
    (a freed table is never confused with a new one at the same address), not by its content
    (hashing 500,000 rows on every lookup would cost more than the lookups): tables are
    read-only by contract (``load_tidy``'s table and :func:`cscanalysis.packs.evidence.content.
    publication_table`'s are never changed in place; change a copy, which is a new object).
    One table at a time is kept, since a kernel builds its packs from one release.
    """

    def __init__(self) -> None:
        self._table: weakref.ref | None = None
        self._pieces: dict = {}

    def of(self, tidy: pd.DataFrame) -> dict:
        """``{measure: rows}`` for ``tidy`` (``None``: no rows), with room for derived pieces."""
        if self._table is not None and self._table() is tidy:
            return self._pieces
        indexed = tidy.set_index(["council_code", "period"])[["measure", "value", "flag"]]
        pieces: dict = {
            measure: rows[["value", "flag"]]
            for measure, rows in indexed.groupby("measure", sort=False, observed=True)
        }
        pieces[None] = indexed.iloc[:0][["value", "flag"]]
        self._table, self._pieces = weakref.ref(tidy), pieces
        return pieces

    def clear(self) -> None:
        self._table, self._pieces = None, {}


SPLITS = TableSplits()
"""The process's splits (see :class:`TableSplits`)."""


def _split(tidy: pd.DataFrame) -> dict:
    return SPLITS.of(tidy)


def comparison(
    tidy: pd.DataFrame, code: str, measure: str, register: CouncilRegister
) -> pd.DataFrame:
    """Per period: the council, its neighbours' mean, its region and England.

    Columns ``period, council, council_flag, neighbours, neighbours_n, region, england``;
    periods are those in which any of them has a row.
    """
    table = measure_table(tidy, measure)
    neighbours = register.neighbours(code)
    region = register.region_of(code)

    def column(area: str) -> pd.Series:
        return council_rows(tidy, measure, area)["value"]

    def flags(area: str) -> pd.Series:
        return council_rows(tidy, measure, area)["flag"]

    if neighbours:
        nb = table[table.index.get_level_values("council_code").isin(neighbours)]["value"]
        nb_mean = nb.groupby(level="period").mean()
        nb_count = nb.groupby(level="period").count()
    else:
        nb_mean = nb_count = pd.Series(dtype=float)
    out = pd.DataFrame(
        {
            "council": column(code),
            "council_flag": flags(code),
            "neighbours": nb_mean,
            "neighbours_n": nb_count,
            "region": column(region),
            "england": column(ENGLAND_CODE),
        }
    )
    out.index.name = "period"
    out["council_flag"] = out["council_flag"].fillna("")
    out["neighbours_n"] = out["neighbours_n"].fillna(0).astype(int)
    return out.sort_index().reset_index()


def league_table(
    tidy: pd.DataFrame, measure: str, period: str, register: CouncilRegister
) -> pd.DataFrame:
    """Every council existing in ``period`` with its value, rank and quartile.

    Rank 1 is the lowest value; ties share the lowest rank. Quartile 1 holds the lowest quarter
    of values and 4 the highest. Councils with no published value get no rank.
    """
    key = ("league", measure, period, id(register))
    pieces = _split(tidy)
    if key not in pieces:
        pieces[key] = _league_table(tidy, measure, period, register)
    return pieces[key].copy()


def _league_table(
    tidy: pd.DataFrame, measure: str, period: str, register: CouncilRegister
) -> pd.DataFrame:
    year = int(period[:4])
    codes = [c.code for c in register.councils(year)]
    table = measure_table(tidy, measure)
    rows = table[
        (table.index.get_level_values("period") == period)
        & table.index.get_level_values("council_code").isin(codes)
    ]
    rows = rows.reset_index("period", drop=True).reindex(codes)
    rows["flag"] = rows["flag"].fillna("")
    valued = rows["value"].notna()
    rows["rank"] = rows["value"].rank(method="min")
    rows["of"] = int(valued.sum())
    pct = (rows["rank"] - 1) / max(int(valued.sum()), 1)
    rows["quartile"] = np.where(valued, np.floor(pct * 4).clip(0, 3) + 1, np.nan)
    rows.index.name = "council_code"
    return rows.reset_index()


def position(
    tidy: pd.DataFrame, code: str, measure: str, period: str, register: CouncilRegister
) -> dict[str, float]:
    """The council's rank (1 = lowest), the number ranked, and its quartile (1 = lowest)."""
    table = league_table(tidy, measure, period, register).set_index("council_code")
    if code not in table.index:
        return {"rank": np.nan, "of": np.nan, "quartile": np.nan}
    row = table.loc[code]
    return {"rank": row["rank"], "of": row["of"], "quartile": row["quartile"]}
