"""Charts and packs that need no touching up: direct labels in the data's order, nothing cut off
or overlapping at full or half page width, real SVG text, the smallest councils said in words,
and (slow, in Chromium) every pack page at 1280 and 375 px.

The layout checks measure text where it is drawn: matplotlib's own text extents for the figures
(:mod:`cscanalysis.render.layout_check`) and the browser's ``<text>`` boxes for the SVGs in the
pages. Screenshots are kept under ``outputs/layout-check/`` (git-ignored) as test artefacts.
"""

from __future__ import annotations

import base64
import itertools
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cscanalysis.core.measures import MEASURES
from cscanalysis.core.paths import REPO_ROOT
from cscanalysis.packs.evidence import charts as evidence_charts
from cscanalysis.packs.evidence import content as evidence
from cscanalysis.packs.evidence import outlook as evidence_outlook
from cscanalysis.render import charts
from cscanalysis.render.chart import Chart, close_charts, save
from cscanalysis.render.layout import axes_state, spread
from cscanalysis.render.layout_check import layout_problems

SHOTS = REPO_ROOT / "outputs" / "layout-check"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PACK_COUNCILS = ["Bristol", "Bournemouth, Christchurch and Poole", "Isles of Scilly"]


def comparison(council, neighbours, region, england) -> pd.DataFrame:
    periods = [str(2021 + i) for i in range(len(council))]
    return pd.DataFrame(
        {
            "period": periods,
            "council": np.array(council, dtype=float),
            "council_flag": "",
            "neighbours": np.array(neighbours, dtype=float),
            "neighbours_n": 10,
            "region": np.array(region, dtype=float),
            "england": np.array(england, dtype=float),
        }
    )


def label_boxes(chart: Chart) -> list[tuple[str, object]]:
    """The direct labels drawn on the chart, top of the chart first, with their pixel boxes."""
    figure = chart.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    labels = axes_state(figure.axes[0]).labels
    boxes = [
        (lab.text, lab.artist.get_window_extent(renderer))
        for lab in labels
        if lab.artist is not None
    ]
    return sorted(boxes, key=lambda item: -item[1].y0)


# --- direct labels ----------------------------------------------------------------------------


def test_labels_follow_the_data_top_to_bottom_and_do_not_touch():
    # last values: council 81, neighbours 75, region 70, England 69 (region and England are
    # 1 apart: they must be moved apart without swapping)
    chart = charts.trend_line(
        comparison(
            [60, 62, 64, 66, 81], [70, 71, 72, 73, 75], [65, 66, 67, 68, 70], [67] * 4 + [69]
        ),
        slug="t",
        place="Bournemouth, Christchurch and Poole",
        measure=MEASURES["cla_rate_per_10k"],
        noun="rate of children looked after",
        source="test",
        region_name="South West",
    )
    boxes = label_boxes(chart)
    assert [text for text, _ in boxes] == [
        "Bournemouth, Christchurch and Poole",
        "Neighbours (mean)",
        "South West",
        "England",
    ]
    for (_, upper), (_, lower) in itertools.pairwise(boxes):
        assert lower.y1 <= upper.y0 + 0.5  # no overlap
    plot = chart.figure.axes[0].get_window_extent()
    assert all(box.y1 <= plot.y1 + 0.5 for _, box in boxes)  # never up on the subtitle
    assert layout_problems(chart.figure) == []
    chart.close()


def test_england_lowest_is_labelled_last():
    # Bristol's Figures 3 and 8 put "England" on top though it was lowest
    chart = charts.trend_line(
        comparison([20, 21, 25, 29], [24, 25, 26, 27], [22, 23, 24, 25], [20, 21, 21, 22]),
        slug="t",
        place="Bristol",
        measure=MEASURES["cla_starts_rate_per_10k"],
        noun="rate of children starting care",
        source="test",
        region_name="South West",
    )
    assert [text for text, _ in label_boxes(chart)][-1] == "England"
    chart.close()


