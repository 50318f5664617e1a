"""A business case's figures as words (money, years, counts) and the financial years where
things happen (first saving, start of spending, payback), shared by its tables, charts and text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cscanalysis.analysis.finance import CaseSummary
from cscanalysis.core.formatting import fmt_int, fmt_money, fmt_number, fmt_pct, is_missing

__all__ = [
    "PAYBACK_CONVENTION",
    "count_text",
    "first_saving_index",
    "horizon_end",
    "kpi_value",
    "money",
    "payback_facts",
    "period_span",
    "pounds",
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
        return "no payback within the case"
    return f"{fmt_number(value, dp=2)} years"


def first_saving_index(yearly: pd.DataFrame) -> int | None:
    positive = np.flatnonzero(yearly["gross_savings"].to_numpy() > 0)
    return int(positive[0]) if len(positive) else None


def horizon_end(yearly: pd.DataFrame, years: int) -> int | None:
    """Exclusive end row of an N-year horizon (as
    :func:`cscanalysis.analysis.finance.horizon_totals`)."""
    first = first_saving_index(yearly)
    end = (0 if first is None else first) + years
    return end if end <= len(yearly) else None


PAYBACK_CONVENTION = (
    "Payback is read off the cumulative net saving (gross savings less investment) up to the "
    "first point where it reaches zero, so years after that point, and entering savings gross "
    "beside an ongoing cost or net of it, do not change it. Capital and one-off spend count at "
    "the start of their year; savings and ongoing costs accrue evenly through it, so the "
    "crossing is interpolated linearly within its year (two decimals). It is counted from the "
    "first spend (the start of the first year with capital or one-off spend, or ongoing costs "
    "above that year's savings) and from the first savings (the start of the first year whose "
    "savings exceed its ongoing costs)."
)


def payback_facts(s: CaseSummary) -> tuple[str, str, str]:
    """The payback counted from the first spend and from the first savings, as text, and a
    note on the crossing ('' when there is nothing to add)."""
    if s.spend_start_year is None:
        none = "nothing to pay back (no spending)"
        return none, none, ""

    def since(years: float, start: str | None) -> str:
        return years_text(years) + ("" if is_missing(years) else f" from the start of {start}")

    spend = since(s.payback_from_spend_years, s.spend_start_year)
    if s.savings_start_year is None:
        savings = "no payback within the case (no year's savings exceed its ongoing costs)"
    else:
        savings = since(s.payback_from_savings_years, s.savings_start_year)
    if s.payback_year is None:
        note = "The cumulative net saving is still negative at the end of the case."
    else:
        note = f"The cumulative net saving first reaches zero during {s.payback_year}"
        note += " (a projected year)." if s.payback_projected else "."
        if s.payback_lapses_year is not None:
            note += f" It falls below zero again by the end of {s.payback_lapses_year}."
    return spend, savings, note


def period_span(funnel: pd.DataFrame) -> str:
    first, last = str(funnel["period"].iloc[0]), str(funnel["period"].iloc[-1])
    return first if first == last else f"{first} to {last}"


def kpi_value(value: float, unit: object, flag: object = "") -> str:
    if is_missing(value):
        return "no data" if not flag else fmt_number(value, flag=str(flag))
    return fmt_pct(value) if str(unit).strip() == "%" else fmt_number(value)
