"""The content of an evidence pack for one council and reporting year: its context, headline
table, key facts, ranks, sources and words.

Pure functions from the tidy table to the pieces the notebook shows. Every figure in a key fact
comes from :func:`headline_table`, so each sentence can be traced to the table beside it. The
charts are in :mod:`cscanalysis.packs.evidence.charts`, the Spending section in
:mod:`cscanalysis.packs.evidence.spending`, the Outlook in :mod:`cscanalysis.packs.evidence.outlook`
and ``tables.xlsx`` in :mod:`cscanalysis.packs.evidence.workbook`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscanalysis.analysis import benchmark
from cscanalysis.analysis.disclosure import hide_per_child, suppress_tidy
from cscanalysis.core.councils import Council, CouncilRegister
from cscanalysis.core.errors import ParameterError
from cscanalysis.core.formatting import is_missing
from cscanalysis.core.measures import MEASURES
from cscanalysis.render.words import label_with_unit, show
from cscanalysis.store.derived import DerivedCache, default_cache, frame_key
from cscanalysis.store.tidy import reporting_years

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
    so do rates and percentages built on them
    (:func:`cscanalysis.analysis.disclosure.suppress_tidy`).
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
    """:func:`~cscanalysis.analysis.disclosure.suppress_tidy` of the whole table, then
    :func:`hide_per_child`: the table a publication pack is built from.

    Suppression does not depend on the council, so it is kept in ``cache`` (default: the
    process's :func:`~cscanalysis.store.derived.default_cache`, memory and ``data/cache/derived``),
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


def value_of(ctx: PackContext, code: str, measure: str, period: str) -> tuple[float, str]:
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
        value, flag = value_of(ctx, ctx.code, measure_id, period)
        last, last_flag = value_of(ctx, ctx.code, measure_id, previous)
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
            f"{'+' if row.change > 0 else ''}{show(row.change, places=places)}"
            if np.isfinite(row.change)
            else "not available"
        )
        out.append(
            {
                "Measure": label_with_unit(row.label, unit),
                "Period": row.period if "-" not in row.period else f"30 Sep {row.period[:4]}",
                place: show(row.value, row.flag, places=places),
                "Previous year": show(row.previous, row.previous_flag, places=places),
                "Change": change,
                "Statistical neighbours": show(row.neighbours, places=places),
                "England": show(row.england, places=places),
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
        text = show(row[column], flag, places=MEASURES[measure].places)
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


def ranks_table(ctx: PackContext) -> pd.DataFrame:
    """Rank and quartile among all councils for each headline rate."""
    rows = []
    for measure_id in RANKED:
        pos = benchmark.position(ctx.tidy, ctx.code, measure_id, ctx.period, ctx.register)
        value, flag = value_of(ctx, ctx.code, measure_id, ctx.period)
        meta = MEASURES[measure_id]
        rows.append(
            {
                "Measure": label_with_unit(meta.label, meta.unit),
                ctx.place: show(value, flag, places=meta.places),
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
