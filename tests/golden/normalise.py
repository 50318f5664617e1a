"""A built page reduced to what a reader sees, for the golden test of the pages.

Kept: every tag, attribute and piece of text of the HTML, and the text drawn in each SVG chart.
Dropped: nbconvert's own stylesheets and scripts and the charts' artwork (paths and pixels),
which move with those libraries' versions; the build time, the package version and the
absolute path of the checkout.
"""

from __future__ import annotations

import base64
import re
from xml.etree import ElementTree

SVG_URI = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
PNG_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")
BUILT = re.compile(r"<dt>Built</dt><dd>[^<]*</dd>")
VERSION = re.compile(r"cscanalysis \d+\.\d+\.\d+")
STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.S)
OURS = "--brand"  # the house stylesheet's mark; the rest is nbconvert's and moves with its version


def _ours(match: re.Match[str]) -> str:
    return match.group(0) if OURS in match.group(1) else "<nbconvert/>"


def _svg_text(match: re.Match[str]) -> str:
    """The strings an SVG chart draws, in document order."""
    root = ElementTree.fromstring(base64.b64decode(match.group(1)))
    texts = ["".join(el.itertext()).strip() for el in root.iter() if el.tag.endswith("}text")]
    return "svg:" + "|".join(t for t in texts if t)


def normalise(html: str, root: str) -> str:
    """``html`` as the golden file stores it; ``root`` is the checkout's absolute path."""
    html = STYLE.sub(_ours, html)
    html = SCRIPT.sub(_ours, html)
    html = SVG_URI.sub(_svg_text, html)
    html = PNG_URI.sub("png", html)
    html = BUILT.sub("<dt>Built</dt><dd>BUILT</dd>", html)
    html = VERSION.sub("cscanalysis VERSION", html)
    return html.replace(root.rstrip("/") + "/", "ROOT/")


def golden_name(page: str) -> str:
    """``2025/E06000023/index.html`` -> ``2025_E06000023.txt``."""
    return page.removesuffix("/index.html").replace("/", "_") + ".txt"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    here = Path(__file__).parent
    root = str(here.parents[1])
    out = Path(sys.argv[1])
    for page in sorted(out.glob("**/index.html")):
        relative = page.relative_to(out).as_posix()
        if relative.count("/") == 2:
            target = here / golden_name(relative)
            target.write_text(normalise(page.read_text(encoding="utf-8"), root), encoding="utf-8")
            print(target)
