"""House style and chart builders. Each builder returns a :class:`Chart`: the figure, its title,
subtitle, alt text, caption, source and the exact data plotted, so a pack, an export and a bid
cannot disagree.

Style: the Analysis Function categorical palette, an active title that states the message, a
statistical subtitle (measure, place, period), a source line on the chart, markers and direct
labels so that no chart depends on colour alone.
"""

from __future__ import annotations

import base64
import calendar
import io
import itertools
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FixedFormatter, FuncFormatter

from cscanalysis.core.formatting import fmt_money, fmt_number, is_missing
from cscanalysis.core.measures import Measure
from cscanalysis.core.periods import period_kind
from cscanalysis.render.png import png_bytes

# Analysis Function categorical palette (analysisfunction.civilservice.gov.uk, colours guidance)
DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE = (
    "#12436D",
    "#28A197",
    "#801650",
    "#F46A25",
    "#3D3D3D",
    "#A285D1",
)
PALETTE = [DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE]
MARKERS = ["o", "s", "^", "D", "v", "P"]
# No software version or date in the files, so the same chart gives the same bytes.
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}
TITLE_YEARS = 5  # an active title: the change over the last five published years, and the
# highest or lowest value of the whole range drawn where the two ends would hide it
FULL_WIDTH_IN = 6.3  # A4 text width with 2.5 cm margins
HALF_WIDTH_IN = 3.1

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": DARK_GREY,
    "axes.labelcolor": DARK_GREY,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#D9D9D9",
    "grid.linewidth": 0.6,
    "xtick.color": DARK_GREY,
    "ytick.color": DARK_GREY,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 300,
}
# Read when a figure is saved, not when it is drawn: clip-path ids made from the content, so
# the same chart gives the same SVG bytes in every run; SVG text kept as text (a bid writer can
# edit and search it), set in a common font stack (see :func:`save`).
SAVE_STYLE = {"svg.hashsalt": "cscanalysis", "svg.fonttype": "none"}
NO_AUTO_LAYOUT = {"figure.autolayout": False, "figure.constrained_layout.use": False}


T = TypeVar("T")


@dataclass
class Chart:
    """A chart and everything needed to publish it responsibly."""

    slug: str
    figure: Figure
    title: str
    subtitle: str
    alt: str
    caption: str
    source: str
    data: pd.DataFrame
    meta: dict[str, object] = field(default_factory=dict)

    def png(self, dpi: int = 300) -> bytes:
        """The figure as PNG (rendered once per resolution, then reused)."""
        cache = self.meta.setdefault("_png", {})
        if dpi not in cache:
            cache[dpi] = save(self.figure, "png", dpi=dpi)
        return cache[dpi]

    def svg(self) -> bytes:
        """The figure as SVG (rendered once, then reused by the page and the file)."""
        if "_svg" not in self.meta:
            self.meta["_svg"] = save(self.figure, "svg")
        return self.meta["_svg"]

    def svg_narrow(self) -> bytes:
        """The figure laid out at half a page's width (:data:`HALF_WIDTH_IN`) as SVG, for a
        phone's screen; the figure is then laid out at its own width again."""
        if "_svg_narrow" not in self.meta:
            self.meta["_svg_narrow"] = self.narrow(lambda figure: save(figure, "svg"))
        return self.meta["_svg_narrow"]

    def narrow(self, render: Callable[[Figure], T]) -> T:
        """``render(figure)`` with the figure laid out at half a page's width."""
        width, height = self.figure.get_size_inches()
        self.svg()  # the full-width files first, so that they keep their own layout
        resize(self.figure, HALF_WIDTH_IN, height * 1.2)
        try:
            return render(self.figure)
        finally:
            resize(self.figure, width, height)

    def svg_base64(self, *, narrow: bool = False) -> str:
        """The SVG base64-encoded, for embedding in a self-contained HTML page."""
        return base64.b64encode(self.svg_narrow() if narrow else self.svg()).decode("ascii")

    def close(self) -> None:
        plt.close(self.figure)


def in_words(chart: Chart, title: str, sentence: str) -> Chart:
    """The chart said in words instead of drawn (a series too small or suppressed to show): the
    page shows ``sentence`` and the data table, not the figure; the files keep the data."""
    chart.title = title
    chart.alt = sentence
    chart.meta["in_words"] = sentence
    return chart


def save(figure: Figure, format: str, **options: object) -> bytes:
    """The figure as PNG or SVG bytes (no software version or date in either).

    The constrained layout is worked out on the first save and then kept: a chart saved as
    PNG and then SVG is laid out once, both files share the same layout, and later saves draw
    the figure once each. :func:`resize` lays the figure out afresh.
    """
    buffer = io.BytesIO()
    with plt.rc_context(SAVE_STYLE):
        if format == "png" and set(options) <= {"dpi"} and _draws_itself(figure):
            buffer.write(_agg_png(figure, float(options.get("dpi", figure.dpi))))
        else:
            metadata = PNG_METADATA if format == "png" else SVG_METADATA
            figure.savefig(buffer, format=format, **{"metadata": metadata, **options})
    if format == "svg":  # text kept as text, in a font stack any editor or browser has
        svg = re.sub(rb'font-family: [^;"]*', SVG_FONTS, buffer.getvalue())
        buffer = io.BytesIO(svg)
    engine = figure.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        figure.csc_layout = engine
        # No engine at all (not "none", which leaves a placeholder): with any engine set,
        # savefig draws the whole figure once more before drawing it for real.
        with plt.rc_context(NO_AUTO_LAYOUT):
            figure.set_layout_engine(None)
    return buffer.getvalue()


