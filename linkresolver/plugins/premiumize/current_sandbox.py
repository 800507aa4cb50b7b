"""An emulation of Premiumize's current API for the sandbox, at ``{url}/premiumize/api``.

Installed next to the legacy pm-api's (:mod:`.sandbox`), whose environment the sandbox
still exports; point linkresolver at this one with a key and no login::

    LINKRESOLVER_PREMIUMIZE_API_BASE={url}/premiumize/api
    LINKRESOLVER_PREMIUMIZE_KEY=S3NT1NEL-pmcurrent-premium-key-2718   (and no _LOGIN)

Keys: :data:`KEY` (premium), :data:`FREE_KEY` (not premium: links are refused),
:data:`FAIR_USE_KEY` (fair use used up). Sent as ``Authorization: Bearer KEY`` or, as the
API still allows, an ``apikey`` parameter. Every answer is HTTP 200 with
``{"status": "success", ...}`` or ``{"status": "error", "message": ...}``, as the service's.

Links:

- the legacy emulation's hosters (rapidgator, uploaded, nitroflare...), each with its fair-use
  factor; filefactory.com is down ("Network error"); katfile.com is in the cache list only
  (its links work when their id holds ``cached``);
- a hoster link whose id holds ``folder``: a multi-file answer (three files);
- ``statusNNN`` in a link asks for that error's words (404 "File not found", 428 "Network
  error", 402 "Your account is not premium", 509 "Fair use limit reached", 503 maintenance,
  429 "Too many requests", 400 "Invalid link", 401 "Invalid API key", ``statusmystery``:
  words no client knows); ``status404`` anywhere (the sandbox's dead file) is "File not found";
- magnets: in the cache when the info hash starts with a digit (0-7 are in Offcloud's
  emulation's cache too, 8 and 9 only here); any other is fetched by a transfer that progresses a quarter per
  ``transfer/list``; one whose hash starts with ``dead`` fails ("no seeds"); a torrent is a
  folder of three files unless its name (``dn``) holds ``single``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from werkzeug.wrappers import Request, Response

from linkresolver.api import DemoPart, DemoSample, Sandbox, SandboxFile

from .sandbox import DOWN_HOSTERS, HOSTERS, _file_of, _hoster_of

API_PATH: Final = "/premiumize/api"
KEY: Final = "S3NT1NEL-pmcurrent-premium-key-2718"
FREE_KEY: Final = "S3NT1NEL-pmcurrent-free-key-0002"
FAIR_USE_KEY: Final = "S3NT1NEL-pmcurrent-fairuse-key-0509"
CACHE_ONLY: Final = {
    "katfile.com": (["katfile.com"], [r"https?://(www\.)?katfile\.com/[0-9a-z]+(/[^/?#]+)?"])
}
FAIR_USE_FACTOR: Final = {"rapidgator.net": 1, "uploaded.net": 2, "nitroflare.com": 4, "1fichier.com": 2}
#: What ``statusNNN`` in a link makes the API say.
STATUS_WORDS: Final = {
    "400": "Invalid link",
    "401": "Invalid API key",
    "402": "Your account is not premium",
    "404": "File not found",
    "428": "Network error",
    "429": "Too many requests",
    "503": "Service is in maintenance, please try again later",
    "509": "Fair use limit reached",
    "mystery": "Something unexpected happened (code 7)",
}
#: Fair use a download costs per factor point (the account's limit is 1.0).
FAIR_USE_PER_POINT: Final = 0.001
TORRENT_FILES: Final = ("part1.mkv", "part2.mkv", "nfo")


@dataclass
class _Account:
    customer_id: str
    premium: bool
    limit_used: float = 0.0
    transfers: dict[str, _Transfer] = field(default_factory=dict)


@dataclass
class _Transfer:
    id: str
    src: str
    name: str
    digest: str
    progress: float = 0.0
    status: str = "queued"
    message: str | None = None


class CurrentApiEmulation:
    """The current API's state and endpoints; one instance per sandbox."""

    def __init__(self) -> None:
        self.accounts = {
            KEY: _Account("123456789", premium=True),
            FREE_KEY: _Account("200000002", premium=False),
            FAIR_USE_KEY: _Account("509000009", premium=True, limit_used=1.0),
        }
        #: Info hashes fetched by a finished transfer: in the cache from then on.
        self.fetched: set[str] = set()
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self._expires = int(time.time()) + 30 * 86400

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        sandbox.emulations["premiumize-current"] = self
        sandbox.route(f"{API_PATH}/<path:endpoint>", self.api, name="premiumize-current")
        # The exports stay the legacy pm-api's (scripts and tests of it rely on them); the demo
        # shows the API people have today.
        sandbox.set_demo_env("LINKRESOLVER_PREMIUMIZE_LOGIN", None)
        sandbox.set_demo_env("LINKRESOLVER_PREMIUMIZE_API_BASE", "{url}" + API_PATH)
        sandbox.set_demo_env("LINKRESOLVER_PREMIUMIZE_KEY", KEY)

    def _account(self, token: str) -> _Account | None:
        """The account of an API key, or the premium account for an access token the OAuth
        emulation issued and has not seen lapse (a device login's)."""
        if token in self.accounts:
            return self.accounts[token]
        login = self._sandbox.emulations.get("premiumize-oauth") if self._sandbox is not None else None
        accepts = getattr(login, "accepts", None)
        return self.accounts[KEY] if accepts is not None and accepts(token) else None

    # -- dispatch -------------------------------------------------------------------------------

    def api(self, request: Request, endpoint: str) -> Response:
        token = _bearer(request) or request.values.get("apikey", "")
        if not token:
            return _error("customer_id and pin param missing or not logged in")
        account = self._account(token)
        if account is None:
            return _error("Not logged in.")
        handler = {
            "account/info": self._account_info,
            "services/list": self._services,
            "cache/check": self._cache_check,
            "transfer/directdl": self._directdl,
            "transfer/create": self._create,
            "transfer/list": self._list,
            "transfer/delete": self._delete,
        }.get(endpoint)
        if handler is None:
            return _json({"status": "error", "message": "unknown method"}, 404)
        with self._lock:
            return handler(request, account)

    # -- endpoints ------------------------------------------------------------------------------

    def _account_info(self, request: Request, account: _Account) -> Response:
        return _ok(
            customer_id=account.customer_id,
            premium_until=self._expires if account.premium else False,
            limit_used=round(min(1.0, account.limit_used), 4),
            space_used=sum(3 * 65_536 for t in account.transfers.values() if t.status == "finished"),
        )

    def _services(self, request: Request, account: _Account) -> Response:
        direct = [name for name in HOSTERS if name not in DOWN_HOSTERS] + sorted(DOWN_HOSTERS)
        hosters = {
            name: (tlds, [r.replace("\\/", "/") for r in regexes])
            for name, (tlds, regexes, _) in HOSTERS.items()
        }
        hosters |= CACHE_ONLY
        extra = self._sandbox.extra_hosters.get("premiumize-current", ()) if self._sandbox is not None else ()
        direct += [h.domains[0] for h in extra]  # named by their first domain, as the service names them
        hosters |= {h.domains[0]: (list(h.domains), [h.pattern]) for h in extra}
        return _json(
            {
                "directdl": direct,
                "cache": [*direct, *CACHE_ONLY],
                "aliases": {name: [t for t in tlds if t != name] for name, (tlds, _) in hosters.items()},
                "regexpatterns": {name: regexes for name, (_, regexes) in hosters.items()},
                "fairusefactor": {name: FAIR_USE_FACTOR.get(name, 1) for name in hosters},
            }
        )

    def _cache_check(self, request: Request, account: _Account) -> Response:
        items = request.values.getlist("items[]")
        found = [self._cached(item) for item in items]
        return _ok(
            response=[entry is not None for entry in found],
            transcoded=[False for _ in found],
            filename=[entry[0] if entry else None for entry in found],
            filesize=[entry[1] if entry else None for entry in found],
        )

    def _directdl(self, request: Request, account: _Account) -> Response:
        src = request.values.get("src", "")
        if not src:
            return _error("no src found")
        if src.lower().startswith("magnet:"):
            digest = _hash_of(src)
            if digest is None:
                return _error("Invalid magnet link")
            if not self._torrent_cached(digest):
                return _error("content not in cache")
            return self._torrent_answer(request, src, digest)
        refusal = self._link_refusal(src, account)
        if refusal is not None:
            return _error(refusal)
        hoster = _hoster_of(src) or _cache_only_hoster(src) or ""
        account.limit_used += FAIR_USE_FACTOR.get(hoster, 1) * FAIR_USE_PER_POINT
        file_id, name = _file_of(src)
        if "folder" in file_id:
            files = [
                self._file(f"{file_id}.{suffix}", f"{hoster}/{file_id}/{suffix}") for suffix in TORRENT_FILES
            ]
            return _ok(content=[_content(request, name, file) for file in files])
        served = self._file(name, f"{hoster}/{file_id}")
        return _ok(
            location=_url(request, served),
            filename=served.name,
            filesize=served.size,
            content=[_content(request, "", served)],
        )

    def _create(self, request: Request, account: _Account) -> Response:
        src = request.values.get("src", "")
        digest = _hash_of(src) if src.lower().startswith("magnet:") else None
        if digest is None:
            return _error("Invalid magnet link" if src.lower().startswith("magnet:") else "no src found")
        if account.limit_used >= 1.0:
            return _error("Fair use limit reached")
        if any(t.src == src for t in account.transfers.values()):
            return _error("You already added this job.")
        transfer = _Transfer(secrets.token_hex(8), src, _magnet_name(src), digest)
        account.transfers[transfer.id] = transfer
        return _ok(id=transfer.id, name=transfer.name, type="torrent")

    def _list(self, request: Request, account: _Account) -> Response:
        for transfer in account.transfers.values():
            self._advance(transfer)
        return _ok(
            transfers=[
                {
                    "id": t.id,
                    "name": t.name,
                    "message": t.message,
                    "status": t.status,
                    "progress": round(t.progress, 2),
                    "src": t.src,
                    "folder_id": None,
                    "file_id": None,
                }
                for t in account.transfers.values()
            ]
        )

    def _delete(self, request: Request, account: _Account) -> Response:
        if account.transfers.pop(request.values.get("id", ""), None) is None:
            return _error("Transfer not found")
        return _ok()

    # -- the state behind them ------------------------------------------------------------------

    def _advance(self, transfer: _Transfer) -> None:
        """Each look at the list moves a transfer on: queued, running a quarter at a time, finished."""
        if transfer.status in ("finished", "error"):
            return
        if transfer.digest.startswith("dead"):
            transfer.status, transfer.message = "error", "Torrent has no seeds (dead torrent)"
            return
        transfer.status = "running"
        transfer.progress = min(1.0, transfer.progress + 0.25)
        transfer.message = f"Downloading at 2.0 MB/s, {transfer.progress:.0%} done"
        if transfer.progress >= 1.0:
            transfer.status, transfer.message = "finished", None
            self.fetched.add(transfer.digest)

    def _torrent_cached(self, digest: str) -> bool:
        return digest[0] in "0123456789" or digest in self.fetched

    def _cached(self, item: str) -> tuple[str, int] | None:
        """(name, size) of an item in the cache (a hash, a magnet or a link), else None."""
        if item.lower().startswith("magnet:") or re.fullmatch(r"[0-9a-fA-F]{40}", item):
            digest = _hash_of(item) if item.lower().startswith("magnet:") else item.lower()
            if digest is None or not self._torrent_cached(digest):
                return None
            return (_magnet_name(item) if item.lower().startswith("magnet:") else digest), 3 * 65_536
        if self._link_refusal(item, None) is not None or "nocache" in item:
            return None
        file_id, name = _file_of(item)
        return name, self._file(name, f"{_hoster_of(item) or _cache_only_hoster(item)}/{file_id}").size

    def _link_refusal(self, link: str, account: _Account | None) -> str | None:
        """The error words for a hoster link, or None when it can be downloaded."""
        hoster = _hoster_of(link)
        cache_only = _cache_only_hoster(link)
        if hoster is None and cache_only is None:
            return "Hoster not supported"
        file_id, _ = _file_of(link)
        asked = re.fullmatch(r"status(\d{3}|mystery)", file_id) or re.search(r"status(404)", link)
        if asked:
            return STATUS_WORDS.get(asked.group(1), "File not found")
        if hoster in DOWN_HOSTERS:
            return "Network error"
        if cache_only is not None and "cached" not in file_id:
            return "content not in cache"
        if account is not None and not account.premium:
            return "Your account is not premium"
        if account is not None and account.limit_used >= 1.0:
            return "Fair use limit reached"
        return None

    def _torrent_answer(self, request: Request, src: str, digest: str) -> Response:
        name = _magnet_name(src)
        if "single" in name.lower():
            served = self._file(name, f"torrent/{digest}")
            return _ok(
                location=_url(request, served),
                filename=name,
                filesize=served.size,
                content=[_content(request, "", served)],
            )
        files = [self._file(f"{name}.{suffix}", f"torrent/{digest}/{suffix}") for suffix in TORRENT_FILES]
        return _ok(filename=name, content=[_content(request, name, file) for file in files])

    def _file(self, name: str, seed: str) -> SandboxFile:
        assert self._sandbox is not None
        size = 65_536 + int(hashlib.sha1(seed.encode()).hexdigest()[:5], 16) % 131_072  # noqa: S324
        return self._sandbox.add_file(name, size, seed=f"premiumize-current/{seed}")


