"""``cscanalysis business-case``: a business-case pack (HTML) from a council's own files: the
invest-to-save case and, optionally, KPIs, risks, salary benchmarks and the fostering funnel."""

from __future__ import annotations

import argparse
from pathlib import Path

from cscanalysis.analysis.finance import GREEN_BOOK_RATE
from cscanalysis.core.investment_case import SAVINGS_BASES

INPUTS = ("kpis", "risks", "salaries", "fostering")


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
    parser.add_argument(
        "--savings-basis",
        choices=SAVINGS_BASES,
        default="annual",
        help="annual (default): each year's saving; incremental: increases on the year before",
    )
    parser.add_argument(
        "--discount-rate",
        default=str(GREEN_BOOK_RATE),
        help="as a fraction (default 0.035, the HM Treasury Green Book rate)",
    )
    parser.add_argument(
        "--years",
        default="",
        metavar="{5,10}",
        help="extend the case to 5 or 10 years of savings (the last given year's ongoing costs "
        "and savings held flat, in nominal pounds)",
    )
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


def _absolute(path: str) -> str:
    """A user's path as an absolute one: relative to the current folder if the file is there,
    else left for the library to find under data/ ('' stays '')."""
    from cscanalysis.packs.business.content import resolve_input

    text = str(path or "").strip()
    if not text:
        return ""
    here = Path(text).expanduser()
    if here.is_file():
        return str(here.resolve())
    found = resolve_input(text)  # raises DataError naming the path when it is nowhere
    return str(found)


def build_business_case(
    case: str | Path,
    out: str | Path,
    *,
    kpis: str | Path = "",
    risks: str | Path = "",
    salaries: str | Path = "",
    fostering: str | Path = "",
    council: str = "",
    savings_basis: str = "annual",
    discount_rate: float | str = GREEN_BOOK_RATE,
    slug: str = "",
    notebook: Path | None = None,
    options: dict[str, object] | None = None,
) -> Path:
    """Check every input, then publish ``OUT/business_case/<slug>/index.html``; return its path.

    The inputs are read once here so that a bad file stops before a kernel starts. ``options``
    are :func:`cscanalysis.packs.business.content.read_inputs`'s (years, KPI rule and periods, risk
    matrix).
    """
    from cscanalysis.packs.build import NOTEBOOKS, publish_notebook
    from cscanalysis.packs.business import content as business

    rate = business.check_discount_rate(discount_rate)
    options = dict(options or {})
    if options.get("years") not in (None, ""):
        options["years"] = business.case_years(options["years"])
    options = {k: v for k, v in options.items() if v not in (None, "")}
    if options.get("risk_matrix"):
        options["risk_matrix"] = _absolute(str(options["risk_matrix"]))
    paths = {"case": _absolute(str(case))} | {
        name: _absolute(str(value))
        for name, value in zip(INPUTS, (kpis, risks, salaries, fostering), strict=True)
    }
    bc = business.read_inputs(
        paths["case"],
        **{name: paths[name] for name in INPUTS},
        council=council,
        savings_basis=savings_basis,
        discount_rate=rate,
        **options,  # type: ignore[arg-type]
    )
    folder = business.slugify(slug or Path(paths["case"]).stem)
    final = Path(out) / "business_case" / folder
    head, _ = business.title(bc)
    publish_notebook(
        notebook or NOTEBOOKS / "business_case.py",
        {
            **paths,
            "council": council,
            "savings_basis": savings_basis,
            "discount_rate": rate,
            "options": options,
        },
        final,
        title=head,
        manifest={"council": council, "slug": folder, "inputs": bc.files},
    )
    return final / "index.html"


def run(args: argparse.Namespace) -> int:
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