def _draws_itself(figure: Figure) -> bool:
    return isinstance(figure.canvas, FigureCanvasAgg) and figure.get_facecolor()[3] == 1


def _agg_png(figure: Figure, dpi: float) -> bytes:
    """The figure drawn once by Agg at ``dpi`` (laying it out in the same draw) as a PNG.

    The same pixels as ``savefig(format="png")``, which draws twice on a first save (once to
    lay out, once for real) and leaves the writing to Pillow; :func:`png_bytes` is faster.
    """
    original = figure.dpi
    figure.dpi = dpi
    try:
        pixels, (width, height) = figure.canvas.print_to_buffer()
    finally:
        figure.dpi = original
    return png_bytes(np.frombuffer(pixels, dtype=np.uint8).reshape(height, width, 4), dpi)


def show(value: object, flag: str = "", places: int = 0, *, symbol: bool = False) -> str:
    """A figure as text with ``places`` decimals (``1,234``, ``72.5``).

    A missing figure is its flag's meaning (``suppressed``, ``not applicable``), or with
    ``symbol=True`` (data tables and exports) the published symbol itself; never ``0``.
    """
    if is_missing(value):
        return (flag or "not published") if symbol else fmt_number(value, flag=flag)
    return fmt_number(value, dp=places, flag=flag)


def figure_text(value: object, measure: Measure, flag: str = "") -> str:
    """A measure's figure in a sentence: money as ``£1.8m`` or ``£52,000``, a percentage as
    ``23.2%``, else :func:`show`."""
    if measure.kind == "money":
        return fmt_money(value, flag=flag)
    text = show(value, flag, places=measure.places)
    return f"{text}%" if measure.unit == "%" and not is_missing(value) else text


def unit_suffix(measure: Measure) -> str:
    """What follows a figure in a title: ``' per 10,000'``, ``' per child'`` or nothing."""
    if measure.kind == "money":
        rest = measure.unit.removeprefix("£").strip()
        return f" {rest}" if rest else ""
    return "" if measure.unit in {"children", "%"} else f" {measure.unit.replace(' children', '')}"


def label_with_unit(label: str, unit: str) -> str:
    """``Referrals`` and ``referrals`` -> ``Referrals``; ``Caseload`` and ``cases`` ->
    ``Caseload (cases)``: the unit in brackets unless the label already says it."""
    if not unit or unit.lower() in label.lower():
        return label
    return f"{label} ({unit})"


def period_words(period: str) -> str:
    """``2017-09`` -> ``September 2017``; other periods as they are."""
    try:
        if period_kind(period) == "month":
            return f"{calendar.month_name[int(period[5:])]} {period[:4]}"
    except ValueError:
        pass
    return period


def new_figure(width: float = FULL_WIDTH_IN, height: float = 3.4) -> tuple[Figure, plt.Axes]:
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(figsize=(width, height), layout="constrained")
    return figure, axes


def finish(figure: Figure, axes: plt.Axes, subtitle: str, source: str) -> None:
    """Lay the chart out for the figure's width: subtitle, source line, direct labels, ticks.

    The subtitle sits above the plot and the source line in the bottom margin, both wrapped to
    the figure's measured width, so nothing is cut off; a legend (:func:`legend_below`) sits
    between the plot and the source line. A narrow figure (half a page) gets a layout of its
    own: its direct labels become that legend (in the labels' vertical order), its legends
    take one column and its year labels are thinned until none touch. Calling it again after a
    resize (:func:`resize`) lays the chart out afresh.
    """
    width_in, height_in = figure.get_size_inches()
    figure.csc_finish = (axes, subtitle, source)
    for old in getattr(figure, "csc_artists", []):
        old.remove()
    figure.csc_artists = []
    narrow = width_in < NARROW_IN
    source_size = 7 if narrow else 7.5
    source_text = wrap_text(figure, f"Source: {source}", width_in - 0.15, source_size)
    bottom = (0.08 + source_size / 55 * (source_text.count("\n") + 1)) / height_in
    figure.csc_artists.append(
        figure.text(
            0.01,
            0.01,
            source_text,
            fontsize=source_size,
            color=DARK_GREY,
            ha="left",
            va="bottom",
            transform=figure.transFigure,
        )
    )
    set_subtitle(axes, subtitle, 0)
    for each in figure.axes:
        _wrap_axis_labels(figure, each, width_in, height_in)
        _tick_sizes(each, narrow)
        _wrap_category_labels(figure, each, width_in)
    labelled = [each for each in figure.axes if getattr(each, "csc_labels", None)]
    handles, texts = [], []
    for each in labelled:
        for label in each.csc_labels:
            label.pop("artist", None)
        if narrow:
            found = _label_handles(each)
            handles += found[0]
            texts += found[1]
        else:
            _draw_labels(each)
    for each in figure.axes:
        if getattr(each, "csc_legend", None):
            handles += each.csc_legend[0]
            texts += each.csc_legend[1]
    for legend in list(figure.legends):  # a legend a builder put above the plot moves below
        if legend not in figure.csc_artists:
            figure.__dict__.setdefault("csc_legends", []).append(
                (legend.legend_handles, [text.get_text() for text in legend.get_texts()])
            )
            legend.remove()
    for found in getattr(figure, "csc_legends", []):
        handles += found[0]
        texts += found[1]
    if handles:
        bottom += _bottom_legend(figure, handles, texts, bottom)
    engine = figure.get_layout_engine()
    # 5 points of padding (not 3): room above the subtitle for a browser's taller text box
    engine.set(rect=(0, bottom, 1, 1 - bottom), h_pad=5 / 72)
    engine.execute(figure)
    for each in labelled:
        _space_labels(figure, each)
    for each in figure.axes:
        _thin_ticks(figure, each)
        _fit_annotations(figure, each)


