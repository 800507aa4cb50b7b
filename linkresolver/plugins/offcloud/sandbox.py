"""Offcloud's API emulated for the sandbox (seed 004), answering as the real one did.

Key (``?key=``) and login (``connect.sid`` cookie) authentication; instant links served by
the sandbox's file server; cloud and remote jobs that go created -> downloading ->
downloaded over about two seconds; folders of several files for explore and list; the
BitTorrent cache; proxies and remote accounts. What a link does is written in it:

- ``na-premium``, ``na-links``, ``na-proxy``, ``na-cloud``, ``na-video``: that
  ``not_available`` answer (``na-cloud`` only from ``cloud``);
- ``cloudonly``: no instant link (an ``error``), the cloud fetches it;
- ``cloudfail``: the cloud download ends in ``error`` (``cloud/retry`` makes it work);
- ``pack``, or a magnet: a folder of three files (a single-file magnet says ``single``);
- links on example.com/.org/.net: ``{"error": "Unsupported link"}`` everywhere;
- ``status404`` (the sandbox's file that is dead at its host, as for every provider):
  ``{"error": "File not found at the hoster."}``.

A magnet is in the cache (ready at once) when its info hash starts with a digit 0-7, and
``cloud/status`` answers nested, except for links with ``flatstatus``. Account: key
:data:`KEY`; login ``sandbox@offcloud.invalid`` / :data:`PASSWORD` (the sandbox's secrets all
contain ``S3NT1NEL``, so that the tests can tell when one leaks).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

from werkzeug.wrappers import Request, Response

from linkresolver.api import DemoPart, DemoSample, Sandbox, SandboxFile

API_PATH: Final = "/offcloud/api"
KEY: Final = "S3NT1NEL-offcloud-sandbox-key-offcloud"
USERNAME: Final = "sandbox@offcloud.invalid"
PASSWORD: Final = "S3NT1NEL-offcloud-sandbox-password"  # noqa: S105 (the sandbox's published demo account)
USER_ID: Final = "53f89e52822c8bf413000008"
UNSUPPORTED_HOSTS: Final = frozenset({"example.com", "example.org", "example.net"})
NOT_AVAILABLE: Final = ("premium", "links", "proxy", "cloud", "video")
PROXIES: Final = (
    {"id": "5", "name": "Amsterdam", "region": "Europe"},
    {"id": "9", "name": "Montreal", "region": "North America"},
)
REMOTE_ACCOUNTS: Final = (
    {
        "accountId": "ra-ftp-1",
        "type": "ftp",
        "username": "me",
        "status": "active",
        "host": "ftp.example.invalid",
        "port": 21,
        "usage": 1048576,
    },
    {
        "accountId": "ra-gdrive-2",
        "type": "gdrive",
        "username": "me@example.invalid",
        "status": "active",
        "host": "drive.google.com",
        "port": 443,
        "usage": "0",
    },
)
#: Seconds a cloud job spends in each phase.
CREATED_FOR: Final = 0.4
DOWNLOADING_FOR: Final = 1.6


@dataclass
class _Job:
    request_id: str
    url: str
    kind: str  # cloud | remote
    started: float
    created_on: str
    file_name: str
    size: int
    directory: bool
    fails: bool
    cached: bool
    flat: bool
    files: list[SandboxFile] = field(default_factory=list)
    whole: SandboxFile | None = None


class OffcloudEmulation:
    """Offcloud's state and endpoints; one instance per sandbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self.sessions: set[str] = set()
        self.jobs: dict[str, _Job] = {}

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        sandbox.emulations["offcloud"] = self
        sandbox.route(f"{API_PATH}/<path:endpoint>", self.api, name="offcloud-api")
        sandbox.set_env("LINKRESOLVER_OFFCLOUD_API_BASE", "{url}" + API_PATH)
        sandbox.set_env("LINKRESOLVER_OFFCLOUD_KEY", KEY)

    # -- dispatch -----------------------------------------------------------------------------

    def api(self, request: Request, endpoint: str) -> Response:
        if endpoint == "login":
            return self._login(request)
        logged_in = request.args.get("key") == KEY or request.cookies.get("connect.sid") in self.sessions
        if endpoint == "check":
            return _json({"loggedIn": 1 if logged_in else 0})
        if not logged_in:
            return _json({"error": "Please log in or use a valid API key"}, 401)
        parts = endpoint.split("/")
        with self._lock:
            if (
                len(parts) == 3
                and parts[0] in ("cloud", "remote")
                and parts[1] in ("explore", "list", "retry")
            ):
                return self._by_id(request, parts[0], parts[1], parts[2])
            handler = {
                "key": self._key,
                "instant": self._instant,
                "cloud": self._cloud,
                "remote": self._remote,
                "proxy": self._proxies,
                "cloud/status": self._status,
                "remote/status": self._status,
                "cache": self._cache,
                "remote/accounts": self._remote_accounts,
            }.get(endpoint)
            if handler is None or request.method != "POST":
                return _json({"error": f"Unknown API call {endpoint}"}, 404)
            return handler(request)

    # -- authentication -------------------------------------------------------------------------

    def _login(self, request: Request) -> Response:
        if request.form.get("username") != USERNAME or request.form.get("password") != PASSWORD:
            return _json({"error": "Wrong e-mail or password."})
        session = "s%3A" + secrets.token_urlsafe(24)
        with self._lock:
            self.sessions.add(session)
        response = _json({"email": USERNAME, "userId": USER_ID})
        response.set_cookie("connect.sid", session, httponly=True, path="/")
        return response

    def _proxies(self, request: Request) -> Response:
        return _json(list(PROXIES))

    def _remote_accounts(self, request: Request) -> Response:
        return _json(list(REMOTE_ACCOUNTS))

    def _key(self, request: Request) -> Response:
        return _json({"email": USERNAME, "apiKey": KEY})

    # -- downloads ------------------------------------------------------------------------------

    def _instant(self, request: Request) -> Response:
        url = request.form.get("url", "")
        refusal = _refusal(url, "instant")
        if refusal is not None:
            return refusal
        if url.lower().startswith("magnet:") or "cloudonly" in url.lower():
            return _json({"error": "Instant download is not available for this link, try the cloud."})
        name = _name_of(url)
        served = self._file(name, f"instant/{url}")
        return _json(
            {
                "requestId": secrets.token_hex(12),
                "fileName": name,
                "url": request.host_url.rstrip("/") + served.path,
                "site": _site(url),
                "status": "created",
                "originalLink": url,
                "createdOn": _now(),
            }
        )

    def _cloud(self, request: Request) -> Response:
        return self._add(request, "cloud")

    def _remote(self, request: Request) -> Response:
        account = request.form.get("remoteOptionId", "")
        if account not in {entry["accountId"] for entry in REMOTE_ACCOUNTS}:
            return _json({"error": "Remote account not found."})
        return self._add(request, "remote")

    def _add(self, request: Request, kind: str) -> Response:
        url = request.form.get("url", "")
        refusal = _refusal(url, kind)
        if refusal is not None:
            return refusal
        low = url.lower()
        magnet = low.startswith("magnet:")
        digest = _hash_of(url) if magnet else None
        if magnet and digest is None:
            return _json({"error": "Invalid magnet link."})
        job = _Job(
            request_id=secrets.token_hex(12),
            url=url,
            kind=kind,
            started=time.monotonic(),
            created_on=_now(),
            file_name=_name_of(url),
            size=40_000 + len(url) * 97,
            directory=("pack" in low or magnet) and "single" not in low,
            fails="cloudfail" in low,
            cached=digest is not None and digest[0] in "01234567",
            flat="flatstatus" in low,
        )
        self.jobs[job.request_id] = job
        answer = self._describe(request, job)
        answer.pop("amount", None)
        return _json(answer)

    def _status(self, request: Request) -> Response:
        job = self.jobs.get(request.form.get("requestId", ""))
        if job is None:
            return _json({"error": "Request not found."})
        described = self._describe(request, job)
        return _json(described if job.flat else {"status": described})

    def _by_id(self, request: Request, kind: str, action: str, request_id: str) -> Response:
        job = self.jobs.get(request_id)
        if job is None or job.kind != kind:
            return _json({"error": "Request not found."})
        if action == "retry":
            job.fails = False
            job.started = time.monotonic()
            return _json({"success": True})
        if self._state(job)[0] != "downloaded":
            return _json({"error": "The download is not finished yet."})
        if not job.directory:
            return _json({"error": "Bad archive: not a folder or archive."})
        links = [request.host_url.rstrip("/") + served.path for served in self._folder(job)]
        if action == "list":
            return Response("\n".join(links) + "\n", mimetype="text/plain")
        return _json(links)

    def _cache(self, request: Request) -> Response:
        hashes = request.form.getlist("hashes[]") or request.form.getlist("hashes")
        cached = [h for h in hashes if len(h) == 40 and h[0] in "01234567"]
        return _json({"cachedItems": cached})

    # -- jobs -----------------------------------------------------------------------------------

    def _state(self, job: _Job) -> tuple[str, int]:
        if job.cached:
            return "downloaded", job.size
        elapsed = time.monotonic() - job.started
        if elapsed < CREATED_FOR:
            return "created", 0
        if job.fails and elapsed >= CREATED_FOR + DOWNLOADING_FOR / 2:
            return "error", job.size // 2
        if elapsed < CREATED_FOR + DOWNLOADING_FOR:
            return "downloading", int(job.size * (elapsed - CREATED_FOR) / DOWNLOADING_FOR)
        return "downloaded", job.size

    def _describe(self, request: Request, job: _Job) -> dict[str, Any]:
        state, amount = self._state(job)
        answer: dict[str, Any] = {
            "requestId": job.request_id,
            "fileName": job.file_name,
            "site": _site(job.url),
            "status": state,
            "originalLink": job.url,
            "createdOn": job.created_on,
            "fileSize": job.size,
            "amount": amount,
            "isDirectory": job.directory,
        }
        if state == "error":
            answer["errorMessage"] = "The hoster closed the connection (sandbox: cloudfail)."
        if state == "downloaded" and job.kind == "cloud":
            answer["url"] = request.host_url.rstrip("/") + self._whole(job).path
        return answer

    def _whole(self, job: _Job) -> SandboxFile:
        if job.whole is None:
            name = f"{job.file_name}.zip" if job.directory else job.file_name
            job.whole = self._file(name, f"cloud/{job.request_id}", job.size)
        return job.whole

    def _folder(self, job: _Job) -> list[SandboxFile]:
        if not job.files:
            stem = job.file_name.rsplit(".", 1)[0]
            names = [f"{stem}.part{n}.mkv" for n in (1, 2)] + [f"{stem}.nfo"]
            job.files = [self._file(name, f"cloud/{job.request_id}/{name}") for name in names]
        return job.files

    def _file(self, name: str, seed: str, size: int | None = None) -> SandboxFile:
        assert self._sandbox is not None
        return self._sandbox.add_file(name, size or 20_000 + len(seed) * 131 % 30_000, seed=seed)


