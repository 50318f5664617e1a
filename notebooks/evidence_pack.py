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
from cscanalysis.render.chart import close_charts
from cscanalysis.store.tidy import load_tidy

ctx = evidence.prepare(load_tidy(local=local_data), load_register(), council, period, audience=audience)
headlines = evidence.headline_table(ctx)
outlook = evidence_outlook.outlook(ctx, target_value, target_year)
charts = evidence_charts.pack_charts(ctx, headlines, outlook)
display(HTML(report.header(*evidence.title(ctx), evidence.CONTENTS, banner=evidence.banner(ctx))))

# %% [markdown]
# <h2 id="headlines">Headline figures</h2>

# %%
display(HTML(report.bullet_list(evidence.key_facts(ctx, headlines))))
display(
    HTML(
        report.table(
            evidence.headline_display(headlines, ctx.place), caption=evidence.headline_caption(ctx)
        )
    )
)
figures = evidence_charts.Figures(ctx, Path("charts") if chart_files else None)

# %% [markdown]
# <h2 id="cla">Children looked after</h2>
#
# Children looked after at 31 March, and those starting and ceasing to be looked after during
# the year, over every year published.

# %%
for figure in figures.html(charts["cla"]):
    display(HTML(figure))

# %% [markdown]
# <h2 id="placements">Placement stability and distance</h2>
#
# How often children in care move, how long they stay with the same carer, and how far from
# home new placements are, against neighbours, region and England.

# %%
for figure in figures.html(charts["placements"]):
    display(HTML(figure))

# %% [markdown]
# <h2 id="cin">Children in need and child protection</h2>
#
# Referrals, re-referrals, section 47 enquiries and child protection plans, from the children
# in need census.

# %%
for figure in figures.html(charts["cin"]):
    display(HTML(figure))

# %% [markdown]
# <h2 id="workforce">Social work workforce</h2>
#
# Children's social workers at 30 September: caseload, vacancies, turnover, agency workers and
# absence.

# %%
for figure in figures.html(charts["workforce"]):
    display(HTML(figure))

# %% [markdown] tags=["remove-cell"]
# Spending comes from each council's Section 251 outturn (DfE's LAIT from 2016-17) and MHCLG's
# Revenue Outturn (RO3) for 2024-25: gross, in cash terms, for the financial year that ends on
# the pack's 31 March. Totals are the council's own; spending per child is compared with the
# neighbours and England. The notes under the table say what the figures include and exclude.

# %% [markdown]
# <h2 id="spending">Spending</h2>
#
# What the council spends on children looked after, safeguarding and family support, per child
# and against its neighbours and England.

# %%
display(HTML(report.bullet_list(evidence_spending.spending_facts(ctx))))
display(HTML(report.table(evidence_spending.spending_table(ctx),
                          caption=f"Spending, {ctx.financial_year}, with the year before")))
for figure in figures.html(charts["spending"]):
    display(HTML(figure))
display(HTML(report.bullet_list(evidence_spending.SPENDING_NOTES, css="notes")))

# %% [markdown]
# <h2 id="outlook">Outlook: forecast, target and what-ifs</h2>
#
# A forecast of children looked after at 31 March in the next three years, how sure we can be,
# and what some changes would do if starts and ceasing stayed at this year's level.

# %%
display(HTML(report.bullet_list(evidence_outlook.outlook_facts(ctx, outlook))))
for figure in figures.html(charts["outlook"]):
    display(HTML(figure))
display(HTML(report.table(evidence_outlook.what_if_table(outlook),
                          caption="What-ifs: starts and ceasing held at their latest level")))

# %% [markdown]
# <h2 id="ranks">Rank among all councils</h2>
#
# Each headline rate against every council with a published figure. Rank 1 is the lowest
# value; a lower rank is not necessarily better.

# %%
display(HTML(report.table(evidence.ranks_table(ctx), caption=evidence.ranks_caption(ctx))))

# %% [markdown]
# <h2 id="sources">Sources and notes</h2>
#
# Every figure is as published by DfE and ONS (latest release first), except any marked as the
# council's own data.

# %%
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
close_charts(charts)
