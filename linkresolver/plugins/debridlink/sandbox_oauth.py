"""Debrid-Link's OAuth device flow, emulated for the sandbox.

``device/code`` hands out a device code; polls of ``token`` (the device grant) answer
``authorization_pending`` until ``approve_after_polls`` polls, then an access token and a
refresh token, which the ``refresh_token`` grant takes. Only :data:`CLIENT_ID` is a known
client (the sandbox sets ``LINKRESOLVER_DEBRIDLINK_CLIENT_ID`` to it). The knobs are
attributes of the emulation (``sandbox.emulations["debridlink-oauth"]``): ``interval``,
``code_lifetime`` (then ``expired_token``), ``approve_after_polls`` (None: never),
``deny`` (``access_denied``), ``access_lifetime`` (short, to test renewals), and
:meth:`revoke` (the state and the knobs are :class:`linkresolver.api.DeviceFlowEmulation`'s).
The API emulation asks :meth:`accepts` whether a Bearer token is good.
"""

from __future__ import annotations

from typing import Final

from werkzeug.wrappers import Request, Response

from linkresolver.api import DeviceFlowEmulation, PollState, Sandbox, json_answer

from .oauth import CLIENT_ID_ENV, DEVICE_GRANT, OAUTH_BASE_ENV

OAUTH_PATH: Final = "/debridlink/api/oauth"
EMULATION: Final = "debridlink-oauth"
CLIENT_ID: Final = "sandbox-dl-client-0815"
#: How each state of a poll is answered (RFC 8628 section 3.5's errors).
_POLL_ERRORS: Final = {
    PollState.UNKNOWN: "invalid_grant",
    PollState.EXPIRED: "expired_token",
    PollState.DENIED: "access_denied",
    PollState.SLOW_DOWN: "slow_down",
    PollState.PENDING: "authorization_pending",
}


class DebridLinkOAuthEmulation(DeviceFlowEmulation):
    """The OAuth state of one sandbox: device codes and tokens."""

    def __init__(self) -> None:
        super().__init__("dl")
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

    def device_code(self, request: Request) -> Response:
        if request.form.get("client_id") != CLIENT_ID:
            return _error(400, "invalid_client")
        device = self.new_device(user_code_bytes=4)
        return json_answer(
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
        if grant == DEVICE_GRANT:
            code = form.get("code", "")
            state, _ = self.poll(code)
            if state is not PollState.APPROVED:
                return _error(400, _POLL_ERRORS[state])
            self.forget(code)
            return json_answer(200, self.issue())
        if grant == "refresh_token" and self.redeem(form.get("refresh_token", "")) is not None:
            with self.lock:
                self.renewals += 1
            return json_answer(200, self.issue())
        return _error(400, "invalid_grant")


def _error(status: int, error: str) -> Response:
    return json_answer(status, {"error": error})


def install(sandbox: Sandbox) -> DebridLinkOAuthEmulation:
    """Add Debrid-Link's OAuth endpoints to ``sandbox`` (from the plugin's sandbox_routes)."""
    emulation = DebridLinkOAuthEmulation()
    emulation.install(sandbox)
    return emulation
