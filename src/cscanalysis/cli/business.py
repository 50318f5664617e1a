"""``cscanalysis business-case``: a business-case pack (HTML) from a council's own files: the
invest-to-save case and, optionally, KPIs, risks, salary benchmarks and the fostering funnel."""

from __future__ import annotations

import argparse

from cscanalysis.cli._case_options import add_case_options


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "business-case",
        help="build a business-case pack (invest-to-save, KPIs, risks, pay, fostering)",
    )
    parser.add_argument("--case", required=True, help="invest-to-save case file (CSV or XLSX)")
    parser.add_argument("--kpis", default="", help="KPI file (optional)")
    parser.add_argument("--risks", default="", help="risk register (optional)")
    parser.add_argument("--salaries", default="", help="salary benchmark file (optional)")
    parser.add_argument("--fostering", default="", help="foster-carer funnel file (optional)")
    parser.add_argument("--council", default="", help="the council's name, e.g. Bristol")
    add_case_options(parser)
    kpi = parser.add_argument_group("KPI rule and periods (the KPI file's own columns win)")
    kpi.add_argument(
        "--kpi-period", default="", help="period to score (default: latest of the usual kind)"
    )
    kpi.add_argument(
        "--kpi-compare", default="", help="period to compare with (default: a year earlier)"
    )
    kpi.add_argument("--kpi-tolerance", default="", help="default on-target tolerance")
    kpi.add_argument(
        "--kpi-well", default="", help="default distance from target for 'well above/below'"
    )
    kpi.add_argument(
        "--kpi-basis",
        metavar="{absolute,share}",
        default="absolute",
        help="absolute: in the indicator's units (default); share: percent of the target",
    )
    risk = parser.add_argument_group("risk matrix (default: the package's own)")
    risk.add_argument("--risk-matrix", default="", help="matrix file: scale, score, label")
    risk.add_argument(
        "--risk-bands", default="", help="bands as name:lowest score, e.g. low:1,medium:5,high:13"
    )
    parser.add_argument("--out", default="outputs", help="output folder")
    parser.add_argument(
        "--slug", default="", help="folder name under OUT/business_case/ (default: the case file)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.packs.business.pack import build_business_case

    page = build_business_case(
        args.case,
        args.out,
        kpis=args.kpis,
        risks=args.risks,
        salaries=args.salaries,
        fostering=args.fostering,
        council=args.council,
        savings_basis=args.savings_basis,
        discount_rate=args.discount_rate,
        slug=args.slug,
        options={
            "years": args.years,
            "kpi_period": args.kpi_period,
            "kpi_compare": args.kpi_compare,
            "kpi_tolerance": args.kpi_tolerance,
            "kpi_well": args.kpi_well,
            "kpi_basis": args.kpi_basis if args.kpi_basis != "absolute" else "",
            "risk_matrix": args.risk_matrix,
            "risk_bands": args.risk_bands,
        },
    )
    print(page)
    return 0
