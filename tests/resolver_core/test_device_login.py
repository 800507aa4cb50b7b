"""The device-flow engine and the token store, with a fake service, clock and sleep."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from resolver_core.device_login import (
    PENDING,
    SLOW_DOWN_STEP,
    DeviceCode,
    LoginRequired,
    PollAnswer,
    SlowDown,
    StoredToken,
    TokenStore,
    device_code_from_answer,
    page_to_show,
    run_device_login,
    state_dir,
    token_from_answer,
    valid_access_token,
)
from resolver_core.errors import AuthFailed, ConfigError, ProviderOutage
from resolver_core.redact import clear_secrets, redact

ACCESS = "access-token-0123456789"
REFRESH = "refresh-token-0123456789"
SECRET = "client-secret-0123456789"
DEVICE = "device-code-0123456789"


@pytest.fixture(autouse=True)
def _no_secrets_left() -> object:
    yield
    clear_secrets()


class FakeTime:
    """A clock that moves only when slept on, and a record of each sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def code(interval: float = 5.0, expires_in: float = 600.0) -> DeviceCode:
    return DeviceCode(DEVICE, "ABCD", "https://example.test/device", interval, expires_in)


def token(expires_at: float | None = None, refresh: str | None = REFRESH) -> StoredToken:
    return StoredToken(ACCESS, refresh, expires_at, "client", SECRET, 1.0)


def login(
    answers: list[PollAnswer], store: TokenStore, time: FakeTime, device: DeviceCode | None = None
) -> StoredToken:
    shown: list[DeviceCode] = []
    result = run_device_login(
        "svc",
        lambda: device or code(),
        lambda _code: answers.pop(0),
        shown.append,
        store,
        clock=time.clock,
        sleep=time.sleep,
    )
    assert [c.user_code for c in shown] == ["ABCD"]
    return result


# -- polling ------------------------------------------------------------------------------------


def test_polls_at_the_given_interval_until_approved_and_stores(tmp_path: Path) -> None:
    time, store = FakeTime(), TokenStore("svc", tmp_path)
    result = login([PENDING, PENDING, token()], store, time)
    assert time.sleeps == [5.0, 5.0, 5.0]
    assert result == token()
    assert store.load() == token()


def test_slow_down_adds_five_seconds_or_takes_the_new_interval(tmp_path: Path) -> None:
    time = FakeTime()
    login([SlowDown(), PENDING, SlowDown(2.5), token()], TokenStore("svc", tmp_path), time, code(1.0))
    assert time.sleeps == [1.0, 1.0 + SLOW_DOWN_STEP, 1.0 + SLOW_DOWN_STEP, 2.5]


def test_no_poll_after_the_code_expired_and_nothing_stored(tmp_path: Path) -> None:
    time, store = FakeTime(), TokenStore("svc", tmp_path)
    with pytest.raises(LoginRequired, match="expired before it was entered") as caught:
        login([PENDING] * 100, store, time, code(interval=5.0, expires_in=12.0))
    assert time.sleeps == [5.0, 5.0]  # a third poll would come at 15 s, after the 12 s
    assert not store.path.exists()
    assert "linkresolver svc login" in caught.value.for_person()


def test_ctrl_c_while_waiting_leaves_nothing_behind(tmp_path: Path) -> None:
    store = TokenStore("svc", tmp_path)

    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_device_login("svc", code, lambda _c: PENDING, lambda _c: None, store, sleep=interrupted)
    assert list(tmp_path.iterdir()) == []


def test_a_refusal_while_polling_propagates(tmp_path: Path) -> None:
    def declined(_code: DeviceCode) -> PollAnswer:
        raise AuthFailed("declined", provider="svc")

    with pytest.raises(AuthFailed, match="declined"):
        run_device_login(
            "svc", code, declined, lambda _c: None, TokenStore("svc", tmp_path), sleep=lambda _s: None
        )


# -- answers ------------------------------------------------------------------------------------


def test_device_code_answer_read_and_its_code_kept_secret() -> None:
    answer = {
        "device_code": DEVICE,
        "user_code": "WXYZ\x1b[2J",
        "verification_uri": "https://example.test/device",
        "interval": "2",
        "expires_in": 900,
    }
    found = device_code_from_answer(answer, provider="svc")
    assert (found.user_code, found.interval, found.expires_in) == ("WXYZ[2J", 2.0, 900.0)
    assert DEVICE not in repr(found)
    assert redact(f"code={DEVICE}") == "code=***"


@pytest.mark.parametrize("answer", [{}, [], {"device_code": "x", "user_code": "y"}, "oops"])
def test_device_code_answer_without_its_parts_is_the_services_fault(answer: object) -> None:
    with pytest.raises(ProviderOutage, match="without a code and its page"):
        device_code_from_answer(answer, provider="svc")


