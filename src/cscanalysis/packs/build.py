"""Build evidence packs: papermill executes a notebook, nbconvert renders HTML.

A pack lands in ``OUT/<period>/<council_code>/index.html`` beside the executed notebook and a
``manifest.json``. Everything is written into a temporary folder first and renamed into place,
so a failed run never replaces a good pack. :mod:`cscanalysis.packs.batch.run` builds many packs
with the same :func:`publish_notebook`, executing them in warm kernels
(:mod:`cscanalysis.packs.engine`).
"""

# ruff: noqa: E402  (the third-party imports follow the rfc3987_syntax line below)
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# jsonschema (under nbformat) imports the optional ``rfc3987_syntax`` when it is installed, to
# check "iri" strings, and compiling its grammars takes about a second of every start; no
# notebook schema uses that format, so it is declared absent (measured: the CLI's imports took
# 2.2 s, 1.0 s of them this grammar; docs/DESIGN_NOTES.md, "Where a cold pack's time goes").
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

import jupytext
import nbformat
import papermill
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from cscanalysis import __version__
from cscanalysis.core.councils import load_register
from cscanalysis.core.errors import ParameterError
from cscanalysis.core.paths import REPO_ROOT
from cscanalysis.core.safe_files import umask
from cscanalysis.store.datalog import pack_sources
from cscanalysis.store.tidy import inputs_key, load_tidy

TEMPLATES = Path(__file__).parents[1] / "render" / "templates"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
NOTEBOOKS = Path(os.environ.get("CSCANALYSIS_NOTEBOOKS", REPO_ROOT / "notebooks"))
PACKAGE = Path(__file__).parents[1]  # the whole cscanalysis package

# ``runner(source, executed, parameters, cwd=..., timeout=...)`` executes a notebook into
# ``executed`` and returns it: :func:`execute` (a new kernel each time) or a warm kernel's ``run``.
Runner = Callable[..., nbformat.NotebookNode]


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


AUDITED = frozenset({"evidence_pack.py"})
"""Notebooks whose pages are audited for disclosure before they are published."""


