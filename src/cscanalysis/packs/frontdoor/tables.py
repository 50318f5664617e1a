"""The display tables of a front-door pack: the months of the extract and the forecast's
backtest accuracy, with their captions."""

from __future__ import annotations

import pandas as pd

from cscanalysis.analysis.frontdoor import (
    funnel_rates,
)
from cscanalysis.core.formatting import fmt_number, fmt_pct
from cscanalysis.core.periods import month_label
from cscanalysis.packs.frontdoor.context import (
    LABELS,
    FrontDoorContext,
    month_series,
)
from cscanalysis.packs.frontdoor.forecast import (
    MonthlyForecast,
    model_name,
)
from cscanalysis.render.words import show

__all__ = [
    "MONTHLY_COLUMNS",
    "accuracy_caption",
    "accuracy_table",
    "monthly_caption",
    "monthly_table",
]


MONTHLY_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("contacts", "Contacts", 0),
    ("referrals", "Referrals", 0),
    ("contact_to_referral_pct", "Contacts to referral (%)", 1),
    ("s47", "Section 47 enquiries", 0),
    ("referral_to_s47_pct", "Referrals to s47 (%)", 1),
    ("icpc", "ICPCs", 0),
    ("s47_to_icpc_pct", "s47 to ICPC (%)", 1),
    ("cpp_starts", "CP plans starting", 0),
    ("icpc_to_cpp_pct", "ICPC to CP plan (%)", 1),
    ("cla_starts", "Entering care", 0),
    ("nfa", "No further action", 0),
    ("contact_nfa_pct", "Contacts with no further action (%)", 1),
)


def monthly_table(ctx: FrontDoorContext) -> pd.DataFrame:
    """One row per month: the counts as read and the conversion rates from them (symbols kept)."""
    table = pd.concat([ctx.monthly, funnel_rates(ctx.monthly)], ignore_index=True)
    out = pd.DataFrame({"Month": [month_label(p) for p in ctx.months]})
    present = set(table["measure"])
    for measure, label, places in MONTHLY_COLUMNS:
        if measure not in present:
            continue
        s = month_series(table, measure, ctx.months)
        out[label] = [
            show(v, f, places=places, symbol=True)
            for v, f in zip(s["value"], s["flag"], strict=True)
        ]
    return out


def monthly_caption(ctx: FrontDoorContext) -> str:
    return (
        f"{ctx.place}, {month_label(ctx.first)} to {month_label(ctx.last)}: counts as in the "
        "extract; percentages are each stage as a share of the one before"
    )


def accuracy_table(fc: MonthlyForecast) -> pd.DataFrame:
    """Backtest accuracy of every method tested (the chosen one marked), by horizon."""
    acc = fc.accuracy
    columns = ["Method", "Months ahead", "Tests", "Mean error", "Mean % error", "In 80% interval"]
    if acc is None or acc.empty:
        return pd.DataFrame(columns=columns)
    rows = acc.sort_values(["horizon", "MAE"])
    return pd.DataFrame(
        {
            "Method": [
                f"{model_name(m)} [{m}]" + (" (chosen)" if m == fc.model else "")
                for m in rows["model"]
            ],
            "Months ahead": rows["horizon"].astype(int).to_numpy(),
            "Tests": rows["n"].astype(int).to_numpy(),
            "Mean error": [fmt_number(v, dp=1) for v in rows["MAE"]],
            "Mean % error": [show(v, places=1) for v in rows["MAPE"]],
            "In 80% interval": [fmt_pct(100 * v, dp=0) for v in rows["coverage80"]],
        }
    )


def accuracy_caption(ctx: FrontDoorContext, fc: MonthlyForecast) -> str:
    label, noun = LABELS[fc.measure]
    return (
        f"{label}: how far each method's forecasts were from the actual figures when tested on "
        f"{ctx.place}'s past months (mean error in {noun}, mean error as % of the actual "
        "figure, and how often the actual figure fell inside the 80% interval)"
    )
