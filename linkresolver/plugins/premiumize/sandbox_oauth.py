"""Premiumize's ``/token`` device flow, emulated for the sandbox.

``response_type=device_code`` hands out a device code; polls (``grant_type=device_code``)
answer ``authorization_pending`` until ``approve_after_polls`` polls, then an access token
(and a refresh token, which the ``refresh_token`` grant takes). Only ``CLIENT_ID`` is a
known client (the sandbox sets ``LINKRESOLVER_PREMIUMIZE_CLIENT_ID`` to it). The knobs are
attributes of the emulation (``sandbox.emulations["premiumize-oauth"]``): ``interval``,
``code_lifetime`` (then ``expired_token``), ``approve_after_polls`` (None: never),
``deny`` (``access_denied``), ``slow_down_polls`` (``slow_down`` with a new interval),
``access_lifetime``, and :meth:`PremiumizeOAuthEmulation.revoke`. ``GET
/_sandbox/premiumize/whoami`` answers 200 for a valid ``Authorization: Bearer`` token and
401 otherwise (the call that proves a token is used); :meth:`accepts` checks one for the
API emulation.
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

from .oauth import CLIENT_ID_ENV, OAUTH_BASE_ENV

OAUTH_PATH: Final = "/premiumize-oauth"
WHOAMI_PATH: Final = "/_sandbox/premiumize/whoami"
EMULATION: Final = "premiumize-oauth"
CLIENT_ID: Final = "sandbox-client-4711"


def _secret(kind: str) -> str:
    """A secret this emulation issues: a sentinel the end-to-end tests' secrets audit
    recognises anywhere, and registered so that the sandbox's own request log masks it (the
    device code travels in a query string, as the service's API has it)."""
    value = f"S3NT1NEL-pm{kind}-{secrets.token_urlsafe(12)}"
    register_secrets([value])
    return value


@dataclass
class _Device:
    code: str
    user_code: str
    expires: float
    polls: int = 0


class PremiumizeOAuthEmulation:
    """The OAuth state of one sandbox: device codes and tokens."""

    def __init__(self) -> None:
        self.interval = 0.2
        self.code_lifetime = 600.0
        self.approve_after_polls: int | None = 2
        self.deny = False
        self.slow_down_polls = 0
        self.access_lifetime = 3600.0
        self._lock = threading.Lock()
        self._devices: dict[str, _Device] = {}
        self._refresh: set[str] = set()
        self._access: dict[str, float] = {}
        #: Every secret handed out: the secrets audit's list.
        self.issued: list[str] = []

    def install(self, sandbox: Sandbox) -> None:
        sandbox.emulations[EMULATION] = self
        sandbox.route(f"{OAUTH_PATH}/token", self.token, name="premiumize-oauth-token", methods=("POST",))
        sandbox.route(WHOAMI_PATH, self.whoami, name="premiumize-oauth-whoami", methods=("GET",))
        sandbox.set_env(OAUTH_BASE_ENV, "{url}" + OAUTH_PATH)
        sandbox.set_env(CLIENT_ID_ENV, CLIENT_ID)

    def accepts(self, token: str | None) -> bool:
        """Whether ``token`` is an access token issued here and not yet expired."""
        with self._lock:
            expiry = self._access.get(token or "")
        return expiry is not None and expiry > time.time()

    def revoke(self) -> None:
        """Refuse every refresh token issued so far."""
        with self._lock:
            self._refresh.clear()

    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != CLIENT_ID:
            return _error(400, "invalid_client")
        if form.get("response_type") == "device_code":
            return self._start()
        grant = form.get("grant_type")
        with self._lock:
            if grant == "device_code":
                return self._poll(form.get("code", ""))
            if grant == "refresh_token" and form.get("refresh_token", "") in self._refresh:
                self._refresh.discard(form.get("refresh_token", ""))
                return self._issue()
        return _error(400, "invalid_grant")

    def whoami(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        if not self.accepts(token):
            return _json(401, {"status": "error", "message": "not logged in"})
        return _json(200, {"status": "success", "customer_id": "123456789", "premium_until": 4102444800})

    def _start(self) -> Response:
        device = _Device(_secret("device"), secrets.token_hex(3).upper(), time.time() + self.code_lifetime)
        with self._lock:
            self._devices[device.code] = device
            self.issued.append(device.code)
        return _json(
            200,
            {
                "device_code": device.code,
                "user_code": device.user_code,
                "verification_uri": "https://www.premiumize.me/device",
                "expires_in": self.code_lifetime,
                "interval": self.interval,
            },
        )

    def _poll(self, code: str) -> Response:
        """One poll (called with the lock held)."""
        device = self._devices.get(code)
        if device is None:
            return _error(400, "invalid_grant")
        if device.expires <= time.time():
            return _error(400, "expired_token")
        if self.deny:
            return _error(400, "access_denied")
        device.polls += 1
        if device.polls <= self.slow_down_polls:
            return _json(400, {"error": "slow_down", "interval": self.interval * 2})
        if self.approve_after_polls is None or device.polls < self.approve_after_polls:
            return _error(400, "authorization_pending")
        del self._devices[code]
        return self._issue()

    def _issue(self) -> Response:
        access, refresh = _secret("access"), _secret("refresh")
        self._access[access] = time.time() + self.access_lifetime
        self._refresh.add(refresh)
        self.issued += [access, refresh]
        return _json(
            200,
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.access_lifetime,
                "refresh_token": refresh,
            },
        )


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _error(status: int, error: str) -> Response:
    return _json(status, {"error": error})


def install(sandbox: Sandbox) -> PremiumizeOAuthEmulation:
    """Add Premiumize's OAuth endpoint to ``sandbox`` (from the plugin's sandbox_routes)."""
    emulation = PremiumizeOAuthEmulation()
    emulation.install(sandbox)
    return emulation
