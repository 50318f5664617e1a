"""House style of every chart: the Analysis Function categorical palette, markers, fonts, sizes
(A4 full and half width) and a new figure set in that style.

Markers and direct labels go with the colours, so that no chart depends on colour alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Analysis Function categorical palette (analysisfunction.civilservice.gov.uk, colours guidance)
DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE = (
    "#12436D",
    "#28A197",
    "#801650",
    "#F46A25",
    "#3D3D3D",
    "#A285D1",
)
PALETTE = [DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE]
MARKERS = ["o", "s", "^", "D", "v", "P"]
FULL_WIDTH_IN = 6.3  # A4 text width with 2.5 cm margins
HALF_WIDTH_IN = 3.1
NARROW_IN = 4.5  # narrower than this (half a page), a chart gets its own layout
LABEL_SIZE = 8.5  # direct labels, in points
FONT_SIZE = 10

STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": DARK_GREY,
    "axes.labelcolor": DARK_GREY,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#D9D9D9",
    "grid.linewidth": 0.6,
    "xtick.color": DARK_GREY,
    "ytick.color": DARK_GREY,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 300,
}


def new_figure(width: float = FULL_WIDTH_IN, height: float = 3.4) -> tuple[Figure, Axes]:
    """A figure in house style with one plot, laid out by the constrained layout engine."""
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(figsize=(width, height), layout="constrained")
    return figure, axes
