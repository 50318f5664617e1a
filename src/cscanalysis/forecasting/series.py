"""Series ready for the models: the tidy table as a wide frame, each row cut to its last
unbroken run of published values (or with interior gaps interpolated).

A *wide* frame has one row per council (index ``council_code``) and one column per period in
time order, float values with NaN where nothing was published (see
:mod:`cscanalysis.forecasting.timeline` for the period columns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.forecasting.timeline import Calendar, calendar_of, label_ordinal

__all__ = ["Prepared", "align_companions", "as_wide", "numeric_values", "prepare", "to_wide"]


def to_wide(tidy: pd.DataFrame, measure: str, until: int | str | None = None) -> pd.DataFrame:
    """One measure of the tidy long table as a wide frame (council rows, period columns).

    Annual periods (``"2019"``) become int columns; other periods stay strings, in time
    order. ``until`` keeps periods up to and including it. A (council, period) pair that
    appears twice is a :class:`DataError`.
    """
    missing = {"council_code", "period", "measure", "value"} - set(tidy.columns)
    if missing:
        raise ParameterError(f"the tidy table has no column(s) {sorted(missing)}")
    rows = tidy[tidy["measure"] == measure]
    if rows.empty:
        known = sorted(tidy["measure"].dropna().unique().tolist())
        raise ParameterError(f"measure {measure!r} is not in the table; measures: {known}")
    dup = rows.duplicated(["council_code", "period"], keep=False)
    if dup.any():
        first = rows[dup].iloc[0]
        raise DataError(
            "the same council and period appear more than once",
            column="period",
            value=f"{first['council_code']} {first['period']}",
            expected="one row per council, period and measure",
        )
    values = pd.to_numeric(rows["value"], errors="coerce")
    bad = values.isna() & rows["value"].notna()
    if bad.any():
        first = rows[bad].iloc[0]
        raise DataError(
            "value is not a number",
            column="value",
            value=first["value"],
            expected=f"a float for {first['council_code']} {first['period']}",
        )
    periods = rows["period"].astype(str)
    cal, ords = calendar_of(periods.unique().tolist())
    lookup = dict(zip(periods.unique().tolist(), ords, strict=True))
    frame = pd.DataFrame(
        {"council_code": rows["council_code"].to_numpy(), "o": periods.map(lookup), "v": values}
    )
    wide = frame.pivot(index="council_code", columns="o", values="v").sort_index()
    if until is not None:
        limit = label_ordinal(until, cal.kind)
        if limit is None:
            raise ParameterError(f"until={until!r} is not a {cal.kind} period like the data")
        wide = wide.loc[:, [c for c in wide.columns if c <= limit]]
    wide = wide.reindex(columns=range(min(wide.columns), max(wide.columns) + 1))
    wide.columns = [c if cal.kind == "year" else cal.label(c) for c in wide.columns]
    wide.columns.name = "period"
    return wide.astype(float)


@dataclass
class Prepared:
    """Series ready for a model: each row right-aligned to its last value used."""

    codes: list[str]
    Y: np.ndarray  # (n, T) right-aligned to each series' last value, NaN padded on the left
    length: np.ndarray  # (n,) points used
    lag: np.ndarray  # (n,) periods between the last value used and the frame's last column
    notes: list[str]
    cal: Calendar
    last_ordinal: int


def as_wide(data: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """A wide frame as it is; a Series (one council) as a one-row wide frame."""
    if isinstance(data, pd.Series):
        cols: list[object]
        if isinstance(data.index, pd.PeriodIndex):
            freq = data.index.freqstr[0]
            if freq == "M":
                cols = [f"{p.year}-{p.month:02d}" for p in data.index]
            elif freq in {"A", "Y"}:
                cols = [int(p.year) for p in data.index]
            else:
                raise ParameterError(
                    f"PeriodIndex frequency {data.index.freqstr} is not supported; pass a "
                    "wide frame with columns such as 2019, 2018-19, 2016-08 or 2019-20 Q1"
                )
        else:
            cols = list(data.index)
        name = data.name if data.name is not None else "series"
        return pd.DataFrame(
            [data.to_numpy()], index=pd.Index([name], name="council_code"), columns=cols
        )
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("expected a wide DataFrame (council rows, period columns)")
    return data


def numeric_values(wide: pd.DataFrame) -> np.ndarray:
    """The frame's values as floats; a cell that is not a number is a :class:`DataError`."""
    try:
        return wide.to_numpy(dtype=float)
    except (TypeError, ValueError):
        for col in wide.columns:
            vals = pd.to_numeric(wide[col], errors="coerce")
            bad = vals.isna() & wide[col].notna()
            if bad.any():
                code = bad[bad].index[0]
                raise DataError(
                    "value is not a number",
                    column=str(col),
                    value=wide.at[code, col],
                    expected=f"a float or NaN for council {code}",
                ) from None
        raise


