"""The evidence pack's charts: trends against comparators, counts, placements, the ranking,
the workforce and the Outlook's fan chart, each said in words when the figures are too small."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from cscanalysis.analysis import benchmark
from cscanalysis.analysis.disclosure import SUPPRESSED
from cscanalysis.analysis.disclosure_tables import suppress_counts
from cscanalysis.analysis.outlook import Outlook
from cscanalysis.core.councils import ENGLAND_CODE
from cscanalysis.core.formatting import describe_flag, is_missing
from cscanalysis.core.measures import CIN, CLA, CSWW, MEASURES, ONS, S251
from cscanalysis.packs.evidence.content import WORKFORCE, WORKFORCE_LABELS, PackContext, value_of
from cscanalysis.render import charts
from cscanalysis.render.chart import Chart, in_words
from cscanalysis.render.chart_files import figure_html
from cscanalysis.render.words import figure_text, relative, show
from cscanalysis.store.tidy import LOCAL_SOURCE, is_local_source


def _trim_to_england_run(comparison: pd.DataFrame) -> pd.DataFrame:
    """Start at the last unbroken run of England figures (rates need a population estimate)."""
    present = comparison["england"].notna().to_numpy()
    if not present.any():
        return comparison
    end = np.flatnonzero(present)[-1]
    start = end
    while start > 0 and present[start - 1]:
        start -= 1
    return comparison.iloc[start:].reset_index(drop=True)


def trend_chart(
    ctx: PackContext,
    measure_id: str,
    noun: str,
    slug: str,
    source: str,
    *,
    workforce: bool = False,
    financial: bool = False,
) -> Chart:
    """A measure over every available year to the pack's period, against comparators.

    Every year in the range gets a row, so a year with no figure is a visible gap, not a
    silently shorter axis. ``workforce``: 30 September snapshots; ``financial``: financial
    years (``2024-25`` ends on the pack's 31 March).
    """
    comparison = benchmark.comparison(ctx.tidy, ctx.code, measure_id, ctx.register)
    if workforce:
        last, pattern = ctx.workforce_period, r"\d{4}-09"
    elif financial:
        last, pattern = ctx.financial_year, r"\d{4}-\d{2}"
    else:
        last, pattern = ctx.period, r"\d{4}"
    comparison = comparison[comparison["period"].str.fullmatch(pattern)]
    comparison = comparison[comparison["period"] <= last]
    first = int(comparison["period"].min()[:4]) if len(comparison) else int(last[:4])
    years = range(first, int(last[:4]) + 1)
    if financial:
        periods = [f"{y}-{(y + 1) % 100:02d}" for y in years]
    else:
        periods = [f"{y}{'-09' if workforce else ''}" for y in years]
    comparison = comparison.set_index("period").reindex(periods).rename_axis("period")
    comparison["council_flag"] = comparison["council_flag"].fillna("")
    comparison["neighbours_n"] = comparison["neighbours_n"].fillna(0).astype(int)
    comparison = _trim_to_england_run(comparison.reset_index())
    chart = charts.trend_line(
        comparison,
        slug=slug,
        place=ctx.place,
        measure=MEASURES[measure_id],
        noun=noun,
        source=source,
        region_name=ctx.region_name,
    )
    measure = MEASURES[measure_id]
    words = too_small_to_chart(
        ctx.place,
        noun,
        comparison["period"],
        comparison["council"],
        comparison["council_flag"],
        zero=figure_text(0, measure),
        counted=measure.kind != "money",
    )
    return in_words(chart, *words) if words else chart


def _years_text(periods: list[str]) -> str:
    """``['2017', '2018', '2019', '2022']`` -> ``'2017 to 2019 and 2022'`` (runs joined)."""
    runs: list[list[str]] = []
    for period in periods:
        if runs and int(period[:4]) == int(runs[-1][-1][:4]) + 1:
            runs[-1].append(period)
        else:
            runs.append([period])
    parts = [run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def too_small_to_chart(
    place: str,
    noun: str,
    periods: Iterable[str],
    values: Iterable[float],
    flags: Iterable[str],
    *,
    zero: str = "0",
    counted: bool = True,
) -> tuple[str, str] | None:
    """A title and a sentence saying what the council's figures are when none of them is above
    zero (every year 0 or not published: the smallest councils), else ``None``: such a series
    is said in words, not drawn as a flat line or an empty chart. ``zero``: 0 as the measure
    writes it (``0%``, ``£0``); ``counted``: a count of children (else "too few children" is
    not said)."""
    rows = list(zip(periods, values, flags, strict=True))
    if any(not is_missing(v) and v > 0 for _, v, _ in rows):
        return None
    if any(not is_missing(v) and v < 0 for _, v, _ in rows):
        return None  # a negative figure is drawn, not called 0
    zeros = [p for p, v, _ in rows if not is_missing(v)]
    reasons: dict[str, list[str]] = {}
    for period, value, flag in rows:
        if is_missing(value):
            reasons.setdefault(describe_flag(flag), []).append(period)
    parts = [f"{zero} in {_years_text(zeros)}"] if zeros else []
    parts += [
        f"not published{'' if why == 'not published' else f' ({why})'} in {_years_text(ps)}"
        for why, ps in reasons.items()
    ]
    span = f"{rows[0][0]} to {rows[-1][0]}" if rows else ""
    small = counted and (bool(zeros) or "suppressed" in reasons)
    title = f"{place}'s {noun}: " + (
        f"too few children to chart, {span}" if small else f"not published, {span}"
    )
    sentence = (
        f"{place}'s {noun} was "
        + "; ".join(parts)
        + (". The numbers are too small to chart" if small else ", so there is nothing to chart")
        + "; the data table gives every year's figure with its neighbours, region and England."
    )
    return title, sentence


def _yearly_rows(ctx: PackContext, measures: Iterable[str]) -> pd.DataFrame:
    """The council's rows of ``measures`` for reporting years up to the pack's."""
    tidy = ctx.tidy
    return tidy[
        (tidy["council_code"] == ctx.code)
        & tidy["measure"].isin(list(measures))
        & tidy["period"].str.fullmatch(r"\d{4}")
        & (tidy["period"] <= ctx.period)
    ]


def cla_counts_chart(ctx: PackContext) -> Chart:
    series = {
        "cla_31_march": "Looked after at 31 March",
        "cla_starts": "Started",
        "cla_ceased": "Ceased",
    }
    rows = _yearly_rows(ctx, series)
    years = [str(y) for y in range(2010, int(ctx.period) + 1)]
    wide = rows.pivot(index="period", columns="measure", values="value").reindex(years)
    flags = rows.pivot(index="period", columns="measure", values="flag").reindex(years)
    frame = pd.DataFrame({"period": years})
    for column in series:
        frame[column] = wide[column].to_numpy() if column in wide else np.nan
        frame[f"{column}_flag"] = flags[column].fillna("").to_numpy() if column in flags else ""
    origin, source = _local_origin(ctx, rows, series, f"{CLA}, 2010 to {ctx.period}")
    chart = charts.counts_line(
        frame,
        slug="cla-numbers",
        place=ctx.place,
        series=series,
        noun="the number of children looked after at 31 March",
        unit="children",
        source=source,
        origin=origin,
    )
    if all(
        too_small_to_chart("", "", frame["period"], frame[c], frame[f"{c}_flag"]) for c in series
    ):
        words = too_small_to_chart(
            ctx.place,
            "number of children looked after at 31 March",
            frame["period"],
            frame["cla_31_march"],
            frame["cla_31_march_flag"],
        )
        if words is not None:
            return in_words(chart, *words)
    return chart


def _local_origin(
    ctx: PackContext, rows: pd.DataFrame, series: dict[str, str], source: str
) -> tuple[str, str]:
    """A chart's caption ending and source line, naming the figures from the council's own data
    (:func:`cscanalysis.store.tidy.read_local`) instead of crediting them to DfE."""
    local = rows[rows["source"].map(is_local_source) & rows["value"].notna()]
    if local.empty:
        return "as published by DfE", source
    years = local.groupby("measure", sort=False)["period"].agg(lambda p: ", ".join(sorted(p)))
    which = "; ".join(f"{series[m].lower()} {years[m]}" for m in series if m in years.index)
    own = "; ".join(dict.fromkeys(s.removeprefix(LOCAL_SOURCE) for s in local["source"]))
    return (
        f"as published by DfE, except {which}: the council's own data, not DfE statistics",
        f"{source}; {ctx.place}'s own data: {own}",
    )


PLACEMENTS = {
    "cla_31_march_fostering": "Fostering",
    "cla_31_march_residential": "Residential",
    "cla_31_march_supported": "Supported accommodation",
    "cla_31_march_other": "Other",
    "cla_31_march_placement_unknown": "Not known",
}


def placement_table(ctx: PackContext) -> pd.DataFrame:
    """Children looked after at 31 March by placement group, a row per year up to the pack's.

    DfE's bundled releases do not give the mix, so the rows come from the council's own data
    (SSDA903, :func:`cscanalysis.store.tidy.add_local`); empty when there are none. Columns
    ``period``, one per group present, ``<group>_flag``, and ``source``. For publication the
    groups are suppressed as a table whose rows add up to the year's total (small counts, and
    the next smallest cell so that no suppressed count can be worked out by subtraction).
    """
    rows = _yearly_rows(ctx, PLACEMENTS)
    if rows.empty:
        return pd.DataFrame()
    groups = [m for m in PLACEMENTS if m in set(rows["measure"])]
    wide = rows.pivot(index="period", columns="measure", values="value")[groups].sort_index()
    flags = rows.pivot(index="period", columns="measure", values="flag")[groups]
    flags = flags.reindex(wide.index).fillna("").astype(str)
    if ctx.audience == "publication":
        table = wide.fillna(0).assign(total=lambda t: t.sum(axis=1))
        done = suppress_counts(table, value_cols=groups, total_col="total")
        hidden = (done.flags[groups] == SUPPRESSED) & wide.notna()
        wide = wide.mask(hidden)
        flags = flags.mask(hidden, SUPPRESSED)
    frame = wide.reset_index()
    for group in groups:
        frame[f"{group}_flag"] = flags[group].to_numpy()
    frame["source"] = rows.groupby("period")["source"].first().reindex(wide.index).to_numpy()
    return frame


def placement_charts(ctx: PackContext) -> list[Chart]:
    """The placement mix at 31 March from the council's own data; none when there is none."""
    frame = placement_table(ctx)
    if frame.empty:
        return []
    series = {m: label for m, label in PLACEMENTS.items() if m in frame}
    sources = "; ".join(dict.fromkeys(s.removeprefix(LOCAL_SOURCE) for s in frame["source"]))
    return [
        charts.counts_line(
            frame,
            slug="cla-placements",
            place=ctx.place,
            series=series,
            noun="the number of children in foster placements at 31 March",
            unit="children",
            source=f"{ctx.place}'s own data: {sources}",
            origin="from the council's own data (SSDA903), not DfE statistics"
            + ("; small numbers suppressed" if ctx.audience == "publication" else ""),
        )
    ]


