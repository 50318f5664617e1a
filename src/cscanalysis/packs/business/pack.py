"""The business case as a kind of pack: a council's invest-to-save case with, optionally, its
KPIs, risks, social worker pay and fostering funnel, from the council's own files.

:func:`plan` reads and checks every input once, before any kernel starts, so a bad file stops
with one line naming it; :func:`build_business_case` plans and publishes.
"""

from __future__ import annotations

from pathlib import Path

from cscanalysis.analysis.finance import GREEN_BOOK_RATE
from cscanalysis.packs.business import content as business
from cscanalysis.packs.business import inputs as business_inputs
from cscanalysis.packs.framework import PackKind, PackPlan, publish

BUSINESS_CASE = PackKind("business-case", "business_case.py")
INPUTS = ("kpis", "risks", "salaries", "fostering")


def plan(
    case: str | Path,
    *,
    kpis: str | Path = "",
    risks: str | Path = "",
    salaries: str | Path = "",
    fostering: str | Path = "",
    council: str = "",
    savings_basis: str = "annual",
    discount_rate: float | str = GREEN_BOOK_RATE,
    slug: str = "",
    notebook: Path | None = None,
    options: dict[str, object] | None = None,
) -> PackPlan:
    """A business case, every input read and checked once here: it lands in
    ``business_case/<slug>/`` (the slug defaults to the case file's name). ``options`` are
    :func:`cscanalysis.packs.business.content.read_inputs`'s (years, KPI rule and periods, risk
    matrix).
    """
    rate = business_inputs.check_discount_rate(discount_rate)
    options = dict(options or {})
    if options.get("years") not in (None, ""):
        options["years"] = business_inputs.case_years(options["years"])
    options = {k: v for k, v in options.items() if v not in (None, "")}
    if options.get("risk_matrix"):
        options["risk_matrix"] = _absolute(str(options["risk_matrix"]))
    paths = {"case": _absolute(str(case))} | {
        name: _absolute(str(value))
        for name, value in zip(INPUTS, (kpis, risks, salaries, fostering), strict=True)
    }
    bc = business_inputs.read_inputs(
        paths["case"],
        **{name: paths[name] for name in INPUTS},
        council=council,
        savings_basis=savings_basis,
        discount_rate=rate,
        **options,  # type: ignore[arg-type]
    )
    folder = business_inputs.slugify(slug or Path(paths["case"]).stem)
    head, _ = business.title(bc)
    return PackPlan(
        BUSINESS_CASE,
        {
            **paths,
            "council": council,
            "savings_basis": savings_basis,
            "discount_rate": rate,
            "options": options,
        },
        Path("business_case") / folder,
        head,
        {"council": council, "slug": folder, "inputs": bc.files},
        notebook=notebook,
    )


def build_business_case(case: str | Path, out: str | Path, **options: object) -> Path:
    """Plan (:func:`plan`, same keywords) and publish ``OUT/business_case/<slug>/index.html``;
    return its path."""
    return publish(plan(case, **options), Path(out)).path  # type: ignore[arg-type]


def _absolute(path: str) -> str:
    """A user's path as an absolute one: relative to the current folder if the file is there,
    else left for the library to find under data/ ('' stays '')."""
    text = str(path or "").strip()
    if not text:
        return ""
    here = Path(text).expanduser()
    if here.is_file():
        return str(here.resolve())
    found = business_inputs.resolve_input(
        text
    )  # raises DataError naming the path when it is nowhere
    return str(found)
