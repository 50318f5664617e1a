"""``cscanalysis ssda903``: measures derived from a council's SSDA903 returns, as tidy rows.

Reads every header/episodes pair in a folder (see :mod:`cscanalysis.sources.ssda903`), derives
the measures of :mod:`cscanalysis.ssda903_measures` and writes them as tidy CSV rows
(``council_code, council_name, period, measure, value, flag, source``), with the validation
report (``file, row, child, rule, detail, action``) beside them as ``<name>_validation.csv``.
Problems in the data go into the report and never stop the command; only a folder or file
that cannot be read at all does (exit code 2, naming the file).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cscanalysis.paths import raw_dir

SYNTHETIC_NOTE = "synthetic data, no real child"


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
    parser.add_argument("--source", default="", help="where the returns came from")
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="the returns are synthetic (said in every row's source; automatic for the "
        "sample in data/raw/ssda903)",
    )
    parser.set_defaults(run=run)


def is_sample(directory: Path) -> bool:
    """True for the synthetic sample returns shipped in ``data/raw/ssda903``."""
    sample = (raw_dir() / "ssda903").resolve()
    directory = directory.resolve()
    return directory == sample or sample in directory.parents


def source_line(
    directory: Path, years: list[int], given: str = "", *, synthetic: bool = False
) -> str:
    """The rows' source: ``given`` or the returns' years and folder, saying when synthetic."""
    span = f"{years[0] - 1}-{years[0] % 100:02d}"
    if len(years) > 1:
        span += f" to {years[-1] - 1}-{years[-1] % 100:02d}"
    text = given.strip() or f"SSDA903 returns {span} ({directory.name})"
    if synthetic and "synthetic" not in text.lower():
        text += f", {SYNTHETIC_NOTE}"
    return text


def validation_path(out: Path) -> Path:
    """``tidy.csv`` -> ``tidy_validation.csv`` in the same folder."""
    return out.with_name(f"{out.stem}_validation{out.suffix or '.csv'}")


def run(args: argparse.Namespace) -> int:
    from cscanalysis.councils import load_register
    from cscanalysis.errors import ParameterError
    from cscanalysis.safe_export import write_csv
    from cscanalysis.sources.ssda903 import read_ssda903
    from cscanalysis.ssda903_measures import ssda903_measures

    out = Path(args.out)
    if out.is_dir() or out.suffix.lower() != ".csv":
        raise ParameterError(f"--out must be a .csv file name, not {args.out!r}")
    code = name = ""
    if args.council:
        council = load_register().resolve(args.council)
        code, name = council.code, council.name
    directory = Path(args.input)
    data = read_ssda903(directory)
    years = sorted(data.years.values())
    source = source_line(
        directory, years, args.source, synthetic=args.synthetic or is_sample(directory)
    )
    rows = ssda903_measures(data, council_code=code, council_name=name, source=source)
    out.parent.mkdir(parents=True, exist_ok=True)
    report_file = validation_path(out)
    write_csv(data.report, report_file)
    write_csv(rows, out)
    report = data.report
    excluded = int((report["action"] == "excluded").sum())
    print(
        f"{len(rows):,} rows ({rows['measure'].nunique()} measures, years ending 31 March "
        f"{years[0]} to {years[-1]}) written to {out}"
    )
    print(
        f"validation report: {len(report):,} problem(s), {excluded:,} row(s) excluded, "
        f"in {report_file}"
    )
    if not code:
        print("no --council given: council_code is blank in every row")
    return 0
