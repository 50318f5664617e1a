"""``cscanalysis finance``: an invest-to-save case's summary (payback included), its tables as
CSV and its charts as PNG and SVG."""

from __future__ import annotations

import argparse
from pathlib import Path

from cscanalysis.cli._case_options import add_case_options


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "finance", help="invest-to-save summary, payback, tables and charts from a case file"
    )
    parser.add_argument(
        "--case", required=True, help="case file, CSV or XLSX (layout: data/templates/README.md)"
    )
    parser.add_argument("--out", required=True, help="folder for the tables and charts")
    add_case_options(parser)
    parser.add_argument("--council", default="", help="council name for the chart titles")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.analysis.finance import summarise_case
    from cscanalysis.core.safe_files import write_csv
    from cscanalysis.packs.business import charts as business_charts
    from cscanalysis.packs.business import content as business
    from cscanalysis.packs.business import inputs as business_inputs
    from cscanalysis.packs.business import tables as business_tables
    from cscanalysis.render import chart_files as export
    from cscanalysis.sources.casefiles import read_case

    rate = business_inputs.check_discount_rate(args.discount_rate)
    years = business_inputs.case_years(args.years)  # a bad value stops before the case is read
    case = read_case(Path(args.case), savings_basis=args.savings_basis)
    summary, yearly = summarise_case(case, discount_rate=rate, extend_to_years=years)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)  # an unwritable folder fails before anything prints
    for line in business.summary_lines(
        summary, yearly, source=Path(args.case).name, basis=args.savings_basis
    ):
        print(line)
    written = [
        write_csv(yearly, out / "yearly_position.csv"),
        write_csv(business_tables.finance_summary_data(summary), out / "summary.csv"),
        write_csv(business_tables.finance_table(yearly, summary), out / "finance_table.csv"),
    ]
    place = args.council.strip() or "The council"
    source = f"{args.council.strip() + ' ' if args.council.strip() else ''}business case "
    source += f"({Path(args.case).name})"
    charts = [
        business_charts.investment_chart(yearly, summary, place=place, source=source),
        business_charts.cumulative_chart(yearly, summary, place=place, source=source),
    ]
    try:
        for number, chart in enumerate(charts, start=1):
            files = export.write_chart_files(
                chart,
                out,
                number=number,
                council=args.council.strip(),
                council_code="",
                period=f"{summary.first_year} to {summary.last_year}",
            )
            written.extend(out / name for name in files.values())
    finally:
        for chart in charts:
            chart.close()
    print(f"Wrote {len(written)} files to {out}:")
    for path in written:
        print(f"  {Path(path).name}")
    return 0
