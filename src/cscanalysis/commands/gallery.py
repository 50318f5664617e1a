"""``cscanalysis gallery``: a page listing every chart across a run's packs."""

from __future__ import annotations

import argparse
from pathlib import Path


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("gallery", help="list every chart of a run's packs")
    parser.add_argument("--out", required=True, help="the packs' output folder")
    parser.add_argument("--period", required=True, help="reporting year, e.g. 2023")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.gallery import build_gallery

    print(build_gallery(Path(args.out) / str(args.period)))
    return 0
