"""Chart builders in house style (:mod:`cscanalysis.render.style`): trend lines against
neighbours, region and England, counts over time, grouped bars, a league strip and a forecast
fan. Each returns a :class:`~cscanalysis.render.chart.Chart` with an active title that states
the message, a statistical subtitle (measure, place, period), alt text, a caption, a source line
on the chart and the exact data plotted; markers and direct labels mean that no chart depends
on colour alone.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from cscanalysis.core.formatting import fmt_money
from cscanalysis.core.measures import Measure
from cscanalysis.render.chart import Chart
from cscanalysis.render.layout import direct_label, finish, legend_below
from cscanalysis.render.style import (
    DARK_BLUE,
    DARK_GREY,
    DARK_PINK,
    MARKERS,
    ORANGE,
    PALETTE,
    TURQUOISE,
    new_figure,
)
from cscanalysis.render.words import (
    TITLE_YEARS,
    figure_text,
    label_with_unit,
    movement,
    period_label,
    period_words,
    range_clause,
    relative,
    show,
    unit_suffix,
)


def trend_line(
    comparison: pd.DataFrame,
    *,
    slug: str,
    place: str,
    measure: Measure,
    noun: str,
    source: str,
    region_name: str,
) -> Chart:
    """Line chart of a measure for a council against its neighbours, region and England.

    ``comparison`` has the columns of :func:`cscanalysis.analysis.benchmark.comparison`. Years the
    council has no published value are gaps in its line and named by their symbol in the data table.
    """
    frame = comparison.copy()
    periods = frame["period"].tolist()
    lines = [
        (place, frame["council"], DARK_BLUE, "o", 2.4),
        ("Neighbours (mean)", frame["neighbours"], TURQUOISE, "s", 1.6),
        (region_name, frame["region"], DARK_PINK, "^", 1.6),
        ("England", frame["england"], ORANGE, "D", 1.6),
    ]
    figure, axes = new_figure()
    used: list[float] = []
    x = np.arange(len(periods))
    for label, values, color, marker, width in lines:
        y = values.to_numpy(dtype=float)
        if not np.isfinite(y).any():
            continue
        axes.plot(x, y, color=color, marker=marker, linewidth=width, markersize=4.5, label=label)
    axes.set_xticks(x, [period_label(p) for p in periods])
    axes.set_ylim(bottom=0)
    axes.set_ylabel(measure.unit)
    if measure.kind == "money":
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_money(v)))
    axes.set_xlim(-0.4, len(periods) - 0.6)
    for label, values, color, _, _ in lines:
        direct_label(axes, periods, values.to_numpy(dtype=float), label, color, used)

    # The title speaks of the last five years (or fewer): the recent trend is the message.
    own = frame.dropna(subset=["council"]).tail(TITLE_YEARS)
    first_period, last_period = periods[0], periods[-1]
    if len(own):
        first, last = own.iloc[0], own.iloc[-1]
        unit = unit_suffix(measure)
        if unit.strip() and unit.strip() in noun:  # "spending per child looked after": said
            unit = ""
        if len(own) == 1:  # one published year (a new council): nothing to compare
            change = f"was {figure_text(last['council'], measure)}{unit} in "
            change += period_label(last["period"])
        else:
            change = (
                f"{movement(first['council'], last['council'])} from "
                f"{figure_text(first['council'], measure)} to "
                f"{figure_text(last['council'], measure)}{unit} between "
                f"{period_label(first['period'])} and {period_label(last['period'])}"
            )
        title = f"{place}'s {noun} {change}" + range_clause(
            periods,
            frame["council"].to_numpy(dtype=float),
            float(first["council"]),
            float(last["council"]),
            measure.places,
            measure,
        )
        england_last = frame.loc[frame["period"] == last["period"], "england"].iloc[0]
        alt = f"Line chart: {title}"
        if np.isfinite(england_last):
            alt += (
                f", {relative(last['council'], england_last)} England's "
                f"{figure_text(england_last, measure)}"
            )
        alt += ". Lines also show the statistical neighbours' mean and " + region_name + "."
    else:
        title = f"{place} has no published {noun} in these years"
        alt = f"Line chart: {title}; England and comparators are shown."
    subtitle = (
        f"{label_with_unit(measure.label, measure.unit)}, {place} and comparators, "
        f"{period_words(first_period)} to {period_words(last_period)}"
    )
    finish(figure, axes, subtitle, source)
    data = pd.DataFrame(
        {
            "period": periods,
            f"{place} ({measure.unit})": [
                show(v, f, places=measure.places, symbol=True)
                for v, f in zip(frame["council"], frame["council_flag"], strict=True)
            ],
            f"Statistical neighbours mean ({measure.unit})": frame["neighbours"].round(
                measure.places + 1
            ),
            "Neighbours with a value": frame["neighbours_n"],
            f"{region_name} ({measure.unit})": frame["region"],
            f"England ({measure.unit})": frame["england"],
        }
    )
    caption = (
        f"{measure.label}, {place} compared with the mean of its statistical neighbours, "
        f"{region_name} and England. Gaps mean no figure was published for that year."
    )
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)


def counts_line(
    frame: pd.DataFrame,
    *,
    slug: str,
    place: str,
    series: dict[str, str],
    noun: str,
    unit: str,
    source: str,
    origin: str = "as published by DfE",
) -> Chart:
    """Line chart of several counts for one council (e.g. in care, starts, ceased).

    ``frame`` has ``period`` and one column per key of ``series`` (column -> legend label), with
    a matching ``<column>_flag`` column holding published symbols. ``origin`` ends the caption's
    first sentence (where the figures come from).
    """
    periods = frame["period"].tolist()
    figure, axes = new_figure()
    x = np.arange(len(periods))
    used: list[float] = []
    for (column, label), color, marker in zip(series.items(), PALETTE, MARKERS, strict=False):
        axes.plot(
            x,
            frame[column].to_numpy(dtype=float),
            color=color,
            marker=marker,
            linewidth=2,
            markersize=4.5,
            label=label,
        )
    axes.set_xticks(x, [period_label(p) for p in periods])
    axes.set_ylim(bottom=0)
    axes.set_ylabel(unit)
    axes.set_xlim(-0.4, len(periods) - 0.6)
    for (column, label), color in zip(series.items(), PALETTE, strict=False):
        direct_label(axes, periods, frame[column].to_numpy(dtype=float), label, color, used)
    first_col = next(iter(series))
    own = frame.dropna(subset=[first_col])
    recent = own.tail(TITLE_YEARS)
    if len(own):
        a, b = recent.iloc[0], recent.iloc[-1]
        title = (
            f"{place}: {noun} {movement(a[first_col], b[first_col])} from "
            f"{show(a[first_col])} in {a['period']} to {show(b[first_col])} in "
            f"{b['period']}"
        ) + range_clause(
            periods, frame[first_col].to_numpy(dtype=float), a[first_col], b[first_col]
        )
    else:
        title = f"{place}: no published figures for {noun} in these years"
    subtitle = f"{', '.join(series.values())} ({unit}), {place}, {periods[0]} to {periods[-1]}"
    finish(figure, axes, subtitle, source)
    data = pd.DataFrame(
        {"period": periods}
        | {
            f"{label} ({unit})": [
                show(v, f, symbol=True)
                for v, f in zip(frame[col], frame[f"{col}_flag"], strict=True)
            ]
            for col, label in series.items()
        }
    )
    latest = (
        ", ".join(
            f"{label.lower()} {show(own.iloc[-1][col], own.iloc[-1][f'{col}_flag'])}"
            for col, label in series.items()
        )
        if len(own)
        else "no figures"
    )
    alt = f"Line chart: {title}. In {periods[-1]}: {latest}."
    caption = f"{', '.join(series.values())} in {place}, {origin}. Gaps: not published."
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)


def comparison_bars(
    frame: pd.DataFrame, *, slug: str, place: str, period_label: str, source: str, title: str
) -> Chart:
    """Grouped horizontal bars: several measures for the council, neighbours and England.

    ``frame`` has columns ``label`` (measure label with unit), ``council``, ``council_flag``,
    ``neighbours`` and ``england``.
    """
    figure, axes = new_figure(height=0.9 + 0.75 * len(frame))
    y = np.arange(len(frame))
    groups = [
        (place, "council", DARK_BLUE, None),
        ("Statistical neighbours (mean)", "neighbours", TURQUOISE, "///"),
        ("England", "england", ORANGE, "..."),
    ]
    height = 0.26
    for i, (label, column, color, hatch) in enumerate(groups):
        values = frame[column].to_numpy(dtype=float)
        bars = axes.barh(
            y + (i - 1) * height,
            np.nan_to_num(values),
            height=height,
            color=color,
            hatch=hatch,
            edgecolor="white",
            label=label,
        )
        for bar, value in zip(bars, values, strict=True):
            text = show(value, places=1) if np.isfinite(value) else "not published"
            axes.annotate(
                text,
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7.5,
                color=DARK_GREY,
            )
    axes.set_yticks(y, [textwrap.fill(label, 18) for label in frame["label"]])
    axes.invert_yaxis()
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", visible=True)
    top = np.nanmax(frame[["council", "neighbours", "england"]].to_numpy(dtype=float))
    axes.set_xlim(0, (top if np.isfinite(top) else 1) * 1.2)
    legend_below(axes)
    subtitle = f"Social work workforce, {place}, neighbours and England, {period_label}"
    finish(figure, axes, subtitle, source)
    data = pd.DataFrame(
        {
            "measure": frame["label"],
            place: [
                show(v, f, places=1, symbol=True)
                for v, f in zip(frame["council"], frame["council_flag"], strict=True)
            ],
            "Statistical neighbours mean": frame["neighbours"].round(2),
            "England": frame["england"],
        }
    )
    parts = [
        f"{row.label}: {show(row.council, row.council_flag, places=1)} against England's "
        f"{show(row.england, places=1)}"
        for row in frame.itertuples()
    ]
    alt = f"Bar chart: {title}. " + "; ".join(parts) + "."
    caption = f"Workforce measures at 30 September ({period_label}); hatching distinguishes groups."
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)


def league_strip(
    league: pd.DataFrame,
    *,
    slug: str,
    code: str,
    place: str,
    measure: Measure,
    period: str,
    england: float,
    source: str,
) -> Chart:
    """Every council's value as a ranked dot, the council highlighted and England marked."""
    ranked = league.dropna(subset=["value"]).sort_values("value").reset_index(drop=True)
    figure, axes = new_figure(height=2.8)
    x = np.arange(len(ranked))
    own = ranked["council_code"] == code
    axes.scatter(
        x[~own],
        ranked.loc[~own, "value"],
        s=10,
        color=DARK_GREY,
        alpha=0.55,
        label="Other councils",
    )
    axes.scatter(
        x[own], ranked.loc[own, "value"], s=70, color=DARK_BLUE, marker="D", zorder=3, label=place
    )
    # Ranked from lowest, the dots leave the top left and the bottom right empty: the council's
    # name goes top left (a line to its dot) and England's label bottom right, under its line.
    if np.isfinite(england):
        axes.axhline(england, color=ORANGE, linestyle="--", linewidth=1.2)
        axes.annotate(
            f"England {show(england, places=measure.places)}",
            (len(ranked) - 1, england),
            xytext=(0, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            color=ORANGE,
            fontsize=8,
        )
    axes.set_xticks([])
    axes.set_xlabel("Councils ranked from lowest to highest")
    axes.set_ylabel(measure.unit)
    axes.set_ylim(bottom=0)
    row = ranked[own]
    if len(row):
        r = row.iloc[0]
        axes.annotate(
            textwrap.fill(place, 24),  # fits half a page's width
            (x[own][0], r["value"]),
            xytext=(0.03, 0.95),
            textcoords="axes fraction",
            ha="left",
            va="top",
            arrowprops={"arrowstyle": "-", "color": DARK_BLUE, "linewidth": 0.8},
            color=DARK_BLUE,
            fontweight="bold",
            fontsize=8.5,
        )
        quartile = {1: "lowest", 2: "second lowest", 3: "second highest", 4: "highest"}[
            int(r["quartile"])
        ]
        title = (
            f"{place} ranks {int(r['rank'])} of {int(r['of'])} councils (1 = lowest), "
            f"in the {quartile} quarter"
        )
    else:
        title = f"{place} has no published value in {period}, so it is not ranked"
    subtitle = f"{label_with_unit(measure.label, measure.unit)}, all councils, {period}"
    finish(figure, axes, subtitle, source)
    data = pd.DataFrame(
        {
            "council": ranked.get("council_name", ranked["council_code"]),
            "council code": ranked["council_code"],
            f"{measure.label} ({measure.unit})": ranked["value"].round(measure.places),
            "rank (1 = lowest)": ranked["rank"].astype(int),
            "of": ranked["of"].astype(int),
            "quarter (1 = lowest, 4 = highest)": ranked["quartile"].astype(int),
        }
    )
    alt = f"Dot chart of {len(ranked)} councils ranked by {measure.label.lower()}: {title}" + (
        f"; England's figure is {show(england, places=measure.places)}."
        if np.isfinite(england)
        else "."
    )
    caption = f"Each dot is a council with a published figure for {period}."
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)


