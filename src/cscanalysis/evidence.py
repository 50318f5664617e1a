"""The content of an evidence pack for one council and reporting year: tables, facts, charts.

Pure functions from the tidy table to the pieces the notebook shows. Every figure in a key fact
comes from :func:`headline_table`, so each sentence can be traced to the table beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscanalysis import __version__, benchmark, charts
from cscanalysis import outlook as outlook_words
from cscanalysis.councils import ENGLAND_CODE, Council, CouncilRegister
from cscanalysis.derived import DerivedCache, default_cache, frame_key
from cscanalysis.disclosure import SUPPRESSED, suppress_counts, suppress_tidy
from cscanalysis.errors import ParameterError
from cscanalysis.fmt import describe_flag, fmt_money, is_missing
from cscanalysis.measures import CIN, CLA, CSWW, MEASURES, ONS, S251
from cscanalysis.metrics import financial_to_reporting_year
from cscanalysis.outlook import Outlook, build_outlook, track_record
from cscanalysis.store import LOCAL_SOURCE, is_local_source, reporting_years
from cscanalysis.workbook import Sheet, figure_sheet

HEADLINES = [
    "cla_31_march",
    "cla_rate_per_10k",
    "cla_starts",
    "cla_ceased",
    "cin_rate_per_10k",
    "referrals",
    "referrals_rate_per_10k",
    "rereferral_pct",
    "s47_rate_per_10k",
    "cpp_31_march",
    "cpp_rate_per_10k",
]
WORKFORCE = [
    "sw_caseload",
    "sw_vacancy_rate",
    "sw_turnover_rate",
    "sw_agency_rate",
    "sw_absence_rate",
]
WORKFORCE_LABELS = {
    "sw_caseload": "Caseload (cases per social worker)",
    "sw_vacancy_rate": "Vacancy rate (%)",
    "sw_turnover_rate": "Turnover rate (%)",
    "sw_agency_rate": "Agency worker rate (%)",
    "sw_absence_rate": "Absence rate (%)",
}
RANKED = [
    "cla_rate_per_10k",
    "cla_starts_rate_per_10k",
    "cin_rate_per_10k",
    "referrals_rate_per_10k",
    "s47_rate_per_10k",
    "cpp_rate_per_10k",
    "rereferral_pct",
]
QUARTER_NAMES = {1: "lowest", 2: "second lowest", 3: "second highest", 4: "highest"}


@dataclass
class PackContext:
    """Everything one pack needs: the tidy table, the register, the council and the year."""

    tidy: pd.DataFrame
    register: CouncilRegister
    council: Council
    period: str
    audience: str = "publication"

    @property
    def code(self) -> str:
        return self.council.code

    @property
    def place(self) -> str:
        return self.council.short_name

    @property
    def previous(self) -> str:
        return str(int(self.period) - 1)

    @property
    def workforce_period(self) -> str:
        """The 30 September snapshot inside the reporting year (2022-09 for 2023)."""
        return f"{int(self.period) - 1}-09"

    @property
    def financial_year(self) -> str:
        """The financial year ending on the reporting year's 31 March (2024-25 for 2025)."""
        return f"{int(self.period) - 1}-{self.period[2:]}"

    @property
    def region_name(self) -> str:
        return self.register.name(self.council.region_code)


def resolve_period(tidy: pd.DataFrame, period: str | int) -> str:
    """A reporting year in the data (``"latest"`` = the latest year with CLA figures)."""
    years = reporting_years(tidy)
    if str(period).strip().lower() == "latest":
        return str(years[-1])
    text = str(period).strip()
    if not text.isdigit() or int(text) not in years:
        raise ParameterError(
            f"period {period!r} is outside the data: children looked after figures are "
            f"published for reporting years {years[0]} to {years[-1]} (e.g. 2023 = the year "
            "ending 31 March 2023)"
        )
    return text


AUDIENCES = ("publication", "internal")
NOT_FOR_PUBLICATION = "Not for publication: small numbers are not suppressed in this pack."


