"""The real pyLoad (pyload-ng, in ``.venv-pyload`` as ``.ci/run`` makes it) downloads through
linkresolver's plugins, driven as its user drives it: over its own HTTP API.

pyLoad runs headless on loopback (a free port, a fresh user folder, whose default admin
``pyload``/``pyload`` pyLoad creates on a new database, and a temporary storage folder),
with the plugins installed by ``linkresolver pyload install`` and linkresolver configured
against the sandbox. The test adds the LinkResolver account and a package of links through
the API, answers the captcha pyLoad's queue shows (as its web interface's captcha dialog
does), and reads each link's end from pyLoad.

pyLoad refuses to download from private and loopback addresses (a guard against links that
point into the user's own network), except through its configured proxy. So pyLoad's proxy
here is :class:`SandboxOnlyProxy`, which forwards requests for the sandbox and refuses every
other host: pyLoad reaches the sandbox as a user's pyLoad reaches a file host, and nothing
beyond loopback (what it refused is asserted empty). linkresolver inside pyLoad talks to
the sandbox's APIs itself, as in every end-to-end test.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest
import requests
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from resolver_core.sandbox import Sandbox
from resolver_core.sandbox.captcha import read_answer

from .conftest import CLI, REPO

PYLOAD: Final = REPO / ".venv-pyload" / "bin" / "pyload"
PYLOAD_PYTHON: Final = REPO / ".venv-pyload" / "bin" / "python"
#: pyLoad's default admin, made on a new user folder's first start.
ADMIN: Final = ("pyload", "pyload")
#: Seconds pyLoad gets to start, and to bring links to their end.
START_TIMEOUT: Final = 30.0
LINKS_TIMEOUT: Final = 40.0
#: pyLoad's API allows 100 calls a minute from one address: one look a second is enough.
POLL: Final = 1.0
#: The statuses that end a link in pyLoad.
ENDED: Final = {"finished", "offline", "failed", "aborted", "temp. offline", "skipped"}

GOOD: Final = "https://openload.co/f/pyld01/Holiday.Film.mkv"
DEAD: Final = "https://openload.co/f/status404-pyld02/Gone.mkv"
CAPTCHA: Final = "https://openload.co/f/wait3captcha-pyld03/Extras.mkv"
#: Links of no hoster of linkresolver's (one only names one): pyLoad keeps them its own.
UNRELATED: Final = ("https://example.com/files/manual.pdf", "https://example.com/?via=openload.co")


class SandboxOnlyProxy:
    """An HTTP proxy on loopback that forwards GET and HEAD requests for the sandbox's
    address, as they are (Range included), and refuses any other host (and CONNECT, so no
    https anywhere); ``refused`` lists what it refused."""

    _PASSED: Final = ("Range", "If-Range")
    _RETURNED: Final = (
        "Content-Length", "Content-Range", "Content-Type", "Content-Disposition",
        "Accept-Ranges", "ETag", "Last-Modified", "Location",
    )  # fmt: skip

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.refused: list[str] = []
        self._upstream = requests.Session()
        self._upstream.trust_env = False
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_Quiet)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        target = f"http://{request.host}{request.full_path.rstrip('?')}"
        if request.method not in ("GET", "HEAD") or not target.startswith(self.sandbox.url + "/"):
            self.refused.append(f"{request.method} {target}")
            return Response("this proxy reaches the sandbox only", status=403)(environ, start_response)
        upstream = self._upstream.request(
            request.method,
            target,
            headers={name: request.headers[name] for name in self._PASSED if name in request.headers}
            | {"Accept-Encoding": "identity"},
            stream=True,
            allow_redirects=False,
            timeout=30,
        )
        headers = [(name, upstream.headers[name]) for name in self._RETURNED if name in upstream.headers]
        body = upstream.raw.stream(1 << 16, decode_content=False)
        response = Response(body, status=upstream.status_code, headers=headers, direct_passthrough=True)
        response.call_on_close(upstream.close)
        return response(environ, start_response)

    def __enter__(self) -> SandboxOnlyProxy:
        threading.Thread(target=self._server.serve_forever, name="sandbox-proxy", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._upstream.close()


class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class PyLoadWeb:
    """pyLoad's HTTP API, logged in through its web interface's login form, as a person's
    browser is (a session cookie and the page's CSRF token)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.trust_env = False  # loopback: no proxy of the test's environment

    def login(self, user: str, password: str) -> None:
        page = self.session.get(f"{self.base}/login", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, "pyLoad's login page has no CSRF token"
        done = self.session.post(
            f"{self.base}/login",
            data={"csrf_token": token.group(1), "username": user, "password": password},
            timeout=10,
        )
        meta = re.search(r'name="csrf-token" content="([^"]+)"', done.text)
        assert done.ok and meta, f"pyLoad refused the login: HTTP {done.status_code}"
        self.session.headers["X-CSRFToken"] = meta.group(1)

    def get(self, func: str, **params: Any) -> Any:
        return self._answer(func, self.session.get(f"{self.base}/api/{func}", params=params, timeout=10))

    def post(self, func: str, **body: Any) -> Any:
        return self._answer(func, self.session.post(f"{self.base}/api/{func}", json=body, timeout=10))

    @staticmethod
    def _answer(func: str, response: requests.Response) -> Any:
        assert response.ok, f"pyLoad's API {func}: HTTP {response.status_code} {response.text[:200]}"
        return response.json()


@dataclass
class PyLoad:
    web: PyLoadWeb
    process: subprocess.Popen[bytes]
    userdir: Path
    storage: Path
    #: pyLoad's console output: named in a failure, to read what pyLoad did.
    log: Path

    def links(self, package: int) -> dict[str, dict[str, Any]]:
        """Each link of ``package`` as pyLoad reports it, by URL."""
        return {link["url"]: link for link in self.web.get("get_package_data", package_id=package)["links"]}

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = LINKS_TIMEOUT) -> Any:
        return wait_for(f"{what} (pyLoad's log: {self.log})", check, timeout, self.process)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], timeout: float, pyload: subprocess.Popen[bytes]) -> Any:
    """``check()``'s first true answer, looked for once a second for ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        assert pyload.poll() is None, f"pyLoad exited ({pyload.returncode}) while waiting for {what}"
        answer = check()
        if answer:
            return answer
        assert time.monotonic() < deadline, f"pyLoad: no {what} within {timeout:.0f} s"
        time.sleep(POLL)


def pyload_settings(port: int, proxy: int) -> str:
    """pyLoad's settings file: the web interface on loopback at ``port``, every download
    through the proxy at ``proxy``; the rest pyLoad's defaults (its update check and
    Click'n'Load are off by default)."""
    return (
        "version: 2\n\n"
        'webui - "Web Interface":\n'
        '    ip host : "IP address" = 127.0.0.1\n'
        f'    int port : "Port" = {port}\n'
        '    bool autologin : "Skip login if single user" = False\n'
        'proxy - "Proxy":\n'
        '    bool enabled : "Activated" = True\n'
        '    ip host : "IP address" = 127.0.0.1\n'
        f'    int port : "Port" = {proxy}\n'
        '    http;https;socks4;socks5 type : "Protocol" = http\n'
    )


#: pyLoad's Checksum addon on (it is off by default): it verifies what a downloader says of
#: a file (its size, its sha1) once the file is in.
PLUGIN_SETTINGS: Final = """version: 2

