"""The front-door pack's context: the monthly rows, the window of months, the place and the
source (:class:`FrontDoorContext`, built by :func:`prepare`), the pack's constants and the small
helpers every table, chart and fact reads the rows with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cscanalysis.analysis.disclosure import SUPPRESSED, suppress_tidy
from cscanalysis.analysis.disclosure_tables import suppress_counts
from cscanalysis.analysis.frontdoor import (
    FUNNEL,
    age_profile,
    funnel_rates,
    rolling_12_months,
)
from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.core.measures import START_AGE_BANDS
from cscanalysis.core.periods import month_label, period_at, period_ordinal

__all__ = [
    "AGE_LABELS",
    "AUDIENCES",
    "EXAMPLE_SOURCES",
    "FORECAST_MEASURES",
    "LABELS",
    "LEVELS",
    "MIN_SEASONAL_TESTS",
    "SEASON",
    "STAGES",
    "TREND_MEASURES",
    "FrontDoorContext",
    "default_source",
    "input_paths",
    "join_and",
    "month_series",
    "month_span",
    "prepare",
    "rate_of",
    "shift_month",
    "stages_present",
    "suppress_monthly",
    "value_at",
    "window_text",
    "window_total",
    "window_totals",
]


# Stages of the funnel in order, with a label and the noun for one unit of each.
STAGES: dict[str, tuple[str, str]] = {
    "contacts": ("Contacts", "contacts"),
    "referrals": ("Referrals", "referrals"),
    "s47": ("Section 47 enquiries", "enquiries"),
    "icpc": ("Initial child protection conferences", "conferences"),
    "cpp_starts": ("Child protection plans starting", "plans"),
    "cla_starts": ("Children entering care", "children"),
}


LABELS: dict[str, tuple[str, str]] = STAGES | {
    "nfa": ("Contacts with no further action", "contacts"),
}


AGE_LABELS = {
    "cla_starts_age_under_1": "Under 1",
    "cla_starts_age_1_to_4": "1 to 4",
    "cla_starts_age_5_to_9": "5 to 9",
    "cla_starts_age_10_to_15": "10 to 15",
    "cla_starts_age_16_plus": "16 and over",
}


TREND_MEASURES = ("contacts", "referrals", "cla_starts")


FORECAST_MEASURES = ("referrals", "cla_starts")


LEVELS = (80, 95)


MIN_SEASONAL_TESTS = 3  # one-month-ahead tests a seasonal model needs before it is a candidate


SEASON = 12


# Citations for the worked examples in data/examples (file name -> source line).
EXAMPLE_SOURCES = {
    "bristol_front_door_2016_17.csv": "Bristol City Council, Cabinet 3 April 2018, "
    "Strengthening Families Programme, Appendix A Table 1",
    "bristol_age_at_entry_2016_17.csv": "Bristol City Council, Cabinet 3 April 2018, "
    "Strengthening Families Programme, Appendix A Table 2",
}


@dataclass
class FrontDoorContext:
    """Everything a front-door pack needs: the monthly rows and who and where they are from."""

    monthly: pd.DataFrame
    code: str
    name: str
    place: str
    source: str
    horizon: int
    months: list[str]  # every month in the extract, in order
    audience: str = "publication"  # "internal": small numbers are not suppressed
    threshold: int = 5  # for publication, counts from 1 to this become "c"

    @property
    def measures(self) -> set[str]:
        return set(self.monthly["measure"])

    @property
    def first(self) -> str:
        return self.months[0]

    @property
    def last(self) -> str:
        return self.months[-1]

    @property
    def window(self) -> int:
        """Months in the summary window: the latest 12, or all when there are fewer."""
        return min(12, month_span(self.first, self.last))


def input_paths(value: str | Path | Sequence[str | Path], root: Path) -> list[Path]:
    """The extract files of a ``input`` parameter (one path or a list); a relative path is
    relative to ``root`` (the repository). Raises ParameterError when none is given."""
    items = [value] if isinstance(value, str | Path) else list(value)
    paths = [Path(p) if Path(p).is_absolute() else root / p for p in items if str(p).strip()]
    if not paths:
        raise ParameterError("no monthly extract given: set input to a CSV or XLSX file")
    return paths


def default_source(files: Sequence[str | Path], place: str) -> str:
    """The source line: the example's citation, else "<place> monthly extract <file names>"."""
    names = [Path(f).name for f in files]
    cited = [EXAMPLE_SOURCES[n] for n in names if n in EXAMPLE_SOURCES]
    if cited and len(cited) == len(names):
        return _join_citations(cited)
    return f"{place} monthly performance extract ({', '.join(names)})"


