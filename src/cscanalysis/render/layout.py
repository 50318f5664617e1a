"""Laying a chart out for its width: the subtitle above the plot, the source line and any legend
below it, direct labels beside the lines, axis titles and category names wrapped, year labels
thinned until none touch, and notes kept on the figure. A figure narrower than
:data:`~cscanalysis.render.style.NARROW_IN` (half a page) gets a layout of its own.

What a layout needs to be done again after a resize (:func:`resize`) is kept on the figure, its
plots and its texts, each in one typed state object (:func:`figure_state`, :func:`axes_state`),
so it lives and dies with the chart and nothing is cached anywhere else.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine, LayoutEngine
from matplotlib.text import Annotation, Text
from matplotlib.ticker import FixedFormatter

from cscanalysis.render.style import DARK_BLUE, DARK_GREY, FONT_SIZE, LABEL_SIZE, NARROW_IN

if TYPE_CHECKING:
    from matplotlib.artist import Artist

# Legend entries: the handles (artists) and their texts, in order.
Entries = tuple[list["Artist"], list[str]]
_STATE = "csc_state"  # the attribute holding a figure's, plot's or text's layout state
S = TypeVar("S")


@dataclass
class FigureState:
    """What :func:`finish` and :func:`~cscanalysis.render.chart.save` keep on a figure."""

    finish: tuple[Axes, str, str] | None = None  # the plot, subtitle and source last laid out
    artists: list[Artist] = field(default_factory=list)  # drawn by finish, replaced by the next
    legends: list[Entries] = field(default_factory=list)  # a builder's legends, moved below
    frozen: LayoutEngine | None = None  # the layout engine, set aside once the layout is kept


@dataclass
class DirectLabel:
    """A line's label at its last value (:func:`direct_label`), drawn by :func:`finish`."""

    x: float
    y: float
    text: str
    color: str
    order: int
    artist: Annotation | None = None  # drawn at full width; None on a narrow figure


@dataclass
class AxesState:
    """What :func:`finish` keeps on a plot: its direct labels, its legend (if shown below), and
    its category names and tick sizes as the builder made them."""

    labels: list[DirectLabel] = field(default_factory=list)
    legend: Entries | None = None
    ylabels: list[str] | None = None
    ticksize: tuple[float, float] | None = None


@dataclass
class TextState:
    """A text as the builder wrote it (and its size), put back before a new layout."""

    original: str
    size: float | None = None


def _state(owner: object, kind: type[S]) -> S:
    found = vars(owner).get(_STATE)
    if not isinstance(found, kind):
        found = kind()
        vars(owner)[_STATE] = found
    return found


def figure_state(figure: Figure) -> FigureState:
    """The figure's layout state (made empty on first use)."""
    return _state(figure, FigureState)


def axes_state(axes: Axes) -> AxesState:
    """The plot's layout state (made empty on first use)."""
    return _state(axes, AxesState)


def _original_text(text: Text) -> TextState:
    """The text's state, remembering the text as it is now unless a wrapped one was kept."""
    found = vars(text).get(_STATE)
    if not isinstance(found, TextState):
        found = TextState(text.get_text())
        vars(text)[_STATE] = found
    found.original = found.original or text.get_text()
    return found


def renderer_of(figure: Figure) -> RendererAgg:
    """The figure's Agg renderer, which measures text as it will be drawn."""
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        raise TypeError(f"charts are drawn by Agg, not by {type(canvas).__name__}")
    return canvas.get_renderer()


def _figure_of(axes: Axes) -> Figure:
    figure = axes.get_figure(root=True)
    if figure is None:
        raise ValueError("the plot belongs to no figure")
    return figure


