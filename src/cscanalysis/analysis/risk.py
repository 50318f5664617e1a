"""Risk matrix: scores, bands, current rating against tolerance, and heat-map data.

Pure functions on a risk register, one row per risk, as
:func:`cscanalysis.sources.riskfiles.read_risks` returns it:

    id, title, owner, likelihood, impact, tolerance_likelihood, tolerance_impact

Scores are read against a council's risk matrix (scales, labels and bands:
:class:`cscanalysis.core.risk_matrix.RiskMatrix`; the package's default is described there).

**Tolerance.** Each risk has a tolerance rating (the level the council will accept); a risk
whose current score is above its tolerance score is flagged ``above_tolerance``.

**Ordering.** Highest current score first; then above-tolerance risks first; then the larger
gap to tolerance; then higher impact; then the order given.
"""

from __future__ import annotations

import pandas as pd

from cscanalysis.core.errors import ParameterError
from cscanalysis.core.risk_matrix import DEFAULT_MATRIX, RiskMatrix

__all__ = [
    "band_counts",
    "risk_heatmap_data",
    "score_band",
    "score_risks",
]


def score_band(score: int, matrix: RiskMatrix = DEFAULT_MATRIX) -> str:
    """The band name for a likelihood x impact score."""
    return matrix.band(score)


def _check_scale(risks: pd.DataFrame, matrix: RiskMatrix) -> None:
    likelihoods, impacts = matrix.likelihood_scores, matrix.impact_scores
    for column, allowed in (
        ("likelihood", likelihoods),
        ("impact", impacts),
        ("tolerance_likelihood", likelihoods),
        ("tolerance_impact", impacts),
    ):
        if column not in risks.columns:
            raise ParameterError(f"the risk table has no column {column!r}")
        bad = risks.loc[~risks[column].isin(allowed), column]
        if len(bad):
            raise ParameterError(
                f"{column} must be one of {', '.join(map(str, allowed))}, not {bad.iloc[0]!r}"
            )


def score_risks(risks: pd.DataFrame, matrix: RiskMatrix = DEFAULT_MATRIX) -> pd.DataFrame:
    """Scores, bands and the tolerance flag for each risk, ordered (see the module docstring).

    Adds ``score, band, tolerance_score, tolerance_band, above_tolerance`` (bool),
    ``gap_to_tolerance`` (score - tolerance score) and ``rank`` (1 = most serious).
    """
    _check_scale(risks, matrix)
    out = risks.copy()
    out["score"] = (out["likelihood"] * out["impact"]).astype(int)
    out["band"] = out["score"].map(lambda s: matrix.band(s))
    out["tolerance_score"] = (out["tolerance_likelihood"] * out["tolerance_impact"]).astype(int)
    out["tolerance_band"] = out["tolerance_score"].map(lambda s: matrix.band(s))
    out["above_tolerance"] = out["score"] > out["tolerance_score"]
    out["gap_to_tolerance"] = out["score"] - out["tolerance_score"]
    out["_given"] = range(len(out))
    out = out.sort_values(
        ["score", "above_tolerance", "gap_to_tolerance", "impact", "_given"],
        ascending=[False, False, False, False, True],
        kind="stable",
    ).drop(columns="_given")
    out["rank"] = range(1, len(out) + 1)
    return out.reset_index(drop=True)


def risk_heatmap_data(
    scored: pd.DataFrame, matrix: RiskMatrix = DEFAULT_MATRIX, *, rating: str = "current"
) -> pd.DataFrame:
    """Tidy heat-map cells: one row for each likelihood x impact cell of ``matrix``.

    Columns: ``likelihood, likelihood_label, impact, impact_label, score, band, count,
    risk_ids`` (ids in ranking order, joined by ``', '``). ``rating='tolerance'`` places risks
    by their tolerance rating instead. Rows run from likelihood 1, impact 1 upwards; the
    chart puts likelihood on x and impact on y.
    """
    if rating not in ("current", "tolerance"):
        raise ParameterError(f"rating must be 'current' or 'tolerance', not {rating!r}")
    lcol, icol = (
        ("likelihood", "impact")
        if rating == "current"
        else ("tolerance_likelihood", "tolerance_impact")
    )
    rows = []
    for likelihood, likelihood_label in matrix.likelihoods:
        for impact, impact_label in matrix.impacts:
            here = scored[(scored[lcol] == likelihood) & (scored[icol] == impact)]
            rows.append(
                {
                    "likelihood": likelihood,
                    "likelihood_label": likelihood_label,
                    "impact": impact,
                    "impact_label": impact_label,
                    "score": likelihood * impact,
                    "band": matrix.band(likelihood * impact),
                    "count": len(here),
                    "risk_ids": ", ".join(str(i) for i in here["id"]),
                }
            )
    return pd.DataFrame(rows)


def band_counts(scored: pd.DataFrame, matrix: RiskMatrix = DEFAULT_MATRIX) -> pd.DataFrame:
    """Risks per band (every band of ``matrix``, in order), with how many are above tolerance."""
    rows = []
    for band in matrix.band_names:
        here = scored[scored["band"] == band]
        rows.append(
            {
                "band": band,
                "risks": len(here),
                "above_tolerance": int(here["above_tolerance"].sum()),
            }
        )
    return pd.DataFrame(rows)
