# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove-cell"]
# # Children's social care evidence pack
#
# Built by `cscanalysis` from DfE's published statistics. Run it with papermill
# (`cscanalysis pack --council Bristol --period 2025 --out outputs`) or open it in JupyterLab
# and change the parameters below.

# %% tags=["parameters"]
council = "Bristol"
period = "latest"
chart_files = True
audience = "publication"
target_value = None
target_year = None
local_data = None  # absolute path to a CSV of the council's own tidy rows, e.g. from SSDA903

# %%
from datetime import UTC, datetime
from pathlib import Path

from IPython.display import HTML, display

from cscanalysis import __version__
from cscanalysis.core.councils import load_register
from cscanalysis.packs.evidence import charts as evidence_charts
from cscanalysis.packs.evidence import content as evidence
from cscanalysis.packs.evidence import outlook as evidence_outlook
from cscanalysis.packs.evidence import spending as evidence_spending
from cscanalysis.packs.evidence import workbook as evidence_workbook
from cscanalysis.render import chart_files as export
from cscanalysis.render import html as report
from cscanalysis.render import workbook
from cscanalysis.store.tidy import load_tidy

ctx = evidence.prepare(load_tidy(local=local_data), load_register(), council, period, audience=audience)
headlines = evidence.headline_table(ctx)
outlook = evidence_outlook.outlook(ctx, target_value, target_year)
charts = evidence_charts.pack_charts(ctx, headlines, outlook)
display(HTML(report.header(*evidence.title(ctx), evidence.CONTENTS, banner=evidence.banner(ctx))))

# %%
display(HTML(report.section("headlines", evidence.CONTENTS["headlines"])))
display(HTML(report.bullet_list(evidence.key_facts(ctx, headlines))))
display(
    HTML(
        report.table(
            evidence.headline_display(headlines, ctx.place), caption=evidence.headline_caption(ctx)
        )
    )
)

# %%
folder = Path("charts") if chart_files else None
number = 0
for section in ("cla", "placements", "cin", "workforce"):
    display(HTML(report.section(section, evidence.CONTENTS[section], evidence.INTROS[section])))
    for chart in charts[section]:
        number += 1
        display(HTML(export.figure_html(chart, number, folder=folder, council=ctx.place,
                                        council_code=ctx.code, period=ctx.period)))

# %% [markdown] tags=["remove-cell"]
# Spending comes from each council's Section 251 outturn (DfE's LAIT from 2016-17) and MHCLG's
# Revenue Outturn (RO3) for 2024-25: gross, in cash terms, for the financial year that ends on
# the pack's 31 March. Totals are the council's own; spending per child is compared with the
# neighbours and England. The notes under the table say what the figures include and exclude.

# %%
display(HTML(report.section("spending", evidence.CONTENTS["spending"], evidence.INTROS["spending"])))
display(HTML(report.bullet_list(evidence_spending.spending_facts(ctx))))
display(HTML(report.table(evidence_spending.spending_table(ctx),
                          caption=f"Spending, {ctx.financial_year}, with the year before")))
for chart in charts["spending"]:
    number += 1
    display(HTML(export.figure_html(chart, number, folder=folder, council=ctx.place,
                                    council_code=ctx.code, period=ctx.period)))
display(HTML(report.bullet_list(evidence_spending.SPENDING_NOTES, css="notes")))

# %%
display(HTML(report.section("outlook", evidence.CONTENTS["outlook"], evidence.INTROS["outlook"])))
display(HTML(report.bullet_list(evidence_outlook.outlook_facts(ctx, outlook))))
for chart in charts["outlook"]:
    number += 1
    display(HTML(export.figure_html(chart, number, folder=folder, council=ctx.place,
                                    council_code=ctx.code, period=ctx.period)))
display(HTML(report.table(evidence_outlook.what_if_table(outlook),
                          caption="What-ifs: starts and ceasing held at their latest level")))

# %%
display(HTML(report.section("ranks", evidence.CONTENTS["ranks"], evidence.INTROS["ranks"])))
display(HTML(report.table(evidence.ranks_table(ctx), caption=evidence.ranks_caption(ctx))))

# %%
display(HTML(report.section("sources", evidence.CONTENTS["sources"], evidence.INTROS["sources"])))
display(HTML(report.table(evidence.sources_used(ctx), caption="Releases used in this pack")))
if chart_files:
    workbook.write_workbook(
        Path("tables.xlsx"),
        evidence_workbook.workbook_sheets(ctx, headlines, charts, outlook),
        evidence_workbook.workbook_notes(ctx),
    )
    display(HTML(report.download("tables.xlsx", "Every table and chart's data as an Excel "
                                 "workbook (tables.xlsx), with units, sources and notes")))
display(HTML(report.bullet_list(evidence.NOTES, css="notes")))
display(
    HTML(
        report.footer(
            {"council": council, "period": period, "audience": audience},
            {
                "Council": f"{ctx.council.name} ({ctx.code})",
                "Reporting year": f"{ctx.period} (the year ending 31 March {ctx.period})",
                "Package": f"cscanalysis {__version__}",
                "Built": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            },
        )
    )
)
evidence.close_charts(charts)
