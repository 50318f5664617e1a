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
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cscanalysis.core.clean import decode_text
from cscanalysis.core.errors import CSCAnalysisError, DataError, ParameterError, one_line
from cscanalysis.packs.business import pack as business
from cscanalysis.packs.evidence import pack as evidence
from cscanalysis.packs.framework import PackPlan, publish
from cscanalysis.packs.frontdoor import pack as frontdoor
from cscanalysis.packs.notebook import Runner

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
class Job:
    """One row of a jobs file, planned: the row's line in the file and its pack."""

    row: int
    plan: PackPlan


@dataclass(frozen=True)
class JobOutcome:
    """What became of one row's pack: its page, or why it failed."""

    row: int
    path: Path | None
    reason: str = ""


def read_jobs(path: Path, kind: str) -> list[Job]:
    """Every row of ``path`` planned as a ``kind`` pack; raises naming the first bad cell.

    Rows are numbered as a spreadsheet shows the file (the header is row 1). Two rows that would
    build the same pack (the same output folder) are refused, naming both.
    """
    if kind not in PLANNERS:
        raise ParameterError(f"unknown kind {kind!r}; expected one of {', '.join(PLANNERS)}")
    planner = PLANNERS[kind]
    parameters = {
        name: p
        for name, p in inspect.signature(planner).parameters.items()
        if p.kind is not p.VAR_KEYWORD and name not in ("notebook", "options")
    }
    required = [name for name, p in parameters.items() if p.default is p.empty]
    if not Path(path).is_file():
        raise DataError("no such file", file=str(path), expected=f"a CSV of {kind} packs")
    text, _ = decode_text(Path(path).read_bytes(), file=str(path))
    reader = csv.DictReader(io.StringIO(text))
    for column in reader.fieldnames or []:
        if column not in parameters:
            raise DataError(
                "unknown column",
                file=str(path),
                row=1,
                column=column,
                expected=f"columns among {', '.join(parameters)}",
            )
    jobs: list[Job] = []
    folders: dict[Path, int] = {}
    for row in reader:
        number = reader.line_num  # the row's last line: a quoted cell may span lines
        if None in row:
            raise DataError(
                "more cells than columns",
                file=str(path),
                row=number,
                value=",".join(row[None]),
                expected=f"at most {len(reader.fieldnames or [])} cells, one per column",
            )
        options = _options(row, path, number)
        for name in required:
            if name not in options:
                raise DataError(
                    "empty cell", file=str(path), row=number, column=name, expected="a value"
                )
        try:
            plan = planner(**options)
        except CSCAnalysisError as error:
            raise ParameterError(f"{path} row {number}: {one_line(str(error))}") from None
        if plan.folder in folders:
            raise ParameterError(
                f"{path} rows {folders[plan.folder]} and {number} build the same pack "
                f"({plan.folder.as_posix()}): the second would replace the first"
            )
        folders[plan.folder] = number
        jobs.append(Job(number, plan))
    return jobs


def _options(row: dict[str, str], path: Path, number: int) -> dict[str, object]:
    """A row's cells as the planner's keyword arguments (empty cells left out)."""
    options: dict[str, object] = {}
    for column, cell in row.items():
        value = (cell or "").strip()
        if not value:
            continue
        if column in LISTS:
            options[column] = [v.strip() for v in value.split(";") if v.strip()]
            continue
        convert, expected = CONVERT.get(column, (str, "text"))
        try:
            options[column] = convert(value)
        except ValueError:
            raise DataError(
                "cannot read the cell",
                file=str(path),
                row=number,
                column=column,
                value=value,
                expected=expected,
            ) from None
    return options


def build_jobs(
    jobs: list[Job], out: Path, *, runner: Runner | None = None, timeout: int = 600
) -> list[JobOutcome]:
    """Publish each job in turn (a new kernel each, or ``runner``); a failure is recorded with
    its reason and the next job is built."""
    outcomes = []
    for job in jobs:
        try:
            page = publish(job.plan, Path(out), runner=runner, timeout=timeout).path
            outcomes.append(JobOutcome(job.row, page))
        except Exception as error:  # one pack's failure must not stop the others
            reason = one_line(f"{type(error).__name__}: {error}")
            outcomes.append(JobOutcome(job.row, None, reason))
    return outcomes
