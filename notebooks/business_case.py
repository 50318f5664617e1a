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
# # Business case pack
#
# Built by `cscanalysis` from a council's own input files (templates in `data/templates/`):
# the invest-to-save profile, and optionally performance indicators, a risk register, salary
# benchmarks and the foster-carer recruitment funnel. Run it with papermill
# (`cscanalysis business-case --case FILE --out outputs`) or open it in JupyterLab and change
# the parameters below. Relative paths are under the repository's `data/` folder; a blank
# path leaves that section out.

# %% tags=["parameters"]
case = "examples/bristol_2018_case.csv"
kpis = "examples/kpi_example.csv"
risks = "examples/risks_example.csv"
salaries = "examples/salaries_example.csv"
fostering = "examples/fostering_funnel_example.csv"
council = "Bristol"
savings_basis = "annual"
discount_rate = 0.035
# read_inputs' options: years, kpi_period, kpi_compare, kpi_tolerance, kpi_well, kpi_basis,
# risk_matrix, risk_bands
options = {}

# %%
from datetime import UTC, datetime
from pathlib import Path

from IPython.display import HTML, display

from cscanalysis import __version__
from cscanalysis.packs.business import content as business
from cscanalysis.packs.business import inputs as business_inputs
from cscanalysis.render import html as report
from cscanalysis.render import workbook
from cscanalysis.render.chart import close_charts

bc = business_inputs.read_inputs(
    case,
    kpis=kpis,
    risks=risks,
    salaries=salaries,
    fostering=fostering,
    council=council,
    savings_basis=savings_basis,
    discount_rate=discount_rate,
    **options,
)
charts = business.pack_charts(bc)
display(HTML(report.header(*business.title(bc), business.contents(bc))))

# %%
for fragment in business.render_sections(bc, charts):
    display(HTML(fragment))
workbook.write_workbook(Path("tables.xlsx"), business.workbook_sheets(bc, charts),
                        business.method_notes(bc))
display(HTML(report.download("tables.xlsx", "Every table and chart's data as an Excel workbook "
                             "(tables.xlsx), with units, sources and notes")))

# %%
display(
    HTML(
        report.footer(
            {
                "case": case,
                "kpis": kpis,
                "risks": risks,
                "salaries": salaries,
                "fostering": fostering,
                "council": council,
                "savings_basis": savings_basis,
                "discount_rate": discount_rate,
                "options": options,
            },
            {
                "Input files": ", ".join(bc.files.values()),
                "Package": f"cscanalysis {__version__}",
                "Built": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            },
        )
    )
)
close_charts(charts)
