"""Real-Debrid's OAuth endpoints, emulated for the sandbox: the device flow, end to end.

``device/code`` hands out a device code; the emulated person "enters" it after
``approve_after_polls`` polls of ``device/credentials`` (until then: HTTP 403, as
Real-Debrid answers); the credentials made for that person buy tokens at ``token``, and the
refresh token renews them. Every knob is an attribute of the emulation
(``sandbox.emulations["realdebrid-oauth"]``), for tests to turn: fast polling (``interval``),
a code that lapses (``code_lifetime``) or is never entered (``approve_after_polls=None``),
``slow_down_polls`` answered 429 with ``Retry-After``, short-lived access tokens
(``access_lifetime``), and :meth:`RealDebridOAuthEmulation.revoke` (every refresh token
refused from then on). ``GET /_sandbox/realdebrid/whoami`` answers 200 for a valid
``Authorization: Bearer`` token and 401 ``bad_token`` otherwise: the call that proves a
token is used; :meth:`RealDebridOAuthEmulation.accepts` lets the REST emulation check it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Final

from werkzeug.wrappers import Request, Response

from linkresolver.api import Sandbox, register_secrets

from .oauth import DEVICE_GRANT, OAUTH_BASE_ENV, OPEN_SOURCE_CLIENT_ID

OAUTH_PATH: Final = "/realdebrid/oauth/v2"
WHOAMI_PATH: Final = "/_sandbox/realdebrid/whoami"
EMULATION: Final = "realdebrid-oauth"


def _secret(kind: str) -> str:
    """A secret this emulation issues: a sentinel the end-to-end tests' secrets audit
    recognises anywhere, and registered so that the sandbox's own request log masks it (the
    device code travels in a query string, as the service's API has it)."""
    value = f"S3NT1NEL-rd{kind}-{secrets.token_urlsafe(12)}"
    register_secrets([value])
    return value


@dataclass
class _Device:
    code: str
    user_code: str
    expires: float
    polls: int = 0
    client_id: str | None = None
    client_secret: str | None = None


@dataclass
class _Grant:
    client_id: str
    client_secret: str
    refresh_token: str


class RealDebridOAuthEmulation:
    """The OAuth state of one sandbox: device codes, people's credentials, tokens."""

    def __init__(self) -> None:
        #: Seconds between polls the device endpoint asks for (Real-Debrid says 5).
        self.interval = 0.2
        #: Seconds a device code lives.
        self.code_lifetime = 600.0
        #: Polls after which the person has entered the code; None: never.
        self.approve_after_polls: int | None = 2
        #: The first polls of each code answered "slow down" (429, Retry-After).
        self.slow_down_polls = 0
        #: Seconds an access token lives.
        self.access_lifetime = 3600.0
        self._lock = threading.Lock()
        self._devices: dict[str, _Device] = {}
        self._grants: dict[str, _Grant] = {}  # by refresh token
        self._access: dict[str, float] = {}  # access token -> expiry
        #: Every secret handed out: the secrets audit's list.
        self.issued: list[str] = []

    def install(self, sandbox: Sandbox) -> None:
        sandbox.emulations[EMULATION] = self
        sandbox.route(f"{OAUTH_PATH}/device/code", self.device_code, name="realdebrid-oauth-code")
        sandbox.route(
            f"{OAUTH_PATH}/device/credentials", self.credentials, name="realdebrid-oauth-credentials"
        )
        sandbox.route(f"{OAUTH_PATH}/token", self.token, name="realdebrid-oauth-token", methods=("POST",))
        sandbox.route(WHOAMI_PATH, self.whoami, name="realdebrid-oauth-whoami", methods=("GET",))
        sandbox.set_env(OAUTH_BASE_ENV, "{url}" + OAUTH_PATH)

    # -- for tests -------------------------------------------------------------------------------

    def accepts(self, token: str | None) -> bool:
        """Whether ``token`` is an access token issued here and not yet expired."""
        with self._lock:
            expiry = self._access.get(token or "")
        return expiry is not None and expiry > time.time()

    def revoke(self) -> None:
        """Refuse every refresh token issued so far (the person revoked the program)."""
        with self._lock:
            self._grants.clear()

    # -- endpoints -------------------------------------------------------------------------------

    def device_code(self, request: Request) -> Response:
        if request.args.get("client_id") != OPEN_SOURCE_CLIENT_ID:
            return _error(400, "invalid_client", 2)
        device = _Device(_secret("device"), secrets.token_hex(4).upper(), time.time() + self.code_lifetime)
        with self._lock:
            self._devices[device.code] = device
            self.issued.append(device.code)
        return _json(
            200,
            {
                "device_code": device.code,
                "user_code": device.user_code,
                "interval": self.interval,
                "expires_in": self.code_lifetime,
                "verification_url": "https://real-debrid.com/device",
                "direct_verification_url": f"https://real-debrid.com/device?code={device.user_code}",
            },
        )

    def credentials(self, request: Request) -> Response:
        with self._lock:
            device = self._devices.get(request.args.get("code", ""))
            if device is None or request.args.get("client_id") != OPEN_SOURCE_CLIENT_ID:
                return _error(400, "invalid_grant", 2)
            if device.expires <= time.time():
                return _error(403, "expired_token", 9)
            device.polls += 1
            if device.polls <= self.slow_down_polls:
                answer = _error(429, "too_many_requests", 34)
                answer.headers["Retry-After"] = "1"
                return answer
            if self.approve_after_polls is None or device.polls < self.approve_after_polls:
                return _error(403, "authorization_pending", 9)
            if device.client_id is None:
                device.client_id, device.client_secret = f"RD{secrets.token_hex(6)}", _secret("client")
                self.issued.append(device.client_secret)
        return _json(200, {"client_id": device.client_id, "client_secret": device.client_secret})

    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != DEVICE_GRANT:
            return _error(400, "unsupported_grant_type", 2)
        client, secret, code = form.get("client_id"), form.get("client_secret"), form.get("code", "")
        with self._lock:
            device = self._devices.get(code)
            person = (device.client_id, device.client_secret) if device is not None else (None, None)
            if person[0] is not None and person[1] is not None and (client, secret) == person:
                del self._devices[code]  # a device code buys one token
                return self._issue(person[0], person[1])
            grant = self._grants.pop(code, None)
            if grant is not None and (client, secret) == (grant.client_id, grant.client_secret):
                return self._issue(grant.client_id, grant.client_secret)
        return _error(400, "invalid_grant", 8)

    def whoami(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        if not self.accepts(token):
            return _error(401, "bad_token", 8)
        return _json(200, {"username": "sandbox-user", "type": "premium"})

    def _issue(self, client_id: str, client_secret: str) -> Response:
        """A new access and refresh token (called with the lock held)."""
        access, refresh = _secret("access"), _secret("refresh")
        self._access[access] = time.time() + self.access_lifetime
        self._grants[refresh] = _Grant(client_id, client_secret, refresh)
        self.issued += [access, refresh]
        return _json(
            200,
            {
                "access_token": access,
                "expires_in": self.access_lifetime,
                "token_type": "Bearer",
                "refresh_token": refresh,
            },
        )


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _error(status: int, error: str, code: int) -> Response:
    return _json(status, {"error": error, "error_code": code})


def install(sandbox: Sandbox) -> RealDebridOAuthEmulation:
    """Add Real-Debrid's OAuth endpoints to ``sandbox`` (from the plugin's sandbox_routes)."""
    emulation = RealDebridOAuthEmulation()
    emulation.install(sandbox)
    return emulation
