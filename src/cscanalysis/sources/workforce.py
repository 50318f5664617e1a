"""Children's social work workforce (CSWW): a snapshot at 30 September each year.

Periods are months (``2019-09`` for 30 September 2019), not reporting years. Kingston upon
Thames and Richmond upon Thames share one service and one record (and, from 2021, North and West
Northamptonshire): its rates describe each council's service, so they are given to both; its
counts (FTE) cannot be split and are not.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cscanalysis.sources.ees import EES_COLUMNS, LA_COLUMNS, resolve_ees
from cscanalysis.sources.published import Release, read_csv, tidy_rows

# (file under data/raw, release, {published column: measure id})
WORKFORCE_FILES = [
    (
        "workforce/csww_headline_measures_2017_to_2022.csv",
        Release("DfE children's social work workforce RY2022", 2022),
        {
            "turnover_rate_fte_%": "sw_turnover_rate",
            "agency_worker_rate_fte_%": "sw_agency_rate",
            "vacancy_rate_fte_%": "sw_vacancy_rate",
            "absence_rate_fte_%": "sw_absence_rate",
            "caseload_fte": "sw_caseload",
            "social_worker_fte": "sw_fte",
        },
    ),
    (
        "workforce/csww_indicators_2017_to_2025.csv",
        Release("DfE children's social work workforce RY2025", 2025),
        {
            "turnover_rate_fte": "sw_turnover_rate",
            "agency_rate_fte": "sw_agency_rate",
            "vacancy_rate_fte": "sw_vacancy_rate",
            "absence_rate_fte": "sw_absence_rate",
            "caseload_fte": "sw_caseload",
            "inpost_fte": "sw_fte",
        },
    ),
]
COUNT_MEASURES = {"sw_fte"}
SHARED_COLUMNS = ["new_la_code", "old_la_code", "la_name"]


def split_shared(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records of one council each, and shared records exploded to one row per member council."""
    shared = frame["new_la_code"].str.contains("/", regex=False)
    members = frame[shared].copy()
    for column in SHARED_COLUMNS:
        members[column] = members[column].str.split("/")
    members = members.explode(SHARED_COLUMNS)
    for column in SHARED_COLUMNS:
        members[column] = members[column].str.strip()
    return frame[~shared], members


def read_workforce(raw: Path) -> pd.DataFrame:
    """Workforce measures as tidy rows, period ``YYYY-09``."""
    parts = []
    for label, release, measures in WORKFORCE_FILES:
        frame = read_csv(
            raw / label, label=label, required=EES_COLUMNS + LA_COLUMNS + list(measures)
        )
        single, shared = split_shared(frame)
        rates = {c: m for c, m in measures.items() if m not in COUNT_MEASURES}
        for part, wanted in ((single, measures), (shared, rates)):
            if part.empty:
                continue
            part = resolve_ees(part, label=label)
            parts.append(
                tidy_rows(
                    part,
                    file=label,
                    codes=part["code"],
                    periods=part["year"] + "-09",
                    measures=wanted,
                    release=release,
                )
            )
    return pd.concat(parts, ignore_index=True)
