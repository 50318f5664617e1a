"""The content of a front-door pack: a council's own monthly extract as tables, facts and charts.

Pure functions from tidy monthly rows (as :func:`cscanalysis.sources.monthly.read_monthly_extract`
returns them) to the pieces ``notebooks/front_door.py`` shows: the funnel from contacts to
children entering care with its conversion rates, monthly trends with 12-month averages, the
ages of children entering care, and a monthly forecast (with a seasonal model when the extract
is long enough) whose backtest accuracy is stated in plain words. Every number in a title or a
fact is computed here from the same rows the charts plot.
"""

from __future__ import annotations

import itertools

import numpy as np

from cscanalysis.analysis.frontdoor import (
    age_band_mismatches,
)
from cscanalysis.core.formatting import fmt_int, fmt_number, fmt_pct
from cscanalysis.core.measures import START_AGE_BANDS
from cscanalysis.core.periods import month_label
from cscanalysis.forecasting.models import MODELS
from cscanalysis.packs.frontdoor.charts import (
    age_chart,
    funnel_chart,
    rates_chart,
    trend_chart,
)
from cscanalysis.packs.frontdoor.context import (
    LABELS,
    MIN_SEASONAL_TESTS,
    SEASON,
    STAGES,
    TREND_MEASURES,
    FrontDoorContext,
    join_and,
    month_series,
    month_span,
    shift_month,
    stages_present,
    value_at,
    window_text,
    window_total,
    window_totals,
)
from cscanalysis.packs.frontdoor.forecast import (
    MIN_CALIBRATION_TESTS,
    MonthlyForecast,
    accuracy_row,
    model_name,
    seasonal_candidates,
)
from cscanalysis.render.chart import Chart
from cscanalysis.render.words import show

__all__ = [
    "CONTENTS",
    "banner",
    "data_notes",
    "forecast_statement",
    "key_facts",
    "pack_charts",
    "title",
]

CONTENTS = {
    "summary": "Summary",
    "funnel": "From contact to care",
    "trends": "Month by month",
    "ages": "Ages of children entering care",
    "forecast": "Forecast",
    "table": "Monthly figures",
    "notes": "Data notes",
}
# --- header and facts ----------------------------------------------------------------


def title(ctx: FrontDoorContext) -> tuple[str, str]:
    return (
        f"{ctx.place}: the front door, {month_label(ctx.first)} to {month_label(ctx.last)}",
        f"{ctx.name}. Contacts, referrals, child protection and children entering care from "
        f"the council's own monthly extract, with a forecast {ctx.horizon} months ahead.",
    )


def banner(ctx: FrontDoorContext) -> str:
    if ctx.audience == "publication":
        return (
            f"Built from {ctx.place}'s own monthly extract, not from published statistics. "
            f"Counts from 1 to {ctx.threshold} are suppressed (c), and so is any figure that "
            "would give one away."
        )
    return (
        f"Not for publication: built from {ctx.place}'s own monthly extract, not from published "
        "statistics, and small numbers are not suppressed."
    )


