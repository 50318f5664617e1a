"""The showcase pages are unchanged, but for build time and version (the golden test).

``tests/golden/*.txt`` hold the pages `make packs` built before the package was reorganised,
reduced by :func:`golden.normalise.normalise` to what a reader sees. A deliberate change to a
page updates them with ``python tests/golden/normalise.py OUT`` after ``make packs OUT=OUT``;
the diff then shows the change for review.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SHOWCASE_PAGES
from tests.golden.normalise import golden_name, normalise

GOLDEN = Path(__file__).parents[1] / "golden"

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", list(SHOWCASE_PAGES))
def test_page_matches_its_golden_copy(showcase_pages, name):
    built = normalise(showcase_pages[name].read_text(encoding="utf-8"), str(REPO_ROOT))
    expected = (GOLDEN / golden_name(SHOWCASE_PAGES[name])).read_text(encoding="utf-8")
    if built != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), built.splitlines(), "golden", "built", n=1, lineterm=""
        )
        pytest.fail(f"{name} page differs from its golden copy:\n" + "\n".join(list(diff)[:40]))