def test_counts_labels_in_the_data_order():
    # Bristol 2023 (RY2023 release): started 270, ceased 229, looked after 732, so "Started"
    # sits above "Ceased" (the issue found them the other way round)
    frame = pd.DataFrame(
        {
            "period": ["2021", "2022", "2023"],
            "in_care": [633.0, 690.0, 732.0],
            "starts": [194.0, 253.0, 270.0],
            "ceased": [188.0, 197.0, 229.0],
        }
    )
    for column in ("in_care", "starts", "ceased"):
        frame[f"{column}_flag"] = ""
    chart = charts.counts_line(
        frame,
        slug="t",
        place="Bristol",
        series={"in_care": "Looked after at 31 March", "starts": "Started", "ceased": "Ceased"},
        noun="the number of children looked after",
        unit="children",
        source="test",
    )
    assert [t for t, _ in label_boxes(chart)] == ["Looked after at 31 March", "Started", "Ceased"]
    # at half page width the labels become a legend, in the same order
    order = chart.narrow(lambda f: [t.get_text() for t in f.legends[-1].get_texts()])
    assert order == ["Looked after at 31 March", "Started", "Ceased"]
    chart.close()


def test_spread_keeps_order_and_room():
    # three labels 10 px high wanted at 100, 99 and 98 px between 0 and 200, 2 px apart:
    # the first stays, the others step down by 12 px
    assert spread([100, 99, 98], [10, 10, 10], 0, 200, 2) == [100, 88, 76]
    # wanted above the top (200): pushed under it (195 = 200 - 10 / 2) and the rest below
    assert spread([230, 225], [10, 10], 0, 200, 2) == [195, 183]
    # wanted below the bottom: pushed up from it, order kept
    assert spread([3, 2], [10, 10], 0, 200, 2) == [17, 5]


# --- SVG text, ranking data, small councils ---------------------------------------------------


def test_svg_text_is_editable_text_in_a_common_font():
    chart = charts.trend_line(
        comparison([60, 62, 64], [70, 71, 72], [65, 66, 67], [67, 68, 69]),
        slug="t",
        place="Bristol",
        measure=MEASURES["cla_rate_per_10k"],
        noun="rate of children looked after",
        source="DfE, Children looked after in England",
        region_name="South West",
    )
    svg = chart.svg().decode("utf-8")
    assert "<text" in svg and "Neighbours (mean)" in svg and "South West" in svg
    assert "Source: DfE, Children looked after in England" in svg
    assert "font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif" in svg
    assert chart.svg() == save(chart.figure, "svg")  # the same bytes every time
    chart.close()


def test_too_small_to_chart_says_what_the_figures_are():
    # Isles of Scilly, rate of children looked after (RY2025 release): 0 in 2017 to 2019, c in
    # 2020, z from 2021
    periods = ["2017", "2018", "2019", "2020", "2021", "2022"]
    values = [0.0, 0.0, 0.0, np.nan, np.nan, np.nan]
    flags = ["", "", "", "c", "z", "z"]
    title, sentence = evidence_charts.too_small_to_chart(
        "Isles of Scilly", "rate of children looked after", periods, values, flags
    )
    assert title == (
        "Isles of Scilly's rate of children looked after: too few children to chart, 2017 to 2022"
    )
    assert sentence.startswith(
        "Isles of Scilly's rate of children looked after was 0 in 2017 to 2019; not published "
        "(suppressed) in 2020; not published (not applicable) in 2021 to 2022."
    )
    # one year above zero is charted
    assert (
        evidence_charts.too_small_to_chart("X", "y", periods, [0, 1, 0, 0, 0, 0], [""] * 6) is None
    )


# --- whole packs' charts (slow) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def pack_charts(tidy, register):
    found = {}
    for council in PACK_COUNCILS:
        ctx = evidence.prepare(tidy, register, council, "latest")
        found[council] = (
            ctx,
            evidence_charts.pack_charts(
                ctx, evidence.headline_table(ctx), evidence_outlook.outlook(ctx)
            ),
        )
    yield found
    for _, chart_sections in found.values():
        close_charts(chart_sections)


