"""TorBox's budget of new downloads: ``torrents/createtorrent`` and
``webdl/createwebdownload`` are limited to 60 an hour per API key, at most 10 of them in a
minute (https://support.torbox.app/en/articles/13726368-api-rate-limits; every other
endpoint: 300 a minute, which the provider's pace keeps).

What a demanding user expects of it: links resolved, at once where possible, and never an
hour's wait in silence. So before each creation the provider counts what it created in the
last minute and hour:

- the minute's 10 spent: TorBox says "too many requests" for the seconds until the oldest
  of them is a minute old: a rest that short is waited out and the link sent then (other
  links for TorBox wait with it), nothing is refused;
- the hour's 60 spent: TorBox rests until a creation frees up, with that reason and time,
  and the link goes on to the next provider that serves it (or ends with that clear error
  when none does). Checks and the account are not creations; they rest with it only as
  long as the whole provider does (the core rests a provider as a whole when it says
  "too many requests").

The count is the provider's (one program's); TorBox counts every program of the key, so its
own refusal (HTTP 429, with ``Retry-After``) stays the last word, read the same way.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Final

from .errors import ANOTHER_PROVIDER, PROVIDER, TorBoxRateLimited

#: The documented limits of the creation endpoints.
PER_HOUR: Final = 60
PER_MINUTE: Final = 10


class CreationBudget:
    """The creations of the last hour, thread-safe; ``per_hour`` or ``per_minute`` at 0:
    no such limit."""

    def __init__(self, per_hour: int = PER_HOUR, per_minute: int = PER_MINUTE) -> None:
        self.per_hour = per_hour
        self.per_minute = per_minute
        self._made: deque[float] = deque()
        self._lock = threading.Lock()

    def take(self, link: str | None = None) -> None:
        """Count one creation now, or raise :class:`TorBoxRateLimited` with the seconds
        until one is allowed (nothing counted then)."""
        now = time.monotonic()
        with self._lock:
            while self._made and self._made[0] <= now - 3600:
                self._made.popleft()
            if self.per_hour and len(self._made) >= self.per_hour:
                wait = self._made[-self.per_hour] + 3600 - now
                raise _spent(f"{self.per_hour} new downloads an hour", wait, link)
            in_minute = [t for t in self._made if t > now - 60]
            if self.per_minute and len(in_minute) >= self.per_minute:
                wait = in_minute[-self.per_minute] + 60 - now
                raise _spent(f"{self.per_minute} new downloads a minute", wait, link)
            self._made.append(now)


def _spent(allowance: str, wait: float, link: str | None) -> TorBoxRateLimited:
    seconds = max(1.0, round(wait, 1))
    at = time.strftime("%H:%M:%S", time.localtime(time.time() + seconds))
    error = TorBoxRateLimited(
        f"allows {allowance} and they are spent; the next one can start at {at}",
        provider=PROVIDER,
        link=link,
        retry_after=seconds,
    )
    error.given_advice = f"linkresolver waits when it is a matter of seconds; {ANOTHER_PROVIDER}"
    return error
