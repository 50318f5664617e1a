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
    from cscanalysis.core.councils import load_register
    from cscanalysis.core.errors import DataError
    from cscanalysis.packs.build import NOTEBOOKS, publish_notebook
    from cscanalysis.packs.frontdoor import content as pack
    from cscanalysis.sources.monthly import read_monthly_extracts

    council = load_register().resolve(args.council)
    paths = [Path(p).resolve() for p in args.input]
    for path in paths:
        if not path.is_file():
            raise DataError("no such file", file=str(path), expected="a monthly extract")
    monthly = read_monthly_extracts(paths, council_code=council.code, council_name=council.name)
    source = args.source or pack.default_source(paths, council.short_name)
    ctx = pack.prepare(  # checks the horizon and the measures before a kernel starts
        monthly,
        council_code=council.code,
        council_name=council.name,
        place=council.short_name,
        source=source,
        horizon=args.horizon,
        audience=args.audience,
    )
    final = Path(args.out) / "front_door" / council.code
    seconds = publish_notebook(
        NOTEBOOKS / "front_door.py",
        {
            "input": [str(p) for p in paths],
            "council": council.code,
            "forecast_horizon": args.horizon,
            "source": source,
            "audience": args.audience,
        },
        final,
        title=pack.title(ctx)[0],
        manifest={
            "council_code": council.code,
            "council_name": council.name,
            "months": f"{ctx.first} to {ctx.last}",
            "inputs": [p.name for p in paths],
        },
    )
    print(f"{council.name}: {final / 'index.html'} ({seconds:.1f}s)")
    return 0
