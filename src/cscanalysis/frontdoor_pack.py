"""The content of a front-door pack: a council's own monthly extract as tables, facts and charts.

Pure functions from tidy monthly rows (as :func:`cscanalysis.sources.monthly.read_monthly_extract`
returns them) to the pieces ``notebooks/front_door.py`` shows: the funnel from contacts to
children entering care with its conversion rates, monthly trends with 12-month averages, the
ages of children entering care, and a monthly forecast (with a seasonal model when the extract
is long enough) whose backtest accuracy is stated in plain words. Every number in a title or a
fact is computed here from the same rows the charts plot.
"""

from __future__ import annotations

import calendar
import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cscanalysis import charts, forecast
from cscanalysis.charts import (
    DARK_BLUE,
    DARK_GREY,
    DARK_PINK,
    ORANGE,
    TURQUOISE,
    Chart,
    finish,
    new_figure,
    show,
)
from cscanalysis.errors import DataError, ParameterError
from cscanalysis.fmt import fmt_change, fmt_int, fmt_number, fmt_pct
from cscanalysis.frontdoor import (
    AGE_BANDS,
    FUNNEL,
    age_band_mismatches,
    age_profile,
    funnel_rates,
    rolling_12_months,
)

# Stages of the funnel in order, with a label and the noun for one unit of each.
STAGES: dict[str, tuple[str, str]] = {
    "contacts": ("Contacts", "contacts"),
    "referrals": ("Referrals", "referrals"),
    "s47": ("Section 47 enquiries", "enquiries"),
    "icpc": ("Initial child protection conferences", "conferences"),
    "cpp_starts": ("Child protection plans starting", "plans"),
    "cla_starts": ("Children entering care", "children"),
}
LABELS: dict[str, tuple[str, str]] = STAGES | {
    "nfa": ("Contacts with no further action", "contacts"),
}
AGE_LABELS = {
    "cla_starts_age_under_1": "Under 1",
    "cla_starts_age_1_to_4": "1 to 4",
    "cla_starts_age_5_to_9": "5 to 9",
    "cla_starts_age_10_to_15": "10 to 15",
    "cla_starts_age_16_plus": "16 and over",
}
TREND_MEASURES = ("contacts", "referrals", "cla_starts")
FORECAST_MEASURES = ("referrals", "cla_starts")
LEVELS = (80, 95)
MIN_SEASONAL_TESTS = 3  # one-month-ahead tests a seasonal model needs before it is a candidate
SEASON = 12
CONTENTS = {
    "summary": "Summary",
    "funnel": "From contact to care",
    "trends": "Month by month",
    "ages": "Ages of children entering care",
    "forecast": "Forecast",
    "table": "Monthly figures",
    "notes": "Data notes",
}
INTROS = {
    "funnel": "How many contacts led to a referral, a section 47 enquiry, an initial child "
    "protection conference, a child protection plan and a child entering care.",
    "trends": "Each month's figure with the average month over the 12 months to it (the "
    "rolling 12-month total divided by 12), which smooths out busy and quiet months.",
    "ages": "Ages of the children entering care, in the age bands DfE publishes.",
    "forecast": "What the months ahead may bring if the recent pattern continues. Each "
    "forecast is tested on past months first, and its accuracy is stated.",
    "table": "The extract as read, with the conversion rates worked out from it.",
    "notes": "Checks on the extract that an analyst should know about before using it.",
}
# Citations for the worked examples in data/examples (file name -> source line).
EXAMPLE_SOURCES = {
    "bristol_front_door_2016_17.csv": "Bristol City Council, Cabinet 3 April 2018, "
    "Strengthening Families Programme, Appendix A Table 1",
    "bristol_age_at_entry_2016_17.csv": "Bristol City Council, Cabinet 3 April 2018, "
    "Strengthening Families Programme, Appendix A Table 2",
}


# --- the context -------------------------------------------------------------------------------


@dataclass
class FrontDoorContext:
    """Everything a front-door pack needs: the monthly rows and who and where they are from."""

    monthly: pd.DataFrame
    code: str
    name: str
    place: str
    source: str
    horizon: int
    months: list[str]  # every month in the extract, in order

    @property
    def measures(self) -> set[str]:
        return set(self.monthly["measure"])

    @property
    def first(self) -> str:
        return self.months[0]

    @property
    def last(self) -> str:
        return self.months[-1]

    @property
    def window(self) -> int:
        """Months in the summary window: the latest 12, or all when there are fewer."""
        return min(12, _span(self.first, self.last))


def input_paths(value: str | Path | Sequence[str | Path], root: Path) -> list[Path]:
    """The extract files of a ``input`` parameter (one path or a list); a relative path is
    relative to ``root`` (the repository). Raises ParameterError when none is given."""
    items = [value] if isinstance(value, str | Path) else list(value)
    paths = [Path(p) if Path(p).is_absolute() else root / p for p in items if str(p).strip()]
    if not paths:
        raise ParameterError("no monthly extract given: set input to a CSV or XLSX file")
    return paths


def default_source(files: Sequence[str | Path], place: str) -> str:
    """The source line: the example's citation, else "<place> monthly extract <file names>"."""
    names = [Path(f).name for f in files]
    cited = [EXAMPLE_SOURCES[n] for n in names if n in EXAMPLE_SOURCES]
    if cited and len(cited) == len(names):
        return _join_citations(cited)
    return f"{place} monthly performance extract ({', '.join(names)})"


