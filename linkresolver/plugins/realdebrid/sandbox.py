"""Real-Debrid's REST API emulated for the sandbox, from its documentation.

Bearer authentication (:data:`TOKEN`; ``unrestrict/check`` needs none), ``X-HTTP-Verb``
overrides, errors as ``{"error", "error_code"}`` with the HTTP status the service uses,
hoster links unrestricted to files the sandbox serves (with Range), folders, the hoster
list (``hosts/regex``, ``hosts/domains``, ``hosts/status`` with turbobit.net down), the
account (``user``, ``traffic``), the downloads history, and torrents
(:mod:`.sandbox_torrents`). What a link does is written in it:

- ``rderror`` and a documented code (``https://katfile.com/rderror23abc``): that error;
- ``status404`` anywhere: the sandbox's file that is dead at its host (code 24), as for
  every provider; ``status451``: infringing (code 35);
- ``/folder/`` (mega.nz): a folder of three files.

As the service, it allows 250 requests a minute per token, refused ones included: the
251st within a minute is refused with code 34 (HTTP 429), counted in ``refused_for_rate``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from werkzeug.wrappers import Request, Response

from linkresolver.api import DemoSample, ExtraHoster, Sandbox

from .sandbox_torrents import Torrents, now_json

API_PATH: Final = "/realdebrid/rest/1.0"
TOKEN: Final = "S3NT1NEL-realdebrid-sandbox-token"  # noqa: S105 (the sandbox's published account)
USERNAME: Final = "sandbox-rd"
#: domain: (its other domains, the pattern as the service writes it)
HOSTERS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "katfile.com": ((), r"/(https?:\/\/)?(www\.)?katfile\.com\/[0-9a-z]{12}(\/[^\/?#]+)?/i"),
    "ddownload.com": (
        ("ddl.to",),
        r"/(https?:\/\/)?(www\.)?(ddownload\.com|ddl\.to)\/[0-9a-z]{12}(\/[^\/?#]+)?/",
    ),
    "mega.nz": (
        ("mega.co.nz",),
        r"/(https?:\/\/)?(www\.)?mega\.(nz|co\.nz)\/(file|folder)\/[0-9A-Za-z_-]+(#[0-9A-Za-z_-]+)?/",
    ),
    # Premiumize's in the sandbox too: down at Real-Debrid, for failing over.
    "turbobit.net": ((), r"/(https?:\/\/)?(www\.)?turbobit\.net\/[a-z0-9]+(\.html)?/"),
}
DOWN_HOSTERS: Final = frozenset({"turbobit.net"})
#: Requests a token may make in any minute (the documentation's limit).
REQUESTS_PER_MINUTE: Final = 250
#: The HTTP status each documented code comes with (400 when not named).
ERROR_STATUS: Final = {
    -1: 500, 5: 429, 7: 404, 8: 401, 9: 403, 14: 403, 15: 403, 20: 403, 22: 403, 23: 403,
    17: 503, 18: 503, 19: 503, 24: 503, 25: 503, 34: 429, 35: 451, 36: 503,
}  # fmt: skip
ERROR_WORDS: Final = {
    -1: "internal_error", 1: "missing_parameter", 2: "bad_parameter_value", 3: "unknown_method",
    4: "method_not_allowed", 5: "slow_down", 6: "ressource_unreachable", 7: "unknown_ressource",
    8: "bad_token", 9: "permission_denied", 10: "two_factor_authentication_needed",
    11: "two_factor_authentication_pending", 12: "invalid_login", 13: "invalid_password",
    14: "account_locked", 15: "account_not_activated", 16: "hoster_unsupported",
    17: "hoster_in_maintenance", 18: "hoster_limit_reached", 19: "hoster_unavailable",
    20: "hoster_not_free", 21: "too_many_active_downloads", 22: "ip_not_allowed",
    23: "traffic_exhausted", 24: "file_unavailable", 25: "service_unavailable",
    26: "upload_too_big", 27: "upload_error", 28: "file_not_allowed", 29: "torrent_too_big",
    30: "torrent_file_invalid", 31: "action_already_done", 32: "image_resolution_error",
    33: "torrent_already_active", 34: "too_many_requests", 35: "infringing_file",
    36: "fair_usage_limit", 37: "disabled_endpoint",
}  # fmt: skip

Handler = Callable[[Request, str], Response]


class RealDebridEmulation:
    """Real-Debrid's state and endpoints; one instance per sandbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self.torrents = Torrents()
        #: The history of unrestricted links, newest first.
        self.downloads: list[dict[str, Any]] = []
        #: The tokens accepted: the published one, and any an OAuth emulation issues
        #: (``sandbox.emulations["realdebrid"].tokens.add(token)``).
        self.tokens: set[str] = {TOKEN}
        #: When each token's requests of the last minute arrived, and the requests refused
        #: for exceeding :data:`REQUESTS_PER_MINUTE`.
        self._arrivals: dict[str, deque[float]] = {}
        self.refused_for_rate = 0
        #: The limit (0: none; tests that share one sandbox across many processes lift it).
        self.requests_per_minute = REQUESTS_PER_MINUTE
        #: Links a token may unrestrict before its account's fair use is spent (then the
        #: documented error 36); a token not named here has no such limit.
        self.fair_use_after: dict[str, int] = {}
        #: The links each token unrestricted (tests count which account served them).
        self.unrestricted: Counter[str] = Counter()
        #: The unrestricts each token was refused for its fair use (error 36).
        self.refused_for_fair_use: Counter[str] = Counter()
        #: The user name each token's ``user`` answers (default: one per token, the
        #: published token's :data:`USERNAME`), so that several accounts can be told apart.
        self.usernames: dict[str, str] = {}

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self.torrents.install(sandbox)
        sandbox.emulations["realdebrid"] = self
        sandbox.route(
            f"{API_PATH}/<path:endpoint>",
            self.api,
            name="realdebrid-api",
            methods=("GET", "POST", "PUT", "DELETE"),
        )
        sandbox.set_env("LINKRESOLVER_REALDEBRID_API_BASE", "{url}" + API_PATH)
        sandbox.set_env("LINKRESOLVER_REALDEBRID_KEY", TOKEN)

    def accepts(self, token: str) -> bool:
        """The published token, and the access tokens the OAuth emulation issued and has
        not seen lapse (a device login's)."""
        if token in self.tokens:
            return True
        login = self._sandbox.emulations.get("realdebrid-oauth") if self._sandbox is not None else None
        accepts = getattr(login, "accepts", None)
        return bool(accepts is not None and accepts(token))

    def _over_limit(self, token: str) -> bool:
        """Count a request of ``token``: whether it is one too many for the last minute."""
        now = time.monotonic()
        with self._lock:
            arrivals = self._arrivals.setdefault(token, deque())
            while arrivals and arrivals[0] <= now - 60:
                arrivals.popleft()
            arrivals.append(now)  # refused ones count too
            if len(arrivals) <= self.requests_per_minute:
                return False
            self.refused_for_rate += 1
            return True

    # -- dispatch -----------------------------------------------------------------------------

    def api(self, request: Request, endpoint: str) -> Response:
        method = request.headers.get("X-HTTP-Verb", request.method).upper()
        given = request.headers.get("Authorization", "")
        if endpoint != "unrestrict/check" and not self.accepts(given.removeprefix("Bearer ")):
            return error(8)
        if given and self.requests_per_minute and self._over_limit(given.removeprefix("Bearer ")):
            return error(34)
        if endpoint == "disable_access_token" and method == "GET":
            with self._lock:
                self.tokens.discard(given.removeprefix("Bearer "))
            return Response(status=204)
        parts = endpoint.split("/")
        by_id = {
            ("GET", "torrents/info"): self._torrent_info,
            ("POST", "torrents/selectFiles"): self._select_files,
            ("DELETE", "torrents/delete"): self._delete_torrent,
            ("DELETE", "downloads/delete"): self._delete_download,
        }
        if len(parts) == 3 and (handler := by_id.get((method, "/".join(parts[:2])))) is not None:
            return handler(request, parts[2])
        plain: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "user"): self._user,
            ("GET", "traffic"): self._traffic,
            ("GET", "hosts/regex"): lambda request: _json(
                [pattern for _, pattern in HOSTERS.values()] + [h.delimited("i") for h in self._extra()]
            ),
            ("GET", "hosts/domains"): lambda request: _json(
                [d for main, (more, _) in HOSTERS.items() for d in (main, *more)]
                + [d for hoster in self._extra() for d in hoster.domains]
            ),
            ("GET", "hosts/status"): self._hosts_status,
            ("POST", "unrestrict/check"): self._check,
            ("POST", "unrestrict/link"): self._unrestrict,
            ("POST", "unrestrict/folder"): self._folder,
            ("GET", "downloads"): self._downloads,
            ("GET", "torrents"): self._torrents,
            ("POST", "torrents/addMagnet"): self._add_magnet,
            ("PUT", "torrents/addTorrent"): self._add_torrent,
        }
        found = plain.get((method, endpoint))
        if found is None:
            return error(3 if method in ("GET", "POST", "PUT", "DELETE") else 4)
        return found(request)

    # -- account and hosts --------------------------------------------------------------------

    def _extra(self) -> tuple[ExtraHoster, ...]:
        """The hosters a test gave this emulation beside its own (``Sandbox.extra_hosters``)."""
        return self._sandbox.extra_hosters.get("realdebrid", ()) if self._sandbox is not None else ()

    def username(self, token: str) -> str:
        """The user name of the account ``token`` belongs to."""
        if token in self.usernames:
            return self.usernames[token]
        if token == TOKEN:
            return USERNAME
        return "sandbox-" + hashlib.sha256(token.encode()).hexdigest()[:6]

    def _user(self, request: Request) -> Response:
        seconds = 30 * 86400
        expiration = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + seconds))
        return _json(
            {
                "id": 4711,
                "username": self.username(_token_of(request)),
                "email": "sandbox@real-debrid.invalid",
                "points": 1250,
                "locale": "en",
                "avatar": "https://real-debrid.invalid/images/avatar.png",
                "type": "premium",
                "premium": seconds,
                "expiration": expiration,
            }
        )

    def _traffic(self, request: Request) -> Response:
        def entry(left: int, used: int, links: int, limit: int, kind: str) -> dict[str, Any]:
            return {
                "left": left,
                "bytes": used,
                "links": links,
                "limit": limit,
                "type": kind,
                "extra": 0,
                "reset": "daily",
            }

        return _json(
            {
                "rapidgator.net": entry(48, 2 << 30, 3, 50, "gigabytes"),
                "1fichier.com": entry(95, 0, 0, 100, "links"),
            }
        )

    def _hosts_status(self, request: Request) -> Response:
        return _json(
            {
                domain: {
                    "id": domain.split(".")[0],
                    "name": domain.split(".")[0].capitalize(),
                    "image": f"https://real-debrid.invalid/images/hosters/{domain}.png",
                    "supported": 1,
                    "status": "down" if domain in DOWN_HOSTERS else "up",
                    "check_time": now_json(),
                }
                for domain in HOSTERS
            }
        )

    # -- unrestrict ----------------------------------------------------------------------------

    def _check(self, request: Request) -> Response:
        link = request.form.get("link", "")
        refusal = _refusal(link)
        if refusal is not None:
            return refusal
        name, size = _file_of(link)
        return _json(
            {"host": _hoster_of(link), "link": link, "filename": name, "filesize": size, "supported": 1}
        )

    def _unrestrict(self, request: Request) -> Response:
        assert self._sandbox is not None
        token = _token_of(request)
        with self._lock:
            allowance = self.fair_use_after.get(token)
            if allowance is not None and self.unrestricted[token] >= allowance:
                self.refused_for_fair_use[token] += 1
                return error(36)
        link = request.form.get("link", "")
        hosted = self.torrents.hosted_file(link)
        if hosted is not None:
            name, size, served = hosted.name, hosted.size, hosted
        else:
            refusal = _refusal(link)
            if refusal is not None:
                return refusal
            hoster = _hoster_of(link)
            if hoster in DOWN_HOSTERS:
                return error(19)
            name, size = _file_of(link)
            served = self._sandbox.add_file(name, size, seed=f"rd/{link}")
        entry = {
            "id": secrets.token_hex(6).upper(),
            "filename": name,
            "mimeType": "video/x-matroska" if name.endswith(".mkv") else "application/octet-stream",
            "filesize": size,
            "link": link,
            "host": _hoster_of(link) or "real-debrid.com",
            "chunks": 16,
            "crc": 1,
            "download": request.host_url.rstrip("/") + served.path,
            "streamable": 0,
        }
        with self._lock:
            self.downloads.insert(0, {**entry, "generated": now_json()})
            self.unrestricted[token] += 1
        return _json(entry)

    def _folder(self, request: Request) -> Response:
        link = request.form.get("link", "")
        refusal = _refusal(link)
        if refusal is not None:
            return refusal
        if "/folder/" not in link and "/dir/" not in link:
            return error(2)
        base = link.split("://", 1)[-1].split("/", 1)[0]
        stem = link.rstrip("/").rsplit("/", 1)[-1]
        return _json([f"https://{base}/file/{stem}{n}#{stem}.part{n}.rar" for n in (1, 2, 3)])

    # -- downloads history ---------------------------------------------------------------------

    def _downloads(self, request: Request) -> Response:
        page, limit = _page(request)
        with self._lock:
            entries = self.downloads[(page - 1) * limit : page * limit]
            total = len(self.downloads)
        response = _json(entries)
        response.headers["X-Total-Count"] = str(total)
        return response

    def _delete_download(self, request: Request, download_id: str) -> Response:
        with self._lock:
            kept = [entry for entry in self.downloads if entry["id"] != download_id]
            if len(kept) == len(self.downloads):
                return error(7)
            self.downloads = kept
        return Response(status=204)

    # -- torrents ------------------------------------------------------------------------------

    def _torrents(self, request: Request) -> Response:
        page, limit = _page(request)
        with self.torrents.lock:
            jobs = sorted(self.torrents.jobs.values(), key=lambda job: job.added, reverse=True)
        described = [self.torrents.describe(job, with_files=False) for job in jobs]
        if request.args.get("filter") == "active":
            described = [
                entry
                for entry in described
                if entry["status"] not in ("downloaded", "dead", "error", "virus", "magnet_error")
            ]
        response = _json(described[(page - 1) * limit : page * limit])
        response.headers["X-Total-Count"] = str(len(described))
        return response

    def _torrent_info(self, request: Request, torrent_id: str) -> Response:
        job = self.torrents.jobs.get(torrent_id)
        return error(7) if job is None else _json(self.torrents.describe(job, with_files=True))

    def _add_magnet(self, request: Request) -> Response:
        magnet = request.form.get("magnet", "")
        if not magnet:
            return error(1)
        job = self.torrents.add(magnet)
        if job is None:
            return error(2)
        return _json(
            {"id": job.id, "uri": f"{request.host_url.rstrip('/')}{API_PATH}/torrents/info/{job.id}"}, 201
        )

    def _add_torrent(self, request: Request) -> Response:
        data = request.get_data()
        digest = torrent_info_hash(data)
        if digest is None:
            return error(30)
        job = self.torrents.add(f"magnet:?xt=urn:btih:{digest}&dn=uploaded")
        assert job is not None
        return _json(
            {"id": job.id, "uri": f"{request.host_url.rstrip('/')}{API_PATH}/torrents/info/{job.id}"}, 201
        )

    def _select_files(self, request: Request, torrent_id: str) -> Response:
        job = self.torrents.jobs.get(torrent_id)
        if job is None:
            return error(7)
        if job.selected_at is not None:
            return Response(status=202)  # action already done
        files = request.form.get("files", "")
        if not files:
            return error(1)
        return Response(status=204) if self.torrents.select(job, files) else error(2)

    def _delete_torrent(self, request: Request, torrent_id: str) -> Response:
        with self.torrents.lock:
            if self.torrents.jobs.pop(torrent_id, None) is None:
                return error(7)
        return Response(status=204)


