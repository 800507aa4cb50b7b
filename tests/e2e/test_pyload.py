"""The pyLoad plugin pair: installed by the CLI, then loaded under stand-ins for pyLoad's
base classes (pyLoad itself does not run here) and driven against the sandbox: each
linkresolver outcome becomes pyLoad's own (download, offline, retry, captcha, fail)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import CLI

STUB_DOWNLOADER = '''
class Abort(Exception):
    """pyLoad's offline/fail/retry... raise to end the download attempt."""


class MultiDownloader:
    def __init__(self):
        self.calls = []

    def _record(self, name, *args, **kwargs):
        self.calls.append((name, args, kwargs))
        raise Abort(name)

    def download(self, url):
        self.calls.append(("download", (url,), {}))

    def offline(self, msg=""):
        self._record("offline", msg)

    def temp_offline(self, msg=""):
        self._record("temp_offline", msg)

    def retry(self, attempts=5, wait=1, msg="", msgfail="Max retries reached"):
        self._record("retry", attempts=attempts, wait=wait, msg=msg)

    def retry_captcha(self, attempts=10, wait=1, msg="", msgfail="Max captcha retries reached"):
        self._record("retry_captcha", msg=msg)

    def fail(self, msg=""):
        self._record("fail", msg)
'''
STUB_ACCOUNT = """
class MultiAccount:
    pass
"""


class PyFile:
    def __init__(self, url: str) -> None:
        self.url = url
        self.name = "unknown"
        self.size = 0


@pytest.fixture
def pyload(cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, ModuleType]]:
    """pyLoad's package with stand-in base classes and the installed plugins in it."""
    userdir = tmp_path / "pyload-home"
    userdir.mkdir()
    run = cli("pyload", "install", "--userdir", str(userdir))
    assert run.returncode == 0, run.stderr
    root = tmp_path / "stub"
    base = root / "pyload" / "plugins" / "base"
    base.mkdir(parents=True)
    for package in (root / "pyload", root / "pyload" / "plugins", base):
        (package / "__init__.py").write_text("", encoding="utf-8")
    (base / "multi_downloader.py").write_text(STUB_DOWNLOADER, encoding="utf-8")
    (base / "multi_account.py").write_text(STUB_ACCOUNT, encoding="utf-8")
    for kind in ("downloaders", "accounts"):
        folder = root / "pyload" / "plugins" / kind
        folder.mkdir()
        (folder / "__init__.py").write_text("", encoding="utf-8")
        (folder / "LinkResolver.py").write_bytes(
            (userdir / "plugins" / kind / "LinkResolver.py").read_bytes()
        )
    for name, value in cli.env.items():
        if name.startswith("LINKRESOLVER_"):
            monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(root))
    for name in [n for n in sys.modules if n == "pyload" or n.startswith("pyload.")]:
        monkeypatch.delitem(sys.modules, name)
    yield {
        "downloader": importlib.import_module("pyload.plugins.downloaders.LinkResolver"),
        "account": importlib.import_module("pyload.plugins.accounts.LinkResolver"),
        "stub": importlib.import_module("pyload.plugins.base.multi_downloader"),
    }
    for name in [n for n in sys.modules if n == "pyload" or n.startswith("pyload.")]:
        del sys.modules[name]


def handle(modules: dict[str, ModuleType], url: str) -> tuple[Any, PyFile]:
    plugin = modules["downloader"].LinkResolver()
    pyfile = PyFile(url)
    try:
        plugin.handle_premium(pyfile)
    except modules["stub"].Abort:
        pass
    return plugin.calls, pyfile


def test_install_writes_both_plugins(cli: CLI, tmp_path: Path) -> None:
    run = cli("pyload", "install", "--userdir", str(tmp_path))
    assert run.returncode == 0
    assert (tmp_path / "plugins" / "downloaders" / "LinkResolver.py").exists()
    assert (tmp_path / "plugins" / "accounts" / "LinkResolver.py").exists()
    missing = cli("pyload", "install", "--userdir", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "--userdir" in missing.stderr


def test_a_link_becomes_a_download(pyload: dict[str, ModuleType]) -> None:
    calls, pyfile = handle(pyload, "https://rapidgator.net/file/pyl01/Holiday.Film.mkv")
    assert calls[0][0] == "download" and calls[0][1][0].startswith("http://127.0.0.1:")
    assert pyfile.name == "Holiday.Film.mkv" and pyfile.size > 0


@pytest.mark.parametrize(
    ("url", "disabled", "kind"),
    [
        ("https://rapidgator.net/file/status404", "", "offline"),
        ("https://filefactory.com/file/pyl02", "offcloud", "temp_offline"),
        ("https://openload.co/f/status509-pyl/x", "premiumize,offcloud", "retry"),
        ("https://openload.co/f/captcha-pyl/x", "premiumize,offcloud", "retry_captcha"),
        ("https://rapidgator.net/file/status400", "offcloud", "fail"),
    ],
)
def test_errors_become_pyloads_outcomes(
    pyload: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch, url: str, disabled: str, kind: str
) -> None:
    monkeypatch.setenv("LINKRESOLVER_DISABLE_PLUGINS", disabled)
    calls, _ = handle(pyload, url)
    assert calls[0][0] == kind, calls
    if kind == "retry":
        assert calls[0][2]["wait"] == 600  # linkresolver's advice for 509: about ten minutes


def test_the_account_lists_linkresolvers_hosters(pyload: dict[str, ModuleType]) -> None:
    account = pyload["account"].LinkResolver()
    hosters = account.grab_hosters("anyone", "", {})
    assert {"rapidgator.net", "openload.co", "highload.to"} <= set(hosters)
    assert account.grab_info("anyone", "", {})["premium"] is True


def test_the_real_pyload_loads_the_plugins(cli: CLI, tmp_path: Path) -> None:
    """pyLoad (pyload-ng, in .venv-pyload as .ci/run makes it) starts with the installed
    plugins and indexes both: its plugin settings name LinkResolver."""
    import os
    import signal
    import subprocess
    import time

    program = Path(__file__).resolve().parents[2] / ".venv-pyload" / "bin" / "pyload"
    if not program.exists():
        pytest.fail(
            f"{program} is missing: python3 -m venv .venv-pyload && .venv-pyload/bin/pip install pyload-ng"
        )
    userdir = tmp_path / "pyload-home"
    userdir.mkdir()
    assert cli("pyload", "install", "--userdir", str(userdir)).returncode == 0
    process = subprocess.Popen(
        [str(program), "--userdir", str(userdir), "--storagedir", str(tmp_path / "downloads")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
        start_new_session=True,
    )
    settings = userdir / "settings" / "plugins.cfg"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "LinkResolver" not in (
            settings.read_text() if settings.exists() else ""
        ):
            time.sleep(0.5)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    text = settings.read_text(encoding="utf-8")
    section = text.split('LinkResolver - "LinkResolver":', 1)[1].split("\n\n", 1)[0]
    assert "chk_filesize" in section and "revert_failed" in section  # our downloader's options