def _fit_annotations(figure: Figure, axes: plt.Axes) -> None:
    """Wrap a note on the plot (a bar's value and share) that would run off the figure's right
    edge, so it stays on the figure (:func:`resize` restores the text first)."""
    renderer = figure.canvas.get_renderer()
    right = figure.bbox.x1 - renderer.points_to_pixels(2)
    title = axes.xaxis.label
    if title.get_text():
        box = title.get_window_extent(renderer)
        if box.x0 < 0 or box.x1 > right:
            room = max(axes.get_window_extent(renderer).width / figure.dpi, 1.0)
            title.set_text(wrap_text(figure, title.get_text(), room, title.get_fontsize()))
    for text in axes.texts:
        if not text.get_visible() or not text.get_text() or text in figure.csc_artists:
            continue
        box = text.get_window_extent(renderer)
        if box.x1 <= right or box.x0 >= right:
            continue
        text.csc_text = getattr(text, "csc_text", None) or text.get_text()
        room = (right - box.x0) / figure.dpi
        text.set_text(wrap_text(figure, text.csc_text, room, text.get_fontsize()))


def legend_below(axes: plt.Axes) -> None:
    """Show the axes' legend between the plot and the source line (laid out by :func:`finish`,
    in as many columns as the figure's width allows)."""
    axes.csc_legend = axes.get_legend_handles_labels()


