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
    parser.add_argument(
        "--audience",
        choices=("publication", "internal"),
        default="publication",
        help="publication (default): small numbers suppressed; internal: not suppressed, "
        "every page stamped 'Not for publication'",
    )
    parser.add_argument(
        "--local-data",
        type=Path,
        metavar="FILE",
        help="the council's own tidy rows (from 'cscanalysis ssda903'), used where DfE "
        "published nothing, e.g. the placement mix",
    )
    parser.add_argument(
        "--target",
        nargs=2,
        type=float,
        metavar=("CHILDREN", "YEAR"),
        help="a target for children looked after, e.g. --target 519 2027: the Outlook draws "
        "the glide path and the gap",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.packs.evidence.pack import build_pack

    result = build_pack(
        args.council,
        args.period,
        Path(args.out),
        audience=args.audience,
        local_data=args.local_data,
        target=tuple(args.target) if args.target else None,
    )
    print(f"{result.council_name} {result.period}: {result.path} ({result.seconds:.1f}s)")
    return 0
