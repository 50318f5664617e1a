"""``cscanalysis ssda903``: measures derived from a council's SSDA903 returns, as tidy rows.

Reads every header/episodes pair in a folder (see :mod:`cscanalysis.sources.ssda903`), derives
the measures of :mod:`cscanalysis.analysis.ssda903` and writes them as tidy CSV rows
(``council_code, council_name, period, measure, value, flag, source``), with the validation
report (``file, row, child, rule, detail, action, year, field, as_returned, revised``) beside
them as ``<name>_validation.csv``. ``--basis returned`` (the default) gives each year's figures
from that year's own return, as DfE publishes them; ``--basis revised`` from the episodes as
later returns corrected them. The report lists, child by child, every difference between the
two (rule ``revised_by_later_return``) and every child starting in a year who is left out of the
age bands (rule ``left_out_of_age_bands``).

Problems in the data go into the report and never stop the command; only a folder or file
that cannot be read at all does (exit code 2, naming the file). Both files are written to
temporary files in the output folder and renamed into place only when both are complete, so a
failed run leaves no partial file and never replaces a good one; an output that cannot be
written is one line naming the path and the reason (exit code 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "ssda903", help="derive children-looked-after measures from SSDA903 returns"
    )
    parser.add_argument(
        "--input",
        required=True,
        metavar="DIR",
        help="folder of SSDA903 returns: YYYY-header.csv and YYYY-episodes.csv for each year",
    )
    parser.add_argument("--council", help="name, ONS code or DfE number of the council")
    parser.add_argument(
        "--out", required=True, metavar="FILE.csv", help="CSV file for the tidy rows"
    )
    parser.add_argument(
        "--basis",
        choices=["returned", "revised"],
        default="returned",
        help="returned (default): each year from that year's own return, as DfE publishes it; "
        "revised: with later returns' corrections",
    )
    parser.add_argument("--source", default="", help="where the returns came from")
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="the returns are synthetic (said in every row's source; automatic for the "
        "sample in data/raw/ssda903)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.analysis.ssda903 import (
        BASIS_LABELS,
        measure_report,
        source_line,
        ssda903_measures,
        validation_path,
    )
    from cscanalysis.core.councils import load_register
    from cscanalysis.core.errors import ParameterError
    from cscanalysis.core.safe_files import csv_bytes, file_in_the_way, write_together
    from cscanalysis.sources.ssda903 import read_ssda903
    from cscanalysis.sources.ssda903_files import is_sample

    out = Path(args.out)
    if out.is_dir() or out.suffix.lower() != ".csv":
        raise ParameterError(f"--out must be a .csv file name, not {args.out!r}")
    blocker = file_in_the_way(out)
    if blocker is not None:  # found before the returns are read
        raise ParameterError(f"cannot write {out}: {blocker} is a file, not a folder")
    basis = getattr(args, "basis", "returned")
    code = name = ""
    if args.council:
        council = load_register().resolve(args.council)
        code, name = council.code, council.name
    directory = Path(args.input)
    data = read_ssda903(directory)
    years = sorted(data.years.values())
    source = source_line(
        directory,
        years,
        args.source,
        synthetic=args.synthetic or is_sample(directory),
        basis=basis,
    )
    rows = ssda903_measures(data, council_code=code, council_name=name, source=source, basis=basis)
    report = measure_report(data, basis)
    report_file = validation_path(out)
    write_together({out: csv_bytes(rows), report_file: csv_bytes(report)})
    excluded = int((report["action"] == "excluded").sum())
    problems = len(data.report)
    left_out = int((report["rule"] == "left_out_of_age_bands").sum())
    revised = report[report["rule"] == "revised_by_later_return"]
    print(
        f"{len(rows):,} rows ({rows['measure'].nunique()} measures, years ending 31 March "
        f"{years[0]} to {years[-1]}, {BASIS_LABELS[basis]}) written to {out}"
    )
    print(
        f"validation report: {problems:,} problem(s), {excluded:,} row(s) excluded, "
        f"{left_out:,} start(s) left out of the age bands, {len(revised):,} difference(s) "
        f"between as returned and revised for {revised['child'].nunique():,} child(ren), "
        f"in {report_file}"
    )
    if not code:
        print("no --council given: council_code is blank in every row")
    return 0
