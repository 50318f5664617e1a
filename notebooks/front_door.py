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
# # The front door: a council's own monthly extract
#
# Built by `cscanalysis` from a council's monthly performance extract (CSV or XLSX; see
# `data/templates/README_monthly.md`). Run it with papermill
# (`cscanalysis frontdoor --input FILE --council Bristol --out outputs`) or open it in
# JupyterLab and change the parameters below. `input` is one file or a list of files (for
# example the front-door table and the age-at-entry table); a relative path is relative to
# the repository. `source` is the source line of every chart (empty: worked out from the
# file names).

# %% tags=["parameters"]
input = [
    "data/examples/bristol_front_door_2016_17.csv",
    "data/examples/bristol_age_at_entry_2016_17.csv",
]
council = "Bristol"
forecast_horizon = 6
source = ""
audience = "publication"  # "internal": small numbers are not suppressed

# %%
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # statsmodels' small fits run faster

from datetime import UTC, datetime
from pathlib import Path

from IPython.display import HTML, display

from cscanalysis import __version__
from cscanalysis.core.councils import load_register
from cscanalysis.core.paths import REPO_ROOT
from cscanalysis.core.periods import month_label
from cscanalysis.packs.frontdoor import charts as frontdoor_charts
from cscanalysis.packs.frontdoor import content as frontdoor
from cscanalysis.packs.frontdoor import context as frontdoor_context
from cscanalysis.packs.frontdoor import forecast as frontdoor_forecast
from cscanalysis.packs.frontdoor import tables as frontdoor_tables
from cscanalysis.render import html as report
from cscanalysis.render import workbook
from cscanalysis.render.chart import close_charts
from cscanalysis.sources.monthly import read_monthly_extracts

place = load_register().resolve(council)
paths = frontdoor_context.input_paths(input, REPO_ROOT)
monthly = read_monthly_extracts(paths, council_code=place.code, council_name=place.name)
ctx = frontdoor_context.prepare(
    monthly,
    council_code=place.code,
    council_name=place.name,
    place=place.short_name,
    source=source or frontdoor_context.default_source(paths, place.short_name),
    horizon=forecast_horizon,
    audience=audience,
)
charts = frontdoor.pack_charts(ctx)
forecasts = frontdoor_forecast.forecasts(ctx)
sheets = []  # every table and chart's data, for tables.xlsx


display(
    HTML(report.header(*frontdoor.title(ctx), frontdoor.CONTENTS, banner=frontdoor.banner(ctx)))
)

# %% [markdown]
# <h2 id="summary">Summary</h2>

# %%
display(HTML(report.bullet_list(frontdoor.key_facts(ctx))))
number = 0  # figures are numbered in page order

# %% [markdown]
# <h2 id="funnel">From contact to care</h2>
#
# How many contacts led to a referral, a section 47 enquiry, an initial child protection
# conference, a child protection plan and a child entering care.

# %%
for chart in charts["funnel"]:
    number += 1
    sheets.append(workbook.figure_sheet(chart, number))
    display(HTML(report.figure(chart, number=number)))

# %% [markdown]
# <h2 id="trends">Month by month</h2>
#
# Each month's figure with the average month over the 12 months to it (the rolling 12-month
# total divided by 12), which smooths out busy and quiet months.

# %%
for chart in charts["trends"]:
    number += 1
    sheets.append(workbook.figure_sheet(chart, number))
    display(HTML(report.figure(chart, number=number)))

# %% [markdown]
# <h2 id="ages">Ages of children entering care</h2>
#
# Ages of the children entering care, in the age bands DfE publishes.

# %%
for chart in charts["ages"]:
    number += 1
    sheets.append(workbook.figure_sheet(chart, number))
    display(HTML(report.figure(chart, number=number)))

# %% [markdown]
# <h2 id="forecast">Forecast</h2>
#
# What the months ahead may bring if the recent pattern continues. Each forecast is tested on
# past months first, and its accuracy is stated.

# %%
forecast_charts = []
for fc in forecasts:
    chart = frontdoor_charts.forecast_chart(ctx, fc)
    if chart is not None:
        number += 1
        forecast_charts.append(chart)
        sheets.append(workbook.figure_sheet(chart, number))
        display(HTML(report.figure(chart, number=number)))
    display(HTML(report.bullet_list(frontdoor.forecast_statement(ctx, fc), css="notes")))
    accuracy = frontdoor_tables.accuracy_table(fc)
    if not accuracy.empty:
        caption = frontdoor_tables.accuracy_caption(ctx, fc)
        sheets.append(workbook.Sheet(f"Accuracy {fc.measure}", caption, accuracy, ctx.source))
        display(HTML(report.table(accuracy, caption=caption)))

# %% [markdown]
# <h2 id="table">Monthly figures</h2>
#
# The extract as read, with the conversion rates worked out from it.

# %%
months, caption = frontdoor_tables.monthly_table(ctx), frontdoor_tables.monthly_caption(ctx)
display(HTML(report.table(months, caption=caption)))
sheets.append(workbook.Sheet("Monthly", caption, months, ctx.source))

# %% [markdown]
# <h2 id="notes">Data notes</h2>
#
# Checks on the extract that an analyst should know about before using it.

# %%
display(HTML(report.bullet_list(frontdoor.data_notes(ctx), css="notes")))
notes = [frontdoor.banner(ctx), *frontdoor.data_notes(ctx)]
workbook.write_workbook(Path("tables.xlsx"), sheets, notes)
display(HTML(report.download("tables.xlsx", "Every table and chart's data as an Excel workbook "
                             "(tables.xlsx), with units, sources and notes")))
display(
    HTML(
        report.footer(
            {
                "input": ", ".join(p.name for p in paths),
                "council": council,
                "forecast_horizon": forecast_horizon,
            },
            {
                "Council": f"{place.name} ({place.code})",
                "Months": f"{month_label(ctx.first)} to {month_label(ctx.last)}",
                "Source": ctx.source,
                "Package": f"cscanalysis {__version__}",
                "Built": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            },
        )
    )
)
close_charts(charts, forecast_charts)
