"""The ``cscanalysis`` command: evidence packs and analyses for children's social care.

Every way a command can fail ends here as one line on standard error, never a traceback:
``cscanalysis: error: ...`` with exit status 2 for a bad input, option or path (the package's
own errors, operating-system errors such as an output folder that cannot be written, and
mistakes in the options), 130 for Ctrl-C, 141 when the reader of a pipe has gone (``| head``,
as a shell reports SIGPIPE), and 1 with ``internal error`` for anything else (a bug: set
``CSCANALYSIS_TRACEBACK=1`` to see where it happened).

Each sub-command is a module of this package defining ``add(subparsers)``: a new command is a
new module here, and nothing else needs editing. A command module parses, calls the library and
prints; the work itself lives in the layers below.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import NoReturn

from cscanalysis import __version__
from cscanalysis.core.errors import CSCAnalysisError, one_line, os_error_message


def modules() -> Iterator[ModuleType]:
    """Every command module, in name order (the order ``--help`` lists them)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        yield importlib.import_module(f"{__name__}.{info.name}")


BAD_INPUT = 2
INTERNAL = 1
INTERRUPTED = 130
CLOSED_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a reader that went away
# Options that name files or folders a command writes, and ones it reads.
OUTPUT_OPTIONS = ("out", "changes")
INPUT_OPTIONS = (
    "input",
    "jobs",
    "risk_matrix",
    "case",
    "kpis",
    "risks",
    "salaries",
    "fostering",
    "local_data",
    "notebook",
)


class UsageError(Exception):
    """A mistake in the command line itself (unknown option, value of the wrong type)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are one line (``--help`` still shows the usage)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def parser() -> argparse.ArgumentParser:
    main = Parser(prog="cscanalysis", description=__doc__.split("\n\n")[0].replace("``", ""))
    main.add_argument("--version", action="version", version=f"cscanalysis {__version__}")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in modules():
        module.add(commands)
    return main


def _paths(args: argparse.Namespace | None, names: Sequence[str]) -> list[object]:
    """The values of the options ``names`` given on the command line (lists flattened)."""
    found: list[object] = []
    for name in names:
        value = getattr(args, name, None)
        if isinstance(value, list | tuple):
            found.extend(v for v in value if v)
        elif value:
            found.append(value)
    return found


def error_line(error: BaseException, args: argparse.Namespace | None = None) -> tuple[str, int]:
    """The line to print for ``error`` (without the ``cscanalysis:`` prefix) and the exit status."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, UsageError | CSCAnalysisError):
        return f"error: {error}", BAD_INPUT
    if isinstance(error, OSError):
        outputs, inputs = _paths(args, OUTPUT_OPTIONS), _paths(args, INPUT_OPTIONS)
        return f"error: {os_error_message(error, outputs=outputs, inputs=inputs)}", BAD_INPUT
    if isinstance(error, PapermillExecutionError):  # the inputs were checked: a bug
        evalue = str(error.evalue).strip().splitlines()
        return (
            f"internal error: the notebook failed in cell {error.exec_count} with "
            f"{error.ename}: {evalue[0] if evalue else ''} (please report it)",
            INTERNAL,
        )
    text = str(error).strip().splitlines()
    return (
        f"internal error: {type(error).__name__}: {text[0] if text else ''} (please report it; "
        "set CSCANALYSIS_TRACEBACK=1 to see where it happened)",
        INTERNAL,
    )


def main(argv: list[str] | None = None) -> int:
    args = None
    try:
        args = parser().parse_args(argv)
        if getattr(args, "out", None) is not None and not str(args.out).strip():
            raise UsageError("--out is empty: give the name of a folder or file to write")
        return args.run(args)
    except KeyboardInterrupt:
        print("cscanalysis: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # e.g. `cscanalysis councils | head`: the reader has gone
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (Python's advice for a closed pipe)
        return CLOSED_PIPE
    except Exception as error:
        if os.environ.get("CSCANALYSIS_TRACEBACK") and not isinstance(
            error, UsageError | CSCAnalysisError
        ):
            raise
        line, status = error_line(error, args)
        print(f"cscanalysis: {one_line(line)}", file=sys.stderr)
        return status
