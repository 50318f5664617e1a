"""How a wide frame's period columns map to consecutive integers and back.

Columns are int years (``2019``), financial years (``"2018-19"``), months (``"2016-08"``) or
quarters (``"2019-20 Q1"``), all of one kind; the arithmetic is
:func:`cscanalysis.core.periods.period_ordinal` and :func:`~cscanalysis.core.periods.period_at`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.core.periods import period_at, period_ordinal

__all__ = ["Calendar", "calendar_of", "label_ordinal", "label_ordinals"]

# the calendar's kinds (named in its messages) and core.periods' names for them
_PERIOD_KINDS = {
    "year": "reporting_year",
    "fy": "financial_year",
    "month": "month",
    "quarter": "quarter",
}


@dataclass(frozen=True)
class Calendar:
    """How a frame's period labels map to consecutive integers and back."""

    kind: str  # "year", "fy", "month", "quarter"
    m: int  # periods per year (seasonal period)

    def label(self, ordinal: int) -> str:
        return period_at(ordinal, _PERIOD_KINDS[self.kind])


def label_ordinal(label: object, kind: str) -> int | None:
    """The ordinal of a period label of ``kind`` (``"year"``, ``"fy"``, ``"month"`` or
    ``"quarter"``), None if it is not one."""
    try:
        return period_ordinal(str(label).strip(), _PERIOD_KINDS[kind])
    except ValueError:
        return None


def calendar_of(labels: Sequence[object]) -> tuple[Calendar, list[int]]:
    """Work out the period kind of ``labels`` and their ordinals (consecutive integers)."""
    if len(labels) == 0:
        raise ParameterError("the wide frame has no period columns")
    kinds = [("year", 1), ("fy", 1), ("month", 12), ("quarter", 4)]
    fits = []
    for kind, m in kinds:
        ords = [label_ordinal(x, kind) for x in labels]
        if all(o is not None for o in ords):
            fits.append((Calendar(kind, m), [int(o) for o in ords]))  # type: ignore[arg-type]
    if not fits:
        bad = [x for x in labels if all(label_ordinal(x, k) is None for k, _ in kinds)]
        if not bad:
            raise ParameterError(
                f"period columns mix kinds (e.g. {labels[0]!r} and {labels[-1]!r}); "
                "use one of years, financial years, months or quarters"
            )
        raise ParameterError(
            f"period column {bad[0]!r} is not a year (2019), financial year (2018-19), "
            "month (2016-08) or quarter (2019-20 Q1)"
        )
    if len(fits) > 1:  # "2011-12" alone could be a financial year or December 2011
        steps = {c.kind: np.diff(sorted(o)) for c, o in fits}
        month_ok = "month" in steps and len(labels) > 1 and bool(np.all(steps["month"] == 1))
        fits = [f for f in fits if f[0].kind == ("month" if month_ok else "fy")] or fits[:1]
    return fits[0]


def label_ordinals(labels: Iterable[object]) -> np.ndarray:
    """Ordinals of period labels (each distinct label parsed once)."""
    codes, uniques = pd.factorize(pd.Series(list(labels), dtype=object))
    return np.asarray(calendar_of(list(uniques))[1], dtype=int)[codes]
