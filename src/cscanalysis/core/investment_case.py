"""The invest-to-save case table that :func:`cscanalysis.sources.casefiles.read_case` returns and
:mod:`cscanalysis.analysis.finance` works on: its columns, kinds and savings bases, a check that a
table is one, and the conversion of savings given as increments to each year's saving.

A case has one row per year, item and kind::

    year         financial year, canonical ``'2017-18'``
    item         free text (``'Investment - capital'``, ``'Demand management'``)
    kind         ``capital``, ``one_off_revenue``, ``ongoing_cost`` or ``saving``
    amount       pounds, zero or more (savings are entered as positive reductions in spend)
    amount_low   optional lower bound on a saving (NaN where not given)
    amount_high  optional upper bound on a saving
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cscanalysis.core.errors import DataError
from cscanalysis.core.periods import financial_year_label, financial_year_start

__all__ = [
    "CASE_COLUMNS",
    "INVESTMENT_KINDS",
    "KINDS",
    "SAVINGS_BASES",
    "check_case",
    "incremental_to_annual",
    "with_bounds",
    "year_range",
]

KINDS = ("capital", "one_off_revenue", "ongoing_cost", "saving")
INVESTMENT_KINDS = ("capital", "one_off_revenue", "ongoing_cost")
SAVINGS_BASES = ("annual", "incremental")
CASE_COLUMNS = ["year", "item", "kind", "amount", "amount_low", "amount_high"]


def check_case(case: pd.DataFrame) -> None:
    """Raise :class:`DataError` unless ``case`` has the columns, kinds and years of a case."""
    missing = [c for c in ("year", "item", "kind", "amount") if c not in case.columns]
    if missing:
        raise DataError(
            "the case has no column " + ", ".join(repr(c) for c in missing),
            column=missing[0],
            expected="columns year, item, kind, amount",
        )
    bad = case.loc[~case["kind"].isin(KINDS), "kind"]
    if len(bad):
        raise DataError(
            "unknown kind", column="kind", value=bad.iloc[0], expected="one of " + ", ".join(KINDS)
        )
    for year in pd.unique(case["year"]):
        try:
            financial_year_start(year)
        except ValueError:
            raise DataError(
                "not a financial year", column="year", value=year, expected="such as '2017-18'"
            ) from None


def with_bounds(case: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``case`` with float ``amount_low`` and ``amount_high`` (NaN where absent)."""
    out = case.copy()
    for column in ("amount_low", "amount_high"):
        if column not in out.columns:
            out[column] = np.nan
        out[column] = out[column].astype(float)
    return out


def incremental_to_annual(case: pd.DataFrame) -> pd.DataFrame:
    """Turn savings given as increments on the previous year into each year's saving.

    Each savings item's increments are added up year by year, over every year of the case (an
    item's saving carries on after its last increment). Bounds are accumulated the same way
    (a blank bound counts as the increment itself). Other kinds are unchanged. Bristol's
    "Savings proposals" 813, 1,642, 2,195, 1,827, 453 (2018/19 to 2022/23) become its "Gross
    Revenue Savings" 813, 2,455, 4,650, 6,477, 6,930.
    """
    check_case(case)
    case = with_bounds(case)
    years = year_range(case["year"])
    savings = case[case["kind"] == "saving"]
    others = case[case["kind"] != "saving"]
    rows = []
    for item, group in savings.groupby("item", sort=False):
        low = group["amount_low"].fillna(group["amount"])
        high = group["amount_high"].fillna(group["amount"])
        has_low, has_high = group["amount_low"].notna().any(), group["amount_high"].notna().any()
        by_year = (
            pd.DataFrame(
                {
                    "amount": group["amount"].to_numpy(),
                    "low": low.to_numpy(),
                    "high": high.to_numpy(),
                },
                index=group["year"].to_numpy(),
            )
            .groupby(level=0)
            .sum()
        )
        cumulative = by_year.reindex(years, fill_value=0.0).cumsum()
        first = min(group["year"])
        for year in years:
            if year < first:
                continue
            rows.append(
                {
                    "year": year,
                    "item": item,
                    "kind": "saving",
                    "amount": float(cumulative.at[year, "amount"]),
                    "amount_low": float(cumulative.at[year, "low"]) if has_low else math.nan,
                    "amount_high": float(cumulative.at[year, "high"]) if has_high else math.nan,
                }
            )
    annual = pd.concat([others, pd.DataFrame(rows, columns=case.columns)], ignore_index=True)
    annual["_order"] = annual["year"].map(financial_year_start)
    annual = annual.sort_values("_order", kind="stable").drop(columns="_order")
    annual.attrs = dict(case.attrs)
    return annual.reset_index(drop=True)


def year_range(years: pd.Series) -> list[str]:
    """Every financial year from the first to the last of ``years``, gaps filled."""
    starts = [financial_year_start(y) for y in pd.unique(years)]
    if not starts:
        raise DataError("the case has no rows", expected="at least one year of figures")
    return [financial_year_label(s) for s in range(min(starts), max(starts) + 1)]
