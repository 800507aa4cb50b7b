"""A faithful emulation of the pm-api (seed 002) for the sandbox.

Accounts of every type, a hoster list of real-looking hosters (PCRE-style regexes with
escaped slashes, tlds, connection settings), direct links served by the sandbox's file
server, fair use that runs out, and every documented error code on demand: a link whose
file id is ``status`` followed by a code (``https://rapidgator.net/file/status509``)
answers with that code, and one that holds ``status404`` or ``status451`` anywhere
(``https://openload.co/f/status404x1/a.bin``: dead at the file host) answers 404 or 451.
filefactory.com is listed but always down at the provider (428).
Accounts: 123456789 (premium, the demo's), 200000002 (free: 402 on links), 300000003
(trial), 509000009 (fair use exhausted: 509), 503000005 (hoster list in maintenance: 503).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Final

from werkzeug.wrappers import Request, Response

from linkresolver.api import DemoPart, DemoSample, ExtraHoster, Sandbox

from .client import DOWNLOADING_TYPES

LOGIN: Final = "123456789"  # the premium demo account: customer id and PIN
PIN: Final = "S3NT1NEL-premiumize-sandbox-pin-4711"
API_PATH: Final = "/premiumize/pm-api/v1.php"

MESSAGES: Final = {
    200: "OK",
    400: "no valid link",
    401: "login failed",
    402: "payment required",
    403: "forbidden",
    404: "file not found",
    428: "hoster currently not available",
    502: "unknown technical error",
    503: "temporary technical error, maintenance",
    509: "fair use limit exhausted",
}

# name: (tlds, regexes as the service writes them, connection settings)
HOSTERS: Final[dict[str, tuple[list[str], list[str], dict[str, Any]]]] = {
    "rapidgator.net": (
        ["rapidgator.net", "rg.to"],
        [r"https?:\/\/(www\.)?(rapidgator\.net|rg\.to)\/file\/[0-9a-zA-Z]+(\/[^\/?#]+)?"],
        {"max_connections_per_file": 2, "max_connections_per_hoster": 8, "resume": True},
    ),
    "uploaded.net": (
        ["uploaded.net", "ul.to", "uploaded.to"],
        [r"https?:\/\/(www\.)?(uploaded\.(net|to)\/file|ul\.to)\/[0-9a-z]+"],
        {"max_connections_per_file": 4, "max_connections_per_hoster": 8, "resume": True},
    ),
    "nitroflare.com": (
        ["nitroflare.com"],
        [r"https?:\/\/(www\.)?nitroflare\.com\/view\/[0-9A-Za-z]+(\/[^\/?#]+)?"],
        {"max_connections_per_file": 1, "max_connections_per_hoster": 4, "resume": False},
    ),
    "1fichier.com": (
        ["1fichier.com"],
        [r"https?:\/\/([a-z0-9]+\.)?1fichier\.com\/\?[a-z0-9]+"],
        {"max_connections_per_file": 1, "max_connections_per_hoster": 2, "resume": True},
    ),
    "turbobit.net": (
        ["turbobit.net"],
        [r"https?:\/\/(www\.)?turbobit\.net\/[a-z0-9]+(\.html)?"],
        {"max_connections_per_file": 2, "max_connections_per_hoster": 4, "resume": True},
    ),
    # File hosts that also have their own API (the Openload family): for failing over.
    "openload.co": (
        ["openload.co", "oload.tv"],
        [r"https?:\/\/(www\.)?(openload\.co|oload\.tv)\/(f|embed)\/[\w-]+(\/[^\/?#]+)?"],
        {"max_connections_per_file": 1, "max_connections_per_hoster": 4, "resume": True},
    ),
    "highload.to": (
        ["highload.to"],
        [r"https?:\/\/(www\.)?highload\.to\/(f|e)\/[\w-]+(\/[^\/?#]+)?"],
        {"max_connections_per_file": 2, "max_connections_per_hoster": 4, "resume": True},
    ),
    "filefactory.com": (
        ["filefactory.com"],
        [r"https?:\/\/(www\.)?filefactory\.com\/file\/[0-9a-z]+"],
        {"max_connections_per_file": 1, "max_connections_per_hoster": 2, "resume": True},
    ),
}
DOWN_HOSTERS: Final = frozenset({"filefactory.com"})
FAIR_USE_BYTES: Final = 50 << 30


@dataclass
class _Account:
    pin: str
    type: str
    expires: int | None
    fair_use_total: int
    fair_use_used: int = 0


class PremiumizeEmulation:
    """The pm-api's state and endpoint; one instance per sandbox."""

    def __init__(self) -> None:
        now = int(time.time())
        self.accounts = {
            LOGIN: _Account(PIN, "premium", now + 30 * 86400, FAIR_USE_BYTES),
            "200000002": _Account("free-pin-0002", "free", None, FAIR_USE_BYTES),
            "300000003": _Account("trial-pin-0003", "trial", now + 2 * 86400, FAIR_USE_BYTES),
            "509000009": _Account("quota-pin-0509", "premium", now + 30 * 86400, 0),
            # Downloads work, but its hoster list is "in maintenance" (503): for testing that
            # a failed refresh keeps the cached list.
            "503000005": _Account("maint-pin-0503", "premium", now + 30 * 86400, FAIR_USE_BYTES),
        }
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        sandbox.emulations["premiumize"] = self
        sandbox.route(API_PATH, self.endpoint, name="premiumize")
        sandbox.set_env("LINKRESOLVER_PREMIUMIZE_API_BASE", "{url}" + API_PATH)
        sandbox.set_env("LINKRESOLVER_PREMIUMIZE_LOGIN", LOGIN)
        sandbox.set_env("LINKRESOLVER_PREMIUMIZE_KEY", PIN)

    def endpoint(self, request: Request) -> Response:
        values = request.values
        account = self.accounts.get(values.get("params[login]", ""))
        if account is None or account.pin != values.get("params[pass]"):
            return _answer(401)
        method = values.get("method", "")
        if method == "accountstatus":
            return _answer(200, self._account_status(values["params[login]"], account))
        if method == "hosterlist":
            extra = self._sandbox.extra_hosters.get("premiumize", ()) if self._sandbox is not None else ()
            return _answer(503) if account.pin == "maint-pin-0503" else _answer(200, _hosterlist(extra))
        if method == "directdownloadlink":
            return self._direct_link(request, account, values.get("params[link]", ""))
        return _answer(400)

    def _account_status(self, login: str, account: _Account) -> dict[str, Any]:
        left = 1.0 if not account.fair_use_total else 1 - account.fair_use_used / account.fair_use_total
        return {
            "account_name": login,
            "type": account.type,
            "expires": account.expires,
            "fairuse_left": 0.0 if not account.fair_use_total else left,
            "trafficleft_bytes": account.fair_use_total - account.fair_use_used,  # deprecated
        }

    def _direct_link(self, request: Request, account: _Account, link: str) -> Response:
        hoster = _hoster_of(link)
        if hoster is None:
            return _answer(400)
        file_id, name = _file_of(link)
        # statusNNN asks for that answer; a file that is gone at the file host (404, 451 in
        # any id, as the Openload family's emulation reads them) is gone here too.
        status = re.fullmatch(r"status(\d{3})", file_id) or re.search(r"status(404|451)", file_id)
        if status:
            return _answer(int(status.group(1)))
        if hoster in DOWN_HOSTERS:
            return _answer(428)
        if account.type not in DOWNLOADING_TYPES:
            return _answer(402)
        assert self._sandbox is not None
        size = 65_536 + int(hashlib.sha1(file_id.encode()).hexdigest()[:6], 16) % 196_608  # noqa: S324
        with self._lock:
            if account.fair_use_used + size > account.fair_use_total:
                return _answer(509)
            account.fair_use_used += size
        served = self._sandbox.add_file(name, size, seed=f"{hoster}/{file_id}")
        result = {
            "location": request.host_url.rstrip("/") + served.path,
            "filename": name,
            "filesize": str(served.size),
        }
        return _answer(200, result)


