"""Premiumize's ``/token`` device flow, emulated for the sandbox.

``response_type=device_code`` hands out a device code; polls (``grant_type=device_code``)
answer ``authorization_pending`` until ``approve_after_polls`` polls, then an access token
(and a refresh token, which the ``refresh_token`` grant takes). Only ``CLIENT_ID`` is a
known client (the sandbox sets ``LINKRESOLVER_PREMIUMIZE_CLIENT_ID`` to it). The knobs are
attributes of the emulation (``sandbox.emulations["premiumize-oauth"]``): ``interval``,
``code_lifetime`` (then ``expired_token``), ``approve_after_polls`` (None: never),
``deny`` (``access_denied``), ``slow_down_polls`` (``slow_down`` with a new interval),
``access_lifetime``, and :meth:`PremiumizeOAuthEmulation.revoke` (the state and the knobs
are :class:`linkresolver.api.DeviceFlowEmulation`'s). ``GET /_sandbox/premiumize/whoami``
answers 200 for a valid ``Authorization: Bearer`` token and 401 otherwise (the call that
proves a token is used); :meth:`accepts` checks one for the API emulation.
"""

from __future__ import annotations

from typing import Final

from werkzeug.wrappers import Request, Response

from linkresolver.api import DeviceFlowEmulation, PollState, Sandbox, bearer_token, json_answer

from .oauth import CLIENT_ID_ENV, OAUTH_BASE_ENV

OAUTH_PATH: Final = "/premiumize-oauth"
WHOAMI_PATH: Final = "/_sandbox/premiumize/whoami"
EMULATION: Final = "premiumize-oauth"
CLIENT_ID: Final = "sandbox-client-4711"
#: How each state of a poll is answered (RFC 8628 section 3.5's errors).
_POLL_ERRORS: Final = {
    PollState.UNKNOWN: "invalid_grant",
    PollState.EXPIRED: "expired_token",
    PollState.DENIED: "access_denied",
    PollState.PENDING: "authorization_pending",
}


class PremiumizeOAuthEmulation(DeviceFlowEmulation):
    """The OAuth state of one sandbox: device codes and tokens."""

    def __init__(self) -> None:
        super().__init__("pm")

    def install(self, sandbox: Sandbox) -> None:
        sandbox.emulations[EMULATION] = self
        sandbox.route(f"{OAUTH_PATH}/token", self.token, name="premiumize-oauth-token", methods=("POST",))
        sandbox.route(WHOAMI_PATH, self.whoami, name="premiumize-oauth-whoami", methods=("GET",))
        sandbox.set_env(OAUTH_BASE_ENV, "{url}" + OAUTH_PATH)
        sandbox.set_env(CLIENT_ID_ENV, CLIENT_ID)

    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != CLIENT_ID:
            return _error(400, "invalid_client")
        if form.get("response_type") == "device_code":
            return self._start()
        grant = form.get("grant_type")
        if grant == "device_code":
            return self._poll(form.get("code", ""))
        if grant == "refresh_token" and self.redeem(form.get("refresh_token", "")) is not None:
            return json_answer(200, self.issue())
        return _error(400, "invalid_grant")

    def whoami(self, request: Request) -> Response:
        if not self.accepts(bearer_token(request)):
            return json_answer(401, {"status": "error", "message": "not logged in"})
        return json_answer(
            200, {"status": "success", "customer_id": "123456789", "premium_until": 4102444800}
        )

    def _start(self) -> Response:
        device = self.new_device(user_code_bytes=3)
        return json_answer(
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
        state, _ = self.poll(code)
        if state is PollState.SLOW_DOWN:
            return json_answer(400, {"error": "slow_down", "interval": self.interval * 2})
        if state is not PollState.APPROVED:
            return _error(400, _POLL_ERRORS[state])
        self.forget(code)
        return json_answer(200, self.issue())


def _error(status: int, error: str) -> Response:
    return json_answer(status, {"error": error})


def install(sandbox: Sandbox) -> PremiumizeOAuthEmulation:
    """Add Premiumize's OAuth endpoint to ``sandbox`` (from the plugin's sandbox_routes)."""
    emulation = PremiumizeOAuthEmulation()
    emulation.install(sandbox)
    return emulation
