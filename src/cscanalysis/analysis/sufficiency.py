"""Workforce and placement sufficiency from council-supplied files: social worker salary
benchmarks by council and grade, and the foster-carer recruitment funnel.

Pure functions on the tables :mod:`cscanalysis.sources.councilfiles` returns.

**Salaries** (one row per comparison group, council and grade)::

    group, council, council_code, region, grade, min_salary, max_salary, one_off_payment,
    market_supplement, notes

``group`` is the comparison set a council paper tabulates ("South West region", "National
sample"); a council can appear in several groups. Money is in pounds a year (payments: pounds
once). ``min_salary`` and ``max_salary`` are the bottom and top of the grade's pay scale. A
comparator "pays more at the top of the scale" when its ``max_salary`` is above the subject
council's (equal is not more). Ranks: 1 = highest, ties share the better rank.

**Foster-carer funnel** (one row per quarter, or per financial year)::

    period, enquiries, <stage>, ..., approvals, terminations

The count columns from ``enquiries`` to ``approvals``, in file order, are the funnel's stages
(for example ``enquiries, stage_1_complete, stage_2_complete, approvals``); ``terminations`` are
approved carers who left (resignations and deregistrations). A blank count is NaN ("not
recorded"). Conversion at a stage = its count / the previous stage's count; drop-out = 100 -
conversion (both in per cent): the share of people at the previous stage who did not get through
this one. These are *flow* ratios (people reaching each stage in the same periods), not a cohort
followed through: people enquiring in one quarter reach approval months later, so a single
quarter can show more than 100%; over a year or more the lag matters less. Any total over a set
of periods is NaN when a count is blank in one of them (never a sum of what happens to be there).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from cscanalysis.core.councils import council_words, same_council
from cscanalysis.core.errors import ParameterError
from cscanalysis.core.periods import financial_year_start, period_kind
from cscanalysis.sources.councilfiles import FUNNEL_FIRST, FUNNEL_LAST, TERMINATIONS

__all__ = [
    "ALL_GROUPS",
    "approvals_terminations",
    "conversion_by_year",
    "funnel_by_year",
    "funnel_stages",
    "salary_benchmark",
    "salary_table",
    "stage_conversion",
    "stage_label",
]

ALL_GROUPS = "All groups"

# --------------------------------------------------------------------------- salaries


def _check_salaries(salaries: pd.DataFrame) -> None:
    missing = [c for c in ("group", "council", "grade", "min_salary", "max_salary")]
    missing = [c for c in missing if c not in salaries.columns]
    if missing:
        raise ParameterError("the salary table has no column " + ", ".join(missing))
    if salaries.empty:
        raise ParameterError("the salary table is empty")


def _rank(values: pd.Series) -> pd.Series:
    """1 = highest; ties share the better rank."""
    return values.rank(method="min", ascending=False).astype("Int64")


def salary_table(salaries: pd.DataFrame, council: str, *, group: str, grade: str) -> pd.DataFrame:
    """One comparison table (a group and a grade), highest top of scale first.

    Columns: ``council, council_code, region, min_salary, max_salary, one_off_payment,
    market_supplement, subject`` (True for ``council``), ``rank_max``, ``rank_min`` (1 =
    highest) and ``max_vs_subject``, ``min_vs_subject`` (this council's figure minus the subject
    council's; NaN when the subject is not in the table). Ties keep the file's order.
    """
    _check_salaries(salaries)
    part = salaries[(salaries["group"] == group) & (salaries["grade"] == grade)]
    if part.empty:
        raise ParameterError(f"no salaries for group {group!r} and grade {grade!r}")
    columns = [
        "council", "council_code", "region", "min_salary", "max_salary", "one_off_payment",
        "market_supplement",
    ]  # fmt: skip
    out = part.reindex(columns=columns).reset_index(drop=True)
    out["subject"] = [same_council(name, council) for name in out["council"]]
    out["rank_max"] = _rank(out["max_salary"])
    out["rank_min"] = _rank(out["min_salary"])
    own = out[out["subject"]]
    for column, base in (("max_vs_subject", "max_salary"), ("min_vs_subject", "min_salary")):
        out[column] = out[base] - own[base].iloc[0] if len(own) else math.nan
    out["_order"] = range(len(out))
    out = out.sort_values(["max_salary", "min_salary", "_order"], ascending=[False, False, True])
    return out.drop(columns="_order").reset_index(drop=True)


def _benchmark_row(part: pd.DataFrame, council: str, group: str, grade: str) -> dict[str, object]:
    subject = np.array([same_council(name, council) for name in part["council"]], dtype=bool)
    others = part[~subject]
    payments = others.reindex(columns=["one_off_payment", "market_supplement"])
    row: dict[str, object] = {
        "group": group,
        "grade": grade,
        "councils": len(part),
        "comparators": len(others),
        "subject_min": math.nan,
        "subject_max": math.nan,
        "comparator_median_min": float(others["min_salary"].median()),
        "comparator_median_max": float(others["max_salary"].median()),
        "higher_min": math.nan,
        "higher_max": math.nan,
        "same_max": math.nan,
        "rank_max": math.nan,
        "with_one_off_payment": int((payments["one_off_payment"] > 0).sum()),
        "with_market_supplement": int((payments["market_supplement"] > 0).sum()),
    }
    if subject.any():
        own = part[subject].iloc[0]
        row["subject_min"] = float(own["min_salary"])
        row["subject_max"] = float(own["max_salary"])
        row["higher_min"] = int((others["min_salary"] > own["min_salary"]).sum())
        higher_max = int((others["max_salary"] > own["max_salary"]).sum())
        row["higher_max"] = higher_max
        row["same_max"] = int((others["max_salary"] == own["max_salary"]).sum())
        row["rank_max"] = higher_max + 1
    return row


def _dedupe(part: pd.DataFrame) -> pd.DataFrame:
    """Each council once (by code, or by name when it has none), first row kept."""
    key = [
        code if isinstance(code, str) and code else "name:" + " ".join(council_words(name))
        for code, name in zip(
            part.reindex(columns=["council_code"])["council_code"].fillna(""),
            part["council"],
            strict=True,
        )
    ]
    return part[~pd.Series(key, index=part.index).duplicated()]


def salary_benchmark(salaries: pd.DataFrame, council: str) -> pd.DataFrame:
    """The subject council against its comparators, one row per group and grade.

    For a grade tabulated in more than one group, a further row with group
    :data:`ALL_GROUPS` counts every council once (the first row of a council seen in several
    groups). Columns: ``group, grade, councils`` (including the subject), ``comparators``,
    ``subject_min, subject_max``, ``comparator_median_min, comparator_median_max``,
    ``higher_min, higher_max`` (comparators paying more at the bottom / top of the scale),
    ``same_max``, ``rank_max`` (1 = highest top of scale, ties share the rank),
    ``with_one_off_payment, with_market_supplement`` (comparators paying one). Subject figures
    are NaN where the subject council is not in the table.
    """
    _check_salaries(salaries)
    rows = []
    for grade in pd.unique(salaries["grade"]):
        of_grade = salaries[salaries["grade"] == grade]
        groups = list(pd.unique(of_grade["group"]))
        for group in groups:
            rows.append(_benchmark_row(of_grade[of_grade["group"] == group], council, group, grade))
        if len(groups) > 1:
            rows.append(_benchmark_row(_dedupe(of_grade), council, ALL_GROUPS, grade))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- foster-carer funnel


def funnel_stages(funnel: pd.DataFrame) -> list[str]:
    """The stage columns, in order: from ``enquiries`` to ``approvals``."""
    columns = list(funnel.columns)
    for name in ("period", FUNNEL_FIRST, FUNNEL_LAST):
        if name not in columns:
            raise ParameterError(f"the funnel table has no column {name!r}")
    first, last = columns.index(FUNNEL_FIRST), columns.index(FUNNEL_LAST)
    if last <= first:
        raise ParameterError("the funnel's approvals column must come after enquiries")
    return columns[first : last + 1]


def stage_label(stage: str) -> str:
    """``'stage_1_complete'`` -> ``'Stage 1 complete'``."""
    text = stage.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _total(values: pd.Series) -> float:
    """Sum, or NaN when any value is missing (or there are none)."""
    if values.empty or values.isna().any():
        return math.nan
    return float(values.sum())


def _pct(part: float, whole: float) -> float:
    if not (math.isfinite(part) and math.isfinite(whole)) or whole == 0:
        return math.nan
    return part / whole * 100


def stage_conversion(funnel: pd.DataFrame, periods: list[str] | None = None) -> pd.DataFrame:
    """Totals, conversion and drop-out by stage over ``periods`` (default: all).

    Columns: ``stage, label, count`` (total over the periods), ``conversion_pct`` (count /
    previous stage's count x 100; NaN for enquiries), ``dropout_pct`` (100 - conversion),
    ``lost`` (previous count - count) and ``share_of_enquiries_pct``. See the module docstring.
    """
    stages = funnel_stages(funnel)
    part = funnel if periods is None else funnel[funnel["period"].isin(periods)]
    if periods is not None:
        missing = sorted(set(periods) - set(part["period"]))
        if missing:
            raise ParameterError("the funnel has no period " + ", ".join(missing))
    if part.empty:
        raise ParameterError("the funnel table has no rows")
    totals = [_total(part[stage]) for stage in stages]
    rows = []
    for i, (stage, count) in enumerate(zip(stages, totals, strict=True)):
        previous = totals[i - 1] if i else math.nan
        conversion = _pct(count, previous)
        rows.append(
            {
                "stage": stage,
                "label": stage_label(stage),
                "count": count,
                "conversion_pct": conversion,
                "dropout_pct": 100 - conversion,
                "lost": previous - count,
                "share_of_enquiries_pct": _pct(count, totals[0]),
            }
        )
    return pd.DataFrame(rows)


def _year_of(period: str) -> str:
    kind = period_kind(period)
    if kind == "quarter":
        return period[:7]
    if kind == "financial_year":
        return period
    raise ParameterError(
        f"funnel periods must be quarters (2019-20 Q1) or financial years (2019-20), not {period!r}"
    )


def funnel_by_year(funnel: pd.DataFrame) -> pd.DataFrame:
    """Financial-year totals of every count (stages and terminations).

    Columns: ``year, quarters`` (quarters in the file for that year; 4 for a file of years),
    ``complete`` (all four quarters there), then the counts. A year's total is NaN when a count
    is blank in one of its periods.
    """
    stages = funnel_stages(funnel)
    counts = stages + ([TERMINATIONS] if TERMINATIONS in funnel.columns else [])
    years = funnel["period"].map(_year_of)
    quarterly = funnel["period"].map(period_kind).eq("quarter").any()
    rows = []
    for year in sorted(pd.unique(years), key=financial_year_start):
        part = funnel[years == year]
        quarters = len(part) if quarterly else 4
        row: dict[str, object] = {"year": year, "quarters": quarters, "complete": quarters == 4}
        row.update({column: _total(part[column]) for column in counts})
        rows.append(row)
    return pd.DataFrame(rows)


def approvals_terminations(funnel: pd.DataFrame) -> pd.DataFrame:
    """Approvals against terminations by financial year.

    Columns: ``year, quarters, complete, approvals, terminations, net_change`` (approvals -
    terminations: the change in approved carers from recruitment and loss).
    """
    if TERMINATIONS not in funnel.columns:
        raise ParameterError("the funnel table has no column 'terminations'")
    years = funnel_by_year(funnel)
    out = years[["year", "quarters", "complete", FUNNEL_LAST, TERMINATIONS]].copy()
    out["net_change"] = out[FUNNEL_LAST] - out[TERMINATIONS]
    return out


def conversion_by_year(funnel: pd.DataFrame) -> pd.DataFrame:
    """Conversion (per cent) at each stage after enquiries, one row per financial year.

    Columns: ``year, complete`` and one column per stage after the first, holding that
    stage's conversion from the stage before (see :func:`stage_conversion`).
    """
    stages = funnel_stages(funnel)
    years = funnel_by_year(funnel)
    out = years[["year", "complete"]].copy()
    for previous, stage in itertools.pairwise(stages):
        out[stage] = [
            _pct(count, before) for count, before in zip(years[stage], years[previous], strict=True)
        ]
    return out
