"""Logging in without a password: the OAuth device flow, and the tokens it leaves behind.

Some services give a program no API key to paste: the program asks for a device code, the
person opens the service's page and types the short user code shown, and the program polls
until the service hands it a token (RFC 8628 and its older variants). This module is the part
every such service shares; a plugin supplies how its service starts, answers a poll and
renews a token (three callables), and this module

- shows the page and the code (through the caller's ``show``, which the command prints),
- polls at the interval the service gave, slower when it says ``slow_down``, until the code
  expires (its ``expires_in``), and leaves a Ctrl-C to the caller with nothing written,
- keeps what the service answered (an access token, a refresh token, their expiry, and the
  client id and secret of services that issue them per person) in one JSON file per
  provider in the user's state directory (``platformdirs.user_state_dir("linkresolver")``,
  or ``LINKRESOLVER_STATE_DIR``): mode 600 from its first byte, replaced whole
  (:mod:`.atomicfile`), never group- or world-readable even for a moment,
- gives a provider a usable access token (:func:`valid_access_token`), renewing it once
  through the service when it expired, is about to, or was just refused.

Every token, secret and device code is registered with :mod:`.redact` as soon as it is
received or read, so no log line, exception or output shows it.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from . import atomicfile
from .config import APP_NAME, api_base_problem
from .envelope import printable, provider_words
from .errors import AuthFailed, ConfigError, ProviderOutage
from .redact import register_secrets
from .values import loose_float

log = logging.getLogger("linkresolver")

STATE_DIR_ENV: Final = "LINKRESOLVER_STATE_DIR"
#: RFC 8628 section 3.5: each ``slow_down`` adds five seconds to the polling interval.
SLOW_DOWN_STEP: Final = 5.0
#: A token this close to its expiry is renewed before it is used: a request sent with it
#: would otherwise arrive after it lapsed.
RENEW_MARGIN: Final = 60.0
#: The format of the token file; a file of another version is refused, not misread.
FILE_VERSION: Final = 1


class LoginRequired(AuthFailed):
    """The provider needs a device login first, or again (none stored, or one the service
    no longer accepts). Its advice names the command that fixes it."""

    kind = "login_required"

    def advice(self) -> str:
        return f"log in with `linkresolver {self.provider} login`" if self.provider else ""


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """What the service answered to "start a login": the code to poll with (secret), the
    code and page the person needs, and how often and how long to poll."""

    device_code: str = field(repr=False)
    user_code: str
    verification_url: str
    #: Seconds between two polls, as the service asked.
    interval: float
    #: Seconds after which the codes are no longer valid.
    expires_in: float
    #: A page that already holds the user code, when the service gives one.
    direct_url: str | None = None


@dataclass(frozen=True, slots=True)
class SlowDown:
    """A poll's answer "not yet, and poll less often": ``interval`` is the new interval when
    the service says it, else the old one grows by :data:`SLOW_DOWN_STEP`."""

    interval: float | None = None


#: A poll's answer "not yet": the person has not entered the code.
PENDING: Final = "pending"


@dataclass(frozen=True, slots=True)
class StoredToken:
    """What a login leaves: the access token and what renews it. Times are Unix times."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    #: When the access token lapses; None when the service did not say.
    expires_at: float | None = None
    #: The client credentials the service issued for this person, if it issues them.
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    obtained_at: float = 0.0

    def secrets(self) -> list[str]:
        return [value for value in (self.access_token, self.refresh_token, self.client_secret) if value]

    def expires_within(self, seconds: float, now: float) -> bool:
        return self.expires_at is not None and self.expires_at - seconds <= now


#: Where services put the page to open (RFC 8628 says ``verification_uri``; older drafts
#: and some services ``verification_url``), and the page with the code filled in.
_PAGE_KEYS: Final = ("verification_uri", "verification_url")
_DIRECT_PAGE_KEYS: Final = ("verification_uri_complete", "direct_verification_url")
#: When a service gives no interval or lifetime: RFC 8628's five seconds, and ten minutes.
DEFAULT_INTERVAL: Final = 5.0
DEFAULT_LIFETIME: Final = 600.0
#: Polls are a second apart at least, whatever a service says (an interval of 0 would send
#: them as fast as answers come), and a login waits at most half an hour for its code (a
#: lifetime of 10**30 seconds would poll until Ctrl-C).
MIN_INTERVAL: Final = 1.0
MAX_LIFETIME: Final = 1800.0
#: The longest token taken (JWTs run to a few KB); a longer one is no answer of a token endpoint.
MAX_TOKEN_LENGTH: Final = 8192


