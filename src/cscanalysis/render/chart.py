"""The :class:`Chart`: a figure with its title, subtitle, alt text, caption, source and the exact
data plotted, so that a pack, an export and a bid cannot disagree; and the figure's bytes as PNG
or SVG (:func:`save`), the same bytes for the same chart in every run.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from cscanalysis.core.safe_files import atomic_write_bytes
from cscanalysis.render.layout import figure_state, resize
from cscanalysis.render.png import Pixels, agg_pixels, in_background
from cscanalysis.render.style import HALF_WIDTH_IN

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# No software version or date in the files, so the same chart gives the same bytes.
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}
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
    # PNGs being compressed and written in the background (:meth:`write_png`), by resolution
    _pending: dict[int, Future[bytes]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def png(self, dpi: int = 300) -> bytes:
        """The figure as PNG (rendered once per resolution, then reused)."""
        if dpi in self._pending:
            self.wait()
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

    def write_png(self, path: str | Path, dpi: int = 300) -> None:
        """Write the PNG to ``path``: drawn now, compressed and written by a background thread
        while the caller goes on (:meth:`wait` or :meth:`close` waits for it and raises its
        error). The same bytes as :meth:`png`, which is used when already rendered."""
        target = Path(path).absolute()  # a warm kernel changes folder between packs
        if ("png", dpi) in self._rendered or dpi in self._pending:
            atomic_write_bytes(target, self.png(dpi))
            return
        self.full_width()
        pixels = draw_png(self.figure, float(dpi))
        if pixels is None:  # not drawn by Agg: matplotlib writes it, here and now
            atomic_write_bytes(target, self.png(dpi))
            return

        def compress_and_write(pixels: Pixels = pixels) -> bytes:
            data = pixels.png()
            atomic_write_bytes(target, data)
            return data

        self._pending[dpi] = in_background(compress_and_write)

    def wait(self) -> None:
        """Wait for the PNGs :meth:`write_png` is writing; raise the first error, naming the
        chart."""
        pending, self._pending = self._pending, {}
        for dpi, future in pending.items():
            try:
                self._rendered["png", dpi] = future.result()
            except Exception as error:
                raise RuntimeError(
                    f"chart {self.slug!r}: its {dpi}-dpi PNG was not written: {error}"
                ) from error

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
        """Close the figure, once any PNG still being written is written (its error raised)."""
        try:
            self.wait()
        finally:
            plt.close(self.figure)


def close_charts(*groups: Mapping[str, Iterable[Chart]] | Iterable[Chart]) -> None:
    """Free the figures of every chart once rendered (a batch builds many packs in one
    process): each group is a list of charts or a mapping of section to charts."""
    errors = []
    for group in groups:
        sections = group.values() if isinstance(group, Mapping) else [group]
        for section in sections:
            for chart in section:
                try:
                    chart.close()
                except RuntimeError as error:  # every figure closed, then the first error
                    errors.append(error)
    if errors:
        raise errors[0]


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
        pixels = (
            draw_png(figure, float(figure.dpi if dpi is None else dpi)) if format == "png" else None
        )
        if pixels is not None:
            buffer.write(pixels.png())
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


def draw_png(figure: Figure, dpi: float) -> Pixels | None:
    """The figure drawn once by Agg at ``dpi``, laid out in the same draw and the layout kept
    (as :func:`save` keeps it); None for a figure Agg does not draw as it is (not opaque, or
    another canvas), which ``savefig`` writes instead."""
    opaque = to_rgba(figure.get_facecolor())[3] == 1
    if not (isinstance(figure.canvas, FigureCanvasAgg) and opaque):
        return None
    engine = figure.get_layout_engine()
    with plt.rc_context(SAVE_STYLE):
        pixels = agg_pixels(figure, dpi)
    if isinstance(engine, ConstrainedLayoutEngine):
        _keep_layout(figure, engine)
    return pixels
