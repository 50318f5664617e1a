"""The notebooks are thin: the story in markdown cells, code cells that call the library."""

from __future__ import annotations

import ast
import re

import jupytext
import pytest

from cscanalysis.packs.evidence import content as evidence
from cscanalysis.packs.frontdoor import content as frontdoor
from cscanalysis.packs.notebook import NOTEBOOKS

HEADING = re.compile(r'<h2 id="([a-z_-]+)">([^<]+)</h2>')


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.py")))
def test_code_cells_define_nothing(name):
    notebook = jupytext.read(NOTEBOOKS / name)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            defined = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
            assert not defined, f"{name}: a code cell defines {defined[0].name}"


@pytest.mark.parametrize(
    ("name", "contents"),
    [
        ("evidence_pack.py", {k: v for k, v in evidence.CONTENTS.items() if k != "about"}),
        ("front_door.py", frontdoor.CONTENTS),
    ],
)
def test_every_section_heading_is_a_markdown_cell_the_contents_link_to(name, contents):
    notebook = jupytext.read(NOTEBOOKS / name)
    headings = {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and "remove-cell" not in cell.metadata.get("tags", []):
            headings |= dict(HEADING.findall(cell.source))
    # every entry of the contents list (the footer's "About this pack" aside) is a markdown
    # heading with the same anchor and title, in the same order
    assert list(headings.items()) == list(contents.items())
