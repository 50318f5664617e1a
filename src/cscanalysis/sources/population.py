"""ONS mid-year estimates of the population aged 0 to 17 (DfE's EES layout).

The estimate for mid-year ``Y`` is the denominator DfE uses for reporting year ``Y + 1`` (the year
ending 31 March ``Y + 1``), so it is stored as ``population_0_17`` for period ``Y + 1``: Bristol's
93,050 (mid-2018) is the population for 2019, as in DfE's 2019 CLA rates.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cscanalysis.sources.ees import read_ees
from cscanalysis.sources.published import Release, tidy_rows

FILE = "population/ons_mid-year_population_estimates_2012_to_2024.csv"
RELEASE = Release("ONS mid-year population estimates (DfE layout)", 2025)
AGE_GROUP = "Children aged 0 to 17 years"


def read_population(raw: Path) -> pd.DataFrame:
    """Population aged 0 to 17 as tidy rows, indexed by the reporting year it is used for."""
    frame = read_ees(raw / FILE, label=FILE, required=["age_group", "population_estimate"])
    frame = frame[frame["age_group"].str.strip() == AGE_GROUP]
    period = (frame["year"].astype(int) + 1).astype(str)
    return tidy_rows(
        frame,
        file=FILE,
        codes=frame["code"],
        periods=period,
        measures={"population_estimate": "population_0_17"},
        release=RELEASE,
    )
