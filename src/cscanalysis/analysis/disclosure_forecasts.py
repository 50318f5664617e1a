"""Forecasts of suppressed series hidden: a forecast or interval of a series whose published
values were suppressed would hint at the hidden counts, so it is blanked and flagged ``c``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import pandas as pd

from cscanalysis.analysis.disclosure import SUPPRESSED, require_tidy, set_flag
from cscanalysis.core.errors import DataError, ParameterError


def find_suppressed_series(
    tidy: pd.DataFrame,
    *,
    keys: Sequence[str] = ("council_code", "measure"),
    how: Literal["any", "last"] = "any",
) -> set[tuple]:
    """Series (one per ``keys`` combination) with a suppressed (``c``) value.

    ``how="any"`` (the default, conservative): any period suppressed; ``how="last"``: the
    latest period (by ``period`` string order) suppressed. Pass the table after
    :func:`suppress_tidy`.
    """
    require_tidy(tidy, [*keys, "period", "value", "flag"])
    if how not in ("any", "last"):
        raise ParameterError(f"how must be 'any' or 'last', got {how!r}")
    frame = tidy
    if how == "last":
        frame = tidy.sort_values("period").groupby(list(keys), sort=False).tail(1)
    hit = frame["value"].isna() & (frame["flag"].astype(str) == SUPPRESSED)
    return set(frame.loc[hit, list(keys)].itertuples(index=False, name=None))


def suppress_series_forecast(
    forecast_df: pd.DataFrame,
    suppressed_series: Iterable[tuple] | Iterable[str] | pd.DataFrame,
    *,
    keys: Sequence[str] | None = None,
    measure: str | None = None,
    how: Literal["any", "last"] = "any",
    value_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Hide the forecasts and intervals of suppressed series.

    ``keys``: the columns naming a series (default ``council_code`` and ``measure``, or just
    ``council_code`` when the forecast has no ``measure`` column, as
    :func:`cscanalysis.forecasting.forecast.forecast` returns). ``suppressed_series``: key tuples in
    the order of ``keys`` (plain strings when there is one key), or the suppressed tidy table,
    passed to :func:`find_suppressed_series` with ``how``; ``measure`` then picks the measure
    forecast (needed when the tidy table holds several and ``keys`` has no ``measure``).
    ``value_cols``: the columns to blank (default: every float column not in ``keys``, e.g. ``mean,
    lo80, hi80, lo95, hi95, sd``). Blanked rows get NaN and flag ``c`` (a ``flag`` column is added
    if missing). Returns a new table.
    """
    if keys is None:
        keys = ["council_code", "measure"] if "measure" in forecast_df.columns else ["council_code"]
    keys = list(keys)
    missing = [k for k in keys if k not in forecast_df.columns]
    if missing:
        raise DataError(
            "forecast table is missing key columns",
            column=", ".join(missing),
            expected="columns " + ", ".join(keys),
        )
    if isinstance(suppressed_series, pd.DataFrame):
        tidy = suppressed_series
        if measure is not None:
            require_tidy(tidy, ["measure"])
            tidy = tidy[tidy["measure"] == measure]
        elif "measure" not in keys and "measure" in tidy.columns and tidy["measure"].nunique() > 1:
            raise ParameterError(
                "the tidy table holds several measures and the forecast has no measure column: "
                "pass measure= to say which one was forecast"
            )
        series = find_suppressed_series(tidy, keys=keys, how=how)
    else:
        series = {(s,) if isinstance(s, str) else tuple(s) for s in suppressed_series}
    bad = [s for s in series if len(s) != len(keys)]
    if bad:
        raise ParameterError(f"series keys must have {len(keys)} parts ({keys}), got {bad[0]!r}")
    if value_cols is None:
        value_cols = [
            c
            for c in forecast_df.columns
            if c not in keys and pd.api.types.is_float_dtype(forecast_df[c].dtype)
        ]
    out = forecast_df.copy()
    row_keys = out[keys].itertuples(index=False, name=None)
    hide = pd.Series([k in series for k in row_keys], index=out.index, dtype=bool)
    for col in value_cols:
        out[col] = out[col].astype(float).mask(hide)
    if "flag" not in out.columns:
        out["flag"] = ""
    set_flag(out, hide)
    return out
