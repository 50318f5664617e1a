"""Build evidence packs: papermill executes a notebook, nbconvert renders HTML.

A pack lands in ``OUT/<period>/<council_code>/index.html`` beside the executed notebook and a
``manifest.json``. Everything is written into a temporary folder first and renamed into place,
so a failed run never replaces a good pack.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
import papermill
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from cscanalysis import __version__
from cscanalysis.councils import load_register
from cscanalysis.errors import ParameterError
from cscanalysis.evidence import prepare
from cscanalysis.paths import REPO_ROOT
from cscanalysis.store import inputs_key, load_tidy

TEMPLATES = Path(__file__).parent / "templates"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
NOTEBOOKS = Path(os.environ.get("CSCANALYSIS_NOTEBOOKS", REPO_ROOT / "notebooks"))


@dataclass
class PackResult:
    council_code: str
    council_name: str
    period: str
    path: str
    seconds: float
    data_key: str
    version: str


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

    Cells tagged ``remove-cell`` (the notebook's note to analysts) are left out.
    """
    notebook = nbformat.from_dict(notebook)
    notebook.metadata["title"] = title
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
    body, _ = exporter.from_notebook_node(notebook)
    return body


def execute(
    source: Path, executed: Path, parameters: dict[str, object], *, cwd: Path, timeout: int = 600
) -> nbformat.NotebookNode:
    """Run the jupytext notebook ``source`` with papermill into ``executed``."""
    unexecuted = executed.with_suffix(".input.ipynb")
    notebook = jupytext.read(source)
    notebook.metadata.setdefault("kernelspec", KERNELSPEC)
    notebook.metadata.setdefault("language_info", {"name": "python"})
    nbformat.write(notebook, unexecuted)
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


def publish_notebook(
    source: Path,
    parameters: dict[str, object],
    final: Path,
    *,
    title: str,
    manifest: dict[str, object],
) -> float:
    """Execute ``source`` with ``parameters`` and publish ``final/index.html``.

    The executed notebook (``pack.ipynb``) and ``manifest.json`` go beside the page. All of it
    is written in a staging folder next to ``final`` and renamed into place; on any failure the
    staging folder is removed and an existing pack at ``final`` is left as it was. Returns the
    seconds taken.
    """
    started = time.perf_counter()
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
    try:
        executed = execute(source, staging / "pack.ipynb", parameters, cwd=staging)
        (staging / "index.html").write_text(render_html(executed, title), encoding="utf-8")
        seconds = round(time.perf_counter() - started, 2)
        record = manifest | {
            "parameters": parameters,
            "notebook": source.name,
            "seconds": seconds,
            "version": __version__,
        }
        (staging / "manifest.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        _swap_into_place(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return seconds


def build_pack(
    council: str | int, period: str | int, out: Path, *, notebook: Path | None = None
) -> PackResult:
    """Build one council's evidence pack for a reporting year and return where it is."""
    source = notebook or NOTEBOOKS / "evidence_pack.py"
    ctx = prepare(load_tidy(), load_register(), council, period)  # fails fast, before a kernel
    final = Path(out) / ctx.period / ctx.code
    key = inputs_key()
    seconds = publish_notebook(
        source,
        {"council": ctx.code, "period": ctx.period},
        final,
        title=f"{ctx.place}: children's social care evidence pack, {ctx.period}",
        manifest={
            "council_code": ctx.code,
            "council_name": ctx.council.name,
            "period": ctx.period,
            "data_key": key,
        },
    )
    return PackResult(
        ctx.code, ctx.council.name, ctx.period, str(final / "index.html"), seconds, key, __version__
    )


def _swap_into_place(staging: Path, final: Path) -> None:
    """Replace ``final`` with ``staging`` by renames; the old pack stays until the new is in."""
    retired = None
    if final.exists():
        retired = final.with_name(f".{final.name}.old.{os.getpid()}")
        os.replace(final, retired)
    os.replace(staging, final)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
