"""Placement stability and new placements during the year (DfE, children looked after).

* RY2025 ``la_cla_placement_stability.csv`` (2021 to 2025): children looked after at 31 March
  with three or more placements during the year, and long-term stability (children looked
  after for at least 2.5 years, aged under 16, living with the same carer for at least 2 years).
* RY2022 ``la_cla_at_31_march_placement_stability_indicator.csv`` (2018 to 2022): three or more
  placements only. Its long-term measure counted the same *placement*, not the same *carer*, so
  it is a different measure and is not read.
* RY2025 ``la_cla_during_year_new_placements.csv`` (2021 to 2025): new placements during the
  year by distance from home and whether inside the council's boundary. The file gives location
  and the reason a placement changed; placement type and provider are not in it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cscanalysis.core.errors import DataError
from cscanalysis.sources.ees import read_ees
from cscanalysis.sources.published import Release, tidy_rows

STABILITY = "cla/ees_ry2025/la_cla_placement_stability.csv"
STABILITY_2022 = "cla/ees_ry2022/la_cla_at_31_march_placement_stability_indicator.csv"
NEW_PLACEMENTS = "cla/ees_ry2025/la_cla_during_year_new_placements.csv"
RY2025 = Release("DfE children looked after RY2025", 2025)
RY2022 = Release("DfE children looked after RY2022", 2022)

Measures = tuple[str, str | None]  # (count measure, percentage measure or None)

# (group, breakdown) -> measures
STABILITY_ROWS: dict[tuple[str, str], Measures] = {
    ("CLA on 31 March", "With 3 or more placements during the year"): (
        "cla_3_plus_placements",
        "cla_3_plus_placements_pct",
    ),
    (
        "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years",
        "Living with the same carer for at least 2 years",
    ): ("cla_long_term_stable", "cla_long_term_stable_pct"),
    (
        "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years",
        "Total children",
    ): ("cla_long_term_group", None),
}
STABILITY_2022_ROWS: dict[tuple[str, str], Measures] = {
    ("Children looked after at 31 March", "With 3 or more placements during the year"): (
        "cla_3_plus_placements",
        "cla_3_plus_placements_pct",
    ),
}
NEW_PLACEMENT_ROWS: dict[str, Measures] = {
    "Total new placements": ("new_placements", None),
    "Placed inside LA boundary less than 20 miles from home": ("new_placements_in_near", None),
    "Placed inside LA boundary more than 20 miles from home": ("new_placements_in_far", None),
    "Placed outside LA boundary less than 20 miles from home": ("new_placements_out_near", None),
    "Placed outside LA boundary more than 20 miles from home": (
        "new_placements_out_far",
        "new_placements_out_far_pct",
    ),
    "Distance not known or not recorded": ("new_placements_distance_unknown", None),
}


def _rows(
    frame: pd.DataFrame,
    mask: pd.Series,
    measures: Measures,
    *,
    file: str,
    count: str,
    percent: str,
    release: Release,
) -> pd.DataFrame:
    group = frame[mask]
    count_measure, percent_measure = measures
    if group.empty:  # DfE renamed a group or breakdown: say so rather than lose the measure
        raise DataError(
            f"no rows for {count_measure}",
            file=file,
            expected="the group and breakdown this reader looks for (see cscanalysis.sources."
            "placements)",
        )
    columns = {count: count_measure} | ({percent: percent_measure} if percent_measure else {})
    return tidy_rows(
        group,
        file=file,
        codes=group["code"],
        periods=group["year"],
        measures=columns,
        release=release,
    )


LOCATION = "Location of new placements during the year"
# (file, release, group column, breakdown column, count column, percentage column, rows)
FILES: list[tuple[str, Release, str, str, str, str, dict[tuple[str, str], Measures]]] = [
    (
        STABILITY,
        RY2025,
        "cla_group",
        "placement_stability",
        "children_count",
        "children_percent",
        STABILITY_ROWS,
    ),
    (
        STABILITY_2022,
        RY2022,
        "cla_group",
        "characteristic",
        "number",
        "percentage",
        STABILITY_2022_ROWS,
    ),
    (
        NEW_PLACEMENTS,
        RY2025,
        "characteristic",
        "breakdown",
        "children_count",
        "children_percent",
        {(LOCATION, name): measures for name, measures in NEW_PLACEMENT_ROWS.items()},
    ),
]


def read_placements(raw: Path) -> pd.DataFrame:
    """Placement stability and new placements as tidy rows (reporting years)."""
    parts = []
    for label, release, group_col, kind_col, count, percent, rows in FILES:
        frame = read_ees(raw / label, label=label, required=[group_col, kind_col, count, percent])
        group, kind = frame[group_col].str.strip(), frame[kind_col].str.strip()
        for (g, k), measures in rows.items():
            parts.append(
                _rows(
                    frame,
                    (group == g) & (kind == k),
                    measures,
                    file=label,
                    count=count,
                    percent=percent,
                    release=release,
                )
            )
    return pd.concat(parts, ignore_index=True)