def key_facts(ctx: FrontDoorContext) -> list[str]:
    """Sentences about the summary window and the latest month, each from the tables shown."""
    totals = window_totals(ctx)
    span = window_text(ctx)
    facts = []

    def total(measure: str) -> float:
        return window_total(ctx, totals, measure)

    def share(rate: str) -> float:
        return value_at(totals, ctx.last, f"{rate}_rolling_{ctx.window}m")[0]

    contacts, referrals = total("contacts"), total("referrals")
    if np.isfinite(contacts):
        text = f"{ctx.place} received {fmt_int(contacts)} contacts in {span}"
        if np.isfinite(referrals):
            text += (
                f"; {fmt_int(referrals)} referrals followed "
                f"({fmt_pct(share('contact_to_referral_pct'), dp=1)} of contacts)"
            )
        nfa = total("nfa")
        if np.isfinite(nfa):
            text += (
                f" and {fmt_int(nfa)} contacts "
                f"({fmt_pct(share('contact_nfa_pct'), dp=1)}) ended with no further action"
            )
        facts.append(text + ".")
    cp = [
        (m, total(m), noun)
        for m, noun in (
            ("s47", "section 47 enquiries"),
            ("icpc", "initial child protection conferences"),
            ("cpp_starts", "child protection plans started"),
        )
        if np.isfinite(total(m))
    ]
    if cp:
        parts = [f"{fmt_int(v)} {noun}" for _, v, noun in cp]
        if cp[0][0] == "s47" and np.isfinite(share("referral_to_s47_pct")):
            parts[0] += f" ({fmt_pct(share('referral_to_s47_pct'), dp=1)} of referrals)"
        facts.append("In the same months there were " + join_and(parts) + ".")
    entering = total("cla_starts")
    older = share("cla_starts_age_10_plus_pct")
    if np.isfinite(entering) or np.isfinite(older):
        text = (
            f"{fmt_int(entering)} children entered care in {span}"
            if np.isfinite(entering)
            else f"In {span}"
        )
        if np.isfinite(older):
            banded = sum(total(b) for b in START_AGE_BANDS)
            text += (
                f"; of the {fmt_int(banded)} whose age band was recorded, "
                f"{fmt_pct(older, dp=1)} were aged 10 or over and "
                f"{fmt_pct(share('cla_starts_age_16_plus_pct'), dp=1)} were 16 or over"
            )
        facts.append(text + ".")
    latest = []
    for measure in ("contacts", "referrals", "cla_starts"):
        value, flag = value_at(ctx.monthly, ctx.last, measure)
        if measure in ctx.measures:
            noun = "children entered care" if measure == "cla_starts" else measure
            latest.append(f"{show(value, flag)} {noun}")
    if latest:
        facts.append(f"In {month_label(ctx.last)}: " + join_and(latest) + ".")
    return facts


# --- data notes ---------------------------------------------------------------------------------


def data_notes(ctx: FrontDoorContext) -> list[str]:
    """What an analyst should know about the extract: gaps, blanks, stages that convert at 100%
    or more, and age bands that do not add up to the children entering care."""
    notes = []
    expected = [shift_month(ctx.first, i) for i in range(month_span(ctx.first, ctx.last))]
    missing = [p for p in expected if p not in ctx.months]
    if missing:
        notes.append(
            f"{len(missing)} month(s) between {month_label(ctx.first)} and "
            f"{month_label(ctx.last)} are not in the extract: "
            + ", ".join(month_label(p) for p in missing[:6])
            + ("..." if len(missing) > 6 else "")
            + ". Rolling 12-month figures are not given for windows that include them."
        )
    blank = ctx.monthly[ctx.monthly["value"].isna()]
    if not blank.empty:
        flagged = blank[blank["flag"] != ""]
        notes.append(
            f"{len(blank)} figure(s) are blank or a symbol ({len(flagged)} with a symbol such "
            "as 'c'): they are shown as such, never as 0, and leave rates for those months out."
        )
    stages = stages_present(ctx)
    for before, after in itertools.pairwise(stages):
        a = month_series(ctx.monthly, after, ctx.months)["value"]
        b = month_series(ctx.monthly, before, ctx.months)["value"]
        more = [p for p in ctx.months if a[p] > b[p]]
        equal = [p for p in ctx.months if a[p] == b[p] and b[p] > 0]
        name_a, name_b = STAGES[after][0].lower(), STAGES[before][0].lower()
        if more:
            notes.append(
                f"More {name_a} than {name_b} in {len(more)} month(s) ("
                + ", ".join(month_label(p) for p in more[:6])
                + "): a conversion above 100% is possible when cases carry over from the "
                "month before, but check the extract."
            )
        if len(equal) >= 3:
            notes.append(
                f"{STAGES[after][0]} equal {name_b} in {len(equal)} of {len(ctx.months)} months "
                f"({month_label(equal[0])} to {month_label(equal[-1])}): a conversion of "
                "exactly 100% month after month is unlikely and may mean one column repeats "
                "another. The figures are shown as given; treat that rate with care."
            )
    mismatch = age_band_mismatches(ctx.monthly)
    if not mismatch.empty:
        small = ctx.audience == "publication" and (
            mismatch["age_band_total"].between(1, ctx.threshold).any()
        )
        listed = "; ".join(
            month_label(r.period)
            if small  # a small sum of the bands is not shown
            else f"{month_label(r.period)}: {fmt_int(r.cla_starts)} entering care, "
            f"{fmt_int(r.age_band_total)} in the age bands"
            for r in mismatch.head(6).itertuples()
        )
        notes.append(
            f"In {len(mismatch)} month(s) the age bands do not add up to the children entering "
            f"care ({listed}). Age shares use the age bands' own total."
        )
    if not notes:
        notes.append("No gaps, blanks or inconsistencies were found in the extract.")
    return notes


