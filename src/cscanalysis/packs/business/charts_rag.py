"""The KPI scorecard and risk heat-map charts of a business-case pack, in house style: status
bands by position and marker shape, risk bands shaded and hatched (never colour alone)."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from cscanalysis.analysis import kpi
from cscanalysis.analysis.risk import risk_heatmap_data
from cscanalysis.core.formatting import is_missing
from cscanalysis.core.risk_matrix import DEFAULT_MATRIX, RiskMatrix
from cscanalysis.packs.business.charts import finish_plot
from cscanalysis.packs.business.tables import scorecard_table
from cscanalysis.packs.business.words import kpi_value
from cscanalysis.render.chart import Chart
from cscanalysis.render.style import DARK_BLUE, DARK_GREY, new_figure

__all__ = ["risk_heatmap_chart", "scorecard_chart"]


_BAND_ORDER = [kpi.WELL_BELOW, kpi.BELOW, kpi.ON, kpi.ABOVE, kpi.WELL_ABOVE]


_BAND_TICKS = [
    "Well below\ntarget",
    "Below\ntarget",
    "On target",
    "Above\ntarget",
    "Well above\ntarget",
    "No target\nor no data",
]


_DIRECTION_MARKERS = {
    kpi.IMPROVED: ("^", "Improved"),
    kpi.WORSENED: ("v", "Worsened"),
    kpi.SAME: ("o", "Same"),
    kpi.NO_BASELINE: ("D", "No earlier value"),
    kpi.NO_DATA: ("X", "No data"),
}


def scorecard_chart(
    card: pd.DataFrame, summary: kpi.ScorecardSummary, *, place: str, source: str
) -> Chart:
    """Each indicator placed in its status band (columns), its marker showing the direction of
    travel, its value and target written beside it: readable without colour."""
    n = len(card)
    figure, axes = new_figure(height=1.5 + 0.42 * n)
    for column in (0, 1):
        axes.axvspan(column - 0.5, column + 0.5, color="#F3F2F1", zorder=0)
    axes.axvspan(1.5, 2.5, color="#E5F4F2", zorder=0)
    for i, row in enumerate(card.itertuples()):
        x = _BAND_ORDER.index(row.status) if row.status in _BAND_ORDER else 5.3
        marker, _ = _DIRECTION_MARKERS[row.direction]
        hollow = row.direction == kpi.NO_BASELINE
        axes.plot(
            [x],
            [i],
            marker=marker,
            markersize=8,
            linestyle="none",
            color=DARK_BLUE,
            markerfacecolor="white" if hollow else DARK_BLUE,
            markeredgewidth=1.4,
        )
        target = (
            "no target" if is_missing(row.target) else f"target {kpi_value(row.target, row.unit)}"
        )
        axes.annotate(
            f"{kpi_value(row.value, row.unit, row.flag)} ({target})",
            (x, i),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
            color=DARK_GREY,
        )
    axes.set_yticks(range(n), [textwrap.fill(t, 34) for t in card["title"]], fontsize=7.5)
    axes.set_ylim(n - 0.4, -0.6)
    axes.set_xticks([0, 1, 2, 3, 4, 5.3], _BAND_TICKS, fontsize=7.5)
    axes.set_xlim(-0.5, 7.3)
    axes.grid(visible=False)
    handles = [
        Line2D(
            [],
            [],
            marker=m,
            linestyle="none",
            color=DARK_BLUE,
            label=label,
            markerfacecolor="white" if d == kpi.NO_BASELINE else DARK_BLUE,
        )
        for d, (m, label) in _DIRECTION_MARKERS.items()
        if d in set(card["direction"])
    ]
    figure.legend(handles=handles, loc="outside upper center", ncol=3, fontsize=7.5)
    period = str(card["period"].iloc[0])
    title = (
        f"{summary.on_or_above} of {summary.with_status} indicators with a target are on or above "
        f"target in {period}; {summary.improved} of {summary.with_baseline} improved on "
        f"{card['previous_period'].iloc[0]}"
    )
    subtitle = (
        f"Status against target and direction of travel since "
        f"{card['previous_period'].iloc[0]}, {n} indicators, {place}, {period}"
    )
    finish_plot(figure, axes, subtitle, source)
    parts = [
        f"{row.title}: {kpi_value(row.value, row.unit, row.flag)}"
        + (
            ""
            if is_missing(row.target)
            else f" against a target of {kpi_value(row.target, row.unit)}"
        )
        + f", {row.status}, {row.direction}"
        for row in card.itertuples()
    ]
    alt = f"Chart of indicator status: {title}. " + "; ".join(parts) + "."
    data = scorecard_table(card)
    caption = (
        "Columns are status bands (better or worse than target, so a lower caseload is 'above "
        "target'); the marker shape shows the direction of travel."
    )
    return Chart("kpi-scorecard", figure, title, subtitle, alt, caption, source, data)


_BAND_FILL = ("#FFFFFF", "#DCE6F0", "#FCD9C6", "#E4BCD0", "#C9A3C0", "#A87AA0")
_BAND_HATCH = ("", "..", "//", "xx", "++", "**")


def _band_style(matrix: RiskMatrix, band: str) -> tuple[str, str]:
    """Fill and hatch of a band by its position from the lowest (six styles, the top one kept
    for any bands beyond)."""
    i = min(matrix.band_names.index(band), len(_BAND_FILL) - 1)
    return _BAND_FILL[i], _BAND_HATCH[i]


def risk_heatmap_chart(
    scored: pd.DataFrame, *, place: str, source: str, matrix: RiskMatrix = DEFAULT_MATRIX
) -> Chart:
    """The matrix (likelihood across, impact up), bands shaded and hatched, each risk's id in
    its cell; ``*`` marks a risk above tolerance."""
    cells = risk_heatmap_data(scored, matrix)
    above = set(scored.loc[scored["above_tolerance"], "id"].astype(str))
    nx, ny = len(matrix.likelihoods), len(matrix.impacts)
    figure, axes = new_figure(height=max(4.4, 0.9 * ny + 0.8))
    for cell in cells.itertuples():
        x = matrix.likelihood_scores.index(cell.likelihood)
        y = matrix.impact_scores.index(cell.impact)
        fill, hatch = _band_style(matrix, cell.band)
        axes.add_patch(
            Rectangle((x, y), 1, 1, facecolor=fill, hatch=hatch, edgecolor="#9A9A9A", linewidth=0.8)
        )
        axes.text(
            x + 0.05,
            y + 0.93,
            f"{cell.band}\n({cell.score})",
            fontsize=6.5,
            va="top",
            color=DARK_GREY,
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
        )
        if cell.count:
            ids = [i + ("*" if i in above else "") for i in cell.risk_ids.split(", ")]
            axes.text(
                x + 0.5,
                y + 0.42,
                textwrap.fill(" ".join(ids), 12),
                ha="center",
                va="center",
                fontsize=8.5,
                fontweight="bold",
                color=DARK_BLUE,
                bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": DARK_BLUE},
            )
    axes.set_xlim(0, nx)
    axes.set_ylim(0, ny)
    axes.set_xticks(
        np.arange(nx) + 0.5, [f"{v}\n{label}" for v, label in matrix.likelihoods], fontsize=8
    )
    axes.set_yticks(
        np.arange(ny) + 0.5, [f"{v} {label}" for v, label in matrix.impacts], fontsize=8
    )
    axes.set_xlabel("Likelihood")
    axes.set_ylabel("Impact")
    axes.grid(visible=False)
    axes.tick_params(length=0)
    legend = [
        Patch(
            facecolor=_band_style(matrix, b)[0],
            hatch=_band_style(matrix, b)[1],
            edgecolor="#9A9A9A",
            label=b,
        )
        for b in matrix.band_names
    ]
    figure.legend(handles=legend, loc="outside upper center", ncol=len(legend), fontsize=8)
    n = len(scored)
    top = matrix.band_names[-1]
    critical = int((scored["band"] == top).sum())
    over = int(scored["above_tolerance"].sum())
    lead = f"{critical} of {n} risks are" if critical else f"None of the {n} risks is"
    title = f"{lead} rated {top} and {over} are above the council's tolerance"
    subtitle = f"Current risk rating (likelihood × impact), {n} risks, {place}"
    finish_plot(figure, axes, subtitle, source)
    parts = [
        f"{row.id}: likelihood {row.likelihood}, impact {row.impact}, score {row.score} "
        f"({row.band}){', above tolerance' if row.above_tolerance else ''}"
        for row in scored.itertuples()
    ]
    alt = f"Heat map of risks, likelihood across and impact up: {title}. " + "; ".join(parts) + "."
    data = cells.rename(
        columns={
            "likelihood": "Likelihood",
            "likelihood_label": "Likelihood (label)",
            "impact": "Impact",
            "impact_label": "Impact (label)",
            "score": "Score",
            "band": "Band",
            "count": "Risks",
            "risk_ids": "Risk ids",
        }
    )
    data = data[data["Risks"] > 0].reset_index(drop=True)
    styles = ("plain", "dotted", "striped", "cross-hatched", "crossed", "starred")
    caption = (
        "Bands are shaded and hatched ("
        + ", ".join(
            f"{b} {styles[min(i, len(styles) - 1)]}" for i, b in enumerate(matrix.band_names)
        )
        + f"; bands from {matrix.source}); * marks a risk above the council's tolerance."
    )
    return Chart("risk-heat-map", figure, title, subtitle, alt, caption, source, data)
