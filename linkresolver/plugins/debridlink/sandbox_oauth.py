"""Debrid-Link's OAuth device flow, emulated for the sandbox.

``device/code`` hands out a device code; polls of ``token`` (the device grant) answer
``authorization_pending`` until ``approve_after_polls`` polls, then an access token and a
refresh token, which the ``refresh_token`` grant takes. Only :data:`CLIENT_ID` is a known
client (the sandbox sets ``LINKRESOLVER_DEBRIDLINK_CLIENT_ID`` to it). The knobs are
attributes of the emulation (``sandbox.emulations["debridlink-oauth"]``): ``interval``,
``code_lifetime`` (then ``expired_token``), ``approve_after_polls`` (None: never),
``deny`` (``access_denied``), ``access_lifetime`` (short, to test renewals), and
:meth:`revoke`. The API emulation asks :meth:`accepts` whether a Bearer token is good.
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

from .oauth import CLIENT_ID_ENV, DEVICE_GRANT, OAUTH_BASE_ENV

OAUTH_PATH: Final = "/debridlink/api/oauth"
EMULATION: Final = "debridlink-oauth"
CLIENT_ID: Final = "sandbox-dl-client-0815"


def _secret(kind: str) -> str:
    """A secret this emulation issues: a sentinel the end-to-end tests' secrets audit
    recognises anywhere, registered so that the sandbox's own request log masks it."""
    value = f"S3NT1NEL-dl{kind}-{secrets.token_urlsafe(12)}"
    register_secrets([value])
    return value


@dataclass
class _Device:
    code: str
    user_code: str
    expires: float
    polls: int = 0


class DebridLinkOAuthEmulation:
    """The OAuth state of one sandbox: device codes and tokens."""

    def __init__(self) -> None:
        self.interval = 0.2
        self.code_lifetime = 600.0
        self.approve_after_polls: int | None = 2
        self.deny = False
        self.access_lifetime = 3600.0
        self._lock = threading.Lock()
        self._devices: dict[str, _Device] = {}
        self._refresh: set[str] = set()
        self._access: dict[str, float] = {}
        #: Every secret handed out: the secrets audit's list.
        self.issued: list[str] = []
        #: How many tokens the refresh grant issued.
        self.renewals = 0

    def install(self, sandbox: Sandbox) -> None:
        sandbox.emulations[EMULATION] = self
        sandbox.route(
            f"{OAUTH_PATH}/device/code", self.device_code, name="debridlink-oauth-code", methods=("POST",)
        )
        sandbox.route(f"{OAUTH_PATH}/token", self.token, name="debridlink-oauth-token", methods=("POST",))
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

    def device_code(self, request: Request) -> Response:
        if request.form.get("client_id") != CLIENT_ID:
            return _error(400, "invalid_client")
        device = _Device(_secret("device"), secrets.token_hex(4).upper(), time.time() + self.code_lifetime)
        with self._lock:
            self._devices[device.code] = device
            self.issued.append(device.code)
        return _json(
            200,
            {
                "device_code": device.code,
                "user_code": device.user_code,
                "verification_url": "https://debrid-link.com/device",
                "expires_in": self.code_lifetime,
                "interval": self.interval,
            },
        )

    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != CLIENT_ID:
            return _error(400, "invalid_client")
        grant = form.get("grant_type")
        with self._lock:
            if grant == DEVICE_GRANT:
                return self._poll(form.get("code", ""))
            if grant == "refresh_token" and form.get("refresh_token", "") in self._refresh:
                self._refresh.discard(form.get("refresh_token", ""))
                self.renewals += 1
                return self._issue()
        return _error(400, "invalid_grant")

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


def install(sandbox: Sandbox) -> DebridLinkOAuthEmulation:
    """Add Debrid-Link's OAuth endpoints to ``sandbox`` (from the plugin's sandbox_routes)."""
    emulation = DebridLinkOAuthEmulation()
    emulation.install(sandbox)
    return emulation
