"""Debrid-Link's API v2 emulated for the sandbox, from its documentation.

Bearer authentication (:data:`TOKEN`, or a token of the OAuth emulation), the envelope
``{"success", "value"}`` (``"error": "<code>"`` on failure, with the HTTP status the
service uses), hoster links generated to files the sandbox serves (with Range), the hoster
list (``downloader/hosts``: dropapk.to in maintenance), the downloader's list, the account
(``account/infos``) and the seedbox (:mod:`.sandbox_seedbox`). What a link does is written
in it:

- ``dlerror`` and a documented code (``https://uptobox.com/dlerrormaxLink0001``): that error;
- ``status404`` anywhere: the sandbox's file that is dead at its host (``fileNotFound``),
  as for every provider; ``status451``: infringing (``infringingFile``);
- ``locked``: a file behind the password ``sesame`` (``badFilePassword`` without it);
- ``/folder/`` (filespace.com): a folder of three files.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from werkzeug.wrappers import Request, Response

from linkresolver.api import DemoSample, Sandbox

from .errors import MEANINGS
from .sandbox_seedbox import Seedbox

API_PATH: Final = "/debridlink/api/v2"
TOKEN: Final = "S3NT1NEL-debridlink-sandbox-key"  # noqa: S105 (the sandbox's published account)
USERNAME: Final = "sandbox-dl"
LINK_PASSWORD: Final = "sesame"  # noqa: S105 (the sandbox's locked files' password)
#: name: (domains, patterns as the service writes them, status: 1 up, 0 maintenance)
HOSTERS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...], int]]] = {
    "uptobox": (("uptobox.com", "uptobox.fr"), (r"/https?:\/\/(?:www\.)?uptobox\.(?:com|fr)\/\w{12}/i",), 1),
    "filespace": (("filespace.com",), (r"/https?:\/\/(?:www\.)?filespace\.com\/(?:folder\/)?\w+/i",), 1),
    "dropapk": (("dropapk.to",), (r"/https?:\/\/(?:www\.)?dropapk\.to\/\w+/i",), 0),
}
#: The HTTP status each code comes with (400 when not named).
ERROR_STATUS: Final = {
    "badToken": 401, "hidedToken": 401, "accountLocked": 403, "serverNotAllowed": 403,
    "disabledServerHost": 403, "floodDetected": 429, "internalError": 500, "server_error": 500,
    "unknowR": 404, "fileNotFound": 404, "infringingFile": 451,
}  # fmt: skip
#: The codes by their lower-case spelling (links are read case-insensitively).
_CODES: Final = {code.lower(): code for code in MEANINGS}


class DebridLinkEmulation:
    """Debrid-Link's state and endpoints; one instance per sandbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self.seedbox = Seedbox()
        #: The links generated, newest first (the downloader's list).
        self.generated: list[dict[str, Any]] = []
        #: The keys accepted: the published one (an OAuth emulation's tokens besides).
        self.tokens: set[str] = {TOKEN}
        #: Every call's endpoint, in order (tests count them).
        self.calls: list[str] = []

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        sandbox.emulations["debridlink"] = self
        sandbox.route(
            f"{API_PATH}/<path:endpoint>", self.api, name="debridlink-api", methods=("GET", "POST", "DELETE")
        )
        sandbox.set_env("LINKRESOLVER_DEBRIDLINK_API_BASE", "{url}" + API_PATH)
        sandbox.set_env("LINKRESOLVER_DEBRIDLINK_KEY", TOKEN)

    def accepts(self, token: str) -> bool:
        """The published key, and the access tokens the OAuth emulation issued and has not
        seen lapse (a device login's)."""
        if token in self.tokens:
            return True
        login = self._sandbox.emulations.get("debridlink-oauth") if self._sandbox is not None else None
        accepts = getattr(login, "accepts", None)
        return bool(accepts is not None and accepts(token))

    # -- dispatch -----------------------------------------------------------------------------

    def api(self, request: Request, endpoint: str) -> Response:
        with self._lock:
            self.calls.append(endpoint)
        given = request.headers.get("Authorization", "")
        if endpoint != "downloader/hosts" and not self.accepts(given.removeprefix("Bearer ")):
            return error("badToken")
        parts = endpoint.split("/")
        if len(parts) == 3 and parts[2] == "remove" and request.method == "DELETE":
            if parts[0] == "seedbox":
                return self._remove_torrents(parts[1])
            if parts[0] == "downloader":
                return self._remove_links(parts[1])
        plain: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "account/infos"): self._account,
            ("GET", "downloader/hosts"): self._hosts,
            ("POST", "downloader/add"): self._add,
            ("GET", "downloader/list"): lambda request: _value(self.generated[:50]),
            ("POST", "seedbox/add"): self._add_torrent,
            ("GET", "seedbox/list"): self._list_torrents,
        }
        found = plain.get((request.method, endpoint))
        return error("unknowR") if found is None else found(request)

    # -- account and hosts --------------------------------------------------------------------

    def _account(self, request: Request) -> Response:
        return _value(
            {
                "username": USERNAME,
                "email": "sandbox@debrid-link.invalid",
                "accountType": 1,
                "premiumLeft": 30 * 86400,
                "pts": 420,
                "trafficshare": 0,
                "registerDate": "2020-01-01",
                "serverDetected": False,
            }
        )

    def _hosts(self, request: Request) -> Response:
        return _value(
            [
                {"name": name, "type": "host", "status": status, "isFree": False, "domains": list(domains),
                 "regexs": list(patterns)}
                for name, (domains, patterns, status) in HOSTERS.items()
            ]
            + self._extra_entries()
        )  # fmt: skip

    def _extra_entries(self) -> list[dict[str, Any]]:
        """The hosters a test gave this emulation beside its own (``Sandbox.extra_hosters``)."""
        extra = self._sandbox.extra_hosters.get("debridlink", ()) if self._sandbox is not None else ()
        return [
            {"name": h.name, "type": "host", "status": 1, "isFree": False, "domains": list(h.domains),
             "regexs": [h.delimited("i")]}
            for h in extra
        ]  # fmt: skip

    # -- downloader ---------------------------------------------------------------------------

    def _add(self, request: Request) -> Response:
        assert self._sandbox is not None
        link = request.form.get("url", "")
        refusal = _refusal(link, request.form.get("password"))
        if refusal is not None:
            return refusal
        if "/folder/" in link.lower():
            stem = link.rstrip("/").rsplit("/", 1)[-1]
            names = [f"{stem}.part{n}.rar" for n in (1, 2, 3)]
            return _value([self._generate(request, link, name, f"{link}#{name}") for name in names])
        name, size = _file_of(link)
        return _value(self._generate(request, link, name, link, size))

    def _generate(
        self, request: Request, link: str, name: str, seed: str, size: int | None = None
    ) -> dict[str, Any]:
        assert self._sandbox is not None
        size = size if size is not None else _file_of(seed)[1]
        served = self._sandbox.add_file(name, size, seed=f"dl/{seed}")
        host = _hoster_of(link) or "debrid-link"
        entry = {
            "id": secrets.token_hex(5),
            "name": name,
            "url": link,
            "downloadUrl": request.host_url.rstrip("/") + served.path,
            "host": host,
            "hostDomain": HOSTERS[host][0][0] if host in HOSTERS else "debrid-link.com",
            "size": size,
            "chunk": 16,
            "expired": False,
            "created": int(time.time()),
        }
        with self._lock:
            self.generated.insert(0, entry)
        return entry

    def _remove_links(self, ids: str) -> Response:
        wanted = set(ids.split(","))
        with self._lock:
            removed = [entry["id"] for entry in self.generated if entry["id"] in wanted]
            if not removed:
                return error("badId")
            self.generated = [entry for entry in self.generated if entry["id"] not in wanted]
        return _value(removed)

    # -- seedbox ------------------------------------------------------------------------------

    def _add_torrent(self, request: Request) -> Response:
        assert self._sandbox is not None
        job = self.seedbox.add(request.form.get("url", ""), self._sandbox)
        if isinstance(job, str):
            return error(job)
        return _value(self.seedbox.describe(job, request.host_url.rstrip("/")))

    def _list_torrents(self, request: Request) -> Response:
        wanted = [i for i in request.args.get("ids", "").split(",") if i]
        base = request.host_url.rstrip("/")
        with self.seedbox.lock:
            jobs = [job for job in self.seedbox.jobs.values() if not wanted or job.id in wanted]
        return _value([self.seedbox.describe(job, base) for job in jobs])

    def _remove_torrents(self, ids: str) -> Response:
        removed = self.seedbox.remove(ids.split(","))
        return _value(removed) if removed else error("badId")