def finish(figure: Figure, axes: Axes, subtitle: str, source: str) -> None:
    """Lay the chart out for the figure's width: subtitle, source line, direct labels, ticks.

    The subtitle sits above the plot and the source line in the bottom margin, both wrapped to
    the figure's measured width, so nothing is cut off; a legend (:func:`legend_below`) sits
    between the plot and the source line. A narrow figure (half a page) gets a layout of its
    own: its direct labels become that legend (in the labels' vertical order), its legends
    take one column and its year labels are thinned until none touch. Calling it again after a
    resize (:func:`resize`) lays the chart out afresh.
    """
    width_in, height_in = figure.get_size_inches()
    state = figure_state(figure)
    state.finish = (axes, subtitle, source)
    for old in state.artists:
        old.remove()
    state.artists = []
    narrow = width_in < NARROW_IN
    source_size = 7 if narrow else 7.5
    source_text = wrap_text(figure, f"Source: {source}", width_in - 0.15, source_size)
    bottom = (0.08 + source_size / 55 * (source_text.count("\n") + 1)) / height_in
    state.artists.append(
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
    labelled = [each for each in figure.axes if axes_state(each).labels]
    handles: list[Artist] = []
    texts: list[str] = []
    for each in labelled:
        for label in axes_state(each).labels:
            label.artist = None
        if narrow:
            found = _label_handles(each)
            handles += found[0]
            texts += found[1]
        else:
            _draw_labels(figure, each)
    for each in figure.axes:
        legend = axes_state(each).legend
        if legend is not None:
            handles += legend[0]
            texts += legend[1]
    for drawn in list(figure.legends):  # a legend a builder put above the plot moves below
        if drawn not in state.artists:
            pairs = zip(drawn.legend_handles, drawn.get_texts(), strict=True)
            kept = [(handle, text.get_text()) for handle, text in pairs if handle is not None]
            state.legends.append(([h for h, _ in kept], [t for _, t in kept]))
            drawn.remove()
    for entries in state.legends:
        handles += entries[0]
        texts += entries[1]
    if handles:
        bottom += _bottom_legend(figure, handles, texts, bottom)
    engine = figure.get_layout_engine()
    if not isinstance(engine, ConstrainedLayoutEngine):
        raise TypeError("finish lays out a figure made by new_figure (constrained layout)")
    # 5 points of padding (not 3): room above the subtitle for a browser's taller text box
    engine.set(rect=(0, bottom, 1, 1 - bottom), h_pad=5 / 72)
    engine.execute(figure)
    for each in labelled:
        _space_labels(figure, each)
    for each in figure.axes:
        _thin_ticks(figure, each)
        _fit_annotations(figure, each)


def resize(figure: Figure, width: float, height: float) -> None:
    """Resize a finished figure and lay it out afresh for its new width."""
    state = figure_state(figure)
    if state.finish is None:
        raise ValueError("only a chart laid out by finish can be resized")
    if state.frozen is not None:  # lay it out again at the new size
        figure.set_layout_engine(state.frozen)
        state.frozen = None
    for text in figure.findobj(lambda artist: isinstance(vars(artist).get(_STATE), TextState)):
        if isinstance(text, Text):
            text.set_text(vars(text)[_STATE].original)
    figure.set_size_inches(width, height)
    finish(figure, *state.finish)


def _fit_annotations(figure: Figure, axes: Axes) -> None:
    """Wrap a note on the plot (a bar's value and share) that would run off the figure's right
    edge, so it stays on the figure (:func:`resize` restores the text first)."""
    renderer = renderer_of(figure)
    right = figure.bbox.x1 - renderer.points_to_pixels(2)
    artists = figure_state(figure).artists
    title = axes.xaxis.label
    if title.get_text():
        box = title.get_window_extent(renderer)
        if box.x0 < 0 or box.x1 > right:
            room = max(axes.get_window_extent(renderer).width / figure.dpi, 1.0)
            title.set_text(wrap_text(figure, title.get_text(), room, float(title.get_fontsize())))
    for text in axes.texts:
        if not text.get_visible() or not text.get_text() or text in artists:
            continue
        box = text.get_window_extent(renderer)
        if box.x1 <= right or box.x0 >= right:
            continue
        original = _original_text(text).original
        room = (right - box.x0) / figure.dpi
        text.set_text(wrap_text(figure, original, room, float(text.get_fontsize())))


def legend_below(axes: Axes) -> None:
    """Show the axes' legend between the plot and the source line (laid out by :func:`finish`,
    in as many columns as the figure's width allows)."""
    handles, texts = axes.get_legend_handles_labels()
    axes_state(axes).legend = (handles, [str(text) for text in texts])


def _bottom_legend(figure: Figure, handles: list[Artist], texts: list[str], bottom: float) -> float:
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
    figure_state(figure).artists.append(legend)
    height = legend.get_window_extent(renderer_of(figure)).height / figure.dpi
    return (height + 0.08) / height_in


# Widths measured so far, by text, size, weight and resolution: the same words are measured
# again and again as lines are wrapped, at both widths, chart after chart and pack after pack.
_WIDTHS: dict[tuple[str, float, str, float], float] = {}
_MAX_WIDTHS = 50_000  # emptied when this full (a few MB)


def text_width(figure: Figure, text: str, size: float, weight: str = "normal") -> float:
    """The width of one line of ``text`` in inches, measured with the figure's font (each
    text, size, weight and resolution measured once, then remembered)."""
    renderer = renderer_of(figure)
    key = (text, float(size), weight, float(renderer.dpi))
    found = _WIDTHS.get(key)
    if found is None:
        from matplotlib.font_manager import FontProperties

        prop = FontProperties(family="DejaVu Sans", size=size, weight=weight)
        width, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
        found = float(width / renderer.points_to_pixels(72))
        if len(_WIDTHS) >= _MAX_WIDTHS:
            _WIDTHS.clear()
        _WIDTHS[key] = found
    return found


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


def set_subtitle(axes: Axes, subtitle: str, width: int = 0) -> None:
    """The subtitle above the plot, left-aligned in house style, wrapped to the figure's
    measured width (``width``, a count of characters, is no longer needed: kept for callers)."""
    figure = _figure_of(axes)
    width_in = figure.get_size_inches()[0]
    size = 9 if width_in < NARROW_IN else 9.5
    text = wrap_text(figure, subtitle, width_in - 0.2, size)
    axes.set_title("")
    figure.suptitle(text, x=0.01, ha="left", fontsize=size, color=DARK_GREY, fontweight="normal")


def _wrap_axis_labels(figure: Figure, axes: Axes, width_in: float, height_in: float) -> None:
    """Axis titles wrapped to the room they have (unwrapped first, so a resize re-wraps)."""
    wide = width_in - 0.9 if width_in >= NARROW_IN else width_in * 0.5
    for label, room in ((axes.xaxis.label, wide), (axes.yaxis.label, height_in - 1.4)):
        state = _original_text(label)
        if state.size is None:  # the builder's size, restored at full width
            state.size = float(label.get_fontsize())
        if state.original:
            size = 8.5 if width_in < NARROW_IN else state.size
            label.set_fontsize(size)
            label.set_text(wrap_text(figure, state.original, max(room, 1.0), size))


def _wrap_category_labels(figure: Figure, axes: Axes, width_in: float) -> None:
    """Long category names on the y axis wrapped to a third of a narrow figure's width."""
    formatter = axes.yaxis.get_major_formatter()
    if not isinstance(formatter, FixedFormatter):
        return
    state = axes_state(axes)
    if state.ylabels is None:
        state.ylabels = list(formatter.seq)
    size = next((float(t.get_fontsize()) for t in axes.get_yticklabels()), 8.0)
    room = width_in * 0.36
    axes.yaxis.set_major_formatter(
        FixedFormatter(
            [
                wrap_text(figure, " ".join(t.split()), room, size) if width_in < NARROW_IN else t
                for t in state.ylabels
            ]
        )
    )


def _tick_sizes(axes: Axes, narrow: bool) -> None:
    """Tick labels at 8 points on a narrow figure, as they were made on a wide one."""
    state = axes_state(axes)
    if state.ticksize is None:
        x, y = (
            next((float(t.get_fontsize()) for t in axis.get_ticklabels()), float(FONT_SIZE))
            for axis in (axes.xaxis, axes.yaxis)
        )
        state.ticksize = (x, y)
    x, y = state.ticksize
    axes.tick_params(axis="x", labelsize=min(x, 8) if narrow else x)
    axes.tick_params(axis="y", labelsize=min(y, 8) if narrow else y)


def direct_label(axes: Axes, x: object, y: Any, text: str, color: str, used: object = None) -> None:
    """Label a line at its last value. Labels are drawn by :func:`finish`: beside the lines in
    the data's vertical order, spaced so none overlap and kept within the plot's height (never
    on the subtitle); on a narrow figure they become a legend below the plot in the same order.
    ``y``: the line's values (array-like, NaN where not drawn); ``x`` and ``used`` are not
    needed (kept for callers)."""
    values = np.asarray(y, dtype=float)
    finite = np.flatnonzero(np.isfinite(values))
    if not len(finite):
        return
    labels = axes_state(axes).labels
    labels.append(
        DirectLabel(float(finite[-1]), float(values[finite[-1]]), text, color, len(labels))
    )


def _label_order(axes: Axes) -> list[DirectLabel]:
    """Labels from the top of the chart down (ties in the order they were added)."""
    return sorted(axes_state(axes).labels, key=lambda label: (-label.y, label.order))


def _draw_labels(figure: Figure, axes: Axes) -> None:
    width = 1.25 if figure.get_size_inches()[0] >= 6 else 1.0
    artists = figure_state(figure).artists
    for label in axes_state(axes).labels:
        weight = "bold" if label.color == DARK_BLUE else "normal"
        label.artist = axes.annotate(
            wrap_text(figure, label.text, width, LABEL_SIZE, weight),
            (label.x, label.y),
            xytext=(6, 0),
            textcoords="offset points",
            color=label.color,
            fontsize=LABEL_SIZE,
            va="center",
            fontweight=weight,
            annotation_clip=False,
        )
        artists.append(label.artist)


def _space_labels(figure: Figure, axes: Axes) -> None:
    """Move the labels apart vertically, in the data's order, within the plot's height."""
    placed = [(label, label.artist) for label in _label_order(axes) if label.artist is not None]
    if not placed:
        return
    renderer = renderer_of(figure)
    box = axes.get_window_extent(renderer)
    gap = renderer.points_to_pixels(1.5)
    wanted = [float(axes.transData.transform((lab.x, lab.y))[1]) for lab, _ in placed]
    # a browser's box for a line of text is its font's full height, a little taller than the
    # glyphs matplotlib measures: pad each label by a quarter of its size
    pad = renderer.points_to_pixels(0.25 * LABEL_SIZE)
    heights = [artist.get_window_extent(renderer).height + pad for _, artist in placed]
    centres = spread(wanted, heights, box.y0, box.y1, gap)
    for (_, artist), want, centre in zip(placed, wanted, centres, strict=True):
        artist.xyann = (6, (centre - want) * 72 / figure.dpi)


def spread(
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


def _label_handles(axes: Axes) -> Entries:
    """Legend entries standing in for the direct labels on a narrow chart, in their order."""
    from matplotlib.lines import Line2D

    drawn, names = axes.get_legend_handles_labels()
    lines = dict(zip(names, drawn, strict=True))
    handles: list[Artist] = []
    texts: list[str] = []
    for label in _label_order(axes):
        line = lines.get(label.text)
        if line is None:
            line = Line2D([], [], color=label.color, linewidth=2)
        handles.append(line)
        texts.append(label.text)
    return handles, texts


def _thin_ticks(figure: Figure, axes: Axes) -> None:
    """Hide category labels on the x axis (keeping the latest) until no two touch; a builder
    that already left some labels blank (months) is thinned among the labels it kept."""
    ticks = axes.xaxis.get_major_ticks()[: len(axes.get_xticks())]
    labels = [tick.label1 for tick in ticks if tick.label1.get_text()]
    if len(labels) < 2 or len(ticks) != len(axes.get_xticks()):
        return
    renderer = renderer_of(figure)
    pad = renderer.points_to_pixels(4)
    for label in labels:
        label.set_rotation(0)
        label.set_visible(True)
    boxes = [label.get_window_extent(renderer) for label in labels]
    step = len(labels)
    for tried in range(1, len(labels) + 1):
        shown = [i for i in range(len(labels)) if (len(labels) - 1 - i) % tried == 0]
        if all(boxes[a].x1 + pad < boxes[b].x0 for a, b in itertools.pairwise(shown)):
            step = tried
            break
    for i, label in enumerate(labels):
        label.set_visible((len(labels) - 1 - i) % step == 0)