def _join_citations(cited: list[str]) -> str:
    """Citations that differ only in their last words are joined: '... Table 1 and Table 2'."""
    if len(cited) == 1:
        return cited[0]
    stem = cited[0].rsplit(",", 1)[0]
    if all(c.rsplit(",", 1)[0] == stem for c in cited):
        tails = [c.rsplit(",", 1)[1].strip() for c in cited]
        return f"{stem}, {' and '.join(tails)}"
    return "; ".join(cited)


def prepare(
    monthly: pd.DataFrame,
    *,
    council_code: str,
    council_name: str,
    place: str,
    source: str,
    horizon: int = 6,
    audience: str = "publication",
    threshold: int = 5,
) -> FrontDoorContext:
    """Check the rows and the parameters and gather them for the pack.

    For ``audience="publication"`` (the default, as for the evidence pack) each month's count
    from 1 to ``threshold`` becomes ``c`` (:func:`suppress_monthly`); rates, rolling totals and
    window totals built on a suppressed month are then not given either, and the age bands'
    totals over the summary window are suppressed as a table (:func:`window_totals`).
    """
    if audience not in AUDIENCES:
        raise ParameterError(f"audience {audience!r} is not one of {', '.join(AUDIENCES)}")
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ParameterError(f"forecast_horizon must be a whole number of months >= 1: {horizon!r}")
    if horizon > 24:
        raise ParameterError(f"forecast_horizon {horizon} is too far ahead; at most 24 months")
    if not source.strip():
        raise ParameterError("source must say where the monthly extract came from")
    if monthly.empty:
        raise DataError("the monthly extract has no rows", expected="one row per month")
    known = [m for m in LABELS if m in set(monthly["measure"])]
    if not known:
        found = ", ".join(sorted(set(monthly["measure"])))
        sources = monthly["source"] if "source" in monthly.columns else []
        files = sorted({str(s).removeprefix("council monthly extract ") for s in sources})
        raise DataError(
            "the extract has none of the front-door measures",
            file=", ".join(files) or None,
            value=found,
            expected="columns such as Contacts, Referrals, s47, ICPCs, CP starts",
        )
    rows = monthly.copy()
    rows["council_code"] = council_code
    rows["council_name"] = council_name
    months = sorted(rows["period"].unique())
    if audience == "publication":
        rows = suppress_monthly(rows, threshold)
    return FrontDoorContext(
        rows, council_code, council_name, place, source, int(horizon), months, audience, threshold
    )


AUDIENCES = ("publication", "internal")


def suppress_monthly(monthly: pd.DataFrame, threshold: int = 5) -> pd.DataFrame:
    """Each month's front-door count (:data:`LABELS`) from 1 to ``threshold`` becomes ``c``.

    Zero is shown. The age bands are not shown month by month, so they are left as they are
    here and suppressed where they are shown, as totals over the summary window
    (:func:`window_totals`). Everything built from a suppressed month (conversion rates,
    rolling 12-month totals and averages, window totals) is then not given: no figure shown
    is the sum or ratio of a suppressed month and published ones.
    """
    return suppress_tidy(monthly, threshold=threshold, count_measures=list(LABELS), rate_of={})


def _suppress_window_bands(ctx: FrontDoorContext, totals: pd.DataFrame) -> pd.DataFrame:
    """The age bands' window totals as a table whose parts add up to their total (shown as
    the children whose age band was recorded): small ones and enough others become ``c`` so
    none can be worked out (:func:`cscanalysis.analysis.disclosure_tables.suppress_counts`)."""
    suffix = f"_rolling_{ctx.window}m"
    bands = [b + suffix for b in START_AGE_BANDS]
    values = totals.set_index("measure")["value"]
    if any(b not in values.index or not np.isfinite(values[b]) for b in bands):
        return totals
    table = pd.DataFrame([values[bands].to_numpy(dtype=float)], columns=bands)
    table["total"] = table[bands].sum(axis=1)
    done = suppress_counts(table, value_cols=bands, total_col="total", threshold=ctx.threshold)
    hidden = [b for b in bands if done.flags[b].iloc[0] == SUPPRESSED]
    if _window_has_hidden_starts(ctx):
        # The bands add up to the window's entrants: with the other months shown, their sum
        # would give a suppressed month's starts back.
        hidden = bands
    if not hidden:
        return totals
    out = totals.copy()
    rows = out["measure"].isin(hidden)
    out.loc[rows, "value"] = np.nan
    out.loc[rows, "flag"] = SUPPRESSED
    return out