Checksum - "Checksum":
    bool enabled : "Activated" = True
"""


@pytest.fixture
def proxy(sandbox: Sandbox) -> Iterator[SandboxOnlyProxy]:
    with SandboxOnlyProxy(sandbox) as running:
        yield running
    assert not running.refused, f"pyLoad tried to reach beyond the sandbox: {running.refused}"


@pytest.fixture
def pyload(cli: CLI, proxy: SandboxOnlyProxy, tmp_path: Path) -> Iterator[PyLoad]:
    """pyLoad running with linkresolver's plugins, logged in; killed at the end, whatever
    happened."""
    if not PYLOAD.exists():
        pytest.fail(
            f"{PYLOAD} is missing: python3 -m venv .venv-pyload && .venv-pyload/bin/pip install pyload-ng"
        )
    env = {k: v for k, v in cli.env.items() if not k.startswith("PYTHON")}
    # This checkout's linkresolver, over the one installed in pyLoad's environment (whose
    # dependencies it uses): README, "linkresolver must be installed in pyLoad's Python".
    env["PYTHONPATH"] = str(REPO)
    importable = subprocess.run(
        [
            str(PYLOAD_PYTHON),
            "-c",
            "import resolver_core.pipeline as p, resolver_core as r; print(r.__file__)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert importable.returncode == 0 and importable.stdout.startswith(str(REPO)), (
        "linkresolver is not importable in pyLoad's Python: .venv-pyload/bin/pip install -e ."
        f"\n{importable.stderr[-500:]}"
    )
    # libcurl reads these too, and a no_proxy for loopback would take the sandbox's
    # downloads past pyLoad's proxy.
    for name in ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy"):
        env.pop(name, None)
        env.pop(name.upper(), None)

    userdir, storage = tmp_path / "pyload-home", tmp_path / "downloads"
    (userdir / "settings").mkdir(parents=True)
    port = free_port()
    (userdir / "settings" / "pyload.cfg").write_text(pyload_settings(port, proxy.port), encoding="utf-8")
    (userdir / "settings" / "plugins.cfg").write_text(PLUGIN_SETTINGS, encoding="utf-8")
    installed = cli("pyload", "install", "--userdir", str(userdir))
    assert installed.returncode == 0, installed.stderr
    log = tmp_path / "pyload.out"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                str(PYLOAD),
                "--userdir",
                str(userdir),
                "--storagedir",
                str(storage),
                "--tempdir",
                str(tmp_path / "pyload-tmp"),
                "--pidfile",
                str(tmp_path / "pyload.pid"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
            start_new_session=True,  # its own process group: all of it is ended below
        )
    try:
        web = PyLoadWeb(f"http://127.0.0.1:{port}")

        def up() -> bool:
            try:
                return web.session.get(f"{web.base}/login", timeout=2).ok
            except requests.ConnectionError:
                return False

        wait_for(f"web interface (pyLoad's log: {log})", up, START_TIMEOUT, process)
        web.login(*ADMIN)
        yield PyLoad(web, process, userdir, storage, log)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """End pyLoad's whole process group: asked first, then killed."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        process.wait(timeout=15)


