"""The content of a business-case pack: invest-to-save, KPI scorecard, risks, social worker pay
and foster-carer recruitment, as tables, key facts and house-style charts.

Everything here is pure except :func:`read_inputs` (the one reader: it resolves paths and calls
the file readers) so that the notebook stays thin and every figure can be tested. Money is
written with :mod:`cscanalysis.core.formatting` (``£1.8m`` in prose, whole pounds such as
``£1,013,000`` in the invest-to-save table so that it can be checked against a council's own table);
financial years as ``2018-19``.

Sign convention: a **net saving** is gross savings less investment, so a positive figure is a
benefit and the cumulative line rises through zero at payback. Council budget tables often
print the opposite sign (costs positive, savings negative: Bristol's "Annual Net Savings").
"""

from __future__ import annotations

import pandas as pd

from cscanalysis.analysis import sufficiency
from cscanalysis.analysis.finance import CaseSummary
from cscanalysis.core.formatting import fmt_int, fmt_pct, is_missing
from cscanalysis.packs.business.charts import (
    approvals_chart,
    cumulative_chart,
    funnel_chart,
    investment_chart,
    salary_chart,
)
from cscanalysis.packs.business.charts_rag import risk_heatmap_chart, scorecard_chart
from cscanalysis.packs.business.inputs import (
    BusinessCase,
)
from cscanalysis.packs.business.tables import (
    bench_row,
    finance_summary_table,
    finance_table,
    funnel_notes,
    funnel_table,
    funnel_years_table,
    risk_table,
    salary_summary_table,
    scorecard_table,
)
from cscanalysis.packs.business.words import (
    PAYBACK_CONVENTION,
    horizon_end,
    money,
    payback_facts,
    period_span,
    pounds,
    years_text,
)
from cscanalysis.render import html as report
from cscanalysis.render.chart import Chart
from cscanalysis.render.workbook import Sheet, figure_sheet

__all__ = [
    "CONTENTS",
    "INTROS",
    "contents",
    "key_facts",
    "method_notes",
    "pack_charts",
    "render_sections",
    "sections",
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
    "kpis": "Each indicator's value against its target, by the council's rule, and against an "
    "earlier period.",
    "risks": "Each risk's current rating (likelihood times impact) and the rating the council "
    "will tolerate.",
    "pay": "Pay scales for the same grade in comparator councils, bottom to top of scale, with "
    "one-off and market supplement payments.",
    "fostering": "How many people who enquire about fostering get through each stage to "
    "approval, and approvals against carers leaving.",
    "method": "",
}


def _source(bc: BusinessCase, kind: str, what: str) -> str:
    name = bc.files.get(kind, "")
    owner = f"{bc.council} " if bc.council else ""
    return f"{owner}{what}" + (f" ({name})" if name else "")


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
        f"The case invests {money(s.total_investment)} from {s.first_year} to {s.last_year} "
        f"({money(capital)} capital, {money(revenue)} revenue) and expects gross savings of "
        f"{money(s.total_savings)}: a net saving of {money(s.total_net)}."
    ]
    if s.spend_start_year is not None and s.payback_year is not None:
        parts = [f"{years_text(s.payback_from_spend_years)} after spending starts in "]
        parts[0] += str(s.spend_start_year)
        if s.savings_start_year is not None:
            parts.append(
                f"{years_text(s.payback_from_savings_years)} after savings first exceed running "
                f"costs in {s.savings_start_year}"
            )
        fact = f"Payback: {' and '.join(parts)}; the cumulative net saving first reaches zero "
        fact += f"during {s.payback_year}" + (
            " (a projected year)." if s.payback_projected else "."
        )
        if s.payback_lapses_year is not None:
            fact += f" It falls below zero again by the end of {s.payback_lapses_year}."
        facts.append(fact)
    elif s.spend_start_year is not None:
        facts.append(
            "The cumulative net saving is still negative at the end of the case: no payback "
            "within the case."
        )
    if s.projected_years:
        projected = y.loc[y["projected"], "year"]
        facts.append(
            f"The years {projected.iloc[0]} to {projected.iloc[-1]} are projected: the last "
            "given year's ongoing costs and savings held flat in nominal pounds."
        )
    roi = fmt_pct(s.roi * 100, dp=0) if not is_missing(s.roi) else "not defined"
    facts.append(
        f"Net present value at {fmt_pct(s.discount_rate * 100)} (HM Treasury Green Book rate by "
        f"default): {money(s.npv)}; return on investment {roi}."
    )
    if s.lower is not None and s.upper is not None:
        facts.append(
            f"With every saving at its lower bound the net saving is {money(s.lower.total_net)} "
            f"(payback {years_text(s.lower.payback_from_spend_years)} from the first spend); at "
            f"its upper bound {money(s.upper.total_net)} "
            f"({years_text(s.upper.payback_from_spend_years)})."
        )
    if bc.kpi_summary is not None and bc.card is not None:
        k = bc.kpi_summary
        facts.append(
            f"{k.on_or_above} of {k.with_status} performance indicators with a target are on or "
            f"above target in {bc.card['period'].iloc[0]}; {k.improved} of {k.with_baseline} "
            f"improved on {bc.card['previous_period'].iloc[0]}."
        )
    if bc.risks is not None:
        top = bc.risk_matrix.band_names[-1]
        critical = int((bc.risks["band"] == top).sum())
        facts.append(
            f"{critical} of {len(bc.risks)} risks are rated {top}; "
            f"{int(bc.risks['above_tolerance'].sum())} are above tolerance."
        )
    if bc.salaries is not None and bc.council:
        bench = sufficiency.salary_benchmark(bc.salaries, bc.council)
        for grade in pd.unique(bench["grade"]):
            row = bench_row(bench, grade)
            if is_missing(row["subject_max"]):
                continue
            group = "all groups" if row["group"] == sufficiency.ALL_GROUPS else row["group"]
            facts.append(
                f"{bc.council} pays {grade.lower()}s up to {pounds(row['subject_max'])}: "
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
                f"'{second['label']}' ({period_span(bc.funnel)})."
            )
        if len(at):
            last = at.iloc[-1]
            facts.append(
                f"In {last['year']} there were {fmt_int(last['approvals'])} foster carer "
                f"approvals and {fmt_int(last['terminations'])} terminations."
            )
    return facts


