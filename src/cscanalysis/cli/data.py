"""``cscanalysis data export``: the tidy table as CSV; ``data update``: the newest releases."""

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
    update = actions.add_parser(
        "update",
        help="fetch the newest release files from DfE's Explore Education Statistics API",
        description="Fetch the newest release of each updatable raw file from the EES API into "
        "data/raw, log its checksum and release date, rebuild the tidy table and report what "
        "changed. Nothing is changed unless every download is whole and reads.",
    )
    update.add_argument(
        "--dry-run", action="store_true", help="list what would change; write nothing"
    )
    update.add_argument(
        "--api",
        help="the API's base address (default $CSCANALYSIS_EES_API, else "
        "https://api.education.gov.uk/statistics/v1)",
    )
    update.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="FILE=ID",
        help="the EES data set id of a raw file, e.g. cin/b1_children_in_need_2013_to_2025.csv=ID "
        "(repeatable; also $CSCANALYSIS_EES_DATASETS as FILE=ID,FILE=ID)",
    )
    update.add_argument("--changes", metavar="CSV", help="write every revised figure to this CSV")
    update.set_defaults(run=run_update)


def run_export(args: argparse.Namespace) -> int:
    from cscanalysis.core.safe_files import write_csv
    from cscanalysis.store.tidy import load_tidy

    tidy = load_tidy(rebuild=args.rebuild)
    write_csv(tidy, Path(args.out))
    print(f"{len(tidy):,} rows written to {args.out}")
    return 0


def run_update(args: argparse.Namespace) -> int:
    from cscanalysis.core.paths import raw_dir
    from cscanalysis.core.safe_files import write_csv
    from cscanalysis.store.update import api_base, parse_ids, registry, update
    from cscanalysis.store.update_changes import changes_table

    overrides = parse_ids(",".join(args.dataset), origin="--dataset")
    report = update(
        api=api_base(args.api), raw=raw_dir(), datasets=registry(overrides), dry_run=args.dry_run
    )
    print("\n".join(report.lines()))
    if args.changes and report.changes is not None:
        write_csv(changes_table(report.changes), Path(args.changes))
        print(f"Every revised figure: {args.changes}")
    return 0
