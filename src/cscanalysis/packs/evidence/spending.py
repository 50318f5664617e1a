"""The evidence pack's Spending section: the year's spending with the year before, per child
against neighbours and England, and what the figures include and exclude."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cscanalysis.analysis import benchmark
from cscanalysis.core.councils import ENGLAND_CODE
from cscanalysis.core.formatting import describe_flag, fmt_money
from cscanalysis.core.measures import MEASURES
from cscanalysis.packs.evidence.content import PackContext, value_of
from cscanalysis.render.words import label_with_unit, relative

SPENDING = [
    "spend_cla",
    "spend_safeguarding",
    "spend_family_support",
    "spend_children_services",
    "spend_per_child_looked_after",
    "spend_cla_weekly_unit_cost",
    "spend_children_services_per_child",
    "spend_uasc",
    "spend_csc_total",
]


PER_CHILD = {"spend_per_child_looked_after", "spend_children_services_per_child"}


def spending_table(ctx: PackContext) -> pd.DataFrame:
    """Spending in the financial year ending on the pack's 31 March, with the year before.

    Totals are the council's own (councils differ in size); spending per child is compared
    with the statistical neighbours' mean and England, and ranked among all councils.
    """
    year = ctx.financial_year
    before = f"{int(year[:4]) - 1}-{year[2:4]}"
    rows = []
    for measure_id in SPENDING:
        meta = MEASURES[measure_id]
        if not _has_row(ctx, measure_id, year):
            continue  # e.g. RO3's lines, bundled for 2024-25 only
        value, flag = value_of(ctx, ctx.code, measure_id, year)
        previous, previous_flag = value_of(ctx, ctx.code, measure_id, before)
        row = {
            "Measure": label_with_unit(meta.label, meta.unit),
            f"{ctx.place} {year}": fmt_money(value, flag=flag),
            before: fmt_money(previous, flag=previous_flag)
            if _has_row(ctx, measure_id, before)
            else "",
            "Change": _money_change(value, previous),
            "Neighbours (mean)": "",
            "England": "",
            "Rank (1 = lowest)": "",
        }
        if measure_id in PER_CHILD or measure_id == "spend_cla_weekly_unit_cost":
            comparison = benchmark.comparison(ctx.tidy, ctx.code, measure_id, ctx.register)
            this = comparison[comparison["period"] == year]
            if len(this):
                row["Neighbours (mean)"] = fmt_money(this["neighbours"].iloc[0])
                row["England"] = fmt_money(this["england"].iloc[0])
            pos = benchmark.position(ctx.tidy, ctx.code, measure_id, year, ctx.register)
            if np.isfinite(pos["rank"]):
                row["Rank (1 = lowest)"] = f"{int(pos['rank'])} of {int(pos['of'])}"
        elif _has_row(ctx, measure_id, year, ENGLAND_CODE):
            england, england_flag = value_of(ctx, ENGLAND_CODE, measure_id, year)
            row["England"] = fmt_money(england, flag=england_flag)
        rows.append(row)
    return pd.DataFrame(rows)


def _has_row(ctx: PackContext, measure: str, period: str, code: str | None = None) -> bool:
    """True when the table has a row (a figure or a symbol) for the council, or ``code``."""
    return period in benchmark.council_rows(ctx.tidy, measure, code or ctx.code).index


def _money_change(value: float, previous: float) -> str:
    if not (np.isfinite(value) and np.isfinite(previous)) or previous == 0:
        return ""
    return f"{(value - previous) / previous * 100:+.0f}%".replace("-", "−")


def spending_facts(ctx: PackContext) -> list[str]:
    """Sentences on the year's spending, each figure from :func:`spending_table`'s sources."""
    year = ctx.financial_year
    cla, cla_flag = value_of(ctx, ctx.code, "spend_cla", year)
    if not np.isfinite(cla):
        return [
            f"{ctx.place} has no published spending on children looked after for {year} "
            f"({describe_flag(cla_flag)})."
        ]
    facts = [f"In {year} {ctx.place} spent {fmt_money(cla)} on children looked after."]
    per_child, per_child_flag = value_of(ctx, ctx.code, "spend_per_child_looked_after", year)
    england, _ = value_of(ctx, ENGLAND_CODE, "spend_per_child_looked_after", year)
    if np.isfinite(per_child) and np.isfinite(england):
        facts.append(
            f"That is {fmt_money(per_child)} for each child looked after at 31 March "
            f"{ctx.period}, {relative(per_child, england)} England's {fmt_money(england)}."
        )
    elif per_child_flag:
        facts.append(
            f"Spending per child looked after is not shown ({describe_flag(per_child_flag)})."
        )
    total, _ = value_of(ctx, ctx.code, "spend_children_services", year)
    if np.isfinite(total) and total > 0:
        facts.append(
            f"Children looked after took {cla / total * 100:.0f}% of its "
            f"{fmt_money(total)} spending on children's and young people's services."
        )
    return facts


SPENDING_NOTES = [
    "Gross spending as each council returned it to DfE in its Section 251 outturn, in cash "
    "terms (not adjusted for inflation); income is not deducted, and capital spending and "
    "schools' budgets are not included.",
    "Children looked after: residential care, fostering, adoption, special guardianship "
    "support, short breaks for looked-after disabled children, children placed with family and "
    "friends, their education, leaving care support and other services for children looked "
    "after. Safeguarding: social work (including child protection), commissioning and the "
    "safeguarding partnership. Family support: direct payments, short breaks for disabled "
    "children, and targeted and universal family support.",
    "Spending per child looked after divides a year's spending by the children looked after on "
    "its 31 March; more children pass through care during a year, so it is not a unit cost. "
    "DfE's weekly unit cost is shown beside it.",
    "2008-09 to 2013-14 come from the Section 251 outturn files and 2016-17 onwards from DfE's "
    "LAIT; 2014-15 and 2015-16 are not in the bundled data. Headings changed over the years, "
    "so safeguarding starts in 2011-12 and the children's and young people's total in 2010-11.",
    "Unaccompanied asylum-seeking children and all of children's social care come from MHCLG's "
    "Revenue Outturn (RO3) 2024-25, a different return that does not match Section 251 line by "
    "line.",
]
