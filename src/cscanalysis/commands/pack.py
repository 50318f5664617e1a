"""``cscanalysis pack``: one council's evidence pack."""

from __future__ import annotations

import argparse
from pathlib import Path


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("pack", help="build one council's evidence pack")
    parser.add_argument("--council", required=True, help="name, ONS code or DfE number")
    parser.add_argument(
        "--period",
        default="latest",
        help="reporting year, e.g. 2023 (the year ending 31 March 2023), or 'latest'",
    )
    parser.add_argument("--out", default="outputs", help="output folder")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.packs import build_pack

    result = build_pack(args.council, args.period, Path(args.out))
    print(f"{result.council_name} {result.period}: {result.path} ({result.seconds:.1f}s)")
    return 0
