"""``cscanalysis charts``: every chart of a council's pack as PNG, SVG, CSV and JSON files."""

from __future__ import annotations

import argparse
from pathlib import Path


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("charts", help="export a pack's charts for a bid or report")
    parser.add_argument("--council", required=True, help="name, ONS code or DfE number")
    parser.add_argument("--period", default="latest", help="reporting year, e.g. 2023")
    parser.add_argument("--out", required=True, help="folder for the chart files")
    parser.add_argument(
        "--audience",
        choices=["publication", "internal"],
        default="publication",
        help="publication (default) suppresses counts of 1 to 5; internal does not",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.core.councils import load_register
    from cscanalysis.packs.evidence import charts as evidence_charts
    from cscanalysis.packs.evidence import content as evidence
    from cscanalysis.packs.evidence import outlook as evidence_outlook
    from cscanalysis.render import chart_files as export
    from cscanalysis.render.chart import close_charts
    from cscanalysis.store.tidy import load_tidy

    out = Path(args.out)
    ctx = evidence.prepare(
        load_tidy(), load_register(), args.council, args.period, audience=args.audience
    )
    out.mkdir(parents=True, exist_ok=True)  # a folder that cannot be made fails before drawing
    charts = evidence_charts.pack_charts(
        ctx, evidence.headline_table(ctx), evidence_outlook.outlook(ctx)
    )
    number = 0
    for section in evidence.CHART_SECTIONS:
        for chart in charts[section]:
            number += 1
            export.write_chart_files(
                chart,
                out,
                number=number,
                council=ctx.place,
                council_code=ctx.code,
                period=ctx.period,
                half_width=True,
            )
            print(f"{out / export.chart_stem(number, chart)}.*  {chart.title}")
    close_charts(charts)
    return 0