def _window_has_hidden_starts(ctx: FrontDoorContext) -> bool:
    """True when a month of the summary window has its children entering care suppressed."""
    first = shift_month(ctx.last, -(ctx.window - 1))
    rows = ctx.monthly[
        (ctx.monthly["measure"] == "cla_starts")
        & (ctx.monthly["period"] >= first)
        & (ctx.monthly["period"] <= ctx.last)
    ]
    return bool((rows["flag"] == SUPPRESSED).any())


def month_span(first: str, last: str) -> int:
    """Months from ``first`` to ``last``, both counted: ``2016-08`` to ``2017-07`` is 12."""
    return period_ordinal(last, "month") - period_ordinal(first, "month") + 1


def shift_month(period: str, months: int) -> str:
    """``2016-08`` moved by ``months`` (back when negative)."""
    return period_at(period_ordinal(period, "month") + months, "month")


def value_at(table: pd.DataFrame, period: str, measure: str) -> tuple[float, str]:
    hit = table[(table["period"] == period) & (table["measure"] == measure)]
    if hit.empty:
        return np.nan, ""
    return float(hit["value"].iloc[0]), str(hit["flag"].iloc[0] or "")


def month_series(table: pd.DataFrame, measure: str, months: Sequence[str]) -> pd.DataFrame:
    """``value`` and ``flag`` of one measure for each month (NaN and '' where absent)."""
    rows = table[table["measure"] == measure].set_index("period")
    out = pd.DataFrame(index=pd.Index(list(months), name="period"))
    out["value"] = rows["value"].reindex(out.index).astype(float)
    out["flag"] = rows["flag"].reindex(out.index).fillna("")
    return out


def window_text(ctx: FrontDoorContext) -> str:
    """``the 12 months to Jul 2017`` or ``the 5 months Aug 2016 to Dec 2016``."""
    if ctx.window == 12:
        return f"the 12 months to {month_label(ctx.last)}"
    if ctx.window == 1:
        return month_label(ctx.last)
    start = shift_month(ctx.last, -(ctx.window - 1))
    return f"the {ctx.window} months {month_label(start)} to {month_label(ctx.last)}"


def window_totals(ctx: FrontDoorContext) -> pd.DataFrame:
    """Totals over the summary window (tidy rows at the last month, measures suffixed
    ``_rolling_<n>m``) with the conversion rates and age shares over the same months."""
    suffix = f"_rolling_{ctx.window}m"
    counts = [m for m in (*LABELS, *START_AGE_BANDS) if m in ctx.measures]
    totals = rolling_12_months(ctx.monthly, counts, months=ctx.window)
    totals = totals[totals["period"] == ctx.last]
    if totals.empty:  # no measure has every month of the window: no totals, no rates
        return totals
    if ctx.audience == "publication":
        totals = _suppress_window_bands(ctx, totals)
    parts = [totals, funnel_rates(totals, suffix=suffix), age_profile(totals, suffix=suffix)]
    return pd.concat([p for p in parts if not p.empty], ignore_index=True)


def window_total(ctx: FrontDoorContext, totals: pd.DataFrame, measure: str) -> float:
    return value_at(totals, ctx.last, f"{measure}_rolling_{ctx.window}m")[0]


def stages_present(ctx: FrontDoorContext) -> list[str]:
    return [s for s in STAGES if s in ctx.measures]


def rate_of(stage: str) -> tuple[str, str] | None:
    """(rate measure id, the stage it is a share of) for a stage, e.g. referrals."""
    for rate, num, den in FUNNEL:
        if num == stage and den in STAGES:
            return rate, den
    return None


def join_and(parts: Sequence[str]) -> str:
    parts = list(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