# --- forecasting --------------------------------------------------------------------------------


def forecast_statement(ctx: FrontDoorContext, fc: MonthlyForecast) -> list[str]:
    """The forecast's method and accuracy in plain words."""
    label, noun = LABELS[fc.measure]
    out = []
    if not fc.model:
        out.append(
            f"{label}: {fc.months_used} month(s) in a row is too few to forecast; at least "
            f"{MODELS['naive'].minimum(SEASON)} are needed."
        )
        return out
    seasonal = seasonal_candidates(fc.months_used)
    if not fc.tested:
        out.append(
            f"{label}: {fc.months_used} months in a row is too few to test forecasts on past "
            f"months, so the simplest forecast ({model_name(fc.model)}) is used. Treat it as "
            "a guide only."
        )
    else:
        tested = len({model_name(c) for c in fc.candidates})
        out.append(
            f"{label}: the forecast uses {model_name(fc.model)}, the most accurate of {tested} "
            f"methods when each was tested on past months (fitted on the months up to a point, "
            f"then checked against the months that followed)."
        )
        assert fc.accuracy is not None  # a tested forecast carries its backtest
        for h in sorted(fc.accuracy["horizon"].unique()):
            row = accuracy_row(fc, fc.model, int(h))
            naive = accuracy_row(fc, "naive", int(h))
            if row is None:
                continue
            ahead = "one month" if h == 1 else f"{int(h)} months"
            text = (
                f"Tested {int(row['n'])} times {ahead} ahead, it was out by "
                f"{fmt_number(row['MAE'], dp=1)} {noun} on average "
                f"({fmt_pct(row['MAPE'], dp=1)} of the actual figure)"
            )
            if naive is not None and fc.model != "naive":
                text += (
                    f"; 'same as last month' was out by {fmt_number(naive['MAE'], dp=1)} "
                    f"({fmt_pct(naive['MAPE'], dp=1)})"
                )
            out.append(text + ".")
    need = MODELS["seasonal_naive"].minimum(SEASON) + MIN_SEASONAL_TESTS
    if not seasonal:
        out.append(
            f"No seasonal model was used: allowing for months that are usually busier or "
            f"quieter needs at least {need} months in a row to fit and test (this extract has "
            f"{fc.months_used}), so the forecast does not follow a seasonal pattern."
        )
    elif fc.model in seasonal:
        out.append(
            f"The chosen model follows the seasonal pattern of the past {fc.months_used} months."
        )
    else:
        out.append(
            "Seasonal models ("
            + ", ".join(model_name(s) for s in seasonal)
            + f") were tested and were less accurate than {model_name(fc.model)}, so the "
            "forecast does not follow a seasonal pattern."
        )
    if bool(fc.table["calibrated"].any()):
        out.append(
            "The intervals were widened because past forecasts' own intervals missed the "
            "actual figure more often than they should have."
        )
    elif (
        fc.tested
        and fc.accuracy is not None
        and int(fc.accuracy["n"].min()) < MIN_CALIBRATION_TESTS
    ):
        out.append(
            f"The intervals are the method's own: {int(fc.accuracy['n'].min())} tests are too "
            f"few to check them (at least {MIN_CALIBRATION_TESTS} are needed), so the actual "
            "figure may fall outside them more often than they suggest."
        )
    return out


# --- the whole pack ------------------------------------------------------------


def pack_charts(ctx: FrontDoorContext) -> dict[str, list[Chart]]:
    """Every chart of the pack by section (sections without data have no charts)."""
    trends = [trend_chart(ctx, m) for m in TREND_MEASURES]
    return {
        "funnel": [c for c in (funnel_chart(ctx),) if c],
        "trends": [c for c in (*trends, rates_chart(ctx)) if c],
        "ages": [c for c in (age_chart(ctx),) if c],
    }


# Measure ids this module writes that are not in cscanalysis.core.measures (for the lead to add).