def _hosterlist(extra: tuple[ExtraHoster, ...] = ()) -> dict[str, Any]:
    """The answer: the emulation's hosters, then ``extra`` (named by their first domain, as
    the service names its hosters; no connection settings)."""
    listed = {name: (tlds, regexes) for name, (tlds, regexes, _) in HOSTERS.items()}
    listed |= {h.domains[0]: (list(h.domains), [h.escaped()]) for h in extra}
    return {
        "hosters": {name: {"tlds": tlds, "regexes": regexes} for name, (tlds, regexes) in listed.items()},
        "regexlist": [regex for _, regexes in listed.values() for regex in regexes],
        "tldlist": [tld for tlds, _ in listed.values() for tld in tlds],
        "hosterlist": list(listed),
        "connection_settings": {name: settings for name, (_, _, settings) in HOSTERS.items()},
    }


def _hoster_of(link: str) -> str | None:
    import re  # noqa: PLC0415

    for name, (_, regexes, _) in HOSTERS.items():
        if any(re.search(regex.replace("\\/", "/"), link) for regex in regexes):
            return name
    return None


def _file_of(link: str) -> tuple[str, str]:
    """The file id and a file name for a hoster link (the name segment when there is one)."""
    path = link.split("://", 1)[-1].split("#", 1)[0]
    path = path.replace("?", "/")
    segments = [s for s in path.split("/")[1:] if s and s not in ("file", "view", "f", "e", "embed")]
    file_id = segments[0] if segments else "unknown"
    file_id = file_id.removesuffix(".html")
    name = segments[1].removesuffix(".html") if len(segments) > 1 else f"{file_id}.bin"
    return file_id, name


def _answer(status: int, result: Any = None) -> Response:
    """pm-api answers with HTTP 200 and the status inside the JSON (seed 002)."""
    body = {"result": result, "status": status, "statusmessage": MESSAGES.get(status, "error")}
    return Response(json.dumps(body), mimetype="application/json")


def demo_samples() -> list[DemoSample]:
    """The demo's links for Premiumize: hoster links in the ways people paste them, and a
    deleted file (``status404``) that ends as an error."""
    shows = "a debrid service's direct link, at once"
    return [
        DemoSample(
            "[url=https://rapidgator.net/file/a1b2c3d4/Holiday.Video.part1.rar.html]Part 1[/url]",
            ("ok",),
            shows,
        ),
        DemoSample("Part 2: https://rg.to/file/e5f6a7b8/Holiday.Video.part2.rar.html", ("ok",), shows),
        DemoSample('<a href="https://uploaded.net/file/k9x2m4">Part 3</a>', ("ok",), shows),
        DemoSample(
            "Mirror: nitroflare.com/view/7QX2P4Z/Holiday.Video.mkv", ("ok",), "a link without a scheme"
        ),
        DemoSample(
            "Also: https://1fichier.com/?q8w7e6r5t4 and https://turbobit.net/m3n4b5v6.html",
            ("ok", "ok"),
            shows,
        ),
        DemoSample(
            "Old link (deleted): https://rapidgator.net/file/status404",
            ("error",),
            "a deleted file is an error, with the service's reason",
            DemoPart.FAILURE,
        ),
    ]
