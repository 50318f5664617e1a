"""Readers, one per publication: each parses exactly what was published into tidy rows.

Every reader takes the ``data/raw`` folder and returns rows with the columns
``council_code, period, measure, value, flag, source, release`` (``release`` ranks releases so
that :mod:`cscanalysis.store.tidy` keeps the latest figure when releases overlap).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cscanalysis.sources.cin import read_cin
from cscanalysis.sources.cla import read_cla
from cscanalysis.sources.placements import read_placements
from cscanalysis.sources.population import read_population
from cscanalysis.sources.spending import read_spending
from cscanalysis.sources.workforce import read_workforce

READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "children looked after": read_cla,
    "children in need": read_cin,
    "social work workforce": read_workforce,
    "population": read_population,
    "placement stability and moves": read_placements,
    "spending": read_spending,
}

__all__ = [
    "READERS",
    "read_cin",
    "read_cla",
    "read_placements",
    "read_population",
    "read_spending",
    "read_workforce",
]
