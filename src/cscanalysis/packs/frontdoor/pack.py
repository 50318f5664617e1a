"""The front door as a kind of pack: a council's own monthly extract as tables, facts and charts.

:func:`plan` reads and checks the extract, the council, the horizon and the audience before any
kernel starts, so a bad file stops with a message naming its file, row, column and value and
nothing is written; :func:`build_front_door` plans and publishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cscanalysis.core.councils import load_register
from cscanalysis.core.errors import DataError
from cscanalysis.packs.framework import PackKind, PackPlan, Published, publish
from cscanalysis.packs.frontdoor import content as frontdoor
from cscanalysis.packs.frontdoor import context as frontdoor_context
from cscanalysis.sources.monthly import read_monthly_extracts

FRONT_DOOR = PackKind("front-door", "front_door.py")


def plan(
    inputs: Sequence[str | Path],
    council: str | int,
    *,
    horizon: int = 6,
    audience: str = "publication",
    source: str = "",
) -> PackPlan:
    """The front-door pack of ``council`` from its extract files; it lands in
    ``front_door/<council code>/``. ``source`` is the charts' source line (default: the files'
    names, or the citation of the worked example)."""
    found = load_register().resolve(council)
    paths = [Path(p).resolve() for p in inputs]
    for path in paths:
        if not path.is_file():
            raise DataError("no such file", file=str(path), expected="a monthly extract")
    monthly = read_monthly_extracts(paths, council_code=found.code, council_name=found.name)
    source = source or frontdoor_context.default_source(paths, found.short_name)
    ctx = frontdoor_context.prepare(  # checks the horizon and the measures
        monthly,
        council_code=found.code,
        council_name=found.name,
        place=found.short_name,
        source=source,
        horizon=horizon,
        audience=audience,
    )
    return PackPlan(
        FRONT_DOOR,
        {
            "input": [str(p) for p in paths],
            "council": found.code,
            "forecast_horizon": horizon,
            "source": source,
            "audience": audience,
        },
        Path("front_door") / found.code,
        frontdoor.title(ctx)[0],
        {
            "council_code": found.code,
            "council_name": found.name,
            "months": f"{ctx.first} to {ctx.last}",
            "inputs": [p.name for p in paths],
        },
    )


def build_front_door(
    inputs: Sequence[str | Path], council: str | int, out: Path, **options: object
) -> Published:
    """Plan (:func:`plan`, same keywords) and publish under ``out``."""
    return publish(plan(inputs, council, **options), Path(out))  # type: ignore[arg-type]
