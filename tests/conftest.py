"""Test-wide settings."""

from __future__ import annotations

import os
import signal
import socket
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import settings

from resolver_core import budget
from resolver_core.redact import secrets_registered_inside_forgotten
from resolver_core.state.opening import close_stores
from tests.redis_server import RedisServer

# Device logins are kept in the user's state directory: no test reads or writes the real one
# (a token stored there would enable a provider in every test).
os.environ["LINKRESOLVER_STATE_DIR"] = tempfile.mkdtemp(prefix="linkresolver-state-")

# Tests interrupt the command line with SIGINT (Ctrl-C). A shell that starts pytest in the
# background (`pytest &`, nohup) ignores SIGINT, the children inherit that, and Python then
# never raises KeyboardInterrupt: such a test would wait forever. Children get Ctrl-C back.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# In CI, property tests draw the same examples every run: a red run must be reproducible,
# and new failures are found by developers' (random) runs, not by chance in CI.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="also run the slow soak tests (CI runs them)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests (the soak) run in CI and with --slow; elsewhere they are deselected (and
    counted as such), which keeps a developer's run to a couple of minutes. Under --no-cov,
    no_cover markers are dropped (below)."""
    if config.getoption("no_cov", default=False):
        # pytest-cov 7.1 pauses its (absent) tracer for a no_cover test even under --no-cov,
        # and fails the test with an AttributeError: without coverage, the marker means nothing.
        for item in items:
            item.own_markers = [marker for marker in item.own_markers if marker.name != "no_cover"]
    if config.getoption("--slow") or os.environ.get("CI"):
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item.get_closest_marker("slow") is None]


@pytest.fixture(autouse=True)
def _state_of_this_test_only(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Each test has a state directory (and so a state store) of its own, and the process's
    request budgets go back to its own after it: a rest or a spent budget of one test must
    not reach another that runs later in the same process."""
    monkeypatch.setenv("LINKRESOLVER_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    yield
    budget.use_store(None)
    close_stores()


@pytest.fixture(autouse=True)
def _secrets_of_this_test_only() -> Iterator[None]:
    """The secrets a test registers are forgotten after it: a test must not depend on which
    tests ran before it in the same process (they run in parallel, in varying groups), and
    the secrets audit must not mask or search for another test's values."""
    with secrets_registered_inside_forgotten():
        yield


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real ``redis-server`` on a loopback port for this test process (each xdist worker
    has its own); tests that share it empty it first (:func:`empty_redis`)."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def empty_redis(redis_server: RedisServer) -> str:
    """The session's Redis server, emptied for this test: its URL."""
    with socket.create_connection(("127.0.0.1", redis_server.port), timeout=10) as connection:
        connection.sendall(b"FLUSHALL\r\n")
        assert connection.recv(64).startswith(b"+OK")
    return redis_server.url
