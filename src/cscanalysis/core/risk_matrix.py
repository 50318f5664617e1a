"""A council's risk matrix: the likelihood and impact scales (their scores and labels) and the
bands of the score likelihood x impact, each band from its lowest score up to the next band's.

Councils set their own: :func:`cscanalysis.sources.riskfiles.read_risk_matrix` reads one from a
file and :func:`parse_bands` takes bands from the command line. :mod:`cscanalysis.analysis.risk`
scores a register against it.

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
"""

from __future__ import annotations

from dataclasses import dataclass

from cscanalysis.core.errors import ParameterError

__all__ = [
    "BANDS",
    "DEFAULT_MATRIX",
    "IMPACTS",
    "IMPACT_LABELS",
    "LIKELIHOODS",
    "LIKELIHOOD_LABELS",
    "RiskMatrix",
    "parse_bands",
]

LIKELIHOODS = (1, 2, 3, 4)
IMPACTS = (1, 3, 5, 7)
LIKELIHOOD_LABELS = {1: "unlikely", 2: "possible", 3: "likely", 4: "very likely"}
IMPACT_LABELS = {1: "minor", 3: "moderate", 5: "major", 7: "critical"}
BANDS = ("low", "medium", "high", "critical")


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
