"""Drawing a chart's files costs one draw each, and the shortcuts change no byte: the SVG laid out
without savefig's extra draw, the half-width SVG that leaves the figure narrow until it is next
drawn at full width, the PNG written by a background thread, and text widths remembered.

Every expected value is matplotlib's own output for the same figure drawn the ordinary way
(``savefig``, or the chart drawn afresh), not a copy of this code's output.
"""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from cscanalysis.core.measures import MEASURES
from cscanalysis.render import charts
from cscanalysis.render.chart import SAVE_STYLE, SVG_FONTS, SVG_METADATA, close_charts, save
from cscanalysis.render.layout import text_width
from cscanalysis.render.style import HALF_WIDTH_IN


def trend():
    """A full-width trend chart (laid out by ``finish``, direct labels at full width)."""
    frame = pd.DataFrame(
        {
            "period": ["2021", "2022", "2023", "2024"],
            "council": [60.0, 62.0, 64.0, 71.0],
            "council_flag": "",
            "neighbours": [70.0, 71.0, 72.0, 72.5],
            "neighbours_n": 10,
            "region": [65.0, 66.0, 67.0, 66.0],
            "england": [67.0, 68.0, 69.0, 70.0],
        }
    )
    return charts.trend_line(
        frame,
        slug="t",
        place="Bristol",
        measure=MEASURES["cla_rate_per_10k"],
        noun="rate of children looked after",
        source="DfE, Children looked after in England; ONS, mid-year population estimates",
        region_name="South West",
    )


def matplotlib_svg(figure: Figure) -> bytes:
    """The SVG as ``savefig`` writes it (its extra draw included), fonts as ``save`` sets them."""
    buffer = io.BytesIO()
    with plt.rc_context(SAVE_STYLE):
        figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return re.sub(rb'font-family: [^;"]*', SVG_FONTS, buffer.getvalue())


@pytest.fixture
def draws(monkeypatch):
    """Count the figure draws (real or with drawing switched off)."""
    count = {"draws": 0}
    original = Figure.draw

    def draw(self, renderer):
        count["draws"] += 1
        return original(self, renderer)

    monkeypatch.setattr(Figure, "draw", draw)
    return count


def test_an_svg_laid_out_without_the_extra_draw_has_matplotlibs_bytes(draws):
    ours, theirs = (plt.subplots(figsize=(6.3, 3.4), layout="constrained")[0] for _ in "ab")
    for figure in (ours, theirs):
        axes = figure.axes[0]
        axes.plot([2019, 2020, 2021], [66, 70, 80], label="Bristol")
        axes.set_ylabel("Rate per 10,000 children")
        figure.legend(loc="outside lower center")
    expected = matplotlib_svg(theirs)
    draws["draws"] = 0
    assert save(ours, "svg") == expected
    assert draws["draws"] == 1  # savefig draws twice: once to lay out, once for real
    plt.close(ours)
    plt.close(theirs)


def test_each_file_of_a_pack_chart_costs_one_draw(draws):
    chart = trend()
    draws["draws"] = 0
    chart.png(100)
    chart.svg()
    chart.svg_narrow()
    assert draws["draws"] == 3
    chart.close()


def test_the_half_width_svg_is_the_svg_of_the_chart_laid_out_narrow():
    chart, reference = trend(), trend()
    narrow = chart.svg_narrow()
    width, height = reference.figure.get_size_inches()
    reference.svg()  # as svg_narrow does: the full-width SVG first, then the narrow layout
    assert narrow == reference.narrow(matplotlib_svg)
    # left narrow, and laid out at full width again when next drawn at full width
    assert chart.figure.get_size_inches()[0] == HALF_WIDTH_IN
    chart.full_width()
    assert tuple(chart.figure.get_size_inches()) == (width, height)
    chart.close()
    reference.close()


def test_after_the_half_width_svg_the_full_width_files_are_unchanged():
    chart, fresh = trend(), trend()
    svg = chart.svg()
    chart.svg_narrow()
    # a new resolution drawn after the narrow SVG: as when the figure was laid out at full
    # width again straight after its narrow SVG (as svg_narrow did before it left it narrow)
    fresh.svg()
    fresh.narrow(lambda figure: save(figure, "svg"))
    assert chart.png(100) == fresh.png(100)
    assert chart.svg() == svg  # rendered once, kept
    assert chart.narrow(lambda figure: figure.get_size_inches()[0]) == HALF_WIDTH_IN
    chart.close()
    fresh.close()


def test_a_png_written_in_the_background_has_the_same_bytes(tmp_path):
    chart, reference = trend(), trend()
    chart.write_png(tmp_path / "t.png", 100)
    expected = reference.png(100)
    chart.close()  # waits for the file
    assert (tmp_path / "t.png").read_bytes() == expected
    reference.close()


def test_a_png_that_cannot_be_written_fails_naming_its_chart(tmp_path):
    failing, other = trend(), trend()
    failing.write_png(tmp_path / "no such folder" / "t.png", 72)
    other.write_png(tmp_path / "other.png", 72)
    with pytest.raises(RuntimeError, match="chart 't': its 72-dpi PNG was not written"):
        close_charts([failing, other])
    # every figure closed all the same, and the other chart's file written
    assert not plt.fignum_exists(failing.figure.number)
    assert not plt.fignum_exists(other.figure.number)
    assert (tmp_path / "other.png").exists()


def test_a_remembered_text_width_is_the_measured_one():
    small, large = (plt.figure(figsize=(6.3, 3.4), dpi=dpi) for dpi in (100, 300))
    text = "Rate of children looked after per 10,000 children"
    first = text_width(small, text, 8.5)
    renderer = small.canvas.get_renderer()
    from matplotlib.font_manager import FontProperties

    width, _, _ = renderer.get_text_width_height_descent(
        text, FontProperties(family="DejaVu Sans", size=8.5), ismath=False
    )
    assert first == width / small.dpi  # inches: pixels over dots per inch
    assert text_width(small, text, 8.5) == first
    # each resolution measured on its own (hinting moves glyphs by whole pixels)
    bold = text_width(large, text, 8.5, "bold")
    renderer = large.canvas.get_renderer()
    width, _, _ = renderer.get_text_width_height_descent(
        text, FontProperties(family="DejaVu Sans", size=8.5, weight="bold"), ismath=False
    )
    assert bold == width / large.dpi
    assert np.isclose(first, text_width(large, text, 8.5), rtol=0.05)
    plt.close(small)
    plt.close(large)
