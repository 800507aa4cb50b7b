"""A mock REST server, a fake clock and a context that waits no time, for fuzzing the REST
providers (Real-Debrid, Premiumize's current API) and the OAuth device flow.

The pm-api and Openload-family fuzzers (:mod:`tests.fuzz.test_fuzz_clients`) answer GET
and POST; REST APIs also DELETE and PUT, answer 201 and 204, and an OAuth token endpoint
tells its calls apart by the form they send, not by the path. A wait of the code under
test advances :class:`FakeClock` instead of the real one, so a torrent polled for its whole
timeout takes milliseconds, and a wait past :data:`MAX_WAITS` fails the test: a loop that
would poll forever is a bug found, not a hung run.
"""

from __future__ import annotations

import collections
import re
import threading
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import requests
import responses
from hypothesis import strategies as st

from resolver_core import errors
from resolver_core.cache import HosterListCache
from resolver_core.provider import ResolveContext

from .outcomes import assert_readable, conforms
from .strategies import Json, Reply, field_replies, replies, to_json

#: More waits than any bounded poll of a test's shortened timeouts takes: past it, the code
#: under test is taken to poll forever.
MAX_WAITS: Final = 200

#: The key of a request: which valid answer (and which fuzzed replies) it gets; None: 404.
Route = Callable[[requests.PreparedRequest], str | None]


@dataclass(frozen=True)
class Row:
    """One call: what it calls, with what, and the valid answer of each request it sends
    (by the key :func:`by_path` or a row's own route finds for the request)."""

    method: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    answers: Mapping[str, Json] = field(default_factory=dict)
    #: The HTTP status of a key's valid answer (200 when not said): 201 created, 204 done.
    statuses: Mapping[str, int] = field(default_factory=dict)
    #: Tells rows of one method apart.
    label: str = ""
    #: How many replies are drawn per key at most (the last repeats): polls ask again.
    most: int = 1

    @property
    def id(self) -> str:
        return "-".join(part for part in (self.method, self.label) if part)


def by_path(keys: typing.Iterable[str]) -> Route:
    """The longest key the request's path holds (``torrents/info`` before ``torrents``)."""
    ordered = sorted(keys, key=len, reverse=True)

    def route(request: requests.PreparedRequest) -> str | None:
        path = urlsplit(request.url or "").path
        return next((key for key in ordered if re.search(rf"/{re.escape(key)}(?:/|$)", path)), None)

    return route


def form_of(request: requests.PreparedRequest) -> dict[str, str]:
    """The request's form (a POST's body) and query, as one mapping."""
    body = request.body
    text = body.decode() if isinstance(body, bytes) else (body or "")
    return dict(parse_qsl(urlsplit(request.url or "").query)) | dict(parse_qsl(text))


def serve(
    api: responses.RequestsMock,
    route: Route,
    drawn: Mapping[str, list[Reply]],
    served: collections.Counter[str],
) -> None:
    """Answer every request by its key, the key's replies in order (the last one repeats);
    404 without a body for a request of no key. ``served`` counts each key's requests."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        key = route(request)
        if key is None or key not in drawn:
            return 404, {}, b""
        sequence = drawn[key]
        reply = sequence[min(served[key], len(sequence) - 1)]
        served[key] += 1
        return reply.status, dict(reply.headers), reply.body

    pattern = re.compile(r".*", re.DOTALL)
    for method in (responses.GET, responses.POST, responses.PUT, responses.DELETE):
        api.add_callback(method, pattern, callback=answer)


def valid_replies(row: Row) -> dict[str, list[Reply]]:
    """Each key's valid answer, once (it repeats)."""
    return {
        key: [Reply(b"" if valid is None else to_json(valid).encode(), row.statuses.get(key, 200))]
        for key, valid in row.answers.items()
    }


def fuzzed_replies(
    row: Row, refusals: tuple[Json, ...], overrides: Mapping[str, st.SearchStrategy[Reply]] | None = None
) -> st.SearchStrategy[dict[str, list[Reply]]]:
    """Up to ``row.most`` replies per key: the valid answer mutated, a refusal mutated, any
    JSON, or no JSON (a 204's valid answer is an empty object to mutate). ``overrides``:
    a key's own strategy (a torrent's states, say)."""
    chosen = dict(overrides or {})
    return st.fixed_dictionaries(
        {
            key: st.lists(
                chosen[key]
                if key in chosen
                else st.one_of(
                    replies({} if valid is None else valid, refusals=refusals),
                    field_replies({} if valid is None else valid, row.statuses.get(key, 200)),
                ),
                min_size=1,
                max_size=row.most,
            )
            for key, valid in row.answers.items()
        }
    )


class FakeClock:
    """Monotonic and wall time that move only when the code under test waits."""

    def __init__(self, start: float = 1_800_000_000.0, *, max_waits: int = MAX_WAITS) -> None:
        self.now = start
        self.waits = 0
        self.max_waits = max_waits

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits += 1
        if self.waits > self.max_waits:
            raise AssertionError(f"still waiting after {self.max_waits} waits: a poll that never ends")
        self.now += max(0.0, seconds)


class FastContext(ResolveContext):
    """A context whose waits advance a :class:`FakeClock` (and are counted), and which
    records what the provider reports."""

    clock: FakeClock
    reports: list[str]

    def wait_until(self, deadline: float) -> None:
        self.clock.sleep(deadline - self.clock.now)


def context(session: requests.Session, cache_dir: Path, clock: FakeClock) -> FastContext:
    reports: list[str] = []
    ctx = FastContext(
        session,
        HosterListCache(cache_dir, 1),
        lambda challenge: None,
        threading.Event(),
        refresh_hosterlists=True,
        reporter=reports.append,
    )
    ctx.clock, ctx.reports = clock, reports
    return ctx


def assert_outcome(
    run: Callable[[], tuple[Any, Any]], secrets: typing.Iterable[str] = ()
) -> errors.ResolverError | None:
    """A result of the declared type, or a readable ResolverError that shows none of
    ``secrets``; anything else fails. The error, if there was one."""
    try:
        result, declared = run()
    except errors.ResolverError as exc:
        assert_readable(exc)
        assert_no_secret(exc.for_person(), secrets)
        return exc
    assert_result(result, declared, secrets)
    return None


def assert_result(result: Any, declared: Any, secrets: typing.Iterable[str] = ()) -> None:
    """A result of the declared type; errors among its items (a check's) readable."""
    assert conforms(result, declared), f"{result!r} is not a {declared}"
    for item in result if isinstance(result, list) else ():
        if isinstance(item, errors.ResolverError):
            assert_readable(item)
            assert_no_secret(item.for_person(), secrets)


def assert_no_secret(said: str, secrets: typing.Iterable[str]) -> None:
    shown = [secret for secret in secrets if secret in said]
    assert not shown, f"a secret in the message: {said[:300]!r}"