def _bottom_legend(figure: Figure, handles: list, texts: list[str], bottom: float) -> float:
    """A legend above the source line, as wide as the figure; returns its share of the height."""
    width_in, height_in = figure.get_size_inches()
    wrapped = [wrap_text(figure, text, width_in - 0.75, 8) for text in texts]
    widest = max(text_width(figure, line, 8) for text in wrapped for line in text.split("\n"))
    columns = max(1, min(len(texts), int((width_in - 0.2) // (widest + 0.7))))
    legend = figure.legend(
        handles,
        wrapped,
        loc="lower left",
        bbox_to_anchor=(0.01, bottom),
        bbox_transform=figure.transFigure,
        ncols=columns,
        fontsize=8,
        handlelength=2.2,
        borderaxespad=0,
        borderpad=0,
        frameon=False,
    )
    legend.set_in_layout(False)
    figure.csc_artists.append(legend)
    height = legend.get_window_extent(figure.canvas.get_renderer()).height / figure.dpi
    return (height + 0.08) / height_in


NARROW_IN = 4.5  # narrower than this (half a page), a chart gets its own layout
SVG_FONTS = b"font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif"
LABEL_SIZE = 8.5


def text_width(figure: Figure, text: str, size: float, weight: str = "normal") -> float:
    """The width of one line of ``text`` in inches, measured with the figure's font."""
    from matplotlib.font_manager import FontProperties

    renderer = figure.canvas.get_renderer()
    prop = FontProperties(family="DejaVu Sans", size=size, weight=weight)
    width, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return width / renderer.points_to_pixels(72)


def wrap_text(
    figure: Figure, text: str, width_in: float, size: float, weight: str = "normal"
) -> str:
    """``text`` wrapped so that no line is wider than ``width_in`` inches (measured, with 6% to
    spare for renderers that set text a little wider, such as a browser at small sizes)."""
    width_in *= 0.94
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and text_width(figure, candidate, size, weight) > width_in:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return "\n".join(lines)


def set_subtitle(axes: plt.Axes, subtitle: str, width: int = 0) -> None:
    """The subtitle above the plot, left-aligned in house style, wrapped to the figure's
    measured width (``width``, a count of characters, is no longer needed: kept for callers)."""
    figure = axes.get_figure(root=True)
    width_in = figure.get_size_inches()[0]
    size = 9 if width_in < NARROW_IN else 9.5
    text = wrap_text(figure, subtitle, width_in - 0.2, size)
    axes.set_title("")
    figure.suptitle(text, x=0.01, ha="left", fontsize=size, color=DARK_GREY, fontweight="normal")


def _wrap_axis_labels(figure: Figure, axes: plt.Axes, width_in: float, height_in: float) -> None:
    """Axis titles wrapped to the room they have (unwrapped first, so a resize re-wraps)."""
    wide = width_in - 0.9 if width_in >= NARROW_IN else width_in * 0.5
    for label, room in ((axes.xaxis.label, wide), (axes.yaxis.label, height_in - 1.4)):
        original = getattr(label, "csc_text", None) or label.get_text()
        label.csc_text = original
        if not hasattr(label, "csc_size"):  # the builder's size, restored at full width
            label.csc_size = label.get_fontsize()
        if original:
            size = 8.5 if width_in < NARROW_IN else label.csc_size
            label.set_fontsize(size)
            label.set_text(wrap_text(figure, original, max(room, 1.0), size))


def _wrap_category_labels(figure: Figure, axes: plt.Axes, width_in: float) -> None:
    """Long category names on the y axis wrapped to a third of a narrow figure's width."""
    formatter = axes.yaxis.get_major_formatter()
    if not isinstance(formatter, FixedFormatter):
        return
    if not hasattr(axes, "csc_ylabels"):
        axes.csc_ylabels = list(formatter.seq)
    size = next((t.get_fontsize() for t in axes.get_yticklabels()), 8)
    room = width_in * 0.36
    axes.yaxis.set_major_formatter(
        FixedFormatter(
            [
                wrap_text(figure, " ".join(t.split()), room, size) if width_in < NARROW_IN else t
                for t in axes.csc_ylabels
            ]
        )
    )


def _tick_sizes(axes: plt.Axes, narrow: bool) -> None:
    """Tick labels at 8 points on a narrow figure, as they were made on a wide one."""
    if not hasattr(axes, "csc_ticksize"):
        axes.csc_ticksize = [
            next((t.get_fontsize() for t in axis.get_ticklabels()), STYLE["font.size"])
            for axis in (axes.xaxis, axes.yaxis)
        ]
    for name, size in zip(("x", "y"), axes.csc_ticksize, strict=True):
        axes.tick_params(axis=name, labelsize=min(size, 8) if narrow else size)


def direct_label(
    axes: plt.Axes, x: object, y: np.ndarray, text: str, color: str, used: object = None
) -> None:
    """Label a line at its last value. Labels are drawn by :func:`finish`: beside the lines in
    the data's vertical order, spaced so none overlap and kept within the plot's height (never
    on the subtitle); on a narrow figure they become a legend below the plot in the same order.
    ``x`` and ``used`` are not needed (kept for callers)."""
    y = np.asarray(y, dtype=float)
    finite = np.flatnonzero(np.isfinite(y))
    if not len(finite):
        return
    labels = axes.__dict__.setdefault("csc_labels", [])
    labels.append(
        {
            "x": float(finite[-1]),
            "y": float(y[finite[-1]]),
            "text": text,
            "color": color,
            "order": len(labels),
        }
    )


def _label_order(axes: plt.Axes) -> list[dict]:
    """Labels from the top of the chart down (ties in the order they were added)."""
    return sorted(axes.csc_labels, key=lambda label: (-label["y"], label["order"]))


def _draw_labels(axes: plt.Axes) -> None:
    figure = axes.get_figure(root=True)
    width = 1.25 if figure.get_size_inches()[0] >= 6 else 1.0
    for label in axes.csc_labels:
        weight = "bold" if label["color"] == DARK_BLUE else "normal"
        artist = axes.annotate(
            wrap_text(figure, label["text"], width, LABEL_SIZE, weight),
            (label["x"], label["y"]),
            xytext=(6, 0),
            textcoords="offset points",
            color=label["color"],
            fontsize=LABEL_SIZE,
            va="center",
            fontweight=weight,
            annotation_clip=False,
        )
        label["artist"] = artist
        figure.csc_artists.append(artist)


def _space_labels(figure: Figure, axes: plt.Axes) -> None:
    """Move the labels apart vertically, in the data's order, within the plot's height."""
    placed = [label for label in _label_order(axes) if "artist" in label]
    if not placed:
        return
    renderer = figure.canvas.get_renderer()
    box = axes.get_window_extent(renderer)
    gap = renderer.points_to_pixels(1.5)
    wanted = [axes.transData.transform((lab["x"], lab["y"]))[1] for lab in placed]
    # a browser's box for a line of text is its font's full height, a little taller than the
    # glyphs matplotlib measures: pad each label by a quarter of its size
    pad = renderer.points_to_pixels(0.25 * LABEL_SIZE)
    heights = [lab["artist"].get_window_extent(renderer).height + pad for lab in placed]
    centres = _spread(wanted, heights, box.y0, box.y1, gap)
    for label, want, centre in zip(placed, wanted, centres, strict=True):
        label["artist"].xyann = (6, (centre - want) * 72 / figure.dpi)


def _spread(
    wanted: list[float], heights: list[float], bottom: float, top: float, gap: float
) -> list[float]:
    """Centres (pixels, top first) as near ``wanted`` as they can be without overlapping,
    keeping their order and staying between ``bottom`` and ``top`` where there is room."""
    centres: list[float] = []
    for i, (want, height) in enumerate(zip(wanted, heights, strict=True)):
        centre = min(want, top - height / 2)
        if i:
            centre = min(centre, centres[-1] - (heights[i - 1] + height) / 2 - gap)
        centres.append(centre)
    for i in range(len(centres) - 1, -1, -1):
        floor = bottom + heights[i] / 2
        if i < len(centres) - 1:
            floor = max(floor, centres[i + 1] + (heights[i + 1] + heights[i]) / 2 + gap)
        centres[i] = max(centres[i], floor)
    return centres


def _label_handles(axes: plt.Axes) -> tuple[list, list[str]]:
    """Legend entries standing in for the direct labels on a narrow chart, in their order."""
    from matplotlib.lines import Line2D

    lines = dict(zip(*reversed(axes.get_legend_handles_labels()), strict=True))
    handles, texts = [], []
    for label in _label_order(axes):
        line = lines.get(label["text"])
        if line is None:
            line = Line2D([], [], color=label["color"], linewidth=2)
        handles.append(line)
        texts.append(label["text"])
    return handles, texts


def _thin_ticks(figure: Figure, axes: plt.Axes) -> None:
    """Hide category labels on the x axis (keeping the latest) until no two touch; a builder
    that already left some labels blank (months) is thinned among the labels it kept."""
    ticks = axes.xaxis.get_major_ticks()[: len(axes.get_xticks())]
    labels = [tick.label1 for tick in ticks if tick.label1.get_text()]
    if len(labels) < 2 or len(ticks) != len(axes.get_xticks()):
        return
    renderer = figure.canvas.get_renderer()
    pad = renderer.points_to_pixels(4)
    for label in labels:
        label.set_rotation(0)
        label.set_visible(True)
    boxes = [label.get_window_extent(renderer) for label in labels]
    for step in range(1, len(labels) + 1):
        shown = [i for i in range(len(labels)) if (len(labels) - 1 - i) % step == 0]
        if all(boxes[a].x1 + pad < boxes[b].x0 for a, b in itertools.pairwise(shown)):
            break
    for i, label in enumerate(labels):
        label.set_visible((len(labels) - 1 - i) % step == 0)


def resize(figure: Figure, width: float, height: float) -> None:
    """Resize a finished figure and lay it out afresh for its new width."""
    frozen = getattr(figure, "csc_layout", None)
    if frozen is not None:  # lay it out again at the new size
        figure.set_layout_engine(frozen)
        figure.csc_layout = None
    for label in figure.findobj(lambda artist: hasattr(artist, "csc_text")):
        label.set_text(label.csc_text)
    figure.set_size_inches(width, height)
    finish(figure, *figure.csc_finish)


def period_label(period: str) -> str:
    """``2022-09`` -> ``Sep 2022``; reporting and financial years are shown as they are."""
    try:
        if period_kind(period) == "month":
            return f"{calendar.month_abbr[int(period[5:])]} {period[:4]}"
    except ValueError:
        pass
    return period


def movement(first: float, last: float) -> str:
    """'rose', 'fell' or 'was unchanged'."""
    if np.isclose(first, last):
        return "was unchanged"
    return "rose" if last > first else "fell"


def range_clause(
    periods: Sequence[str],
    values: Sequence[float],
    first: float,
    last: float,
    places: int = 0,
    measure: Measure | None = None,
) -> str:
    """The whole range drawn, where a title's two end points would hide it.

    ``" (highest: 81 in 2013)"``, ``" (lowest: 23.0 in 2021)"`` or both, for the highest and
    lowest published values (NaN ignored; the latest year when tied) that lie beyond both end
    points as shown to ``places`` decimals; ``""`` when the ends are the extremes.
    """
    y = np.asarray(values, dtype=float)
    ok = np.flatnonzero(np.isfinite(y))
    if not ok.size:
        return ""
    parts = []
    top, bottom = max(first, last), min(first, last)
    for word, pick, beyond in (
        ("highest", np.max, lambda v: v > top),
        ("lowest", np.min, lambda v: v < bottom),
    ):
        value = float(pick(y[ok]))
        at = ok[np.flatnonzero(y[ok] == value)[-1]]
        shown = show(value, places=places)
        if beyond(value) and shown not in {show(first, places=places), show(last, places=places)}:
            shown = figure_text(value, measure) if measure else shown  # money as £1,124
            parts.append(f"{word}: {shown} in {period_label(str(periods[at]))}")
    return f" ({'; '.join(parts)})" if parts else ""


def relative(value: float, other: float) -> str:
    """'above', 'below' or 'the same as'."""
    if np.isclose(value, other):
        return "the same as"
    return "above" if value > other else "below"


def trend_line(
    comparison: pd.DataFrame,
    *,
    slug: str,
    place: str,
    measure: Measure,
    noun: str,
    source: str,
    region_name: str,
) -> Chart:
    """Line chart of a measure for a council against its neighbours, region and England.

    ``comparison`` has the columns of :func:`cscanalysis.analysis.benchmark.comparison`. Years the
    council has no published value are gaps in its line and named by their symbol in the data table.
    """
    frame = comparison.copy()
    periods = frame["period"].tolist()
    lines = [
        (place, frame["council"], DARK_BLUE, "o", 2.4),
        ("Neighbours (mean)", frame["neighbours"], TURQUOISE, "s", 1.6),
        (region_name, frame["region"], DARK_PINK, "^", 1.6),
        ("England", frame["england"], ORANGE, "D", 1.6),
    ]
    figure, axes = new_figure()
    used: list[float] = []
    x = np.arange(len(periods))
    for label, values, color, marker, width in lines:
        y = values.to_numpy(dtype=float)
        if not np.isfinite(y).any():
            continue
        axes.plot(x, y, color=color, marker=marker, linewidth=width, markersize=4.5, label=label)
    axes.set_xticks(x, [period_label(p) for p in periods])
    axes.set_ylim(bottom=0)
    axes.set_ylabel(measure.unit)
    if measure.kind == "money":
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_money(v)))
    axes.set_xlim(-0.4, len(periods) - 0.6)
    for label, values, color, _, _ in lines:
        direct_label(axes, periods, values.to_numpy(dtype=float), label, color, used)

    # The title speaks of the last five years (or fewer): the recent trend is the message.
    own = frame.dropna(subset=["council"]).tail(TITLE_YEARS)
    first_period, last_period = periods[0], periods[-1]
    if len(own):
        first, last = own.iloc[0], own.iloc[-1]
        unit = unit_suffix(measure)
        if unit.strip() and unit.strip() in noun:  # "spending per child looked after": said
            unit = ""
        if len(own) == 1:  # one published year (a new council): nothing to compare
            change = f"was {figure_text(last['council'], measure)}{unit} in "
            change += period_label(last["period"])
        else:
            change = (
                f"{movement(first['council'], last['council'])} from "
                f"{figure_text(first['council'], measure)} to "
                f"{figure_text(last['council'], measure)}{unit} between "
                f"{period_label(first['period'])} and {period_label(last['period'])}"
            )
        title = f"{place}'s {noun} {change}" + range_clause(
            periods,
            frame["council"].to_numpy(dtype=float),
            float(first["council"]),
            float(last["council"]),
            measure.places,
            measure,
        )
        england_last = frame.loc[frame["period"] == last["period"], "england"].iloc[0]
        alt = f"Line chart: {title}"
        if np.isfinite(england_last):
            alt += (
                f", {relative(last['council'], england_last)} England's "
                f"{figure_text(england_last, measure)}"
            )
        alt += ". Lines also show the statistical neighbours' mean and " + region_name + "."
    else:
        title = f"{place} has no published {noun} in these years"
        alt = f"Line chart: {title}; England and comparators are shown."
    subtitle = (
        f"{label_with_unit(measure.label, measure.unit)}, {place} and comparators, "
        f"{period_words(first_period)} to {period_words(last_period)}"
    )
    finish(figure, axes, subtitle, source)
    data = pd.DataFrame(
        {
            "period": periods,
            f"{place} ({measure.unit})": [
                show(v, f, places=measure.places, symbol=True)
                for v, f in zip(frame["council"], frame["council_flag"], strict=True)
            ],
            f"Statistical neighbours mean ({measure.unit})": frame["neighbours"].round(
                measure.places + 1
            ),
            "Neighbours with a value": frame["neighbours_n"],
            f"{region_name} ({measure.unit})": frame["region"],
            f"England ({measure.unit})": frame["england"],
        }
    )
    caption = (
        f"{measure.label}, {place} compared with the mean of its statistical neighbours, "
        f"{region_name} and England. Gaps mean no figure was published for that year."
    )
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)


