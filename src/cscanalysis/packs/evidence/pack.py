"""The evidence pack as a kind of pack: one council and reporting year from the published table.

:func:`plan` checks the council, the year, the audience, the council's own rows and a target
before any kernel starts; :func:`build_pack` plans and publishes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from cscanalysis import __version__
from cscanalysis.core.councils import load_register
from cscanalysis.core.errors import ParameterError
from cscanalysis.packs.framework import (
    PackKind,
    PackPlan,
    code_key,
    file_sha256,
    pack_inputs_key,
    publish,
)
from cscanalysis.store.tidy import inputs_key, load_tidy

EVIDENCE = PackKind("evidence", "evidence_pack.py", audited=True)


@dataclass
class PackResult:
    council_code: str
    council_name: str
    period: str
    path: str
    seconds: float
    data_key: str
    version: str


def plan(
    council: str | int,
    period: str | int,
    *,
    notebook: Path | None = None,
    audience: str = "publication",
    local_data: Path | None = None,
    target: tuple[float, int] | None = None,
) -> PackPlan:
    """One council's evidence pack for a reporting year, checked before a kernel starts.

    ``audience="internal"`` turns small-number suppression off (every page is stamped);
    ``local_data`` is a CSV of the council's own tidy rows (``cscanalysis ssda903``), added
    where nothing is published; ``target`` is ``(children looked after, year)`` for the
    Outlook's glide path. The pack lands in ``<period>/<council code>/``.
    """
    from cscanalysis.packs.evidence.content import prepare  # not needed by batch workers

    source = notebook or EVIDENCE.source
    local = Path(local_data).resolve() if local_data else None
    if local is not None and not local.is_file():
        raise ParameterError(f"local data file {local} does not exist (expected a CSV file)")
    tidy = load_tidy(local=local)  # a bad local file fails here, naming its row and column
    ctx = prepare(tidy, load_register(), council, period, audience=audience)
    key = inputs_key()
    parameters: dict[str, object] = {"council": ctx.code, "period": ctx.period}
    if audience != "publication":
        parameters["audience"] = audience
    if local is not None:
        parameters["local_data"] = str(local)
    if target is not None:
        value, year = check_target(target, int(ctx.period))
        parameters |= {"target_value": value, "target_year": year}
    notebook_sha = file_sha256(source)
    code = code_key()
    return PackPlan(
        EVIDENCE,
        parameters,
        Path(ctx.period) / ctx.code,
        pack_title(ctx.place, ctx.period),
        manifest_fields(
            ctx.code,
            ctx.council.name,
            ctx.period,
            key,
            notebook_sha,
            code,
            pack_inputs_key(key, notebook_sha, parameters, code),
        ),
        notebook=notebook,
    )


def manifest_fields(
    council_code: str,
    council_name: str,
    period: str,
    data_key: str,
    notebook_sha256: str,
    code: str,
    inputs_key: str,
) -> dict[str, object]:
    """What an evidence pack's ``manifest.json`` records beside the framework's own fields,
    for a single pack and a batch alike (a batch skips a pack whose ``inputs_key`` matches)."""
    return {
        "council_code": council_code,
        "council_name": council_name,
        "period": period,
        "data_key": data_key,
        "notebook_sha256": notebook_sha256,
        "code_key": code,
        "inputs_key": inputs_key,
    }


def build_pack(
    council: str | int,
    period: str | int,
    out: Path,
    *,
    notebook: Path | None = None,
    audience: str = "publication",
    local_data: Path | None = None,
    target: tuple[float, int] | None = None,
) -> PackResult:
    """Build one council's evidence pack (see :func:`plan`) and return where it is."""
    pack = plan(
        council, period, notebook=notebook, audience=audience, local_data=local_data, target=target
    )
    published = publish(pack, Path(out))
    m = pack.manifest
    return PackResult(
        str(m["council_code"]),
        str(m["council_name"]),
        str(m["period"]),
        str(published.path),
        published.seconds,
        str(m["data_key"]),
        __version__,
    )


def check_target(target: tuple[object, object], period: int) -> tuple[float, int]:
    """A target of children looked after in a later year, as ``(value, year)``.

    The value must be a whole number of children, 0 or more; the year a whole year after the
    pack's and within 20 years of it. Infinity and NaN are neither.
    """
    value, year = (_number(v) for v in target)
    if not (math.isfinite(value) and value >= 0 and value == int(value)):
        raise ParameterError(
            f"target value {_show(target[0])} is not a whole number of children (0 or more)"
        )
    if not (math.isfinite(year) and year == int(year) and period < int(year) <= period + 20):
        raise ParameterError(
            f"target year {_show(target[1])} is not a whole year after the pack's ({period}) "
            "and within 20 years"
        )
    return float(value), int(year)


def _number(value: object) -> float:
    """``value`` as a float (NaN for anything that is not a number: a word, true/false)."""
    if isinstance(value, bool) or value is None:
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _show(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else repr(value)


def check_pack_parameters(parameters: dict[str, object], period: int) -> None:
    """The evidence pack's own parameters, checked before any kernel starts: a target needs
    both ``target_value`` and ``target_year`` (see :func:`check_target`) and ``local_data``
    must be a readable file of tidy rows."""
    value, year = parameters.get("target_value"), parameters.get("target_year")
    if value is not None or year is not None:
        if value is None or year is None:
            raise ParameterError("a target needs both target_value and target_year")
        check_target((value, year), period)
    local = parameters.get("local_data")
    if local is not None:
        path = Path(str(local)).expanduser()
        if not path.is_file():
            raise ParameterError(f"local data file {path} does not exist (expected a CSV file)")
        load_tidy(local=path.resolve())  # a bad file fails here, naming its row and column


def pack_title(place: str, period: str) -> str:
    return f"{place}: children's social care evidence pack, {period}"
