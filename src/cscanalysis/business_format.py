"""A business case's figures as words (money, years, counts) and the financial years where
things happen (first saving, start of spending, payback), shared by its tables, charts and text."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cscanalysis.fmt import fmt_int, fmt_money, fmt_number, fmt_pct, is_missing

__all__ = [
    "count_text",
    "first_saving_index",
    "horizon_end",
    "kpi_value",
    "money",
    "payback_year",
    "period_span",
    "pounds",
    "spending_start",
    "years_text",
]


def money(value: float) -> str:
    return fmt_money(value)


def pounds(value: float) -> str:
    return "" if is_missing(value) else fmt_money(value, full=True)


def count_text(value: float) -> str:
    return "not recorded" if is_missing(value) else fmt_int(value)


def years_text(value: float) -> str:
    if is_missing(value):
        return "not reached within the case"
    return f"{fmt_number(value, dp=2)} years"


def first_saving_index(yearly: pd.DataFrame) -> int | None:
    positive = np.flatnonzero(yearly["gross_savings"].to_numpy() > 0)
    return int(positive[0]) if len(positive) else None


def spending_start(yearly: pd.DataFrame) -> int:
    spending = np.flatnonzero(yearly["investment"].to_numpy() > 0)
    return int(spending[0]) if len(spending) else 0


def horizon_end(yearly: pd.DataFrame, years: int) -> int | None:
    """Exclusive end row of an N-year horizon (as :func:`cscanalysis.finance.horizon_totals`)."""
    first = first_saving_index(yearly)
    end = (0 if first is None else first) + years
    return end if end <= len(yearly) else None


def payback_year(yearly: pd.DataFrame, payback: float) -> str | None:
    """The financial year in which the cumulative net position reaches zero."""
    if is_missing(payback):
        return None
    x = spending_start(yearly) + payback
    index = max(0, math.ceil(x) - 1)
    return str(yearly["year"].iloc[min(index, len(yearly) - 1)])


def period_span(funnel: pd.DataFrame) -> str:
    first, last = str(funnel["period"].iloc[0]), str(funnel["period"].iloc[-1])
    return first if first == last else f"{first} to {last}"


def kpi_value(value: float, unit: object, flag: object = "") -> str:
    if is_missing(value):
        return "no data" if not flag else fmt_number(value, flag=str(flag))
    return fmt_pct(value) if str(unit).strip() == "%" else fmt_number(value)
