"""The warm kernel's start-up imports name real modules (it runs them without checking)."""

from __future__ import annotations

from cscanalysis.packs.engine import WARMUP


def test_every_warmup_import_names_a_module_that_exists():
    imports = [
        line
        for line in WARMUP.splitlines()
        if line.startswith(("import ", "from ")) and "cscanalysis" in line
    ]
    assert imports, "the warm-up imports the library"
    exec(compile("\n".join(imports), "WARMUP", "exec"), {})  # raises ImportError if misspelt
