"""Packs of any kind from a jobs file: one CSV row per pack, its columns the kind's options.

``cscanalysis packs --kind front-door --jobs jobs.csv`` reads every row, plans every pack
(so a bad row stops the run with one line naming the file, row, column and value, before any
kernel starts), then publishes the packs one by one through the same framework as a single
pack. A pack that fails is reported and the others are still built. Evidence packs for many
councils have their own resumable batch on Dask (:mod:`cscanalysis.packs.batch.run`).

Columns are the keyword names of the kind's ``plan`` (for example ``council``, ``period``,
``audience``, ``local_data``, ``target`` (``519 2027``) for an evidence pack; ``inputs``,
``council``, ``horizon`` for a front door; ``case``, ``kpis``, ``council``, ``slug`` for a
business case); a column listing several files separates them with ``;``. Empty cells take the
default.
"""

from __future__ import annotations

import csv
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cscanalysis.core.clean import decode_text
from cscanalysis.core.errors import CSCAnalysisError, DataError, ParameterError, one_line
from cscanalysis.packs.business import pack as business
from cscanalysis.packs.evidence import pack as evidence
from cscanalysis.packs.framework import PackPlan, publish
from cscanalysis.packs.frontdoor import pack as frontdoor

PLANNERS: dict[str, Callable[..., PackPlan]] = {
    evidence.EVIDENCE.name: evidence.plan,
    business.BUSINESS_CASE.name: business.plan,
    frontdoor.FRONT_DOOR.name: frontdoor.plan,
}
LISTS = {"inputs"}  # columns holding several files, separated by ";"


def _pair(text: str) -> tuple[float, ...]:
    """``"519 2027"`` -> ``(519.0, 2027.0)``: an evidence pack's target (children, year)."""
    parts = tuple(float(part) for part in text.split())
    if len(parts) != 2:
        raise ValueError(text)
    return parts


CONVERT: dict[str, tuple[Callable[[str], object], str]] = {
    "horizon": (int, "a whole number of months"),
    "target": (_pair, "children and year, e.g. 519 2027"),
}


@dataclass(frozen=True)
class JobOutcome:
    """What became of one row's pack: its page, or why it failed."""

    row: int
    path: Path | None
    reason: str = ""


def read_jobs(path: Path, kind: str) -> list[PackPlan]:
    """Every row of ``path`` planned as a ``kind`` pack; raises naming the first bad row."""
    if kind not in PLANNERS:
        raise ParameterError(f"unknown kind {kind!r}; expected one of {', '.join(PLANNERS)}")
    planner = PLANNERS[kind]
    accepted = [
        name
        for name, p in inspect.signature(planner).parameters.items()
        if p.kind is not p.VAR_KEYWORD and name not in ("notebook", "options")
    ]
    if not Path(path).is_file():
        raise DataError("no such file", file=str(path), expected=f"a CSV of {kind} packs")
    text, _ = decode_text(Path(path).read_bytes(), file=str(path))
    reader = csv.DictReader(text.splitlines())
    for column in reader.fieldnames or []:
        if column not in accepted:
            raise DataError(
                "unknown column",
                file=str(path),
                row=1,
                column=column,
                expected=f"columns among {', '.join(accepted)}",
            )
    plans = []
    for number, row in enumerate(reader, start=2):
        options: dict[str, object] = {}
        for column, cell in row.items():
            value = (cell or "").strip()
            if not value:
                continue
            convert, expected = CONVERT.get(column, (str, "text"))
            try:
                options[column] = (
                    [v.strip() for v in value.split(";") if v.strip()]
                    if column in LISTS
                    else convert(value)
                )
            except ValueError:
                raise DataError(
                    "cannot read the cell",
                    file=str(path),
                    row=number,
                    column=column,
                    value=value,
                    expected=expected,
                ) from None
        try:
            plans.append(planner(**options))
        except TypeError as error:  # a required column left empty
            raise DataError(
                one_line(str(error)), file=str(path), row=number, expected="every required column"
            ) from None
        except CSCAnalysisError as error:
            raise ParameterError(f"{path} row {number}: {one_line(str(error))}") from None
    return plans


def build_jobs(plans: list[PackPlan], out: Path) -> list[JobOutcome]:
    """Publish each plan in turn (a new kernel each); a failure is recorded, not raised."""
    outcomes = []
    for row, plan in enumerate(plans, start=2):
        try:
            outcomes.append(JobOutcome(row, publish(plan, Path(out)).path))
        except Exception as error:  # one pack's failure must not stop the others
            outcomes.append(JobOutcome(row, None, one_line(f"{type(error).__name__}: {error}")))
    return outcomes