def counts_line(
    frame: pd.DataFrame,
    *,
    slug: str,
    place: str,
    series: dict[str, str],
    noun: str,
    unit: str,
    source: str,
    origin: str = "as published by DfE",
) -> Chart:
    """Line chart of several counts for one council (e.g. in care, starts, ceased).

    ``frame`` has ``period`` and one column per key of ``series`` (column -> legend label), with
    a matching ``<column>_flag`` column holding published symbols. ``origin`` ends the caption's
    first sentence (where the figures come from).
    """
    periods = frame["period"].tolist()
    figure, axes = new_figure()
    x = np.arange(len(periods))
    used: list[float] = []
    for (column, label), color, marker in zip(series.items(), PALETTE, MARKERS, strict=False):
        axes.plot(
            x,
            frame[column].to_numpy(dtype=float),
            color=color,
            marker=marker,
            linewidth=2,
            markersize=4.5,
            label=label,
        )
    axes.set_xticks(x, [period_label(p) for p in periods])
    axes.set_ylim(bottom=0)
    axes.set_ylabel(unit)
    axes.set_xlim(-0.4, len(periods) - 0.6)
    for (column, label), color in zip(series.items(), PALETTE, strict=False):
        direct_label(axes, periods, frame[column].to_numpy(dtype=float), label, color, used)
    first_col = next(iter(series))
    own = frame.dropna(subset=[first_col])
    recent = own.tail(TITLE_YEARS)
    if len(own):
        a, b = recent.iloc[0], recent.iloc[-1]
        title = (
            f"{place}: {noun} {movement(a[first_col], b[first_col])} from "
            f"{show(a[first_col])} in {a['period']} to {show(b[first_col])} in "
            f"{b['period']}"
        ) + range_clause(
            periods, frame[first_col].to_numpy(dtype=float), a[first_col], b[first_col]
        )
    else:
        title = f"{place}: no published figures for {noun} in these years"
    subtitle = f"{', '.join(series.values())} ({unit}), {place}, {periods[0]} to {periods[-1]}"
    finish(figure, axes, subtitle, source)
    data = pd.DataFrame(
        {"period": periods}
        | {
            f"{label} ({unit})": [
                show(v, f, symbol=True)
                for v, f in zip(frame[col], frame[f"{col}_flag"], strict=True)
            ]
            for col, label in series.items()
        }
    )
    latest = (
        ", ".join(
            f"{label.lower()} {show(own.iloc[-1][col], own.iloc[-1][f'{col}_flag'])}"
            for col, label in series.items()
        )
        if len(own)
        else "no figures"
    )
    alt = f"Line chart: {title}. In {periods[-1]}: {latest}."
    caption = f"{', '.join(series.values())} in {place}, {origin}. Gaps: not published."
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)


