"""The real command line, run as a user runs it, against the sandbox over real sockets."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from resolver_core.manager import make_plugin_manager
from resolver_core.sandbox import Sandbox, build_sandbox

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with build_sandbox(make_plugin_manager(load_entry_points=False)) as running:
        yield running


class CLI:
    """``linkresolver ARGS`` in a subprocess, with its own config file and cache directory."""

    def __init__(self, sandbox: Sandbox, home: Path) -> None:
        self.home = home
        self.config = home / "config.toml"
        self.config.write_text("", encoding="utf-8")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LINKRESOLVER_")},
            **sandbox.env(),
            "LINKRESOLVER_CONFIG": str(self.config),
            "LINKRESOLVER_CACHE_DIR": str(home / "cache"),
            "PYTHONPATH": str(REPO),
        }

    def with_backup(self, priority: int = 90) -> CLI:
        """Load the test's third-party plugin and enable its provider."""
        self.env["LINKRESOLVER_PLUGINS"] = "tests.e2e.backup_plugin"
        with self.config.open("a", encoding="utf-8") as handle:
            handle.write(f"[providers.backup]\nenabled = true\npriority = {priority}\n")
        return self

    def on_terminal(self, *args: str, columns: int = 80) -> tuple[Run, bytes]:
        """``linkresolver ARGS`` with stderr on a pseudo-terminal: the run, and what the
        terminal showed (stdout stays a pipe)."""
        leader, follower = pty.openpty()
        # A fresh pty has no width, and tqdm draws nothing in zero columns.
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        try:
            done = subprocess.run(
                [sys.executable, "-m", "resolver_core", *args],
                stdout=subprocess.PIPE,
                stderr=follower,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.home,
                timeout=120,
                check=False,
            )
            os.close(follower)
            terminal = b""
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the other side closed
                    break
                if not chunk:
                    break
                terminal += chunk
        finally:
            os.close(leader)
        return Run(done.returncode, done.stdout.decode(), ""), terminal

    def __call__(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "resolver_core", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            cwd=self.home,
            timeout=120,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def cli(sandbox: Sandbox, tmp_path: Path) -> CLI:
    return CLI(sandbox, tmp_path)