@pytest.mark.slow
@pytest.mark.parametrize("council", PACK_COUNCILS)
def test_every_chart_reads_at_full_and_half_width(pack_charts, council):
    _, chart_sections = pack_charts[council]
    problems = {}
    for chart in [c for section in evidence.CHART_SECTIONS for c in chart_sections[section]]:
        if chart.meta.get("in_words"):
            continue
        full = layout_problems(chart.figure)
        half = chart.narrow(layout_problems)  # the layout of `cscanalysis charts`' -half.png
        if full or half:
            problems[chart.slug] = full + [f"half width: {p}" for p in half]
    assert problems == {}


@pytest.mark.slow
def test_smallest_council_says_it_in_words(pack_charts):
    ctx, chart_sections = pack_charts["Isles of Scilly"]
    every = [c for section in evidence.CHART_SECTIONS for c in chart_sections[section]]
    titles = " ".join(c.title for c in every)
    assert "from 0 to 0" not in titles and "from 0.0 to 0.0" not in titles
    words = {c.slug for c in every if c.meta.get("in_words")}
    assert {"cla-rate", "cla-numbers", "rereferrals"} <= words
    facts = " ".join(evidence.key_facts(ctx, evidence.headline_table(ctx)))
    assert "suppressed%" not in facts and "not published%" not in facts


@pytest.mark.slow
def test_ranking_data_names_each_council(pack_charts):
    _, chart_sections = pack_charts["Bristol"]
    ranking = next(c for c in chart_sections["cla"] if c.slug == "cla-rate-ranking")
    row = ranking.data[ranking.data["council code"] == "E06000023"].iloc[0]
    assert row["council"] == "Bristol, City of"  # as the council register names it
    assert "Children looked after at 31 March, rate (per 10,000 children)" in ranking.data
    assert int(row["rank (1 = lowest)"]) >= 1 and int(row["of"]) >= 140


# --- the pages in Chromium (slow, browser) ----------------------------------------------------

SVG_TEXT_JS = """
() => {
  const root = document.querySelector('svg').getBoundingClientRect();
  const boxes = [...document.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => { const r = t.getBoundingClientRect();
                return [t.textContent.trim(), r.left, r.top, r.right, r.bottom]; });
  const found = [];
  for (const [s, l, t, r, b] of boxes) {
    if (l < root.left - 1 || t < root.top - 1 || r > root.right + 1 || b > root.bottom + 1)
      found.push('outside: ' + s);
  }
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, al, at, ar, ab] = boxes[i], [b, bl, bt, br, bb] = boxes[j];
    const w = Math.min(ar, br) - Math.max(al, bl), h = Math.min(ab, bb) - Math.max(at, bt);
    if (w > 1.5 && h > 1.5) found.push('overlap: ' + a + ' / ' + b);
  }
  return found;
}
"""
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PLACEHOLDER = re.compile(r"\b(nan|NaN|None|undefined|TODO|TBC|lorem|placeholder)\b|\{\{|\}\}")


