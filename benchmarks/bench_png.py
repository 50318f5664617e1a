"""Issue 14 benchmark: writing a pack's chart PNGs with the own encoder or with Pillow.

Builds the charts of an evidence pack (default Bristol, 2025), draws each once with Agg at
300 dpi (as the pack does; drawing is the same whichever encoder writes the pixels), then times
only the writing of those pixels as PNG, each way taken in turn (round-robin, ``--repeat``
rounds, medians), so that load from other processes falls on all of them alike:

- ``own``: the hand-written encoder of ``cscanalysis.render.png`` (rows unfiltered, zlib
  level 1), if the tree has it (removed after this comparison, issue 14: to run it again, copy
  this script into a tree of commit 7f878d6 and run it there);
- ``pillow_level1``: ``Image.fromarray(rgb).save(buffer, "png", compress_level=1, dpi=...)``;
- ``pillow_default``: ``Image.fromarray(rgb).save(buffer, "png", dpi=...)`` (level 6).

Reports seconds per pack (the sum over its drawn charts) and the bytes written, and checks
that every way gives the same pixels. Relate the difference to a cold pack's time (about 11 s,
``docs/DESIGN_NOTES.md``). Writes JSON (``--out``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def pack_pixels(council: str, period: str) -> list[np.ndarray]:
    """The 300-dpi RGBA pixels of every drawn chart of the pack, laid out as the pack lays
    them out (constrained layout inside the one Agg draw)."""
    from cscanalysis.core.councils import load_register
    from cscanalysis.packs.evidence import charts as evidence_charts
    from cscanalysis.packs.evidence import content as evidence
    from cscanalysis.packs.evidence import outlook as evidence_outlook
    from cscanalysis.store.tidy import load_tidy

    ctx = evidence.prepare(load_tidy(), load_register(), council, period)
    headlines = evidence.headline_table(ctx)
    found = evidence_outlook.outlook(ctx, None, None)
    sections = evidence_charts.pack_charts(ctx, headlines, found)
    pixels = []
    for chart in (chart for section in sections.values() for chart in section):
        if chart.meta.get("in_words"):
            continue
        figure = chart.figure
        original = figure.dpi
        figure.dpi = 300
        try:
            buffer, (width, height) = figure.canvas.print_to_buffer()
        finally:
            figure.dpi = original
        pixels.append(np.frombuffer(buffer, dtype=np.uint8).reshape(height, width, 4))
    evidence.close_charts(sections)
    return pixels


def pillow(level: int | None) -> Callable[[np.ndarray], bytes]:
    from PIL import Image

    def write(rgba: np.ndarray) -> bytes:
        opaque = bool((rgba[:, :, 3] == 255).all())
        image = Image.fromarray(np.ascontiguousarray(rgba[:, :, :3]) if opaque else rgba)
        buffer = io.BytesIO()
        options: dict[str, object] = {"dpi": (300, 300)}
        if level is not None:
            options["compress_level"] = level
        image.save(buffer, "png", **options)
        return buffer.getvalue()

    return write


def ways() -> dict[str, Callable[[np.ndarray], bytes]]:
    found: dict[str, Callable[[np.ndarray], bytes]] = {}
    try:
        from cscanalysis.render.png import png_bytes

        found["own"] = lambda rgba: png_bytes(rgba, 300)
    except ImportError:
        pass
    found["pillow_level1"] = pillow(1)
    found["pillow_default"] = pillow(None)
    return found


def decoded(data: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--council", default="Bristol")
    parser.add_argument("--period", default="2025")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench" / "png.json")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    pixels = pack_pixels(args.council, args.period)
    built = time.perf_counter() - start
    writers = ways()
    times: dict[str, list[float]] = {name: [] for name in writers}
    sizes: dict[str, int] = {}
    for name, write in writers.items():  # same pixels every way, and the sizes
        files = [write(rgba) for rgba in pixels]
        assert all((decoded(f) == p).all() for f, p in zip(files, pixels, strict=True)), name
        sizes[name] = sum(map(len, files))
    for _ in range(args.repeat):
        for name, write in writers.items():
            start = time.perf_counter()
            for rgba in pixels:
                write(rgba)
            times[name].append(time.perf_counter() - start)
    result = {
        "council": args.council,
        "period": args.period,
        "charts": len(pixels),
        "pixels": [list(p.shape[:2]) for p in pixels],
        "seconds_to_build_and_draw": round(built, 2),
        "repeat": args.repeat,
        "median_seconds_per_pack": {k: round(statistics.median(v), 3) for k, v in times.items()},
        "all_seconds": {k: [round(t, 3) for t in v] for k, v in times.items()},
        "megabytes_per_pack": {k: round(v / 1e6, 2) for k, v in sizes.items()},
        "machine": {"platform": platform.platform(), "load_average": os.getloadavg()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