def torrent_info_hash(data: bytes) -> str | None:
    """The info hash of a .torrent file whose ``info`` dictionary comes last (as torrent
    makers write it): the sha1 of that dictionary's bytes. None for anything else."""
    start = data.find(b"4:infod")
    if not data.startswith(b"d") or not data.endswith(b"ee") or start < 0:
        return None
    return hashlib.sha1(data[start + 6 : -1]).hexdigest()  # noqa: S324 (BitTorrent's hash)


def _refusal(link: str) -> Response | None:
    """The error a link asks for, or that its hoster earns (unsupported, dead)."""
    low = link.lower()
    asked = re.search(r"rderror(-?\d+)", low)
    if asked is not None and int(asked.group(1)) in ERROR_WORDS:
        return error(int(asked.group(1)))
    if not low.startswith(("http://", "https://")):
        return error(2)
    if _hoster_of(link) is None:
        return error(16)
    if "status404" in low:  # the sandbox's dead file, whichever provider is asked for it
        return error(24)
    if "status451" in low:
        return error(35)
    return None


def _hoster_of(link: str) -> str | None:
    host = (urlsplit(link).hostname or "").lower().removeprefix("www.")
    for main, (more, _) in HOSTERS.items():
        if host == main or host in more or host.endswith("." + main):
            return main
    return None