def prepare(
    tidy: pd.DataFrame,
    register: CouncilRegister,
    council: str | int,
    period: str | int,
    *,
    audience: str = "publication",
    threshold: int = 5,
) -> PackContext:
    """Resolve and check the parameters before any analysis (clear errors, nothing half-done).

    For ``audience="publication"`` (the default) counts from 1 to ``threshold`` become ``c``, and
    so do rates and percentages built on them (:func:`cscanalysis.disclosure.suppress_tidy`).
    """
    if audience not in AUDIENCES:
        raise ParameterError(f"audience {audience!r} is not one of {', '.join(AUDIENCES)}")
    found = register.resolve(council)
    year = resolve_period(tidy, period)
    if not found.exists_in(int(year)):
        successors = ", ".join(register.name(c) for c in found.successors) or "none"
        raise ParameterError(
            f"{found.name} did not exist as a council in {year} (it covers reporting years "
            f"{found.first_year or 'before 2010'} to {found.last_year or 'now'}; "
            f"successors: {successors})"
        )
    if audience == "publication":
        tidy = publication_table(tidy, threshold)
    return PackContext(tidy, register, found, year, audience)


def publication_table(
    tidy: pd.DataFrame, threshold: int, *, cache: DerivedCache | None = None
) -> pd.DataFrame:
    """:func:`~cscanalysis.disclosure.suppress_tidy` of the whole table, then
    :func:`hide_per_child`: the table a publication pack is built from.

    Suppression does not depend on the council, so it is kept in ``cache`` (default: the
    process's :func:`~cscanalysis.derived.default_cache`, memory and ``data/cache/derived``),
    keyed by the table's content, the threshold and the code: done once per data version, not
    once per pack or per process (200 ms to suppress against 15 ms to hash the table and 40 ms
    to read the stored result). The result is shared: treat it as read-only.
    """
    cache = cache or default_cache()
    return cache.get(
        "publication",
        (frame_key(tidy), threshold),
        lambda: hide_per_child(suppress_tidy(tidy, threshold=threshold)),
        "parquet",
        pd.DataFrame,
    )


def hide_per_child(tidy: pd.DataFrame) -> pd.DataFrame:
    """Suppress spending per child looked after where the count it divides by is suppressed.

    A published total divided by the per-child figure would give the suppressed count back.
    """
    per_child = tidy["measure"] == "spend_per_child_looked_after"
    if not per_child.any():
        return tidy
    counts = tidy[(tidy["measure"] == "cla_31_march") & (tidy["flag"] == SUPPRESSED)]
    hidden = set(zip(counts["council_code"], counts["period"], strict=True))
    year = financial_to_reporting_year(tidy.loc[per_child, "period"])
    keys = zip(tidy.loc[per_child, "council_code"], year, strict=True)
    mask = pd.Series(False, index=tidy.index)
    mask[per_child] = [key in hidden for key in keys]
    if not mask.any():
        return tidy
    out = tidy.copy()
    out.loc[mask, "value"] = np.nan
    out.loc[mask, "flag"] = SUPPRESSED
    return out


def _value(ctx: PackContext, code: str, measure: str, period: str) -> tuple[float, str]:
    rows = benchmark.council_rows(ctx.tidy, measure, code)
    if period not in rows.index:
        return np.nan, ""
    row = rows.loc[[period]].iloc[0]
    return float(row["value"]), str(row["flag"])


def headline_table(ctx: PackContext) -> pd.DataFrame:
    """Each headline measure: this year, last year, change, neighbours, England, rank, quartile."""
    records = []
    for measure_id in HEADLINES + WORKFORCE:
        meta = MEASURES[measure_id]
        workforce = measure_id in WORKFORCE
        period = ctx.workforce_period if workforce else ctx.period
        previous = f"{int(period[:4]) - 1}{period[4:]}"
        value, flag = _value(ctx, ctx.code, measure_id, period)
        last, last_flag = _value(ctx, ctx.code, measure_id, previous)
        comparison = benchmark.comparison(ctx.tidy, ctx.code, measure_id, ctx.register)
        row = comparison[comparison["period"] == period]
        pos = (
            benchmark.position(ctx.tidy, ctx.code, measure_id, ctx.period, ctx.register)
            if measure_id in RANKED
            else {"rank": np.nan, "of": np.nan, "quartile": np.nan}
        )
        records.append(
            {
                "measure": measure_id,
                "label": meta.label,
                "unit": meta.unit,
                "period": period,
                "value": value,
                "flag": flag,
                "previous": last,
                "previous_flag": last_flag,
                "change": value - last,
                "change_pct": (value - last) / last * 100 if last else np.nan,
                "neighbours": row["neighbours"].iloc[0] if len(row) else np.nan,
                "region": row["region"].iloc[0] if len(row) else np.nan,
                "england": row["england"].iloc[0] if len(row) else np.nan,
                "rank": pos["rank"],
                "of": pos["of"],
                "quartile": pos["quartile"],
            }
        )
    return pd.DataFrame.from_records(records)


