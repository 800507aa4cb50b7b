"""The pyLoad plugin pair: installed by the CLI, then loaded under stand-ins for pyLoad's
base classes and driven against the sandbox: each linkresolver outcome becomes pyLoad's own
(download, offline, retry, captcha, fail), and a captcha goes to pyLoad's captcha queue.
The real pyLoad runs them in ``test_pyload_daemon.py``."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from resolver_core.sandbox.captcha import read_answer

from .conftest import CLI

STUB_DOWNLOADER = '''
class Abort(Exception):
    """pyLoad's offline/fail/retry... raise to end the download attempt."""


class Captcha:
    """pyLoad's self.captcha: decrypt_image puts a captcha in pyLoad's queue and waits."""

    def __init__(self, calls):
        self.calls = calls
        self.solve = lambda image: None  # a test sets who answers

    def decrypt_image(self, img, input_type="jpg", output_type="textual", ocr=False, timeout=120):
        self.calls.append(("decrypt_image", (input_type, output_type, ocr, timeout), {}))
        return self.solve(img)

    def correct(self):
        self.calls.append(("captcha_correct", (), {}))

    def invalid(self, msg=""):
        self.calls.append(("captcha_invalid", (msg,), {}))


class MultiDownloader:
    def __init__(self):
        self.calls = []
        self.captcha = Captcha(self.calls)
        self.package_password = ""  # a test sets the package's

    def get_password(self):
        """pyLoad's Hoster.get_password: the password of the link's package, or ""."""
        return self.package_password

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


def handle(
    modules: dict[str, ModuleType],
    url: str,
    solve: Callable[[bytes], str | None] | None = None,
    password: str = "",
) -> tuple[Any, PyFile]:
    """The plugin's work on ``url``: the pyLoad calls it made; ``solve`` answers pyLoad's
    captcha queue (a person in the web interface); ``password`` is the package's."""
    plugin = modules["downloader"].LinkResolver()
    plugin.package_password = password
    if solve is not None:
        plugin.captcha.solve = solve
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


def test_the_packages_password_unlocks_a_protected_link(pyload: dict[str, ModuleType]) -> None:
    protected = "https://hitfile.net/pyl04/protected.Film.mkv"
    calls, _ = handle(pyload, protected)
    assert calls[-1][0] == "fail" and "password" in calls[-1][1][0], calls
    calls, pyfile = handle(pyload, protected, password="sandbox")
    assert calls[0][0] == "download" and pyfile.name == "protected.Film.mkv", calls


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
    assert calls[-1][0] == kind, calls
    if kind == "retry_captcha":  # asked in pyLoad's captcha queue first, where nobody answered
        assert calls[0][0] == "decrypt_image", calls
    else:
        assert len(calls) == 1, calls
    if kind == "retry":
        assert calls[0][2]["wait"] == 600  # linkresolver's advice for 509: about ten minutes


def test_a_captcha_goes_to_pyloads_captcha_queue(
    pyload: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The captcha linkresolver cannot answer itself is pyLoad's to ask (its web interface's
    captcha dialog, or a captcha service addon); the answer given there downloads the file."""
    monkeypatch.setenv("LINKRESOLVER_DISABLE_PLUGINS", "premiumize,offcloud")
    images: list[bytes] = []

    def person(image: bytes) -> str | None:
        images.append(image)
        return read_answer(image)

    calls, pyfile = handle(pyload, "https://openload.co/f/captcha-pyq/x", person)
    assert [name for name, *_ in calls] == ["decrypt_image", "captcha_correct", "download"], calls
    input_type, output_type, ocr, timeout = calls[0][1]
    assert (input_type, output_type, ocr) == ("png", "textual", False) and timeout >= 50
    assert len(images) == 1 and images[0].startswith(b"\x89PNG")
    assert pyfile.name == "captcha-pyq.bin"  # the name the file host's API gave


def test_a_wrong_captcha_answer_is_pyloads_captcha_retry(
    pyload: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKRESOLVER_DISABLE_PLUGINS", "premiumize,offcloud")
    calls, _ = handle(pyload, "https://openload.co/f/captcha-pyw/x", lambda image: "00000x")
    names = [name for name, *_ in calls]
    assert names[-1] == "retry_captcha" and "download" not in names, calls
    assert names.count("decrypt_image") >= 2  # a new ticket, a new captcha: asked each time


def test_what_pyload_raises_while_waiting_for_an_answer_is_pyloads(
    pyload: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyLoad ends the wait (nobody connected to answer, the download aborted): its own
    exception ends the download attempt, raised in the plugin's thread, and linkresolver
    asks nothing more."""
    monkeypatch.setenv("LINKRESOLVER_DISABLE_PLUGINS", "premiumize,offcloud")
    stop = pyload["stub"].Abort("No Client connected for captcha decrypting")

    def nobody(image: bytes) -> str | None:
        raise stop

    plugin = pyload["downloader"].LinkResolver()
    plugin.captcha.solve = nobody
    with pytest.raises(pyload["stub"].Abort) as raised:
        plugin.handle_premium(PyFile("https://openload.co/f/captcha-pya/x"))
    assert raised.value is stop
    assert [name for name, *_ in plugin.calls] == ["decrypt_image"], plugin.calls


def test_the_account_lists_linkresolvers_hosters(pyload: dict[str, ModuleType]) -> None:
    account = pyload["account"].LinkResolver()
    hosters = account.grab_hosters("anyone", "", {})
    assert {"rapidgator.net", "openload.co", "highload.to"} <= set(hosters)
    assert account.grab_info("anyone", "", {})["premium"] is True


@pytest.mark.parametrize(
    ("url", "linkresolvers"),
    [
        ("https://openload.co/f/abc/x", True),
        ("HTTP://WWW.Openload.co:8080", True),
        ("https://dl.highload.to/f/abc?x=1#y", True),
        ("https://example.com/?via=openload.co", False),
        ("https://myopenload.co/f/abc", False),
        ("https://openload.co.example.com/f/abc", False),
        ("https://openload.com/f/abc", False),
        ("ftp://openload.co/f/abc", False),
    ],
)
def test_pyloads_pattern_for_new_hosters_is_narrowed_to_the_host(url: str, linkresolvers: bool) -> None:
    from resolver_core.pyload_bridge import narrowed

    # As pyLoad's MultiAccount writes it for the hosters no pyLoad plugin knows.
    pattern = narrowed(r".*(?P<DOMAIN>highload\.to|openload\.co).*")
    assert pattern is not None
    assert bool(re.match(pattern, url)) is linkresolvers
    assert narrowed(r"^https?://example\.com/.+") is None  # not pyLoad's making: left alone