def league_chart(ctx: PackContext, measure_id: str = "cla_rate_per_10k") -> Chart:
    league = benchmark.league_table(ctx.tidy, measure_id, ctx.period, ctx.register)
    names = {c.code: c.name for c in ctx.register.councils(int(ctx.period[:4]))}
    league["council_name"] = [names.get(code, code) for code in league["council_code"]]
    england, _ = value_of(ctx, ENGLAND_CODE, measure_id, ctx.period)
    return charts.league_strip(
        league,
        slug="cla-rate-ranking",
        code=ctx.code,
        place=ctx.place,
        measure=MEASURES[measure_id],
        period=ctx.period,
        england=england,
        source=f"{CLA}, {ctx.period}",
    )


def workforce_chart(ctx: PackContext, table: pd.DataFrame) -> Chart:
    rows = table[table["measure"].isin(WORKFORCE)]
    frame = pd.DataFrame(
        {
            "label": [WORKFORCE_LABELS[m] for m in rows["measure"]],
            "council": rows["value"].to_numpy(),
            "council_flag": rows["flag"].to_numpy(),
            "neighbours": rows["neighbours"].to_numpy(),
            "england": rows["england"].to_numpy(),
        }
    )
    caseload = rows.set_index("measure").loc["sw_caseload"]
    if np.isfinite(caseload["value"]) and np.isfinite(caseload["england"]):
        title = (
            f"{ctx.place}'s social workers held {show(caseload['value'], places=1)} cases "
            f"each, {relative(caseload['value'], caseload['england'])} England's "
            f"{show(caseload['england'], places=1)}"
        )
    else:
        title = f"{ctx.place}'s social work workforce against its neighbours and England"
    return charts.comparison_bars(
        frame,
        slug="workforce",
        place=ctx.place,
        period_label=f"30 September {int(ctx.period) - 1}",
        source=f"{CSWW}, {int(ctx.period) - 1}",
        title=title,
    )


