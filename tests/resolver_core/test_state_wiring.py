"""The shared state store wired in: the configuration names it, the factory opens it (once a
process), the budgets and rests live in it, and its failure ends a run with exit 2."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from linkresolver.cli import main
from resolver_core import budget, errors
from resolver_core.config import load_config
from resolver_core.device_login import state_dir
from resolver_core.factory import build_resolver
from resolver_core.linkcache import LinkCache
from resolver_core.manager import make_plugin_manager
from resolver_core.models import AccountInfo, LinkState, LinkStatus, ResolvedLink
from resolver_core.pipeline import Resolver
from resolver_core.provider import ResolveContext
from resolver_core.redact import redact
from resolver_core.sandbox.resolver import sandbox_resolver
from resolver_core.state import STATE_FILE, Rest, SqliteStateStore, StateStoreError
from resolver_core.state.opening import close_stores, open_store
from resolver_core.state.redis import RedisStateStore
from resolver_core.web.jobs import Job, JobManager
from tests.redis_server import free_port

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- the configuration ------------------------------------------------------------------------


def test_the_state_key_of_the_file_and_the_variable_over_it(tmp_path: Path) -> None:
    path = write(tmp_path, 'state = "redis://localhost:6379/2"\n')
    assert load_config(path, env={}).state == "redis://localhost:6379/2"
    assert load_config(path, env={"LINKRESOLVER_STATE": "sqlite"}).state == "sqlite"
    assert load_config(write(tmp_path, ""), env={}).state is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("state = 3\n", "'state' must be"),
        ('state = "postgres://db/1"\n', "is not a state store"),
        ('state = "redis:///2"\n', "names no host"),
        ('state = "unix://"\n', "names no socket"),
    ],
)
def test_a_state_that_names_no_store_is_refused_naming_the_file(
    tmp_path: Path, text: str, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(errors.ConfigError) as raised:
        load_config(path, env={})
    assert str(path) in str(raised.value) and words in str(raised.value)


def test_a_refused_variable_is_named_and_its_password_never_shown(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError) as raised:
        load_config(write(tmp_path, ""), env={"LINKRESOLVER_STATE": "memcache://:s3cr3t-pw@cache:1/0"})
    message = str(raised.value)
    assert "environment variable LINKRESOLVER_STATE" in message and "is not a state store" in message
    assert "s3cr3t-pw" not in message and "memcache://***@cache:1/0" in message


def test_a_state_url_password_is_a_secret(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'state = "redis://:hunter2-pw@db:6379/0"\n'), env={})
    assert "hunter2-pw" in config.secrets()
    unix = load_config(write(tmp_path, 'state = "unix:///run/redis.sock?db=1&password=q-pw"\n'), env={})
    assert unix.secrets() == ["q-pw"]


# -- opening ----------------------------------------------------------------------------------


def test_sqlite_is_the_default_and_opened_once_per_process(tmp_path: Path) -> None:
    store = open_store(None, tmp_path)
    assert isinstance(store, SqliteStateStore) and store.path == tmp_path / STATE_FILE
    assert open_store("sqlite", tmp_path) is store and open_store(" SQLite ", tmp_path) is store
    assert open_store(None, tmp_path / "other") is not store
    close_stores()
    assert open_store(None, tmp_path) is not store  # forgotten once closed


def test_a_redis_url_opens_the_redis_store_once_per_process(tmp_path: Path, empty_redis: str) -> None:
    store = open_store(empty_redis, tmp_path)
    assert isinstance(store, RedisStateStore) and store.location == empty_redis
    assert open_store(f" {empty_redis} ", tmp_path) is store
    assert store.take("rd", 1, 1) == 0.0


def test_a_redis_server_that_cannot_be_reached_is_a_clear_error_at_once(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(StateStoreError) as raised:
        open_store(f"redis://:pw-9-secret@127.0.0.1:{port}/0", tmp_path)
    assert str(raised.value).startswith(
        f"the Redis state store redis://***@127.0.0.1:{port}/0 cannot be reached"
    )
    assert raised.value.store == f"redis://***@127.0.0.1:{port}/0"
    assert "pw-9-secret" not in raised.value.for_person()


def make(tmp_path: Path, *providers: ScriptedProvider) -> Resolver:
    pm = make_plugin_manager(load_entry_points=False, extra=[ProvidersPlugin(*providers)], env={})
    return build_resolver(empty_config(tmp_path), pm=pm, cache_dir=tmp_path / "cache")


def test_the_factory_keeps_budgets_and_rests_in_the_state_directorys_store(tmp_path: Path) -> None:
    first = make(tmp_path, ScriptedProvider("kept", 1))
    store = first.cooldowns.store
    assert isinstance(store, SqliteStateStore) and store.path == state_dir() / STATE_FILE
    assert budget.current_store() is store
    assert isinstance(budget.bucket("kept"), budget.SharedBucket)
    before = budget.bucket("kept")
    second = make(tmp_path, ScriptedProvider("kept", 1))  # a web job's resolver, say
    assert second.cooldowns.store is store
    assert budget.bucket("kept") is before  # the same store: the buckets were not reset
    first.cooldowns.start("kept", None, 60, "said 509", 509)
    assert second.cooldowns.active("kept") is not None  # one store: one rest for both


def test_a_cooldowns_json_is_moved_into_the_store(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    entry = {"provider": "old", "hoster": None, "until": 4102444800.0, "reason": "said 509", "code": 509}
    (cache / "cooldowns.json").write_text(json.dumps({"cooldowns": [entry]}), encoding="utf-8")
    resolver = make(tmp_path, ScriptedProvider("old", 1))
    assert resolver.cooldowns.active("old") is not None
    assert not (cache / "cooldowns.json").exists() and (cache / "cooldowns.json.migrated").exists()


# -- a store that fails mid-run ---------------------------------------------------------------


class BrokenStore:
    """A store that fails at its ``failing_from``-th use (every use after too)."""

    location = "/nowhere/state.sqlite3"
    spans_machines = False

    def __init__(self, failing_from: int = 1) -> None:
        self.uses = 0
        self.failing_from = failing_from

    def _use(self) -> None:
        self.uses += 1
        if self.uses >= self.failing_from:
            raise StateStoreError(
                f"the state file {self.location} cannot be written (disk full)", store=self.location
            )

    def take(self, bucket: str, per_second: float, burst: int) -> float:
        self._use()
        return 0.0

    def rest(self, rest: Rest) -> Rest:
        self._use()
        return rest

    def resting(self, provider: str, hoster: str | None = None) -> Rest | None:
        self._use()
        return None

    def rests(self) -> list[Rest]:
        self._use()
        return []

    def clear_rest(self, provider: str, hoster: str | None = None) -> None:
        self._use()

    def remember_link(self, key: str, record: str, seconds: float) -> None:
        self._use()

    def recall_link(self, key: str) -> str | None:
        self._use()
        return None

    def close(self) -> None:
        pass


class Counting(ScriptedProvider):
    """Makes its calls through the budget, as every HTTP call of a real provider does."""

    can_check = True

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        budget.bucket(self.name).acquire()
        return super().resolve(url, hoster, ctx)

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        budget.bucket(self.name).acquire()
        return [LinkStatus(url, LinkState.ONLINE, self.name, hoster) for url in urls]

    def account(self, ctx: ResolveContext) -> AccountInfo | None:
        budget.bucket(self.name).acquire()
        return AccountInfo(self.name, None, "premium", can_download=True)


def broken(tmp_path: Path, store: BrokenStore) -> tuple[Resolver, Counting]:
    provider = Counting("p", 1)
    resolver = make(tmp_path, provider)
    budget.use_store(store)
    resolver.cooldowns.store = store
    resolver.links = LinkCache(store)
    return resolver, provider


def test_a_store_failing_mid_run_ends_the_run_not_one_link(tmp_path: Path) -> None:
    resolver, provider = broken(tmp_path, BrokenStore(failing_from=12))
    urls = [f"https://rapidgator.net/file/f{n}" for n in range(200)]
    with pytest.raises(StateStoreError) as raised:
        resolver.resolve_many(urls)
    assert "/nowhere/state.sqlite3" in str(raised.value)
    assert resolver.cancelled.is_set()
    assert len(provider.calls) < 20  # the links after it were not sent one by one to fail


def test_a_store_failing_ends_checks_and_accounts_too(tmp_path: Path) -> None:
    resolver, _ = broken(tmp_path, BrokenStore())
    with pytest.raises(StateStoreError):
        resolver.check_many(["https://rapidgator.net/file/a"])
    with pytest.raises(StateStoreError):
        resolver.accounts()


def test_a_store_failing_ends_a_web_job_and_the_server_goes_on(tmp_path: Path) -> None:
    resolver, _ = broken(tmp_path, BrokenStore())
    resolver.index()
    jobs = JobManager(resolver, running=1, threads_per_job=1)
    try:
        job = jobs.start([f"https://rapidgator.net/file/f{n}" for n in range(5)])
        until_done(job)
        assert job.done and job.ended_by is not None
        assert {row.error for row in job.rows} == {job.ended_by.for_person()}
        assert "/nowhere/state.sqlite3" in str(job.ended_by)
        budget.use_store(None)
        resolver.cooldowns.store = None
        resolver.cooldowns.path = None
        resolver.links = None
        again = jobs.start(["https://rapidgator.net/file/next"])
        until_done(again)
        assert [row.state for row in again.rows] == ["resolved"]
    finally:
        jobs.stop()


def until_done(job: Job) -> None:
    give_up = time.monotonic() + 10
    while not job.done and time.monotonic() < give_up:
        time.sleep(0.02)


def test_the_cli_names_a_damaged_state_file_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = state_dir()
    home.mkdir(parents=True, exist_ok=True)
    (home / STATE_FILE).write_bytes(b"this is not a database, whatever its name says" * 100)
    config = write(tmp_path, '[providers.premiumize]\nkey = "k-123"\napi_base = "http://127.0.0.1:9/api"\n')
    config.chmod(0o600)
    monkeypatch.setenv("LINKRESOLVER_CACHE_DIR", str(tmp_path / "cache"))
    out, err = io.StringIO(), io.StringIO()
    argv = ["resolve", "--config", str(config), "https://rapidgator.net/file/abc"]
    code = main(argv, stdout=out, stderr=err)
    assert code == 2
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err.getvalue()
    assert f"the state file {home / STATE_FILE} is damaged" in lines[0]
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(home / STATE_FILE).execute("SELECT 1 FROM buckets").fetchall()
    assert redact(lines[0]) == lines[0]


def test_a_sandbox_resolver_keeps_its_state_in_its_work_folder(tmp_path: Path) -> None:
    """The demo's rests and budgets are the sandbox's, not those of the user's accounts."""
    resolver = sandbox_resolver({}, tmp_path, pm=make_plugin_manager(load_entry_points=False, env={}))
    store = resolver.cooldowns.store
    assert isinstance(store, SqliteStateStore) and store.path == tmp_path / "state" / STATE_FILE
    assert store.path.parent != state_dir()


