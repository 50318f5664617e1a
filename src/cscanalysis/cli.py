"""The ``cscanalysis`` command: evidence packs and analyses for children's social care."""

from __future__ import annotations

import argparse
import sys

from cscanalysis.commands import modules
from cscanalysis.errors import CSCAnalysisError


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="cscanalysis", description=__doc__.replace("``", ""))
    main.add_argument("--version", action="version", version=sys.modules["cscanalysis"].__version__)
    commands = main.add_subparsers(dest="command", required=True)
    for module in modules():
        module.add(commands)
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
