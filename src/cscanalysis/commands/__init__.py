"""One module per ``cscanalysis`` sub-command; each defines ``add(subparsers)``.

A new command is a new module here: nothing else needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType


def modules() -> Iterator[ModuleType]:
    """Every command module, in name order (the order ``--help`` lists them)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        yield importlib.import_module(f"{__name__}.{info.name}")
