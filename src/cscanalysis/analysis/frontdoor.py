"""The front door, month by month: funnel conversion, no further action, rolling 12-month
totals, change on the month and on the year, and the ages of children entering care.

Pure functions on tidy monthly rows (``council_code, council_name, period, measure, value, flag,
source`` with ``period`` a month such as ``2016-08``, as
:func:`cscanalysis.sources.monthly.read_monthly_extract` returns them). Each returns tidy rows
of the same shape, so results stack with their inputs and with the published tables.

Percentages are 0 to 100 and not rounded (round when presenting). A derived value whose input
is missing is NaN and carries the input's flag (``c`` stays ``c``); a rate or change over a
zero is NaN with flag ``z`` (not applicable), never 0 or infinity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cscanalysis.core.measures import START_AGE_BANDS
from cscanalysis.core.periods import period_ordinal

TIDY_COLUMNS = ["council_code", "council_name", "period", "measure", "value", "flag", "source"]

# The funnel, stage by stage: (measure id of the rate, numerator, denominator).
FUNNEL: tuple[tuple[str, str, str], ...] = (
    ("contact_to_referral_pct", "referrals", "contacts"),
    ("referral_to_s47_pct", "s47", "referrals"),
    ("s47_to_icpc_pct", "icpc", "s47"),
    ("icpc_to_cpp_pct", "cpp_starts", "icpc"),
    ("cpp_to_cla_pct", "cla_starts", "cpp_starts"),
    ("contact_nfa_pct", "nfa", "contacts"),
)
FUNNEL_MEASURES = ("contacts", "referrals", "s47", "icpc", "cpp_starts", "cla_starts", "nfa")
ROLLING = "_rolling_12m"


# --- wide <-> tidy ---------------------------------------------------------------------------


def _check(monthly: pd.DataFrame) -> None:
    missing = [c for c in TIDY_COLUMNS if c not in monthly.columns]
    if missing:
        raise ValueError(f"monthly rows lack the columns {missing}; expected {TIDY_COLUMNS}")
    dup = monthly.duplicated(["council_code", "period", "measure"])
    if dup.any():
        row = monthly[dup].iloc[0]
        raise ValueError(
            f"{row['measure']} for {row['period']} ({row['council_code']!r}) is "
            "given twice; expected one row per council, month and measure"
        )


def _wide(monthly: pd.DataFrame, measures: Sequence[str]) -> tuple[pd.DataFrame, ...]:
    """(values, flags, sources) indexed by (council_code, period), one column per measure."""
    _check(monthly)
    rows = monthly[monthly["measure"].isin(measures)]
    index = ["council_code", "period"]
    values = rows.pivot(index=index, columns="measure", values="value").astype(float)
    flags = rows.pivot(index=index, columns="measure", values="flag").fillna("")
    sources = rows.pivot(index=index, columns="measure", values="source").fillna("")
    return values, flags, sources


def _names(monthly: pd.DataFrame) -> dict[str, str]:
    names = monthly.drop_duplicates("council_code").set_index("council_code")["council_name"]
    return names.fillna("").to_dict()


def _source(*parts: pd.Series) -> pd.Series:
    joined = parts[0].astype(str)
    for part in parts[1:]:
        joined = joined.where(part.eq(joined) | part.eq(""), joined + "; " + part.astype(str))
    return "derived from " + joined


def _tidy(
    index: pd.MultiIndex,
    measure: str,
    value: pd.Series,
    flag: pd.Series,
    source: pd.Series,
    names: dict[str, str],
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "council_code": index.get_level_values(0),
            "period": index.get_level_values(1),
            "measure": measure,
            "value": value.to_numpy(dtype=float),
            "flag": flag.to_numpy(dtype=object),
            "source": source.to_numpy(dtype=object),
        }
    )
    frame["council_name"] = frame["council_code"].map(names).fillna("")
    return frame[TIDY_COLUMNS]


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c == "value" else object) for c in TIDY_COLUMNS}
        )
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["council_code", "period"], kind="stable").reset_index(drop=True)


def _ratio(
    num: pd.Series, den: pd.Series, num_flag: pd.Series, den_flag: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """100 * num / den with flags: missing input -> its flag, zero denominator -> ``z``."""
    value = 100.0 * num / den.where(den != 0)
    flag = pd.Series("", index=num.index, dtype=object)
    flag = flag.mask(den == 0, "z")
    flag = flag.mask(den.isna(), den_flag)
    flag = flag.mask(num.isna(), num_flag)
    value = value.where(flag == "", np.nan)
    return value, flag


# --- analyses ----------------------------------------------------------------------------------


def funnel_rates(monthly: pd.DataFrame, *, suffix: str = "") -> pd.DataFrame:
    """Conversion from each front-door stage to the next, and contacts with no further action.

    ``contact_to_referral_pct`` = 100 x referrals / contacts, then ``referral_to_s47_pct``,
    ``s47_to_icpc_pct``, ``icpc_to_cpp_pct`` (CP plan starts per ICPC), ``cpp_to_cla_pct``
    (children entering care per CP plan start) and ``contact_nfa_pct`` = 100 x nfa / contacts.
    Stages whose two measures are not both in ``monthly`` are left out. ``suffix`` reads and
    writes suffixed measures: ``funnel_rates(rolling_12_months(m), suffix="_rolling_12m")``
    gives the 12-month conversion rates.
    """
    needed = [m + suffix for m in FUNNEL_MEASURES]
    values, flags, sources = _wide(monthly, needed)
    names = _names(monthly)
    parts = []
    for rate, num, den in FUNNEL:
        num, den = num + suffix, den + suffix
        if num not in values or den not in values:
            continue
        keep = values[num].notna() | flags[num].ne("") | values[den].notna() | flags[den].ne("")
        value, flag = _ratio(values[num], values[den], flags[num], flags[den])
        source = _source(sources[num], sources[den])
        parts.append(
            _tidy(values.index[keep], rate + suffix, value[keep], flag[keep], source[keep], names)
        )
    return _concat(parts)


def _month_index(period: pd.Index) -> np.ndarray:
    """Months since year 0 for canonical month strings (consecutive months differ by 1)."""
    return np.array([period_ordinal(str(p), "month") for p in period], dtype=int)


def rolling_12_months(
    monthly: pd.DataFrame, measures: Sequence[str] | None = None, *, months: int = 12
) -> pd.DataFrame:
    """Sum of each measure over the ``months`` months ending in each month.

    Written as ``<measure>_rolling_12m`` (``_rolling_<n>m`` for other windows) for the last
    month of the window. A window is given only when every one of its months is present with
    a value: a missing or suppressed month leaves no figure rather than a short total.
    """
    if months < 1:
        raise ValueError(f"months must be 1 or more, not {months}")
    _check(monthly)
    measures = (
        list(measures)
        if measures is not None
        else sorted(m for m in monthly["measure"].unique() if not m.endswith("_pct"))
    )
    names = _names(monthly)
    suffix = f"_rolling_{months}m"
    parts = []
    for (code, measure), rows in monthly[monthly["measure"].isin(measures)].groupby(
        ["council_code", "measure"], sort=True
    ):
        rows = rows.sort_values("period")
        position = _month_index(pd.Index(rows["period"]))
        values = rows["value"].to_numpy(dtype=float)
        source = "derived from " + rows["source"].iloc[-1]
        out_period, out_value = [], []
        for end in range(months - 1, len(rows)):
            window = slice(end - months + 1, end + 1)
            if position[end] - position[window.start] != months - 1:
                continue  # a month is missing inside the window
            if np.isnan(values[window]).any():
                continue
            out_period.append(rows["period"].iloc[end])
            out_value.append(float(values[window].sum()))
        if out_period:
            parts.append(
                pd.DataFrame(
                    {
                        "council_code": code,
                        "council_name": names.get(code, ""),
                        "period": out_period,
                        "measure": measure + suffix,
                        "value": out_value,
                        "flag": "",
                        "source": source,
                    }
                )[TIDY_COLUMNS]
            )
    return _concat(parts)


def _change(
    monthly: pd.DataFrame, lag: int, label: str, measures: Sequence[str] | None
) -> pd.DataFrame:
    _check(monthly)
    measures = list(measures) if measures is not None else sorted(monthly["measure"].unique())
    names = _names(monthly)
    parts = []
    for (code, measure), rows in monthly[monthly["measure"].isin(measures)].groupby(
        ["council_code", "measure"], sort=True
    ):
        rows = rows.assign(_m=_month_index(pd.Index(rows["period"])))
        before = rows.assign(_m=rows["_m"] + lag)[["_m", "value", "flag"]]
        paired = rows.merge(before, on="_m", suffixes=("", "_before"))
        if paired.empty:
            continue
        now, then = paired["value"].astype(float), paired["value_before"].astype(float)
        flag = pd.Series("", index=paired.index, dtype=object)
        flag = flag.mask(then.isna(), paired["flag_before"]).mask(now.isna(), paired["flag"])
        diff = (now - then).where(flag == "", np.nan)
        pct_flag = flag.mask((flag == "") & (then == 0), "z")
        pct = (100.0 * (now - then) / then.where(then != 0)).where(pct_flag == "", np.nan)
        source = "derived from " + paired["source"]
        for mid, value, flags in (
            (f"{measure}_{label}_change", diff, flag),
            (f"{measure}_{label}_change_pct", pct, pct_flag),
        ):
            parts.append(
                pd.DataFrame(
                    {
                        "council_code": code,
                        "council_name": names.get(code, ""),
                        "period": paired["period"].to_numpy(),
                        "measure": mid,
                        "value": value.to_numpy(dtype=float),
                        "flag": flags.to_numpy(dtype=object),
                        "source": source.to_numpy(dtype=object),
                    }
                )[TIDY_COLUMNS]
            )
    return _concat(parts)


def month_on_month(monthly: pd.DataFrame, measures: Sequence[str] | None = None) -> pd.DataFrame:
    """Change on the previous month: ``<measure>_mom_change`` (difference) and
    ``<measure>_mom_change_pct`` (percentage of the previous month's figure). Months whose
    previous month is not in the data have neither."""
    return _change(monthly, 1, "mom", measures)


def year_on_year(monthly: pd.DataFrame, measures: Sequence[str] | None = None) -> pd.DataFrame:
    """Change on the same month a year before: ``<measure>_yoy_change`` and
    ``<measure>_yoy_change_pct``. Needs 13 months or more; fewer give no rows."""
    return _change(monthly, 12, "yoy", measures)


def age_profile(monthly: pd.DataFrame, *, suffix: str = "") -> pd.DataFrame:
    """Ages of children entering care from the five DfE age bands.

    ``cla_starts_age_10_plus`` (10 to 15 plus 16 and over), ``cla_starts_age_10_plus_pct`` and
    ``cla_starts_age_16_plus_pct``, each share of the sum of the five bands. The bands' sum is
    the denominator, not ``cla_starts``: councils' two tables need not agree (Bristol's do not
    in five months of 2016-17; see :func:`age_band_mismatches`). Months missing a band are left
    out. ``suffix`` as in :func:`funnel_rates`.
    """
    bands = [b + suffix for b in START_AGE_BANDS]
    values, flags, sources = _wide(monthly, bands)
    if any(b not in values for b in bands):
        return _concat([])
    names = _names(monthly)
    total = values[bands].sum(axis=1, min_count=len(bands))
    flag_any = flags[bands].apply(lambda r: next((f for f in r if f), ""), axis=1)
    total_flag = flag_any.where(total.isna(), "")
    older = values[bands[3]] + values[bands[4]]
    older_flag = flags[bands[3]].where(flags[bands[3]] != "", flags[bands[4]])
    source = _source(sources[bands[0]], sources[bands[4]])
    share10, flag10 = _ratio(older, total, older_flag, total_flag)
    share16, flag16 = _ratio(values[bands[4]], total, flags[bands[4]], total_flag)
    index = values.index
    return _concat(
        [
            _tidy(index, "cla_starts_age_10_plus" + suffix, older, older_flag, source, names),
            _tidy(index, "cla_starts_age_10_plus_pct" + suffix, share10, flag10, source, names),
            _tidy(index, "cla_starts_age_16_plus_pct" + suffix, share16, flag16, source, names),
        ]
    )


def age_band_mismatches(monthly: pd.DataFrame) -> pd.DataFrame:
    """Months where the age bands do not add up to ``cla_starts``: columns ``council_code,
    period, cla_starts, age_band_total, difference`` (``cla_starts`` minus the bands)."""
    values, _, _ = _wide(monthly, ["cla_starts", *START_AGE_BANDS])
    columns = ["council_code", "period", "cla_starts", "age_band_total", "difference"]
    if "cla_starts" not in values or any(b not in values for b in START_AGE_BANDS):
        return pd.DataFrame(columns=columns)
    total = values[list(START_AGE_BANDS)].sum(axis=1, min_count=len(START_AGE_BANDS))
    out = pd.DataFrame({"cla_starts": values["cla_starts"], "age_band_total": total})
    out["difference"] = out["cla_starts"] - out["age_band_total"]
    out = out[out["difference"].notna() & (out["difference"] != 0)]
    return out.reset_index()[columns]


def front_door_measures(monthly: pd.DataFrame) -> pd.DataFrame:
    """Everything above in one tidy table: funnel rates and age profile by month, their
    rolling 12-month versions, and change on the month and year for the counts."""
    counts = [m for m in (*FUNNEL_MEASURES, *START_AGE_BANDS) if m in set(monthly["measure"])]
    rolling = rolling_12_months(monthly, counts)
    parts = [
        funnel_rates(monthly),
        age_profile(monthly),
        rolling,
        funnel_rates(rolling, suffix=ROLLING),
        age_profile(rolling, suffix=ROLLING),
        month_on_month(monthly, counts),
        year_on_year(monthly, counts),
    ]
    return _concat([p for p in parts if not p.empty])
