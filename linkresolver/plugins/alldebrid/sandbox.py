"""AllDebrid's API v4 emulated for the sandbox, from its documentation.

Bearer authentication (:data:`KEY`, or a key a PIN login issued; ``hosts`` and the PIN
endpoints need none), the ``{"status", "data" | "error"}`` envelope, hoster links unlocked
to files the sandbox serves (with Range), the hoster list (``hosts``, ``user/hosts``),
redirectors and folders (``link/redirector``), delayed links, the account (``user``, saved
links, history), magnets (:mod:`.sandbox_magnets`) and the PIN login (approved on the
third poll). What a link does is written in it:

- ``aderror-`` and a documented code (``https://hitfile.net/x1/aderror-link_host_full``):
  that error;
- ``status404`` anywhere: the sandbox's file that is dead at its host (``LINK_DOWN``), as
  for every provider;
- ``delayed``: unlocked as a delayed link, ready about a second later;
- ``protected``: needs the link password ``sandbox`` (``LINK_PASS_PROTECTED`` otherwise);
- ``ouo.io/ID`` (a redirector) and ``hitfile.net/folder/ID``: three and two links behind.

As the service (https://docs.alldebrid.com/#rate-limiting), it allows 12 requests a second
and 600 a minute: one more is refused with HTTP 429 (and ``Retry-After``: when the window
frees), counted in ``refused_for_rate``; ``requests_per_second`` and
``requests_per_minute`` at 0 lift the limits (tests that share one sandbox do).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from linkresolver.api import DemoSample, ExtraHoster, Sandbox, register_secrets

from .errors import MEANINGS
from .sandbox_links import HOSTERS, asked_error, file_of, hoster_of, refusal_of
from .sandbox_magnets import Magnets

API_PATH: Final = "/alldebrid/v4"
KEY: Final = "S3NT1NEL-alldebrid-sandbox-key"
USERNAME: Final = "sandbox-ad"
REDIRECTORS: Final[dict[str, tuple[list[str], str]]] = {
    "ouo": (["ouo.io", "ouo.press"], r"https?:\/\/(?:www\.)?ouo\.(?:io|press)\/[0-9A-Za-z_-]+"),
}
REDIRECTED: Final = "https://redirect.alldebrid.com/"
#: Seconds a delayed link takes to be ready.
DELAYED_FOR: Final = 1.0
#: PIN checks answered "not yet" before the login is approved.
PIN_PENDING_POLLS: Final = 2
PUBLIC: Final = frozenset({"ping", "hosts", "hosts/domains", "pin/get", "pin/check"})
#: The documented limits (per key or address): requests a second and a minute.
REQUESTS_PER_SECOND: Final = 12
REQUESTS_PER_MINUTE: Final = 600


class AllDebridEmulation:
    """AllDebrid's state and endpoints; one instance per sandbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self.magnets = Magnets()
        #: The keys accepted: the published one, and those PIN logins issued.
        self.keys: set[str] = {KEY}
        #: check id -> [pin, polls so far, key issued or None, expiry]
        self.pins: dict[str, list[Any]] = {}
        #: delayed id -> (ready at, file name, size, link)
        self.delayed: dict[int, tuple[float, str, int, str]] = {}
        self.history: list[dict[str, Any]] = []
        #: Every request's endpoint, in order (tests read what was asked).
        self.calls: list[str] = []
        self.requests_per_second = REQUESTS_PER_SECOND
        self.requests_per_minute = REQUESTS_PER_MINUTE
        self.refused_for_rate = 0
        self._arrivals: deque[float] = deque()

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        sandbox.emulations["alldebrid"] = self
        for version in ("v4", "v4.1"):
            sandbox.route(
                f"/alldebrid/{version}/<path:endpoint>",
                self.api,
                name=f"alldebrid-api-{version}",
                methods=("GET", "POST"),
            )
        sandbox.route("/alldebrid/pin/", self._pin_page, name="alldebrid-pin-page", methods=("GET",))
        sandbox.set_env("LINKRESOLVER_ALLDEBRID_API_BASE", "{url}" + API_PATH)
        sandbox.set_env("LINKRESOLVER_ALLDEBRID_KEY", KEY)

    # -- dispatch -----------------------------------------------------------------------------

    def _wait_for_rate(self) -> float | None:
        """None when this request is within the limits; else seconds until it would be
        (the refused request counts too, as at the service)."""
        now = time.monotonic()
        with self._lock:
            while self._arrivals and self._arrivals[0] <= now - 60:
                self._arrivals.popleft()
            self._arrivals.append(now)
            in_second = [t for t in self._arrivals if t > now - 1]
            over: list[float] = []
            if self.requests_per_second and len(in_second) > self.requests_per_second:
                over.append(in_second[-self.requests_per_second - 1] + 1 - now)
            if self.requests_per_minute and len(self._arrivals) > self.requests_per_minute:
                over.append(self._arrivals[-self.requests_per_minute - 1] + 60 - now)
            if not over:
                return None
            self.refused_for_rate += 1
            return max(over)

    def api(self, request: Request, endpoint: str) -> Response:
        with self._lock:
            self.calls.append(endpoint)
        if self.requests_per_second or self.requests_per_minute:
            wait = self._wait_for_rate()
            if wait is not None:
                refused = _json({"status": "error", "error": {"message": "Too many requests"}}, 429)
                refused.headers["Retry-After"] = str(max(1, round(wait + 0.5)))
                return refused
        if endpoint not in PUBLIC:
            given = request.headers.get("Authorization", "")
            if not given:
                return error("AUTH_MISSING_APIKEY", 401)
            if given.removeprefix("Bearer ") not in self.keys:
                return error("AUTH_BAD_APIKEY", 401)
        handlers: dict[str, Callable[[Request], Response]] = {
            "ping": lambda request: ok({"ping": "pong"}),
            "hosts": self._hosts,
            "user": self._user,
            "user/hosts": self._user_hosts,
            "user/links": lambda request: ok({"links": [self._saved_link()]}),
            "user/history": self._history,
            "link/infos": self._infos,
            "link/unlock": self._unlock,
            "link/delayed": self._delayed,
            "link/redirector": self._redirector,
            "magnet/upload": self._upload,
            "magnet/status": self._status,
            "magnet/files": self._files,
            "magnet/delete": self._delete,
            "pin/get": self._pin_get,
            "pin/check": self._pin_check,
        }
        handler = handlers.get(endpoint)
        return handler(request) if handler is not None else error("404", 404)

    # -- account and hosts --------------------------------------------------------------------

    def _hosts(self, request: Request) -> Response:
        def entries(listed: dict[str, tuple[list[str], str]]) -> dict[str, Any]:
            return {
                name: {"name": name, "type": "premium", "domains": domains, "regexp": pattern, "status": True}
                for name, (domains, pattern) in listed.items()
            }

        hosts = entries(HOSTERS) | self._extra_entries(lambda hoster: {"regexp": hoster.escaped()})
        return ok({"hosts": hosts, "streams": {}, "redirectors": entries(REDIRECTORS)})

    def _user_hosts(self, request: Request) -> Response:
        return ok(
            {
                "hosts": {
                    name: {
                        "name": name,
                        "type": "premium",
                        "domains": domains,
                        "regexps": [pattern],
                        "status": True,
                        **(
                            {"quota": 4096, "quotaMax": 5000, "quotaType": "traffic"}
                            if name == "alfafile"
                            else {}
                        ),
                    }
                    for name, (domains, pattern) in HOSTERS.items()
                }
                | self._extra_entries(lambda hoster: {"regexps": [hoster.escaped()]})
            }
        )

    def _extra_entries(self, patterns: Callable[[ExtraHoster], dict[str, Any]]) -> dict[str, Any]:
        """The hosters a test gave this emulation beside its own (``Sandbox.extra_hosters``),
        as ``hosts`` (``regexp``) or ``user/hosts`` (``regexps``) lists them."""
        extra = self._sandbox.extra_hosters.get("alldebrid", ()) if self._sandbox is not None else ()
        return {
            h.name: {"name": h.name, "type": "premium", "domains": list(h.domains), **patterns(h),
                     "status": True}
            for h in extra
        }  # fmt: skip

    def _user(self, request: Request) -> Response:
        return ok(
            {
                "user": {
                    "username": USERNAME,
                    "email": "sandbox@alldebrid.invalid",
                    "isPremium": True,
                    "isSubscribed": False,
                    "isTrial": False,
                    "premiumUntil": int(time.time()) + 30 * 86400,
                    "lang": "en",
                    "preferedDomain": "com",
                    "fidelityPoints": 420,
                    "limitedHostersQuotas": {"alfafile": 4096},
                    "notifications": [],
                }
            }
        )

    def _saved_link(self) -> dict[str, Any]:
        link = "https://hitfile.net/s4v3d/Saved.Video.mkv"
        return {
            "link": link,
            "filename": "Saved.Video.mkv",
            "size": file_of(link)[1],
            "date": 1700000000,
            "host": "hitfile",
        }

    def _history(self, request: Request) -> Response:
        with self._lock:
            return ok({"links": list(self.history)})

    # -- links ----------------------------------------------------------------------------------

    def _infos(self, request: Request) -> Response:
        links = request.form.getlist("link[]") or request.form.getlist("link")
        if not links:
            return error("LINK_IS_MISSING")
        password = request.form.get("password")
        infos: list[dict[str, Any]] = []
        for link in links[:100]:
            refusal = refusal_of(link, password)
            if refusal is not None:
                infos.append({"link": link, "error": {"code": refusal, "message": MEANINGS[refusal].says}})
                continue
            name, size = file_of(link)
            host = hoster_of(link) or "alldebrid"
            infos.append(
                {
                    "link": link,
                    "filename": name,
                    "size": size,
                    "host": host,
                    "hostDomain": HOSTERS[host][0][0],
                }
            )
        return ok({"infos": infos})

    def _unlock(self, request: Request) -> Response:
        assert self._sandbox is not None
        link = request.form.get("link", "")
        if not link:
            return error("LINK_IS_MISSING")
        hosted = self.magnets.hosted.get(link)
        if hosted is not None:
            name, size = hosted
        elif link.startswith(REDIRECTED):
            name = link.removeprefix(REDIRECTED).split("-", 1)[-1] or "file.bin"
            size = file_of(link)[1]
        else:
            refusal = refusal_of(link, request.form.get("password"))
            if refusal is not None:
                return error(refusal)
            name, size = file_of(link)
        served = self._sandbox.add_file(name, size, seed=f"ad/{link}")
        download = request.host_url.rstrip("/") + served.path
        with self._lock:
            self.history.insert(
                0, {"link": link, "filename": name, "size": size, "date": int(time.time()), "host": "hitfile"}
            )
        answer: dict[str, Any] = {
            "link": download,
            "host": hoster_of(link) or "alldebrid",
            "filename": name,
            "paws": False,
            "filesize": size,
            "streams": [],
            "id": secrets.token_hex(5),
        }
        if "delayed" in link.lower():
            delayed_id = secrets.randbelow(10**8) + 1
            with self._lock:
                self.delayed[delayed_id] = (time.monotonic() + DELAYED_FOR, name, size, download)
            answer.update(link="", delayed=delayed_id)
        return ok(answer)

    def _delayed(self, request: Request) -> Response:
        raw = request.form.get("id", "")
        found = self.delayed.get(int(raw)) if raw.isdigit() and len(raw) < 12 else None
        if found is None:
            return error("DELAYED_INVALID_ID")
        ready_at, _, _, download = found
        left = ready_at - time.monotonic()
        if left > 0:
            return ok({"status": 1, "time_left": max(1, round(left))})
        return ok({"status": 2, "time_left": 0, "link": download})

    def _redirector(self, request: Request) -> Response:
        link = request.form.get("link", "")
        asked = asked_error(link)
        if asked is not None:
            return error(asked)
        host = (urlsplit(link).hostname or "").lower().removeprefix("www.")
        stem = re.sub(r"[^0-9A-Za-z]", "", link.rstrip("/").rsplit("/", 1)[-1])[:20] or "x"
        if any(host in domains for domains, _ in REDIRECTORS.values()):
            return ok(
                {"links": [f"{REDIRECTED}{secrets.token_hex(8)}-{stem}.part{n}.rar" for n in (1, 2, 3)]}
            )
        if host in HOSTERS["hitfile"][0] and "/folder/" in link:
            return ok({"links": [f"https://hitfile.net/{stem}f{n}/{stem}.part{n}.rar" for n in (1, 2)]})
        return error("REDIRECTOR_NOT_SUPPORTED")

    # -- magnets --------------------------------------------------------------------------------

    def _upload(self, request: Request) -> Response:
        sent = request.form.getlist("magnets[]") or request.form.getlist("magnets")
        if not sent:
            return error("MAGNET_NO_URI")
        answers: list[dict[str, Any]] = []
        for magnet in sent[:20]:
            job = self.magnets.add(magnet)
            if job is None:
                answers.append(
                    {
                        "magnet": magnet,
                        "error": {"code": "MAGNET_INVALID_URI", "message": "Magnet is not valid"},
                    }
                )
                continue
            answers.append(
                {
                    "magnet": magnet,
                    "hash": job.hash,
                    "name": job.name,
                    "size": job.size,
                    "ready": job.cached,
                    "id": job.id,
                }
            )
        return ok({"magnets": answers})

    def _status(self, request: Request) -> Response:
        magnet_id = request.form.get("id")
        if magnet_id is None:
            return ok({"magnets": self.magnets.listed(request.form.get("status"))})
        job = self.magnets.get(magnet_id)
        return error("MAGNET_INVALID_ID") if job is None else ok({"magnets": job.describe(time.time())})

    def _files(self, request: Request) -> Response:
        entries: list[dict[str, Any]] = []
        for magnet_id in request.form.getlist("id[]") or request.form.getlist("id"):
            job = self.magnets.get(magnet_id)
            if job is None or job.status_code(time.time()) != 4:
                entries.append(
                    {"id": magnet_id, "error": {"code": "MAGNET_INVALID_ID", "message": "invalid"}}
                )
            else:
                entries.append({"id": str(job.id), "files": job.tree()})
        return ok({"magnets": entries})

    def _delete(self, request: Request) -> Response:
        if not self.magnets.delete(request.form.get("id", "")):
            return error("MAGNET_INVALID_ID")
        return ok({"message": "Magnet was successfully deleted"})

    # -- the PIN login --------------------------------------------------------------------------

    def _pin_get(self, request: Request) -> Response:
        pin = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4))
        # A secret (whoever has it gets the key): a sentinel the secrets audit finds anywhere,
        # masked in the sandbox's own request log like the key the login issues.
        check = f"S3NT1NEL-alldebrid-check-{secrets.token_hex(16)}"
        register_secrets([check])
        with self._lock:
            self.pins[check] = [pin, 0, None, time.monotonic() + 600]
        page = request.host_url.rstrip("/") + "/alldebrid/pin/"
        # "interval" is the sandbox's own: the service's documentation says every 5 seconds.
        return ok(
            {
                "pin": pin,
                "check": check,
                "expires_in": 600,
                "user_url": f"{page}?pin={pin}",
                "base_url": page,
                "interval": 1,
            }
        )

    def _pin_check(self, request: Request) -> Response:
        check, pin = request.form.get("check", ""), request.form.get("pin", "")
        with self._lock:
            state = self.pins.get(check)
            if state is None or state[0] != pin:
                return error("PIN_INVALID")
            if time.monotonic() > state[3]:
                return error("PIN_EXPIRED")
            state[1] += 1
            left = int(state[3] - time.monotonic())
            if state[1] <= PIN_PENDING_POLLS:
                return ok({"activated": False, "expires_in": left})
            if state[2] is None:
                issued = f"S3NT1NEL-alldebrid-pin-{secrets.token_hex(8)}"
                register_secrets([issued])
                self.keys.add(issued)
                state[2] = issued
            return ok({"apikey": state[2], "activated": True, "expires_in": left})

    def _pin_page(self, request: Request) -> Response:
        return Response(
            "<html><body>Enter your PIN (sandbox: approved on the third check)</body></html>",
            mimetype="text/html",
        )


def error(code: str, status: int = 200) -> Response:
    """A documented error, in the envelope (AllDebrid answers most with HTTP 200)."""
    meaning = MEANINGS.get(code)
    message = meaning.says if meaning else "An error occured"
    return _json({"status": "error", "error": {"code": code, "message": message}}, status)


def ok(data: Any) -> Response:
    return _json({"status": "success", "data": data})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def install(sandbox: Sandbox) -> AllDebridEmulation:
    emulation = AllDebridEmulation()
    emulation.install(sandbox)
    return emulation


def demo_samples() -> list[DemoSample]:
    """The demo's link for AllDebrid: a hoster only it serves in the sandbox."""
    return [
        DemoSample(
            "From the trip: https://hitfile.net/h1tf1l3/Holiday.Video.mkv",
            ("ok",),
            "a hoster only AllDebrid serves, unlocked at once",
        )
    ]
