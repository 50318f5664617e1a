"""``cscanalysis data export``: the tidy table as CSV."""

from __future__ import annotations

import argparse
from pathlib import Path


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("data", help="the tidy table")
    actions = parser.add_subparsers(dest="data_command", required=True)
    export = actions.add_parser("export", help="write the tidy table as CSV")
    export.add_argument("--out", required=True, help="CSV file to write")
    export.add_argument("--rebuild", action="store_true", help="rebuild, ignoring the cache")
    export.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    from cscanalysis.safe_export import write_csv
    from cscanalysis.store import load_tidy

    tidy = load_tidy(rebuild=args.rebuild)
    write_csv(tidy, Path(args.out))
    print(f"{len(tidy):,} rows written to {args.out}")
    return 0