# -- a rest begun while a call waited for its turn ---------------------------------------------


def test_a_links_first_call_queued_in_a_shared_budget_is_not_made_once_its_provider_rests(
    tmp_path: Path,
) -> None:
    store = SqliteStateStore.in_directory(tmp_path)
    bucket = budget.SharedBucket(store, "p", 2.0, 1)  # each call after the first waits 0.5 s
    assert bucket.acquire() == 0.0
    rest = Rest("p", None, time.time() + 60, "said 509", 509)
    threading.Timer(0.1, store.rest, (rest,)).start()  # another process, say, meanwhile
    with pytest.raises(errors.RestedWhileWaiting) as raised, budget.first_call():
        bucket.acquire()
    assert raised.value.code == 509 and "asked to pause until" in str(raised.value)
    assert "said 509" in str(raised.value) and raised.value.try_other_provider
    # A later call of a flow already begun goes on (the rest stops new work, not work begun);
    # so does the call after a link's first.
    assert bucket.acquire() > 0
    with budget.first_call():
        assert budget.SharedBucket(store, "other", 1000.0, 5).acquire() == 0.0
        assert bucket.acquire() > 0
    # An account's bucket ("provider/label") minds its provider's rests and its own, not
    # another account's.
    home = budget.SharedBucket(store, "q/home", 2.0, 1)
    home.acquire()
    store.rest(Rest("q/work", None, time.time() + 60, "fair use", 509))
    with budget.first_call():
        assert home.acquire() > 0  # waited, and found no rest of its own: made
    p_home = budget.SharedBucket(store, "p/home", 2.0, 1)
    p_home.acquire()
    with pytest.raises(errors.RestedWhileWaiting), budget.first_call():
        p_home.acquire()  # p itself rests (above)