def pack_charts(
    ctx: PackContext, table: pd.DataFrame, outlook: Outlook | None = None
) -> dict[str, list[Chart]]:
    """Every chart of the pack, by section (the outlook's fan chart when it has a forecast)."""
    cla_source = f"{CLA}; {ONS}"
    return {
        "cla": [
            trend_chart(
                ctx, "cla_rate_per_10k", "rate of children looked after", "cla-rate", cla_source
            ),
            cla_counts_chart(ctx),
            trend_chart(
                ctx,
                "cla_starts_rate_per_10k",
                "rate of children starting care",
                "cla-starts-rate",
                cla_source,
            ),
            league_chart(ctx),
            *placement_charts(ctx),
        ],
        "cin": [
            trend_chart(
                ctx,
                "referrals_rate_per_10k",
                "rate of referrals",
                "referrals-rate",
                f"{CIN}; {ONS}",
            ),
            trend_chart(ctx, "rereferral_pct", "share of re-referrals", "rereferrals", CIN),
            trend_chart(
                ctx, "s47_rate_per_10k", "rate of section 47 enquiries", "s47-rate", f"{CIN}; {ONS}"
            ),
            trend_chart(
                ctx,
                "cpp_rate_per_10k",
                "rate of children on a child protection plan",
                "cpp-rate",
                f"{CIN}; {ONS}",
            ),
        ],
        "workforce": [
            workforce_chart(ctx, table),
            trend_chart(ctx, "sw_caseload", "average caseload", "caseload", CSWW, workforce=True),
        ],
        "placements": [
            trend_chart(
                ctx,
                "cla_3_plus_placements_pct",
                "share of children looked after with 3 or more placements in the year",
                "placement-moves",
                CLA,
            ),
            trend_chart(
                ctx,
                "cla_long_term_stable_pct",
                "share of children in long-term care living with the same carer for 2 years",
                "placement-stability",
                CLA,
            ),
            trend_chart(
                ctx,
                "new_placements_out_far_pct",
                "share of new placements outside its area and over 20 miles from home",
                "placements-distance",
                CLA,
            ),
        ],
        "spending": [
            trend_chart(
                ctx,
                "spend_per_child_looked_after",
                "spending per child looked after",
                "spend-per-child-looked-after",
                f"{S251}; {CLA}",
                financial=True,
            ),
            trend_chart(
                ctx,
                "spend_children_services_per_child",
                "spending on children's services per child aged 0 to 17",
                "spend-per-child",
                f"{S251}; {ONS}",
                financial=True,
            ),
        ],
        "outlook": [outlook_chart(ctx, outlook)] if outlook and outlook.status == "ok" else [],
    }


def outlook_chart(ctx: PackContext, found: Outlook) -> Chart:
    return charts.fan_chart(
        found.history,
        found.forecast,
        slug="cla-forecast",
        place=ctx.place,
        measure=MEASURES[found.measure],
        noun="number of children looked after",
        target=found.target,
        source=f"{CLA}; forecast by cscanalysis",
    )


class Figures:
    """The pack's figures numbered in page order: :meth:`html` gives each chart's HTML and, with
    a ``folder``, writes its files (PNG, SVG, CSV, JSON) for bid authors; each PNG is written
    by a background thread, done when the charts are closed (``close_charts``, which the
    notebook calls last, and which raises a failed PNG's error)."""

    def __init__(self, ctx: PackContext, folder: Path | None) -> None:
        self.ctx, self.folder, self.number = ctx, folder, 0

    def html(self, section: list[Chart]) -> list[str]:
        found = []
        for chart in section:
            self.number += 1
            found.append(
                figure_html(
                    chart,
                    self.number,
                    folder=self.folder,
                    council=self.ctx.place,
                    council_code=self.ctx.code,
                    period=self.ctx.period,
                    background=True,
                )
            )
        return found
