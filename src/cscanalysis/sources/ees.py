"""The Explore Education Statistics (EES) layout shared by DfE files from 2018.

Every EES file starts with ``time_period, time_identifier, geographic_level, country_code,
country_name, region_code, region_name`` then the LA columns (``old_la_code``, ``new_la_code``,
``la_name`` in either order). One record is one area and year (and sometimes one breakdown).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cscanalysis.core.errors import DataError
from cscanalysis.sources.published import LINE, area_codes, read_csv

LEVELS = {"National", "Regional", "Local authority"}
EES_COLUMNS = ["time_period", "geographic_level", "country_code", "region_code"]
LA_COLUMNS = ["old_la_code", "new_la_code", "la_name"]


def read_ees(path: Path, *, label: str, required: list[str]) -> pd.DataFrame:
    """Read an EES file, keep England, regions and councils, and add ``code`` and ``year``.

    ``code`` is the canonical ONS code of the area (``E92000001`` for England); ``year`` is the
    reporting year as a string. Other geographic levels (e.g. ``Local authority district``) are
    dropped. An unknown ``geographic_level`` or a ``time_period`` that is not a year is an error.
    """
    return resolve_ees(
        read_csv(path, label=label, required=EES_COLUMNS + LA_COLUMNS + required), label=label
    )


def resolve_ees(frame: pd.DataFrame, *, label: str) -> pd.DataFrame:
    """Check levels and years of EES records; add ``code`` and ``year`` (see ``read_ees``)."""
    frame = frame.reset_index(drop=True)
    level = frame["geographic_level"].str.strip()
    unknown = ~level.isin(LEVELS)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise DataError(
            "unexpected geographic level",
            file=label,
            row=int(frame[LINE].iloc[i]),
            column="geographic_level",
            value=level.iloc[i],
            expected="one of " + ", ".join(sorted(LEVELS)),
        )
    year = frame["time_period"].str.strip()
    bad = ~year.str.fullmatch(r"(19|20)\d\d")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            "time_period is not a reporting year",
            file=label,
            row=int(frame[LINE].iloc[i]),
            column="time_period",
            value=year.iloc[i],
            expected="a four-digit year such as 2023",
        )
    raw_code = pd.Series(
        np.select(
            [level == "National", level == "Regional"],
            [frame["country_code"], frame["region_code"]],
            frame["new_la_code"],
        ),
        index=frame.index,
        dtype=object,
    )
    la = level == "Local authority"
    frame["code"] = raw_code
    frame.loc[la, "code"] = area_codes(
        frame[la], file=label, code=raw_code[la], name="la_name", number="old_la_code"
    ).to_numpy()
    frame["year"] = year
    return frame