def headline_display(table: pd.DataFrame, place: str) -> pd.DataFrame:
    """The headline table as people read it: formatted numbers, symbols spelled out."""
    out = []
    for row in table.itertuples():
        places = MEASURES[row.measure].places
        unit = "" if row.unit in {"children"} else row.unit
        change = (
            f"{'+' if row.change > 0 else ''}{charts.show(row.change, places=places)}"
            if np.isfinite(row.change)
            else "not available"
        )
        out.append(
            {
                "Measure": charts.label_with_unit(row.label, unit),
                "Period": row.period if "-" not in row.period else f"30 Sep {row.period[:4]}",
                place: charts.show(row.value, row.flag, places=places),
                "Previous year": charts.show(row.previous, row.previous_flag, places=places),
                "Change": change,
                "Statistical neighbours": charts.show(row.neighbours, places=places),
                "England": charts.show(row.england, places=places),
                "Rank (1 = lowest)": _rank_text(row),
            }
        )
    return pd.DataFrame(out)


def _rank_text(row: object) -> str:
    """``101 of 151``; blank for a measure that is not ranked (counts); "not ranked" for a ranked
    rate with no figure this year."""
    if np.isfinite(row.rank):  # type: ignore[attr-defined]
        return f"{int(row.rank)} of {int(row.of)}"  # type: ignore[attr-defined]
    return "not ranked" if row.measure in RANKED else ""  # type: ignore[attr-defined]


def key_facts(ctx: PackContext, table: pd.DataFrame) -> list[str]:
    """A few sentences from the headline table; a figure that is missing is said to be so."""
    t = table.set_index("measure")
    place, year = ctx.place, ctx.period

    def v(measure: str, column: str = "value", unit: str = "") -> str:
        """The figure with ``unit`` after it, or "not published (suppressed)" and no unit."""
        row = t.loc[measure]
        flag = (
            row["flag"]
            if column == "value"
            else (row["previous_flag"] if column == "previous" else "")
        )
        text = charts.show(row[column], flag, places=MEASURES[measure].places)
        if is_missing(row[column]):
            return f"not published ({text})" if text != "not published" else text
        return text + unit

    facts = []
    cla = t.loc["cla_31_march"]
    if np.isfinite(cla["value"]):
        text = (
            f"At 31 March {year}, {place} looked after {v('cla_31_march')} children, "
            f"{v('cla_rate_per_10k', unit=' per 10,000 children')}, against "
            f"{v('cla_rate_per_10k', 'england')} "
            f"in England and {v('cla_rate_per_10k', 'neighbours')} on average among its "
            "statistical neighbours."
        )
        if np.isfinite(cla["previous"]):
            direction = (
                "up" if cla["change"] > 0 else ("down" if cla["change"] < 0 else "unchanged")
            )
            text += (
                f" The number was {direction} from {v('cla_31_march', 'previous')} a year "
                "earlier" + (f" ({abs(cla['change_pct']):.1f}%)." if cla["change"] else ".")
            )
        facts.append(text)
    else:
        facts.append(
            f"No figure for children looked after at 31 March {year} was published for {place}."
        )
    rate = t.loc["cla_rate_per_10k"]
    if np.isfinite(rate["rank"]):
        facts.append(
            f"{place}'s rate of children looked after ranks {int(rate['rank'])} of "
            f"{int(rate['of'])} councils (1 = lowest), in the "
            f"{QUARTER_NAMES[int(rate['quartile'])]} quarter."
        )
    if np.isfinite(t.loc["referrals", "value"]):
        facts.append(
            f"In the year to 31 March {year} there were {v('referrals')} referrals to "
            f"children's social care ({v('referrals_rate_per_10k', unit=' per 10,000')} "
            f"children; England {v('referrals_rate_per_10k', 'england')}); "
            f"re-referrals within 12 months: {v('rereferral_pct', unit='%')} (England "
            f"{v('rereferral_pct', 'england', '%')})."
        )
    if np.isfinite(t.loc["cpp_31_march", "value"]):
        facts.append(
            f"{v('cpp_31_march')} children were on a child protection plan at 31 March "
            f"{year}, {v('cpp_rate_per_10k', unit=' per 10,000 children')} (England "
            f"{v('cpp_rate_per_10k', 'england')})."
        )
    if np.isfinite(t.loc["sw_caseload", "value"]):
        facts.append(
            f"At 30 September {int(year) - 1}, social workers held on average "
            f"{v('sw_caseload')} cases each (England {v('sw_caseload', 'england')}); "
            f"the vacancy rate was {v('sw_vacancy_rate', unit='%')} (England "
            f"{v('sw_vacancy_rate', 'england', '%')})."
        )
    return facts


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
) -> charts.Chart:
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
        zero=charts.figure_text(0, measure),
        counted=measure.kind != "money",
    )
    return charts.in_words(chart, *words) if words else chart


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


