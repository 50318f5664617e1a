"""The inputs of a business-case pack: finding and reading the files, checking the parameters
and working out the figures (:class:`BusinessCase`). :func:`read_inputs` is the one reader."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cscanalysis.analysis import kpi
from cscanalysis.analysis.finance import GREEN_BOOK_RATE, CaseSummary, summarise_case
from cscanalysis.analysis.risk import score_risks
from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.core.investment_case import SAVINGS_BASES
from cscanalysis.core.paths import data_dir
from cscanalysis.core.risk_matrix import DEFAULT_MATRIX, RiskMatrix, parse_bands

__all__ = [
    "MAX_RATE",
    "BusinessCase",
    "assemble",
    "case_years",
    "check_discount_rate",
    "kpi_rule",
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
    kpi_rule: kpi.KpiRule = field(default_factory=kpi.KpiRule)
    risk_matrix: RiskMatrix = DEFAULT_MATRIX
    years: int | None = None

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


def _number(text: object, name: str) -> float | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        return float(str(text).strip().rstrip("%"))
    except ValueError:
        raise ParameterError(f"the {name} must be a number such as 2 or 5, not {text!r}") from None


def kpi_rule(tolerance: object = None, well: object = None, basis: str = "absolute") -> kpi.KpiRule:
    """The default KPI rule from command-line text (blank = not stated)."""
    return kpi.KpiRule(
        _number(tolerance, "KPI tolerance"), _number(well, "KPI 'well' threshold"), basis
    )


CASE_YEARS = (5, 10)


def case_years(years: object) -> int | None:
    """The years of savings to extend a case to: 5 or 10 (blank: not extended)."""
    if years is None or str(years).strip() == "":
        return None
    text = str(years).strip()
    if text not in {str(y) for y in CASE_YEARS}:
        raise ParameterError(
            f"--years must be 5 or 10 (years of savings to extend the case to), not {text!r}"
        )
    return int(text)


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
    years: int | None = None,
    kpi_period: str | None = None,
    kpi_compare: str | None = None,
    rule: kpi.KpiRule | None = None,
    risk_matrix: RiskMatrix = DEFAULT_MATRIX,
) -> BusinessCase:
    """A :class:`BusinessCase` from tables already read (``case`` with annual savings).

    ``years`` extends the case to that many savings years (the last given year's ongoing costs
    and savings held flat in nominal pounds); ``kpi_period`` and ``kpi_compare`` choose the
    periods of the scorecard and ``rule`` the default KPI rule; ``risk_matrix`` rates the risks.
    """
    rate = check_discount_rate(discount_rate)
    rule = rule or kpi.KpiRule()
    summary, yearly = summarise_case(case, discount_rate=rate, extend_to_years=case_years(years))
    card = (
        kpi.scorecard(kpis, kpi_period or None, compare=kpi_compare or None, rule=rule)
        if kpis is not None
        else None
    )
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
        risks=score_risks(risks, risk_matrix) if risks is not None else None,
        salaries=salaries,
        funnel=funnel,
        kpi_rule=rule,
        risk_matrix=risk_matrix,
        years=case_years(years),
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
    years: int | str | None = None,
    kpi_period: str = "",
    kpi_compare: str = "",
    kpi_tolerance: float | str | None = None,
    kpi_well: float | str | None = None,
    kpi_basis: str = "absolute",
    risk_matrix: str | Path | None = "",
    risk_bands: str = "",
) -> BusinessCase:
    """Read every input file (blank = left out of the pack) and work the figures out.

    Relative paths are under ``data/`` (:func:`resolve_input`). Bad files raise
    :class:`DataError` naming the file, row, column and value, before any output is written.
    The options (plain values, so that a notebook can take them as parameters) are those of
    :func:`assemble`: ``kpi_tolerance``, ``kpi_well`` and ``kpi_basis`` give the default KPI
    rule, ``risk_matrix`` a matrix file and ``risk_bands`` bands as ``low:1,medium:5,...``
    (applied to that matrix, or to the package's default).
    """
    from cscanalysis.sources.casefiles import read_case, read_kpis
    from cscanalysis.sources.councilfiles import read_fostering_funnel, read_salaries
    from cscanalysis.sources.riskfiles import read_risk_matrix, read_risks

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
    rule = kpi_rule(kpi_tolerance, kpi_well, kpi_basis)
    matrix_path = resolve_input(risk_matrix)
    matrix = read_risk_matrix(matrix_path) if matrix_path is not None else DEFAULT_MATRIX
    if matrix_path is not None:
        files["risk_matrix"] = matrix_path.name
    if str(risk_bands or "").strip():
        matrix = parse_bands(str(risk_bands), matrix)

    def read(kind: str, reader: Callable[[Path], pd.DataFrame]) -> pd.DataFrame | None:
        path = paths[kind]
        return reader(path) if path is not None else None

    return assemble(
        read_case(case_path, savings_basis=savings_basis),
        council=council,
        kpis=read("kpis", read_kpis),
        risks=read("risks", lambda path: read_risks(path, matrix=matrix)),
        salaries=read("salaries", read_salaries),
        funnel=read("fostering", read_fostering_funnel),
        savings_basis=savings_basis,
        discount_rate=rate,
        files=files,
        years=case_years(years),
        kpi_period=kpi_period,
        kpi_compare=kpi_compare,
        rule=rule,
        risk_matrix=matrix,
    )


def slugify(text: str) -> str:
    """A folder name: ``'Bristol 2018 case'`` -> ``'bristol-2018-case'``."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).casefold()).strip("-")
    if not slug:
        raise ParameterError(f"cannot make a folder name from {text!r}")
    return slug
