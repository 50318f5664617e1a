"""The content of a business-case pack: invest-to-save, KPI scorecard, risks, social worker pay
and foster-carer recruitment, as tables, key facts and house-style charts.

Everything here is pure except :func:`read_inputs` (the one reader: it resolves paths and calls
the file readers) so that the notebook stays thin and every figure can be tested. Money is
written with :mod:`cscanalysis.fmt` (``£1.8m`` in prose, whole pounds such as ``£1,013,000`` in
the invest-to-save table so that it can be checked against a council's own table); financial
years as ``2018-19``.

Sign convention: a **net saving** is gross savings less investment, so a positive figure is a
benefit and the cumulative line rises through zero at payback. Council budget tables often
print the opposite sign (costs positive, savings negative: Bristol's "Annual Net Savings").
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from cscanalysis import kpi, report, sufficiency
from cscanalysis.charts import (
    DARK_BLUE,
    DARK_GREY,
    ORANGE,
    TURQUOISE,
    Chart,
    finish,
    new_figure,
)
from cscanalysis.errors import DataError, ParameterError
from cscanalysis.finance import GREEN_BOOK_RATE, SAVINGS_BASES, CaseSummary, summarise_case
from cscanalysis.fmt import fmt_int, fmt_money, fmt_number, fmt_pct, is_missing
from cscanalysis.paths import data_dir
from cscanalysis.risk import (
    IMPACT_LABELS,
    IMPACTS,
    LIKELIHOOD_LABELS,
    LIKELIHOODS,
    risk_heatmap_data,
    score_risks,
)

__all__ = [
    "CONTENTS",
    "INTROS",
    "BusinessCase",
    "approvals_chart",
    "assemble",
    "check_discount_rate",
    "close_charts",
    "contents",
    "cumulative_chart",
    "finance_summary_data",
    "finance_summary_table",
    "finance_table",
    "funnel_chart",
    "funnel_notes",
    "funnel_table",
    "funnel_years_table",
    "investment_chart",
    "key_facts",
    "method_notes",
    "pack_charts",
    "read_inputs",
    "render_sections",
    "resolve_input",
    "risk_heatmap_chart",
    "risk_table",
    "salary_chart",
    "salary_summary_table",
    "scorecard_chart",
    "scorecard_table",
    "sections",
    "slugify",
    "summary_lines",
    "title",
]

CONTENTS = {
    "summary": "Summary",
    "invest": "Invest to save",
    "kpis": "Performance indicators",
    "risks": "Risks",
    "pay": "Social worker pay",
    "fostering": "Foster carer recruitment",
    "method": "How the figures are worked out",
}
INTROS = {
    "summary": "The headline figures of the case and the evidence beside it.",
    "invest": "Investment and savings by financial year, the net saving, payback, net present "
    "value and return on investment.",
    "kpis": "Each indicator's latest value against its target and against the same period a "
    "year earlier.",
    "risks": "Each risk's current rating (likelihood times impact) and the rating the council "
    "will tolerate.",
    "pay": "Pay scales for the same grade in comparator councils, bottom to top of scale, with "
    "one-off and market supplement payments.",
    "fostering": "How many people who enquire about fostering get through each stage to "
    "approval, and approvals against carers leaving.",
    "method": "",
}
MAX_RATE = 0.5  # a discount rate above 50% is almost surely a percentage typed as a number


# --------------------------------------------------------------------------- inputs


@dataclass
class BusinessCase:
    """The inputs of one pack and what the library works out from them."""

    council: str
    case: pd.DataFrame
    summary: CaseSummary
    yearly: pd.DataFrame
    savings_basis: str = "annual"
    discount_rate: float = GREEN_BOOK_RATE
    files: dict[str, str] = field(default_factory=dict)
    card: pd.DataFrame | None = None
    kpi_summary: kpi.ScorecardSummary | None = None
    risks: pd.DataFrame | None = None
    salaries: pd.DataFrame | None = None
    funnel: pd.DataFrame | None = None

    @property
    def place(self) -> str:
        return self.council or "The council"


def resolve_input(path: str | Path | None) -> Path | None:
    """An input file: ``None``/``""`` -> None; absolute paths as given; relative paths under the
    repository's ``data/`` folder (``examples/bristol_2018_case.csv``). Missing files raise
    :class:`DataError`."""
    if path is None or not str(path).strip():
        return None
    given = Path(str(path).strip()).expanduser()
    found = given if given.is_absolute() else data_dir() / given
    if not found.is_file():
        raise DataError(
            "input file not found",
            file=str(found),
            value=str(path),
            expected="an existing file: an absolute path, or a path relative to the data/ "
            "folder such as examples/bristol_2018_case.csv",
        )
    return found


def check_discount_rate(rate: object) -> float:
    """The discount rate as a fraction (0.035 for 3.5%), or a :class:`ParameterError`."""
    try:
        value = float(rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(
            f"the discount rate must be a number such as 0.035, not {rate!r}"
        ) from None
    if not math.isfinite(value) or value <= -1 or value > MAX_RATE:
        raise ParameterError(
            f"the discount rate {rate!r} is out of range: give it as a fraction, 0.035 for the "
            "Green Book's 3.5%"
        )
    return value


def assemble(
    case: pd.DataFrame,
    *,
    council: str = "",
    kpis: pd.DataFrame | None = None,
    risks: pd.DataFrame | None = None,
    salaries: pd.DataFrame | None = None,
    funnel: pd.DataFrame | None = None,
    savings_basis: str = "annual",
    discount_rate: float = GREEN_BOOK_RATE,
    files: dict[str, str] | None = None,
) -> BusinessCase:
    """A :class:`BusinessCase` from tables already read (``case`` with annual savings)."""
    rate = check_discount_rate(discount_rate)
    summary, yearly = summarise_case(case, discount_rate=rate)
    card = kpi.scorecard(kpis) if kpis is not None else None
    return BusinessCase(
        council=str(council or "").strip(),
        case=case,
        summary=summary,
        yearly=yearly,
        savings_basis=savings_basis,
        discount_rate=rate,
        files=dict(files or {}),
        card=card,
        kpi_summary=kpi.scorecard_summary(card) if card is not None else None,
        risks=score_risks(risks) if risks is not None else None,
        salaries=salaries,
        funnel=funnel,
    )


def read_inputs(
    case: str | Path,
    *,
    kpis: str | Path | None = "",
    risks: str | Path | None = "",
    salaries: str | Path | None = "",
    fostering: str | Path | None = "",
    council: str = "",
    savings_basis: str = "annual",
    discount_rate: float = GREEN_BOOK_RATE,
) -> BusinessCase:
    """Read every input file (blank = left out of the pack) and work the figures out.

    Relative paths are under ``data/`` (:func:`resolve_input`). Bad files raise
    :class:`DataError` naming the file, row, column and value, before any output is written.
    """
    from cscanalysis.sources.casefiles import read_case, read_kpis, read_risks
    from cscanalysis.sources.councilfiles import read_fostering_funnel, read_salaries

    if savings_basis not in SAVINGS_BASES:
        raise ParameterError(f"savings basis must be annual or incremental, not {savings_basis!r}")
    rate = check_discount_rate(discount_rate)
    case_path = resolve_input(case)
    if case_path is None:
        raise ParameterError("a case file is needed (the invest-to-save profile)")
    paths = {
        "kpis": resolve_input(kpis),
        "risks": resolve_input(risks),
        "salaries": resolve_input(salaries),
        "fostering": resolve_input(fostering),
    }
    files = {"case": case_path.name} | {k: p.name for k, p in paths.items() if p is not None}

    def read(kind: str, reader: Callable[[Path], pd.DataFrame]) -> pd.DataFrame | None:
        path = paths[kind]
        return reader(path) if path is not None else None

    return assemble(
        read_case(case_path, savings_basis=savings_basis),
        council=council,
        kpis=read("kpis", read_kpis),
        risks=read("risks", read_risks),
        salaries=read("salaries", read_salaries),
        funnel=read("fostering", read_fostering_funnel),
        savings_basis=savings_basis,
        discount_rate=rate,
        files=files,
    )


def slugify(text: str) -> str:
    """A folder name: ``'Bristol 2018 case'`` -> ``'bristol-2018-case'``."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).casefold()).strip("-")
    if not slug:
        raise ParameterError(f"cannot make a folder name from {text!r}")
    return slug