def _join_citations(cited: list[str]) -> str:
    """Citations that differ only in their last words are joined: '... Table 1 and Table 2'."""
    if len(cited) == 1:
        return cited[0]
    stem = cited[0].rsplit(",", 1)[0]
    if all(c.rsplit(",", 1)[0] == stem for c in cited):
        tails = [c.rsplit(",", 1)[1].strip() for c in cited]
        return f"{stem}, {' and '.join(tails)}"
    return "; ".join(cited)


def prepare(
    monthly: pd.DataFrame,
    *,
    council_code: str,
    council_name: str,
    place: str,
    source: str,
    horizon: int = 6,
) -> FrontDoorContext:
    """Check the rows and the parameters and gather them for the pack."""
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ParameterError(f"forecast_horizon must be a whole number of months >= 1: {horizon!r}")
    if horizon > 24:
        raise ParameterError(f"forecast_horizon {horizon} is too far ahead; at most 24 months")
    if not source.strip():
        raise ParameterError("source must say where the monthly extract came from")
    if monthly.empty:
        raise DataError("the monthly extract has no rows", expected="one row per month")
    known = [m for m in LABELS if m in set(monthly["measure"])]
    if not known:
        found = ", ".join(sorted(set(monthly["measure"])))
        raise DataError(
            "the extract has none of the front-door measures",
            value=found,
            expected="columns such as Contacts, Referrals, s47, ICPCs, CP starts",
        )
    rows = monthly.copy()
    rows["council_code"] = council_code
    rows["council_name"] = council_name
    months = sorted(rows["period"].unique())
    return FrontDoorContext(rows, council_code, council_name, place, source, int(horizon), months)


# --- small helpers -----------------------------------------------------------------------------


def month_label(period: str) -> str:
    """``2016-08`` -> ``Aug 2016``."""
    return f"{calendar.month_abbr[int(period[5:7])]} {period[:4]}"


