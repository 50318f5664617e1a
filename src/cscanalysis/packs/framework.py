"""One way to build every kind of pack: check, execute, render, audit, record, publish.

A kind of pack (:class:`PackKind`: evidence, business case, front door) plans a pack from its
inputs: every parameter and input file is checked there, before any kernel starts, and the plan
(:class:`PackPlan`) says which notebook runs with which parameters, the page's title, where the
pack lands under the output folder and what its ``manifest.json`` records. :func:`publish` then
executes the notebook (papermill, a new kernel or a warm one), renders the page (nbconvert),
audits a publication page for disclosure when the kind asks for it, writes the manifest and
renames the staging folder into place, so a failed run never replaces a good pack. Batches
(:mod:`cscanalysis.packs.batch`) publish each pack with the same :func:`publish_notebook`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cscanalysis import __version__
from cscanalysis.core.paths import source_checksum
from cscanalysis.core.safe_files import umask
from cscanalysis.packs.notebook import NOTEBOOKS, Runner, execute, render_html
from cscanalysis.store.datalog import pack_sources


@dataclass(frozen=True)
class PackKind:
    """A kind of pack: its name (as ``cscanalysis packs --kind`` takes it), its notebook in
    ``notebooks/`` and whether its publication pages are audited for disclosure."""

    name: str
    notebook: str
    audited: bool = False

    @property
    def source(self) -> Path:
        return NOTEBOOKS / self.notebook

    def audits(self, notebook: Path) -> bool:
        """Whether a publication page built from ``notebook`` is audited for disclosure."""
        return self.audited and Path(notebook).name == self.notebook


@dataclass(frozen=True)
class PackPlan:
    """One pack, checked and ready to build: nothing left that a kernel could refuse."""

    kind: PackKind
    parameters: dict[str, object]
    folder: Path  # under the output folder, e.g. ``2025/E06000023``
    title: str
    manifest: dict[str, object] = field(default_factory=dict)
    notebook: Path | None = None  # another notebook than the kind's own

    @property
    def audited(self) -> bool:
        """Audited for disclosure: a kind whose pages the audit understands, run from its own
        notebook (by name, as a batch decides too; another notebook's pages are its author's
        to check)."""
        return self.kind.audits(self.notebook or self.kind.source)


@dataclass(frozen=True)
class Published:
    """Where a pack's page landed and how long it took."""

    path: Path
    seconds: float


def publish(
    plan: PackPlan, out: Path, *, runner: Runner | None = None, timeout: int = 600
) -> Published:
    """Build ``plan`` into ``out/<plan.folder>/`` (see :func:`publish_notebook`)."""
    final = Path(out) / plan.folder
    seconds = publish_notebook(
        plan.notebook or plan.kind.source,
        plan.parameters,
        final,
        title=plan.title,
        manifest=plan.manifest,
        audited=plan.audited,
        runner=runner,
        timeout=timeout,
    )
    return Published(final / "index.html", seconds)


def publish_notebook(
    source: Path,
    parameters: dict[str, object],
    final: Path,
    *,
    title: str,
    manifest: dict[str, object],
    audited: bool = False,
    runner: Runner | None = None,
    timeout: int = 600,
    keep_failed: Path | None = None,
) -> float:
    """Execute ``source`` with ``parameters`` and publish ``final/index.html``.

    The executed notebook (``pack.ipynb``) and ``manifest.json`` go beside the page (with
    ``sources``, each raw file's publication, checksum and copy date, when ``manifest`` has a
    ``data_key``: a pack of the published table). All of it is written in a staging folder next to
    ``final`` and renamed into place; on any failure the staging folder is removed and an existing
    pack at ``final`` is left as it was (with ``keep_failed``, the executed notebook, as far as it
    ran, is first moved to ``keep_failed/pack.ipynb`` for debugging). ``runner`` executes the
    notebook (default :func:`~cscanalysis.packs.notebook.execute`: a new kernel). Returns the
    seconds taken. With ``audited`` (a kind whose pages the audit understands) and a publication
    audience, the page is audited before it is published
    (:func:`cscanalysis.analysis.disclosure_audit.check_pack`): if a suppressed figure can be worked
    out from what it shows, the build fails and nothing is replaced.
    """
    started = time.perf_counter()
    run = runner or execute
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
    staging.chmod(0o777 & ~umask())  # mkdtemp makes it 0700: the published pack follows the umask
    try:
        executed = run(source, staging / "pack.ipynb", parameters, cwd=staging, timeout=timeout)
        (staging / "index.html").write_text(render_html(executed, title), encoding="utf-8")
        if audited and parameters.get("audience", "publication") == "publication":
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


RENDERING = frozenset({".py", ".j2", ".json", ".css"})  # the source and templates of a page


def code_key() -> str:
    """Checksum of the package's own source and templates (what renders a pack)."""
    return source_checksum(RENDERING)


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


def _swap_into_place(staging: Path, final: Path) -> None:
    """Replace ``final`` with ``staging`` by renames; the old pack stays until the new is in."""
    retired = None
    if final.exists():
        retired = final.with_name(f".{final.name}.old.{os.getpid()}")
        os.replace(final, retired)
    os.replace(staging, final)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