def sendable_token(value: object) -> bool:
    """Whether ``value`` can be a bearer token: text of visible ASCII (RFC 6750's
    ``b64token`` and the characters services use beside it), no spaces or controls, which
    would break the ``Authorization`` header every later request carries (non-Latin-1 text
    fails to encode there, a line break injects a header)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_TOKEN_LENGTH
        and all("!" <= character <= "~" for character in value)
    )


#: Where OAuth answers put their words (RFC 6749 section 5.2's, and the services' own).
_WORD_KEYS: Final = ("error_description", "error", "message")


def answer_words(answer: Any) -> str:
    """What an OAuth answer says, for a message: the text of its error fields (printable,
    short, redacted), else what kind of answer it is, never the answer itself. An answer
    that is no valid one may still hold a token, a client secret or the device code, none
    of them registered as secrets yet (they are when an answer is read as valid), so a
    quotation of it could show them."""
    if isinstance(answer, dict):
        said = next((answer[key] for key in _WORD_KEYS if isinstance(answer.get(key), str)), "")
        return provider_words(said.strip(), 200) if said.strip() else "an object without an error's words"
    kind = (
        "null" if answer is None else "true or false" if isinstance(answer, bool) else type(answer).__name__
    )
    return f"{kind}, not an object"


def device_code_from_answer(answer: Any, *, provider: str) -> DeviceCode:
    """A :class:`DeviceCode` from a device endpoint's JSON, the device code registered as a
    secret. Raises :class:`ProviderOutage` for an answer that lacks a code or its page."""
    body = answer if isinstance(answer, dict) else {}
    device, user = body.get("device_code"), body.get("user_code")
    page = next((body[key] for key in _PAGE_KEYS if isinstance(body.get(key), str)), None)
    if not (isinstance(device, str) and device and isinstance(user, str) and user and page):
        raise ProviderOutage(
            f"answered the login request without a code and its page ({answer_words(answer)})",
            provider=provider,
        )
    register_secrets([device])
    interval = loose_float(body.get("interval"))
    lifetime = loose_float(body.get("expires_in"))
    return DeviceCode(
        device_code=device,
        user_code=printable(user)[:100],
        verification_url=printable(page)[:500],
        interval=max(MIN_INTERVAL, interval)
        if interval is not None and 0 <= interval <= 3600
        else DEFAULT_INTERVAL,
        expires_in=min(MAX_LIFETIME, lifetime) if lifetime is not None and lifetime > 0 else DEFAULT_LIFETIME,
        direct_url=next(
            (printable(body[key])[:500] for key in _DIRECT_PAGE_KEYS if isinstance(body.get(key), str)), None
        ),
    )


def token_from_answer(
    answer: Mapping[str, Any],
    *,
    provider: str,
    now: float,
    client_id: str | None = None,
    client_secret: str | None = None,
    previous: StoredToken | None = None,
) -> StoredToken:
    """A :class:`StoredToken` from a token endpoint's JSON (``access_token``, ``expires_in``,
    ``refresh_token``), its secrets registered at once. A renewal that brings no new refresh
    token keeps ``previous``'s. Raises :class:`AuthFailed` for an answer without a token."""
    access = answer.get("access_token")
    if not isinstance(access, str) or not access:
        raise AuthFailed("answered without an access token", provider=provider)
    if not sendable_token(access):  # never stored: every request with it would fail
        raise AuthFailed(
            "answered with an access token that cannot be sent (not up to"
            f" {MAX_TOKEN_LENGTH} characters of visible ASCII)",
            provider=provider,
        )
    refresh = answer.get("refresh_token")
    if not sendable_token(refresh):
        refresh = None  # as if none came: the previous one is kept
    lifetime = loose_float(answer.get("expires_in"))
    token = StoredToken(
        access_token=access,
        refresh_token=refresh
        if isinstance(refresh, str) and refresh
        else (previous.refresh_token if previous else None),
        expires_at=now + lifetime if lifetime is not None and lifetime > 0 else None,
        client_id=client_id,
        client_secret=client_secret,
        obtained_at=now,
    )
    register_secrets(token.secrets())
    return token


