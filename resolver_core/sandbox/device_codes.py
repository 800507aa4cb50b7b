"""What every sandbox emulation of a device login keeps: codes, polls and tokens.

A service's device login, emulated, is the same state machine whatever the service calls
its endpoints and fields: a device code handed out with a short user code; polls counted
per code, so that the emulated person "enters" the code after ``approve_after_polls`` polls
(the first ``slow_down_polls`` answered "slow down", a lapsed code "expired", ``deny``
"declined"); tokens issued with a lifetime (``access_lifetime``, short for tests of
renewal) and a refresh token good for one renewal; :meth:`DeviceFlowEmulation.revoke` (the
person revoked the program). A plugin's emulation subclasses :class:`DeviceFlowEmulation`
and keeps its routes, paths, field names and error codes; tests turn the knobs as
attributes of the emulation (``sandbox.emulations[...]``).

Every secret handed out is a sentinel the end-to-end tests' secrets audit recognises
anywhere (``S3NT1NEL-...``), kept in :attr:`~DeviceFlowEmulation.issued`, and registered
so that the sandbox's own request log masks it.
"""

from __future__ import annotations

import enum
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from ..redact import register_secrets


@dataclass
class Device:
    """One device code handed out, and what the emulation keeps with it."""

    code: str
    user_code: str
    expires: float
    polls: int = 0
    #: Client credentials issued to the person, for services that issue them.
    client_id: str | None = None
    client_secret: str | None = None


class PollState(enum.Enum):
    """What a poll of a device code finds (the emulation answers it in its service's words)."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    DENIED = "denied"
    SLOW_DOWN = "slow_down"
    PENDING = "pending"
    APPROVED = "approved"


class DeviceFlowEmulation:
    """The device login state of one emulated service: its knobs, codes and tokens.

    ``prefix`` goes into every secret's sentinel (``S3NT1NEL-<prefix><kind>-...``), so that
    a leaked one says which emulation issued it. The methods that change state take
    :attr:`lock` themselves (it is reentrant: an endpoint may hold it around several)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        #: Seconds between polls the device endpoint asks for (services say 5).
        self.interval = 0.2
        #: Seconds a device code lives.
        self.code_lifetime = 600.0
        #: Polls after which the person has entered the code; None: never.
        self.approve_after_polls: int | None = 2
        #: Whether the person declines the login.
        self.deny = False
        #: The first polls of each code answered "slow down".
        self.slow_down_polls = 0
        #: Seconds an access token lives.
        self.access_lifetime = 3600.0
        self.lock = threading.RLock()
        self.devices: dict[str, Device] = {}
        #: What each refresh token renews (the person's credentials, where there are some).
        self.grants: dict[str, Any] = {}
        #: Each access token issued, and when it lapses.
        self.access: dict[str, float] = {}
        #: Every secret handed out: the secrets audit's list.
        self.issued: list[str] = []

    def secret(self, kind: str) -> str:
        """A new secret of ``kind`` (``access``, ``device``...), registered and listed."""
        value = f"S3NT1NEL-{self.prefix}{kind}-{secrets.token_urlsafe(12)}"
        register_secrets([value])
        with self.lock:
            self.issued.append(value)
        return value

    def new_device(self, user_code_bytes: int = 4) -> Device:
        """A device code, and the user code (hex, upper case) the person would type."""
        device = Device(
            self.secret("device"),
            secrets.token_hex(user_code_bytes).upper(),
            time.time() + self.code_lifetime,
        )
        with self.lock:
            self.devices[device.code] = device
        return device

    def poll(self, code: str) -> tuple[PollState, Device | None]:
        """One poll of ``code``: counted, and what the person has done by now. An approved
        code stays until :meth:`forget` (a service may want it again to buy the token)."""
        with self.lock:
            device = self.devices.get(code)
            if device is None:
                return PollState.UNKNOWN, None
            if device.expires <= time.time():
                return PollState.EXPIRED, device
            if self.deny:
                return PollState.DENIED, device
            device.polls += 1
            if device.polls <= self.slow_down_polls:
                return PollState.SLOW_DOWN, device
            if self.approve_after_polls is None or device.polls < self.approve_after_polls:
                return PollState.PENDING, device
            return PollState.APPROVED, device

    def forget(self, code: str) -> None:
        """A device code used up (it buys one token)."""
        with self.lock:
            self.devices.pop(code, None)

    def issue(self, grant: Any = True) -> dict[str, Any]:
        """A new access token and refresh token (which renews ``grant``), as RFC 6749
        section 5.1's answer."""
        access, refresh = self.secret("access"), self.secret("refresh")
        with self.lock:
            self.access[access] = time.time() + self.access_lifetime
            self.grants[refresh] = grant
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_lifetime,
            "refresh_token": refresh,
        }

    def redeem(self, refresh_token: str) -> Any:
        """What ``refresh_token`` renews, used up; None when it is not one issued here
        (or was revoked, or used already)."""
        with self.lock:
            return self.grants.pop(refresh_token, None)

    def accepts(self, token: str | None) -> bool:
        """Whether ``token`` is an access token issued here and not yet expired."""
        with self.lock:
            expiry = self.access.get(token or "")
        return expiry is not None and expiry > time.time()

    def revoke(self) -> None:
        """Refuse every refresh token issued so far (the person revoked the program)."""
        with self.lock:
            self.grants.clear()


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ") if header.startswith("Bearer ") else None


def json_answer(status: int, body: dict[str, Any]) -> Response:
    """A JSON answer with ``status``."""
    return Response(json.dumps(body), status=status, mimetype="application/json")


__all__ = ["Device", "DeviceFlowEmulation", "PollState", "bearer_token", "json_answer"]