def kpi_note(bc: BusinessCase) -> str:
    """How the indicators were rated: the rule, its defaults and the periods compared."""
    if bc.card is None:
        return ""
    r = bc.kpi_rule
    share = " (as a percentage of the target)" if r.basis == "share" else ""
    if r.tolerance is None and r.well is None:
        default = (
            "Where the file states no rule, the tolerance is 0 and the 'well' threshold twice "
            "the tolerance, with no 'well' bands when the tolerance is 0 (a miss is then 'below "
            "target', never 'well below')."
        )
    else:
        tol = "0" if r.tolerance is None else f"{r.tolerance:g}"
        well = "twice the tolerance" if r.well is None else f"{r.well:g}"
        default = f"Where the file states no rule: tolerance {tol}, 'well' threshold {well}{share}."
    return (
        "Indicator status compares the gap to target (better minus worse, so lower caseloads "
        "count as better) with each indicator's rule: within the tolerance it is on target, "
        "beyond the 'well' threshold well above or below (the thresholds used are in the "
        f"table). {default} Indicators are scored for {bc.card['period'].iloc[0]}; direction of "
        f"travel compares with {bc.card['previous_period'].iloc[0]}."
    )


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
        PAYBACK_CONVENTION,
        f"Net present value discounts year t of the case by 1 / (1 + {bc.discount_rate:g})^t; "
        "the first year is not discounted. Return on investment = (savings - investment) / "
        "investment.",
    ]
    if bc.card is not None:
        notes.append(kpi_note(bc))
    if bc.risks is not None:
        m = bc.risk_matrix
        notes.append(
            f"Risk score = likelihood ({', '.join(map(str, m.likelihood_scores))}) × impact "
            f"({', '.join(map(str, m.impact_scores))}); bands ({m.source}): {m.describe()}. "
            "Above tolerance: the current score is above the tolerance score."
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
            risk_heatmap_chart(
                bc.risks,
                place=place,
                source=_source(bc, "risks", "risk register"),
                matrix=bc.risk_matrix,
            )
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
                span=period_span(bc.funnel),
                source=source,
            ),
            approvals_chart(bc.funnel, place=place, source=source),
        ]
    return out


def section_tables(bc: BusinessCase, section: str) -> list[tuple[str, pd.DataFrame]]:
    """The tables a section shows, as ``(caption, table)``, in page order."""
    if section == "invest":
        s = bc.summary
        return [
            (
                f"Investment and savings by financial year (£), {s.first_year} to {s.last_year}",
                finance_table(bc.yearly, s),
            ),
            ("Headline figures", finance_summary_table(s)),
        ]
    if section == "kpis" and bc.card is not None:
        return [(f"Performance indicators, {bc.card['period'].iloc[0]}", scorecard_table(bc.card))]
    if section == "risks" and bc.risks is not None:
        return [("Risks in order of severity", risk_table(bc.risks))]
    if section == "pay" and bc.salaries is not None:
        bench = sufficiency.salary_benchmark(bc.salaries, bc.council)
        return [(f"{bc.place}: pay against comparators", salary_summary_table(bench, bc.place))]
    if section == "fostering" and bc.funnel is not None:
        span = period_span(bc.funnel)
        return [
            (
                f"Foster carer recruitment by stage, {span}",
                funnel_table(sufficiency.stage_conversion(bc.funnel)),
            ),
            ("By financial year", funnel_years_table(bc.funnel)),
        ]
    return []