@pytest.fixture(scope="module")
def pages(showcase_pages, tmp_path_factory):
    from cscanalysis.packs.evidence.pack import build_pack

    out = tmp_path_factory.mktemp("layout")
    found = {c: Path(build_pack(c, "latest", out).path) for c in PACK_COUNCILS[2:]}
    found["Bristol"], found["Bournemouth, Christchurch and Poole"] = (
        showcase_pages["Bristol"],
        showcase_pages["BCP"],
    )
    found["business case"] = showcase_pages["business case"]
    found["front door"] = showcase_pages["front door"]
    return found


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed for the layout check and is not at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def svgs_in(page) -> list[str]:
    """Every SVG the page embeds (full width in <img>, phone layout in <source>)."""
    sources = page.eval_on_selector_all(
        "img, source", "els => els.map(e => e.getAttribute('src') || e.getAttribute('srcset'))"
    )
    prefix = "data:image/svg+xml;base64,"
    return [s for s in dict.fromkeys(sources) if s and s.startswith(prefix)]


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize(
    "name", [*PACK_COUNCILS, "business case", "front door"], ids=lambda n: n.split(",")[0]
)
def test_page_fits_and_its_charts_read(browser, pages, name, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(pages[name].as_uri(), wait_until="load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    if width == 1280:  # on a desktop a table shown of up to 8 columns fits the page's column;
        # a wider one (the pay table's 11) scrolls inside its own box, never the page
        wide = page.eval_on_selector_all(
            "div.table-wrap",
            "els => els.filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1"
            " && e.querySelectorAll('thead th').length <= 8)"
            ".map(e => (e.querySelector('caption') || e).textContent.slice(0, 60))",
        )
        assert wide == []
    text = page.evaluate("document.body.innerText")
    assert PLACEHOLDER.findall(text) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"\W+", "-", name.lower())
    page.screenshot(path=str(SHOTS / f"{slug}-{width}.png"), full_page=True)
    problems = {}
    svgs = svgs_in(page)
    assert svgs  # every one of these packs has charts
    for number, uri in enumerate(svgs, start=1):
        chart = browser.new_page(viewport={"width": 1000, "height": 800})
        chart.set_content(
            '<body style="margin:0">'
            + base64.b64decode(uri.split(",", 1)[1]).decode("utf-8").split("?>", 1)[-1]
            + "</body>"
        )
        found = chart.evaluate(SVG_TEXT_JS)
        if found:
            problems[number] = found
        chart.close()
    page.close()
    assert problems == {}


@pytest.mark.slow
@pytest.mark.browser
def test_batch_index_fits_a_phone(browser, tmp_path):
    from cscanalysis.packs.batch.report import index_html

    pack = {
        "status": "built",
        "path": "E06000023/index.html",
        "council_name": "Bournemouth, Christchurch and Poole",
        "council_code": "E06000058",
        "reason": "",
        "failure": "",
        "previous_pack": "",
        "seconds": 12.3,
        "built_at": "2026-11-30T02:00:00Z",
        "action": "built",
        "why": "inputs changed since the last build of this pack",
    }
    record = {
        "counts": {
            "built": 1,
            "councils": 1,
            "built_this_run": 1,
            "unchanged": 0,
            "failed": 0,
            "not_run": 0,
        },
        "packs": [pack],
        "complete": True,
        "started_at": "2026-11-30T02:00:00Z",
        "seconds": 12.3,
        "workers": 2,
        "scheduler": "processes",
        "notebook": "/a/long/path/to/the/notebooks/folder/evidence_pack.py",
        "notebook_sha256": "0" * 64,
        "parameters": {"audience": "publication", "local_data": "/a/long/path/to/local.csv"},
        "version": "0.1.0",
        "data_key": "b5945d65e7bcc229",
        "period": "2025",
    }
    page_file = tmp_path / "index.html"
    page_file.write_text(index_html(record), encoding="utf-8")
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(page_file.as_uri(), wait_until="load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # was 634 px
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "batch-index-375.png"), full_page=True)
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["Bristol", "Isles of Scilly", "front door"])
def test_workbook_beside_the_pack(pages, name):
    import openpyxl

    page = pages[name]
    book = openpyxl.load_workbook(page.parent / "tables.xlsx")
    assert 'href="tables.xlsx"' in page.read_text(encoding="utf-8")
    assert book.sheetnames[0] == "Notes"
    figures = [s for s in book.sheetnames if s.startswith("Fig ")]
    shown = len(re.findall(r'<figure class="chart"', page.read_text(encoding="utf-8")))
    assert len(figures) == shown  # every chart's data, drawn or said in words
    for sheet in book.worksheets[1:]:
        assert sheet["A1"].value and str(sheet["A2"].value).startswith("Source: ")
