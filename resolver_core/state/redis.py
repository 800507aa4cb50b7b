"""The state store on a Redis server, shared by every process of every machine that uses it.

The SQLite file (:mod:`.sqlite`) is shared by the processes of one machine; machines that
share one account share a Redis server instead (``state = "redis://HOST:PORT/DB"``). The
answers are the SQLite store's, call for call; only where they are kept differs.

Why the budget is a Lua script, not the ``limits`` library: ``limits`` only allows or
refuses a hit (``hit``/``test``/``get_window_stats``). A refused caller would have to poll,
and pollers thunder and overtake one another; :meth:`StateStore.take` instead reserves the
next free slot in arrival order and says how long to wait for it, which takes a
read-modify-write that Redis runs atomically only as a script. The script reads the
server's clock (``TIME``), so machines whose clocks disagree still share one timeline.

Keys, all under one prefix (``linkresolver:``) so that several users can share a server:

``linkresolver:bucket:NAME``
    A hash ``tokens``, ``stamp`` (as the SQLite ``buckets`` row), expiring once the bucket
    would be full again (a missing bucket is a full one).
``linkresolver:rest:["PROVIDER","HOSTER"]``
    A hash ``provider``, ``hoster``, ``until``, ``reason``, ``code``, expiring at ``until``
    (a provider's own rest has hoster ``""``).
``linkresolver:link:KEY``
    A resolved link's record (JSON text), expiring when it is no longer valid.
``linkresolver:packages``, ``linkresolver:package:ID``, ``linkresolver:package-links:ID``
    ``linkresolver serve``'s packages and their links (:mod:`.redis_packages`).

Nothing is ever half-written: each change is one script or one command, which Redis runs
whole or not at all, and a connection lost before the reply leaves either the whole change
or none of it.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final

from .. import redact
from .redis_packages import RedisPackages
from .spec import url_secrets, without_credentials
from .store import Rest, StateStoreError

if TYPE_CHECKING:
    import redis

#: Every key of this store starts with it.
PREFIX: Final = "linkresolver:"
#: Seconds to connect, and to wait for an answer, before the store counts as unreachable.
TIMEOUT: Final = 5.0
#: No rest lasts longer than this (as :data:`.sqlite.MAX_REST`).
MAX_REST: Final = 24 * 3600.0
#: No link is kept longer than this (as the SQLite store's cap).
MAX_LINK_KEPT: Final = 7 * 24 * 3600.0

# The clock every script reads: the caller's moment (ARGV given, for tests) or the server's.
_NOW: Final = """
local function now_from(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function exact(x) return string.format('%.17g', x) end
"""

#: KEYS[1] the bucket; ARGV per_second, burst, now ('' = the server's clock). The SQLite
#: store's take, statement for statement; returns the tokens left (negative: reservations).
_TAKE: Final = (
    _NOW
    + """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = now_from(ARGV[3])
local held = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = burst
if held[1] then
  tokens = math.min(burst, tonumber(held[1]) + math.max(0, now - tonumber(held[2])) * rate)
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', exact(tokens), 'stamp', exact(now))
local full_in = math.min((burst - tokens) / rate + 60, 30 * 86400)
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil(full_in * 1000)))
return exact(tokens)
"""
)

#: KEYS[1] the rest; ARGV until, reason, code, provider, hoster, max_rest, now. Keeps the
#: longer of the rest held and the one given; returns the one in force (until, reason, code).
#: (``until`` is a Lua keyword: the script says ``ends``.)
_REST: Final = (
    _NOW
    + """
local now = now_from(ARGV[7])
local until_text = ARGV[1]
local ends = tonumber(until_text)
if ends > now + tonumber(ARGV[6]) then
  ends = now + tonumber(ARGV[6])
  until_text = exact(ends)
end
local held = redis.call('HMGET', KEYS[1], 'until', 'reason', 'code')
if held[1] and tonumber(held[1]) > now and tonumber(held[1]) >= ends then
  return held
end
redis.call('DEL', KEYS[1])
if ends > now then
  redis.call('HSET', KEYS[1], 'provider', ARGV[4], 'hoster', ARGV[5], 'until', until_text,
             'reason', ARGV[2], 'code', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil((ends - now) * 1000)))
