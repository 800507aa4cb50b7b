"""The Redis state store's own tests, against a real ``redis-server`` (the behaviour it
shares with the SQLite store is tested on both in ``test_state_sqlite.py``): the server's
clock, expiry on the server, many processes, and a server that is wrong or goes away."""

from __future__ import annotations

import bisect
import multiprocessing
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from resolver_core import errors, redact
from resolver_core.state import Rest, StateStoreError
from resolver_core.state.redis import MAX_LINK_KEPT, PREFIX, RedisStateStore
from tests.redis_server import RedisServer, free_port

from .state_helpers import FOUR_THREADS_WAITS, four_threads_take, rest_seen_by_another_process


@pytest.fixture
def store(empty_redis: str) -> Iterator[RedisStateStore]:
    opened = RedisStateStore.from_url(empty_redis)
    yield opened
    opened.close()


def _keys(store: RedisStateStore) -> list[str]:
    return sorted(str(key) for key in store._client.scan_iter(match="*"))


# -- the server's clock and expiry ------------------------------------------------------------


def test_the_budget_runs_on_the_servers_clock(store: RedisStateStore) -> None:
    assert [store.take("rd", 10, 2) for _ in range(2)] == [0.0, 0.0]
    assert store.take("rd", 10, 2) == pytest.approx(0.1, abs=0.02)
    seconds, microseconds = store._client.time()
    stamp = float(store._client.hget(f"{PREFIX}bucket:rd", "stamp") or 0)
    assert 0 <= seconds + microseconds / 1e6 - stamp < 1.0
    time.sleep(0.35)  # refilled: 0.35 s at 10/s pays the reservation back and more
    assert store.take("rd", 10, 2) == 0.0


def test_a_bucket_expires_once_it_would_be_full_again(store: RedisStateStore) -> None:
    store.take("rd", 1, 3)
    ttl = store._client.pttl(f"{PREFIX}bucket:rd")
    assert 60_000 < ttl <= 61_000  # one token to pay back at 1/s, plus a minute's margin


def test_a_rest_expires_on_the_server_at_its_end(store: RedisStateStore) -> None:
    rest = store.rest(Rest("pm", "rapidgator.net", time.time() + 0.3, "hoster down, 428", 428))
    assert store.resting("pm", "rapidgator.net") == rest
    assert store.rests() == [rest]
    time.sleep(0.45)
    assert store.resting("pm", "rapidgator.net") is None
    assert store.rests() == []
    assert _keys(store) == []


def test_a_rest_already_over_is_not_kept(store: RedisStateStore) -> None:
    store.rest(Rest("pm", None, time.time() - 5, "over", None))
    assert store.resting("pm") is None
    assert _keys(store) == []


def test_providers_and_hosters_cannot_spell_each_others_keys(store: RedisStateStore) -> None:
    until = time.time() + 60
    one = store.rest(Rest("a:b", None, until, "provider a:b", None))
    other = store.rest(Rest("a", "b", until + 1, "hoster b at a", None))
    assert store.resting("a:b") == one
    assert store.resting("a") is None
    assert store.resting("a", "b") == other


# -- resolved links ---------------------------------------------------------------------------


def test_a_link_is_recalled_until_the_server_expires_it(store: RedisStateStore) -> None:
    store.remember_link("k1", '{"url": "https://x.example/1"}', 0.3)
    assert store.recall_link("k1") == '{"url": "https://x.example/1"}'
    assert store.recall_link("nothing here") is None
    time.sleep(0.45)
    assert store.recall_link("k1") is None


def test_a_later_remember_replaces_record_and_time(store: RedisStateStore) -> None:
    store.remember_link("k", "first", 600)
    store.remember_link("k", "second", 0.2)
    assert store.recall_link("k") == "second"
    time.sleep(0.35)
    assert store.recall_link("k") is None


def test_no_time_forgets_the_key_and_no_link_outlives_the_cap(store: RedisStateStore) -> None:
    store.remember_link("k", "kept", 600)
    store.remember_link("k", "ignored", 0)
    assert store.recall_link("k") is None
    assert _keys(store) == []
    store.remember_link("long", "r", 10 * MAX_LINK_KEPT)
    assert MAX_LINK_KEPT * 1000 - 5000 < store._client.pttl(f"{PREFIX}link:long") <= MAX_LINK_KEPT * 1000