def sha1_of(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def add_linkresolver_account(pyload: PyLoad, links: list[str]) -> None:
    """The LinkResolver account, added as in pyLoad's account settings (any name and
    password: linkresolver's configuration holds the credentials); once pyLoad has its
    hoster list, pyLoad gives ``links`` to LinkResolver, and a link of no hoster of
    linkresolver's stays pyLoad's own."""
    pyload.web.post("update_account", plugin="LinkResolver", account="linkresolver", password="unused")

    def routed() -> dict[str, list[str]] | None:
        routes: dict[str, list[str]] = pyload.web.post("check_urls", urls=[*links, *UNRELATED])
        return routes if "LinkResolver" in routes else None

    routes = pyload.wait_for("LinkResolver hoster list", routed, START_TIMEOUT)
    assert sorted(routes["LinkResolver"]) == sorted(links), routes
    # pyLoad indexed both plugins: its plugin settings hold their options.
    settings = (pyload.userdir / "settings" / "plugins.cfg").read_text(encoding="utf-8")
    section = settings.split('LinkResolver - "LinkResolver":', 1)[1].split("\n\n", 1)[0]
    assert "revert_failed" in section and "mh_mode" in section, section


def ended(pyload: PyLoad, package: int) -> Callable[[], dict[str, dict[str, Any]] | None]:
    def check() -> dict[str, dict[str, Any]] | None:
        links = pyload.links(package)
        return links if all(link["statusmsg"] in ENDED for link in links.values()) else None

    return check


def downloaded(pyload: PyLoad, name: str) -> Path:
    found = list(pyload.storage.rglob(name))
    assert len(found) == 1, f"{name} in pyLoad's storage folder: {found}"
    return found[0]


def test_pyload_downloads_through_linkresolver_and_marks_a_dead_link_offline(
    cli: CLI, pyload: PyLoad
) -> None:
    resolved = cli("resolve", "--json", GOOD)
    assert resolved.returncode == 0, resolved.stderr
    line = resolved.json_lines()[0]
    expected, name = line["sha1"], line["filename"]
    assert isinstance(expected, str) and len(expected) == 40  # the file host's own checksum

    add_linkresolver_account(pyload, [GOOD, DEAD])
    package = pyload.web.post("add_package", name="Holiday", links=[GOOD, DEAD])
    links = pyload.wait_for("end of every link", ended(pyload, package))

    good, dead = links[GOOD], links[DEAD]
    assert good["plugin"] == "LinkResolver" and good["statusmsg"] == "finished", good
    assert good["name"] == name  # the file host's name for it, as linkresolver had it
    assert sha1_of(downloaded(pyload, name)) == expected
    assert good["error"] == "checksum verified"  # pyLoad's Checksum addon, by the sha1 linkresolver gave
    assert dead["plugin"] == "LinkResolver" and dead["statusmsg"] == "offline", dead
    assert dead["status"] == 1  # pyLoad's OFFLINE


def test_a_captcha_goes_to_pyloads_captcha_queue_and_its_answer_downloads_the_file(
    cli: CLI, pyload: PyLoad
) -> None:
    """linkresolver meets a captcha inside pyLoad: pyLoad's captcha queue shows it (where
    its web interface's captcha dialog reads it), the answer typed there goes back, and
    the file downloads. Nothing is asked on a terminal: pyLoad has none."""
    add_linkresolver_account(pyload, [CAPTCHA])
    package = pyload.web.post("add_package", name="Extras", links=[CAPTCHA])

    def captcha_shown() -> dict[str, Any] | None:
        # The web interface polls the server's status, then fetches the captcha task.
        if not pyload.web.get("status_server")["captcha"]:
            return None
        task: dict[str, Any] = pyload.web.get("get_captcha_task")
        return task if task["tid"] >= 0 else None

    task = pyload.wait_for("captcha in pyLoad's queue", captcha_shown)
    assert task["result_type"] == "textual" and task["type"] == "png", task
    assert task["data"]["plugin"] == "LinkResolver" and task["data"]["url"] == CAPTCHA
    image = base64.b64decode(task["data"]["src"].removeprefix("data:image/png;base64,"))
    answer = read_answer(image)  # what a person reads in the image
    assert answer, "pyLoad's captcha is not the sandbox's image"
    pyload.web.post("set_captcha_result", tid=task["tid"], result=answer)

    links = pyload.wait_for("end of the captcha link", ended(pyload, package))
    link = links[CAPTCHA]
    assert link["statusmsg"] == "finished", link
    path = downloaded(pyload, link["name"])
    assert link["name"] == "wait3captcha-pyld03.bin" and path.stat().st_size == link["size"] > 0
    assert not pyload.web.get("status_server")["captcha"]  # answered: nothing left waiting


#: AllDebrid's sandbox unlocks this link with the link password "sandbox" only.
#: (pyLoad's hitfile plugin keeps a link's ID only: the ID says "protected".)
PROTECTED: Final = "https://hitfile.net/protectedpyld04"


def test_the_packages_password_reaches_the_provider_that_unlocks_the_link(
    cli: CLI, pyload: PyLoad, sandbox: Sandbox
) -> None:
    """The password set on a package in pyLoad (its package settings; Click'n'Load's
    ``passwords`` field sets it too) goes with its link to linkresolver's provider."""
    # pyLoad has a hitfile plugin of its own, which LinkResolver's account overrides: pyLoad
    # lists the link as its plugin's, and hands it to LinkResolver to download.
    add_linkresolver_account(pyload, [GOOD])
    began = time.time()
    # Into the link collector first, so that the password is set before pyLoad starts it.
    package = pyload.web.post("add_package", name="Protected", links=[PROTECTED], dest=0)
    pyload.web.post("set_package_data", package_id=package, data={"password": "sandbox"})
    pyload.web.post("move_package", destination=1, package_id=package)

    links = pyload.wait_for("end of the protected link", ended(pyload, package))
    assert PROTECTED in links, (package, links, pyload.web.get("get_package_data", package_id=package))
    link = links[PROTECTED]
    assert link["statusmsg"] == "finished", link
    assert downloaded(pyload, link["name"]).stat().st_size == link["size"] > 0
    unlocks = [
        call.values.get("password")
        for call in list(sandbox.request_log)
        if call.at >= began and "/alldebrid/" in call.path and PROTECTED in call.values.values()
    ]
    assert unlocks and set(unlocks) == {"sandbox"}