def _refusal(url: str, kind: str) -> Response | None:
    low = url.lower()
    for reason in NOT_AVAILABLE:
        if f"na-{reason}" in low and (reason != "cloud" or kind == "cloud"):
            return _json({"not_available": reason})
    if (
        not low.startswith("magnet:")
        and (urlsplit(url).hostname or "").removeprefix("www.") in UNSUPPORTED_HOSTS
    ):
        return _json({"error": "Unsupported link"})
    if not low.startswith(("http://", "https://", "magnet:")):
        return _json({"error": "Please enter a valid URL."})
    if "status404" in low:  # the sandbox's dead file, whichever provider is asked for it
        return _json({"error": "File not found at the hoster."})
    return None


def _hash_of(magnet: str) -> str | None:
    for topic in parse_qs(urlsplit(magnet).query).get("xt", []):
        value = topic[9:] if topic.lower().startswith("urn:btih:") else ""
        if len(value) == 40:
            return value.lower()
    return None


def _name_of(url: str) -> str:
    if url.lower().startswith("magnet:"):
        names = parse_qs(urlsplit(url).query).get("dn")
        return (names[0] if names else "torrent").replace("/", "_")
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]).removesuffix(".html")
    return (name or "download").replace("/", "_") + ("" if "." in name else ".bin")


