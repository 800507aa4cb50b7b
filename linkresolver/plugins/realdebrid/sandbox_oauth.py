"""Real-Debrid's OAuth endpoints, emulated for the sandbox: the device flow, end to end.

``device/code`` hands out a device code; the emulated person "enters" it after
``approve_after_polls`` polls of ``device/credentials`` (until then: HTTP 403, as
Real-Debrid answers); the credentials made for that person buy tokens at ``token``, and the
refresh token renews them. Every knob is an attribute of the emulation
(``sandbox.emulations["realdebrid-oauth"]``, a :class:`linkresolver.api.DeviceFlowEmulation`),
for tests to turn: fast polling (``interval``), a code that lapses (``code_lifetime``) or is
never entered (``approve_after_polls=None``), ``slow_down_polls`` answered 429 with
``Retry-After``, short-lived access tokens (``access_lifetime``), and
:meth:`RealDebridOAuthEmulation.revoke` (every refresh token refused from then on). ``GET
/_sandbox/realdebrid/whoami`` answers 200 for a valid ``Authorization: Bearer`` token and
401 ``bad_token`` otherwise: the call that proves a token is used;
:meth:`RealDebridOAuthEmulation.accepts` lets the REST emulation check it.
"""

from __future__ import annotations

import secrets
from typing import Final

from werkzeug.wrappers import Request, Response

from linkresolver.api import DeviceFlowEmulation, PollState, Sandbox, bearer_token, json_answer

from .oauth import DEVICE_GRANT, OAUTH_BASE_ENV, OPEN_SOURCE_CLIENT_ID

OAUTH_PATH: Final = "/realdebrid/oauth/v2"
WHOAMI_PATH: Final = "/_sandbox/realdebrid/whoami"
EMULATION: Final = "realdebrid-oauth"
#: How ``device/credentials`` answers a code not entered (yet): status, error, error code.
_NOT_YET: Final = {
    PollState.UNKNOWN: (400, "invalid_grant", 2),
    PollState.EXPIRED: (403, "expired_token", 9),
    PollState.DENIED: (403, "access_denied", 9),
    PollState.PENDING: (403, "authorization_pending", 9),
}


class RealDebridOAuthEmulation(DeviceFlowEmulation):
    """The OAuth state of one sandbox: device codes, people's credentials, tokens. A refresh
    token renews the grant of a person's client id and secret."""

    def __init__(self) -> None:
        super().__init__("rd")

    def install(self, sandbox: Sandbox) -> None:
        sandbox.emulations[EMULATION] = self
        sandbox.route(f"{OAUTH_PATH}/device/code", self.device_code, name="realdebrid-oauth-code")
        sandbox.route(
            f"{OAUTH_PATH}/device/credentials", self.credentials, name="realdebrid-oauth-credentials"
        )
        sandbox.route(f"{OAUTH_PATH}/token", self.token, name="realdebrid-oauth-token", methods=("POST",))
        sandbox.route(WHOAMI_PATH, self.whoami, name="realdebrid-oauth-whoami", methods=("GET",))
        sandbox.set_env(OAUTH_BASE_ENV, "{url}" + OAUTH_PATH)

    # -- endpoints -------------------------------------------------------------------------------

    def device_code(self, request: Request) -> Response:
        if request.args.get("client_id") != OPEN_SOURCE_CLIENT_ID:
            return _error(400, "invalid_client", 2)
        device = self.new_device(user_code_bytes=4)
        return json_answer(
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
        if request.args.get("client_id") != OPEN_SOURCE_CLIENT_ID:
            return _error(400, "invalid_grant", 2)
        with self.lock:
            state, device = self.poll(request.args.get("code", ""))
            if state is PollState.SLOW_DOWN:
                answer = _error(429, "too_many_requests", 34)
                answer.headers["Retry-After"] = "1"
                return answer
            if state is not PollState.APPROVED or device is None:
                return _error(*_NOT_YET[state])
            if device.client_id is None:
                device.client_id, device.client_secret = f"RD{secrets.token_hex(6)}", self.secret("client")
            return json_answer(200, {"client_id": device.client_id, "client_secret": device.client_secret})

    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != DEVICE_GRANT:
            return _error(400, "unsupported_grant_type", 2)
        client, secret, code = form.get("client_id"), form.get("client_secret"), form.get("code", "")
        with self.lock:
            device = self.devices.get(code)
            person = (device.client_id, device.client_secret) if device is not None else (None, None)
            if person[0] is not None and person[1] is not None and (client, secret) == person:
                self.forget(code)  # a device code buys one token
                return json_answer(200, self.issue(person))
            grant = self.redeem(code)
            if grant is not None and (client, secret) == grant:
                return json_answer(200, self.issue(grant))
        return _error(400, "invalid_grant", 8)

    def whoami(self, request: Request) -> Response:
        if not self.accepts(bearer_token(request)):
            return _error(401, "bad_token", 8)
        return json_answer(200, {"username": "sandbox-user", "type": "premium"})


def _error(status: int, error: str, code: int) -> Response:
    return json_answer(status, {"error": error, "error_code": code})


def install(sandbox: Sandbox) -> RealDebridOAuthEmulation:
    """Add Real-Debrid's OAuth endpoints to ``sandbox`` (from the plugin's sandbox_routes)."""
    emulation = RealDebridOAuthEmulation()
    emulation.install(sandbox)
    return emulation
