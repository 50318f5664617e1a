"""Small-number suppression (statistical disclosure control) for anything published: the rules
(what counts, the symbol, the threshold) and the tidy long table.

DfE's convention: counts from 1 to 5 are replaced by ``c`` (``x`` in the SFRs before 2018), and
further cells are suppressed ("secondary suppression") so that no suppressed count can be worked
back from a total or from the other cells of its row or column. Zero is never suppressed: a
published 0 discloses nothing about an individual child.

Entry points, all pure:

- :func:`suppress_tidy` (here) for the tidy long table: counts, and the rates and percentages
  whose numerator was suppressed (a rate times the published population gives the count back);
  :func:`hide_per_child` for spending per child looked after;
- :func:`cscanalysis.analysis.disclosure_tables.suppress_counts` for a wide table (rows x
  columns, with an optional total row and total column): primary and secondary suppression;
- :func:`cscanalysis.analysis.disclosure_forecasts.suppress_series_forecast`: forecasts and
  intervals of a suppressed series are hidden;
- :mod:`cscanalysis.analysis.disclosure_attack`: what an attacker can work back from a published
  table (:func:`~cscanalysis.analysis.disclosure_attack.recover`,
  :func:`~cscanalysis.analysis.disclosure_attack.feasible_ranges`,
  :func:`~cscanalysis.analysis.disclosure_attack.integer_ranges`), which
  :mod:`cscanalysis.analysis.disclosure_audit` runs over everything a built pack shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.core.measures import COUNT_MEASURES
from cscanalysis.core.metrics import financial_to_reporting_year

SUPPRESSED = "c"
"""The flag of a suppressed cell (DfE's EES symbol)."""

DEFAULT_THRESHOLD = 5

RATE_OF: dict[str, str] = {
    "cla_rate_per_10k": "cla_31_march",
    "cla_starts_rate_per_10k": "cla_starts",
    "cla_ceased_rate_per_10k": "cla_ceased",
    "cin_rate_per_10k": "cin_31_march",
    "referrals_rate_per_10k": "referrals",
    "s47_rate_per_10k": "s47",
    "icpc_rate_per_10k": "icpc",
    "cpp_rate_per_10k": "cpp_31_march",
    "cpp_starts_rate_per_10k": "cpp_starts",
    "rereferral_pct": "rereferrals",
    "cla_3_plus_placements_pct": "cla_3_plus_placements",
    "cla_long_term_stable_pct": "cla_long_term_stable",
    "new_placements_out_far_pct": "new_placements_out_far",
}
"""Rate or percentage measure -> the count measure that is its numerator."""

TIDY_COLUMNS = ("council_code", "period", "measure", "value", "flag")


def require_tidy(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            "tidy table is missing columns",
            column=", ".join(missing),
            expected="columns " + ", ".join(TIDY_COLUMNS),
        )


def set_flag(frame: pd.DataFrame, rows: pd.Series, flag: str = SUPPRESSED) -> None:
    if "flag" not in frame.columns:
        frame["flag"] = ""
    dtype = frame["flag"].dtype
    if isinstance(dtype, pd.CategoricalDtype) and flag not in dtype.categories:
        frame["flag"] = frame["flag"].cat.add_categories([flag])
    frame.loc[rows, "flag"] = flag


def suppress_tidy(
    tidy: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    count_measures: Iterable[str] = COUNT_MEASURES,
    rate_of: Mapping[str, str] = RATE_OF,
) -> pd.DataFrame:
    """Suppress small counts in the tidy long table, and the rates computed from them.

    - A row whose ``measure`` is in ``count_measures`` and whose value is from 1 to
      ``threshold`` gets value NaN and flag ``c``. Zero is not suppressed.
    - A row whose measure is a key of ``rate_of`` (rate or percentage -> numerator count) is
      suppressed when the numerator of the same ``council_code`` and ``period`` is suppressed
      (flag ``c``, by this call or as published): the rate times the published population
      would give the count back (e.g. City of London 2023: 152 per 10,000 of 591 is 9).

    This is cell-level suppression of each council's figures. Tables with totals (for example
    councils adding up to a region) need :func:`suppress_counts`. Returns a new table.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)):
        raise ParameterError(f"threshold must be a whole number, got {threshold!r}")
    if threshold < 0:
        raise ParameterError(f"threshold must be 0 or more, got {threshold}")
    require_tidy(tidy, TIDY_COLUMNS)
    out = tidy.copy()
    try:
        value = pd.to_numeric(out["value"], errors="raise").astype(float)
    except (TypeError, ValueError) as error:
        raise DataError(
            f"tidy table has a value that is not a number ({error})",
            column="value",
            expected="floats, NaN where not published",
        ) from error
    small = out["measure"].isin(list(count_measures)) & (value >= 1) & (value <= threshold)
    out["value"] = value.mask(small)
    set_flag(out, small)

    suppressed = out["value"].isna() & (out["flag"].astype(str) == SUPPRESSED)
    hidden = out.loc[suppressed, ["council_code", "period", "measure"]]
    hidden_keys = set(zip(hidden["council_code"], hidden["period"], hidden["measure"], strict=True))
    if rate_of and hidden_keys:
        numerators = out["measure"].map(dict(rate_of))
        keys = zip(out["council_code"], out["period"], numerators, strict=True)
        follows = pd.Series(
            [isinstance(n, str) and (c, p, n) in hidden_keys for c, p, n in keys],
            index=out.index,
            dtype=bool,
        )
        out.loc[follows, "value"] = np.nan
        set_flag(out, follows)
    return out


def hide_per_child(tidy: pd.DataFrame) -> pd.DataFrame:
    """Suppress spending per child looked after where the count it divides by is suppressed.

    A published total divided by the per-child figure would give the suppressed count back.
    """
    per_child = tidy["measure"] == "spend_per_child_looked_after"
    if not per_child.any():
        return tidy
    counts = tidy[(tidy["measure"] == "cla_31_march") & (tidy["flag"] == SUPPRESSED)]
    hidden = set(zip(counts["council_code"], counts["period"], strict=True))
    year = financial_to_reporting_year(tidy.loc[per_child, "period"])
    keys = zip(tidy.loc[per_child, "council_code"], year, strict=True)
    mask = pd.Series(False, index=tidy.index)
    mask[per_child] = [key in hidden for key in keys]
    if not mask.any():
        return tidy
    out = tidy.copy()
    out.loc[mask, "value"] = np.nan
    out.loc[mask, "flag"] = SUPPRESSED
    return out
