"""Children in need (CIN) census: referrals, re-referrals, s47s, ICPCs and child protection plans.

The EES time-series files "2013 to 2025" of the reporting year 2025 release. They publish counts
and percentages only; rates per 10,000 are computed in :mod:`cscanalysis.core.metrics`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cscanalysis.sources.ees import read_ees
from cscanalysis.sources.published import Release, tidy_rows

RELEASE = Release("DfE children in need RY2025", 2025)

# file under data/raw/cin -> {published column: measure id}
CIN_FILES: dict[str, dict[str, str]] = {
    "b1_children_in_need_2013_to_2025.csv": {
        "At31_episodes": "cin_31_march",
        "Started_episodes": "cin_starts",
    },
    "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv": {
        "referral_count": "referrals",
        "rereferral_count": "rereferrals",
        "rereferral_percent": "rereferral_pct",
        "no_further_action_percent": "referral_nfa_pct",
    },
    "c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv": {
        "Section47": "s47",
        "ICPC": "icpc",
    },
    "d3_cpps_subsequent_plan_2013_to_2025.csv": {
        "CPP_start": "cpp_starts",
        "CPP_subsequent_percent": "cpp_subsequent_pct",
    },
    "d5_cpps_at31march_by_duration_2013_to_2025.csv": {
        "CPP_At31": "cpp_31_march",
    },
}


def read_cin(raw: Path) -> pd.DataFrame:
    """All CIN measures in ``raw/cin`` as tidy rows."""
    parts = []
    for name, measures in CIN_FILES.items():
        label = f"cin/{name}"
        frame = read_ees(raw / "cin" / name, label=label, required=list(measures))
        parts.append(
            tidy_rows(
                frame,
                file=label,
                codes=frame["code"],
                periods=frame["year"],
                measures=measures,
                release=RELEASE,
            )
        )
    return pd.concat(parts, ignore_index=True)
