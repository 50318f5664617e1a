"""What a data update changed: new years, revised figures and new councils, from the tidy table
before and after (pure functions; :mod:`cscanalysis.store.update` does the fetching and writing)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

KEY = ["council_code", "period", "measure"]


@dataclass
class Changes:
    """How the tidy table differs between two builds."""

    new_periods: pd.DataFrame  # period, measures, councils
    revised: pd.DataFrame  # KEY + council_name, old/new value and flag, computed
    new_councils: pd.DataFrame  # council_code, council_name
    removed: int = 0
    rows: tuple[int, int] = (0, 0)

    @property
    def any(self) -> bool:
        return bool(len(self.new_periods) or len(self.revised) or len(self.new_councils))


def compare(old: pd.DataFrame, new: pd.DataFrame) -> Changes:
    """New periods, revised figures and new councils of ``new`` against ``old`` (pure)."""
    merged = old[[*KEY, "value", "flag"]].merge(
        new[[*KEY, "council_name", "value", "flag", "source"]],
        on=KEY,
        how="outer",
        suffixes=("_old", "_new"),
        indicator=True,
    )
    added = merged[merged["_merge"] == "right_only"]
    fresh = added[~added["period"].isin(set(old["period"]))]
    new_periods = (
        fresh.groupby("period")
        .agg(measures=("measure", "nunique"), councils=("council_code", "nunique"))
        .reset_index()
        .sort_values("period", ignore_index=True)
    )
    both = merged[merged["_merge"] == "both"]
    old_value, new_value = both["value_old"].to_numpy(float), both["value_new"].to_numpy(float)
    same_value = np.isclose(old_value, new_value, rtol=0, atol=1e-9, equal_nan=True)
    differs = ~same_value | (both["flag_old"].to_numpy() != both["flag_new"].to_numpy())
    revised = both[differs].assign(
        computed=lambda f: f["source"].str.startswith("computed by cscanalysis")
    )
    revised = revised[
        [*KEY, "council_name", "value_old", "flag_old", "value_new", "flag_new", "computed"]
    ].sort_values(["computed", "measure", "council_code", "period"], ignore_index=True)
    old_codes = set(old["council_code"])
    new_councils = (
        new.loc[~new["council_code"].isin(old_codes), ["council_code", "council_name"]]
        .drop_duplicates()
        .sort_values("council_code", ignore_index=True)
    )
    removed = int((merged["_merge"] == "left_only").sum())
    return Changes(new_periods, revised, new_councils, removed, (len(old), len(new)))


def figure(value: float, flag: str) -> str:
    """A figure as a person reads it: ``1,234``, ``81.5`` or the published symbol."""
    if pd.isna(value):
        return flag or "(none)"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def changes_table(changes: Changes) -> pd.DataFrame:
    """Every revised figure, one row each (for ``--changes FILE``)."""
    table = changes.revised.copy()
    table.insert(0, "change", np.where(table["computed"], "computed rate revised", "revised"))
    return table.drop(columns="computed")
