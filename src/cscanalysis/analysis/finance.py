"""Invest-to-save: investment, savings, net position, payback, NPV and return on investment.

Pure functions on a *case*: a long table with one row per year, item and kind,

    year    financial year, canonical ``'2017-18'``
    item    free text (``'Investment - capital'``, ``'Demand management'``)
    kind    ``capital``, ``one_off_revenue``, ``ongoing_cost`` or ``saving``
    amount  pounds, zero or more (savings are entered as positive reductions in spend)

and optional ``amount_low`` / ``amount_high`` bounds on savings rows (NaN where not given); the
table is defined in :mod:`cscanalysis.core.investment_case`.
:func:`cscanalysis.sources.casefiles.read_case` builds it from a CSV or XLSX file, converting
thousands to pounds and incremental savings to annual savings.

Conventions (all results are in the units of ``amount``):

* **Investment** in a year is ``capital + one_off_revenue + ongoing_cost``; **gross savings** is
  the sum of ``saving`` rows, each being that year's saving against the baseline (the
  *annual* basis; :func:`cscanalysis.core.investment_case.incremental_to_annual` converts
  savings given as increments).
* **Net position** = gross savings - investment: positive is a net benefit. Councils publish the
  opposite sign (Bristol's Table 1 "Annual Net Savings": costs positive, savings negative), kept
  here as ``net_budget_impact`` = investment - gross savings.
* **Year index**: the first year of the case is year 0. **N-year totals** cover the years from
  year 0 up to the N-th year with savings counted from the first year with savings (Bristol's
  "5 yr Total" sums 2017/18, a set-up year, and the five savings years 2018/19 to 2022/23). A
  total whose horizon runs past the case is NaN unless the case is extended.
* **Extension** (``extend_to_years=N``) repeats the last year's ongoing costs and savings (no
  capital or one-off spend), held flat in nominal pounds (no inflation, no growth), until the
  case covers N savings years; those rows have ``projected = True``.
* **Payback** is read off the cumulative net position (gross savings - investment) up to the
  first point where it reaches zero, so it depends neither on years after that point nor on
  whether savings are entered gross beside an ongoing cost or net of it. Within a year, capital
  and one-off spend fall at its start and savings and ongoing costs accrue evenly through it,
  so the crossing is interpolated linearly within its year; two decimals. It is counted two
  ways: **from the first spend** (the start of the first year with capital or one-off spend,
  or ongoing costs above that year's savings) and **from the first savings** (the start of the
  first year whose savings exceed its ongoing costs). NaN ("no payback within the case") when
  the cumulative position is still negative at the end; 0.0 when nothing is spent.
* **NPV** (HM Treasury Green Book discounting, 3.5% by default): year 0 is not discounted and
  the flow of year t is discounted by ``1 / (1 + rate) ** t`` (each year's flow is treated as
  arising at one point, year 0 being the present).
* **ROI** = (total gross savings - total investment) / total investment, as a ratio (2.32 is
  232%), over every year in the yearly table.

Payback and ROI are NaN when they are not reached or not defined (no savings, no investment).
Formatting money (``£1.8m``) is done elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.core.investment_case import (
    INVESTMENT_KINDS,
    KINDS,
    check_case,
    with_bounds,
    year_range,
)
from cscanalysis.core.periods import financial_year_label, financial_year_start

__all__ = [
    "GREEN_BOOK_RATE",
    "CaseSummary",
    "Payback",
    "horizon_totals",
    "npv",
    "payback",
    "summarise_case",
    "yearly_position",
]

GREEN_BOOK_RATE = 0.035


@dataclass(frozen=True)
class CaseSummary:
    """Headline figures of an invest-to-save case (money in the case's units, usually pounds).

    ``lower`` and ``upper`` hold the same figures with every saving at its ``amount_low`` or
    ``amount_high`` bound (None when no saving has bounds).
    """

    first_year: str
    last_year: str
    first_saving_year: str | None
    discount_rate: float
    total_investment: float
    total_savings: float
    total_net: float
    investment_5yr: float
    savings_5yr: float
    net_5yr: float
    investment_10yr: float
    savings_10yr: float
    net_10yr: float
    payback_from_spend_years: float
    payback_from_savings_years: float
    spend_start_year: str | None
    savings_start_year: str | None
    payback_year: str | None
    payback_point: float
    payback_projected: bool
    payback_lapses_year: str | None
    npv: float
    pv_investment: float
    pv_savings: float
    roi: float
    projected_years: int = 0
    lower: CaseSummary | None = None
    upper: CaseSummary | None = None


# --------------------------------------------------------------------------- the yearly table


def yearly_position(
    case: pd.DataFrame, *, amount: str = "amount", extend_to_years: int | None = None
) -> pd.DataFrame:
    """One row per financial year: investment, savings and the net position.

    Columns: ``year, year_index, projected, capital, one_off_revenue, ongoing_cost,
    investment, gross_savings, gross_savings_low, gross_savings_high, net_position,
    net_budget_impact, cumulative_investment, cumulative_savings, cumulative_net_position``.
    ``amount`` names the column to use for savings (``amount_low`` or ``amount_high`` give the
    lower and upper cases; a blank bound means the central amount). Years between the first
    and last with no rows count as zero. See the module docstring for the conventions.
    """
    check_case(case)
    case = with_bounds(case)
    years = year_range(case["year"])
    if amount not in ("amount", "amount_low", "amount_high"):
        raise ParameterError(f"amount must be amount, amount_low or amount_high, not {amount!r}")
    savings = case["kind"] == "saving"
    values = case["amount"].astype(float).copy()
    values[savings] = case.loc[savings, amount].fillna(case.loc[savings, "amount"])
    low = case["amount_low"].fillna(case["amount"])
    high = case["amount_high"].fillna(case["amount"])
    table = pd.DataFrame({"year": years})
    for kind in KINDS:
        mask = case["kind"] == kind
        sums = values[mask].groupby(case.loc[mask, "year"]).sum()
        table[kind] = table["year"].map(sums).fillna(0.0).astype(float)
    has_bounds = bool(case.loc[savings, ["amount_low", "amount_high"]].notna().to_numpy().any())
    for column, series in (("gross_savings_low", low), ("gross_savings_high", high)):
        if has_bounds:
            sums = series[savings].groupby(case.loc[savings, "year"]).sum()
            table[column] = table["year"].map(sums).fillna(0.0).astype(float)
        else:
            table[column] = np.nan
    table["projected"] = False
    if extend_to_years is not None:
        table = _extend(table, extend_to_years)
    table = table.rename(columns={"saving": "gross_savings"})
    table.insert(1, "year_index", range(len(table)))
    table["investment"] = table[list(INVESTMENT_KINDS)].sum(axis=1)
    table["net_position"] = table["gross_savings"] - table["investment"]
    table["net_budget_impact"] = table["investment"] - table["gross_savings"]
    table["cumulative_investment"] = table["investment"].cumsum()
    table["cumulative_savings"] = table["gross_savings"].cumsum()
    table["cumulative_net_position"] = table["net_position"].cumsum()
    order = [
        "year", "year_index", "projected", "capital", "one_off_revenue", "ongoing_cost",
        "investment", "gross_savings", "gross_savings_low", "gross_savings_high",
        "net_position", "net_budget_impact", "cumulative_investment", "cumulative_savings",
        "cumulative_net_position",
    ]  # fmt: skip
    return table[order]


def _first_saving_index(savings: pd.Series) -> int | None:
    positive = np.flatnonzero(savings.to_numpy() > 0)
    return int(positive[0]) if len(positive) else None


def _extend(table: pd.DataFrame, years: int) -> pd.DataFrame:
    if years < 1:
        raise ParameterError(f"extend_to_years must be 1 or more, not {years}")
    first = _first_saving_index(table["saving"])
    start = 0 if first is None else first
    needed = start + years - len(table)
    if needed <= 0:
        return table
    last = table.iloc[-1]
    next_start = financial_year_start(last["year"]) + 1
    extra = pd.DataFrame(
        {
            "year": [financial_year_label(next_start + i) for i in range(needed)],
            "capital": 0.0,
            "one_off_revenue": 0.0,
            "ongoing_cost": last["ongoing_cost"],
            "saving": last["saving"],
            "gross_savings_low": last["gross_savings_low"],
            "gross_savings_high": last["gross_savings_high"],
            "projected": True,
        }
    )
    return pd.concat([table, extra], ignore_index=True)


# --------------------------------------------------------------------------- measures


def _round2(value: float) -> float:
    if not math.isfinite(value):
        return math.nan
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Payback:
    """Where the cumulative net position first reaches zero (see the module docstring).

    Indexes count rows of the yearly table from 0; ``point`` is the crossing as a year index
    plus the fraction of its year (NaN when there is none). ``lapses`` is the first later row
    whose cumulative net position is negative again (None when it stays at or above zero).
    """

    from_spend: float
    from_savings: float
    spend_start: int | None
    savings_start: int | None
    crossing: int | None
    point: float
    lapses: int | None


def _close(value: float) -> float:
    return round(float(value), 6)


def payback(
    upfront: list[float] | np.ndarray,
    running: list[float] | np.ndarray,
) -> Payback:
    """Both paybacks from yearly flows in order.

    ``upfront`` is each year's capital and one-off spend (paid at the start of the year);
    ``running`` is each year's savings minus ongoing costs (accruing evenly through it). Only
    the years up to the crossing are used. Two decimals.
    """
    up = np.asarray(upfront, dtype=float)
    run = np.asarray(running, dtype=float)
    if up.shape != run.shape:
        raise ParameterError("upfront and running flows must cover the same years")
    spending = np.flatnonzero((up > 0) | (run < 0))
    saving = np.flatnonzero(run > 0)
    spend_start = int(spending[0]) if len(spending) else None
    savings_start = int(saving[0]) if len(saving) else None
    if spend_start is None:
        return Payback(0.0, 0.0, None, savings_start, None, math.nan, None)
    cumulative = 0.0
    for year in range(spend_start, len(up)):
        opening = _close(cumulative - up[year])
        closing = _close(opening + run[year])
        if opening < 0 <= closing:
            point = year + (-opening / run[year])
            later = np.cumsum(up[year + 1 :] * -1 + run[year + 1 :]) + closing
            dips = np.flatnonzero(np.round(later, 6) < 0)
            first_saving = year if savings_start is None else savings_start  # run[year] > 0
            return Payback(
                from_spend=_round2(point - spend_start),
                from_savings=_round2(point - first_saving),
                spend_start=spend_start,
                savings_start=savings_start,
                crossing=year,
                point=point,
                lapses=year + 1 + int(dips[0]) if len(dips) else None,
            )
        cumulative = closing
    return Payback(math.nan, math.nan, spend_start, savings_start, None, math.nan, None)


def npv(flows: list[float] | np.ndarray, rate: float = GREEN_BOOK_RATE) -> float:
    """Net present value: flow t (t = 0, 1, ...) discounted by ``1 / (1 + rate) ** t``."""
    if rate <= -1:
        raise ParameterError(f"discount rate must be above -100%, not {rate!r}")
    values = np.asarray(flows, dtype=float)
    factors = (1.0 + rate) ** -np.arange(len(values), dtype=float)
    return float(np.sum(values * factors))


def horizon_totals(yearly: pd.DataFrame, years: int) -> dict[str, float]:
    """Investment, gross savings and net position summed over an N-year horizon.

    The horizon runs from year 0 to the ``years``-th year counted from the first year with
    savings (from year 0 when there are none). All three are NaN when the table stops short.
    """
    first = _first_saving_index(yearly["gross_savings"])
    end = (0 if first is None else first) + years  # exclusive
    if end > len(yearly):
        return {"investment": math.nan, "savings": math.nan, "net": math.nan}
    part = yearly.iloc[:end]
    return {
        "investment": float(part["investment"].sum()),
        "savings": float(part["gross_savings"].sum()),
        "net": float(part["net_position"].sum()),
    }


def _summary(yearly: pd.DataFrame, rate: float) -> CaseSummary:
    first = _first_saving_index(yearly["gross_savings"])
    back = payback(
        (yearly["capital"] + yearly["one_off_revenue"]).to_numpy(),
        (yearly["gross_savings"] - yearly["ongoing_cost"]).to_numpy(),
    )

    def label(index: int | None) -> str | None:
        return None if index is None else str(yearly["year"].iloc[index])

    total_investment = float(yearly["investment"].sum())
    total_savings = float(yearly["gross_savings"].sum())
    five, ten = horizon_totals(yearly, 5), horizon_totals(yearly, 10)
    factors = (1.0 + rate) ** -yearly["year_index"].to_numpy(dtype=float)
    return CaseSummary(
        first_year=str(yearly["year"].iloc[0]),
        last_year=str(yearly["year"].iloc[-1]),
        first_saving_year=None if first is None else str(yearly["year"].iloc[first]),
        discount_rate=rate,
        total_investment=total_investment,
        total_savings=total_savings,
        total_net=total_savings - total_investment,
        investment_5yr=five["investment"],
        savings_5yr=five["savings"],
        net_5yr=five["net"],
        investment_10yr=ten["investment"],
        savings_10yr=ten["savings"],
        net_10yr=ten["net"],
        payback_from_spend_years=back.from_spend,
        payback_from_savings_years=back.from_savings,
        spend_start_year=label(back.spend_start),
        savings_start_year=label(back.savings_start),
        payback_year=label(back.crossing),
        payback_point=back.point,
        payback_projected=back.crossing is not None
        and bool(yearly["projected"].iloc[back.crossing]),
        payback_lapses_year=label(back.lapses),
        npv=npv(yearly["net_position"].to_numpy(), rate),
        pv_investment=float(np.sum(yearly["investment"].to_numpy() * factors)),
        pv_savings=float(np.sum(yearly["gross_savings"].to_numpy() * factors)),
        roi=(total_savings - total_investment) / total_investment
        if total_investment > 0
        else math.nan,
        projected_years=int(yearly["projected"].sum()),
    )


def summarise_case(
    case: pd.DataFrame,
    *,
    discount_rate: float = GREEN_BOOK_RATE,
    extend_to_years: int | None = None,
) -> tuple[CaseSummary, pd.DataFrame]:
    """The summary and the yearly table of a case whose savings are annual amounts.

    ``discount_rate`` defaults to the Green Book 3.5%; ``extend_to_years`` projects the last
    year forward (see the module docstring). When any saving has ``amount_low`` or
    ``amount_high``, the summary's ``lower`` and ``upper`` hold the same figures with every
    saving at that bound (blank bounds mean the central amount).
    """
    if not math.isfinite(discount_rate) or discount_rate <= -1:
        raise ParameterError(f"discount rate must be above -100%, not {discount_rate!r}")
    yearly = yearly_position(case, extend_to_years=extend_to_years)
    summary = _summary(yearly, discount_rate)
    if yearly["gross_savings_low"].notna().any():
        lower = _summary(
            yearly_position(case, amount="amount_low", extend_to_years=extend_to_years),
            discount_rate,
        )
        upper = _summary(
            yearly_position(case, amount="amount_high", extend_to_years=extend_to_years),
            discount_rate,
        )
        summary = replace(summary, lower=lower, upper=upper)
    return summary, yearly
