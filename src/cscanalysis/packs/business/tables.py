"""The display tables of a business-case pack (text cells, as printed on the page) and the
invest-to-save summary as numbers for a CSV."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cscanalysis.analysis import sufficiency
from cscanalysis.analysis.finance import CaseSummary
from cscanalysis.core.formatting import fmt_int, fmt_number, fmt_pct, is_missing
from cscanalysis.packs.business.words import horizon_end, kpi_value, money, payback_facts, pounds
from cscanalysis.sources.councilfiles import FUNNEL_LAST, TERMINATIONS

__all__ = [
    "bench_row",
    "finance_summary_data",
    "finance_summary_table",
    "finance_table",
    "funnel_notes",
    "funnel_table",
    "funnel_years_table",
    "risk_table",
    "salary_summary_table",
    "scorecard_table",
]


def finance_table(yearly: pd.DataFrame, summary: CaseSummary) -> pd.DataFrame:
    """The investment and savings profile as a council table: rows of money by financial year,
    whole pounds, with the 5-year total (from the first year of the case to the fifth year
    with savings) and, when the case runs longer, the total of every year.

    Rows with nothing in any year (e.g. no one-off revenue) are left out, totals never. A
    projected year's column is headed ``2023-24 (projected)``.
    """
    years = [
        f"{y} (projected)" if p else str(y)
        for y, p in zip(yearly["year"], yearly["projected"], strict=True)
    ]
    end5 = horizon_end(yearly, 5)
    lines = [
        ("Capital investment", "capital", False),
        ("One-off revenue investment", "one_off_revenue", False),
        ("Ongoing revenue cost", "ongoing_cost", False),
        ("Total investment", "investment", True),
        ("Gross savings", "gross_savings", True),
        ("Net saving (savings less investment)", "net_position", True),
        ("Cumulative net saving", "cumulative_net_position", True),
    ]
    rows = []
    for label, column, always in lines:
        values = yearly[column].to_numpy(dtype=float)
        if not always and not np.any(values != 0):
            continue
        row = {"": label} | {y: pounds(v) for y, v in zip(years, values, strict=True)}
        cumulative = column.startswith("cumulative")
        if end5 is not None:
            row["5-year total"] = "" if cumulative else pounds(values[:end5].sum())
        if end5 is None or end5 < len(years):
            row["Total, all years"] = "" if cumulative else pounds(values.sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _summary_values(s: CaseSummary) -> list[tuple[str, str]]:
    ten = (
        money(s.net_10yr)
        if not is_missing(s.net_10yr)
        else "not available: the case has fewer than ten years of savings"
    )
    return [
        ("Total investment", money(s.total_investment)),
        ("Gross savings", money(s.total_savings)),
        ("Net saving", money(s.total_net)),
        (
            "Net saving over five years",
            money(s.net_5yr)
            if not is_missing(s.net_5yr)
            else "not available: the case has fewer than five years of savings",
        ),
        ("Net saving over ten years", ten),
        ("Payback from the first spend (start of its year)", payback_facts(s)[0]),
        ("Payback from the first savings (start of its year)", payback_facts(s)[1]),
        (f"Net present value at {fmt_pct(s.discount_rate * 100)}", money(s.npv)),
        (
            "Return on investment",
            fmt_pct(s.roi * 100, dp=0) if not is_missing(s.roi) else "not defined (no investment)",
        ),
    ]


def finance_summary_table(summary: CaseSummary) -> pd.DataFrame:
    """The headline figures, with lower and upper cases when savings have bounds."""
    out = pd.DataFrame(_summary_values(summary), columns=["Measure", "Central case"])
    if summary.lower is not None and summary.upper is not None:
        out["Lower case (savings at their lower bounds)"] = [
            v for _, v in _summary_values(summary.lower)
        ]
        out["Upper case"] = [v for _, v in _summary_values(summary.upper)]
    return out


def finance_summary_data(summary: CaseSummary) -> pd.DataFrame:
    """The summary as numbers (pounds, years, ratios) for a CSV: ``measure, central`` and, when
    savings have bounds, ``lower, upper``."""
    fields = [
        "first_year", "last_year", "first_saving_year", "discount_rate", "total_investment",
        "total_savings", "total_net", "investment_5yr", "savings_5yr", "net_5yr",
        "investment_10yr", "savings_10yr", "net_10yr", "payback_from_spend_years",
        "payback_from_savings_years", "spend_start_year", "savings_start_year", "payback_year",
        "payback_projected", "payback_lapses_year", "projected_years", "npv", "pv_investment",
        "pv_savings", "roi",
    ]  # fmt: skip
    out = pd.DataFrame({"measure": fields, "central": [getattr(summary, f) for f in fields]})
    if summary.lower is not None and summary.upper is not None:
        out["lower"] = [getattr(summary.lower, f) for f in fields]
        out["upper"] = [getattr(summary.upper, f) for f in fields]
    return out


def scorecard_table(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard for the page: one row per indicator."""
    return pd.DataFrame(
        {
            "Indicator": card["title"],
            "Better if": card["polarity"].map({"+": "higher", "-": "lower"}),
            "Period": card["period"],
            "Value": [
                kpi_value(v, u, f)
                for v, u, f in zip(card["value"], card["unit"], card["flag"], strict=True)
            ],
            "Target": [
                kpi_value(t, u) if not is_missing(t) else "no target"
                for t, u in zip(card["target"], card["unit"], strict=True)
            ],
            "On target within ±": [
                "" if is_missing(t) else fmt_number(t) for t in card["tolerance_units"]
            ],
            "Well above or below beyond ±": [
                "" if is_missing(t) else ("none" if is_missing(w) else fmt_number(w))
                for t, w in zip(card["tolerance_units"], card["well_units"], strict=True)
            ],
            "Status": card["status"],
            "Compared with": [
                f"{kpi_value(v, u)} ({p})"
                for v, u, p in zip(
                    card["previous_value"], card["unit"], card["previous_period"], strict=True
                )
            ],
            "Direction of travel": card["direction"],
        }
    )


