"""``cscanalysis packs``: evidence packs for every council (or the ones named) in one run."""

from __future__ import annotations

import argparse
import json
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
        "Exit status 0 only when every pack is built.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--all", action="store_true", help="every council that existed in the period"
    )
    which.add_argument(
        "--council",
        nargs="+",
        metavar="X",
        help="councils by name, ONS code or DfE number",
    )
    parser.add_argument(
        "--period",
        default="latest",
        help="reporting year, e.g. 2023 (the year ending 31 March 2023), or 'latest'",
    )
    parser.add_argument("--out", default="outputs", help="output folder (default: outputs)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: the number of cores)",
    )
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


def parse_parameters(items: list[str]) -> dict[str, object]:
    """``["audience=internal", "chart_files=false"]`` -> ``{"audience": "internal", ...}``."""
    parameters: dict[str, object] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ParameterError(f"parameter {item!r} is not NAME=VALUE")
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        parameters[name.strip()] = value
    return parameters


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run(args: argparse.Namespace) -> int:
    from cscanalysis.packs.batch.report import Progress
    from cscanalysis.packs.batch.run import run_batch
    from cscanalysis.render.gallery import build_gallery

    previous = signal.signal(signal.SIGTERM, _interrupt)  # systemd stop: record what was done
    try:
        report = run_batch(
            None if args.all else args.council,
            args.period,
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
