"""The charts of a front-door pack in house style (:mod:`cscanalysis.render.style`): the funnel,
monthly trends with 12-month averages, conversion rates, ages at entry and the forecast."""

from __future__ import annotations

import calendar
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cscanalysis.analysis.frontdoor import (
    funnel_rates,
    rolling_12_months,
)
from cscanalysis.core.formatting import fmt_change, fmt_int, fmt_number, fmt_pct
from cscanalysis.core.measures import START_AGE_BANDS
from cscanalysis.core.periods import month_label
from cscanalysis.packs.frontdoor.context import (
    AGE_LABELS,
    LABELS,
    STAGES,
    FrontDoorContext,
    join_and,
    month_series,
    rate_of,
    shift_month,
    stages_present,
    value_at,
    window_text,
    window_total,
    window_totals,
)
from cscanalysis.packs.frontdoor.forecast import (
    MonthlyForecast,
    accuracy_row,
    model_name,
)
from cscanalysis.render.chart import Chart
from cscanalysis.render.layout import direct_label, finish, set_subtitle
from cscanalysis.render.style import DARK_BLUE, DARK_GREY, DARK_PINK, ORANGE, TURQUOISE, new_figure
from cscanalysis.render.words import label_with_unit, show

__all__ = [
    "age_chart",
    "forecast_chart",
    "funnel_chart",
    "rates_chart",
    "trend_chart",
]