def fan_chart(
    history: pd.Series,
    forecast: pd.DataFrame,
    *,
    slug: str,
    place: str,
    measure: Measure,
    noun: str,
    source: str,
    target: pd.Series | None = None,
) -> Chart:
    """Published history, then the forecast with 80% and 95% intervals (and a target path).

    ``history`` maps int years to values; ``forecast`` has ``period``, ``mean``, ``lo80``,
    ``hi80``, ``lo95`` and ``hi95``. Bands are labelled on the chart, so the chart reads
    without colour; the forecast line is dashed with open markers.
    """
    history = history.dropna()
    years = [int(y) for y in history.index] + [int(p) for p in forecast["period"]]
    if target is not None:
        years += [int(y) for y in target.index]
    years = sorted(set(years))
    x = {year: i for i, year in enumerate(years)}
    figure, axes = new_figure()
    fx = [x[int(p)] for p in forecast["period"]]
    joint = [x[int(history.index[-1])], *fx]
    last = float(history.iloc[-1])

    def band(lo: str, hi: str, alpha: float, label: str) -> None:
        axes.fill_between(
            joint,
            [last, *forecast[lo]],
            [last, *forecast[hi]],
            color=DARK_BLUE,
            alpha=alpha,
            linewidth=0,
            label=label,
        )
        at_end(label, float(forecast[hi].iloc[-1]), fx[-1], DARK_GREY)

    def at_end(label: str, value: float, position: int, color: str) -> None:
        y = np.full(len(years), np.nan)
        y[position] = value
        direct_label(axes, years, y, label, color)

    band("lo95", "hi95", 0.12, "95% interval")
    band("lo80", "hi80", 0.25, "80% interval")
    axes.plot(
        [x[int(y)] for y in history.index],
        history.to_numpy(),
        color=DARK_BLUE,
        marker="o",
        linewidth=2.4,
        markersize=4.5,
        label="Published",
    )
    axes.plot(
        joint,
        [last, *forecast["mean"]],
        color=DARK_BLUE,
        linestyle="--",
        marker="o",
        markerfacecolor="white",
        linewidth=1.8,
        markersize=4.5,
        label="Forecast",
    )
    if target is not None:
        axes.plot(
            [x[int(y)] for y in target.index],
            target.to_numpy(),
            color=ORANGE,
            linestyle="-.",
            marker="D",
            markersize=4,
            linewidth=1.6,
            label="Target",
        )
        at_end("Target", float(target.iloc[-1]), x[int(target.index[-1])], ORANGE)
    at_end("Forecast", float(forecast["mean"].iloc[-1]), fx[-1], DARK_BLUE)
    axes.set_xticks(range(len(years)), [str(y) for y in years])
    axes.set_xlim(-0.4, len(years) - 0.6)
    axes.set_ylim(bottom=0)
    axes.set_ylabel(measure.unit)
    end = forecast.iloc[-1]
    title = (
        f"Forecast: {place}'s {noun} would be about "
        f"{show(end['mean'])} by {end['period']} (80% range {show(end['lo80'])} to "
        f"{show(end['hi80'])})"
    )
    subtitle = (
        f"{label_with_unit(measure.label, measure.unit)}, {place}: published to "
        f"{history.index[-1]}, "
        f"forecast to {end['period']}"
    )
    finish(figure, axes, subtitle, source)
    data = pd.DataFrame({"period": [str(y) for y in years]})
    data[f"published ({measure.unit})"] = [
        show(history.get(y, np.nan), symbol=True) if y in history.index else "" for y in years
    ]
    fc = forecast.set_index(forecast["period"].astype(int))
    for column in ("mean", "lo80", "hi80", "lo95", "hi95"):
        data[f"forecast {column}"] = [
            round(float(fc.loc[y, column]), 1) if y in fc.index else np.nan for y in years
        ]
    if target is not None:
        data["target"] = [
            round(float(target[y]), 1) if y in target.index else np.nan for y in years
        ]
    alt = (
        f"Fan chart: {title}. Published figures run to {show(last)} in "
        f"{history.index[-1]}; the shaded bands show the 80% and 95% intervals"
        + (
            f"; the target path reaches {show(target.iloc[-1])} in {target.index[-1]}."
            if target is not None
            else "."
        )
    )
    caption = (
        "Forecast from the method that beat no change in each of the last three years "
        "tested (rolling-origin backtest over all councils), else no change; intervals "
        "set from its errors in every year tested."
    )
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)
