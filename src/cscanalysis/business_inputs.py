"""The inputs of a business-case pack: finding and reading the files, checking the parameters
and working out the figures (:class:`BusinessCase`). :func:`read_inputs` is the one reader."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cscanalysis import kpi
from cscanalysis.errors import DataError, ParameterError
from cscanalysis.finance import GREEN_BOOK_RATE, SAVINGS_BASES, CaseSummary, summarise_case
from cscanalysis.paths import data_dir
from cscanalysis.risk import score_risks

__all__ = [
    "MAX_RATE",
    "BusinessCase",
    "assemble",
    "check_discount_rate",
    "read_inputs",
    "resolve_input",
    "slugify",
]


MAX_RATE = 0.5  # a discount rate above 50% is almost surely a percentage typed as a number


@dataclass
class BusinessCase:
    """The inputs of one pack and what the library works out from them."""

    council: str
    case: pd.DataFrame
    summary: CaseSummary
    yearly: pd.DataFrame
    savings_basis: str = "annual"
    discount_rate: float = GREEN_BOOK_RATE
    files: dict[str, str] = field(default_factory=dict)
    card: pd.DataFrame | None = None
    kpi_summary: kpi.ScorecardSummary | None = None
    risks: pd.DataFrame | None = None
    salaries: pd.DataFrame | None = None
    funnel: pd.DataFrame | None = None

    @property
    def place(self) -> str:
        return self.council or "The council"


def resolve_input(path: str | Path | None) -> Path | None:
    """An input file: ``None``/``""`` -> None; absolute paths as given; relative paths under the
    repository's ``data/`` folder (``examples/bristol_2018_case.csv``). Missing files raise
    :class:`DataError`."""
    if path is None or not str(path).strip():
        return None
    given = Path(str(path).strip()).expanduser()
    found = given if given.is_absolute() else data_dir() / given
    if not found.is_file():
        raise DataError(
            "input file not found",
            file=str(found),
            value=str(path),
            expected="an existing file: an absolute path, or a path relative to the data/ "
            "folder such as examples/bristol_2018_case.csv",
        )
    return found


def check_discount_rate(rate: object) -> float:
    """The discount rate as a fraction (0.035 for 3.5%), or a :class:`ParameterError`."""
    try:
        value = float(rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(
            f"the discount rate must be a number such as 0.035, not {rate!r}"
        ) from None
    if not math.isfinite(value) or value <= -1 or value > MAX_RATE:
        raise ParameterError(
            f"the discount rate {rate!r} is out of range: give it as a fraction, 0.035 for the "
            "Green Book's 3.5%"
        )
    return value


def assemble(
    case: pd.DataFrame,
    *,
    council: str = "",
    kpis: pd.DataFrame | None = None,
    risks: pd.DataFrame | None = None,
    salaries: pd.DataFrame | None = None,
    funnel: pd.DataFrame | None = None,
    savings_basis: str = "annual",
    discount_rate: float = GREEN_BOOK_RATE,
    files: dict[str, str] | None = None,
) -> BusinessCase:
    """A :class:`BusinessCase` from tables already read (``case`` with annual savings)."""
    rate = check_discount_rate(discount_rate)
    summary, yearly = summarise_case(case, discount_rate=rate)
    card = kpi.scorecard(kpis) if kpis is not None else None
    return BusinessCase(
        council=str(council or "").strip(),
        case=case,
        summary=summary,
        yearly=yearly,
        savings_basis=savings_basis,
        discount_rate=rate,
        files=dict(files or {}),
        card=card,
        kpi_summary=kpi.scorecard_summary(card) if card is not None else None,
        risks=score_risks(risks) if risks is not None else None,
        salaries=salaries,
        funnel=funnel,
    )


def read_inputs(
    case: str | Path,
    *,
    kpis: str | Path | None = "",
    risks: str | Path | None = "",
    salaries: str | Path | None = "",
    fostering: str | Path | None = "",
    council: str = "",
    savings_basis: str = "annual",
    discount_rate: float = GREEN_BOOK_RATE,
) -> BusinessCase:
    """Read every input file (blank = left out of the pack) and work the figures out.

    Relative paths are under ``data/`` (:func:`resolve_input`). Bad files raise
    :class:`DataError` naming the file, row, column and value, before any output is written.
    """
    from cscanalysis.sources.casefiles import read_case, read_kpis, read_risks
    from cscanalysis.sources.councilfiles import read_fostering_funnel, read_salaries

    if savings_basis not in SAVINGS_BASES:
        raise ParameterError(f"savings basis must be annual or incremental, not {savings_basis!r}")
    rate = check_discount_rate(discount_rate)
    case_path = resolve_input(case)
    if case_path is None:
        raise ParameterError("a case file is needed (the invest-to-save profile)")
    paths = {
        "kpis": resolve_input(kpis),
        "risks": resolve_input(risks),
        "salaries": resolve_input(salaries),
        "fostering": resolve_input(fostering),
    }
    files = {"case": case_path.name} | {k: p.name for k, p in paths.items() if p is not None}

    def read(kind: str, reader: Callable[[Path], pd.DataFrame]) -> pd.DataFrame | None:
        path = paths[kind]
        return reader(path) if path is not None else None

    return assemble(
        read_case(case_path, savings_basis=savings_basis),
        council=council,
        kpis=read("kpis", read_kpis),
        risks=read("risks", read_risks),
        salaries=read("salaries", read_salaries),
        funnel=read("fostering", read_fostering_funnel),
        savings_basis=savings_basis,
        discount_rate=rate,
        files=files,
    )


def slugify(text: str) -> str:
    """A folder name: ``'Bristol 2018 case'`` -> ``'bristol-2018-case'``."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).casefold()).strip("-")
    if not slug:
        raise ParameterError(f"cannot make a folder name from {text!r}")
    return slug