def comparison_bars(
    frame: pd.DataFrame, *, slug: str, place: str, period_label: str, source: str, title: str
) -> Chart:
    """Grouped horizontal bars: several measures for the council, neighbours and England.

    ``frame`` has columns ``label`` (measure label with unit), ``council``, ``council_flag``,
    ``neighbours`` and ``england``.
    """
    figure, axes = new_figure(height=0.9 + 0.75 * len(frame))
    y = np.arange(len(frame))
    groups = [
        (place, "council", DARK_BLUE, None),
        ("Statistical neighbours (mean)", "neighbours", TURQUOISE, "///"),
        ("England", "england", ORANGE, "..."),
    ]
    height = 0.26
    for i, (label, column, color, hatch) in enumerate(groups):
        values = frame[column].to_numpy(dtype=float)
        bars = axes.barh(
            y + (i - 1) * height,
            np.nan_to_num(values),
            height=height,
            color=color,
            hatch=hatch,
            edgecolor="white",
            label=label,
        )
        for bar, value in zip(bars, values, strict=True):
            text = show(value, places=1) if np.isfinite(value) else "not published"
            axes.annotate(
                text,
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7.5,
                color=DARK_GREY,
            )
    axes.set_yticks(y, [textwrap.fill(label, 18) for label in frame["label"]])
    axes.invert_yaxis()
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", visible=True)
    top = np.nanmax(frame[["council", "neighbours", "england"]].to_numpy(dtype=float))
    axes.set_xlim(0, (top if np.isfinite(top) else 1) * 1.2)
    legend_below(axes)
    subtitle = f"Social work workforce, {place}, neighbours and England, {period_label}"
    finish(figure, axes, subtitle, source)
    data = pd.DataFrame(
        {
            "measure": frame["label"],
            place: [
                show(v, f, places=1, symbol=True)
                for v, f in zip(frame["council"], frame["council_flag"], strict=True)
            ],
            "Statistical neighbours mean": frame["neighbours"].round(2),
            "England": frame["england"],
        }
    )
    parts = [
        f"{row.label}: {show(row.council, row.council_flag, places=1)} against England's "
        f"{show(row.england, places=1)}"
        for row in frame.itertuples()
    ]
    alt = f"Bar chart: {title}. " + "; ".join(parts) + "."
    caption = f"Workforce measures at 30 September ({period_label}); hatching distinguishes groups."
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)