def cla_counts_chart(ctx: PackContext) -> charts.Chart:
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
        return charts.in_words(chart, *words)
    return chart


def _local_origin(
    ctx: PackContext, rows: pd.DataFrame, series: dict[str, str], source: str
) -> tuple[str, str]:
    """A chart's caption ending and source line, naming the figures from the council's own data
    (:func:`cscanalysis.store.read_local`) instead of crediting them to DfE."""
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
    (SSDA903, :func:`cscanalysis.store.add_local`); empty when there are none. Columns
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


def placement_charts(ctx: PackContext) -> list[charts.Chart]:
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


def league_chart(ctx: PackContext, measure_id: str = "cla_rate_per_10k") -> charts.Chart:
    league = benchmark.league_table(ctx.tidy, measure_id, ctx.period, ctx.register)
    names = {c.code: c.name for c in ctx.register.councils(int(ctx.period[:4]))}
    league["council_name"] = [names.get(code, code) for code in league["council_code"]]
    england, _ = _value(ctx, ENGLAND_CODE, measure_id, ctx.period)
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


def workforce_chart(ctx: PackContext, table: pd.DataFrame) -> charts.Chart:
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
            f"{ctx.place}'s social workers held {charts.show(caseload['value'], places=1)} cases "
            f"each, {charts.relative(caseload['value'], caseload['england'])} England's "
            f"{charts.show(caseload['england'], places=1)}"
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
) -> dict[str, list[charts.Chart]]:
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
        value, flag = _value(ctx, ctx.code, measure_id, year)
        previous, previous_flag = _value(ctx, ctx.code, measure_id, before)
        row = {
            "Measure": charts.label_with_unit(meta.label, meta.unit),
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
            england, england_flag = _value(ctx, ENGLAND_CODE, measure_id, year)
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
    cla, cla_flag = _value(ctx, ctx.code, "spend_cla", year)
    if not np.isfinite(cla):
        return [
            f"{ctx.place} has no published spending on children looked after for {year} "
            f"({describe_flag(cla_flag)})."
        ]
    facts = [f"In {year} {ctx.place} spent {fmt_money(cla)} on children looked after."]
    per_child, per_child_flag = _value(ctx, ctx.code, "spend_per_child_looked_after", year)
    england, _ = _value(ctx, ENGLAND_CODE, "spend_per_child_looked_after", year)
    if np.isfinite(per_child) and np.isfinite(england):
        facts.append(
            f"That is {fmt_money(per_child)} for each child looked after at 31 March "
            f"{ctx.period}, {charts.relative(per_child, england)} England's {fmt_money(england)}."
        )
    elif per_child_flag:
        facts.append(
            f"Spending per child looked after is not shown ({describe_flag(per_child_flag)})."
        )
    total, _ = _value(ctx, ctx.code, "spend_children_services", year)
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


def outlook(
    ctx: PackContext, target_value: float | None = None, target_year: int | None = None
) -> Outlook:
    """The Outlook of children looked after at 31 March (see :mod:`cscanalysis.outlook`).

    A council abolished at the end of the pack's year gets no forecast past its abolition.
    """
    last = ctx.council.last_year
    if last is not None and last <= int(ctx.period):
        successors = " and ".join(ctx.register.name(c) for c in ctx.council.successors)
        return Outlook(
            measure="cla_31_march",
            history=pd.Series(dtype=float),
            forecast=pd.DataFrame(),
            model="",
            model_description="",
            status="ended",
            note=f"{ctx.council.name} was replaced"
            + (f" by {successors}" if successors else "")
            + f" after the year ending 31 March {last}, so nothing is forecast past {last}",
            calibrated=False,
            backtest_mape=np.nan,
            backtest_n=0,
            coverage80=np.nan,
        )
    return build_outlook(
        ctx.tidy,
        ctx.register,
        ctx.code,
        ctx.period,
        target_value=target_value,
        target_year=target_year,
    )


def outlook_chart(ctx: PackContext, found: Outlook) -> charts.Chart:
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


def outlook_facts(ctx: PackContext, found: Outlook) -> list[str]:
    """The forecast, its method and track record, and the target gap, in plain words."""
    if found.status == "suppressed":
        return ["No forecast is shown: the published series includes suppressed figures."]
    if found.status == "ended":
        return [f"No forecast: {found.note}."]
    if found.status != "ok" or found.forecast.empty:
        return [f"No forecast: {found.status} ({found.note})."]
    facts = [
        outlook_words.forecast_sentence(found, ctx.place),
        outlook_words.method_sentence(found) + " " + track_record(found),
    ]
    facts += successor_history(ctx, found)
    if found.calibrated:
        facts.append(
            "The intervals were scaled so that, in the last three years tested, 80% intervals "
            "would have held about 80% of the published figures."
        )
    flows = outlook_words.flows_sentence(found, ctx.place)
    if flows:
        facts.append(flows)
    if found.gap is not None and len(found.gap):
        last = found.gap.iloc[-1]
        facts.append(
            f"The target path reaches {charts.show(found.target.iloc[-1])} children in "
            f"{found.target.index[-1]}. By {last['period']} the forecast is "
            f"{charts.show(abs(last['gap']))} children {'above' if last['gap'] > 0 else 'below'}"
            f" the path (80% range {charts.show(last['gap_lo'])} to "
            f"{charts.show(last['gap_hi'])})."
        )
    return facts


def successor_history(ctx: PackContext, found: Outlook) -> list[str]:
    """How a council formed by a reorganisation is forecast: from its own figures only."""
    council = ctx.council
    if not council.predecessors or council.first_year is None:
        return []
    history = found.history
    years = int(np.isfinite(history[history.index >= council.first_year]).sum())
    names = [ctx.register.name(c) for c in council.predecessors]
    before = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return [
        f"{ctx.place} has existed since the year ending 31 March {council.first_year}, when it "
        f"took over from {before}. The forecast uses {ctx.place}'s own {years} published "
        f"year{'s' if years != 1 else ''} only: the predecessor's figures cover a different "
        "area and DfE does not split them, so no share of them is assumed."
    ]


def what_if_table(found: Outlook) -> pd.DataFrame:
    """The what-ifs as people read them."""
    if found.what_ifs is None:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "What if": found.what_ifs["what_if"],
            "Assumption": found.what_ifs["assumption"],
            "Year": found.what_ifs["year"].astype(str),
            "Children in care "
            + (
                outlook_words.flows_held_name(int(found.flows["year"]))
                if found.flows
                else "if starts and ceasing stay at their latest level"
            ): [charts.show(v) for v in found.what_ifs["baseline"]],
            "Children in care, what-if": [charts.show(v) for v in found.what_ifs["scenario"]],
            "Difference": [
                f"{'+' if d > 0 else ''}{charts.show(d)}" for d in found.what_ifs["difference"]
            ],
        }
    )