def test_token_answer_registers_its_secrets_and_keeps_an_old_refresh_token() -> None:
    previous = token()
    renewed = token_from_answer(
        {"access_token": "new-access-0123456789", "expires_in": 60},
        provider="svc",
        now=10.0,
        previous=previous,
    )
    assert (renewed.expires_at, renewed.refresh_token) == (70.0, REFRESH)
    assert redact("new-access-0123456789 " + REFRESH) == "*** ***"
    with pytest.raises(AuthFailed, match="without an access token"):
        token_from_answer({"error": "x"}, provider="svc", now=0.0)


# -- the file -----------------------------------------------------------------------------------


def test_the_file_is_mode_600_from_its_first_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file in the directory is looked at when the data are synced, before the rename:
    the temporary file already holds the token, and must be the user's alone."""
    seen: list[tuple[str, int]] = []
    real_fsync = os.fsync

    def fsync(handle: int) -> None:
        state = tmp_path / "state"
        seen.extend((p.name, stat.S_IMODE(p.stat().st_mode)) for p in state.iterdir() if p.is_file())
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", fsync)
    old_umask = os.umask(0)  # the most permissive umask: the mode must not depend on it
    try:
        TokenStore("svc", tmp_path / "state").save(token())
        directory = tmp_path / "state"
        seen_in_state = [(p.name, stat.S_IMODE(p.stat().st_mode)) for p in directory.iterdir()]
    finally:
        os.umask(old_umask)
    assert seen_in_state == [("svc-token.json", 0o600)]
    temporary = [name for name, _mode in seen if name.startswith(".svc-token-")]
    assert temporary, "the temporary file was not seen while it was written"
    assert {mode for _name, mode in seen} == {0o600}
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_the_temporary_file_is_600_while_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[int] = []
    real_fsync = os.fsync

    def fsync(handle: int) -> None:
        modes.append(stat.S_IMODE(os.fstat(handle).st_mode))
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", fsync)
    old_umask = os.umask(0)
    try:
        TokenStore("svc", tmp_path).save(token())
    finally:
        os.umask(old_umask)
    assert modes[0] == 0o600


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TokenStore("svc", tmp_path)
    store.save(token())

    def broken(_handle: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="No space"):
        store.save(StoredToken("other-access-0123456789"))
    assert store.load() == token()
    assert [p.name for p in tmp_path.iterdir()] == ["svc-token.json"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b'{"version": 99, "access_token": "x"}', "is not a token file this linkresolver wrote"),
        (b'{"version": 1, "access_token": 5}', "is damaged"),
        (b'{"version": 1, "access_token": "abc", "expires_at": "soon"}', "is damaged"),
        (b"[]", "is not a token file"),
    ],
)
def test_a_damaged_file_is_a_clear_message(tmp_path: Path, content: bytes, words: str) -> None:
    store = TokenStore("svc", tmp_path)
    store.path.write_bytes(content)
    with pytest.raises(ConfigError, match=words) as caught:
        store.load()
    assert str(store.path) in str(caught.value)
    assert "linkresolver svc login" in str(caught.value)


def test_another_users_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TokenStore("svc", tmp_path)
    store.save(token())
    monkeypatch.setattr(os, "getuid", lambda: os.stat(store.path).st_uid + 1)
    with pytest.raises(ConfigError, match=r"belongs to another user \(uid \d+\), so it is not used"):
        store.load()


def test_a_file_others_can_read_draws_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = TokenStore("svc", tmp_path)
    store.save(token())
    store.path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="linkresolver"):
        assert store.load() == token()
    assert f"chmod 600 {store.path}" in caplog.text


def test_forget(tmp_path: Path) -> None:
    store = TokenStore("svc", tmp_path)
    assert store.forget() is False
    store.save(token())
    assert store.forget() is True
    assert not store.path.exists()


def test_a_loaded_token_is_redacted_everywhere(tmp_path: Path) -> None:
    store = TokenStore("svc", tmp_path)
    store.path.write_text(json.dumps({"version": 1, "access_token": ACCESS, "refresh_token": REFRESH}))
    clear_secrets()
    loaded = store.load()
    assert loaded is not None
    assert ACCESS not in repr(loaded) and REFRESH not in repr(loaded)
    assert redact(f"Bearer {ACCESS}, {REFRESH}") == "Bearer ***, ***"


def test_state_dir_from_the_environment(tmp_path: Path) -> None:
    assert state_dir({"LINKRESOLVER_STATE_DIR": str(tmp_path)}) == tmp_path
    assert state_dir({}).name == "linkresolver"


# -- the token to send --------------------------------------------------------------------------


