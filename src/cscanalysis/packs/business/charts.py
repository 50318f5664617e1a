"""The charts of a business-case pack, in house style (:mod:`cscanalysis.render.style`): each
returns a :class:`~cscanalysis.render.chart.Chart` with an active title, alt text and the data
plotted. Nothing depends on colour alone: savings and terminations are hatched, risk bands
shaded and hatched, KPI direction shown by marker shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from cscanalysis.analysis import sufficiency
from cscanalysis.analysis.finance import CaseSummary
from cscanalysis.core.formatting import fmt_int, fmt_money, fmt_number, fmt_pct, is_missing
from cscanalysis.core.metrics import round_half_up
from cscanalysis.packs.business.inputs import slugify
from cscanalysis.packs.business.words import (
    count_text,
    first_saving_index,
    money,
    pounds,
    years_text,
)
from cscanalysis.render.chart import Chart
from cscanalysis.render.layout import finish, set_subtitle
from cscanalysis.render.style import DARK_BLUE, DARK_GREY, ORANGE, TURQUOISE, new_figure

__all__ = [
    "approvals_chart",
    "cumulative_chart",
    "funnel_chart",
    "investment_chart",
    "salary_chart",
]


def _scale(top: float) -> tuple[float, str]:
    """Divisor and axis label for money: £ million from £1m, else £ thousand."""
    return (1e6, "£ million") if top >= 1e6 else (1e3, "£ thousand")


def millions(value: float) -> str:
    """Pounds on one scale of millions, rounded half up as the tables round: ``£0.8m``;
    ``under £0.1m`` rather than a positive figure shown as £0.0m."""
    if 0 < value < 50_000:
        return "under £0.1m"
    return f"£{round_half_up(value / 1e6, 1):,.1f}m"


def finish_plot(figure: Figure, axes: Axes, subtitle: str, source: str) -> None:
    """House :func:`~cscanalysis.render.layout.finish`, then the subtitle re-wrapped to the width
    the plot actually has (long tick labels leave it less than the figure's)."""
    finish(figure, axes, subtitle, source)
    engine = figure.get_layout_engine()
    if engine is not None:  # finish() sets the constrained layout; lay out now to measure
        engine.execute(figure)
    width = axes.get_position().width * figure.get_size_inches()[0]
    set_subtitle(axes, subtitle, max(30, int(width * 12.5)))


def investment_chart(
    yearly: pd.DataFrame, summary: CaseSummary, *, place: str, source: str
) -> Chart:
    """Investment and gross savings side by side for each financial year (savings hatched)."""
    years = yearly["year"].tolist()
    investment = yearly["investment"].to_numpy(dtype=float)
    savings = yearly["gross_savings"].to_numpy(dtype=float)
    top = float(max(investment.max(), savings.max(), 1.0))
    divisor, unit = _scale(top)
    figure, axes = new_figure(height=3.8)
    x = np.arange(len(years))
    width = 0.38
    bars = [
        (x - width / 2, investment, DARK_BLUE, None, "Investment (capital and revenue)"),
        (x + width / 2, savings, TURQUOISE, "///", "Gross savings (hatched)"),
    ]
    for xs, values, color, hatch, label in bars:
        axes.bar(
            xs, values / divisor, width, color=color, hatch=hatch, edgecolor="white", label=label
        )
        for xi, value in zip(xs, values, strict=True):
            if value > 0:
                axes.annotate(
                    money(value) if divisor != 1e6 else millions(value),  # one scale
                    (xi, value / divisor),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    rotation=90,
                    fontsize=7,
                    color=DARK_GREY,
                )
    axes.set_xticks(x, years)
    axes.set_ylabel(unit)
    axes.set_ylim(0, top / divisor * 1.45)
    figure.legend(loc="outside upper center", ncol=2, fontsize=8)
    first, last = years[0], years[-1]
    invested, saved = summary.total_investment, summary.total_savings
    if invested > 0 and saved >= invested:
        title = (
            f"Savings of {money(saved)} are {fmt_number(saved / invested, dp=1)} times the "
            f"investment of {money(invested)}, {first} to {last}"
        )
    elif invested > 0:
        title = (
            f"Savings of {money(saved)} recover {fmt_pct(saved / invested * 100, dp=0)} of the "
            f"investment of {money(invested)}, {first} to {last}"
        )
    else:
        title = f"Savings of {money(saved)} with no investment, {first} to {last}"
    subtitle = (
        f"Investment and gross savings by financial year ({unit}), {place}, {first} to {last}"
    )
    finish_plot(figure, axes, subtitle, source)
    peak = int(np.argmax(investment))
    alt = f"Bar chart: {title}. Investment is highest in {years[peak]} ({money(investment[peak])})"
    first_saving = first_saving_index(yearly)
    if first_saving is not None:
        alt += (
            f"; savings rise from {money(savings[first_saving])} in {years[first_saving]} to "
            f"{money(savings[-1])} in {last}"
        )
    alt += "."
    data = pd.DataFrame(
        {
            "Financial year": years,
            "Investment (£)": investment.round(2),
            "Gross savings (£)": savings.round(2),
            "Net saving (£)": (savings - investment).round(2),
        }
    )
    caption = (
        "Investment is capital, one-off revenue and ongoing revenue cost; gross savings are each "
        "year's saving against the baseline. Savings bars are hatched."
    )
    return Chart("invest-to-save", figure, title, subtitle, alt, caption, source, data)


def cumulative_chart(
    yearly: pd.DataFrame, summary: CaseSummary, *, place: str, source: str
) -> Chart:
    """Cumulative net saving at the end of each year, with the payback point marked.

    The line starts at zero at the start of the first year, drops at the start of a year by its
    capital and one-off spend and runs straight to the year end (savings and ongoing costs
    accrue evenly), the convention of :mod:`cscanalysis.analysis.finance`, so the payback point
    (where it first reaches zero) lies on it.
    """
    years = yearly["year"].tolist()
    n = len(years)
    cumulative = yearly["cumulative_net_position"].to_numpy(dtype=float)
    divisor, unit = _scale(float(np.abs(cumulative).max()) or 1.0)
    upfront = (yearly["capital"] + yearly["one_off_revenue"]).to_numpy(dtype=float)
    xs, ys = [0.0], [0.0]
    for i in range(n):  # capital and one-off spend at the start of a year, the rest through it
        if upfront[i] > 0:
            xs.append(float(i))
            ys.append((ys[-1] * divisor - upfront[i]) / divisor)
        xs.append(float(i + 1))
        ys.append(cumulative[i] / divisor)
    figure, axes = new_figure(height=3.6)
    for boundary in range(n + 1):
        axes.axvline(boundary, color="#D9D9D9", linewidth=0.6, zorder=0)
    axes.axhline(0, color=DARK_GREY, linewidth=0.9)
    axes.plot(xs, ys, color=DARK_BLUE, linewidth=2.2)
    axes.plot(
        np.arange(1, n + 1), cumulative / divisor, color=DARK_BLUE, marker="o", markersize=5,
        linestyle="none",
    )  # fmt: skip
    payback = summary.payback_from_spend_years
    crossing = summary.payback_year
    if crossing is not None and summary.payback_point > 0:
        point = summary.payback_point
        axes.plot(
            [point],
            [0],
            marker="*",
            markersize=15,
            color=ORANGE,
            markeredgecolor=DARK_GREY,
            zorder=4,
        )
        axes.annotate(
            f"Pays back after\n{fmt_number(payback, dp=2)} years",
            (point, 0),
            xytext=(-10, 28),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color=DARK_GREY,
            arrowprops={"arrowstyle": "-", "color": DARK_GREY, "linewidth": 0.8},
        )
    axes.annotate(
        money(cumulative[-1]),
        (n, cumulative[-1] / divisor),
        xytext=(6, 0),
        textcoords="offset points",
        va="center",
        fontsize=8.5,
        fontweight="bold",
        color=DARK_BLUE,
        annotation_clip=False,
    )
    axes.set_xticks(np.arange(n) + 0.5, years)
    axes.tick_params(axis="x", length=0)
    axes.set_xlim(0, n + 0.9)
    axes.set_ylabel(unit)
    axes.grid(axis="x", visible=False)
    last = years[-1]
    if summary.spend_start_year is None:
        title = (
            f"Savings cover the spending from the start; the cumulative net saving reaches "
            f"{money(cumulative[-1])} by {last}"
        )
    elif crossing is None:
        title = (
            f"The cumulative net saving is still {money(cumulative[-1])} at the end of {last}: "
            "the case does not pay back within its years"
        )
    else:
        title = (
            f"The cumulative net saving first reaches zero in {crossing}, "
            f"{fmt_number(payback, dp=2)} years after spending starts in "
            f"{summary.spend_start_year}, and is {money(cumulative[-1])} by the end of {last}"
        )
    subtitle = (
        f"Cumulative net saving (gross savings less investment, {unit}) at the end of each "
        f"financial year, {place}, {years[0]} to {last}"
    )
    finish_plot(figure, axes, subtitle, source)
    low = int(np.argmin(cumulative))
    alt = f"Line chart: {title}."
    if cumulative[low] < 0:
        alt += f" It is lowest at {money(cumulative[low])} at the end of {years[low]}."
    if summary.savings_start_year is not None and crossing is not None:
        alt += (
            f" Counted from the first year whose savings exceed its running costs, "
            f"{summary.savings_start_year}: {years_text(summary.payback_from_savings_years)}."
        )
    data = pd.DataFrame(
        {
            "Financial year": years,
            "Cumulative investment (£)": yearly["cumulative_investment"].round(2),
            "Cumulative savings (£)": yearly["cumulative_savings"].round(2),
            "Cumulative net saving (£)": cumulative.round(2),
        }
    )
    caption = (
        "Each point is the cumulative net saving at the end of a financial year; the line starts "
        "at zero before the first year and drops at the start of a year by its capital and "
        "one-off spend. The star marks the payback point, where it first reaches zero."
    )
    return Chart("cumulative-net-saving", figure, title, subtitle, alt, caption, source, data)


def salary_chart(
    salaries: pd.DataFrame, council: str, *, group: str, grade: str, source: str
) -> Chart:
    """Pay scales as ranges from bottom to top of scale, highest top first; the subject council
    drawn thicker with a diamond at its top and its name in bold."""
    table = sufficiency.salary_table(salaries, council, group=group, grade=grade)
    n = len(table)
    figure, axes = new_figure(height=1.3 + 0.24 * n)
    for i, row in enumerate(table.itertuples()):
        own = bool(row.subject)
        color = DARK_BLUE if own else DARK_GREY
        axes.plot(
            [row.min_salary, row.max_salary],
            [i, i],
            color=color,
            linewidth=5 if own else 2.5,
            solid_capstyle="butt",
            alpha=1 if own else 0.75,
        )
        axes.plot([row.min_salary], [i], marker="|", markersize=9, color=color, linestyle="none")
        axes.plot(
            [row.max_salary],
            [i],
            marker="D" if own else "o",
            markersize=6 if own else 4,
            color=color,
            linestyle="none",
        )
        axes.annotate(
            pounds(row.max_salary),
            (row.max_salary, i),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
            fontweight="bold" if own else "normal",
            color=color,
        )
    axes.set_yticks(range(n), list(table["council"]), fontsize=7.5)
    for label, own in zip(axes.get_yticklabels(), table["subject"], strict=True):
        if own:
            label.set_fontweight("bold")
            label.set_color(DARK_BLUE)
    axes.set_ylim(n - 0.4, -0.6)
    low, high = float(table["min_salary"].min()), float(table["max_salary"].max())
    axes.set_xlim(low - (high - low) * 0.05, high + (high - low) * 0.2)
    axes.set_xlabel("£ a year (bottom to top of scale)")
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", visible=True)
    axes.xaxis.set_major_locator(MaxNLocator(4))
    axes.xaxis.set_major_formatter(lambda v, _: fmt_money(v, full=True))
    own = table[table["subject"]]
    comparators = n - len(own)
    place = council or "the council"
    if len(own):
        top = float(own["max_salary"].iloc[0])
        higher = int((table.loc[~table["subject"], "max_salary"] > top).sum())
        lead = f"{higher} of {comparators}" if higher else "None of the"
        if not higher:
            lead += f" {comparators}"
        title = (
            f"{lead} comparators ({group}) pay more than {place}'s top {grade.lower()} salary "
            f"of {pounds(top)}"
        )
    else:
        title = (
            f"{grade} pay at {n} councils ({group}): top of scale from "
            f"{pounds(table['max_salary'].min())} to {pounds(high)}"
        )
    subtitle = (
        f"{grade} pay scales, bottom to top (£ a year), {place} and {comparators} comparators, "
        f"{group}"
    )
    finish_plot(figure, axes, subtitle, source)
    first, last = table.iloc[0], table.iloc[-1]
    alt = (
        f"Range chart: {title}. Highest top of scale: {first['council']} "
        f"({pounds(first['max_salary'])}); lowest: {last['council']} "
        f"({pounds(last['max_salary'])})."
    )
    data = pd.DataFrame(
        {
            "Council": table["council"],
            "Region": table["region"],
            "Bottom of scale (£)": table["min_salary"],
            "Top of scale (£)": table["max_salary"],
            "One-off payment (£)": table["one_off_payment"],
            "Market supplement (£)": table["market_supplement"],
        }
    )
    notes = salaries[(salaries["group"] == group) & (salaries["grade"] == grade)]
    notes = dict(zip(notes["council"], notes.reindex(columns=["notes"])["notes"], strict=True))
    if any(isinstance(n, str) and n for n in notes.values()):
        data["Notes"] = [notes.get(name, "") or "" for name in table["council"]]
    caption = (
        "Each line runs from the bottom to the top of the grade's pay scale; councils in order of "
        "top of scale. One-off recruitment and retention payments and market supplements are in "
        "the data table."
    )
    slug = "salaries-" + slugify(f"{grade} {group}")
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)


