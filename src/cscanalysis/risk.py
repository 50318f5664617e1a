"""Risk matrix: scores, bands, current rating against tolerance, and heat-map data.

Pure functions on a risk register, one row per risk, as
:func:`cscanalysis.sources.casefiles.read_risks` returns it:

    id, title, owner, likelihood, impact, tolerance_likelihood, tolerance_impact

**Scores.** Likelihood 1 to 4 times impact 1, 3, 5 or 7, the 4 x 4 matrix of English council
corporate risk registers such as Bristol City Council's (its quarterly Corporate Risk Register
reports give each risk a current and a tolerance "Likelihood, Impact, Risk Rating"). Possible
scores: 1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 14, 15, 20, 21, 28.

**Bands** are this package's documented choice (councils set their own; pass ``bands``):

    ===========  ========  =============================================================
    band         score     cells (likelihood x impact)
    ===========  ========  =============================================================
    low          1 to 4    any likelihood with impact 1; likelihood 1 with impact 3
    medium       5 to 9    2x3, 3x3, 1x5, 1x7
    high         10 to 15  4x3, 2x5, 3x5, 2x7
    critical     16+       4x5, 3x7, 4x7
    ===========  ========  =============================================================

so the bands run diagonally across the matrix and a likely, critical-impact risk (3x7 = 21) is
critical while a very likely, moderate-impact one (4x3 = 12) is high.

**Tolerance.** Each risk has a tolerance rating (the level the council will accept); a risk
whose current score is above its tolerance score is flagged ``above_tolerance``.

**Ordering.** Highest current score first; then above-tolerance risks first; then the larger
gap to tolerance; then higher impact; then the order given.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cscanalysis.errors import ParameterError

__all__ = [
    "BANDS",
    "IMPACTS",
    "IMPACT_LABELS",
    "LIKELIHOODS",
    "LIKELIHOOD_LABELS",
    "RISK_COLUMNS",
    "RiskBands",
    "band_counts",
    "risk_heatmap_data",
    "score_band",
    "score_risks",
]

LIKELIHOODS = (1, 2, 3, 4)
IMPACTS = (1, 3, 5, 7)
LIKELIHOOD_LABELS = {1: "unlikely", 2: "possible", 3: "likely", 4: "very likely"}
IMPACT_LABELS = {1: "minor", 3: "moderate", 5: "major", 7: "critical"}
BANDS = ("low", "medium", "high", "critical")
RISK_COLUMNS = [
    "id", "title", "owner", "likelihood", "impact", "tolerance_likelihood", "tolerance_impact",
]  # fmt: skip


@dataclass(frozen=True)
class RiskBands:
    """Upper score of the low, medium and high bands; anything above ``high_max`` is critical."""

    low_max: int = 4
    medium_max: int = 9
    high_max: int = 15

    def __post_init__(self) -> None:
        if not 1 <= self.low_max < self.medium_max < self.high_max < 28:
            raise ParameterError(
                "risk bands must rise: 1 <= low_max < medium_max < high_max < 28, not "
                f"{self.low_max}, {self.medium_max}, {self.high_max}"
            )


def score_band(score: int, bands: RiskBands = RiskBands()) -> str:
    """``'low'``, ``'medium'``, ``'high'`` or ``'critical'`` for a likelihood x impact score."""
    if score <= bands.low_max:
        return "low"
    if score <= bands.medium_max:
        return "medium"
    if score <= bands.high_max:
        return "high"
    return "critical"


def _check_scale(risks: pd.DataFrame) -> None:
    for column, allowed in (
        ("likelihood", LIKELIHOODS),
        ("impact", IMPACTS),
        ("tolerance_likelihood", LIKELIHOODS),
        ("tolerance_impact", IMPACTS),
    ):
        if column not in risks.columns:
            raise ParameterError(f"the risk table has no column {column!r}")
        bad = risks.loc[~risks[column].isin(allowed), column]
        if len(bad):
            raise ParameterError(
                f"{column} must be one of {', '.join(map(str, allowed))}, not {bad.iloc[0]!r}"
            )


def score_risks(risks: pd.DataFrame, bands: RiskBands = RiskBands()) -> pd.DataFrame:
    """Scores, bands and the tolerance flag for each risk, ordered (see the module docstring).

    Adds ``score, band, tolerance_score, tolerance_band, above_tolerance`` (bool),
    ``gap_to_tolerance`` (score - tolerance score) and ``rank`` (1 = most serious).
    """
    _check_scale(risks)
    out = risks.copy()
    out["score"] = (out["likelihood"] * out["impact"]).astype(int)
    out["band"] = out["score"].map(lambda s: score_band(s, bands))
    out["tolerance_score"] = (out["tolerance_likelihood"] * out["tolerance_impact"]).astype(int)
    out["tolerance_band"] = out["tolerance_score"].map(lambda s: score_band(s, bands))
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
    scored: pd.DataFrame, bands: RiskBands = RiskBands(), *, rating: str = "current"
) -> pd.DataFrame:
    """Tidy heat-map cells: one row for each of the 16 likelihood x impact cells.

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
    for likelihood in LIKELIHOODS:
        for impact in IMPACTS:
            here = scored[(scored[lcol] == likelihood) & (scored[icol] == impact)]
            rows.append(
                {
                    "likelihood": likelihood,
                    "likelihood_label": LIKELIHOOD_LABELS[likelihood],
                    "impact": impact,
                    "impact_label": IMPACT_LABELS[impact],
                    "score": likelihood * impact,
                    "band": score_band(likelihood * impact, bands),
                    "count": len(here),
                    "risk_ids": ", ".join(str(i) for i in here["id"]),
                }
            )
    return pd.DataFrame(rows)


def band_counts(scored: pd.DataFrame) -> pd.DataFrame:
    """Risks per band (all four bands, in order), with how many are above tolerance."""
    rows = []
    for band in BANDS:
        here = scored[scored["band"] == band]
        rows.append(
            {
                "band": band,
                "risks": len(here),
                "above_tolerance": int(here["above_tolerance"].sum()),
            }
        )
    return pd.DataFrame(rows)