def league_strip(
    league: pd.DataFrame,
    *,
    slug: str,
    code: str,
    place: str,
    measure: Measure,
    period: str,
    england: float,
    source: str,
) -> Chart:
    """Every council's value as a ranked dot, the council highlighted and England marked."""
    ranked = league.dropna(subset=["value"]).sort_values("value").reset_index(drop=True)
    figure, axes = new_figure(height=2.8)
    x = np.arange(len(ranked))
    own = ranked["council_code"] == code
    axes.scatter(
        x[~own],
        ranked.loc[~own, "value"],
        s=10,
        color=DARK_GREY,
        alpha=0.55,
        label="Other councils",
    )
    axes.scatter(
        x[own], ranked.loc[own, "value"], s=70, color=DARK_BLUE, marker="D", zorder=3, label=place
    )
    # Ranked from lowest, the dots leave the top left and the bottom right empty: the council's
    # name goes top left (a line to its dot) and England's label bottom right, under its line.
    if np.isfinite(england):
        axes.axhline(england, color=ORANGE, linestyle="--", linewidth=1.2)
        axes.annotate(
            f"England {show(england, places=measure.places)}",
            (len(ranked) - 1, england),
            xytext=(0, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            color=ORANGE,
            fontsize=8,
        )
    axes.set_xticks([])
    axes.set_xlabel("Councils ranked from lowest to highest")
    axes.set_ylabel(measure.unit)
    axes.set_ylim(bottom=0)
    row = ranked[own]
    if len(row):
        r = row.iloc[0]
        axes.annotate(
            textwrap.fill(place, 24),  # fits half a page's width
            (x[own][0], r["value"]),
            xytext=(0.03, 0.95),
            textcoords="axes fraction",
            ha="left",
            va="top",
            arrowprops={"arrowstyle": "-", "color": DARK_BLUE, "linewidth": 0.8},
            color=DARK_BLUE,
            fontweight="bold",
            fontsize=8.5,
        )
        quartile = {1: "lowest", 2: "second lowest", 3: "second highest", 4: "highest"}[
            int(r["quartile"])
        ]
        title = (
            f"{place} ranks {int(r['rank'])} of {int(r['of'])} councils (1 = lowest), "
            f"in the {quartile} quarter"
        )
    else:
        title = f"{place} has no published value in {period}, so it is not ranked"
    subtitle = f"{label_with_unit(measure.label, measure.unit)}, all councils, {period}"
    finish(figure, axes, subtitle, source)
    data = pd.DataFrame(
        {
            "council": ranked.get("council_name", ranked["council_code"]),
            "council code": ranked["council_code"],
            f"{measure.label} ({measure.unit})": ranked["value"].round(measure.places),
            "rank (1 = lowest)": ranked["rank"].astype(int),
            "of": ranked["of"].astype(int),
            "quarter (1 = lowest, 4 = highest)": ranked["quartile"].astype(int),
        }
    )
    alt = f"Dot chart of {len(ranked)} councils ranked by {measure.label.lower()}: {title}" + (
        f"; England's figure is {show(england, places=measure.places)}."
        if np.isfinite(england)
        else "."
    )
    caption = f"Each dot is a council with a published figure for {period}."
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)