def prepare(wide: pd.DataFrame, gaps: str) -> Prepared:
    """Check ``wide``'s periods and cut each row to its last unbroken run of values
    (``gaps="last_run"``) or fill its interior gaps linearly (``"interpolate"``)."""
    if gaps not in {"last_run", "interpolate"}:
        raise ParameterError(f"gaps={gaps!r}; expected 'last_run' or 'interpolate'")
    if wide.columns.duplicated().any():
        raise ParameterError(f"period {wide.columns[wide.columns.duplicated()][0]!r} repeats")
    cal, ords = calendar_of(list(wide.columns))
    order = np.argsort(ords)
    ords_sorted = np.asarray(ords)[order]
    X = numeric_values(wide)[:, order]
    full = np.arange(ords_sorted[0], ords_sorted[-1] + 1)
    if len(full) != len(ords_sorted):  # a period nobody published: keep it as a gap
        Z = np.full((X.shape[0], len(full)), np.nan)
        Z[:, ords_sorted - ords_sorted[0]] = X
        X = Z
    n, T = X.shape
    labels = [cal.label(o) for o in full]
    valid = ~np.isnan(X)
    has = valid.any(axis=1)
    idx = np.arange(T)
    last = np.where(has, T - 1 - np.argmax(valid[:, ::-1], axis=1), -1)
    first = np.where(has, np.argmax(valid, axis=1), 0)
    notes: list[str] = []
    if gaps == "interpolate":
        for i in np.flatnonzero(has).tolist():
            seg = X[i, first[i] : last[i] + 1]
            holes = np.isnan(seg)
            if holes.any():
                pos = np.arange(len(seg))
                seg[holes] = np.interp(pos[holes], pos[~holes], seg[~holes])
                X[i, first[i] : last[i] + 1] = seg
        start = first
    else:
        before = np.where(~valid & (idx[None, :] < last[:, None]), idx[None, :], -1)
        start = before.max(axis=1) + 1
    length = np.where(has, last - start + 1, 0)
    Y = np.full((n, T), np.nan)
    for i in np.flatnonzero(has).tolist():
        Y[i, T - length[i] :] = X[i, start[i] : last[i] + 1]
    lag = np.where(has, T - 1 - last, 0)
    for i in range(n):
        parts = []
        if not has[i]:
            notes.append("no published values")
            continue
        gap_cols = [labels[j] for j in range(first[i], last[i] + 1) if not valid[i, j]]
        if gap_cols and gaps == "last_run":
            parts.append(
                f"used {labels[start[i]]} to {labels[last[i]]} (last unbroken run; "
                f"missing {', '.join(gap_cols)})"
            )
        elif gap_cols:
            parts.append(f"interpolated {', '.join(gap_cols)}")
        if lag[i]:
            parts.append(f"latest value {labels[last[i]]} ({lag[i]} period(s) before the end)")
        notes.append("; ".join(parts))
    return Prepared(
        codes=[str(c) for c in wide.index],
        Y=Y,
        length=length.astype(int),
        lag=lag.astype(int),
        notes=notes,
        cal=cal,
        last_ordinal=int(full[-1]),
    )


def align_companions(
    wide: pd.DataFrame, prep: Prepared, companions: Mapping[str, pd.DataFrame] | None
) -> dict[str, np.ndarray]:
    """Companion series (other measures of the same councils, e.g. children starting and
    ceasing to be looked after) as arrays aligned with ``prep.Y``: same rows, and each row
    shifted like its series, so column -1 holds the companion's value for the series' last
    period. Councils or periods a companion lacks are NaN; its periods after ``wide``'s last
    are not used."""
    if not companions:
        return {}
    cal, ords = calendar_of(list(wide.columns))
    full = np.arange(min(ords), max(ords) + 1)
    T = prep.Y.shape[1]
    out: dict[str, np.ndarray] = {}
    for name, comp in companions.items():
        comp = as_wide(comp)
        c_cal, c_ords = calendar_of(list(comp.columns))
        if c_cal.kind != cal.kind:
            raise ParameterError(
                f"companion {name!r} has {c_cal.kind} periods; the series has {cal.kind}"
            )
        pos = {int(o): j for j, o in enumerate(c_ords)}
        vals = numeric_values(comp.reindex(index=prep.codes))
        X = np.full((len(prep.codes), len(full)), np.nan)
        for k, o in enumerate(full.tolist()):
            if o in pos:
                X[:, k] = vals[:, pos[o]]
        Z = np.full((len(prep.codes), T), np.nan)
        for i, lag in enumerate(prep.lag.tolist()):
            Z[i, lag:] = X[i, : T - lag]
        out[name] = Z
    return out


FLOW_MEASURES = ("cla_31_march", "cla_starts", "cla_ceased")
"""Measures forecast with the year's starts and ceased as companions (the flow-balance models)."""


def flow_companions(
    tidy: pd.DataFrame, measure: str, until: int, councils: Sequence[str]
) -> dict[str, pd.DataFrame] | None:
    """``{"inflow": starts, "outflow": ceased}`` as wide frames of ``councils`` up to ``until``,
    for a measure of children looked after (:data:`FLOW_MEASURES`); None for any other."""
    if measure not in FLOW_MEASURES:
        return None
    found = {}
    for role, flow in (("inflow", "cla_starts"), ("outflow", "cla_ceased")):
        wide = to_wide(tidy, flow, until=until)
        found[role] = wide[wide.index.isin(list(councils))]
    return found