def funnel_chart(ctx: FrontDoorContext) -> Chart | None:
    """Horizontal bars: each stage's total over the window, labelled with its conversion."""
    totals = window_totals(ctx)
    stages = [s for s in stages_present(ctx) if np.isfinite(window_total(ctx, totals, s))]
    if len(stages) < 2:
        return None
    values = [window_total(ctx, totals, s) for s in stages]
    rates: list[float] = []
    bases: list[str] = []
    for i, stage in enumerate(stages):
        hit = rate_of(stage)
        if i and hit and hit[1] == stages[i - 1]:
            rates.append(value_at(totals, ctx.last, f"{hit[0]}_rolling_{ctx.window}m")[0])
            bases.append(STAGES[hit[1]][1])
        elif i:  # the stage before is missing from the extract: share of the nearest one
            rates.append(100.0 * values[i] / values[i - 1] if values[i - 1] else np.nan)
            bases.append(STAGES[stages[i - 1]][1])
        else:
            rates.append(np.nan)
            bases.append("")
    figure, axes = new_figure(height=0.9 + 0.45 * len(stages))
    y = np.arange(len(stages))
    axes.barh(y, values, color=DARK_BLUE, height=0.6)
    for i, (value, rate, base) in enumerate(zip(values, rates, bases, strict=True)):
        text = fmt_int(value) + (f"  ({fmt_pct(rate, dp=1)} of {base})" if base else "")
        axes.annotate(
            text,
            (value, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color=DARK_GREY,
        )
    axes.set_yticks(
        y, [STAGES[s][0].replace(" child protection ", "\nchild protection ") for s in stages]
    )
    axes.invert_yaxis()
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", visible=True)
    axes.set_xlim(0, max(values) * 1.45)
    axes.set_xlabel(f"Number in {window_text(ctx)}")
    span = window_text(ctx)
    first, last = stages[0], stages[-1]
    title_text = f"In {span}, {ctx.place} had {fmt_int(values[0])} {STAGES[first][1]}"
    if len(stages) > 1 and stages[1] == "referrals" and first == "contacts":
        title_text += f"; {fmt_pct(rates[1], dp=1)} led to a referral"
    if last == "cla_starts":
        title_text += f" and {fmt_int(values[-1])} children entered care"
    elif len(stages) > 2:
        title_text += f" and there were {fmt_int(values[-1])} {STAGES[last][0].lower()}"
    subtitle = (
        f"Front-door stages, {ctx.place}, "
        f"{month_label(shift_month(ctx.last, -(ctx.window - 1)))} to {month_label(ctx.last)}"
    )
    _finish(figure, axes, subtitle, ctx.source, share=0.6)
    data = pd.DataFrame(
        {
            "Stage": [STAGES[s][0] for s in stages],
            f"Number in {span}": [fmt_int(v) for v in values],
            "% of the stage before": [
                "" if not b else show(r, places=1) for r, b in zip(rates, bases, strict=True)
            ],
        }
    )
    alt = (
        f"Bar chart: {title_text}. "
        + "; ".join(
            f"{STAGES[s][0]} {fmt_int(v)}" + (f" ({fmt_pct(r, dp=1)} of {b})" if b else "")
            for s, v, r, b in zip(stages, values, rates, bases, strict=True)
        )
        + "."
    )
    caption = (
        f"Totals over {span}. Each stage is shown as a share of the stage before in the same "
        "months; a child's contact, referral and plan may fall in different months."
    )
    return Chart("funnel", figure, title_text, subtitle, alt, caption, ctx.source, data)


def _avg_12(ctx: FrontDoorContext, measure: str) -> pd.Series:
    rolling = rolling_12_months(ctx.monthly, [measure])
    return month_series(rolling, f"{measure}_rolling_12m", ctx.months)["value"] / 12.0


def trend_chart(ctx: FrontDoorContext, measure: str) -> Chart | None:
    """Line chart of one count by month with its 12-month average (rolling total / 12)."""
    if measure not in ctx.measures:
        return None
    label, noun = LABELS[measure]
    s = month_series(ctx.monthly, measure, ctx.months)
    monthly, flags = s["value"], s["flag"]
    average = _avg_12(ctx, measure)
    x = np.arange(len(ctx.months))
    figure, axes = new_figure()
    axes.plot(
        x,
        monthly.to_numpy(),
        color=DARK_BLUE,
        marker="o",
        linewidth=2,
        markersize=4.5,
        label="Each month",
    )
    has_avg = bool(average.notna().any())
    if has_avg:
        axes.plot(
            x,
            average.to_numpy(),
            color=TURQUOISE,
            marker="s",
            linestyle="--",
            linewidth=2,
            markersize=5,
            label="12-month average",  # the legend of a narrow chart shows the dashed line
        )
    _x_months(axes, ctx.months)
    axes.set_ylim(bottom=0)
    axes.set_ylabel(noun)
    axes.set_xlim(-0.5, len(x) - 0.5)  # direct labels sit in the right margin
    used: list[float] = []
    direct_label(axes, ctx.months, monthly.to_numpy(), "Each month", DARK_BLUE, used)
    if has_avg:
        direct_label(axes, ctx.months, average.to_numpy(), "12-month average", TURQUOISE, used)
    known = monthly.dropna()
    if known.empty:
        title_text = f"{ctx.place} has no {noun} figures in the extract"
    else:
        last_p = known.index[-1]
        title_text = f"{label}: {fmt_int(known.iloc[-1])} in {month_label(last_p)}"
        prev = shift_month(last_p, -1)
        if prev in known.index:
            title_text += f", {_change_words(known.iloc[-1], known[prev])} on {month_label(prev)}"
        year_ago = shift_month(last_p, -12)
        if year_ago in known.index:
            title_text += (
                f" and {_change_words(known.iloc[-1], known[year_ago])} on {month_label(year_ago)}"
            )
        if has_avg and np.isfinite(average[last_p]):
            title_text += (
                f"; {fmt_number(average[last_p], dp=0)} a month on average over the 12 months"
            )
    subtitle = (
        f"{label_with_unit(f'{label} each month and 12-month average', noun)}, "
        f"{ctx.place}, "
        f"{month_label(ctx.first)} to {month_label(ctx.last)}"
    )
    _finish(figure, axes, subtitle, ctx.source)
    data = pd.DataFrame(
        {
            "Month": [month_label(p) for p in ctx.months],
            f"{label} ({noun})": [
                show(v, f, symbol=True) for v, f in zip(monthly, flags, strict=True)
            ],
            "12-month average per month": [
                "" if not np.isfinite(v) else fmt_number(v, dp=1) for v in average
            ],
        }
    )
    if known.empty:
        alt = f"Line chart: {title_text}."
    else:
        low, high = known.idxmin(), known.idxmax()
        alt = (
            f"Line chart: {title_text}. Monthly figures ranged from {fmt_int(known[low])} in "
            f"{month_label(low)} to {fmt_int(known[high])} in {month_label(high)}."
        )
        if not has_avg:
            alt += " The 12-month average needs 12 months in a row, so it is not shown."
    caption = (
        f"{label} each month (solid line, circles) and the average month over the 12 months "
        "to each month (dashed line, squares; shown once 12 months in a row are available). "
        "Gaps: no figure for that month."
    )
    return Chart(f"trend-{measure}", figure, title_text, subtitle, alt, caption, ctx.source, data)


def _change_words(new: float, old: float) -> str:
    """'down 14%' / 'up 3%' / 'unchanged' (whole per cent), from :func:`fmt_change`."""
    words = fmt_change(new, old)
    return words.split(" (")[0]


def _x_months(axes, months: Sequence[str]) -> None:
    x = np.arange(len(months))
    step = max(1, int(np.ceil(len(months) / 12)))
    labels = [
        (f"{calendar.month_abbr[int(p[5:])]}\n{p[:4]}" if i % step == 0 else "")
        for i, p in enumerate(months)
    ]
    axes.set_xticks(x, labels)
    axes.tick_params(axis="x", labelsize=8)


def _finish(figure, axes, subtitle: str, source: str, share: float = 0.82) -> None:
    """:func:`~cscanalysis.render.layout.finish`, with the subtitle wrapped to the width of the
    plotting area (``share`` of the figure) rather than of the figure, so that it is never cut
    off."""
    finish(figure, axes, subtitle, source)
    width_in = figure.get_size_inches()[0]
    set_subtitle(axes, subtitle, int(width_in * 14 * share))


def rates_chart(ctx: FrontDoorContext) -> Chart | None:
    """Contacts leading to a referral and ending with no further action, by month, with the
    rates over the 12 months to each month."""
    lines = [
        ("contact_to_referral_pct", "led to a referral", DARK_BLUE, "o"),
        ("contact_nfa_pct", "ended with no further action", DARK_PINK, "^"),
    ]
    rates = funnel_rates(ctx.monthly)
    counts = [m for m in ("contacts", "referrals", "nfa") if m in ctx.measures]
    rolling = rolling_12_months(ctx.monthly, counts)
    rolling_rates = funnel_rates(rolling, suffix="_rolling_12m") if not rolling.empty else rolling
    lines = [line for line in lines if line[0] in set(rates["measure"])]
    if not lines:
        return None
    x = np.arange(len(ctx.months))
    figure, axes = new_figure()
    used: list[float] = []
    data = pd.DataFrame({"Month": [month_label(p) for p in ctx.months]})
    latest = []
    for rate, words, color, marker in lines:
        s = month_series(rates, rate, ctx.months)
        r12 = (
            month_series(rolling_rates, f"{rate}_rolling_12m", ctx.months)["value"]
            if not rolling_rates.empty
            else pd.Series(np.nan, index=ctx.months)
        )
        axes.plot(x, s["value"].to_numpy(), color=color, marker=marker, linewidth=2, label=words)
        if r12.notna().any():
            axes.plot(
                x,
                r12.to_numpy(),
                color=color,
                marker=marker,
                linestyle="--",
                linewidth=1.4,
                markerfacecolor="white",
            )
        label = f"% of contacts: {words}"
        direct_label(axes, ctx.months, s["value"].to_numpy(), words, color, used)
        data[f"{label}, month"] = [
            show(v, f, places=1, symbol=True) for v, f in zip(s["value"], s["flag"], strict=True)
        ]
        data[f"{label}, 12 months to month"] = [
            "" if not np.isfinite(v) else fmt_number(v, dp=1) for v in r12
        ]
        value, flag = value_at(rates, ctx.last, rate)
        shown = f"{show(value, flag, places=1)}%" if np.isfinite(value) else show(value, flag)
        latest.append(f"{shown} {words}")
    _x_months(axes, ctx.months)
    axes.set_ylim(0, 100)
    axes.set_ylabel("% of contacts")
    axes.set_xlim(-0.5, len(x) - 0.5)  # direct labels sit in the right margin
    title_text = f"In {month_label(ctx.last)}, " + join_and(latest)
    title_text = title_text.replace("% ", f"% of {ctx.place}'s contacts ", 1)
    subtitle = (
        f"Contacts leading to a referral and with no further action (% of contacts), "
        f"{ctx.place}, {month_label(ctx.first)} to {month_label(ctx.last)}"
    )
    _finish(figure, axes, subtitle, ctx.source)
    alt = f"Line chart: {title_text}."
    for _, words, _, _ in lines:
        r12 = data[f"% of contacts: {words}, 12 months to month"]
        filled = [v for v in r12 if v]
        if filled:
            alt += f" Over the 12 months to {month_label(ctx.last)}: {filled[-1]}% {words}."
    caption = (
        "Solid lines: each month's rate; dashed lines with open markers: the rate over the 12 "
        "months to each month (shown once 12 months in a row are available). Circles: led "
        "to a referral; triangles: no further action."
    )
    return Chart("rates", figure, title_text, subtitle, alt, caption, ctx.source, data)


def age_chart(ctx: FrontDoorContext) -> Chart | None:
    """Bars: children entering care over the window by age band, with each band's share."""
    totals = window_totals(ctx)
    values = [window_total(ctx, totals, b) for b in START_AGE_BANDS]
    if not all(np.isfinite(values)):
        return None
    total = float(sum(values))
    shares = [100.0 * v / total if total else np.nan for v in values]
    older = value_at(totals, ctx.last, f"cla_starts_age_10_plus_pct_rolling_{ctx.window}m")[0]
    oldest = value_at(totals, ctx.last, f"cla_starts_age_16_plus_pct_rolling_{ctx.window}m")[0]
    figure, axes = new_figure(height=3.0)
    y = np.arange(len(START_AGE_BANDS))
    colors = [TURQUOISE, TURQUOISE, TURQUOISE, DARK_BLUE, DARK_BLUE]
    hatches = ["", "", "", "///", "///"]
    for i, (v, c, h) in enumerate(zip(values, colors, hatches, strict=True)):
        axes.barh(i, v, color=c, hatch=h, edgecolor="white", height=0.6)
    for i, (v, sh) in enumerate(zip(values, shares, strict=True)):
        axes.annotate(
            f"{fmt_int(v)} ({fmt_pct(sh, dp=1)})",
            (v, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color=DARK_GREY,
        )
    axes.set_yticks(y, [AGE_LABELS[b] for b in START_AGE_BANDS])
    axes.set_ylabel("Age on entering care")
    axes.invert_yaxis()
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", visible=True)
    axes.set_xlim(0, max(max(values), 1) * 1.35)
    axes.set_xlabel("Children")
    span = window_text(ctx)
    title_text = (
        f"{fmt_pct(older, dp=1)} of the {fmt_int(total)} children entering care in {span} "
        f"were aged 10 or over ({fmt_pct(oldest, dp=1)} aged 16 or over)"
    )
    subtitle = (
        f"Children entering care by age band, {ctx.place}, "
        f"{month_label(shift_month(ctx.last, -(ctx.window - 1)))} to {month_label(ctx.last)}"
    )
    _finish(figure, axes, subtitle, ctx.source, share=0.75)
    data = pd.DataFrame(
        {
            "Age band": [AGE_LABELS[b] for b in START_AGE_BANDS],
            "Children": [fmt_int(v) for v in values],
            "Share (%)": [show(s, places=1) for s in shares],
        }
    )
    alt = (
        f"Bar chart: {title_text}. "
        + "; ".join(
            f"{AGE_LABELS[b]}: {fmt_int(v)} ({fmt_pct(s, dp=1)})"
            for b, v, s in zip(START_AGE_BANDS, values, shares, strict=True)
        )
        + "."
    )
    caption = (
        f"Age bands summed over {span}. Bars for 10 and over are dark and hatched. Shares are "
        "of the children in the age bands, which need not equal the children entering care "
        "in the funnel (see the data notes)."
    )
    return Chart("ages", figure, title_text, subtitle, alt, caption, ctx.source, data)


def forecast_chart(ctx: FrontDoorContext, fc: MonthlyForecast) -> Chart | None:
    """Fan chart: the months so far, the forecast and its 80% and 95% intervals."""
    if not fc.model:
        return None
    table = fc.table
    if not np.isfinite(table["mean"]).any():
        return None
    label, noun = LABELS[fc.measure]
    hist_months = [str(p) for p in fc.history.index]
    future = table["period"].tolist()
    months = hist_months + future
    x = np.arange(len(months))
    xh, xf = x[: len(hist_months)], x[len(hist_months) :]
    hist = fc.history.to_numpy(dtype=float)
    figure, axes = new_figure()
    axes.fill_between(xf, table["lo95"], table["hi95"], color=ORANGE, alpha=0.18, linewidth=0)
    axes.fill_between(xf, table["lo80"], table["hi80"], color=ORANGE, alpha=0.38, linewidth=0)
    axes.plot(xh, hist, color=DARK_BLUE, marker="o", linewidth=2, markersize=4.5)
    last_known = int(np.flatnonzero(np.isfinite(hist))[-1])
    axes.plot(
        [xh[last_known], *xf],
        [hist[last_known], *table["mean"]],
        color=ORANGE,
        marker="D",
        linestyle="--",
        linewidth=2,
        markersize=4,
    )
    _x_months(axes, months)
    axes.set_ylim(bottom=0)
    axes.set_ylabel(noun)
    axes.set_xlim(-0.5, len(x) - 0.5 + 2.6)
    axes.axvline(xh[-1] + 0.5, color=DARK_GREY, linewidth=0.8, linestyle=":")
    end = table.iloc[-1]
    axes.annotate(
        "Forecast",
        (xf[0] - 0.4, 0.03),
        xycoords=axes.get_xaxis_transform(),
        fontsize=8,
        color=DARK_GREY,
    )
    for interval, y in (
        ("80% interval", (end["hi80"] + end["mean"]) / 2),
        ("95% interval", end["hi95"]),
    ):
        axes.annotate(
            interval,
            (xf[-1], y),
            xytext=(6, 0),
            textcoords="offset points",
            fontsize=8,
            color=DARK_GREY,
            va="center",
        )
    axes.annotate(
        "Actual",
        (xh[-1] + 0.4, 0.03),
        xycoords=axes.get_xaxis_transform(),
        fontsize=8,
        color=DARK_BLUE,
        ha="right",
        fontweight="bold",
    )
    first = table.iloc[0]
    if fmt_int(first["mean"]) == fmt_int(end["mean"]) and len(table) > 1:
        title_text = (
            f"{label} are forecast at about {fmt_int(first['mean'])} a month from "
            f"{month_label(first['period'])} to {month_label(end['period'])}"
        )
    else:
        title_text = (
            f"{label} are forecast at about {fmt_int(first['mean'])} in "
            f"{month_label(first['period'])}"
        )
        if len(table) > 1:
            title_text += f" and {fmt_int(end['mean'])} in {month_label(end['period'])}"
    title_text += (
        f" (80% interval in {month_label(end['period'])}: {fmt_int(end['lo80'])} to "
        f"{fmt_int(end['hi80'])})"
    )
    subtitle = (
        f"{label} each month and forecast ({noun}), {ctx.place}, "
        f"{month_label(hist_months[0])} to {month_label(future[-1])}; "
        f"method: {model_name(fc.model)}"
    )
    _finish(figure, axes, subtitle, ctx.source)
    blank = [""] * len(future)
    data = pd.DataFrame(
        {
            "Month": [month_label(p) for p in months],
            f"Actual ({noun})": [show(v, symbol=True) for v in hist] + blank,
            "Forecast": [""] * len(hist_months) + [fmt_number(v, dp=1) for v in table["mean"]],
            "80% low": [""] * len(hist_months) + [fmt_number(v, dp=1) for v in table["lo80"]],
            "80% high": [""] * len(hist_months) + [fmt_number(v, dp=1) for v in table["hi80"]],
            "95% low": [""] * len(hist_months) + [fmt_number(v, dp=1) for v in table["lo95"]],
            "95% high": [""] * len(hist_months) + [fmt_number(v, dp=1) for v in table["hi95"]],
        }
    )
    row = accuracy_row(fc, fc.model, 1)
    accuracy_words = (
        f" Tested on past months, one-month-ahead forecasts were out by "
        f"{fmt_number(row['MAE'], dp=1)} {noun} on average ({fmt_pct(row['MAPE'], dp=1)})."
        if row is not None
        else " The method could not be tested on past months (too few months)."
    )
    alt = (
        f"Fan chart: {title_text}. Actual figures from {month_label(hist_months[0])} to "
        f"{month_label(hist_months[-1])}, then the forecast for {len(future)} months with 80% "
        f"and 95% intervals (95% in {month_label(end['period'])}: {fmt_int(end['lo95'])} to "
        f"{fmt_int(end['hi95'])}).{accuracy_words}"
    )
    caption = (
        "Solid line with circles: actual figures; dashed line with diamonds: the forecast; "
        "darker band: 80% interval, lighter band: 95% interval (where the figure is expected "
        "to fall 80 and 95 times in 100 if the past pattern holds)."
    )
    return Chart(
        f"forecast-{fc.measure}", figure, title_text, subtitle, alt, caption, ctx.source, data
    )