def install(sandbox: Sandbox) -> CurrentApiEmulation:
    emulation = CurrentApiEmulation()
    emulation.install(sandbox)
    return emulation


def demo_samples() -> list[DemoSample]:
    """A torrent ready at once in Premiumize's cache only (its info hash starts with 9: Offcloud's
    emulation caches 0-7), so that the demo shows a magnet going to the provider that has it."""
    return [
        DemoSample(
            "Photos torrent, in Premiumize's cache:\n"
            "magnet:?xt=urn:btih:9d9f1a7c5e2b8046f1d3c5a7e9b2d4f6a8c0e1b3&dn=Holiday.Photos.single.zip",
            ("ok",),
            "a torrent one provider has cached goes to that provider, ready at once",
            DemoPart.TORRENT,
        )
    ]


def _bearer(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


def _cache_only_hoster(link: str) -> str | None:
    for name, (_, regexes) in CACHE_ONLY.items():
        if any(re.search(regex, link) for regex in regexes):
            return name
    return None


def _hash_of(magnet: str) -> str | None:
    try:
        topics = parse_qs(urlsplit(magnet).query).get("xt", [])
    except ValueError:
        return None
    for topic in topics:
        value = topic[9:] if topic.lower().startswith("urn:btih:") else ""
        if len(value) == 40:
            return value.lower()
    return None


def _magnet_name(magnet: str) -> str:
    try:
        names = parse_qs(urlsplit(magnet).query).get("dn")
    except ValueError:
        names = None
    return (names[0] if names else "torrent").replace("/", "_")


def _url(request: Request, served: SandboxFile) -> str:
    return request.host_url.rstrip("/") + served.path


def _content(request: Request, folder: str, served: SandboxFile) -> dict[str, Any]:
    return {
        "path": f"{folder}/{served.name}" if folder else served.name,
        "size": served.size,
        "link": _url(request, served),
        "stream_link": None,
        "transcode_status": "not_applicable",
    }


def _ok(**fields: Any) -> Response:
    return _json({"status": "success", **fields})


def _error(message: str) -> Response:
    return _json({"status": "error", "message": message})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