def _ordinal(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def _span(first: str, last: str) -> int:
    return _ordinal(last) - _ordinal(first) + 1


def _shift(period: str, months: int) -> str:
    o = _ordinal(period) + months
    return f"{o // 12}-{o % 12 + 1:02d}"


def _cell(table: pd.DataFrame, period: str, measure: str) -> tuple[float, str]:
    hit = table[(table["period"] == period) & (table["measure"] == measure)]
    if hit.empty:
        return np.nan, ""
    return float(hit["value"].iloc[0]), str(hit["flag"].iloc[0] or "")


def _series(table: pd.DataFrame, measure: str, months: Sequence[str]) -> pd.DataFrame:
    """``value`` and ``flag`` of one measure for each month (NaN and '' where absent)."""
    rows = table[table["measure"] == measure].set_index("period")
    out = pd.DataFrame(index=pd.Index(list(months), name="period"))
    out["value"] = rows["value"].reindex(out.index).astype(float)
    out["flag"] = rows["flag"].reindex(out.index).fillna("")
    return out


def window_text(ctx: FrontDoorContext) -> str:
    """``the 12 months to Jul 2017`` or ``the 5 months Aug 2016 to Dec 2016``."""
    if ctx.window == 12:
        return f"the 12 months to {month_label(ctx.last)}"
    if ctx.window == 1:
        return month_label(ctx.last)
    start = _shift(ctx.last, -(ctx.window - 1))
    return f"the {ctx.window} months {month_label(start)} to {month_label(ctx.last)}"


def window_totals(ctx: FrontDoorContext) -> pd.DataFrame:
    """Totals over the summary window (tidy rows at the last month, measures suffixed
    ``_rolling_<n>m``) with the conversion rates and age shares over the same months."""
    suffix = f"_rolling_{ctx.window}m"
    counts = [m for m in (*LABELS, *AGE_BANDS) if m in ctx.measures]
    totals = rolling_12_months(ctx.monthly, counts, months=ctx.window)
    totals = totals[totals["period"] == ctx.last]
    parts = [totals]
    if not totals.empty:
        parts += [funnel_rates(totals, suffix=suffix), age_profile(totals, suffix=suffix)]
    return pd.concat([p for p in parts if not p.empty], ignore_index=True)


def _total(ctx: FrontDoorContext, totals: pd.DataFrame, measure: str) -> float:
    return _cell(totals, ctx.last, f"{measure}_rolling_{ctx.window}m")[0]


def _stages_present(ctx: FrontDoorContext) -> list[str]:
    return [s for s in STAGES if s in ctx.measures]


def _rate_of(stage: str) -> tuple[str, str] | None:
    """(rate measure id, the stage it is a share of) for a stage, e.g. referrals."""
    for rate, num, den in FUNNEL:
        if num == stage and den in STAGES:
            return rate, den
    return None


# --- header, facts and tables ----------------------------------------------------------------


def title(ctx: FrontDoorContext) -> tuple[str, str]:
    return (
        f"{ctx.place}: the front door, {month_label(ctx.first)} to {month_label(ctx.last)}",
        f"{ctx.name}. Contacts, referrals, child protection and children entering care from "
        f"the council's own monthly extract, with a forecast {ctx.horizon} months ahead.",
    )


def banner(ctx: FrontDoorContext) -> str:
    return (
        f"Built from {ctx.place}'s own monthly extract, not from published statistics: small "
        "numbers are not suppressed, so check them before publishing."
    )


def key_facts(ctx: FrontDoorContext) -> list[str]:
    """Sentences about the summary window and the latest month, each from the tables shown."""
    totals = window_totals(ctx)
    span = window_text(ctx)
    facts = []

    def total(measure: str) -> float:
        return _total(ctx, totals, measure)

    def share(rate: str) -> float:
        return _cell(totals, ctx.last, f"{rate}_rolling_{ctx.window}m")[0]

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
        facts.append("In the same months there were " + _and(parts) + ".")
    entering = total("cla_starts")
    older = share("cla_starts_age_10_plus_pct")
    if np.isfinite(entering) or np.isfinite(older):
        text = (
            f"{fmt_int(entering)} children entered care in {span}"
            if np.isfinite(entering)
            else f"In {span}"
        )
        if np.isfinite(older):
            banded = sum(total(b) for b in AGE_BANDS)
            text += (
                f"; of the {fmt_int(banded)} whose age band was recorded, "
                f"{fmt_pct(older, dp=1)} were aged 10 or over and "
                f"{fmt_pct(share('cla_starts_age_16_plus_pct'), dp=1)} were 16 or over"
            )
        facts.append(text + ".")
    latest = []
    for measure in ("contacts", "referrals", "cla_starts"):
        value, flag = _cell(ctx.monthly, ctx.last, measure)
        if measure in ctx.measures:
            noun = "children entered care" if measure == "cla_starts" else measure
            latest.append(f"{show(value, flag)} {noun}")
    if latest:
        facts.append(f"In {month_label(ctx.last)}: " + _and(latest) + ".")
    return facts


def _and(parts: Sequence[str]) -> str:
    parts = list(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


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
        s = _series(table, measure, ctx.months)
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


# --- data notes ---------------------------------------------------------------------------------


def data_notes(ctx: FrontDoorContext) -> list[str]:
    """What an analyst should know about the extract: gaps, blanks, stages that convert at 100%
    or more, and age bands that do not add up to the children entering care."""
    notes = []
    expected = [_shift(ctx.first, i) for i in range(_span(ctx.first, ctx.last))]
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
    stages = _stages_present(ctx)
    for before, after in itertools.pairwise(stages):
        a = _series(ctx.monthly, after, ctx.months)["value"]
        b = _series(ctx.monthly, before, ctx.months)["value"]
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
        listed = "; ".join(
            f"{month_label(r.period)}: {fmt_int(r.cla_starts)} entering care, "
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


# --- charts -------------------------------------------------------------------------------------


def funnel_chart(ctx: FrontDoorContext) -> Chart | None:
    """Horizontal bars: each stage's total over the window, labelled with its conversion."""
    totals = window_totals(ctx)
    stages = [s for s in _stages_present(ctx) if np.isfinite(_total(ctx, totals, s))]
    if len(stages) < 2:
        return None
    values = [_total(ctx, totals, s) for s in stages]
    rates: list[float] = []
    bases: list[str] = []
    for i, stage in enumerate(stages):
        hit = _rate_of(stage)
        if i and hit and hit[1] == stages[i - 1]:
            rates.append(_cell(totals, ctx.last, f"{hit[0]}_rolling_{ctx.window}m")[0])
            bases.append(STAGES[hit[1]][1])
        elif i:  # the stage before is missing from the extract: share of the nearest one
            rates.append(100.0 * values[i] / values[i - 1] if values[i - 1] else np.nan)
            bases.append(STAGES[stages[i - 1]][1])
        else:
            rates.append(np.nan)
            bases.append("")
    figure, axes = new_figure(height=0.9 + 0.45 * len(stages))
    y = np.arange(len(stages))
    axes.barh(y, values, color=DARK_BLUE, height=0.6)
    for i, (value, rate, base) in enumerate(zip(values, rates, bases, strict=True)):
        text = fmt_int(value) + (f"  ({fmt_pct(rate, dp=1)} of {base})" if base else "")
        axes.annotate(
            text,
            (value, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color=DARK_GREY,
        )
    axes.set_yticks(
        y, [STAGES[s][0].replace(" child protection ", "\nchild protection ") for s in stages]
    )
    axes.invert_yaxis()
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", visible=True)
    axes.set_xlim(0, max(values) * 1.45)
    axes.set_xlabel(f"Number in {window_text(ctx)}")
    span = window_text(ctx)
    first, last = stages[0], stages[-1]
    title_text = f"In {span}, {ctx.place} had {fmt_int(values[0])} {STAGES[first][1]}"
    if len(stages) > 1 and stages[1] == "referrals" and first == "contacts":
        title_text += f"; {fmt_pct(rates[1], dp=1)} led to a referral"
    if last == "cla_starts":
        title_text += f" and {fmt_int(values[-1])} children entered care"
    elif len(stages) > 2:
        title_text += f" and there were {fmt_int(values[-1])} {STAGES[last][0].lower()}"
    subtitle = (
        f"Front-door stages, {ctx.place}, "
        f"{month_label(_shift(ctx.last, -(ctx.window - 1)))} to {month_label(ctx.last)}"
    )
    _finish(figure, axes, subtitle, ctx.source, share=0.6)
    data = pd.DataFrame(
        {
            "Stage": [STAGES[s][0] for s in stages],
            f"Number in {span}": [fmt_int(v) for v in values],
            "% of the stage before": [
                "" if not b else show(r, places=1) for r, b in zip(rates, bases, strict=True)
            ],
        }
    )
    alt = (
        f"Bar chart: {title_text}. "
        + "; ".join(
            f"{STAGES[s][0]} {fmt_int(v)}" + (f" ({fmt_pct(r, dp=1)} of {b})" if b else "")
            for s, v, r, b in zip(stages, values, rates, bases, strict=True)
        )
        + "."
    )
    caption = (
        f"Totals over {span}. Each stage is shown as a share of the stage before in the same "
        "months; a child's contact, referral and plan may fall in different months."
    )
    return Chart("funnel", figure, title_text, subtitle, alt, caption, ctx.source, data)


def _avg_12(ctx: FrontDoorContext, measure: str) -> pd.Series:
    rolling = rolling_12_months(ctx.monthly, [measure])
    return _series(rolling, f"{measure}_rolling_12m", ctx.months)["value"] / 12.0


def trend_chart(ctx: FrontDoorContext, measure: str) -> Chart | None:
    """Line chart of one count by month with its 12-month average (rolling total / 12)."""
    if measure not in ctx.measures:
        return None
    label, noun = LABELS[measure]
    s = _series(ctx.monthly, measure, ctx.months)
    monthly, flags = s["value"], s["flag"]
    average = _avg_12(ctx, measure)
    x = np.arange(len(ctx.months))
    figure, axes = new_figure()
    axes.plot(x, monthly.to_numpy(), color=DARK_BLUE, marker="o", linewidth=2, markersize=4.5)
    has_avg = bool(average.notna().any())
    if has_avg:
        axes.plot(
            x,
            average.to_numpy(),
            color=TURQUOISE,
            marker="s",
            linestyle="--",
            linewidth=2,
            markersize=5,
        )
    _x_months(axes, ctx.months)
    axes.set_ylim(bottom=0)
    axes.set_ylabel(noun)
    axes.set_xlim(-0.5, len(x) - 0.5 + 2.6)
    used: list[float] = []
    charts._direct_label(axes, ctx.months, monthly.to_numpy(), "Each month", DARK_BLUE, used)
    if has_avg:
        charts._direct_label(
            axes, ctx.months, average.to_numpy(), "12-month average", TURQUOISE, used
        )
    known = monthly.dropna()
    if known.empty:
        title_text = f"{ctx.place} has no {noun} figures in the extract"
    else:
        last_p = known.index[-1]
        title_text = f"{label}: {fmt_int(known.iloc[-1])} in {month_label(last_p)}"
        prev = _shift(last_p, -1)
        if prev in known.index:
            title_text += f", {_change_words(known.iloc[-1], known[prev])} on {month_label(prev)}"
        year_ago = _shift(last_p, -12)
        if year_ago in known.index:
            title_text += (
                f" and {_change_words(known.iloc[-1], known[year_ago])} on {month_label(year_ago)}"
            )
        if has_avg and np.isfinite(average[last_p]):
            title_text += (
                f"; {fmt_number(average[last_p], dp=0)} a month on average over the 12 months"
            )
    subtitle = (
        f"{label} each month and 12-month average ({noun}), {ctx.place}, "
        f"{month_label(ctx.first)} to {month_label(ctx.last)}"
    )
    _finish(figure, axes, subtitle, ctx.source)
    data = pd.DataFrame(
        {
            "Month": [month_label(p) for p in ctx.months],
            f"{label} ({noun})": [
                show(v, f, symbol=True) for v, f in zip(monthly, flags, strict=True)
            ],
            "12-month average per month": [
                "" if not np.isfinite(v) else fmt_number(v, dp=1) for v in average
            ],
        }
    )
    if known.empty:
        alt = f"Line chart: {title_text}."
    else:
        low, high = known.idxmin(), known.idxmax()
        alt = (
            f"Line chart: {title_text}. Monthly figures ranged from {fmt_int(known[low])} in "
            f"{month_label(low)} to {fmt_int(known[high])} in {month_label(high)}."
        )
        if not has_avg:
            alt += " The 12-month average needs 12 months in a row, so it is not shown."
    caption = (
        f"{label} each month (solid line, circles) and the average month over the 12 months "
        "to each month (dashed line, squares; shown once 12 months in a row are available). "
        "Gaps: no figure for that month."
    )
    return Chart(f"trend-{measure}", figure, title_text, subtitle, alt, caption, ctx.source, data)


def _change_words(new: float, old: float) -> str:
    """'down 14%' / 'up 3%' / 'unchanged' (whole per cent), from :func:`fmt_change`."""
    words = fmt_change(new, old)
    return words.split(" (")[0]


def _x_months(axes, months: Sequence[str]) -> None:
    x = np.arange(len(months))
    step = max(1, int(np.ceil(len(months) / 12)))
    labels = [
        (f"{calendar.month_abbr[int(p[5:])]}\n{p[:4]}" if i % step == 0 else "")
        for i, p in enumerate(months)
    ]
    axes.set_xticks(x, labels)
    axes.tick_params(axis="x", labelsize=8)


def _finish(figure, axes, subtitle: str, source: str, share: float = 0.82) -> None:
    """:func:`charts.finish`, with the subtitle wrapped to the width of the plotting area
    (``share`` of the figure) rather than of the figure, so that it is never cut off."""
    finish(figure, axes, subtitle, source)
    width_in = figure.get_size_inches()[0]
    axes.set_title(
        textwrap.fill(subtitle, int(width_in * 14 * share)),
        loc="left",
        fontsize=9.5,
        color=DARK_GREY,
        pad=8,
    )


def rates_chart(ctx: FrontDoorContext) -> Chart | None:
    """Contacts leading to a referral and ending with no further action, by month, with the
    rates over the 12 months to each month."""
    lines = [
        ("contact_to_referral_pct", "led to a referral", DARK_BLUE, "o"),
        ("contact_nfa_pct", "ended with no further action", DARK_PINK, "^"),
    ]
    rates = funnel_rates(ctx.monthly)
    counts = [m for m in ("contacts", "referrals", "nfa") if m in ctx.measures]
    rolling = rolling_12_months(ctx.monthly, counts)
    rolling_rates = funnel_rates(rolling, suffix="_rolling_12m") if not rolling.empty else rolling
    lines = [line for line in lines if line[0] in set(rates["measure"])]
    if not lines:
        return None
    x = np.arange(len(ctx.months))
    figure, axes = new_figure()
    used: list[float] = []
    data = pd.DataFrame({"Month": [month_label(p) for p in ctx.months]})
    latest = []
    for rate, words, color, marker in lines:
        s = _series(rates, rate, ctx.months)
        r12 = (
            _series(rolling_rates, f"{rate}_rolling_12m", ctx.months)["value"]
            if not rolling_rates.empty
            else pd.Series(np.nan, index=ctx.months)
        )
        axes.plot(x, s["value"].to_numpy(), color=color, marker=marker, linewidth=2)
        if r12.notna().any():
            axes.plot(
                x,
                r12.to_numpy(),
                color=color,
                marker=marker,
                linestyle="--",
                linewidth=1.4,
                markerfacecolor="white",
            )
        label = f"% of contacts: {words}"
        charts._direct_label(axes, ctx.months, s["value"].to_numpy(), words, color, used)
        data[f"{label}, month"] = [
            show(v, f, places=1, symbol=True) for v, f in zip(s["value"], s["flag"], strict=True)
        ]
        data[f"{label}, 12 months to month"] = [
            "" if not np.isfinite(v) else fmt_number(v, dp=1) for v in r12
        ]
        value, flag = _cell(rates, ctx.last, rate)
        latest.append(f"{show(value, flag, places=1)}% {words}")
    _x_months(axes, ctx.months)
    axes.set_ylim(0, 100)
    axes.set_ylabel("% of contacts")
    axes.set_xlim(-0.5, len(x) - 0.5 + 3.2)
    title_text = f"In {month_label(ctx.last)}, " + _and(latest)
    title_text = title_text.replace("% ", f"% of {ctx.place}'s contacts ", 1)
    subtitle = (
        f"Contacts leading to a referral and with no further action (% of contacts), "
        f"{ctx.place}, {month_label(ctx.first)} to {month_label(ctx.last)}"
    )
    _finish(figure, axes, subtitle, ctx.source)
    alt = f"Line chart: {title_text}."
    for _, words, _, _ in lines:
        r12 = data[f"% of contacts: {words}, 12 months to month"]
        filled = [v for v in r12 if v]
        if filled:
            alt += f" Over the 12 months to {month_label(ctx.last)}: {filled[-1]}% {words}."
    caption = (
        "Solid lines: each month's rate; dashed lines with open markers: the rate over the 12 "
        "months to each month (shown once 12 months in a row are available). Circles: led "
        "to a referral; triangles: no further action."
    )
    return Chart("rates", figure, title_text, subtitle, alt, caption, ctx.source, data)


def age_chart(ctx: FrontDoorContext) -> Chart | None:
    """Bars: children entering care over the window by age band, with each band's share."""
    totals = window_totals(ctx)
    values = [_total(ctx, totals, b) for b in AGE_BANDS]
    if not all(np.isfinite(values)):
        return None
    total = float(sum(values))
    shares = [100.0 * v / total if total else np.nan for v in values]
    older = _cell(totals, ctx.last, f"cla_starts_age_10_plus_pct_rolling_{ctx.window}m")[0]
    oldest = _cell(totals, ctx.last, f"cla_starts_age_16_plus_pct_rolling_{ctx.window}m")[0]
    figure, axes = new_figure(height=3.0)
    y = np.arange(len(AGE_BANDS))
    colors = [TURQUOISE, TURQUOISE, TURQUOISE, DARK_BLUE, DARK_BLUE]
    hatches = ["", "", "", "///", "///"]
    for i, (v, c, h) in enumerate(zip(values, colors, hatches, strict=True)):
        axes.barh(i, v, color=c, hatch=h, edgecolor="white", height=0.6)
    for i, (v, sh) in enumerate(zip(values, shares, strict=True)):
        axes.annotate(
            f"{fmt_int(v)} ({fmt_pct(sh, dp=1)})",
            (v, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color=DARK_GREY,
        )
    axes.set_yticks(y, [AGE_LABELS[b] for b in AGE_BANDS])
    axes.set_ylabel("Age on entering care")
    axes.invert_yaxis()
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", visible=True)
    axes.set_xlim(0, max(max(values), 1) * 1.35)
    axes.set_xlabel("Children")
    span = window_text(ctx)
    title_text = (
        f"{fmt_pct(older, dp=1)} of the {fmt_int(total)} children entering care in {span} "
        f"were aged 10 or over ({fmt_pct(oldest, dp=1)} aged 16 or over)"
    )
    subtitle = (
        f"Children entering care by age band, {ctx.place}, "
        f"{month_label(_shift(ctx.last, -(ctx.window - 1)))} to {month_label(ctx.last)}"
    )
    _finish(figure, axes, subtitle, ctx.source, share=0.75)
    data = pd.DataFrame(
        {
            "Age band": [AGE_LABELS[b] for b in AGE_BANDS],
            "Children": [fmt_int(v) for v in values],
            "Share (%)": [show(s, places=1) for s in shares],
        }
    )
    alt = (
        f"Bar chart: {title_text}. "
        + "; ".join(
            f"{AGE_LABELS[b]}: {fmt_int(v)} ({fmt_pct(s, dp=1)})"
            for b, v, s in zip(AGE_BANDS, values, shares, strict=True)
        )
        + "."
    )
    caption = (
        f"Age bands summed over {span}. Bars for 10 and over are dark and hatched. Shares are "
        "of the children in the age bands, which need not equal the children entering care "
        "in the funnel (see the data notes)."
    )
    return Chart("ages", figure, title_text, subtitle, alt, caption, ctx.source, data)


# --- forecasting --------------------------------------------------------------------------------


@dataclass
class MonthlyForecast:
    """A measure's forecast with the evidence behind it.

    ``backtest`` and ``accuracy`` are :func:`cscanalysis.forecast.backtest` and
    :func:`cscanalysis.forecast.accuracy` over every candidate (None when the months are too
    few to test); ``model`` is the candidate with the smallest mean absolute error over the
    tested horizons (``naive`` when untested) and ``table`` its forecast, intervals widened by
    :func:`cscanalysis.forecast.calibration_factors` where past intervals missed too often.
    """

    measure: str
    history: pd.Series  # month -> value (NaN where missing), the extract's months
    candidates: list[str]
    months_used: int  # length of the last unbroken run of months
    model: str  # the model that made the forecast ("" when none could)
    table: pd.DataFrame
    backtest: pd.DataFrame | None = None
    accuracy: pd.DataFrame | None = None

    @property
    def tested(self) -> bool:
        return self.accuracy is not None and not self.accuracy.empty


def _run_length(values: np.ndarray) -> int:
    """Length of the last unbroken run of values (trailing blanks skipped)."""
    finite = np.isfinite(values)
    if not finite.any():
        return 0
    end = int(np.flatnonzero(finite)[-1])
    start = end
    while start > 0 and finite[start - 1]:
        start -= 1
    return end - start + 1


def seasonal_candidates(months_used: int) -> list[str]:
    """Seasonal models with enough months to be fitted and tested at least
    ``MIN_SEASONAL_TESTS`` times: seasonal naive from 16 months, seasonal ETS from 29."""
    out = []
    for name in ("seasonal_naive", "seasonal_ets"):
        if months_used >= forecast.MODELS[name].minimum(SEASON) + MIN_SEASONAL_TESTS:
            out.append(name)
    return out


MIN_TRAIN = 5  # months a model is fitted on before its first test
MIN_CALIBRATION_TESTS = 10  # tests at a horizon before intervals are widened from them
MAX_SEASONAL_ETS_TESTS = 12  # origins tested when seasonal ETS (one statsmodels fit each) is in
# The forecast module's non-seasonal candidates without the pooled variants, which for a single
# series give the same forecasts as their unpooled twins.
BASE_CANDIDATES = tuple(m for m in forecast.DEFAULT_CANDIDATES if not m.endswith("_pooled"))


def choose_model(accuracy: pd.DataFrame) -> str:
    """The model with the smallest mean absolute error averaged over the tested horizons.

    One series in one unit, so the error in that unit ranks the models; MASE is not used
    because its seasonal scale needs 13 months before the first test.
    """
    scores = accuracy.groupby("model")["MAE"].mean().dropna()
    if scores.empty:
        raise ParameterError("no model could be tested")
    return str(scores.idxmin())


def forecast_measure(ctx: FrontDoorContext, measure: str) -> MonthlyForecast | None:
    """Test the candidate models on the measure's past months (rolling origin), pick the most
    accurate, forecast ``ctx.horizon`` months with 80% and 95% intervals and widen the
    intervals where past ones missed too often (see :mod:`cscanalysis.forecast`)."""
    if measure not in ctx.measures:
        return None
    wide = forecast.to_wide(ctx.monthly, measure)
    history = wide.iloc[0]
    used = _run_length(history.to_numpy(dtype=float))
    candidates = [*BASE_CANDIDATES, *seasonal_candidates(used)]
    horizons = sorted({1, min(3, ctx.horizon)})
    bt = acc = None
    min_train = MIN_TRAIN
    if "seasonal_ets" in candidates:  # about a second a fit: test on the latest months only
        min_train = max(MIN_TRAIN, wide.shape[1] - MAX_SEASONAL_ETS_TESTS)
    if used > MIN_TRAIN:
        try:
            bt = forecast.backtest(wide, candidates, horizons, min_train, LEVELS)
            acc = forecast.accuracy(bt)
        except ParameterError:
            bt = acc = None
    model = choose_model(acc) if acc is not None and not acc.empty else "naive"
    table = forecast.forecast(wide, ctx.horizon, model=model, levels=LEVELS)
    if model != "naive" and not np.isfinite(table["mean"]).any():
        model = "naive"
        table = forecast.forecast(wide, ctx.horizon, model=model, levels=LEVELS)
    if bt is not None:
        factors = forecast.calibration_factors(bt, LEVELS)
        factors = factors[factors["n"] >= MIN_CALIBRATION_TESTS]
        table = forecast.apply_calibration(table, factors)
    if not np.isfinite(table["mean"]).any():
        model = ""
    return MonthlyForecast(measure, history, candidates, used, model, table, bt, acc)


def _model_name(model: str) -> str:
    names = {
        "naive": "same as the last month (naive)",
        "drift": "straight-line trend (drift)",
        "drift_pooled": "straight-line trend (drift)",
        "ses": "exponential smoothing (level only)",
        "ses_pooled": "exponential smoothing (level only)",
        "damped": "damped trend (Holt)",
        "damped_pooled": "damped trend (Holt)",
        "seasonal_naive": "same month last year (seasonal naive)",
        "seasonal_ets": "exponential smoothing with a seasonal pattern (seasonal ETS)",
        "ets": "exponential smoothing (ETS)",
        "arima": "ARIMA",
    }
    return names.get(model, model)


def _accuracy_row(fc: MonthlyForecast, model: str, horizon: int) -> pd.Series | None:
    acc = fc.accuracy
    if acc is None or acc.empty:
        return None
    hit = acc[(acc["model"] == model) & (acc["horizon"] == horizon)]
    return None if hit.empty else hit.iloc[0]


def forecast_statement(ctx: FrontDoorContext, fc: MonthlyForecast) -> list[str]:
    """The forecast's method and accuracy in plain words."""
    label, noun = LABELS[fc.measure]
    out = []
    if not fc.model:
        out.append(
            f"{label}: {fc.months_used} month(s) in a row is too few to forecast; at least "
            f"{forecast.MODELS['naive'].minimum(SEASON)} are needed."
        )
        return out
    seasonal = seasonal_candidates(fc.months_used)
    if not fc.tested:
        out.append(
            f"{label}: {fc.months_used} months in a row is too few to test forecasts on past "
            f"months, so the simplest forecast ({_model_name(fc.model)}) is used. Treat it as "
            "a guide only."
        )
    else:
        tested = len({_model_name(c) for c in fc.candidates})
        out.append(
            f"{label}: the forecast uses {_model_name(fc.model)}, the most accurate of {tested} "
            f"methods when each was tested on past months (fitted on the months up to a point, "
            f"then checked against the months that followed)."
        )
        for h in sorted(fc.accuracy["horizon"].unique()):
            row = _accuracy_row(fc, fc.model, int(h))
            naive = _accuracy_row(fc, "naive", int(h))
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
    need = forecast.MODELS["seasonal_naive"].minimum(SEASON) + MIN_SEASONAL_TESTS
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
            + ", ".join(_model_name(s) for s in seasonal)
            + f") were tested and were less accurate than {_model_name(fc.model)}, so the "
            "forecast does not follow a seasonal pattern."
        )
    if bool(fc.table["calibrated"].any()):
        out.append(
            "The intervals were widened because past forecasts' own intervals missed the "
            "actual figure more often than they should have."
        )
    elif fc.tested and int(fc.accuracy["n"].min()) < MIN_CALIBRATION_TESTS:
        out.append(
            f"The intervals are the method's own: {int(fc.accuracy['n'].min())} tests are too "
            f"few to check them (at least {MIN_CALIBRATION_TESTS} are needed), so the actual "
            "figure may fall outside them more often than they suggest."
        )
    return out


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
                f"{_model_name(m)} [{m}]" + (" (chosen)" if m == fc.model else "")
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


def forecast_chart(ctx: FrontDoorContext, fc: MonthlyForecast) -> Chart | None:
    """Fan chart: the months so far, the forecast and its 80% and 95% intervals."""
    if not fc.model:
        return None
    table = fc.table
    if not np.isfinite(table["mean"]).any():
        return None
    label, noun = LABELS[fc.measure]
    hist_months = [str(p) for p in fc.history.index]
    future = table["period"].tolist()
    months = hist_months + future
    x = np.arange(len(months))
    xh, xf = x[: len(hist_months)], x[len(hist_months) :]
    hist = fc.history.to_numpy(dtype=float)
    figure, axes = new_figure()
    axes.fill_between(xf, table["lo95"], table["hi95"], color=ORANGE, alpha=0.18, linewidth=0)
    axes.fill_between(xf, table["lo80"], table["hi80"], color=ORANGE, alpha=0.38, linewidth=0)
    axes.plot(xh, hist, color=DARK_BLUE, marker="o", linewidth=2, markersize=4.5)
    last_known = int(np.flatnonzero(np.isfinite(hist))[-1])
    axes.plot(
        [xh[last_known], *xf],
        [hist[last_known], *table["mean"]],
        color=ORANGE,
        marker="D",
        linestyle="--",
        linewidth=2,
        markersize=4,
    )
    _x_months(axes, months)
    axes.set_ylim(bottom=0)
    axes.set_ylabel(noun)
    axes.set_xlim(-0.5, len(x) - 0.5 + 2.6)
    axes.axvline(xh[-1] + 0.5, color=DARK_GREY, linewidth=0.8, linestyle=":")
    end = table.iloc[-1]
    axes.annotate(
        "Forecast",
        (xf[0] - 0.4, 0.03),
        xycoords=axes.get_xaxis_transform(),
        fontsize=8,
        color=DARK_GREY,
    )
    axes.annotate(
        "80% interval",
        (xf[-1], (end["hi80"] + end["mean"]) / 2),
        xytext=(6, 0),
        textcoords="offset points",
        fontsize=8,
        color=DARK_GREY,
        va="center",
    )
    axes.annotate(
        "95% interval",
        (xf[-1], end["hi95"]),
        xytext=(6, 0),
        textcoords="offset points",
        fontsize=8,
        color=DARK_GREY,
        va="center",
    )
    axes.annotate(
        "Actual",
        (xh[-1] + 0.4, 0.03),
        xycoords=axes.get_xaxis_transform(),
        fontsize=8,
        color=DARK_BLUE,
        ha="right",
        fontweight="bold",
    )
    first = table.iloc[0]
    if fmt_int(first["mean"]) == fmt_int(end["mean"]) and len(table) > 1:
        title_text = (
            f"{label} are forecast at about {fmt_int(first['mean'])} a month from "
            f"{month_label(first['period'])} to {month_label(end['period'])}"
        )
    else:
        title_text = (
            f"{label} are forecast at about {fmt_int(first['mean'])} in "
            f"{month_label(first['period'])}"
        )
        if len(table) > 1:
            title_text += f" and {fmt_int(end['mean'])} in {month_label(end['period'])}"
    title_text += (
        f" (80% interval in {month_label(end['period'])}: {fmt_int(end['lo80'])} to "
        f"{fmt_int(end['hi80'])})"
    )
    subtitle = (
        f"{label} each month and forecast ({noun}), {ctx.place}, "
        f"{month_label(hist_months[0])} to {month_label(future[-1])}; "
        f"method: {_model_name(fc.model)}"
    )
    _finish(figure, axes, subtitle, ctx.source)
    blank = [""] * len(future)
    data = pd.DataFrame(
        {
            "Month": [month_label(p) for p in months],
            f"Actual ({noun})": [show(v, symbol=True) for v in hist] + blank,
            "Forecast": [""] * len(hist_months) + [fmt_number(v, dp=1) for v in table["mean"]],
            "80% low": [""] * len(hist_months) + [fmt_number(v, dp=1) for v in table["lo80"]],
            "80% high": [""] * len(hist_months) + [fmt_number(v, dp=1) for v in table["hi80"]],
            "95% low": [""] * len(hist_months) + [fmt_number(v, dp=1) for v in table["lo95"]],
            "95% high": [""] * len(hist_months) + [fmt_number(v, dp=1) for v in table["hi95"]],
        }
    )
    row = _accuracy_row(fc, fc.model, 1)
    accuracy_words = (
        f" Tested on past months, one-month-ahead forecasts were out by "
        f"{fmt_number(row['MAE'], dp=1)} {noun} on average ({fmt_pct(row['MAPE'], dp=1)})."
        if row is not None
        else " The method could not be tested on past months (too few months)."
    )
    alt = (
        f"Fan chart: {title_text}. Actual figures from {month_label(hist_months[0])} to "
        f"{month_label(hist_months[-1])}, then the forecast for {len(future)} months with 80% "
        f"and 95% intervals (95% in {month_label(end['period'])}: {fmt_int(end['lo95'])} to "
        f"{fmt_int(end['hi95'])}).{accuracy_words}"
    )
    caption = (
        "Solid line with circles: actual figures; dashed line with diamonds: the forecast; "
        "darker band: 80% interval, lighter band: 95% interval (where the figure is expected "
        "to fall 80 and 95 times in 100 if the past pattern holds)."
    )
    return Chart(
        f"forecast-{fc.measure}", figure, title_text, subtitle, alt, caption, ctx.source, data
    )


# --- the whole pack ------------------------------------------------------------


def pack_charts(ctx: FrontDoorContext) -> dict[str, list[Chart]]:
    """Every chart of the pack by section (sections without data have no charts)."""
    trends = [trend_chart(ctx, m) for m in TREND_MEASURES]
    return {
        "funnel": [c for c in (funnel_chart(ctx),) if c],
        "trends": [c for c in (*trends, rates_chart(ctx)) if c],
        "ages": [c for c in (age_chart(ctx),) if c],
    }


def forecasts(ctx: FrontDoorContext) -> list[MonthlyForecast]:
    return [f for f in (forecast_measure(ctx, m) for m in FORECAST_MEASURES) if f is not None]


def close_charts(chart_sections: dict[str, list[Chart]] | list[Chart]) -> None:
    """Free the figures once rendered."""
    groups = chart_sections.values() if isinstance(chart_sections, dict) else [chart_sections]
    for group in groups:
        for chart in group:
            chart.close()


# Measure ids this module writes that are not in cscanalysis.measures (for the lead to add).
