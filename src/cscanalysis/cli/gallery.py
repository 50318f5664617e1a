"""``cscanalysis gallery``: a page listing every chart across a run's packs."""

from __future__ import annotations

import argparse
import re
from pathlib import Path


def add(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("gallery", help="list every chart of a run's packs")
    parser.add_argument("--out", required=True, help="the packs' output folder")
    parser.add_argument("--period", required=True, help="reporting year, e.g. 2023")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cscanalysis.core.errors import ParameterError
    from cscanalysis.render.gallery import build_gallery

    period = str(args.period).strip()
    if not re.fullmatch(r"\d{4}", period):
        raise ParameterError(f"--period must be a reporting year such as 2023, not {period!r}")
    folder = Path(args.out) / period
    if not folder.is_dir():
        raise ParameterError(
            f"no packs for {period} in {args.out}: expected the folder {folder} that "
            "`cscanalysis packs` writes"
        )
    print(build_gallery(folder))
    return 0
