"""A pack opened in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from cscanalysis.core.paths import REPO_ROOT
from cscanalysis.packs.evidence.pack import build_pack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = REPO_ROOT / "outputs" / "screenshots"

# Relative luminance contrast of each element's text against its nearest opaque background.
CONTRAST_JS = """
() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  const selector = ['p', 'li', 'td', 'th', 'h1', 'h2', 'h3', 'figcaption', 'summary', 'a', 'dt',
                    'dd'].map(t => 'main ' + t).join(', ');
  for (const el of document.querySelectorAll(selector)) {
    if (!el.textContent.trim() || el.offsetParent === null) continue;
    const fg = parse(getComputedStyle(el).color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) worst.push([el.tagName, el.textContent.trim().slice(0, 40), ratio]);
  }
  return worst;
}
"""


@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    return Path(build_pack("Bristol", 2023, out).path)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def open_page(browser, path: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    messages, failures = [], []
    page.on("console", lambda m: messages.append(m) if m.type == "error" else None)
    page.on("pageerror", lambda e: messages.append(e))
    page.on("requestfailed", lambda r: failures.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, messages, failures


@pytest.mark.parametrize("width", [375, 1280])
def test_pack_renders_cleanly(browser, page_path, width):
    page, errors, failed = open_page(browser, page_path, width)
    assert errors == [] and failed == []
    images = page.eval_on_selector_all(
        "img",
        "els => els.map(e => [e.complete && e.naturalWidth > 0, e.alt.length, "
        "e.getBoundingClientRect().width])",
    )
    assert len(images) == 16  # 16 charts in a 2023 pack, each an <img> in a <picture>
    assert all(loaded and alt > 40 for loaded, alt, _ in images)
    assert all(shown <= width for _, _, shown in images)  # charts fit the viewport
    # nothing but scrollable tables may be wider than the screen
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"bristol-2023-{width}.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    page.close()


def test_contents_links_resolve(browser, page_path):
    page, _, _ = open_page(browser, page_path, 1280)
    targets = page.eval_on_selector_all("nav a", "els => els.map(e => e.getAttribute('href'))")
    assert len(targets) == 10
    for href in targets:
        assert page.locator(href).count() == 1, href
        page.click(f"nav a[href='{href}']")
        assert page.evaluate("location.hash") == href
    page.close()


def test_accessibility_basics(browser, page_path):
    page, _, _ = open_page(browser, page_path, 1280)
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    assert page.title().startswith("Bristol: children's social care evidence pack")
    levels = page.eval_on_selector_all(
        "main h1, main h2, main h3, main h4", "els => els.map(e => Number(e.tagName[1]))"
    )
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))  # no skipped level
    tables = page.eval_on_selector_all(
        "table",
        "els => els.map(t => [t.querySelectorAll('thead th[scope=col]').length, "
        "!!t.querySelector('caption')])",
    )
    assert tables and all(headers > 0 and caption for headers, caption in tables)
    assert page.evaluate(CONTRAST_JS) == []
    page.close()
