"""Measures derived from published counts: rates per 10,000 children, change, shares.

Pure functions on the tidy table. Rates are rounded as DfE publishes them: children looked after
rates to whole numbers, children-in-need and child protection rates to one decimal place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# derived rate measure -> (count measure, decimal places as DfE publishes it)
RATES: dict[str, tuple[str, int]] = {
    "cla_rate_per_10k": ("cla_31_march", 0),
    "cla_starts_rate_per_10k": ("cla_starts", 0),
    "cla_ceased_rate_per_10k": ("cla_ceased", 0),
    "cin_rate_per_10k": ("cin_31_march", 1),
    "referrals_rate_per_10k": ("referrals", 1),
    "s47_rate_per_10k": ("s47", 1),
    "icpc_rate_per_10k": ("icpc", 1),
    "cpp_rate_per_10k": ("cpp_31_march", 1),
    "cpp_starts_rate_per_10k": ("cpp_starts", 1),
}
POPULATION = "population_0_17"


def round_half_up(values: np.ndarray | pd.Series | float, places: int = 0):
    """Round halves away from zero (as published tables do), not to even as Python does."""
    scale = 10.0**places
    # The small epsilon absorbs binary error, e.g. 0.285 * 100 = 28.499999999999996.
    return np.sign(values) * np.floor(np.abs(values) * scale + 0.5 + 1e-9) / scale


def rate_per_10k(count, population, places: int = 0):
    """``count`` per 10,000 children in ``population``, rounded half up to ``places``."""
    return round_half_up(
        np.asarray(count, dtype=float) / np.asarray(population, dtype=float) * 10_000, places
    )


def _quotient_rows(
    joined: pd.DataFrame, suffix: str, measure: str, value: np.ndarray, source: str
) -> pd.DataFrame:
    """Tidy rows of a figure computed from a numerator row and a divisor row (columns with
    ``suffix``): the numerator's symbol where it was not published, the divisor's (or ``x``)
    where that was not, ``x`` where the quotient has no value (a zero divisor)."""
    flag = np.where(
        joined["value"].isna(),
        joined["flag"],
        np.where(joined[f"value{suffix}"].isna(), joined[f"flag{suffix}"].replace("", "x"), ""),
    )
    return pd.DataFrame(
        {
            "council_code": joined["council_code"].to_numpy(),
            "period": joined["period"].to_numpy(),
            "measure": measure,
            "value": np.where(flag == "", value, np.nan),
            "flag": np.where((flag == "") & ~np.isfinite(value), "x", flag),
            "source": source,
            "release": joined["release"].to_numpy(),
        }
    )


def derived_rates(tidy: pd.DataFrame) -> pd.DataFrame:
    """Rates per 10,000 computed from counts and population where DfE published none.

    A count that was not published (``c``, ``x``, ``z``) gives a rate with the same flag: a
    suppressed count never becomes a published rate.
    """
    population = tidy.loc[
        tidy["measure"] == POPULATION, ["council_code", "period", "value", "flag"]
    ]
    published = tidy.set_index(["council_code", "period", "measure"]).index
    parts = []
    for measure, (count_measure, places) in RATES.items():
        counts = tidy[tidy["measure"] == count_measure]
        joined = counts.merge(population, on=["council_code", "period"], suffixes=("", "_pop"))
        joined = joined[
            ~pd.MultiIndex.from_arrays(
                [joined["council_code"], joined["period"], [measure] * len(joined)]
            ).isin(published)
        ]
        if joined.empty:
            continue
        value = rate_per_10k(joined["value"], joined["value_pop"], places)
        source = f"computed by cscanalysis: {count_measure} / {POPULATION} x 10,000"
        parts.append(_quotient_rows(joined, "_pop", measure, value, source))
    return pd.concat(parts, ignore_index=True) if parts else tidy.iloc[0:0]


# derived spending measure -> (spending measure, reporting-year measure it is divided by, words)
PER_CHILD: dict[str, tuple[str, str, str]] = {
    "spend_per_child_looked_after": (
        "spend_cla",
        "cla_31_march",
        "spending on children looked after / children looked after at 31 March",
    ),
    "spend_children_services_per_child": (
        "spend_children_services",
        POPULATION,
        "spending on children's and young people's services / children aged 0 to 17",
    ),
}


def financial_to_reporting_year(period: pd.Series) -> pd.Series:
    """``2024-25`` -> ``2025``: a financial year ends on the 31 March of its reporting year."""
    return (period.str[:4].astype(int) + 1).astype(str)


def derived_spending(tidy: pd.DataFrame) -> pd.DataFrame:
    """Spending per child, in whole pounds: a financial year over the count at its 31 March.

    A spending figure or count that was not published gives a row with its symbol (``x`` when
    only the divisor is missing); a zero divisor gives no figure.
    """
    parts = []
    for measure, (spend_measure, count_measure, words) in PER_CHILD.items():
        spend = tidy[tidy["measure"] == spend_measure]
        if spend.empty:
            continue
        spend = spend.assign(year=financial_to_reporting_year(spend["period"]))
        counts = tidy.loc[
            tidy["measure"] == count_measure, ["council_code", "period", "value", "flag"]
        ].rename(columns={"period": "year"})
        joined = spend.merge(counts, on=["council_code", "year"], suffixes=("", "_n"))
        with np.errstate(divide="ignore", invalid="ignore"):
            value = round_half_up(joined["value"] / joined["value_n"].where(joined["value_n"] > 0))
        parts.append(
            _quotient_rows(joined, "_n", measure, value, f"computed by cscanalysis: {words}")
        )
    return pd.concat(parts, ignore_index=True) if parts else tidy.iloc[0:0]


def change(current: float, previous: float) -> tuple[float, float]:
    """Absolute and percentage change from ``previous`` to ``current`` (NaN when unknown)."""
    if not np.isfinite(current) or not np.isfinite(previous):
        return np.nan, np.nan
    diff = current - previous
    return diff, (diff / previous * 100 if previous else np.nan)
