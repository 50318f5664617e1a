"""A chart's PNG: drawn by Agg in the calling thread, compressed by Pillow (:class:`Pixels`), in
a background thread when asked (:func:`in_background`), since zlib lets other Python code run
meanwhile: a pack draws its next chart while the last one's PNG is compressed and written.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

PNG_LEVEL = 1  # zlib level of a chart PNG: fast; files about a seventh larger than at level 6
T = TypeVar("T")


@dataclass(frozen=True)
class Pixels:
    """A figure drawn by Agg: RGBA bytes, ``width`` x ``height`` pixels at ``dpi``."""

    rgba: bytes
    width: int
    height: int
    dpi: float

    def png(self) -> bytes:
        """The pixels as a PNG written by Pillow at zlib level :data:`PNG_LEVEL`, RGB when
        opaque (touches nothing but these pixels: safe in any thread)."""
        rgba = np.frombuffer(self.rgba, dtype=np.uint8).reshape(self.height, self.width, 4)
        opaque = bool((rgba[:, :, 3] == 255).all())
        image = Image.fromarray(np.ascontiguousarray(rgba[:, :, :3]) if opaque else rgba)
        buffer = io.BytesIO()
        image.save(buffer, format="png", compress_level=PNG_LEVEL, dpi=(self.dpi, self.dpi))
        return buffer.getvalue()


def agg_pixels(figure: Figure, dpi: float) -> Pixels:
    """The figure drawn once by Agg at ``dpi`` (laying it out in the same draw, if its layout
    engine is set): the same pixels as ``savefig(format="png")``, which draws twice on a first
    save (once to lay out, once for real)."""
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        raise TypeError(f"a PNG is drawn by Agg, not by {type(canvas).__name__}")
    original = figure.dpi
    figure.dpi = dpi
    try:
        rgba, (width, height) = canvas.print_to_buffer()
    finally:
        figure.dpi = original
    return Pixels(rgba, int(width), int(height), dpi)


_LOCK = threading.Lock()
_WORKER: ThreadPoolExecutor | None = None


def in_background(work: Callable[[], T]) -> Future[T]:
    """``work()`` run by this process's one background thread, in the order given (its error,
    if any, is raised by the future's ``result()``)."""
    global _WORKER
    with _LOCK:
        if _WORKER is None:
            _WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cscanalysis-png")
        return _WORKER.submit(work)


def _forget_worker() -> None:  # a forked child has no threads: it starts its own if it needs one
    global _WORKER, _LOCK
    _WORKER, _LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_worker)
