"""Fixtures of the forecasting tests: a wide-frame builder and the published CLA figures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

RAW = Path(__file__).resolve().parents[2] / "data" / "raw" / "cla"


def _wide(rows: dict[str, list[float]], first: int = 2015) -> pd.DataFrame:
    n = len(next(iter(rows.values())))
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=range(first, first + n))
    frame.index.name = "council_code"
    return frame.astype(float)


@pytest.fixture(scope="session")
def wide() -> Callable[..., pd.DataFrame]:
    """``wide({"A": [10.0, 12, ...]}, first=2015)``: one row per council, int year columns
    from ``first``."""
    return _wide


def read_cla(folder: str) -> pd.DataFrame:
    """LA rows of an EES 'cla_number_and_rate_per_10k_children.csv' as (la, year, measure,
    value); RY2025 renamed 'number' to 'children_count' and 'population_count' to
    'population_type'. Symbols (c, x, z) become NaN."""
    d = pd.read_csv(
        RAW / folder / "cla_number_and_rate_per_10k_children.csv", dtype=str, encoding="utf-8-sig"
    )
    d = d[d["geographic_level"] == "Local authority"]
    label = d["population_count"] if "population_count" in d else d["population_type"]
    value = d["number"] if "number" in d else d["children_count"]
    measure = np.select(
        [
            label.str.contains("31 March"),
            label.str.contains("starting"),
            label.str.contains("ceasing"),
        ],
        ["cla_31_march", "cla_starts", "cla_ceased"],
        "other",
    )
    return pd.DataFrame(
        {
            "council_code": d["new_la_code"].to_numpy(),
            "la": d["old_la_code"].to_numpy(),
            "period": d["time_period"].to_numpy(),
            "measure": measure,
            "value": pd.to_numeric(value, errors="coerce").to_numpy(),
        }
    )


@pytest.fixture(scope="module")
def cla_tidy() -> pd.DataFrame:
    """2019 and 2020 from RY2023, 2021 to 2023 from RY2025 (the latest release holding
    them); RY2025's codes for North Yorkshire and Somerset applied to the 2019-20 rows.
    RY2025 also holds 2024 and 2025: left out here (see ``cla_tidy_to_2025``)."""
    return _cla_tidy(last=2023)


@pytest.fixture(scope="module")
def cla_tidy_to_2025() -> pd.DataFrame:
    """As ``cla_tidy`` with RY2025's 2024 and 2025 figures too."""
    return _cla_tidy(last=2025)


def _cla_tidy(last: int) -> pd.DataFrame:
    old = read_cla("ees_ry2023")
    new = read_cla("ees_ry2025")
    code_of = dict(zip(new["la"], new["council_code"], strict=False))
    old = old[old["period"].isin(["2019", "2020"])].copy()
    old["council_code"] = old["la"].map(code_of).fillna(old["council_code"])
    new = new[new["period"].astype(int) <= last]
    return pd.concat([old, new], ignore_index=True)