class RestBeginsWhileWaiting(ScriptedProvider):
    """The first call finds that the provider was put to rest while it waited for its turn."""

    def __init__(self, name: str, rest_seconds: float) -> None:
        super().__init__(name, 1)
        self.rest_seconds = rest_seconds
        self.resolver: Resolver | None = None

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        assert self.resolver is not None
        if not self.calls:
            self.calls.append("not made")
            rest = self.resolver.cooldowns.start(self.name, None, self.rest_seconds, "said 503", 503)
            raise errors.RestedWhileWaiting(
                "asked to pause", provider=self.name, retry_after=rest.remaining()
            )
        return super().resolve(url, hoster, ctx)


@pytest.mark.parametrize(("rest_seconds", "status"), [(0.3, "ok"), (600.0, "error")])
def test_a_call_not_made_for_a_rest_minds_it_as_any_call(
    tmp_path: Path, rest_seconds: float, status: str
) -> None:
    provider = RestBeginsWhileWaiting("p", rest_seconds)
    provider.resolver = make(tmp_path, provider)
    [outcome] = provider.resolver.resolve_many(["https://rapidgator.net/file/a"])
    assert outcome.status == status  # a short rest waited out, a long one the link's error
    if status == "error":
        assert isinstance(outcome.error, errors.CoolingDown) and provider.calls == ["not made"]
    else:
        assert provider.calls == ["not made", "https://rapidgator.net/file/a"]
