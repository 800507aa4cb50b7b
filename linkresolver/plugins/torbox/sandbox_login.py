"""TorBox's device login, emulated for the sandbox (:mod:`.sandbox` routes its two endpoints
here before it checks a key: they are how a key is got).

``user/auth/device/start`` (GET, ``app`` naming the program) hands out a device code and a
six-digit code, with the page to enter it on (the sandbox's own, :data:`PAGE_PATH`);
``user/auth/device/token`` (POST, JSON ``{"device_code"}``) answers TorBox's
``DEVICE_CODE_NOT_USED`` until the emulated person has entered the code
(``approve_after_polls`` polls), then an API key; ``ITEM_NOT_FOUND`` for a code that lapsed,
was used or never was (and, TorBox documenting no "declined", for ``deny``). The first
``slow_down_polls`` polls are answered HTTP 429, TorBox's "too many requests". The knobs and
state are :class:`linkresolver.api.DeviceFlowEmulation`'s; every value handed out is a
sentinel (``S3NT1NEL-torbox...``). The API emulation asks :meth:`accepts` whether a key is one
issued here.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from typing import Any, Final

from werkzeug.wrappers import Request, Response

from linkresolver.api import DeviceFlowEmulation, PollState, Sandbox, json_answer

START: Final = "user/auth/device/start"
POLL: Final = "user/auth/device/token"
ENDPOINTS: Final = frozenset({START, POLL})
PAGE_PATH: Final = "/torbox/oauth/device"


class TorBoxLoginEmulation(DeviceFlowEmulation):
    """The device logins of one sandbox: codes handed out, polls counted, keys issued."""

    def __init__(self) -> None:
        super().__init__("torbox")
        #: The ``app`` each login was started for, in order.
        self.apps: list[str] = []

    def install(self, sandbox: Sandbox) -> None:
        sandbox.emulations["torbox-login"] = self
        sandbox.route(PAGE_PATH, self.page, name="torbox-device-page", methods=("GET",))

    def answer(self, request: Request, endpoint: str) -> Response:
        """One call of the two device endpoints (the API emulation's dispatch sends them)."""
        if endpoint == START and request.method == "GET":
            return self.start(request)
        if endpoint == POLL and request.method == "POST":
            return self.token(request)
        return _refused("ENDPOINT_NOT_FOUND", 404, "Endpoint not found.")

    def start(self, request: Request) -> Response:
        app = request.args.get("app", "").strip()
        if not app:
            return _refused("MISSING_REQUIRED_OPTION", 400, "The app name is required.")
        with self.lock:
            self.apps.append(app)
        device = self.new_device()
        device.user_code = f"{secrets.randbelow(10**6):06d}"
        page = request.host_url.rstrip("/") + PAGE_PATH
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(device.expires))
        return _ok(
            {
                "device_code": device.code,
                "code": device.user_code,
                "verification_url": page,
                "friendly_verification_url": page,
                "interval": self.interval,
                "expires_at": expires,
            },
            "Device code created.",
        )

    def token(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            body = None
        code = body.get("device_code") if isinstance(body, dict) else None
        if not isinstance(code, str) or not code:
            return _refused("MISSING_REQUIRED_OPTION", 400, "The device code is required.")
        state, _ = self.poll(code)
        if state is PollState.SLOW_DOWN:
            return json_answer(
                429, {"success": False, "error": None, "detail": "Too many requests.", "data": None}
            )
        if state is PollState.PENDING:
            return _refused("DEVICE_CODE_NOT_USED", 400, "The device code has not been used yet.")
        if state is not PollState.APPROVED:
            return _refused("ITEM_NOT_FOUND", 404, "This device code does not exist or has expired.")
        self.forget(code)
        key = self.secret("key")
        with self.lock:
            self.access[key] = math.inf  # TorBox's API keys do not lapse
        return _ok({"access_token": key, "token_type": "Bearer"}, "Device authorized.")

    def page(self, request: Request) -> Response:
        """The page the person would enter the code on (in the sandbox, nothing to do)."""
        return Response(
            "<!doctype html><title>TorBox device login (sandbox)</title>"
            "<p>The sandbox enters the code by itself: go back to linkresolver.</p>",
            mimetype="text/html",
        )


def _ok(data: Any, detail: str) -> Response:
    return json_answer(200, {"success": True, "error": None, "detail": detail, "data": data})


def _refused(code: str, status: int, detail: str) -> Response:
    return json_answer(status, {"success": False, "error": code, "detail": detail, "data": None})
