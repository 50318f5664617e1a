"""Does a chart read as drawn? Every piece of text measured where matplotlib draws it: no two
text boxes overlapping and none leaving the figure.

Used by the test suite on every chart at full and half page width, before a file is written.
"""

from __future__ import annotations

import itertools

from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from cscanalysis.render.layout import renderer_of

TOLERANCE = 1.0  # pixels at the figure's own resolution (100 dpi): anti-aliasing, not overlap


def drawn_texts(figure: Figure) -> list[tuple[str, Bbox]]:
    """Each visible, non-empty text of the figure with its box in pixels (the figure laid out
    and drawn first). Tick labels outside an axis's view, which matplotlib does not draw, are
    left out."""
    figure.canvas.draw()
    renderer = renderer_of(figure)
    ticks: set[int] = set()
    drawn: set[int] = set()
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ticks.update({id(tick.label1), id(tick.label2)})
            # the ticks matplotlib draws: a private method, which the stubs leave out
            for tick in axis._update_ticks():  # type: ignore[union-attr]
                drawn.update({id(tick.label1), id(tick.label2)})
    found = []
    for text in figure.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if id(text) in ticks and id(text) not in drawn:
            continue
        if any(not parent.get_visible() for parent in _parents(text)):
            continue
        # the text's own box (an annotation's includes its arrow, which may cross other text)
        found.append((text.get_text(), Text.get_window_extent(text, renderer)))
    return found


def _parents(text: Text) -> list[Artist]:
    parent = text.axes or text.figure
    return [] if parent is None else [parent]


def layout_problems(figure: Figure) -> list[str]:
    """One line per pair of overlapping texts and per text leaving the figure; empty when the
    chart reads as drawn."""
    texts = drawn_texts(figure)
    bounds = figure.bbox
    found = []
    for (a, box_a), (b, box_b) in itertools.combinations(texts, 2):
        width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if width > TOLERANCE and height > TOLERANCE:
            found.append(f"overlap: {_short(a)!r} and {_short(b)!r}")
    for text, box in texts:
        if (
            box.x0 < bounds.x0 - TOLERANCE
            or box.y0 < bounds.y0 - TOLERANCE
            or box.x1 > bounds.x1 + TOLERANCE
            or box.y1 > bounds.y1 + TOLERANCE
        ):
            found.append(f"outside the figure: {_short(text)!r}")
    return found


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:39] + "…"