def ranks_table(ctx: PackContext) -> pd.DataFrame:
    """Rank and quartile among all councils for each headline rate."""
    rows = []
    for measure_id in RANKED:
        pos = benchmark.position(ctx.tidy, ctx.code, measure_id, ctx.period, ctx.register)
        value, flag = _value(ctx, ctx.code, measure_id, ctx.period)
        meta = MEASURES[measure_id]
        rows.append(
            {
                "Measure": charts.label_with_unit(meta.label, meta.unit),
                ctx.place: charts.show(value, flag, places=meta.places),
                "Rank (1 = lowest)": f"{int(pos['rank'])} of {int(pos['of'])}"
                if np.isfinite(pos["rank"])
                else "not ranked",
                "Quartile": f"{QUARTER_NAMES[int(pos['quartile'])]} quarter"
                if np.isfinite(pos["quartile"])
                else "",
            }
        )
    return pd.DataFrame(rows)


def sources_used(ctx: PackContext) -> pd.DataFrame:
    """The releases behind this council's figures, with the measures each supplied."""
    rows = ctx.tidy[ctx.tidy["council_code"] == ctx.code]
    grouped = rows.groupby("source")["measure"].agg(
        lambda s: "; ".join(sorted({_measure_words(m) for m in s}))
    )
    table = grouped.reset_index()
    table["source"] = [_source_words(text) for text in table["source"]]
    return table.rename(columns={"source": "Release (file)", "measure": "Measures"})


