"""The ``cscanalysis`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cscanalysis.errors import CSCAnalysisError


def _pack(args: argparse.Namespace) -> int:
    from cscanalysis.packs import build_pack

    result = build_pack(args.council, args.period, Path(args.out))
    print(f"{result.council_name} {result.period}: {result.path} ({result.seconds:.1f}s)")
    return 0


def _councils(args: argparse.Namespace) -> int:
    from cscanalysis.councils import load_register

    register = load_register()
    year = int(args.year) if args.year else None
    print("code\tdfe_number\tname\tregion\tfirst_year\tlast_year")
    for c in register.councils(year):
        print(
            f"{c.code}\t{c.dfe_number}\t{c.name}\t{c.region_name}\t{c.first_year or ''}\t"
            f"{c.last_year or ''}"
        )
    return 0


def _data_export(args: argparse.Namespace) -> int:
    from cscanalysis.safe_export import write_csv
    from cscanalysis.store import load_tidy

    tidy = load_tidy(rebuild=args.rebuild)
    write_csv(tidy, Path(args.out))
    print(f"{len(tidy):,} rows written to {args.out}")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="cscanalysis", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)

    pack = commands.add_parser("pack", help="build one council's evidence pack")
    pack.add_argument("--council", required=True, help="name, ONS code or DfE number")
    pack.add_argument(
        "--period",
        default="latest",
        help="reporting year, e.g. 2023 (year ending 31 March), or 'latest'",
    )
    pack.add_argument("--out", default="outputs", help="output folder")
    pack.set_defaults(run=_pack)

    councils = commands.add_parser("councils", help="list councils")
    councils.add_argument("--year", help="only councils existing in this reporting year")
    councils.set_defaults(run=_councils)

    data = commands.add_parser("data", help="the tidy table")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    export = data_commands.add_parser("export", help="write the tidy table as CSV")
    export.add_argument("--out", required=True)
    export.add_argument("--rebuild", action="store_true", help="ignore the cache")
    export.set_defaults(run=_data_export)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except CSCAnalysisError as error:
        print(f"cscanalysis: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