def _refusal(link: str, password: str | None) -> Response | None:
    """The error a link asks for, or that its hoster earns (unsupported, dead, locked)."""
    low = link.lower()
    asked = re.search(r"dlerror([a-z_]+?)(?:\d|$|[/?#.])", low)
    if asked is not None and asked.group(1) in _CODES:
        return error(_CODES[asked.group(1)])
    if not low.startswith(("http://", "https://")):
        return error("badFileUrl")
    if _hoster_of(link) is None:
        return error("hostNotValid")
    if "status404" in low:  # the sandbox's dead file, whichever provider is asked for it
        return error("fileNotFound")
    if "status451" in low:
        return error("infringingFile")
    if "locked" in low and password != LINK_PASSWORD:
        return error("badFilePassword")
    return None


def _hoster_of(link: str) -> str | None:
    host = (urlsplit(link).hostname or "").lower().removeprefix("www.")
    for name, (domains, _, _) in HOSTERS.items():
        if any(host == domain or host.endswith("." + domain) for domain in domains):
            return name
    return None


def _file_of(link: str) -> tuple[str, int]:
    """A file name and size for a hoster link: its last segment when it names a file."""
    parts = urlsplit(link)
    fragment = unquote(parts.fragment)
    segments = [s for s in unquote(parts.path).split("/") if s and s != "folder"]
    last = fragment if "." in fragment and "/" not in fragment else (segments[-1] if segments else "download")
    name = last if "." in last else f"{last}.bin"
    size = 50_000 + int(hashlib.sha1(link.encode()).hexdigest()[:5], 16) % 150_000  # noqa: S324
    return name.replace("\\", "_"), size


def error(code: str) -> Response:
    """A documented error, with its HTTP status (a flood: wait the hour the documentation says)."""
    response = _json({"success": False, "error": code}, ERROR_STATUS.get(code, 400))
    if code == "floodDetected":
        response.headers["Retry-After"] = "3600"
    return response


def _value(value: Any) -> Response:
    return _json({"success": True, "value": value})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def install(sandbox: Sandbox) -> DebridLinkEmulation:
    emulation = DebridLinkEmulation()
    emulation.install(sandbox)
    return emulation


def demo_samples() -> list[DemoSample]:
    """The demo's link for Debrid-Link: a hoster no other debrid emulation lists."""
    return [
        DemoSample(
            "A film on a hoster Debrid-Link serves: https://uptobox.com/upt0b0xf1lm1/Evening.Film.mkv",
            ("ok",),
            "a hoster Debrid-Link serves, its link generated at once",
        )
    ]
