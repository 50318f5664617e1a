"""A pack's notebook: read its parameters, execute it with papermill, render it with nbconvert.

Notebooks are jupytext ``.py`` files in ``notebooks/`` (or ``$CSCANALYSIS_NOTEBOOKS``); the page
uses the ``cscpack`` template in ``render/templates`` with the code hidden.
"""

# ruff: noqa: E402  (the third-party imports follow the rfc3987_syntax line below)
from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

# jsonschema (under nbformat) imports the optional ``rfc3987_syntax`` when it is installed, to
# check "iri" strings, and compiling its grammars takes about a second of every start; no
# notebook schema uses that format, so it is declared absent (measured: the CLI's imports took
# 2.2 s, 1.0 s of them this grammar; docs/DESIGN_NOTES.md, "Where a cold pack's time goes").
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import jupytext
import nbformat
import papermill
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from cscanalysis.core.errors import ParameterError
from cscanalysis.core.paths import REPO_ROOT

TEMPLATES = Path(__file__).parents[1] / "render" / "templates"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
NOTEBOOKS = Path(os.environ.get("CSCANALYSIS_NOTEBOOKS", REPO_ROOT / "notebooks"))

# ``runner(source, executed, parameters, cwd=..., timeout=...)`` executes a notebook into
# ``executed`` and returns it: :func:`execute` (a new kernel each time) or a warm kernel's ``run``.
Runner = Callable[..., nbformat.NotebookNode]


def notebook_parameters(path: Path) -> dict[str, object]:
    """The names and defaults of the notebook's ``parameters`` cell."""
    notebook = jupytext.read(path)
    for cell in notebook.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            namespace: dict[str, object] = {}
            exec(compile(cell.source, str(path), "exec"), {}, namespace)  # literals only
            return namespace
    raise ParameterError(f"{path} has no cell tagged 'parameters'")


def render_html(notebook: nbformat.NotebookNode, title: str) -> str:
    """Self-contained HTML with the code hidden and no script from anywhere.

    Cells tagged ``remove-cell`` (the notebook's note to analysts) are left out. Cell ids
    (random when jupytext and papermill make them) are numbered, so the same notebook output
    always gives the same page.
    """
    notebook = nbformat.from_dict(notebook)
    notebook.metadata["title"] = title
    for number, cell in enumerate(notebook.cells, start=1):
        if "id" in cell:
            cell["id"] = f"cell-{number}"
    body, _ = _exporter().from_notebook_node(notebook)
    return body


_EXPORTERS = threading.local()


def _exporter() -> HTMLExporter:
    """One configured exporter per thread (its compiled template is reused across packs)."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        exporter = HTMLExporter(
            template_name="cscpack",
            extra_template_basedirs=[str(TEMPLATES)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        exporter.language_code = "en-GB"
        remove = TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True)
        exporter.register_preprocessor(remove, enabled=True)
        _EXPORTERS.html = exporter
    return exporter


def load_source(source: Path) -> nbformat.NotebookNode:
    """The jupytext notebook ``source`` as an unexecuted notebook with a Python kernelspec."""
    notebook = jupytext.read(source)
    notebook.metadata.setdefault("kernelspec", KERNELSPEC)
    notebook.metadata.setdefault("language_info", {"name": "python"})
    return notebook


def execute(
    source: Path, executed: Path, parameters: dict[str, object], *, cwd: Path, timeout: int = 600
) -> nbformat.NotebookNode:
    """Run the jupytext notebook ``source`` with papermill into ``executed``."""
    unexecuted = executed.with_suffix(".input.ipynb")
    nbformat.write(load_source(source), unexecuted)
    try:
        return papermill.execute_notebook(
            str(unexecuted),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(cwd),
            progress_bar=False,
            execution_timeout=timeout,
        )
    finally:
        unexecuted.unlink(missing_ok=True)
