"""TorBox's API emulated for the sandbox, from its documentation.

Bearer authentication (:data:`KEY`; ``requestdl`` takes it as ``token`` too), every answer
in the ``{"success", "error", "detail", "data"}`` envelope with the HTTP status TorBox uses
(403 for the key, 500 for codes ending in ``ERROR``, 400 for the others), the hoster list
(``webdl/hosters``: krakenfiles.com with a pattern, gofile.io and pixeldrain.com by their
domains, gofile.io with 3 of its 25 daily links left, wetransfer.com down, dropapk.to and
nitroflare.com as other providers have them), the account
(``user/me``), torrents and web downloads (:mod:`.sandbox_transfers`: created, polled,
their files served with Range, deleted), and the device login that hands out API keys
(:mod:`.sandbox_login`; the keys it issued are accepted beside :data:`KEY`). What a link
does is written in it:

- ``tberror`` and a documented code (``https://gofile.io/d/tberrorMONTHLY_LIMIT``, or in a
  magnet's name): that error when it is created;
- ``status404`` anywhere: the sandbox's file that is dead at its host (``LINK_OFFLINE``),
  as for every provider;
- ``slow``, ``cached``, ``tbfail``, ``tbdead``, an info hash 0-7: see :mod:`.sandbox_transfers`.

As the service (https://support.torbox.app/en/articles/13726368-api-rate-limits), it allows
300 requests a minute per key, and of them 60 new downloads (``createtorrent``,
``createwebdownload``) an hour, at most 10 in a minute: one more is refused with HTTP 429
(with ``Retry-After`` for a creation: when one frees up), counted in ``refused_for_rate``.
``requests_per_minute``, ``creations_per_hour`` and ``creations_per_minute`` at 0 lift
them (tests that share one sandbox across many processes do).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from linkresolver.api import DemoSample, Sandbox

from .sandbox_login import ENDPOINTS as LOGIN_ENDPOINTS
from .sandbox_login import TorBoxLoginEmulation
from .sandbox_transfers import CACHED_LINKS, Job, Transfers, file_of, link_hash, torrent_cached

API_PATH: Final = "/torbox/v1/api"
KEY: Final = "S3NT1NEL-torbox-sandbox-key"
EMAIL: Final = "sandbox@torbox.invalid"
#: domain: (its other domains, its pattern or None, whether it is up)
HOSTERS: Final[dict[str, tuple[tuple[str, ...], str | None, bool]]] = {
    "krakenfiles.com": (
        ("krakenfiles.to",),
        r"/https?:\/\/(www\.)?(krakenfiles\.com|krakenfiles\.to)\/[A-Za-z0-9]+(\/[^\/?#]+)?/i",
        True,
    ),
    "gofile.io": ((), None, True),
    "pixeldrain.com": (("pixeldra.in",), None, True),
    "wetransfer.com": (("we.tl",), None, False),
    # Served by other providers' emulations too: dropapk.to is in maintenance at Debrid-Link,
    # and nitroflare.com costs four times the fair use at Premiumize.
    "dropapk.to": ((), None, True),
    "nitroflare.com": ((), None, True),
}
REQUESTS_PER_MINUTE: Final = 300
CREATIONS_PER_HOUR: Final = 60
CREATIONS_PER_MINUTE: Final = 10
CREATIONS: Final = frozenset(
    {"torrents/createtorrent", "webdl/createwebdownload", "usenet/createusenetdownload"}
)
#: Every documented error code (the client's table).
CODES: Final = frozenset(
    {
        "DATABASE_ERROR", "UNKNOWN_ERROR", "NO_AUTH", "BAD_TOKEN", "AUTH_ERROR", "INVALID_OPTION",
        "REDIRECT_ERROR", "OAUTH_VERIFICATION_ERROR", "ENDPOINT_NOT_FOUND", "ITEM_NOT_FOUND",
        "PLAN_RESTRICTED_FEATURE", "DUPLICATE_ITEM", "BOZO_RSS_FEED", "SELLIX_ERROR", "TOO_MUCH_DATA",
        "DOWNLOAD_TOO_LARGE", "MISSING_REQUIRED_OPTION", "TOO_MANY_OPTIONS", "BOZO_TORRENT",
        "NO_SERVERS_AVAILABLE_ERROR", "MONTHLY_LIMIT", "COOLDOWN_LIMIT", "ACTIVE_LIMIT",
        "DOWNLOAD_SERVER_ERROR", "BOZO_NZB", "SEARCH_ERROR", "INVALID_DEVICE", "DIFF_ISSUE",
        "LINK_OFFLINE", "VENDOR_DISABLED",
    }
)  # fmt: skip
_AUTH: Final = frozenset({"NO_AUTH", "BAD_TOKEN", "AUTH_ERROR", "OAUTH_VERIFICATION_ERROR"})
_ASKED: Final = re.compile(r"tberror([A-Za-z_]+)")

Handler = Callable[[Request], Response]


class TorBoxEmulation:
    """TorBox's state and endpoints; one instance per sandbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self.transfers = Transfers()
        self.login = TorBoxLoginEmulation()
        self._arrivals: deque[float] = deque()
        self.refused_for_rate = 0
        #: The limits (0: none; tests that share one sandbox across many processes lift them).
        self.requests_per_minute = REQUESTS_PER_MINUTE
        self.creations_per_hour = CREATIONS_PER_HOUR
        self.creations_per_minute = CREATIONS_PER_MINUTE
        self._creations: deque[float] = deque()

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self.transfers.install(sandbox)
        self.login.install(sandbox)
        sandbox.emulations["torbox"] = self
        sandbox.route(f"{API_PATH}/<path:endpoint>", self.api, name="torbox-api", methods=("GET", "POST"))
        sandbox.set_env("LINKRESOLVER_TORBOX_API_BASE", "{url}" + API_PATH)
        sandbox.set_env("LINKRESOLVER_TORBOX_KEY", KEY)

    def _over_limit(self) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._arrivals and self._arrivals[0] <= now - 60:
                self._arrivals.popleft()
            self._arrivals.append(now)
            if len(self._arrivals) <= self.requests_per_minute:
                return False
            self.refused_for_rate += 1
            return True

    def _creation_wait(self) -> float | None:
        """None when one more creation is allowed now (and it is counted); else the seconds
        until one is."""
        now = time.monotonic()
        with self._lock:
            while self._creations and self._creations[0] <= now - 3600:
                self._creations.popleft()
            waits: list[float] = []
            if self.creations_per_hour and len(self._creations) >= self.creations_per_hour:
                waits.append(self._creations[-self.creations_per_hour] + 3600 - now)
            in_minute = [t for t in self._creations if t > now - 60]
            if self.creations_per_minute and len(in_minute) >= self.creations_per_minute:
                waits.append(in_minute[-self.creations_per_minute] + 60 - now)
            if waits:
                self.refused_for_rate += 1
                return max(waits)
            self._creations.append(now)
            return None

    # -- dispatch -----------------------------------------------------------------------------

    def api(self, request: Request, endpoint: str) -> Response:
        if endpoint in LOGIN_ENDPOINTS:  # no key: they are how one is got
            return self.login.answer(request, endpoint)
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if endpoint.endswith("/requestdl"):
            given = given or request.args.get("token", "")
        if not given:
            return error("NO_AUTH")
        if given != KEY and not self.login.accepts(given):
            return error("BAD_TOKEN")
        if self.requests_per_minute and self._over_limit():
            return _json({"success": False, "error": None, "detail": "Too many requests.", "data": None}, 429)
        if endpoint in CREATIONS and request.method == "POST" and (wait := self._creation_wait()) is not None:
            refused = _json(
                {"success": False, "error": None, "detail": "Too many requests.", "data": None}, 429
            )
            refused.headers["Retry-After"] = str(max(1, round(wait + 0.5)))
            return refused
        handlers: dict[tuple[str, str], Handler] = {
            ("GET", "user/me"): self._user,
            ("GET", "webdl/hosters"): self._hosters,
            ("GET", "webdl/checkcached"): lambda r: self._checkcached(r, "webdl"),
            ("GET", "torrents/checkcached"): lambda r: self._checkcached(r, "torrents"),
            ("POST", "webdl/createwebdownload"): self._create_webdl,
            ("POST", "torrents/createtorrent"): self._create_torrent,
            ("GET", "webdl/mylist"): lambda r: self._mylist(r, "webdl"),
            ("GET", "torrents/mylist"): lambda r: self._mylist(r, "torrents"),
            ("GET", "webdl/requestdl"): lambda r: self._requestdl(r, "webdl", "web_id"),
            ("GET", "torrents/requestdl"): lambda r: self._requestdl(r, "torrents", "torrent_id"),
            ("POST", "webdl/controlwebdownload"): lambda r: self._control(r, "webdl", "webdl_id"),
            ("POST", "torrents/controltorrent"): lambda r: self._control(r, "torrents", "torrent_id"),
        }
        handler = handlers.get((request.method, endpoint))
        return error("ENDPOINT_NOT_FOUND", 404) if handler is None else handler(request)

    # -- account and hosters --------------------------------------------------------------------

    def _user(self, request: Request) -> Response:
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400))
        return ok(
            {
                "id": 4711,
                "email": EMAIL,
                "plan": 2,
                "created_at": "2025-01-01T00:00:00Z",
                "premium_expires_at": expires,
                "cooldown_until": None,
                "is_subscribed": True,
                "total_downloaded": 42,
                "base_email": EMAIL,
            }
        )

    def _hosters(self, request: Request) -> Response:
        entries = []
        for domain, (more, pattern, up) in HOSTERS.items():
            entry: dict[str, Any] = {
                "name": domain.split(".")[0].capitalize(),
                "domains": [domain, *more],
                "url": f"https://{domain}",
                "icon": f"https://torbox.invalid/icons/{domain}.png",
                "status": up,
                "type": "hoster",
                "note": None if up else "Down for maintenance.",
                # gofile.io's links are limited, as some hosters' are: 3 of 25 left today.
                "daily_link_limit": 25 if domain == "gofile.io" else 0,
                "daily_link_used": 22 if domain == "gofile.io" else 0,
                "daily_bandwidth_limit": 0,
                "daily_bandwidth_used": 0,
            }
            if pattern is not None:
                entry["regex"] = pattern
            entries.append(entry)
        return ok(entries + self._extra_entries())

    def _extra_entries(self) -> list[dict[str, Any]]:
        """The hosters a test gave this emulation beside its own (``Sandbox.extra_hosters``)."""
        extra = self._sandbox.extra_hosters.get("torbox", ()) if self._sandbox is not None else ()
        return [
            {"name": h.name.capitalize(), "domains": list(h.domains), "url": f"https://{h.domains[0]}",
             "icon": f"https://torbox.invalid/icons/{h.domains[0]}.png", "status": True, "type": "hoster",
             "note": None, "daily_link_limit": 0, "daily_link_used": 0, "daily_bandwidth_limit": 0,
             "daily_bandwidth_used": 0, "regex": h.delimited("i")}
            for h in extra
        ]  # fmt: skip

    def _checkcached(self, request: Request, kind: str) -> Response:
        hashes = [h.strip().lower() for h in request.args.get("hash", "").split(",") if h.strip()]
        if not hashes:
            return error("MISSING_REQUIRED_OPTION")
        known = self._cached_torrents(hashes) if kind == "torrents" else self._cached_links()
        entries = [{"name": known[h][0], "size": known[h][1], "hash": h} for h in hashes if h in known]
        if request.args.get("format") == "list":
            return ok(entries or None)
        return ok({entry["hash"]: entry for entry in entries} or None)

    def _cached_torrents(self, hashes: list[str]) -> dict[str, tuple[str, int]]:
        return {h: (f"Cached.Torrent.{h[:6]}", 123_456) for h in hashes if torrent_cached(h)}

    def _cached_links(self) -> dict[str, tuple[str, int]]:
        """The md5 of each hoster link the sandbox has cached: the published ones, and those
        it finished downloading."""
        known = {link_hash(link): file_of(link) for link in CACHED_LINKS}
        now = time.monotonic()
        for job in list(self.transfers.jobs.values()):
            if job.kind == "webdl" and job.state(now)[2]:
                known[job.hash] = (job.name, job.size())
        return known

    # -- creation -------------------------------------------------------------------------------

    def _create_webdl(self, request: Request) -> Response:
        link = request.form.get("link", "").strip()
        if not link:
            return error("MISSING_REQUIRED_OPTION")
        refusal = _refusal(link)
        if refusal is not None:
            return refusal
        hoster = hoster_of(link)
        if hoster is None:
            return error("INVALID_OPTION", detail="This hoster is not supported.")
        if not HOSTERS[hoster][2]:
            return error("DOWNLOAD_SERVER_ERROR", detail=f"{hoster} is down.")
        if "protected" in link.lower() and request.form.get("password") != "letmein":
            return error("INVALID_OPTION", detail="This link needs its password.")
        job = self.transfers.add_webdl(link)
        return ok({"webdownload_id": job.id, "hash": job.hash, "auth_id": "sandbox"}, "Web download added.")

    def _create_torrent(self, request: Request) -> Response:
        magnet = request.form.get("magnet", "").strip()
        if not magnet:
            return error("MISSING_REQUIRED_OPTION")
        refusal = _refusal(magnet)
        if refusal is not None:
            return refusal
        job = self.transfers.add_torrent(magnet)
        if job is None:
            return error("BOZO_TORRENT", detail="The magnet names no info hash.")
        said = "Found Cached Torrent. Using Cached Torrent." if job.takes == 0 else "Torrent added."
        return ok({"torrent_id": job.id, "hash": job.hash, "auth_id": "sandbox"}, said)

    # -- the transfers --------------------------------------------------------------------------

    def _mylist(self, request: Request, kind: str) -> Response:
        wanted = request.args.get("id")
        if wanted:
            job = self.transfers.find(kind, wanted)
            return error("ITEM_NOT_FOUND", 404) if job is None else ok(self.transfers.describe(job))
        offset = _number(request.args.get("offset"), 0)
        limit = _number(request.args.get("limit"), 1000) or 1000
        jobs = sorted((j for j in list(self.transfers.jobs.values()) if j.kind == kind), key=lambda j: -j.id)
        return ok([self.transfers.describe(job) for job in jobs[offset : offset + limit]])

    def _requestdl(self, request: Request, kind: str, id_name: str) -> Response:
        job: Job | None = self.transfers.find(kind, request.args.get(id_name))
        if job is None:
            return error("ITEM_NOT_FOUND", 404)
        served = self.transfers.file(job, request.args.get("file_id"))
        if served is None:
            return error("ITEM_NOT_FOUND", 404, detail="The download is not ready, or has no such file.")
        return ok(request.host_url.rstrip("/") + served.path, "Download link created.")

    def _control(self, request: Request, kind: str, id_name: str) -> Response:
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return error("INVALID_OPTION")
        if not isinstance(body, dict) or body.get("operation") != "delete":
            return error("INVALID_OPTION")
        if not self.transfers.delete(kind, body.get(id_name)):
            return error("ITEM_NOT_FOUND", 404)
        return ok(None, "Deleted.")


