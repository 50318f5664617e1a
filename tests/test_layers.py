"""The package's layout holds: imports run down the pipeline's stages, and modules stay small.

Every module's imports are read with ``ast`` (lazy imports inside functions included), so a
breach fails here before anyone notices it in a review. The stages, lowest first:
``core`` (shared vocabulary) <- ``sources`` (readers) <- ``store`` <- ``forecasting``,
``analysis`` <- ``render`` <- ``packs`` <- ``cli``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cscanalysis.core.paths import REPO_ROOT

SRC = REPO_ROOT / "src"
PACKAGE = SRC / "cscanalysis"

MAX_TOP_LEVEL_MODULES = 12
MAX_LINES = 600
MAX_CLI_LINES = 120

LOWER_STAGES = ("core", "sources", "store")
HIGHER_STAGES = ("analysis", "forecasting", "render", "packs", "cli")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path, src: Path = SRC) -> str:
    """Dotted module name of a file under ``src`` (``cscanalysis.core.errors``)."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, src: Path = SRC) -> list[tuple[int, str]]:
    """(line, imported module) for every import in ``path``; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _name(path, src).split(".")
    if path.name != "__init__.py":
        package.pop()
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            out.append((node.lineno, module))
            if (src / module.replace(".", "/")).is_dir():
                # ``from cscanalysis import cli`` imports a subpackage or module of a package
                out.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return out


def _stage(module: str) -> str | None:
    """The subpackage of ``cscanalysis.<stage>...``; None for anything else."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "cscanalysis" else None


def _is_package(module: str) -> bool:
    parts = module.split(".")
    return len(parts) == 2 and (PACKAGE / parts[1]).is_dir()


def _breaches(rule) -> list[str]:
    found = []
    for path in _modules():
        for line, module in _imports(path):
            why = rule(_name(path), module)
            if why:
                found.append(f"{path.relative_to(SRC)}:{line} imports {module}: {why}")
    return sorted(set(found))


def test_parser_sees_relative_and_lazy_imports(tmp_path):
    # A hand-made module under a fake package: both kinds of import must be found.
    pkg = tmp_path / "cscanalysis" / "sources"
    pkg.mkdir(parents=True)
    (tmp_path / "cscanalysis" / "analysis").mkdir()
    module = pkg / "reader.py"
    module.write_text(
        "from ..analysis import finance\n"
        "def f():\n"
        "    from cscanalysis.render.charts import plot\n",
        encoding="utf-8",
    )
    found = [m for _, m in _imports(module, tmp_path)]
    assert "cscanalysis.analysis" in found
    assert "cscanalysis.analysis.finance" in found
    assert "cscanalysis.render.charts" in found


def test_readers_core_and_store_import_no_higher_stage():
    def rule(importer: str, module: str) -> str | None:
        if _stage(importer) in LOWER_STAGES and _stage(module) in HIGHER_STAGES:
            return f"{_stage(importer)}/ must not depend on {_stage(module)}/"
        return None

    breaches = _breaches(rule)
    assert not breaches, "\n".join(breaches)


# What each stage may import, as docs/ARCHITECTURE.md draws it (besides itself and the
# package's ``__version__``).
MAY_IMPORT = {
    "core": set(),
    "sources": {"core"},
    "store": {"core", "sources"},
    "forecasting": {"core"},
    "analysis": {"core", "sources", "store", "forecasting"},
    "render": {"core"},
    "packs": {"core", "sources", "store", "forecasting", "analysis", "render"},
    "cli": {"core", "sources", "store", "forecasting", "analysis", "render", "packs"},
}


def test_every_stage_imports_only_the_stages_it_may():
    def rule(importer: str, module: str) -> str | None:
        mine, theirs = _stage(importer), _stage(module)
        if mine not in MAY_IMPORT or theirs not in MAY_IMPORT or mine == theirs:
            return None
        if theirs not in MAY_IMPORT[mine]:
            return f"{mine}/ may import only {sorted(MAY_IMPORT[mine]) or 'itself'}"
        return None

    breaches = _breaches(rule)
    assert not breaches, "\n".join(breaches)


def test_core_imports_only_core():
    def rule(importer: str, module: str) -> str | None:
        if _stage(importer) != "core" or not module.startswith("cscanalysis"):
            return None
        if module == "cscanalysis" or _stage(module) == "core":
            return None  # the package itself gives only __version__
        if module.count(".") == 1 and not _is_package(module):
            return None  # a name imported from the package (``from cscanalysis import x``)
        return "core/ imports only core/"

    breaches = _breaches(rule)
    assert not breaches, "\n".join(breaches)


def test_nothing_but_the_entry_point_imports_the_cli():
    def rule(importer: str, module: str) -> str | None:
        # ``python -m cscanalysis`` (cscanalysis/__main__.py) is the CLI's entry point.
        if _stage(importer) == "cli" or importer == "cscanalysis.__main__":
            return None
        if module == "cscanalysis.cli" or module.startswith("cscanalysis.cli."):
            return "only cli/ (and the entry point) may import cli/"
        return None

    breaches = _breaches(rule)
    assert not breaches, "\n".join(breaches)


def test_few_modules_at_the_top_of_the_package():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_over_600_lines():
    over = {
        str(p.relative_to(SRC)): _lines(p)
        for p in sorted(SRC.rglob("*.py"))
        if _lines(p) > MAX_LINES
    }
    assert over == {}, f"split these modules (at most {MAX_LINES} lines)"


def _cli_commands() -> list[Path]:
    return [p for p in sorted((PACKAGE / "cli").glob("*.py")) if not p.name.startswith("__")]


def test_cli_command_modules_are_short():
    over = {
        str(p.relative_to(SRC)): _lines(p) for p in _cli_commands() if _lines(p) >= MAX_CLI_LINES
    }
    assert over == {}, f"CLI command modules parse, call and print: under {MAX_CLI_LINES}"


@pytest.mark.parametrize("stage", LOWER_STAGES + HIGHER_STAGES)
def test_every_stage_is_a_package(stage):
    # The rules above name these folders; a renamed one would make them pass vacuously.
    assert (PACKAGE / stage / "__init__.py").is_file()
