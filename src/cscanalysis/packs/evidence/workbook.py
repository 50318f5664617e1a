"""``tables.xlsx`` for an evidence pack: every table and chart's data in page order, and notes."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from cscanalysis import __version__
from cscanalysis.analysis.outlook import Outlook
from cscanalysis.core.measures import CLA, MEASURES, ONS, S251
from cscanalysis.packs.evidence.content import (
    CHART_SECTIONS,
    NOTES,
    RANKED,
    PackContext,
    banner,
    headline_caption,
    headline_display,
    ranks_caption,
    ranks_table,
    sources_used,
)
from cscanalysis.packs.evidence.outlook import what_if_table
from cscanalysis.packs.evidence.spending import spending_table
from cscanalysis.render.chart import Chart
from cscanalysis.render.workbook import Sheet, figure_sheet


def workbook_sheets(
    ctx: PackContext,
    headlines: pd.DataFrame,
    chart_sections: dict[str, list[Chart]],
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