def counting(renewed: StoredToken) -> tuple[Callable[[StoredToken], StoredToken], list[StoredToken]]:
    calls: list[StoredToken] = []

    def renew(old: StoredToken) -> StoredToken:
        calls.append(old)
        return renewed

    return renew, calls


def test_a_fresh_token_is_used_as_it_is(tmp_path: Path) -> None:
    store = TokenStore("svc", tmp_path)
    store.save(token(expires_at=5000.0))
    renew, calls = counting(token())
    assert valid_access_token(store, renew, now=lambda: 1000.0) == ACCESS
    assert calls == []


def test_an_expiring_token_is_renewed_once_and_stored(tmp_path: Path) -> None:
    store = TokenStore("svc", tmp_path)
    store.save(token(expires_at=1030.0))  # within the minute's margin
    new = StoredToken("renewed-access-0123456789", REFRESH, 9000.0, "client", SECRET, 1000.0)
    renew, calls = counting(new)
    assert valid_access_token(store, renew, now=lambda: 1000.0) == new.access_token
    assert valid_access_token(store, renew, now=lambda: 1000.0) == new.access_token
    assert len(calls) == 1
    assert store.load() == new


def test_a_short_lived_token_is_renewed_near_its_end_not_at_once(tmp_path: Path) -> None:
    store = TokenStore("svc", tmp_path)
    store.save(StoredToken(ACCESS, REFRESH, 1002.0, "client", SECRET, 1000.0))  # lives 2 s
    new = StoredToken("renewed-access-0123456789", REFRESH, 1004.0, "client", SECRET, 1002.0)
    renew, calls = counting(new)
    assert valid_access_token(store, renew, now=lambda: 1001.0) == ACCESS
    assert calls == []
    assert valid_access_token(store, renew, now=lambda: 1001.9) == new.access_token
    assert len(calls) == 1


def test_a_refused_token_is_renewed_but_only_the_refused_one(tmp_path: Path) -> None:
    store = TokenStore("svc", tmp_path)
    store.save(token(expires_at=None))
    new = StoredToken("renewed-access-0123456789", REFRESH, None, "client", SECRET, 1000.0)
    renew, calls = counting(new)
    assert valid_access_token(store, renew, refused=ACCESS) == new.access_token
    # Another thread refused the old token too: the new one is there already.
    assert valid_access_token(store, renew, refused=ACCESS) == new.access_token
    assert len(calls) == 1


def test_no_login_or_no_way_to_renew_asks_for_a_login(tmp_path: Path) -> None:
    store = TokenStore("svc", tmp_path)
    with pytest.raises(LoginRequired, match="is not logged in") as caught:
        valid_access_token(store, None)
    assert caught.value.for_person().endswith("log in with `linkresolver svc login`")
    store.save(token(expires_at=10.0, refresh=None))
    with pytest.raises(LoginRequired, match="expired and cannot be renewed"):
        valid_access_token(store, counting(token())[0], now=lambda: 1000.0)


def test_a_refused_renewal_asks_for_a_login_and_shows_no_secret(tmp_path: Path) -> None:
    store = TokenStore("svc", tmp_path)
    store.save(token(expires_at=10.0))

    def refuse(old: StoredToken) -> StoredToken:
        raise AuthFailed(f"said invalid_grant for {old.refresh_token}", provider="svc")

    with pytest.raises(LoginRequired, match="refused to renew the login") as caught:
        valid_access_token(store, refuse, now=lambda: 1000.0)
    assert REFRESH not in redact(str(caught.value))
    assert store.load() == token(expires_at=10.0)  # kept: a later renewal may work


def test_secrets_stay_out_of_log_records(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = TokenStore("svc", tmp_path)
    store.save(token())
    with caplog.at_level(logging.DEBUG, logger="linkresolver"):
        logging.getLogger("linkresolver").info("sent Authorization: Bearer %s with %s", ACCESS, SECRET)
    assert ACCESS not in caplog.text and SECRET not in caplog.text
    assert "Bearer ***" in caplog.text


@pytest.mark.parametrize(
    ("named", "shown"),
    [
        ("https://alldebrid.com/pin/", "https://alldebrid.com/pin/"),
        ("http://127.0.0.1:8123/pin", "http://127.0.0.1:8123/pin"),
        ("http://localhost/pin", "http://localhost/pin"),
        ("http://[::1]:80/pin", "http://[::1]:80/pin"),
        ("http://127.0.0.1.example.com/pin", None),
        ("http://localhost.evil.example/pin", None),
        ("http://alldebrid.com/pin", None),
        ("https://user:pw@alldebrid.com/pin", None),
        ("javascript:alert(1)", None),
        (42, None),
    ],
)
def test_a_login_page_is_shown_only_when_https_or_on_a_loopback_host(
    named: object, shown: str | None
) -> None:
    assert page_to_show(named) == shown
