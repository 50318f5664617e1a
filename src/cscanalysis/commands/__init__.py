"""One module per ``cscanalysis`` sub-command; each defines ``add(subparsers)``."""

from __future__ import annotations

import importlib

# module names under cscanalysis.commands, in the order ``--help`` lists them
COMMANDS = ["pack", "councils", "data"]


def modules():
    for name in COMMANDS:
        yield importlib.import_module(f"cscanalysis.commands.{name}")