def render_sections(bc: BusinessCase, charts: dict[str, list[Chart]]) -> list[str]:
    """The body of the pack as HTML fragments, section by section (figures numbered)."""
    out: list[str] = []
    number = 0
    for section in sections(bc):
        out.append(report.section(section, CONTENTS[section], INTROS[section]))
        if section == "summary":
            out.append(report.bullet_list(key_facts(bc)))
        elif section == "method":
            out.append(report.bullet_list(method_notes(bc), css="notes"))
        out += [
            report.table(table, caption=caption) for caption, table in section_tables(bc, section)
        ]
        if section == "fostering" and bc.funnel is not None:
            notes = funnel_notes(bc.funnel)
            if notes:
                name = report.esc(bc.files.get("fostering", "the input file"))
                out.append(f"<p>Notes in {name}:</p>")
                out.append(report.bullet_list(notes, css="notes"))
        for chart in charts.get(section, []):
            number += 1
            out.append(report.figure(chart, number=number))
    return out


def workbook_sheets(bc: BusinessCase, charts: dict[str, list[Chart]]) -> list[Sheet]:
    """Every table of the pack and every chart's data, in page order, for ``tables.xlsx``."""
    sheets, number = [], 0
    source = ", ".join(bc.files.values())
    for section in sections(bc):
        sheets += [
            Sheet(caption[:31], caption, table, source)
            for caption, table in section_tables(bc, section)
        ]
        for chart in charts.get(section, []):
            number += 1
            sheets.append(figure_sheet(chart, number))
    return sheets


# --------------------------------------------------------------------------- command-line text


def summary_lines(
    summary: CaseSummary, yearly: pd.DataFrame, *, source: str, basis: str
) -> list[str]:
    """The summary as lines of text for the terminal, payback figures included."""
    s = summary
    given = "annual amounts" if basis == "annual" else "increments on the year before"
    lines = [
        f"Invest-to-save case {source}: {s.first_year} to {s.last_year}, savings given as {given}",
        f"  Total investment: {money(s.total_investment)} ({pounds(s.total_investment)})",
        f"  Gross savings: {money(s.total_savings)} ({pounds(s.total_savings)})",
        f"  Net saving: {money(s.total_net)} ({pounds(s.total_net)})",
    ]
    for years, inv, sav, net in (
        (5, s.investment_5yr, s.savings_5yr, s.net_5yr),
        (10, s.investment_10yr, s.savings_10yr, s.net_10yr),
    ):
        end = horizon_end(yearly, years)
        if end is None or is_missing(net):
            lines.append(
                f"  {years}-year totals: not available (the case has fewer than {years} years "
                "of savings)"
            )
        else:
            lines.append(
                f"  {years}-year totals ({yearly['year'].iloc[0]} to {yearly['year'].iloc[end - 1]}"
                f"): investment {pounds(inv)}, gross savings {pounds(sav)}, net saving "
                f"{pounds(net)}"
            )
    spend, savings, note = payback_facts(s)
    lines.append(f"  Payback from the first spend: {spend}")
    lines.append(f"  Payback from the first savings: {savings}")
    if note:
        lines.append(f"  {note}")
    if s.projected_years:
        lines.append(
            f"  Projected: the last {s.projected_years} years, the last given year's ongoing "
            "costs and savings held flat in nominal pounds"
        )
    lines.append(
        f"  Net present value at {fmt_pct(s.discount_rate * 100)}: {money(s.npv)} ({pounds(s.npv)})"
    )
    roi = fmt_pct(s.roi * 100, dp=0) if not is_missing(s.roi) else "not defined (no investment)"
    lines.append(f"  Return on investment: {roi}")
    for name, case in (("Lower", s.lower), ("Upper", s.upper)):
        if case is not None:
            lines.append(
                f"  {name} case (savings at their {name.lower()} bounds): net saving "
                f"{money(case.total_net)}, payback {years_text(case.payback_from_spend_years)} "
                f"from the first spend and {years_text(case.payback_from_savings_years)} from "
                f"the first savings, NPV {money(case.npv)}"
            )
    return lines
