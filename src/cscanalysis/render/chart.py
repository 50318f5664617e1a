"""The :class:`Chart`: a figure with its title, subtitle, alt text, caption, source and the exact
data plotted, so that a pack, an export and a bid cannot disagree; and the figure's bytes as PNG
or SVG (:func:`save`), the same bytes for the same chart in every run.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from PIL import Image

from cscanalysis.render.layout import figure_state, resize
from cscanalysis.render.style import HALF_WIDTH_IN

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# No software version or date in the files, so the same chart gives the same bytes.
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}
PNG_LEVEL = 1  # zlib level of a chart PNG: fast; files about a seventh larger than at level 6
# Read when a figure is saved, not when it is drawn: clip-path ids made from the content, so
# the same chart gives the same SVG bytes in every run; SVG text kept as text (a bid writer can
# edit and search it), set in a common font stack (see :func:`save`).
SAVE_STYLE: dict[RcKeyType, Any] = {"svg.hashsalt": "cscanalysis", "svg.fonttype": "none"}
NO_AUTO_LAYOUT: dict[RcKeyType, Any] = {
    "figure.autolayout": False,
    "figure.constrained_layout.use": False,
}
SVG_FONTS = b"font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif"

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
    # the files rendered so far, rendered once each: ("png", dpi), ("svg", 0), ("svg", 1) narrow
    _rendered: dict[tuple[str, int], bytes] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # the figure's own size while it is left at half width by :meth:`svg_narrow`
    _wide: tuple[float, float] | None = field(default=None, init=False, repr=False, compare=False)

    def png(self, dpi: int = 300) -> bytes:
        """The figure as PNG (rendered once per resolution, then reused)."""
        if ("png", dpi) not in self._rendered:
            self.full_width()
            self._rendered["png", dpi] = save(self.figure, "png", dpi=dpi)
        return self._rendered["png", dpi]

    def svg(self) -> bytes:
        """The figure as SVG (rendered once, then reused by the page and the file)."""
        if ("svg", 0) not in self._rendered:
            self.full_width()
            self._rendered["svg", 0] = save(self.figure, "svg")
        return self._rendered["svg", 0]

    def svg_narrow(self) -> bytes:
        """The figure laid out at half a page's width (:data:`HALF_WIDTH_IN`) as SVG, for a
        phone's screen. The figure is left at half width (a page draws nothing after it) and
        laid out at its own width again when next drawn by :meth:`png`, :meth:`svg` or
        :meth:`narrow`, or by :meth:`full_width`."""
        if ("svg", 1) not in self._rendered:
            self.svg()  # the full-width files first, so that they keep their own layout
            width, height = self.figure.get_size_inches()
            resize(self.figure, HALF_WIDTH_IN, height * 1.2)
            self._wide = (width, height)
            self._rendered["svg", 1] = save(self.figure, "svg")
        return self._rendered["svg", 1]

    def narrow(self, render: Callable[[Figure], T]) -> T:
        """``render(figure)`` with the figure laid out at half a page's width; the figure is
        then laid out at its own width again."""
        self.svg()  # the full-width files first, so that they keep their own layout
        self.full_width()
        width, height = self.figure.get_size_inches()
        resize(self.figure, HALF_WIDTH_IN, height * 1.2)
        try:
            return render(self.figure)
        finally:
            resize(self.figure, width, height)

    def full_width(self) -> None:
        """Lay the figure out at its own width again if :meth:`svg_narrow` left it narrow."""
        if self._wide is not None:
            width, height = self._wide
            self._wide = None
            resize(self.figure, width, height)

    def svg_base64(self, *, narrow: bool = False) -> str:
        """The SVG base64-encoded, for embedding in a self-contained HTML page."""
        return base64.b64encode(self.svg_narrow() if narrow else self.svg()).decode("ascii")

    def close(self) -> None:
        plt.close(self.figure)


def close_charts(*groups: Mapping[str, Iterable[Chart]] | Iterable[Chart]) -> None:
    """Free the figures of every chart once rendered (a batch builds many packs in one
    process): each group is a list of charts or a mapping of section to charts."""
    for group in groups:
        sections = group.values() if isinstance(group, Mapping) else [group]
        for section in sections:
            for chart in section:
                chart.close()


def in_words(chart: Chart, title: str, sentence: str) -> Chart:
    """The chart said in words instead of drawn (a series too small or suppressed to show): the
    page shows ``sentence`` and the data table, not the figure; the files keep the data."""
    chart.title = title
    chart.alt = sentence
    chart.meta["in_words"] = sentence
    return chart


def save(figure: Figure, format: Literal["png", "svg"], *, dpi: float | None = None) -> bytes:
    """The figure as PNG or SVG bytes (no software version or date in either).

    The constrained layout is worked out on the first save and then kept: a chart saved as
    PNG and then SVG is laid out once, both files share the same layout, and every save draws
    the figure once. :func:`~cscanalysis.render.layout.resize` lays the figure out afresh.
    """
    buffer = io.BytesIO()
    engine = figure.get_layout_engine()
    with plt.rc_context(SAVE_STYLE):
        if format == "png" and _draws_itself(figure):
            buffer.write(_agg_png(figure, float(figure.dpi if dpi is None else dpi)))
        else:
            if format == "svg" and isinstance(engine, ConstrainedLayoutEngine):
                _svg_layout(figure, engine)
                _keep_layout(figure, engine)
            metadata = PNG_METADATA if format == "png" else SVG_METADATA
            if dpi is None:
                figure.savefig(buffer, format=format, metadata=metadata)
            else:
                figure.savefig(buffer, format=format, metadata=metadata, dpi=dpi)
    if format == "svg":  # text kept as text, in a font stack any editor or browser has
        svg = re.sub(rb'font-family: [^;"]*', SVG_FONTS, buffer.getvalue())
        buffer = io.BytesIO(svg)
    if isinstance(engine, ConstrainedLayoutEngine):
        _keep_layout(figure, engine)
    return buffer.getvalue()


def _keep_layout(figure: Figure, engine: ConstrainedLayoutEngine) -> None:
    """Set the layout engine aside (kept for :func:`~cscanalysis.render.layout.resize`).

    No engine at all (not "none", which leaves a placeholder): with any engine set, savefig
    draws the whole figure once more before drawing it for real.
    """
    figure_state(figure).frozen = engine
    with plt.rc_context(NO_AUTO_LAYOUT):
        figure.set_layout_engine(None)


def _svg_layout(figure: Figure, engine: ConstrainedLayoutEngine) -> None:
    """The constrained layout an SVG save would work out, without its extra draw.

    ``savefig`` with a layout engine set draws the whole figure once with drawing switched off,
    only to run the layout, and then draws it for real. This runs the same layout as that draw
    does (text measured by the SVG renderer, the figure at 72 dpi as ``print_svg`` sets it), so
    the SVG that follows, drawn once with the layout kept, has the same bytes.
    """
    canvas = figure.canvas
    dpi = figure.dpi
    FigureCanvasSVG(figure)  # the figure's canvas while an SVG is saved
    try:
        figure.dpi = 72
        engine.execute(figure)
    finally:
        figure.dpi = dpi
        figure.set_canvas(canvas)


def _draws_itself(figure: Figure) -> bool:
    opaque = to_rgba(figure.get_facecolor())[3] == 1
    return isinstance(figure.canvas, FigureCanvasAgg) and opaque


def _agg_png(figure: Figure, dpi: float) -> bytes:
    """The figure drawn once by Agg at ``dpi`` (laying it out in the same draw), written as a
    PNG by Pillow at zlib level :data:`PNG_LEVEL`, RGB when opaque.

    The same pixels as ``savefig(format="png")``, which draws twice on a first save (once to
    lay out, once for real) and writes at zlib level 6.
    """
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):  # pragma: no cover - checked by _draws_itself
        raise TypeError(f"a PNG is drawn by Agg, not by {type(canvas).__name__}")
    original = figure.dpi
    figure.dpi = dpi
    try:
        pixels, (width, height) = canvas.print_to_buffer()
    finally:
        figure.dpi = original
    rgba = np.frombuffer(pixels, dtype=np.uint8).reshape(height, width, 4)
    opaque = bool((rgba[:, :, 3] == 255).all())
    image = Image.fromarray(np.ascontiguousarray(rgba[:, :, :3]) if opaque else rgba)
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=PNG_LEVEL, dpi=(dpi, dpi))
    return buffer.getvalue()
