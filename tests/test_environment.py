"""environment.yml lists the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib

import yaml

from cscanalysis.core.paths import REPO_ROOT

CONDA_NAMES = {"dask[distributed]": ["dask", "distributed"]}


def normalise(requirement: str) -> list[str]:
    requirement = requirement.replace(" ", "")
    name, spec = re.match(r"([A-Za-z0-9_.\-\[\]]+)(.*)", requirement).groups()
    return [f"{n.lower()}{spec}" for n in CONDA_NAMES.get(name, [name])]


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    wanted = [
        r
        for req in project["dependencies"] + project["optional-dependencies"]["dev"]
        for r in normalise(req)
    ]
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    listed = [
        d.replace(" ", "").lower()
        for d in env["dependencies"]
        if isinstance(d, str) and not re.fullmatch(r"python=[\d.]+|pip", d.strip())
    ]
    assert sorted(listed) == sorted(wanted)
    assert "python=3.11" in env["dependencies"]