def _measure_words(measure_id: str) -> str:
    measure = MEASURES.get(measure_id)
    return measure.label if measure is not None else measure_id.replace("_", " ")


def _source_words(source: str) -> str:
    """A computed rate's source in words: ``computed by cscanalysis: cin_31_march /
    population_0_17 x 10,000`` -> ``computed by cscanalysis from children in need at 31 March
    and ONS mid-year population aged 0 to 17, per 10,000 children``."""
    found = re.fullmatch(r"computed by cscanalysis: (\w+) / population_0_17 x 10,000", source)
    if not found:
        return source
    label = _measure_words(found.group(1))
    return (
        f"computed by cscanalysis from {label[:1].lower()}{label[1:]} and ONS mid-year "
        "population aged 0 to 17, per 10,000 children"
    )


CHART_SECTIONS = ("cla", "placements", "cin", "workforce", "spending", "outlook")
CONTENTS = {
    "headlines": "Headline figures",
    "cla": "Children looked after",
    "placements": "Placement stability and distance",
    "cin": "Children in need and child protection",
    "workforce": "Social work workforce",
    "spending": "Spending",
    "outlook": "Outlook: forecast, target and what-ifs",
    "ranks": "Rank among all councils",
    "sources": "Sources and notes",
    "about": "About this pack",
}
INTROS = {
    "cla": "Children looked after at 31 March, and those starting and ceasing to be looked "
    "after during the year, over every year published.",
    "placements": "How often children in care move, how long they stay with the same carer, and "
    "how far from home new placements are, against neighbours, region and England.",
    "spending": "What the council spends on children looked after, safeguarding and family "
    "support, per child and against its neighbours and England.",
    "cin": "Referrals, re-referrals, section 47 enquiries and child protection plans, from the "
    "children in need census.",
    "workforce": "Children's social workers at 30 September: caseload, vacancies, turnover, "
    "agency workers and absence.",
    "outlook": "A forecast of children looked after at 31 March in the next three years, how "
    "sure we can be, and what some changes would do if starts and ceasing stayed at this "
    "year's level.",
    "ranks": "Each headline rate against every council with a published figure. Rank 1 is the "
    "lowest value; a lower rank is not necessarily better.",
    "sources": "Every figure is as published by DfE and ONS (latest release first), except "
    "any marked as the council's own data.",
}
NOTES = [
    "Reporting year 2025 means the year ending 31 March 2025, and financial year 2024-25 the "
    "year from 1 April 2024 to 31 March 2025; the workforce snapshot is taken at 30 September "
    "within the reporting year.",
    "Rates per 10,000 children aged under 18 are DfE's published rates where they exist; "
    "otherwise they are computed from the published count and ONS mid-year population and "
    "rounded as DfE rounds them (the source table says which).",
    "'Not published' covers DfE's symbols: c (suppressed), x (not available), z (not "
    "applicable, e.g. a council that did not exist that year), k (rounds to zero), u (low "
    "reliability). They are never shown as zero.",
    "Statistical neighbours are DfE's April 2021 groupings; their figure is the simple mean of "
    "the neighbours with a published value.",
    "Contains public sector information licensed under the Open Government Licence v3.0.",
]