# -- where tokens are kept ------------------------------------------------------------------


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The user's state directory for linkresolver: ``LINKRESOLVER_STATE_DIR`` when set."""
    env = os.environ if environ is None else environ
    if env.get(STATE_DIR_ENV):
        return Path(env[STATE_DIR_ENV]).expanduser()
    from platformdirs import user_state_dir  # noqa: PLC0415 (only when no directory is given)

    return Path(user_state_dir(APP_NAME))


_FIELDS: Final = ("access_token", "refresh_token", "expires_at", "client_id", "client_secret", "obtained_at")


class TokenStore:
    """One provider's token file, ``<state dir>/<provider>-token.json``."""

    def __init__(self, provider: str, directory: Path | None = None) -> None:
        self.provider = provider
        self.path = (directory if directory is not None else state_dir()) / f"{provider}-token.json"

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> StoredToken | None:
        """The stored token (its secrets registered), or None when there is none. A file
        that is not one linkresolver wrote, or is another user's, is a :class:`ConfigError`
        naming it and the fix: never a traceback, never a token read from someone else."""
        try:
            with self.path.open("rb") as handle:
                info = os.fstat(handle.fileno())
                raw = handle.read(1 << 20)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._problem(f"cannot be read: {exc.strerror}") from None
        self._check_owner(info)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise self._problem("is not a token file linkresolver wrote (not JSON)") from None
        token = self._token_from(data)
        register_secrets(token.secrets())
        return token

    def save(self, token: StoredToken) -> None:
        """Replace the file with ``token``: created mode 600 (``mkstemp``), written whole,
        then renamed into place; the directory is made private when made here."""
        register_secrets(token.secrets())
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        record = {"version": FILE_VERSION, "provider": self.provider, **asdict(token)}
        with atomicfile.replacing(self.path, prefix=f".{self.provider}-token-") as stream:
            if hasattr(os, "fchmod"):  # mkstemp's mode already; said again, whatever the umask
                os.fchmod(stream.fileno(), 0o600)
            json.dump(record, stream, indent=1)

    def forget(self) -> bool:
        """Delete the stored token; whether there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise self._problem(f"cannot be deleted: {exc.strerror}") from None
        atomicfile.sync_directory(self.path.parent)
        return True

    def _check_owner(self, info: os.stat_result) -> None:
        if os.name != "posix":
            return
        if info.st_uid != os.getuid():
            raise self._problem(
                f"belongs to another user (uid {info.st_uid}), so it is not used;"
                f" delete it, then log in with `linkresolver {self.provider} login`"
            )
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning(
                "%s holds a login and can be read by other users; run: chmod 600 %s", self.path, self.path
            )

    def _token_from(self, data: Any) -> StoredToken:
        if not isinstance(data, dict) or data.get("version") != FILE_VERSION:
            raise self._problem("is not a token file this linkresolver wrote")
        values: dict[str, Any] = {name: data.get(name) for name in _FIELDS}
        texts = ("access_token", "refresh_token", "client_id", "client_secret")
        numbers = ("expires_at", "obtained_at")
        if (
            not isinstance(values["access_token"], str)
            or not values["access_token"]
            or any(values[name] is not None and not isinstance(values[name], str) for name in texts)
            or any(
                values[name] is not None
                and (isinstance(values[name], bool) or not isinstance(values[name], int | float))
                for name in numbers
            )
        ):
            raise self._problem("is damaged (a field is missing or of the wrong type)")
        values["obtained_at"] = float(values["obtained_at"] or 0.0)
        return StoredToken(**values)

    def _problem(self, what: str) -> ConfigError:
        fix = (
            "" if "login`" in what else f"; delete it and log in again (`linkresolver {self.provider} login`)"
        )
        return ConfigError(f"login file {self.path} {what}{fix}")


# -- logging in ------------------------------------------------------------------------------

#: What a poll answers: the token (the person approved), :data:`PENDING` or :class:`SlowDown`.
PollAnswer = StoredToken | SlowDown | str


def run_device_login(
    provider: str,
    start: Callable[[], DeviceCode],
    poll: Callable[[DeviceCode], PollAnswer],
    show: Callable[[DeviceCode], None],
    store: TokenStore,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> StoredToken:
    """Log in: ``start`` the flow, ``show`` the person the page and code, ``poll`` every
    interval until the service gives a token, then store it and return it.

    ``poll`` raises (an :class:`AuthFailed`, say) when the service refuses for good: the
    person declined, or the service says the code expired. The code's ``expires_in`` is
    enforced here as well: no poll is sent after it. Ctrl-C (``KeyboardInterrupt``) is the
    caller's to report; nothing has been written when it comes.
    """
    code = start()
    register_secrets([code.device_code])
    show(code)
    interval = max(code.interval, MIN_INTERVAL)
    expires = clock() + min(code.expires_in, MAX_LIFETIME)
    while True:
        if clock() + interval >= expires:
            raise LoginRequired(
                f"login code {code.user_code} expired before it was entered; start again", provider=provider
            )
        sleep(interval)
        answer = poll(code)
        if isinstance(answer, StoredToken):
            store.save(answer)
            log.info("%s: logged in; the token is kept in %s", provider, store.path)
            return answer
        if isinstance(answer, SlowDown):
            interval = max(
                MIN_INTERVAL, answer.interval if answer.interval is not None else interval + SLOW_DOWN_STEP
            )
            log.debug("%s asked to poll less often: every %g s", provider, interval)
        elif answer != PENDING:
            raise TypeError(f"a poll answered {answer!r}: not a token, PENDING or SlowDown")


# -- using the token -------------------------------------------------------------------------

#: One lock per token file: two threads of one run that find the token expired renew it once.
_locks: dict[Path, threading.Lock] = {}
_locks_lock = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _locks_lock:
        return _locks.setdefault(path, threading.Lock())


def valid_access_token(
    store: TokenStore,
    renew: Callable[[StoredToken], StoredToken] | None,
    *,
    refused: str | None = None,
    margin: float = RENEW_MARGIN,
    now: Callable[[], float] = time.time,
) -> str:
    """An access token to send now: the stored one, or a renewed one (stored in its place)
    when it expires within ``margin`` seconds (a tenth of its lifetime, if shorter), or
    when it is ``refused`` (the token the service just answered 401 to). Renewed at most
    once per call, and once for all threads of the process: a thread that finds the token
    already renewed uses the new one.

    ``renew(token)`` asks the service for a new token with the refresh token (and raises
    :class:`AuthFailed` when the service refuses it); None for services that renew nothing.
    Raises :class:`LoginRequired` when there is no token or it cannot be renewed.
    """
    with _lock_for(store.path):
        token = store.load()
        if token is None:
            raise LoginRequired("is not logged in", provider=store.provider)
        stale = token.access_token == refused or token.expires_within(_margin_for(token, margin), now())
        if not stale:
            return token.access_token
        if renew is None or token.refresh_token is None:
            raise LoginRequired("login has expired and cannot be renewed", provider=store.provider)
        try:
            renewed = renew(token)
        except AuthFailed as exc:
            raise LoginRequired(
                f"refused to renew the login ({exc.message})", provider=store.provider
            ) from None
        store.save(renewed)
        log.info("%s: the access token was renewed", store.provider)
        return renewed.access_token


def _margin_for(token: StoredToken, margin: float) -> float:
    """``margin``, or a tenth of the token's lifetime when that is shorter: a token that
    lives two seconds is not stale from the moment it is issued."""
    if token.expires_at is None or token.obtained_at <= 0:
        return margin
    lifetime = token.expires_at - token.obtained_at
    return min(margin, lifetime / 10) if lifetime > 0 else margin


def page_to_show(value: Any) -> str | None:
    """A page a service's login answer names for the person to open, as it may be shown:
    an https address (http on loopback, the sandbox's), printable, at most 500 characters;
    None for anything else (the flow then shows the service's documented page)."""
    if not isinstance(value, str) or len(value) > 500 or api_base_problem(value):
        return None  # the host checked, not a prefix: http://127.0.0.1.example.com is no loopback
    return provider_words(value, 500)


def checked_endpoint(url: str, where: str) -> str:
    """``url`` without a trailing slash, when it is https (or http on loopback, the sandbox);
    else a :class:`ConfigError` naming ``where`` it came from."""
    problem = api_base_problem(url)
    if problem:
        shown = "the URL" if "@" in url else repr(url)  # never a password written into it
        raise ConfigError(f"{where}: {shown} {problem}")
    return url.rstrip("/")


__all__ = [
    "PENDING",
    "DeviceCode",
    "LoginRequired",
    "PollAnswer",
    "SlowDown",
    "StoredToken",
    "TokenStore",
    "answer_words",
    "checked_endpoint",
    "device_code_from_answer",
    "page_to_show",
    "run_device_login",
    "sendable_token",
    "state_dir",
    "token_from_answer",
    "valid_access_token",
]
