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
import contextlib
import os
import tempfile
from pathlib import Path

import pandas as pd

from cscanalysis.core.paths import raw_dir

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


def is_sample(directory: Path) -> bool:
    """True for the synthetic sample returns shipped in ``data/raw/ssda903``."""
    sample = (raw_dir() / "ssda903").resolve()
    directory = directory.resolve()
    return directory == sample or sample in directory.parents


def source_line(
    directory: Path,
    years: list[int],
    given: str = "",
    *,
    synthetic: bool = False,
    basis: str = "returned",
) -> str:
    """The rows' source: ``given`` or the returns' years, folder and basis, saying when
    synthetic."""
    from cscanalysis.analysis.ssda903 import BASIS_LABELS

    span = f"{years[0] - 1}-{years[0] % 100:02d}"
    if len(years) > 1:
        span += f" to {years[-1] - 1}-{years[-1] % 100:02d}"
    text = given.strip() or f"SSDA903 returns {span} ({directory.name}), {BASIS_LABELS[basis]}"
    if synthetic and "synthetic" not in text.lower():
        text += f", {SYNTHETIC_NOTE}"
    return text


def validation_path(out: Path) -> Path:
    """``tidy.csv`` -> ``tidy_validation.csv`` in the same folder."""
    return out.with_name(f"{out.stem}_validation{out.suffix or '.csv'}")


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """The bytes :func:`cscanalysis.core.safe_files.write_csv` writes (formula-safe, CRLF)."""
    from cscanalysis.core.safe_files import neutralise_formulas

    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest existing parent of ``path`` when it is a file, not a folder, else None."""
    for folder in path.parents:
        if folder.exists():
            return None if folder.is_dir() else folder
    return None


def _reason(path: Path, error: OSError) -> str:
    """Why ``path`` cannot be written, in words: a file where a folder should be, or the
    system's reason."""
    blocker = _file_in_the_way(path)
    if blocker is not None:
        return f"{blocker} is a file, not a folder"
    return (error.strerror or str(error)).lower()


def write_together(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary file beside it, then rename them all into place.

    Nothing is renamed until every file is written, so a failure (a full disc, a folder that
    cannot be written) leaves no partial file and the previous files as they were. Raises
    :class:`~cscanalysis.core.errors.ParameterError` naming the path and the reason.
    """
    from cscanalysis.core.errors import ParameterError
    from cscanalysis.core.safe_files import umask

    temps: dict[Path, str] = {}
    path = next(iter(files))
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                raise IsADirectoryError(21, "it is a folder", str(path))
            descriptor, temps[path] = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
            )
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(
                temps[path], path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~umask()
            )
        for path, temp in temps.items():
            os.replace(temp, path)
    except OSError as error:
        raise ParameterError(f"cannot write {path}: {_reason(path, error)}") from None
    finally:
        for temp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.analysis.ssda903 import BASIS_LABELS, measure_report, ssda903_measures
    from cscanalysis.core.councils import load_register
    from cscanalysis.core.errors import ParameterError
    from cscanalysis.sources.ssda903 import read_ssda903

    out = Path(args.out)
    if out.is_dir() or out.suffix.lower() != ".csv":
        raise ParameterError(f"--out must be a .csv file name, not {args.out!r}")
    blocker = _file_in_the_way(out)
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
    write_together({out: _csv_bytes(rows), report_file: _csv_bytes(report)})
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