# -- keys -------------------------------------------------------------------------------------


def test_every_key_is_under_the_prefix_and_prefixes_are_apart(
    store: RedisStateStore, empty_redis: str
) -> None:
    store.take("rd", 1, 1)
    store.rest(Rest("pm", "rapidgator.net", time.time() + 60, "down", 428))
    store.remember_link("k", "r", 60)
    assert len(_keys(store)) == 3
    assert all(key.startswith("linkresolver:") for key in _keys(store))
    neighbour = RedisStateStore.from_url(empty_redis, prefix="someone-else:")
    assert neighbour.take("rd", 1, 1) == 0.0
    assert neighbour.rests() == []
    assert neighbour.recall_link("k") is None
    neighbour.close()


# -- several processes ------------------------------------------------------------------------


def _hammer(url: str, rate: float, burst: int, seconds: float, ready: Any, results: Any) -> None:
    """A process taking calls from one bucket as fast as the bucket allows, for ``seconds``;
    each call's due moment (the moment before asking, plus the wait: the server's clock is
    this machine's)."""
    store = RedisStateStore.from_url(url)
    ready.wait()
    calls = []
    end = time.time() + seconds
    while time.time() < end:
        asked = time.time()
        wait = store.take("rd", rate, burst)
        calls.append((asked + wait, time.time() - asked))
        time.sleep(wait)
    store.close()
    results.put(calls)


def test_four_processes_never_exceed_burst_plus_rate(empty_redis: str) -> None:
    rate, burst, workers = 20.0, 5, 4
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(workers + 1), context.Queue()
    processes = [
        context.Process(target=_hammer, args=(empty_redis, rate, burst, 3.0, ready, results))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    ready.wait(timeout=60)
    per_process = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=10)
        assert process.exitcode == 0
    assert all(len(calls) >= 5 for calls in per_process), [len(c) for c in per_process]
    dues = sorted(due for calls in per_process for due, _ in calls)
    # A due moment is known to within one round trip (the server read its clock in it).
    slack = max(trip for calls in per_process for _, trip in calls)
    assert slack < 0.2
    busiest = max(bisect.bisect_right(dues, due + 1.0 - slack) - i for i, due in enumerate(dues))
    assert busiest <= burst + rate
    assert busiest >= rate - 1  # the processes did press the limit (unlimited: thousands)
    assert len(dues) <= burst + rate * (dues[-1] - dues[0] + slack) + 1


def test_a_rest_written_by_one_process_is_seen_by_another_at_once(empty_redis: str) -> None:
    lag, seen, written = rest_seen_by_another_process(empty_redis)
    assert seen == written and lag < 1.0


def test_threads_of_one_process_never_share_a_slot(store: RedisStateStore) -> None:
    store._clock = lambda: 1_000_000.0  # time stands still: the slots are exact
    assert four_threads_take(store) == FOUR_THREADS_WAITS


# -- a server that is wrong or gone -----------------------------------------------------------


def _assert_clear(error: StateStoreError, shown: str) -> None:
    assert isinstance(error, errors.ConfigError)
    assert shown in str(error)
    assert error.store == shown
    person = error.for_person()
    assert "\n" not in person
    assert "Redis server" in person
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_a_server_that_does_not_run_is_a_clear_error() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(StateStoreError, match="cannot be reached") as caught:
        RedisStateStore.from_url(url)
    _assert_clear(caught.value, url)


def test_a_server_stopped_mid_run_fails_every_call_clearly() -> None:
    with RedisServer() as server:
        store = RedisStateStore.from_url(server.url)
        store.take("rd", 1, 5)
        server.stop()
        calls: list[Callable[[], object]] = [
            lambda: store.take("rd", 1, 5),
            lambda: store.rest(Rest("pm", None, time.time() + 60, "fair use", 509)),
            lambda: store.resting("pm", "rapidgator.net"),
            store.rests,
            lambda: store.clear_rest("pm"),
            lambda: store.remember_link("k", "r", 60),
            lambda: store.recall_link("k"),
        ]
        for call in calls:
            with pytest.raises(StateStoreError, match="cannot be reached") as caught:
                call()
            _assert_clear(caught.value, server.url)
        store.close()