def risk_table(scored: pd.DataFrame) -> pd.DataFrame:
    """Risks in rank order with current and tolerance ratings."""
    return pd.DataFrame(
        {
            "Rank": scored["rank"],
            "Risk": scored["id"] + ": " + scored["title"],
            "Current rating (likelihood × impact)": [
                f"{lk} × {im} = {s}"
                for lk, im, s in zip(
                    scored["likelihood"], scored["impact"], scored["score"], strict=True
                )
            ],
            "Band": scored["band"],
            "Tolerance rating": [
                f"{lk} × {im} = {s} ({b})"
                for lk, im, s, b in zip(
                    scored["tolerance_likelihood"],
                    scored["tolerance_impact"],
                    scored["tolerance_score"],
                    scored["tolerance_band"],
                    strict=True,
                )
            ],
            "Above tolerance": scored["above_tolerance"].map({True: "yes", False: "no"}),
        }
    )


def bench_row(bench: pd.DataFrame, grade: str) -> pd.Series:
    """The broadest comparison for a grade: all groups if there are several."""
    rows = bench[bench["grade"] == grade]
    wide = rows[rows["group"] == sufficiency.ALL_GROUPS]
    return (wide if len(wide) else rows).iloc[0]


def salary_summary_table(bench: pd.DataFrame, place: str) -> pd.DataFrame:
    """The subject council's pay against comparators, one row per grade and group."""

    def count(v: object) -> str:
        return "" if is_missing(v) else fmt_int(v)

    return pd.DataFrame(
        {
            "Grade": bench["grade"],
            "Comparison group": bench["group"],
            "Councils": [fmt_int(v) for v in bench["councils"]],
            f"{place}: bottom of scale": [
                pounds(v) or "not in table" for v in bench["subject_min"]
            ],
            f"{place}: top of scale": [pounds(v) or "not in table" for v in bench["subject_max"]],
            "Comparators' median top of scale": [pounds(v) for v in bench["comparator_median_max"]],
            "Comparators paying more at the top": [count(v) for v in bench["higher_max"]],
            "Comparators paying more at the bottom": [count(v) for v in bench["higher_min"]],
            f"{place}'s rank by top of scale (1 = highest)": [count(v) for v in bench["rank_max"]],
            "Comparators with a one-off payment": [count(v) for v in bench["with_one_off_payment"]],
            "Comparators with a market supplement": [
                count(v) for v in bench["with_market_supplement"]
            ],
        }
    )


def funnel_notes(funnel: pd.DataFrame) -> list[str]:
    """The file's notes, one ``'2019-20 Q1: ...'`` line per period that has one."""
    if "notes" not in funnel.columns:
        return []
    return [
        f"{period}: {note}"
        for period, note in zip(funnel["period"], funnel["notes"], strict=True)
        if isinstance(note, str) and note.strip()
    ]


def funnel_table(conversion: pd.DataFrame) -> pd.DataFrame:
    """People reaching each stage, conversion and drop-out, for the page."""

    def pct(v: float) -> str:
        return "" if is_missing(v) else fmt_pct(v, dp=1)

    return pd.DataFrame(
        {
            "Stage": conversion["label"],
            "People": [
                fmt_int(v) if not is_missing(v) else "not recorded" for v in conversion["count"]
            ],
            "Conversion from the stage before": [pct(v) for v in conversion["conversion_pct"]],
            "Drop-out at this stage": [pct(v) for v in conversion["dropout_pct"]],
            "Share of enquiries": [pct(v) for v in conversion["share_of_enquiries_pct"]],
        }
    )


def funnel_years_table(funnel: pd.DataFrame) -> pd.DataFrame:
    """Counts by financial year, with approvals less terminations."""
    years = sufficiency.funnel_by_year(funnel)
    stages = sufficiency.funnel_stages(funnel)
    out = pd.DataFrame(
        {
            "Financial year": [
                y if complete else f"{y} ({q} of 4 quarters)"
                for y, q, complete in zip(
                    years["year"], years["quarters"], years["complete"], strict=True
                )
            ]
        }
    )
    for column in [*stages, TERMINATIONS]:
        if column in years:
            out[sufficiency.stage_label(column)] = [
                fmt_int(v) if not is_missing(v) else "not recorded" for v in years[column]
            ]
    if TERMINATIONS in years:
        net = years[FUNNEL_LAST] - years[TERMINATIONS]
        out["Approvals less terminations"] = [fmt_int(v) if not is_missing(v) else "" for v in net]
    return out