def funnel_chart(conversion: pd.DataFrame, *, place: str, span: str, source: str) -> Chart:
    """Horizontal bars of people reaching each stage, each labelled with its count, conversion
    and drop-out (one colour: nothing depends on it)."""
    n = len(conversion)
    counts = conversion["count"].to_numpy(dtype=float)
    figure, axes = new_figure(height=1.2 + 0.5 * n)
    axes.barh(range(n), np.nan_to_num(counts), color=DARK_BLUE, height=0.6)
    top = float(np.nanmax(counts)) if np.isfinite(counts).any() else 1.0
    for i, row in enumerate(conversion.itertuples()):
        text = fmt_int(row.count) if not is_missing(row.count) else "not recorded"
        if i and not is_missing(row.conversion_pct):
            text += (
                f"  ({fmt_pct(row.conversion_pct, dp=0)} of the stage before; "
                f"{fmt_pct(row.dropout_pct, dp=0)} drop out)"
            )
        axes.annotate(
            text,
            (0 if is_missing(row.count) else row.count, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=7.5,
            color=DARK_GREY,
        )
    axes.set_yticks(range(n), list(conversion["label"]), fontsize=8)
    axes.set_ylim(n - 0.5, -0.5)
    axes.set_xlim(0, top * 1.9)
    axes.set_xlabel("People")
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", visible=True)
    later = conversion.iloc[1:].dropna(subset=["dropout_pct"])
    enquiries, approvals = counts[0], counts[-1]
    if len(later) and np.isfinite([enquiries, approvals]).all() and enquiries > 0:
        worst = later.loc[later["dropout_pct"].idxmax()]
        before = conversion.loc[conversion.index[conversion["stage"] == worst["stage"]][0] - 1]
        title = (
            f"{fmt_pct(worst['dropout_pct'], dp=0)} of {before['label'].lower()} drop out before "
            f"{worst['label'].lower()}; {fmt_int(approvals)} of {fmt_int(enquiries)} enquiries "
            f"({fmt_pct(approvals / enquiries * 100, dp=1)}) ended in approval, {span}"
        )
    else:
        title = f"Some stages were not recorded in every period, {span}: conversion is not shown"
    subtitle = f"People reaching each stage of foster carer recruitment, {place}, {span}"
    finish_plot(figure, axes, subtitle, source)
    parts = [
        f"{row.label}: {fmt_int(row.count) if not is_missing(row.count) else 'not recorded'}"
        + ("" if is_missing(row.dropout_pct) else f" ({fmt_pct(row.dropout_pct, dp=0)} drop out)")
        for row in conversion.itertuples()
    ]
    alt = f"Funnel bar chart: {title}. " + "; ".join(parts) + "."
    data = pd.DataFrame(
        {
            "Stage": conversion["label"],
            "People": conversion["count"],
            "Conversion from the stage before (%)": conversion["conversion_pct"].round(1),
            "Drop-out at this stage (%)": conversion["dropout_pct"].round(1),
        }
    )
    caption = (
        "People reaching each stage in the same periods (not one cohort followed through): "
        "conversion is this stage's count over the stage before."
    )
    return Chart("fostering-funnel", figure, title, subtitle, alt, caption, source, data)


def approvals_chart(funnel: pd.DataFrame, *, place: str, source: str) -> Chart:
    """Approvals (solid) against terminations (hatched) by financial year, labelled."""
    years = sufficiency.approvals_terminations(funnel)
    labels = [
        y if complete else f"{y}\n({q} quarters)"
        for y, q, complete in zip(years["year"], years["quarters"], years["complete"], strict=True)
    ]
    x = np.arange(len(years))
    width = 0.38
    figure, axes = new_figure(height=3.4)
    approvals = years["approvals"].to_numpy(dtype=float)
    terminations = years["terminations"].to_numpy(dtype=float)
    for xs, values, color, hatch, label in (
        (x - width / 2, approvals, DARK_BLUE, None, "Approvals"),
        (x + width / 2, terminations, ORANGE, "\\\\\\", "Terminations (hatched)"),
    ):
        axes.bar(
            xs,
            np.nan_to_num(values),
            width,
            color=color,
            hatch=hatch,
            edgecolor="white",
            label=label,
        )
        for xi, value in zip(xs, values, strict=True):
            axes.annotate(
                fmt_int(value) if not is_missing(value) else "n/r",
                (xi, np.nan_to_num(value)),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7.5,
                color=DARK_GREY,
            )
    axes.set_xticks(x, labels)
    axes.set_ylabel("Foster carers (households)")
    top = np.nanmax(np.concatenate([approvals, terminations, [1.0]]))
    axes.set_ylim(0, top * 1.25)
    figure.legend(loc="outside upper center", ncol=2, fontsize=8)
    known = years.dropna(subset=["approvals", "terminations"])
    complete = known[known["complete"]]
    latest = (complete if len(complete) else known).tail(1)
    if len(latest):
        last = latest.iloc[0]
        more = int((known["terminations"] > known["approvals"]).sum())
        when = (
            f"every one of the {len(known)} years"
            if more == len(known)
            else (f"{more} of {len(known)} years")
        )
        title = (
            f"Terminations outnumbered approvals in {when}; in "
            f"{last['year']} {fmt_int(last['terminations'])} carers left and "
            f"{fmt_int(last['approvals'])} were approved"
        )
    else:
        title = "Approvals and terminations were not recorded in every period"
    subtitle = (
        f"Foster carer approvals and terminations by financial year, {place}, "
        f"{years['year'].iloc[0]} to {years['year'].iloc[-1]}"
    )
    finish_plot(figure, axes, subtitle, source)
    parts = [
        f"{row.year}: {count_text(row.approvals)} approvals, "
        f"{count_text(row.terminations)} terminations"
        for row in years.itertuples()
    ]
    alt = f"Bar chart: {title}. " + "; ".join(parts) + "."
    data = pd.DataFrame(
        {
            "Financial year": years["year"],
            "Quarters": years["quarters"],
            "Approvals": years["approvals"],
            "Terminations": years["terminations"],
            "Approvals less terminations": years["net_change"],
        }
    )
    caption = "Terminations are approved carers who left (resigned or were deregistered)."
    return Chart("fostering-approvals", figure, title, subtitle, alt, caption, source, data)