def test_a_server_started_again_is_used_again() -> None:
    with RedisServer() as server:
        store = RedisStateStore.from_url(server.url)
        store.take("rd", 1, 5)
        server.stop()
        with pytest.raises(StateStoreError):
            store.take("rd", 1, 5)
        server.start()  # same port, empty: the scripts are loaded again
        assert store.take("rd", 1, 5) == 0.0
        assert store.rest(Rest("pm", None, time.time() + 60, "fair use", 509)).reason == "fair use"
        store.close()


def test_a_unix_socket_with_a_password_in_its_query_is_used_and_masked() -> None:
    password = "sock-pw-71c0a2"
    with RedisServer(password=password, socket=True) as server:
        store = RedisStateStore.from_url(f"{server.socket_url}&password={password}")
        assert store.location == f"{server.socket_url}&password=***"
        assert store.take("rd", 1, 1) == 0.0
        assert store.take("rd", 1, 1) == pytest.approx(1.0, abs=0.05)
        assert redact.redact(password) == "***"
        store.close()


def test_a_wrong_password_is_refused_clearly_and_never_shown() -> None:
    password = "s3cret-redis-password"
    with RedisServer(password=password) as server:
        wrong = server.url.replace(password, "not-the-password")
        with pytest.raises(StateStoreError, match="refused the login") as caught:
            RedisStateStore.from_url(wrong)
        shown = f"redis://***@127.0.0.1:{server.port}/0"
        _assert_clear(caught.value, shown)
        assert "not-the-password" not in caught.value.for_person()
        assert redact.redact("key not-the-password") == "key ***"  # registered as a secret

        with pytest.raises(StateStoreError) as missing:
            RedisStateStore.from_url(f"redis://127.0.0.1:{server.port}/0")
        assert str(missing.value) == (
            f"the Redis state store redis://127.0.0.1:{server.port}/0 asks for a password, "
            "and its address gives none"
        )

        store = RedisStateStore.from_url(server.url)
        assert store.location == shown
        assert password not in redact.redact(f"the password {password}")
        assert store.take("rd", 1, 1) == 0.0
        store.close()


def _answer_like_http(listener: socket.socket) -> None:
    connection, _ = listener.accept()
    with connection:
        connection.recv(1024)
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        time.sleep(0.5)


def test_a_server_that_is_not_redis_is_a_clear_error() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        answering = threading.Thread(target=_answer_like_http, args=(listener,))
        answering.start()
        url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        with pytest.raises(StateStoreError) as caught:
            RedisStateStore.from_url(url, timeout=2)
        answering.join()
    _assert_clear(caught.value, url)
    assert f"the state store {url} does not answer as a Redis server does (Protocol Error" in str(
        caught.value
    )


def test_an_address_that_is_not_redis_is_a_clear_error() -> None:
    with pytest.raises(StateStoreError, match="is not a Redis address") as caught:
        RedisStateStore.from_url("http://127.0.0.1:6379/0")
    _assert_clear(caught.value, "http://127.0.0.1:6379/0")


def test_without_the_redis_package_the_install_line_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis fails as when not installed
    url = "redis://:hunter2-password@127.0.0.1:6379/0"
    with pytest.raises(StateStoreError) as caught:
        RedisStateStore.from_url(url)
    assert str(caught.value) == (
        "the state store redis://***@127.0.0.1:6379/0 needs the Redis client: "
        "pip install 'linkresolver[redis]'"
    )
    assert "hunter2" not in caught.value.for_person()


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            redis.ResponseError("OOM command not allowed when used memory > 'maxmemory'."),
            "failed (OOM command",
        ),
        (OSError(113, "No route to host"), "cannot be reached ([Errno 113] No route to host)"),
    ],
)
def test_driver_errors_never_escape(
    store: RedisStateStore, monkeypatch: pytest.MonkeyPatch, error: Exception, said: str
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(store._client, "get", broken)
    with pytest.raises(StateStoreError) as caught:
        store.recall_link("k")
    assert said in str(caught.value)
    _assert_clear(caught.value, store.location)
