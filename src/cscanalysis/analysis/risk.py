"""Risk matrix: scores, bands, current rating against tolerance, and heat-map data.

Pure functions on a risk register, one row per risk, as
:func:`cscanalysis.sources.riskfiles.read_risks` returns it:

    id, title, owner, likelihood, impact, tolerance_likelihood, tolerance_impact

**The matrix** (:class:`RiskMatrix`) names the likelihood and impact scales (their scores and
labels) and the bands of the score likelihood x impact, each band from its lowest score up to
the next band's. Councils set their own: give a matrix file
(:func:`cscanalysis.sources.riskfiles.read_risk_matrix`) or bands on the command line.

**The package's default** (its own choice, not any council's) is likelihood 1 to 4 times impact
1, 3, 5 or 7 (possible scores 1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 14, 15, 20, 21, 28), with bands:

    ===========  ========  =============================================================
    band         score     cells (likelihood x impact)
    ===========  ========  =============================================================
    low          1 to 4    any likelihood with impact 1; likelihood 1 with impact 3
    medium       5 to 9    2x3, 3x3, 1x5, 1x7
    high         10 to 15  4x3, 2x5, 3x5, 2x7
    critical     16+       4x5, 3x7, 4x7
    ===========  ========  =============================================================

**Tolerance.** Each risk has a tolerance rating (the level the council will accept); a risk
whose current score is above its tolerance score is flagged ``above_tolerance``.

**Ordering.** Highest current score first; then above-tolerance risks first; then the larger
gap to tolerance; then higher impact; then the order given.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cscanalysis.core.errors import ParameterError

__all__ = [
    "BANDS",
    "DEFAULT_MATRIX",
    "IMPACTS",
    "IMPACT_LABELS",
    "LIKELIHOODS",
    "LIKELIHOOD_LABELS",
    "RISK_COLUMNS",
    "RiskMatrix",
    "band_counts",
    "parse_bands",
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
class RiskMatrix:
    """Scales, labels and bands of a risk matrix (default: the package's own, above).

    ``likelihoods`` and ``impacts`` map each score on the scale to its label; ``bands`` are
    ``(name, lowest score)`` pairs, lowest first, the first starting at or below the smallest
    possible score. ``source`` says where the matrix came from, for the pack's notes.
    """

    likelihoods: tuple[tuple[int, str], ...] = tuple(LIKELIHOOD_LABELS.items())
    impacts: tuple[tuple[int, str], ...] = tuple(IMPACT_LABELS.items())
    bands: tuple[tuple[str, int], ...] = (("low", 1), ("medium", 5), ("high", 10), ("critical", 16))
    source: str = "the package's default"

    def __post_init__(self) -> None:
        for name, scale in (("likelihood", self.likelihoods), ("impact", self.impacts)):
            scores = [s for s, _ in scale]
            if not scores or any(s < 1 for s in scores) or scores != sorted(set(scores)):
                raise ParameterError(
                    f"the {name} scale must be whole numbers of 1 or more, rising, each once: "
                    f"not {scores}"
                )
        names = [n for n, _ in self.bands]
        lows = [low for _, low in self.bands]
        if not names or len(set(names)) != len(names) or not all(names):
            raise ParameterError(f"risk bands need distinct names, not {names}")
        if lows != sorted(set(lows)):
            raise ParameterError(f"risk bands must start at rising scores, not {lows}")
        smallest = self.likelihoods[0][0] * self.impacts[0][0]
        if lows[0] > smallest:
            raise ParameterError(
                f"the first risk band starts at {lows[0]}, above the smallest score {smallest}: "
                "every score needs a band"
            )

    @property
    def likelihood_scores(self) -> tuple[int, ...]:
        return tuple(s for s, _ in self.likelihoods)

    @property
    def impact_scores(self) -> tuple[int, ...]:
        return tuple(s for s, _ in self.impacts)

    @property
    def band_names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.bands)

    def band(self, score: int) -> str:
        """The band of a likelihood x impact score."""
        name = self.bands[0][0]
        for band, low in self.bands:
            if score >= low:
                name = band
        return name

    def describe(self) -> str:
        """The bands as text: ``low 1-4, medium 5-9, high 10-15, critical 16 and over``."""
        parts = []
        for i, (name, low) in enumerate(self.bands):
            if i + 1 < len(self.bands):
                high = self.bands[i + 1][1] - 1
                parts.append(f"{name} {low}" + (f"-{high}" if high > low else ""))
            else:
                parts.append(f"{name} {low} and over")
        return ", ".join(parts)


DEFAULT_MATRIX = RiskMatrix()


def parse_bands(text: str, matrix: RiskMatrix = DEFAULT_MATRIX) -> RiskMatrix:
    """``'low:1,medium:5,high:12,very high:20'`` as ``matrix`` with those bands."""
    bands = []
    for part in str(text).split(","):
        name, sep, low = part.rpartition(":")
        try:
            bands.append((name.strip(), int(low)))
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise ParameterError(
                f"cannot read the risk band {part.strip()!r}: give name:lowest score pairs such "
                "as low:1,medium:5,high:10,critical:16"
            )
    return RiskMatrix(matrix.likelihoods, matrix.impacts, tuple(bands), source="as given")


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