def fan_chart(
    history: pd.Series,
    forecast: pd.DataFrame,
    *,
    slug: str,
    place: str,
    measure: Measure,
    noun: str,
    source: str,
    target: pd.Series | None = None,
) -> Chart:
    """Published history, then the forecast with 80% and 95% intervals (and a target path).

    ``history`` maps int years to values; ``forecast`` has ``period``, ``mean``, ``lo80``,
    ``hi80``, ``lo95`` and ``hi95``. Bands are labelled on the chart, so the chart reads
    without colour; the forecast line is dashed with open markers.
    """
    history = history.dropna()
    years = [int(y) for y in history.index] + [int(p) for p in forecast["period"]]
    if target is not None:
        years += [int(y) for y in target.index]
    years = sorted(set(years))
    x = {year: i for i, year in enumerate(years)}
    figure, axes = new_figure()
    fx = [x[int(p)] for p in forecast["period"]]
    joint = [x[int(history.index[-1])], *fx]
    last = float(history.iloc[-1])

    def band(lo: str, hi: str, alpha: float, label: str) -> None:
        axes.fill_between(
            joint,
            [last, *forecast[lo]],
            [last, *forecast[hi]],
            color=DARK_BLUE,
            alpha=alpha,
            linewidth=0,
            label=label,
        )
        at_end(label, float(forecast[hi].iloc[-1]), fx[-1], DARK_GREY)

    def at_end(label: str, value: float, position: int, color: str) -> None:
        y = np.full(len(years), np.nan)
        y[position] = value
        direct_label(axes, years, y, label, color)

    band("lo95", "hi95", 0.12, "95% interval")
    band("lo80", "hi80", 0.25, "80% interval")
    axes.plot(
        [x[int(y)] for y in history.index],
        history.to_numpy(),
        color=DARK_BLUE,
        marker="o",
        linewidth=2.4,
        markersize=4.5,
        label="Published",
    )
    axes.plot(
        joint,
        [last, *forecast["mean"]],
        color=DARK_BLUE,
        linestyle="--",
        marker="o",
        markerfacecolor="white",
        linewidth=1.8,
        markersize=4.5,
        label="Forecast",
    )
    if target is not None:
        axes.plot(
            [x[int(y)] for y in target.index],
            target.to_numpy(),
            color=ORANGE,
            linestyle="-.",
            marker="D",
            markersize=4,
            linewidth=1.6,
            label="Target",
        )
        at_end("Target", float(target.iloc[-1]), x[int(target.index[-1])], ORANGE)
    at_end("Forecast", float(forecast["mean"].iloc[-1]), fx[-1], DARK_BLUE)
    axes.set_xticks(range(len(years)), [str(y) for y in years])
    axes.set_xlim(-0.4, len(years) - 0.6)
    axes.set_ylim(bottom=0)
    axes.set_ylabel(measure.unit)
    end = forecast.iloc[-1]
    title = (
        f"Forecast: {place}'s {noun} would be about "
        f"{show(end['mean'])} by {end['period']} (80% range {show(end['lo80'])} to "
        f"{show(end['hi80'])})"
    )
    subtitle = (
        f"{label_with_unit(measure.label, measure.unit)}, {place}: published to "
        f"{history.index[-1]}, "
        f"forecast to {end['period']}"
    )
    finish(figure, axes, subtitle, source)
    data = pd.DataFrame({"period": [str(y) for y in years]})
    data[f"published ({measure.unit})"] = [
        show(history.get(y, np.nan), symbol=True) if y in history.index else "" for y in years
    ]
    fc = forecast.set_index(forecast["period"].astype(int))
    for column in ("mean", "lo80", "hi80", "lo95", "hi95"):
        data[f"forecast {column}"] = [
            round(float(fc.loc[y, column]), 1) if y in fc.index else np.nan for y in years
        ]
    if target is not None:
        data["target"] = [
            round(float(target[y]), 1) if y in target.index else np.nan for y in years
        ]
    alt = (
        f"Fan chart: {title}. Published figures run to {show(last)} in "
        f"{history.index[-1]}; the shaded bands show the 80% and 95% intervals"
        + (
            f"; the target path reaches {show(target.iloc[-1])} in {target.index[-1]}."
            if target is not None
            else "."
        )
    )
    caption = (
        "Forecast from the method that beat no change in each of the last three years "
        "tested (rolling-origin backtest over all councils), else no change; intervals "
        "scaled on the errors of those years."
    )
    return Chart(slug, figure, title, subtitle, alt, caption, source, data)
