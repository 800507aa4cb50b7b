"""The generic helpers plugins share for credentials and multi-call flows:
:func:`resolver_core.retrying.patiently` (one call of a flow asked again by itself),
:class:`resolver_core.stored_login.StoredLogin` (the configured key first, else a stored
login, renewed once) and :class:`resolver_core.stored_login.RenewingToken` (a client's
token renewed once when refused)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import pytest
import requests

from resolver_core import errors
from resolver_core.config import ProviderSettings
from resolver_core.device_login import LoginRequired, StoredToken, TokenStore
from resolver_core.retrying import patiently, short_rest
from resolver_core.stored_login import RenewingToken, StoredLogin

#: The renewal here needs no session: any one will do.
SESSION: Final = requests.Session()


class FakeContext:
    """Records the pauses instead of sleeping."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def wait(self, seconds: float) -> None:
        self.pauses.append(seconds)


def failing(*failures: errors.ResolverError) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return "answer"

    return calls, call


def silent() -> errors.ResolverError:
    """An outage without an answer, as the HTTP helpers raise it for a timeout."""
    error = errors.ProviderOutage("did not answer (timeout)", provider="x")
    error.no_answer = True
    return error


def test_a_call_without_an_answer_is_made_again_after_a_short_pause() -> None:
    ctx = FakeContext()
    error = silent()
    calls, call = failing(error, error)
    assert patiently(ctx, call) == "answer"
    assert len(calls) == 3 and len(ctx.pauses) == 2 and all(0 < pause <= 1.0 for pause in ctx.pauses)


def test_a_short_rest_is_waited_out_unless_rests_are_not_taken() -> None:
    rest = errors.RateLimited("asks for a rest", provider="x", retry_after=7)
    ctx = FakeContext()
    calls, call = failing(rest)
    assert patiently(ctx, call) == "answer" and ctx.pauses == [7]
    calls, call = failing(rest)
    with pytest.raises(errors.RateLimited):
        patiently(FakeContext(), call, rests=False)
    assert len(calls) == 1


def test_other_errors_a_long_rest_and_the_last_attempt_are_raised() -> None:
    offline = errors.FileOffline("says the file is gone", provider="x")
    calls, call = failing(offline)
    with pytest.raises(errors.FileOffline):
        patiently(FakeContext(), call)
    assert len(calls) == 1
    long_rest = errors.RateLimited("asks for a rest", provider="x", retry_after=600)
    assert short_rest(long_rest) is None
    error = silent()
    calls, call = failing(error, error, error)
    with pytest.raises(errors.ProviderOutage):
        patiently(FakeContext(), call, attempts=3)
    assert len(calls) == 3


def renewed(token: StoredToken) -> StoredToken:
    return StoredToken("renewed-access", "refresh-2", time.time() + 3600, obtained_at=time.time())


def test_the_configured_key_goes_first_and_is_never_renewed(tmp_path: Path) -> None:
    store = TokenStore("x", tmp_path)
    store.save(StoredToken("stored-access", "refresh-1", time.time() + 3600, obtained_at=time.time()))
    login = StoredLogin(
        ProviderSettings("x", key="configured-key"), store, renewal=lambda session: renewed, missing="m"
    )
    assert login.enabled and login.token(None, refused="configured-key") == "configured-key"
    assert login.renewer(SESSION) is None


def test_a_stored_login_is_used_and_renewed_once_when_refused(tmp_path: Path) -> None:
    store = TokenStore("x", tmp_path)
    login = StoredLogin(ProviderSettings("x"), store, renewal=lambda session: renewed, missing="has no key")
    assert not login.enabled
    with pytest.raises(errors.AuthFailed, match="x has no key"):
        login.token(None)
    store.save(StoredToken("stored-access", "refresh-1", time.time() + 3600, obtained_at=time.time()))
    assert login.enabled and login.token(SESSION) == "stored-access"
    renew = login.renewer(SESSION)
    assert renew is not None and renew("stored-access") == "renewed-access"
    stored = store.load()
    assert stored is not None and stored.access_token == "renewed-access"


def test_a_login_that_cannot_be_renewed_asks_for_a_new_one(tmp_path: Path) -> None:
    store = TokenStore("x", tmp_path)
    store.save(StoredToken("stored-key", obtained_at=time.time()))
    login = StoredLogin(ProviderSettings("x", enabled=False), store, missing="has no key")
    assert not login.enabled  # as configured, whatever is stored
    assert login.token() == "stored-key"
    with pytest.raises(LoginRequired):
        login.token(None, refused="stored-key")


def test_a_refused_token_is_renewed_once_per_client_and_the_call_made_again() -> None:
    renewals: list[str] = []

    def renew(refused: str) -> str:
        renewals.append(refused)
        return f"new-{len(renewals)}"

    token = RenewingToken("old", renew)
    sent: list[str] = []

    def call() -> str:
        sent.append(token.bearer()["Authorization"])
        if token.value != "new-1" or len(sent) > 2:
            raise errors.AuthFailed("refused the token", provider="x", code=401)
        return "answer"

    assert token.call(call, refused=lambda exc: exc.code == 401) == "answer"
    assert renewals == ["old"] and sent == ["Bearer old", "Bearer new-1"]
    with pytest.raises(errors.AuthFailed):  # refused again: no second renewal, no loop
        token.call(call, refused=lambda exc: exc.code == 401)
    assert renewals == ["old"] and "old" not in repr(token)


def refusing() -> str:
    raise errors.AuthFailed("refused the token", provider="x", code=401)


def test_a_configured_key_or_another_refusal_is_not_renewed() -> None:
    with pytest.raises(errors.AuthFailed):
        RenewingToken("configured-key").call(refusing, refused=lambda exc: True)
    renewals: list[str] = []

    def renew(refused: str) -> str:
        renewals.append(refused)
        return "u"

    token = RenewingToken("t", renew)
    with pytest.raises(errors.AuthFailed):
        token.call(refusing, refused=lambda exc: False)
    assert renewals == [] and token.value == "t"