def publish_notebook(
    source: Path,
    parameters: dict[str, object],
    final: Path,
    *,
    title: str,
    manifest: dict[str, object],
    runner: Runner | None = None,
    timeout: int = 600,
    keep_failed: Path | None = None,
) -> float:
    """Execute ``source`` with ``parameters`` and publish ``final/index.html``.

    The executed notebook (``pack.ipynb``) and ``manifest.json`` go beside the page (with
    ``sources``, each raw file's publication, checksum and copy date, when ``manifest`` has a
    ``data_key``: a pack of the published table). All of it
    is written in a staging folder next to ``final`` and renamed into place; on any failure the
    staging folder is removed and an existing pack at ``final`` is left as it was (with
    ``keep_failed``, the executed notebook, as far as it ran, is first moved to
    ``keep_failed/pack.ipynb`` for debugging). ``runner`` executes the notebook (default
    :func:`execute`: a new kernel). Returns the seconds taken. An evidence pack for publication
    is audited before it is published (:func:`cscanalysis.analysis.disclosure_audit.check_pack`): if
    a suppressed figure can be worked out from what it shows, the build fails and nothing is
    replaced.
    """
    started = time.perf_counter()
    run = runner or execute
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
    staging.chmod(0o777 & ~umask())  # mkdtemp makes it 0700: the published pack follows the umask
    try:
        executed = run(source, staging / "pack.ipynb", parameters, cwd=staging, timeout=timeout)
        (staging / "index.html").write_text(render_html(executed, title), encoding="utf-8")
        if source.name in AUDITED and parameters.get("audience", "publication") == "publication":
            from cscanalysis.analysis.disclosure_audit import check_pack

            check_pack(staging, name=final)  # nothing suppressed can be worked out, or no pack
        seconds = round(time.perf_counter() - started, 2)
        record = manifest | {
            "parameters": parameters,
            "notebook": source.name,
            "seconds": seconds,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "version": __version__,
        }
        if "data_key" in manifest:  # a pack of the published table: the vintage of each file
            record["sources"] = pack_sources(str(manifest["data_key"]))
        (staging / "manifest.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        _swap_into_place(staging, final)
    except BaseException:
        if keep_failed is not None and (staging / "pack.ipynb").exists():
            keep_failed.mkdir(parents=True, exist_ok=True)
            os.replace(staging / "pack.ipynb", keep_failed / "pack.ipynb")
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return seconds


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def code_key() -> str:
    """Checksum of the package's own source and templates (what renders a pack)."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".j2", ".json", ".css"}:
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def pack_inputs_key(
    data_key: str, notebook_sha256: str, parameters: dict[str, object], code: str | None = None
) -> str:
    """The key of everything a pack is built from: data, notebook, package, parameters.

    A pack whose ``manifest.json`` records the same key need not be rebuilt.
    """
    record = {
        "data": data_key,
        "notebook": notebook_sha256,
        "version": __version__,
        "code": code or code_key(),
        "parameters": {k: parameters[k] for k in sorted(parameters)},
    }
    local = parameters.get("local_data")
    if local and Path(str(local)).is_file():  # the council's own rows: their content counts
        record["local_data"] = file_sha256(Path(str(local)))
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:16]


def build_pack(
    council: str | int,
    period: str | int,
    out: Path,
    *,
    notebook: Path | None = None,
    audience: str = "publication",
    local_data: Path | None = None,
    target: tuple[float, int] | None = None,
) -> PackResult:
    """Build one council's evidence pack for a reporting year and return where it is.

    ``audience="internal"`` turns small-number suppression off (every page is stamped);
    ``local_data`` is a CSV of the council's own tidy rows (``cscanalysis ssda903``), added
    where nothing is published; ``target`` is ``(children looked after, year)`` for the
    Outlook's glide path. All are checked here, before a kernel starts.
    """
    from cscanalysis.packs.evidence.content import (
        prepare,  # not needed by batch workers: imported here
    )

    source = notebook or NOTEBOOKS / "evidence_pack.py"
    local = Path(local_data).resolve() if local_data else None
    if local is not None and not local.is_file():
        raise ParameterError(f"local data file {local} does not exist (expected a CSV file)")
    tidy = load_tidy(local=local)  # a bad local file fails here, naming its row and column
    ctx = prepare(tidy, load_register(), council, period, audience=audience)
    final = Path(out) / ctx.period / ctx.code
    key = inputs_key()
    parameters: dict[str, object] = {"council": ctx.code, "period": ctx.period}
    if audience != "publication":
        parameters["audience"] = audience
    if local is not None:
        parameters["local_data"] = str(local)
    if target is not None:
        value, year = check_target(target, int(ctx.period))
        parameters |= {"target_value": value, "target_year": year}
    notebook_sha = file_sha256(source)
    code = code_key()
    seconds = publish_notebook(
        source,
        parameters,
        final,
        title=pack_title(ctx.place, ctx.period),
        manifest={
            "council_code": ctx.code,
            "council_name": ctx.council.name,
            "period": ctx.period,
            "data_key": key,
            "notebook_sha256": notebook_sha,
            "code_key": code,
            "inputs_key": pack_inputs_key(key, notebook_sha, parameters, code),
        },
    )
    return PackResult(
        ctx.code, ctx.council.name, ctx.period, str(final / "index.html"), seconds, key, __version__
    )


def check_target(target: tuple[object, object], period: int) -> tuple[float, int]:
    """A target of children looked after in a later year, as ``(value, year)``.

    The value must be a whole number of children, 0 or more; the year a whole year after the
    pack's and within 20 years of it. Infinity and NaN are neither.
    """
    value, year = (_number(v) for v in target)
    if not (math.isfinite(value) and value >= 0 and value == int(value)):
        raise ParameterError(
            f"target value {_show(target[0])} is not a whole number of children (0 or more)"
        )
    if not (math.isfinite(year) and year == int(year) and period < int(year) <= period + 20):
        raise ParameterError(
            f"target year {_show(target[1])} is not a whole year after the pack's ({period}) "
            "and within 20 years"
        )
    return float(value), int(year)


def _number(value: object) -> float:
    """``value`` as a float (NaN for anything that is not a number: a word, true/false)."""
    if isinstance(value, bool) or value is None:
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _show(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else repr(value)


def check_pack_parameters(parameters: dict[str, object], period: int) -> None:
    """The evidence pack's own parameters, checked before any kernel starts: a target needs
    both ``target_value`` and ``target_year`` (see :func:`check_target`) and ``local_data``
    must be a readable file of tidy rows."""
    value, year = parameters.get("target_value"), parameters.get("target_year")
    if value is not None or year is not None:
        if value is None or year is None:
            raise ParameterError("a target needs both target_value and target_year")
        check_target((value, year), period)
    local = parameters.get("local_data")
    if local is not None:
        path = Path(str(local)).expanduser()
        if not path.is_file():
            raise ParameterError(f"local data file {path} does not exist (expected a CSV file)")
        load_tidy(local=path.resolve())  # a bad file fails here, naming its row and column


def pack_title(place: str, period: str) -> str:
    return f"{place}: children's social care evidence pack, {period}"


def _swap_into_place(staging: Path, final: Path) -> None:
    """Replace ``final`` with ``staging`` by renames; the old pack stays until the new is in."""
    retired = None
    if final.exists():
        retired = final.with_name(f".{final.name}.old.{os.getpid()}")
        os.replace(final, retired)
    os.replace(staging, final)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