# --------------------------------------------------------------------------- helpers


def _money(value: float) -> str:
    return fmt_money(value)


def _pounds(value: float) -> str:
    return "" if is_missing(value) else fmt_money(value, full=True)


def _count(value: float) -> str:
    return "not recorded" if is_missing(value) else fmt_int(value)


def _years(value: float) -> str:
    if is_missing(value):
        return "not reached within the case"
    return f"{fmt_number(value, dp=2)} years"


def _scale(top: float) -> tuple[float, str]:
    """Divisor and axis label for money: £ million from £1m, else £ thousand."""
    return (1e6, "£ million") if top >= 1e6 else (1e3, "£ thousand")


def _finish(figure: Figure, axes: Axes, subtitle: str, source: str) -> None:
    """House :func:`~cscanalysis.charts.finish`, then the subtitle re-wrapped to the width the
    plot actually has (long tick labels leave it less than the figure's)."""
    finish(figure, axes, subtitle, source)
    figure.get_layout_engine().execute(figure)
    width = axes.get_position().width * figure.get_size_inches()[0]
    axes.set_title(
        textwrap.fill(subtitle, max(30, int(width * 12.5))),
        loc="left",
        fontsize=9.5,
        color=DARK_GREY,
        pad=8,
    )


def _first_saving_index(yearly: pd.DataFrame) -> int | None:
    positive = np.flatnonzero(yearly["gross_savings"].to_numpy() > 0)
    return int(positive[0]) if len(positive) else None


def _spending_start(yearly: pd.DataFrame) -> int:
    spending = np.flatnonzero(yearly["investment"].to_numpy() > 0)
    return int(spending[0]) if len(spending) else 0


def _horizon_end(yearly: pd.DataFrame, years: int) -> int | None:
    """Exclusive end row of an N-year horizon (as :func:`cscanalysis.finance.horizon_totals`)."""
    first = _first_saving_index(yearly)
    end = (0 if first is None else first) + years
    return end if end <= len(yearly) else None


def _payback_year(yearly: pd.DataFrame, payback: float) -> str | None:
    """The financial year in which the cumulative net position reaches zero."""
    if is_missing(payback):
        return None
    x = _spending_start(yearly) + payback
    index = max(0, math.ceil(x) - 1)
    return str(yearly["year"].iloc[min(index, len(yearly) - 1)])


def _source(bc: BusinessCase, kind: str, what: str) -> str:
    name = bc.files.get(kind, "")
    owner = f"{bc.council} " if bc.council else ""
    return f"{owner}{what}" + (f" ({name})" if name else "")


