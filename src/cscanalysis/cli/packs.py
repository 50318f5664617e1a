"""``cscanalysis packs``: evidence packs for every council (or the ones named) in one run, or
packs of any kind listed in a jobs file (``--kind front-door --jobs jobs.csv``)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from cscanalysis.core.errors import ParameterError


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "packs",
        help="build evidence packs for every council, in parallel, resumably",
        description="Build an evidence pack per council for a reporting year, on local worker "
        "processes or a Dask cluster. Packs whose inputs have not changed are skipped; "
        "OUT/<period>/index.html and manifest.json list every council with its status. "
        "Exit status 0 only when every pack is built. With --jobs, packs of any --kind.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every council in the period")
    which.add_argument("--council", nargs="+", metavar="X", help="name, ONS code or DfE number")
    which.add_argument(
        "--jobs", type=Path, metavar="CSV", help="one pack per row, columns the kind's options"
    )
    parser.add_argument(
        "--kind",
        choices=("evidence", "business-case", "front-door"),
        default="evidence",
        help="the kind of pack (default: evidence); kinds other than evidence need --jobs",
    )
    parser.add_argument(
        "--period",
        help="reporting year, e.g. 2023 (the year ending 31 March 2023), or 'latest' (default)",
    )
    parser.add_argument("--out", default="outputs", help="output folder (default: outputs)")
    parser.add_argument("--workers", type=int, help="local worker processes (default: cores)")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://host:8786 (workers need the "
        "package, the data and the output folder at the same paths)",
    )
    parser.add_argument("--force", action="store_true", help="rebuild packs that are up to date")
    parser.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a notebook parameter for every pack, e.g. -p audience=internal (VALUE is read "
        "as JSON when it can be: true, 3, null; otherwise as text)",
    )
    parser.add_argument(
        "--notebook", type=Path, default=None, help="notebook to run (default: the evidence pack)"
    )
    parser.add_argument(
        "--timeout", type=int, default=600, help="seconds a single cell may run (default: 600)"
    )
    parser.set_defaults(run=run)


BATCH_ONLY = ("period", "workers", "scheduler", "force", "parameter", "notebook")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run(args: argparse.Namespace) -> int:
    from cscanalysis.packs.batch.report import Progress
    from cscanalysis.packs.batch.run import parse_parameters, run_batch
    from cscanalysis.render.gallery import build_gallery

    if args.jobs or args.kind != "evidence":
        return _run_jobs(args)

    previous = signal.signal(signal.SIGTERM, _interrupt)  # systemd stop: record what was done
    try:
        report = run_batch(
            None if args.all else args.council,
            args.period or "latest",
            Path(args.out),
            workers=args.workers,
            scheduler=args.scheduler,
            force=args.force,
            notebook=args.notebook,
            parameters=parse_parameters(args.parameter),
            timeout=args.timeout,
            progress=Progress(sys.stderr),
        )
    except KeyboardInterrupt:
        print("cscanalysis: interrupted; run the same command again to finish", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(report.index_path)
    print(build_gallery(Path(report.index_path).parent))  # every chart of the run, for bids
    return 0 if report.ok else 1


def _run_jobs(args: argparse.Namespace) -> int:
    from cscanalysis.packs.jobs import build_jobs, read_jobs

    if not args.jobs:
        raise ParameterError(f"--kind {args.kind} needs --jobs CSV (one pack per row)")
    given = [f"--{n}" for n in BATCH_ONLY if getattr(args, n) not in (None, False, [])]
    if given:  # a jobs file's rows carry every pack's options
        raise ParameterError(f"{', '.join(given)} cannot be used with --jobs")
    outcomes = build_jobs(read_jobs(args.jobs, args.kind), Path(args.out), timeout=args.timeout)
    for outcome in outcomes:
        if outcome.path:
            print(outcome.path)
        else:
            print(f"{args.jobs} row {outcome.row}: failed: {outcome.reason}", file=sys.stderr)
    return 0 if all(o.path for o in outcomes) else 1
