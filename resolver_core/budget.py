"""The shared request budget: a token bucket per provider, for every thread of the process.

Every API call (resolve, check, account, the command groups) takes a token from its
provider's bucket first, so a batch of 500 links costs the provider a steady trickle, not a
burst of 500. A provider that asks us to stop altogether is another matter, remembered
across runs: :mod:`.cooldowns`.
"""

from __future__ import annotations

import threading
import time
from typing import Final

#: Calls a second per provider when neither the provider nor the configuration says.
DEFAULT_RATE: Final = 10.0
#: Calls a provider may get at once after a quiet spell.
DEFAULT_BURST: Final = 20


class TokenBucket:
    """``rate`` calls a second on average, ``burst`` at once; thread-safe.

    A caller that finds the bucket empty reserves the next token and sleeps until it is due,
    so concurrent callers queue in arrival order instead of waking together.
    """

    def __init__(self, rate: float, burst: int = DEFAULT_BURST) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token; the seconds to wait before using it (0 when one was there)."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> float:
        """Take a token, sleeping until it is due; the seconds slept."""
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)
        return delay


_buckets: dict[str, TokenBucket] = {}
_buckets_lock = threading.Lock()


def configure_bucket(provider: str, rate: float, burst: int = DEFAULT_BURST) -> None:
    """Set ``provider``'s calls a second (0: no limit). A bucket of the same rate is kept
    as it is: every resolver of the process (the web server makes one a job) shares it."""
    with _buckets_lock:
        current = _buckets.get(provider)
        if current is None or current.rate != rate or current.burst != max(1, burst):
            _buckets[provider] = TokenBucket(rate, burst)


def bucket(provider: str) -> TokenBucket:
    """The process's bucket for ``provider`` (one for every session and thread)."""
    found = _buckets.get(provider)
    if found is None:
        with _buckets_lock:
            found = _buckets.setdefault(provider, TokenBucket(DEFAULT_RATE, DEFAULT_BURST))
    return found
