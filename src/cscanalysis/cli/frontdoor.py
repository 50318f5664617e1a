"""``cscanalysis frontdoor``: a pack from a council's own monthly front-door extract.

The extract is read and checked before any notebook runs, so a bad file stops the command
with a message naming the file, row, column and value (exit code 2) and nothing is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "frontdoor", help="build a front-door pack from a council's monthly extract"
    )
    parser.add_argument(
        "--input",
        required=True,
        action="append",
        metavar="FILE",
        help="monthly extract (CSV or XLSX); repeat for a second table such as ages at entry",
    )
    parser.add_argument("--council", required=True, help="name, ONS code or DfE number")
    parser.add_argument(
        "--out", required=True, help="output folder (the pack goes in DIR/front_door/CODE)"
    )
    parser.add_argument(
        "--horizon", type=int, default=6, help="months to forecast ahead (default 6, at most 24)"
    )
    parser.add_argument(
        "--audience",
        choices=("publication", "internal"),
        default="publication",
        help="publication (default): counts from 1 to 5 are suppressed; internal: they are not "
        "and the pack is stamped 'Not for publication'",
    )
    parser.add_argument(
        "--source",
        default="",
        help="source line for the charts (default: the files' names, or the citation of the "
        "worked example)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.packs.framework import publish
    from cscanalysis.packs.frontdoor.pack import plan

    pack = plan(
        args.input, args.council, horizon=args.horizon, audience=args.audience, source=args.source
    )
    published = publish(pack, Path(args.out))
    name = pack.manifest["council_name"]
    print(f"{name}: {published.path} ({published.seconds:.1f}s)")
    return 0