def _site(url: str) -> str:
    return (
        "BitTorrent"
        if url.lower().startswith("magnet:")
        else (urlsplit(url).hostname or "").removeprefix("www.")
    )


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def install(sandbox: Sandbox) -> OffcloudEmulation:
    emulation = OffcloudEmulation()
    emulation.install(sandbox)
    return emulation


def demo_samples() -> list[DemoSample]:
    """The demo's links for Offcloud: a hoster another provider has down, a file fetched
    into the cloud first (``cloudonly``), a torrent in the cache and one fetched."""
    explains = "Offcloud gives instant links, or fetches a file (or a torrent) into its cloud first."
    return [
        DemoSample(
            "Hoster down at Premiumize (Offcloud takes over): https://filefactory.com/file/z8y7x6",
            ("ok",),
            "a hoster down at the first provider is served by the next",
            DemoPart.FALLBACK,
        ),
        DemoSample(
            "Bonus (Offcloud fetches it into its cloud first):"
            " https://mediafire.com/file/cloudonly7q2/Holiday.Video.Bonus.mkv",
            ("ok",),
            "a cloud download, its progress shown as it goes",
            DemoPart.CLOUD,
            explains,
        ),
        DemoSample(
            "Soundtrack torrent, in Offcloud's cache:\n"
            "magnet:?xt=urn:btih:2c6b6858d61da9543d4231a71db4b1c9264b0685&dn=Holiday.Soundtrack.single.flac",
            ("ok",),
            "a cached torrent: its file at once",
            DemoPart.TORRENT,
            explains,
        ),
        DemoSample(
            "Whole season torrent:"
            " magnet:?xt=urn:btih:a7f3e9d1c5b8024f6e1d3c9b7a5f2e8d4c6b1a09&dn=Holiday.Season.1",
            ("ok",),
            "a torrent of several files, fetched first, each file's link listed",
            DemoPart.TORRENT,
            explains,
        ),
    ]
