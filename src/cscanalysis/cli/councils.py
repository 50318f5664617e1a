"""``cscanalysis councils``: the council register."""

from __future__ import annotations

import argparse


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("councils", help="list councils")
    parser.add_argument("--year", type=int, help="only councils existing in this reporting year")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.core.councils import load_register

    print("code\tdfe_number\tname\tregion\tfirst_year\tlast_year")
    for c in load_register().councils(args.year):
        print(
            f"{c.code}\t{c.dfe_number}\t{c.name}\t{c.region_name}\t{c.first_year or ''}\t"
            f"{c.last_year or ''}"
        )
    return 0