def _refusal(source: str) -> Response | None:
    """The error a link (or magnet) asks for."""
    asked = _ASKED.search(source)
    if asked is not None and asked.group(1).upper() in CODES:
        return error(asked.group(1).upper())
    if "status404" in source.lower():  # the sandbox's dead file, whichever provider is asked
        return error("LINK_OFFLINE", detail="The link is offline.")
    return None


def hoster_of(link: str) -> str | None:
    host = (urlsplit(link).hostname or "").lower().removeprefix("www.")
    for main, (more, _, _) in HOSTERS.items():
        if host == main or host in more or host.endswith("." + main):
            return main
    return None


def _number(value: str | None, default: int) -> int:
    return min(int(value), 1_000_000) if value and value.isdigit() else default


def ok(data: Any, detail: str = "Done.") -> Response:
    return _json({"success": True, "error": None, "detail": detail, "data": data})


def error(code: str, status: int | None = None, *, detail: str | None = None) -> Response:
    """A documented error in the envelope, with the HTTP status TorBox sends it with."""
    if status is None:
        status = 403 if code in _AUTH else 500 if code.endswith("ERROR") else 400
    words = detail or code.replace("_", " ").capitalize() + "."
    return _json({"success": False, "error": code, "detail": words, "data": None}, status)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def install(sandbox: Sandbox) -> TorBoxEmulation:
    emulation = TorBoxEmulation()
    emulation.install(sandbox)
    return emulation


def demo_samples() -> list[DemoSample]:
    """The demo's link for TorBox: a hoster only it serves in the sandbox."""
    return [
        DemoSample(
            "Trailer: https://gofile.io/d/C4ch3d/Holiday.Video.Trailer.mkv",
            ("ok",),
            "a hoster only TorBox serves, ready at once from its cache",
        )
    ]