# --------------------------------------------------------------------------- invest to save


def finance_table(yearly: pd.DataFrame, summary: CaseSummary) -> pd.DataFrame:
    """The investment and savings profile as a council table: rows of money by financial year,
    whole pounds, with the 5-year total (from the first year of the case to the fifth year
    with savings) and, when the case runs longer, the total of every year.

    Rows with nothing in any year (e.g. no one-off revenue) are left out, totals never.
    """
    years = yearly["year"].tolist()
    end5 = _horizon_end(yearly, 5)
    lines = [
        ("Capital investment", "capital", False),
        ("One-off revenue investment", "one_off_revenue", False),
        ("Ongoing revenue cost", "ongoing_cost", False),
        ("Total investment", "investment", True),
        ("Gross savings", "gross_savings", True),
        ("Net saving (savings less investment)", "net_position", True),
        ("Cumulative net saving", "cumulative_net_position", True),
    ]
    rows = []
    for label, column, always in lines:
        values = yearly[column].to_numpy(dtype=float)
        if not always and not np.any(values != 0):
            continue
        row = {"": label} | {y: _pounds(v) for y, v in zip(years, values, strict=True)}
        cumulative = column.startswith("cumulative")
        if end5 is not None:
            row["5-year total"] = "" if cumulative else _pounds(values[:end5].sum())
        if end5 is None or end5 < len(years):
            row["Total, all years"] = "" if cumulative else _pounds(values.sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _summary_values(s: CaseSummary) -> list[tuple[str, str]]:
    ten = (
        _money(s.net_10yr)
        if not is_missing(s.net_10yr)
        else "not available: the case has fewer than ten years of savings"
    )
    return [
        ("Total investment", _money(s.total_investment)),
        ("Gross savings", _money(s.total_savings)),
        ("Net saving", _money(s.total_net)),
        (
            "Net saving over five years",
            _money(s.net_5yr)
            if not is_missing(s.net_5yr)
            else "not available: the case has fewer than five years of savings",
        ),
        ("Net saving over ten years", ten),
        ("Simple payback (from the first year of savings)", _years(s.simple_payback_years)),
        ("Cash-flow payback (from the first year of spending)", _years(s.cashflow_payback_years)),
        (f"Net present value at {fmt_pct(s.discount_rate * 100)}", _money(s.npv)),
        (
            "Return on investment",
            fmt_pct(s.roi * 100, dp=0) if not is_missing(s.roi) else "not defined (no investment)",
        ),
    ]


def finance_summary_table(summary: CaseSummary) -> pd.DataFrame:
    """The headline figures, with lower and upper cases when savings have bounds."""
    out = pd.DataFrame(_summary_values(summary), columns=["Measure", "Central case"])
    if summary.lower is not None and summary.upper is not None:
        out["Lower case (savings at their lower bounds)"] = [
            v for _, v in _summary_values(summary.lower)
        ]
        out["Upper case"] = [v for _, v in _summary_values(summary.upper)]
    return out


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
                    _money(value),
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
            f"Savings of {_money(saved)} are {fmt_number(saved / invested, dp=1)} times the "
            f"investment of {_money(invested)}, {first} to {last}"
        )
    elif invested > 0:
        title = (
            f"Savings of {_money(saved)} recover {fmt_pct(saved / invested * 100, dp=0)} of the "
            f"investment of {_money(invested)}, {first} to {last}"
        )
    else:
        title = f"Savings of {_money(saved)} with no investment, {first} to {last}"
    subtitle = (
        f"Investment and gross savings by financial year ({unit}), {place}, {first} to {last}"
    )
    _finish(figure, axes, subtitle, source)
    peak = int(np.argmax(investment))
    alt = f"Bar chart: {title}. Investment is highest in {years[peak]} ({_money(investment[peak])})"
    first_saving = _first_saving_index(yearly)
    if first_saving is not None:
        alt += (
            f"; savings rise from {_money(savings[first_saving])} in {years[first_saving]} to "
            f"{_money(savings[-1])} in {last}"
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
    """Cumulative net saving at the end of each year, with the cash-flow payback point marked.

    The line starts at zero at the start of the first year and runs straight between year ends
    (flows accrue evenly through a year), so the payback point lies on it.
    """
    years = yearly["year"].tolist()
    n = len(years)
    cumulative = yearly["cumulative_net_position"].to_numpy(dtype=float)
    divisor, unit = _scale(float(np.abs(cumulative).max()) or 1.0)
    xs = np.arange(n + 1)
    ys = np.concatenate([[0.0], cumulative]) / divisor
    figure, axes = new_figure(height=3.6)
    for boundary in xs:
        axes.axvline(boundary, color="#D9D9D9", linewidth=0.6, zorder=0)
    axes.axhline(0, color=DARK_GREY, linewidth=0.9)
    axes.plot(
        xs,
        ys,
        color=DARK_BLUE,
        linewidth=2.2,
        marker="o",
        markersize=5,
        markevery=list(range(1, n + 1)),
    )
    payback = summary.cashflow_payback_years
    start = _spending_start(yearly)
    crossing = _payback_year(yearly, payback)
    if crossing is not None and payback > 0:
        point = start + payback
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
            f"Pays back after {fmt_number(payback, dp=2)} years",
            (point, 0),
            xytext=(-10, 28),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color=DARK_GREY,
            arrowprops={"arrowstyle": "-", "color": DARK_GREY, "linewidth": 0.8},
        )
    axes.annotate(
        _money(cumulative[-1]),
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
    if crossing is None:
        title = (
            f"The cumulative net saving is still {_money(cumulative[-1])} at the end of {last}: "
            "the case does not pay back within its years"
        )
    elif payback == 0:
        title = (
            f"Savings cover the spending from the start; the cumulative net saving reaches "
            f"{_money(cumulative[-1])} by {last}"
        )
    else:
        title = (
            f"The cumulative net saving turns positive in {crossing}, "
            f"{fmt_number(payback, dp=2)} years after spending starts, and reaches "
            f"{_money(cumulative[-1])} by the end of {last}"
        )
    subtitle = (
        f"Cumulative net saving (gross savings less investment, {unit}) at the end of each "
        f"financial year, {place}, {years[0]} to {last}"
    )
    _finish(figure, axes, subtitle, source)
    low = int(np.argmin(cumulative))
    alt = f"Line chart: {title}."
    if cumulative[low] < 0:
        alt += f" It is lowest at {_money(cumulative[low])} at the end of {years[low]}."
    first_saving = _first_saving_index(yearly)
    if first_saving is not None:
        alt += (
            f" Simple payback (savings against total investment): "
            f"{_years(summary.simple_payback_years)} from the start of {years[first_saving]}."
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
        "at zero before the first year. The star marks the cash-flow payback point."
    )
    return Chart("cumulative-net-saving", figure, title, subtitle, alt, caption, source, data)


# --------------------------------------------------------------------------- KPIs

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
    kpi.IMPROVED: ("^", "Improved on a year earlier"),
    kpi.WORSENED: ("v", "Worsened"),
    kpi.SAME: ("o", "Same"),
    kpi.NO_BASELINE: ("D", "No value a year earlier"),
    kpi.NO_DATA: ("X", "No data"),
}


