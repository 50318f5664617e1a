"""Text from data is shown as text: a hostile council name never becomes markup."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from cscanalysis.packs.evidence import charts as evidence_charts
from cscanalysis.packs.evidence import content as evidence
from cscanalysis.render import html as report

HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    'Bristol" onmouseover="alert(1)',
]


@pytest.fixture(scope="module")
def ctx(tidy, register):
    return evidence.prepare(tidy, register, "Bristol", 2023)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_council_name_in_every_html_fragment(ctx, name):
    council = dataclasses.replace(ctx.council, short_name=name, name=name)
    hostile = dataclasses.replace(ctx, council=council)
    table = evidence.headline_table(hostile)
    html = "".join(
        [
            report.header(*evidence.title(hostile), evidence.CONTENTS),
            report.bullet_list(evidence.key_facts(hostile, table)),
            report.table(evidence.headline_display(table, hostile.place), caption=name),
            report.figure(
                evidence_charts.trend_chart(hostile, "cla_rate_per_10k", "rate", "cla-rate", name)
            ),
            report.footer({"council": name}, {"Council": name}),
        ]
    )
    assert "<script" not in html
    assert "<img src=x" not in html
    assert 'onerror="' not in html and 'onmouseover="' not in html
    assert "&lt;script&gt;" in html or "&lt;img" in html or "&quot; onmouseover" in html


def test_hostile_text_in_table_cells_and_headers():
    frame = pd.DataFrame({"<b>col</b>": ["<script>x</script>", '=HYPERLINK("http://x")']})
    html = report.table(frame, caption="<i>cap</i>")
    assert "<b>" not in html and "<script>" not in html and "<i>" not in html
    assert "&lt;b&gt;col&lt;/b&gt;" in html


def test_alt_text_cannot_break_out_of_its_attribute(ctx):
    chart = evidence_charts.trend_chart(ctx, "cla_rate_per_10k", "rate", "cla-rate", "DfE")
    chart.alt = 'x" onerror="alert(1)'
    html = report.figure(chart)
    assert 'alt="x&quot; onerror=&quot;alert(1)"' in html
    chart.close()
