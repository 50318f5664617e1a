"""Readers for a risk register and a council's risk matrix (scales, labels and bands), CSV or
XLSX; layouts in ``data/templates/README.md``. Errors name the file, row, column and value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cscanalysis.core.errors import DataError, ParameterError
from cscanalysis.core.risk_matrix import DEFAULT_MATRIX, RiskMatrix
from cscanalysis.sources.tabular import cell_at, column_key, number_cell, read_sheet, show

__all__ = ["RISK_COLUMNS", "read_risk_matrix", "read_risks"]

RISK_COLUMNS = [
    "id", "title", "owner", "likelihood", "impact", "tolerance_likelihood", "tolerance_impact",
]  # fmt: skip
"""The columns of a risk register as :func:`read_risks` returns it (before any extra columns)."""
SCALES = ("likelihood", "impact", "band")


def read_risks(
    path: str | Path, *, sheet: str | int = 0, matrix: RiskMatrix = DEFAULT_MATRIX
) -> pd.DataFrame:
    """Read a risk register: ``id, title, likelihood, impact, tolerance_likelihood,
    tolerance_impact`` and optionally ``owner`` (other columns are kept as text).

    Likelihood and impact are scores on ``matrix``'s scales (by default likelihood 1 to 4 and
    impact 1, 3, 5 or 7, see :mod:`cscanalysis.core.risk_matrix`).
    """
    path = Path(path)
    label = path.name
    required = ("id", "title", "likelihood", "impact", "tolerance_likelihood", "tolerance_impact")
    grid = read_sheet(path, required, sheet=sheet)
    index = grid.index
    extra = [n for n in grid.names if n and n not in RISK_COLUMNS]
    out: list[dict[str, object]] = []
    ids: dict[str, int] = {}
    for number, cells in grid.rows:
        risk_id = str(cell_at(cells, index["id"]))
        if not risk_id:
            raise DataError(
                "the id is blank",
                file=label,
                row=number,
                column="id",
                value="",
                expected="a short id such as CRR1",
            )
        if risk_id in ids:
            raise DataError(
                "the id appears twice",
                file=label,
                row=number,
                column="id",
                value=risk_id,
                expected=f"each id once (already on row {ids[risk_id]})",
            )
        ids[risk_id] = number
        record: dict[str, object] = {
            "id": risk_id,
            "title": str(cell_at(cells, index["title"])),
            "owner": str(cell_at(cells, index.get("owner"))),
        }
        for column, allowed in (
            ("likelihood", matrix.likelihood_scores),
            ("impact", matrix.impact_scores),
            ("tolerance_likelihood", matrix.likelihood_scores),
            ("tolerance_impact", matrix.impact_scores),
        ):
            cell = cell_at(cells, index[column])
            expected = "one of " + ", ".join(map(str, allowed))
            value = number_cell(cell, file=label, row=number, column=column, expected=expected)
            if value not in allowed:
                raise DataError(
                    f"{column.replace('_', ' ')} out of range",
                    file=label,
                    row=number,
                    column=column,
                    value=show(cell),
                    expected=expected,
                )
            record[column] = int(value)
        for name in extra:
            record[name] = str(cell_at(cells, index[name]))
        out.append(record)
    if not out:
        raise DataError(
            "no risks under the header",
            file=label,
            row=grid.header_row,
            expected="one row per risk",
        )
    table = pd.DataFrame(out, columns=RISK_COLUMNS + extra)
    table.attrs = {"source": label}
    return table


def read_risk_matrix(path: str | Path, *, sheet: str | int = 0) -> RiskMatrix:
    """Read a council's risk matrix: columns ``scale, score, label``, one row per likelihood
    score, impact score and band (``scale`` = ``likelihood``, ``impact`` or ``band``; for a band
    ``score`` is its lowest score). Scales and bands must rise down the file."""
    path = Path(path)
    label = path.name
    grid = read_sheet(path, ("scale", "score", "label"), sheet=sheet)
    found: dict[str, list[tuple[int, str, int]]] = {name: [] for name in SCALES}
    for number, cells in grid.rows:
        scale = column_key(cell_at(cells, grid.index["scale"]))
        if scale not in SCALES:
            raise DataError(
                "unknown scale",
                file=label,
                row=number,
                column="scale",
                value=cell_at(cells, grid.index["scale"]),
                expected="likelihood, impact or band",
            )
        raw = cell_at(cells, grid.index["score"])
        score = number_cell(
            raw, file=label, row=number, column="score", expected="a whole number of 1 or more"
        )
        text = str(cell_at(cells, grid.index["label"])).strip()
        if score != int(score) or score < 1 or not text:
            raise DataError(
                "not a whole score with a label" if text else "the label is blank",
                file=label,
                row=number,
                column="score" if text else "label",
                value=show(raw) if text else "",
                expected="a whole number of 1 or more and a label",
            )
        previous = found[scale][-1] if found[scale] else None
        if previous is not None and score <= previous[0]:
            raise DataError(
                f"the {scale} scores do not rise",
                file=label,
                row=number,
                column="score",
                value=show(raw),
                expected=f"more than {previous[0]} (row {previous[2]}): lowest first, each once",
            )
        found[scale].append((int(score), text, number))
    for scale in SCALES:
        if not found[scale]:
            raise DataError(
                f"no {scale} rows",
                file=label,
                row=grid.header_row,
                column="scale",
                expected=f"at least one row with scale {scale}",
            )
    try:
        return RiskMatrix(
            likelihoods=tuple((s, t) for s, t, _ in found["likelihood"]),
            impacts=tuple((s, t) for s, t, _ in found["impact"]),
            bands=tuple((t, s) for s, t, _ in found["band"]),
            source=label,
        )
    except ParameterError as error:
        row = found["band"][0][2]
        raise DataError(
            str(error), file=label, row=row, column="score", expected="bands that cover every score"
        ) from None