def _kpi_value(value: float, unit: object, flag: object = "") -> str:
    if is_missing(value):
        return "no data" if not flag else fmt_number(value, flag=str(flag))
    return fmt_pct(value) if str(unit).strip() == "%" else fmt_number(value)


def scorecard_table(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard for the page: one row per indicator."""
    return pd.DataFrame(
        {
            "Indicator": card["title"],
            "Better if": card["polarity"].map({"+": "higher", "-": "lower"}),
            "Period": card["period"],
            "Value": [
                _kpi_value(v, u, f)
                for v, u, f in zip(card["value"], card["unit"], card["flag"], strict=True)
            ],
            "Target": [
                _kpi_value(t, u) if not is_missing(t) else "no target"
                for t, u in zip(card["target"], card["unit"], strict=True)
            ],
            "Tolerance": [fmt_number(t) for t in card["tolerance"]],
            "Status": card["status"],
            "A year earlier": [
                _kpi_value(v, u) for v, u in zip(card["previous_value"], card["unit"], strict=True)
            ],
            "Direction of travel": card["direction"],
        }
    )


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
            "no target" if is_missing(row.target) else f"target {_kpi_value(row.target, row.unit)}"
        )
        axes.annotate(
            f"{_kpi_value(row.value, row.unit, row.flag)} ({target})",
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
        f"target in {period}; {summary.improved} of {summary.with_baseline} improved on a year "
        "earlier"
    )
    subtitle = (
        f"Status against target and direction of travel since "
        f"{card['previous_period'].iloc[0]}, {n} indicators, {place}, {period}"
    )
    _finish(figure, axes, subtitle, source)
    parts = [
        f"{row.title}: {_kpi_value(row.value, row.unit, row.flag)}"
        + (
            ""
            if is_missing(row.target)
            else f" against a target of {_kpi_value(row.target, row.unit)}"
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


# --------------------------------------------------------------------------- risks

_BAND_FILL = {"low": "#FFFFFF", "medium": "#DCE6F0", "high": "#FCD9C6", "critical": "#E4BCD0"}
_BAND_HATCH = {"low": "", "medium": "..", "high": "//", "critical": "xx"}


def risk_table(scored: pd.DataFrame) -> pd.DataFrame:
    """Risks in rank order with current and tolerance ratings."""
    return pd.DataFrame(
        {
            "Rank": scored["rank"],
            "Risk": scored["id"] + ": " + scored["title"],
            "Current rating (likelihood × impact)": [
                f"{lk} × {im} = {s}"
                for lk, im, s in zip(
                    scored["likelihood"], scored["impact"], scored["score"], strict=True
                )
            ],
            "Band": scored["band"],
            "Tolerance rating": [
                f"{lk} × {im} = {s} ({b})"
                for lk, im, s, b in zip(
                    scored["tolerance_likelihood"],
                    scored["tolerance_impact"],
                    scored["tolerance_score"],
                    scored["tolerance_band"],
                    strict=True,
                )
            ],
            "Above tolerance": scored["above_tolerance"].map({True: "yes", False: "no"}),
        }
    )


def risk_heatmap_chart(scored: pd.DataFrame, *, place: str, source: str) -> Chart:
    """The 4 x 4 matrix (likelihood across, impact up), bands shaded and hatched, each risk's id
    in its cell; ``*`` marks a risk above tolerance."""
    cells = risk_heatmap_data(scored)
    above = set(scored.loc[scored["above_tolerance"], "id"].astype(str))
    figure, axes = new_figure(height=4.4)
    for cell in cells.itertuples():
        x, y = LIKELIHOODS.index(cell.likelihood), IMPACTS.index(cell.impact)
        axes.add_patch(
            Rectangle(
                (x, y),
                1,
                1,
                facecolor=_BAND_FILL[cell.band],
                hatch=_BAND_HATCH[cell.band],
                edgecolor="#9A9A9A",
                linewidth=0.8,
            )
        )
        axes.text(
            x + 0.05,
            y + 0.93,
            f"{cell.band} ({cell.score})",
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
    axes.set_xlim(0, 4)
    axes.set_ylim(0, 4)
    axes.set_xticks(
        np.arange(4) + 0.5, [f"{v}\n{LIKELIHOOD_LABELS[v]}" for v in LIKELIHOODS], fontsize=8
    )
    axes.set_yticks(np.arange(4) + 0.5, [f"{v} {IMPACT_LABELS[v]}" for v in IMPACTS], fontsize=8)
    axes.set_xlabel("Likelihood")
    axes.set_ylabel("Impact")
    axes.grid(visible=False)
    axes.tick_params(length=0)
    legend = [
        Patch(facecolor=_BAND_FILL[b], hatch=_BAND_HATCH[b], edgecolor="#9A9A9A", label=b)
        for b in ("low", "medium", "high", "critical")
    ]
    figure.legend(handles=legend, loc="outside upper center", ncol=4, fontsize=8)
    n = len(scored)
    critical = int((scored["band"] == "critical").sum())
    over = int(scored["above_tolerance"].sum())
    lead = f"{critical} of {n} risks are" if critical else f"None of the {n} risks is"
    title = f"{lead} rated critical and {over} are above the council's tolerance"
    subtitle = f"Current risk rating (likelihood × impact), {n} risks, {place}"
    _finish(figure, axes, subtitle, source)
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
    caption = (
        "Bands are shaded and hatched (low plain, medium dotted, high striped, critical "
        "cross-hatched); * marks a risk above the council's tolerance."
    )
    return Chart("risk-heat-map", figure, title, subtitle, alt, caption, source, data)


# --------------------------------------------------------------------------- salaries


def _bench_row(bench: pd.DataFrame, grade: str) -> pd.Series:
    """The broadest comparison for a grade: all groups if there are several."""
    rows = bench[bench["grade"] == grade]
    wide = rows[rows["group"] == sufficiency.ALL_GROUPS]
    return (wide if len(wide) else rows).iloc[0]


def salary_summary_table(bench: pd.DataFrame, place: str) -> pd.DataFrame:
    """The subject council's pay against comparators, one row per grade and group."""

    def count(v: object) -> str:
        return "" if is_missing(v) else fmt_int(v)

    return pd.DataFrame(
        {
            "Grade": bench["grade"],
            "Comparison group": bench["group"],
            "Councils": [fmt_int(v) for v in bench["councils"]],
            f"{place}: bottom of scale": [
                _pounds(v) or "not in table" for v in bench["subject_min"]
            ],
            f"{place}: top of scale": [_pounds(v) or "not in table" for v in bench["subject_max"]],
            "Comparators' median top of scale": [
                _pounds(v) for v in bench["comparator_median_max"]
            ],
            "Comparators paying more at the top": [count(v) for v in bench["higher_max"]],
            "Comparators paying more at the bottom": [count(v) for v in bench["higher_min"]],
            f"{place}'s rank by top of scale (1 = highest)": [count(v) for v in bench["rank_max"]],
            "Comparators with a one-off payment": [count(v) for v in bench["with_one_off_payment"]],
            "Comparators with a market supplement": [
                count(v) for v in bench["with_market_supplement"]
            ],
        }
    )


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
            _pounds(row.max_salary),
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
            f"of {_pounds(top)}"
        )
    else:
        title = (
            f"{grade} pay at {n} councils ({group}): top of scale from "
            f"{_pounds(table['max_salary'].min())} to {_pounds(high)}"
        )
    subtitle = (
        f"{grade} pay scales, bottom to top (£ a year), {place} and {comparators} comparators, "
        f"{group}"
    )
    _finish(figure, axes, subtitle, source)
    first, last = table.iloc[0], table.iloc[-1]
    alt = (
        f"Range chart: {title}. Highest top of scale: {first['council']} "
        f"({_pounds(first['max_salary'])}); lowest: {last['council']} "
        f"({_pounds(last['max_salary'])})."
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


# --------------------------------------------------------------------------- fostering


def _period_span(funnel: pd.DataFrame) -> str:
    first, last = str(funnel["period"].iloc[0]), str(funnel["period"].iloc[-1])
    return first if first == last else f"{first} to {last}"


def funnel_notes(funnel: pd.DataFrame) -> list[str]:
    """The file's notes, one ``'2019-20 Q1: ...'`` line per period that has one."""
    if "notes" not in funnel.columns:
        return []
    return [
        f"{period}: {note}"
        for period, note in zip(funnel["period"], funnel["notes"], strict=True)
        if isinstance(note, str) and note.strip()
    ]


def funnel_table(conversion: pd.DataFrame) -> pd.DataFrame:
    """People reaching each stage, conversion and drop-out, for the page."""

    def pct(v: float) -> str:
        return "" if is_missing(v) else fmt_pct(v, dp=1)

    return pd.DataFrame(
        {
            "Stage": conversion["label"],
            "People": [
                fmt_int(v) if not is_missing(v) else "not recorded" for v in conversion["count"]
            ],
            "Conversion from the stage before": [pct(v) for v in conversion["conversion_pct"]],
            "Drop-out at this stage": [pct(v) for v in conversion["dropout_pct"]],
            "Share of enquiries": [pct(v) for v in conversion["share_of_enquiries_pct"]],
        }
    )


def funnel_years_table(funnel: pd.DataFrame) -> pd.DataFrame:
    """Counts by financial year, with approvals less terminations."""
    years = sufficiency.funnel_by_year(funnel)
    stages = sufficiency.funnel_stages(funnel)
    out = pd.DataFrame(
        {
            "Financial year": [
                y if complete else f"{y} ({q} of 4 quarters)"
                for y, q, complete in zip(
                    years["year"], years["quarters"], years["complete"], strict=True
                )
            ]
        }
    )
    for column in [*stages, sufficiency.TERMINATIONS]:
        if column in years:
            out[sufficiency.stage_label(column)] = [
                fmt_int(v) if not is_missing(v) else "not recorded" for v in years[column]
            ]
    if sufficiency.TERMINATIONS in years:
        net = years[sufficiency.FUNNEL_LAST] - years[sufficiency.TERMINATIONS]
        out["Approvals less terminations"] = [fmt_int(v) if not is_missing(v) else "" for v in net]
    return out


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
    _finish(figure, axes, subtitle, source)
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
    _finish(figure, axes, subtitle, source)
    parts = [
        f"{row.year}: {_count(row.approvals)} approvals, {_count(row.terminations)} terminations"
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


# --------------------------------------------------------------------------- the pack


def sections(bc: BusinessCase) -> list[str]:
    """The pack's sections, leaving out those with no input."""
    present = {
        "kpis": bc.card is not None,
        "risks": bc.risks is not None,
        "pay": bc.salaries is not None,
        "fostering": bc.funnel is not None,
    }
    return [s for s in CONTENTS if present.get(s, True)]


def contents(bc: BusinessCase) -> dict[str, str]:
    """Anchor -> title of the pack's sections, for the contents list."""
    return {section: CONTENTS[section] for section in sections(bc)}


def title(bc: BusinessCase) -> tuple[str, str]:
    s = bc.summary
    head = f"{bc.council}: business case" if bc.council else "Business case"
    sub = f"Invest-to-save case {s.first_year} to {s.last_year}"
    extras = [
        CONTENTS[k].lower() for k in ("kpis", "risks", "pay", "fostering") if k in sections(bc)
    ]
    if extras:
        sub += (
            ", with " + ", ".join(extras[:-1]) + (" and " if len(extras) > 1 else "") + extras[-1]
        )
    return head, sub


def key_facts(bc: BusinessCase) -> list[str]:
    """Sentences for the summary, every figure from the tables beside them."""
    s, y = bc.summary, bc.yearly
    capital = float(y["capital"].sum())
    revenue = float(y["one_off_revenue"].sum() + y["ongoing_cost"].sum())
    facts = [
        f"The case invests {_money(s.total_investment)} from {s.first_year} to {s.last_year} "
        f"({_money(capital)} capital, {_money(revenue)} revenue) and expects gross savings of "
        f"{_money(s.total_savings)}: a net saving of {_money(s.total_net)}."
    ]
    if s.first_saving_year is not None and not is_missing(s.simple_payback_years):
        facts.append(
            f"Simple payback: savings repay the whole investment {_years(s.simple_payback_years)} "
            f"after savings start in {s.first_saving_year}."
        )
    crossing = _payback_year(y, s.cashflow_payback_years)
    start = str(y["year"].iloc[_spending_start(y)])
    if crossing is not None and s.cashflow_payback_years > 0:
        facts.append(
            f"Cash-flow payback: the cumulative net saving turns positive "
            f"{_years(s.cashflow_payback_years)} after spending starts in {start}, during "
            f"{crossing}."
        )
    elif crossing is None:
        facts.append("The cumulative net saving is still negative at the end of the case.")
    roi = fmt_pct(s.roi * 100, dp=0) if not is_missing(s.roi) else "not defined"
    facts.append(
        f"Net present value at {fmt_pct(s.discount_rate * 100)} (HM Treasury Green Book rate by "
        f"default): {_money(s.npv)}; return on investment {roi}."
    )
    if s.lower is not None and s.upper is not None:
        facts.append(
            f"With every saving at its lower bound the net saving is {_money(s.lower.total_net)} "
            f"(simple payback {_years(s.lower.simple_payback_years)}); at its upper bound "
            f"{_money(s.upper.total_net)} ({_years(s.upper.simple_payback_years)})."
        )
    if bc.kpi_summary is not None and bc.card is not None:
        k = bc.kpi_summary
        facts.append(
            f"{k.on_or_above} of {k.with_status} performance indicators with a target are on or "
            f"above target in {bc.card['period'].iloc[0]}; {k.improved} of {k.with_baseline} "
            "improved on a year earlier."
        )
    if bc.risks is not None:
        critical = int((bc.risks["band"] == "critical").sum())
        facts.append(
            f"{critical} of {len(bc.risks)} risks are rated critical; "
            f"{int(bc.risks['above_tolerance'].sum())} are above tolerance."
        )
    if bc.salaries is not None and bc.council:
        bench = sufficiency.salary_benchmark(bc.salaries, bc.council)
        for grade in pd.unique(bench["grade"]):
            row = _bench_row(bench, grade)
            if is_missing(row["subject_max"]):
                continue
            group = "all groups" if row["group"] == sufficiency.ALL_GROUPS else row["group"]
            facts.append(
                f"{bc.council} pays {grade.lower()}s up to {_pounds(row['subject_max'])}: "
                f"{fmt_int(row['higher_max'])} of {fmt_int(row['comparators'])} comparators "
                f"({group}) pay more at the top of the scale."
            )
    if bc.funnel is not None:
        conversion = sufficiency.stage_conversion(bc.funnel)
        at = sufficiency.approvals_terminations(bc.funnel).dropna(
            subset=["approvals", "terminations"]
        )
        if len(conversion) > 1 and not is_missing(conversion["dropout_pct"].iloc[1]):
            second = conversion.iloc[1]
            facts.append(
                f"{fmt_pct(second['dropout_pct'], dp=0)} of foster carer enquiries did not reach "
                f"'{second['label']}' ({_period_span(bc.funnel)})."
            )
        if len(at):
            last = at.iloc[-1]
            facts.append(
                f"In {last['year']} there were {fmt_int(last['approvals'])} foster carer "
                f"approvals and {fmt_int(last['terminations'])} terminations."
            )
    return facts


def method_notes(bc: BusinessCase) -> list[str]:
    basis = (
        "each year's saving against the baseline"
        if bc.savings_basis == "annual"
        else "increments on the year before, added up item by item"
    )
    notes = [
        "Investment is capital, one-off revenue and ongoing revenue cost; gross savings were "
        f"given as {basis}. Net saving = gross savings less investment (council budget tables "
        "often print it with the opposite sign).",
        "The five-year total runs from the first year of the case to the fifth year with savings, "
        "so a set-up year is included.",
        "Simple payback counts years from the start of the first year with savings until "
        "cumulative savings equal the total investment; cash-flow payback counts from the start "
        "of the first year with spending until the cumulative net saving is zero for good. Flows "
        "accrue evenly through each year (linear within the year), two decimals.",
        f"Net present value discounts year t of the case by 1 / (1 + {bc.discount_rate:g})^t; "
        "the first year is not discounted. Return on investment = (savings - investment) / "
        "investment.",
    ]
    if bc.card is not None:
        notes.append(
            "Indicator status compares the gap to target (better minus worse, so lower caseloads "
            "count as better) with the tolerance: within it is on target, beyond twice it is "
            "well above or below. Direction of travel compares with the same period a year "
            "earlier."
        )
    if bc.risks is not None:
        notes.append(
            "Risk score = likelihood (1 to 4) × impact (1, 3, 5, 7); bands: low 1-4, medium "
            "5-9, high 10-15, critical 16 and over. Above tolerance: the current score is above "
            "the tolerance score."
        )
    if bc.salaries is not None:
        notes.append(
            "Pay comparisons use the top and bottom of each council's scale for the grade; a "
            "comparator pays more when its figure is higher (equal is not more). 'All groups' "
            "counts each council once."
        )
    if bc.funnel is not None:
        notes.append(
            "Funnel conversion compares the people reaching each stage in the same periods, not "
            "one group of applicants followed through; blanks are 'not recorded' and are never "
            "counted as zero."
        )
    return notes


def pack_charts(bc: BusinessCase) -> dict[str, list[Chart]]:
    """Every chart of the pack, by section."""
    place = bc.place
    out: dict[str, list[Chart]] = {
        "invest": [
            investment_chart(
                bc.yearly, bc.summary, place=place, source=_source(bc, "case", "business case")
            ),
            cumulative_chart(
                bc.yearly, bc.summary, place=place, source=_source(bc, "case", "business case")
            ),
        ]
    }
    if bc.card is not None and bc.kpi_summary is not None:
        out["kpis"] = [
            scorecard_chart(
                bc.card,
                bc.kpi_summary,
                place=place,
                source=_source(bc, "kpis", "performance indicators"),
            )
        ]
    if bc.risks is not None:
        out["risks"] = [
            risk_heatmap_chart(bc.risks, place=place, source=_source(bc, "risks", "risk register"))
        ]
    if bc.salaries is not None:
        pairs = bc.salaries[["grade", "group"]].drop_duplicates()
        out["pay"] = [
            salary_chart(
                bc.salaries,
                bc.council,
                group=group,
                grade=grade,
                source=_source(bc, "salaries", "salary benchmarking"),
            )
            for grade, group in pairs.itertuples(index=False)
        ]
    if bc.funnel is not None:
        source = _source(bc, "fostering", "foster carer recruitment figures")
        out["fostering"] = [
            funnel_chart(
                sufficiency.stage_conversion(bc.funnel),
                place=place,
                span=_period_span(bc.funnel),
                source=source,
            ),
            approvals_chart(bc.funnel, place=place, source=source),
        ]
    return out


def render_sections(bc: BusinessCase, charts: dict[str, list[Chart]]) -> list[str]:
    """The body of the pack as HTML fragments, section by section (figures numbered)."""
    out: list[str] = []
    number = 0

    def figures(section: str) -> None:
        nonlocal number
        for chart in charts.get(section, []):
            number += 1
            out.append(report.figure(chart, number=number))

    for section in sections(bc):
        out.append(report.section(section, CONTENTS[section], INTROS[section]))
        if section == "summary":
            out.append(report.bullet_list(key_facts(bc)))
        elif section == "invest":
            s = bc.summary
            out.append(
                report.table(
                    finance_table(bc.yearly, s),
                    caption=f"Investment and savings by financial year (£), {s.first_year} to "
                    f"{s.last_year}",
                )
            )
            out.append(report.table(finance_summary_table(s), caption="Headline figures"))
            figures(section)
        elif section == "kpis" and bc.card is not None:
            out.append(
                report.table(
                    scorecard_table(bc.card),
                    caption=f"Performance indicators, {bc.card['period'].iloc[0]}",
                )
            )
            figures(section)
        elif section == "risks" and bc.risks is not None:
            out.append(report.table(risk_table(bc.risks), caption="Risks in order of severity"))
            figures(section)
        elif section == "pay" and bc.salaries is not None:
            bench = sufficiency.salary_benchmark(bc.salaries, bc.council)
            out.append(
                report.table(
                    salary_summary_table(bench, bc.place),
                    caption=f"{bc.place}: pay against comparators",
                )
            )
            figures(section)
        elif section == "fostering" and bc.funnel is not None:
            span = _period_span(bc.funnel)
            out.append(
                report.table(
                    funnel_table(sufficiency.stage_conversion(bc.funnel)),
                    caption=f"Foster carer recruitment by stage, {span}",
                )
            )
            out.append(report.table(funnel_years_table(bc.funnel), caption="By financial year"))
            notes = funnel_notes(bc.funnel)
            if notes:
                name = report.esc(bc.files.get("fostering", "the input file"))
                out.append(f"<p>Notes in {name}:</p>")
                out.append(report.bullet_list(notes, css="notes"))
            figures(section)
        elif section == "method":
            out.append(report.bullet_list(method_notes(bc), css="notes"))
    return out


def close_charts(charts: dict[str, list[Chart]]) -> None:
    for group in charts.values():
        for chart in group:
            chart.close()


# --------------------------------------------------------------------------- command-line text


def finance_summary_data(summary: CaseSummary) -> pd.DataFrame:
    """The summary as numbers (pounds, years, ratios) for a CSV: ``measure, central`` and, when
    savings have bounds, ``lower, upper``."""
    fields = [
        "first_year", "last_year", "first_saving_year", "discount_rate", "total_investment",
        "total_savings", "total_net", "investment_5yr", "savings_5yr", "net_5yr",
        "investment_10yr", "savings_10yr", "net_10yr", "simple_payback_years",
        "cashflow_payback_years", "npv", "pv_investment", "pv_savings", "roi",
    ]  # fmt: skip
    out = pd.DataFrame({"measure": fields, "central": [getattr(summary, f) for f in fields]})
    if summary.lower is not None and summary.upper is not None:
        out["lower"] = [getattr(summary.lower, f) for f in fields]
        out["upper"] = [getattr(summary.upper, f) for f in fields]
    return out


def summary_lines(
    summary: CaseSummary, yearly: pd.DataFrame, *, source: str, basis: str
) -> list[str]:
    """The summary as lines of text for the terminal, payback figures included."""
    s = summary
    given = "annual amounts" if basis == "annual" else "increments on the year before"
    lines = [
        f"Invest-to-save case {source}: {s.first_year} to {s.last_year}, savings given as {given}",
        f"  Total investment: {_money(s.total_investment)} ({_pounds(s.total_investment)})",
        f"  Gross savings: {_money(s.total_savings)} ({_pounds(s.total_savings)})",
        f"  Net saving: {_money(s.total_net)} ({_pounds(s.total_net)})",
    ]
    for years, inv, sav, net in (
        (5, s.investment_5yr, s.savings_5yr, s.net_5yr),
        (10, s.investment_10yr, s.savings_10yr, s.net_10yr),
    ):
        end = _horizon_end(yearly, years)
        if end is None or is_missing(net):
            lines.append(
                f"  {years}-year totals: not available (the case has fewer than {years} years "
                "of savings)"
            )
        else:
            lines.append(
                f"  {years}-year totals ({yearly['year'].iloc[0]} to {yearly['year'].iloc[end - 1]}"
                f"): investment {_pounds(inv)}, gross savings {_pounds(sav)}, net saving "
                f"{_pounds(net)}"
            )
    if s.first_saving_year is None:
        lines.append("  Simple payback: no savings")
    else:
        lines.append(
            f"  Simple payback: {_years(s.simple_payback_years)} from the start of "
            f"{s.first_saving_year}"
        )
    start = str(yearly["year"].iloc[_spending_start(yearly)])
    crossing = _payback_year(yearly, s.cashflow_payback_years)
    text = f"  Cash-flow payback: {_years(s.cashflow_payback_years)} from the start of {start}"
    if crossing is not None and s.cashflow_payback_years > 0:
        text += f" (the cumulative net saving turns positive in {crossing})"
    lines.append(text)
    lines.append(
        f"  Net present value at {fmt_pct(s.discount_rate * 100)}: {_money(s.npv)} "
        f"({_pounds(s.npv)})"
    )
    roi = fmt_pct(s.roi * 100, dp=0) if not is_missing(s.roi) else "not defined (no investment)"
    lines.append(f"  Return on investment: {roi}")
    for name, case in (("Lower", s.lower), ("Upper", s.upper)):
        if case is not None:
            lines.append(
                f"  {name} case (savings at their {name.lower()} bounds): net saving "
                f"{_money(case.total_net)}, simple payback {_years(case.simple_payback_years)}, "
                f"cash-flow payback {_years(case.cashflow_payback_years)}, NPV {_money(case.npv)}"
            )
    return lines
