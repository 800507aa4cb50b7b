"""One version number: pyproject.toml's, as the installed package's metadata says it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from resolver_core.web.app import OPENAPI

REPO = Path(__file__).resolve().parents[2]


def test_version_is_the_projects_everywhere() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    for command in (
        [sys.executable, "-m", "linkresolver"],
        [str(Path(sys.executable).parent / "linkresolver")],
    ):
        done = subprocess.run([*command, "--version"], capture_output=True, text=True, cwd=REPO, check=True)
        assert done.stdout == f"linkresolver {declared}\n"
    assert OPENAPI["info"]["version"] == declared