def _file_of(link: str) -> tuple[str, int]:
    """A file name and size for a hoster link: its last segment when it names a file."""
    path = unquote(urlsplit(link).path).rstrip("/")
    segments = [s for s in path.split("/") if s and s not in ("file", "view", "folder", "dir")]
    fragment = unquote(urlsplit(link).fragment)
    last = segments[-1].removesuffix(".html") if segments else (urlsplit(link).query or "download")
    last = fragment if "." in fragment and "/" not in fragment else last
    name = last if "." in last else f"{last}.bin"
    size = 50_000 + int(hashlib.sha1(link.encode()).hexdigest()[:5], 16) % 150_000  # noqa: S324
    return name.replace("\\", "_"), size


def _page(request: Request) -> tuple[int, int]:
    def number(name: str, default: int, most: int) -> int:
        value = request.args.get(name, "")
        return min(most, max(1, int(value))) if value.isdigit() else default

    return number("page", 1, 1_000_000), number("limit", 100, 5000)


def _token_of(request: Request) -> str:
    return request.headers.get("Authorization", "").removeprefix("Bearer ")


def error(code: int) -> Response:
    """A documented error, with its HTTP status."""
    return _json(
        {"error": ERROR_WORDS.get(code, "unknown_error"), "error_code": code}, ERROR_STATUS.get(code, 400)
    )


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def install(sandbox: Sandbox) -> RealDebridEmulation:
    emulation = RealDebridEmulation()
    emulation.install(sandbox)
    return emulation


def demo_samples() -> list[DemoSample]:
    """The demo's link for Real-Debrid: a hoster only it serves in the sandbox."""
    return [
        DemoSample(
            "The whole video in one file: https://katfile.com/k4t7f1l3m0v2/Holiday.Video.mkv",
            ("ok",),
            "a hoster only Real-Debrid serves, unrestricted at once",
        )
    ]