end
return {until_text, ARGV[2], ARGV[3]}
"""
)


class RedisStateStoreError(StateStoreError):
    """The Redis server of the state store cannot be used (exit 2, as any store's failure)."""

    def advice(self) -> str:
        return (
            "start the Redis server or correct its address (the `state` setting or "
            "LINKRESOLVER_STATE); it holds only request budgets, pauses and recently resolved links"
        )


class RedisStateStore(RedisPackages):
    """A :class:`.store.StateStore` on the Redis server ``client`` talks to.

    ``location``: the server's address as shown to people (no password). ``clock``: None
    reads the server's clock inside every script (the real use); a function gives the
    moment instead, so that tests can move time by hand. Links expire by the server's
    clock either way.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        location: str,
        prefix: str = PREFIX,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import redis as driver  # noqa: PLC0415 (present: the caller made ``client`` with it)

        self.location = location
        self.spans_machines = True
        self.prefix = prefix
        self._client = client
        self._clock = clock
        self._driver_error = driver.RedisError
        self._take = client.register_script(_TAKE)
        self._rest = client.register_script(_REST)
        self._register_package_scripts()

    @classmethod
    def from_url(cls, url: str, *, prefix: str = PREFIX, timeout: float = TIMEOUT) -> RedisStateStore:
        """The store on the server at ``url`` (``redis://``, ``rediss://``, ``unix://``),
        asked once (PING) so that a wrong address, password or service is said at once,
        before any link is tried. Its password is registered as a secret."""
        shown = without_credentials(url)
        try:
            import redis  # noqa: F401, PLC0415 (optional: only users of Redis install it)
        except ImportError:
            raise RedisStateStoreError(
                f"the state store {shown} needs the Redis client: pip install 'linkresolver[redis]'",
                store=shown,
            ) from None
        redact.register_secrets(url_secrets(url))
        try:
            # One quick retry (a connection dropped while idle), then the error is the user's.
            client = redis_client(url, timeout, retry_once=True)
        except ValueError as exc:
            raise RedisStateStoreError(
                f"the state store {shown} is not a Redis address ({_one_line(exc)})", store=shown
            ) from None
        store = cls(client, location=shown, prefix=prefix)
        with store._failures():
            client.ping()
        return store

    # -- budgets ----------------------------------------------------------------------------

    def take(self, bucket: str, per_second: float, burst: int) -> float:
        """See :meth:`.store.StateStore.take`: the SQLite store's bucket, in one script."""
        if per_second <= 0:
            return 0.0
        burst = max(1, burst)
        with self._failures():
            tokens = float(
                self._take(keys=[self._key("bucket", bucket)], args=[repr(per_second), burst, self._now()])
            )
        return 0.0 if tokens >= 0 else -tokens / per_second

    # -- rests ------------------------------------------------------------------------------

    def rest(self, rest: Rest) -> Rest:
        """See :meth:`.store.StateStore.rest`."""
        code = "" if rest.code is None else str(rest.code)
        args = [repr(rest.until), rest.reason, code, rest.provider, rest.hoster or "", repr(MAX_REST)]
        with self._failures():
            until, reason, kept_code = self._rest(
                keys=[self._rest_key(rest.provider, rest.hoster)], args=[*args, self._now()]
            )
        return Rest(rest.provider, rest.hoster or None, float(until), reason, _code(kept_code))

    def resting(self, provider: str, hoster: str | None = None) -> Rest | None:
        """See :meth:`.store.StateStore.resting`."""
        keys = [self._rest_key(provider, None)] + ([self._rest_key(provider, hoster)] if hoster else [])
        with self._failures():
            found = self._read_rests(keys)
        return max(found, key=lambda rest: rest.until, default=None)

    def rests(self) -> list[Rest]:
        """See :meth:`.store.StateStore.rests` (a SCAN of the rests' keys)."""
        with self._failures():
            keys = list(self._client.scan_iter(match=f"{self.prefix}rest:*", count=500))
            found = self._read_rests(keys)
        return sorted(found, key=lambda rest: rest.until)

    def clear_rest(self, provider: str, hoster: str | None = None) -> None:
        """See :meth:`.store.StateStore.clear_rest`."""
        with self._failures():
            self._client.delete(self._rest_key(provider, hoster))

    # -- resolved links ---------------------------------------------------------------------

    def remember_link(self, key: str, record: str, seconds: float) -> None:
        """See :meth:`.store.StateStore.remember_link`: ``SET ... PX``, the server expiring it."""
        with self._failures():
            if seconds <= 0:
                self._client.delete(self._key("link", key))
                return
            milliseconds = math.ceil(min(seconds, MAX_LINK_KEPT) * 1000)
            self._client.set(self._key("link", key), record, px=milliseconds)

    def recall_link(self, key: str) -> str | None:
        """See :meth:`.store.StateStore.recall_link`."""
        with self._failures():
            record = self._client.get(self._key("link", key))
        return None if record is None else str(record)

    # -- the server -------------------------------------------------------------------------

    def close(self) -> None:
        """Close this process's connections (the server and its keys stay)."""
        with contextlib.suppress(self._driver_error, OSError):
            self._client.close()

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}{kind}:{name}"

    def _rest_key(self, provider: str, hoster: str | None) -> str:
        # JSON: no provider and hoster pair can spell another's key.
        return self._key("rest", json.dumps([provider, hoster or ""]))

    def _now(self) -> str:
        """The moment the scripts are given: '' for the server's own clock."""
        return "" if self._clock is None else repr(self._clock())

    def _read_rests(self, keys: list[str]) -> list[Rest]:
        """The rests under ``keys`` still in force (a key may expire between SCAN and read)."""
        pipe = self._client.pipeline(transaction=False)
        for key in keys:
            pipe.hmget(key, ["provider", "hoster", "until", "reason", "code"])
        now = None if self._clock is None else self._clock()
        found = []
        for provider, hoster, until, reason, code in pipe.execute():
            if until is None or (now is not None and float(until) <= now):
                continue
            found.append(Rest(provider, hoster or None, float(until), reason, _code(code)))
        return found

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """Any error of the driver or the server as one :class:`StateStoreError` naming the
        server: the run must end with a line the user can act on, not a driver traceback."""
        try:
            yield
        except (self._driver_error, OSError) as exc:  # OSError: a socket or TLS error not wrapped
            raise RedisStateStoreError(_explain(self.location, exc), store=self.location) from None


def redis_client(url: str, timeout: float, *, retry_once: bool) -> redis.Redis:
    """A client of the Redis server at ``url``, as the state store and the work queue talk
    to it (text answers, ``timeout`` seconds to connect and to answer); ``retry_once``: a
    command whose connection dropped is sent once more at once, else as the driver retries.
    ValueError when ``url`` is no Redis address; no connection is made yet."""
    import redis as driver  # noqa: PLC0415 (present: the callers checked)
    from redis.backoff import NoBackoff  # noqa: PLC0415
    from redis.retry import Retry  # noqa: PLC0415

    retrying = {"retry": Retry(NoBackoff(), 1)} if retry_once else {}
    return driver.Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        health_check_interval=30,
        decode_responses=True,
        **retrying,
    )


def _explain(location: str, exc: Exception) -> str:
    """What went wrong with the server, in one line a person can act on."""
    import redis as driver  # noqa: PLC0415 (loaded: the error came from it)

    reason = _one_line(exc)
    if any(words in reason for words in ("NOAUTH", "Authentication required", "HELLO must be called")):
        return f"the Redis state store {location} asks for a password, and its address gives none"
    if isinstance(exc, driver.AuthenticationError) or "WRONGPASS" in reason or "NOAUTH" in reason:
        return f"the Redis state store {location} refused the login ({reason})"
    if isinstance(exc, driver.exceptions.InvalidResponse):
        return f"the state store {location} does not answer as a Redis server does ({reason})"
    if isinstance(exc, driver.TimeoutError):
        return f"the Redis state store {location} did not answer in time ({reason})"
    if isinstance(exc, driver.ConnectionError | OSError):
        return f"the Redis state store {location} cannot be reached ({reason})"
    return f"the Redis state store {location} failed ({reason})"


def _one_line(exc: BaseException) -> str:
    return redact.redact(" ".join(str(exc).split())) or type(exc).__name__


def _code(text: str | None) -> int | None:
    return int(text) if text else None