def workbook_sheets(
    ctx: PackContext,
    headlines: pd.DataFrame,
    chart_sections: dict[str, list[charts.Chart]],
    found: Outlook | None = None,
) -> list[Sheet]:
    """Every table of the pack and every chart's data, in page order, for ``tables.xlsx``."""
    sheets = [
        Sheet(
            "Headlines",
            headline_caption(ctx),
            headline_display(headlines, ctx.place),
            publications(headlines["measure"]),
        ),
    ]
    number = 0
    for section in CHART_SECTIONS:
        if section == "spending":
            sheets.append(
                Sheet(
                    "Spending",
                    f"Spending, {ctx.financial_year}, with the year before",
                    spending_table(ctx),
                    S251,
                )
            )
        if section == "outlook" and found is not None and found.status == "ok":
            sheets.append(
                Sheet(
                    "What-ifs",
                    "What-ifs: starts and ceasing held at their latest level",
                    what_if_table(found),
                    f"{CLA}; forecast by cscanalysis",
                )
            )
        for chart in chart_sections.get(section, []):
            number += 1
            sheets.append(figure_sheet(chart, number))
    sheets.append(Sheet("Ranks", ranks_caption(ctx), ranks_table(ctx), publications(RANKED)))
    sheets.append(Sheet("Sources", "Releases used in this pack", sources_used(ctx), "DfE; ONS"))
    return sheets


def publications(measures: Iterable[str]) -> str:
    """The publications behind ``measures``, each once, with ONS where a rate needs its
    population: the source line of a table that mixes them."""
    names = []
    for measure_id in measures:
        meta = MEASURES[measure_id]
        names += [*meta.publication.split("; "), *([ONS] if meta.kind == "rate" else [])]
    return "; ".join(dict.fromkeys(names))


def workbook_notes(ctx: PackContext) -> list[str]:
    """The notes sheet of ``tables.xlsx``: what the workbook is, then the pack's notes."""
    stamp = [banner(ctx)] if banner(ctx) else []
    return [
        *stamp,
        f"Tables and chart data from the evidence pack for {ctx.place} ({ctx.code}), "
        f"reporting year {ctx.period}, built by cscanalysis {__version__}.",
        "Each sheet gives its title and units on row 1, its source on row 2 and its table "
        "from row 4. Published symbols are kept as symbols, never as 0.",
        *NOTES,
    ]


def banner(ctx: PackContext) -> str:
    """The stamp on every internal pack ("" for packs meant for publication)."""
    return NOT_FOR_PUBLICATION if ctx.audience == "internal" else ""


def title(ctx: PackContext) -> tuple[str, str]:
    return (
        f"{ctx.place}: children's social care evidence pack, {ctx.period}",
        f"{ctx.council.name}, {ctx.region_name}. Reporting year ending 31 March "
        f"{ctx.period}, with comparisons to statistical neighbours, region and England.",
    )


def headline_caption(ctx: PackContext) -> str:
    return (
        f"Headline figures for {ctx.place}, {ctx.period}, with the previous year, the "
        "statistical neighbours' mean and England"
    )


def ranks_caption(ctx: PackContext) -> str:
    return f"Rank of {ctx.place} among all councils, {ctx.period}"


def close_charts(chart_sections: dict[str, list[charts.Chart]]) -> None:
    """Free the figures once rendered (a batch builds many packs in one process)."""
    for section_charts in chart_sections.values():
        for chart in section_charts:
            chart.close()
