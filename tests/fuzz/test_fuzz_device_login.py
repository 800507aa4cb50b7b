"""The OAuth device flow of Real-Debrid and Premiumize, fed answers that servers get wrong.

Each service's endpoints (the device code, Real-Debrid's credentials poll, the token, its
renewal) answer with their valid answers mutated, with OAuth's refusals (``slow_down``,
``authorization_pending``, ``access_denied``...) mutated, and with bodies that are not
JSON, through the core's engine: :func:`run_device_login` on a fake clock (its waits take
no time; a login that would poll without end fails the test) and
:func:`valid_access_token`. Whatever arrives:

- a token, or a readable :class:`ResolverError`, never a traceback;
- no message shows a token, a refresh token, a client secret or the device code;
- a token file, when there is one, is mode 600, and holds a token that can be sent (an
  answer whose token is no token is never stored); a failed renewal leaves the stored
  token as it was.
"""

from __future__ import annotations

import collections
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from linkresolver.plugins.premiumize import oauth as pm_oauth
from linkresolver.plugins.realdebrid import oauth as rd_oauth
from resolver_core import budget
from resolver_core.config import ProviderSettings
from resolver_core.device_login import StoredToken, TokenStore, run_device_login
from resolver_core.http import make_session
from resolver_core.redact import clear_secrets

from .mock_rest import FakeClock, Route, assert_outcome, by_path, form_of, serve
from .outcomes import examples
from .strategies import FLOATS, HUGE_INTS, NASTY_TEXT, Reply, field_replies, nasty_scalars, replies, to_json

EXAMPLES: Final = examples(40)
FUZZ = settings(max_examples=EXAMPLES, deadline=None)

DEVICE: Final = "DEVFUZZCODE0815XYZ"
ACCESS: Final = "ACCESSFUZZ4711ABCDEF"
REFRESH: Final = "REFRESHFUZZ0815GHIJK"
SECRET: Final = "CLIENTSECRETFUZZ42LMN"
OLD_ACCESS: Final = "OLDACCESSFUZZ0001"
OLD_REFRESH: Final = "OLDREFRESHFUZZ0002"
SECRETS: Final = (DEVICE, ACCESS, REFRESH, SECRET, OLD_ACCESS, OLD_REFRESH)
#: Polls a login may take: its lifetime (half an hour at most) at one poll a second at most.
MOST_POLLS: Final = 1802


@dataclass(frozen=True)
class Service:
    """One service's device flow: its endpoints' valid answers and refusals, how its
    requests are told apart, and its OAuth calls."""

    name: str
    answers: Mapping[str, Any]
    refusals: tuple[Any, ...]
    route: Route
    oauth: Callable[[requests.Session, FakeClock], Any]
    settings: ProviderSettings
    access_token: Callable[..., str]
    #: Keys the login asks again (polls), and the key of a renewal.
    polls: frozenset[str]
    renewal: str


def _pm_route(request: requests.PreparedRequest) -> str | None:
    form = form_of(request)
    if form.get("response_type") == "device_code":
        return "device"
    return {"device_code": "poll", "refresh_token": "refresh"}.get(form.get("grant_type", ""))


TOKEN_ANSWER: Final = {
    "access_token": ACCESS,
    "expires_in": 3600,
    "token_type": "Bearer",
    "refresh_token": REFRESH,
}
REALDEBRID: Final = Service(
    "realdebrid",
    answers={
        "device/code": {
            "device_code": DEVICE,
            "user_code": "ABCD1234",
            "interval": 5,
            "expires_in": 60,
            "verification_url": "https://real-debrid.com/device",
            "direct_verification_url": "https://real-debrid.com/device?code=ABCD1234",
        },
        "device/credentials": {"client_id": "PERSONALID77", "client_secret": SECRET},
        "token": TOKEN_ANSWER,
    },
    refusals=(
        {"error": "unknown_ressource", "error_code": 7},
        {"error": "slow_down", "error_code": 5},
        {"error": "bad_token", "error_code": 8},
        {"error": "bad_request", "error_code": -1},
    ),
    route=by_path(["device/code", "device/credentials", "token"]),
    oauth=lambda session, clock: rd_oauth.RealDebridOAuth(
        session, "https://rd.example/oauth/v2", now=clock.time
    ),
    settings=ProviderSettings("realdebrid", extra={"oauth_base": "https://rd.example/oauth/v2"}),
    access_token=rd_oauth.access_token,
    polls=frozenset({"device/credentials", "token"}),
    renewal="token",
)
PREMIUMIZE: Final = Service(
    "premiumize",
    answers={
        "device": {
            "device_code": DEVICE,
            "user_code": "WXYZ",
            "verification_uri": "https://www.premiumize.me/device",
            "expires_in": 60,
            "interval": 5,
        },
        "poll": TOKEN_ANSWER,
        "refresh": TOKEN_ANSWER,
    },
    refusals=(
        {"error": "authorization_pending"},
        {"error": "slow_down", "interval": 10},
        {"error": "access_denied"},
        {"error": "expired_token"},
        {"error": "invalid_grant", "error_description": "The refresh token is invalid."},
    ),
    route=_pm_route,
    oauth=lambda session, clock: pm_oauth.PremiumizeOAuth(
        session, "app-1", "https://pm.example", now=clock.time
    ),
    settings=ProviderSettings("premiumize", extra={"oauth_base": "https://pm.example", "client_id": "app-1"}),
    access_token=pm_oauth.access_token,
    polls=frozenset({"poll"}),
    renewal="refresh",
)
SERVICES: Final = (REALDEBRID, PREMIUMIZE)

_ODD_TOKENS: Final = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=20),
    st.sampled_from(["tok en", "tok\ten", "tökén", "t\r\nX: 1"]),
)
_ODD_NUMBERS: Final = st.one_of(
    st.sampled_from(HUGE_INTS),
    st.sampled_from(FLOATS),
    st.sampled_from(["0", "-5", "1e9", "0.001"]),
    nasty_scalars(),
)


@st.composite
def nasty_tokens(draw: st.DrawFn, valid: dict[str, Any]) -> Reply:
    """A token answer whose tokens are text that is no token (spaces, controls, non-ASCII,
    10,000 characters) and whose lifetime is any number."""
    answer = dict(valid)
    for key in ("access_token", "refresh_token"):
        if draw(st.booleans()):
            answer[key] = draw(_ODD_TOKENS)
    if draw(st.booleans()):
        answer["expires_in"] = draw(_ODD_NUMBERS)
    return Reply(to_json(answer).encode())


@st.composite
def pacing(draw: st.DrawFn, valid: dict[str, Any]) -> Reply:
    """An answer with any ``interval`` and ``expires_in`` (0, negative, huge, text)."""
    answer = dict(valid)
    for key in ("interval", "expires_in"):
        if draw(st.booleans()):
            answer[key] = draw(_ODD_NUMBERS)
    return Reply(to_json(answer).encode())


@st.composite
def reshaped(draw: st.DrawFn, valid: dict[str, Any]) -> Reply:
    """The valid answer, its secrets and all, in another shape (a list of its values, in a
    list, wrapped, as a string) and at any status: what no message may quote."""
    shapes = (valid, list(valid.values()), [valid], {"result": valid}, to_json(valid), {"error": 1, **valid})
    status = draw(st.sampled_from((200, 400, 401, 403, 404, 500, 502)))
    return Reply(to_json(draw(st.sampled_from(shapes))).encode(), status)


_LOGIN: dict[str, st.SearchStrategy[dict[str, list[Reply]]]] = {}


def login_replies(service: Service) -> st.SearchStrategy[dict[str, list[Reply]]]:
    """Each endpoint's replies, up to 4 for a poll (the last repeats); built once."""
    if service.name not in _LOGIN:
        _LOGIN[service.name] = st.fixed_dictionaries(
            {
                key: st.lists(
                    st.one_of(
                        replies(valid, refusals=service.refusals),
                        field_replies(valid),
                        nasty_tokens(valid) if "access_token" in valid else pacing(valid),
                        reshaped(valid),
                    ),
                    min_size=1,
                    max_size=4 if key in service.polls else 1,
                )
                for key, valid in service.answers.items()
            }
        )
    return _LOGIN[service.name]


# -- what a stored token must be ----------------------------------------------------------------------


def assert_stored_well(store: TokenStore) -> StoredToken | None:
    """The file, when there is one: mode 600, and a token that can be sent in a header."""
    if not store.path.exists():
        return None
    mode = stat.S_IMODE(os.stat(store.path).st_mode)
    assert mode & 0o077 == 0, f"token file of mode {mode:o}"
    token = store.load()
    assert token is not None
    assert sendable(token.access_token), (
        f"stored an access token that cannot be sent: {token.access_token[:80]!r}"
    )
    assert token.refresh_token is None or sendable(token.refresh_token)
    return token


def sendable(value: str) -> bool:
    """A bearer token (RFC 6750's ``b64token`` and what services send beside it): visible
    ASCII, no spaces; anything else breaks the ``Authorization`` header."""
    return bool(value) and value.isascii() and value.isprintable() and " " not in value


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    """No rate limit (the mock server needs no protection), and the registered secrets
    forgotten afterwards (redaction is process-wide)."""
    unlimited = budget.TokenBucket(0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(budget, "bucket", lambda name: unlimited)
        yield
    clear_secrets()


# -- the login ------------------------------------------------------------------------------------------


def login(service: Service, drawn: Mapping[str, list[Reply]], workdir: Path, clock: FakeClock) -> StoredToken:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        serve(api, service.route, drawn, collections.Counter())
        oauth = service.oauth(make_session(retries=0), clock)
        shown: list[Any] = []
        return run_device_login(
            service.name,
            oauth.start,
            oauth.poll,
            shown.append,
            TokenStore(service.name, workdir),
            clock=clock.monotonic,
            sleep=clock.sleep,
        )


@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
def test_the_valid_answers_log_in(service: Service, tmp_path: Path) -> None:
    drawn = {key: [Reply(to_json(valid).encode())] for key, valid in service.answers.items()}
    token = login(service, drawn, tmp_path, FakeClock())
    assert token.access_token == ACCESS
    stored = assert_stored_well(TokenStore(service.name, tmp_path))
    assert stored is not None and stored.refresh_token == REFRESH


@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
@FUZZ
@given(data=st.data())
def test_a_login_gives_a_stored_token_or_a_resolver_error(service: Service, data: st.DataObject) -> None:
    clear_secrets()  # each example on its own: a token an earlier one registered is not redacted
    drawn = data.draw(login_replies(service), label="replies")
    clock = FakeClock(max_waits=MOST_POLLS)
    with tempfile.TemporaryDirectory() as workdir:
        store = TokenStore(service.name, Path(workdir))
        error = assert_outcome(lambda: (login(service, drawn, Path(workdir), clock), StoredToken), SECRETS)
        stored = assert_stored_well(store)
        if error is not None:
            assert stored is None, "a failed login stored a token"
        else:
            assert stored is not None


# -- the renewal ----------------------------------------------------------------------------------------


def renew(
    service: Service, drawn: Mapping[str, list[Reply]], store: TokenStore, *, refused: bool
) -> tuple[str, Any]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        serve(api, service.route, drawn, collections.Counter())
        token = service.access_token(
            make_session(retries=0), service.settings, refused=OLD_ACCESS if refused else None, store=store
        )
        return token, str


@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
@FUZZ
@given(data=st.data(), refused=st.booleans())
def test_a_renewal_gives_a_sendable_token_or_keeps_the_old_one(
    service: Service, data: st.DataObject, refused: bool
) -> None:
    clear_secrets()
    drawn = data.draw(login_replies(service), label="replies")
    old = StoredToken(
        OLD_ACCESS,
        OLD_REFRESH,
        expires_at=None if refused else 1000.0,  # lapsed long ago, or refused just now
        client_id="PERSONALID77",
        client_secret=SECRET,
        obtained_at=10.0,
    )
    with tempfile.TemporaryDirectory() as workdir:
        store = TokenStore(service.name, Path(workdir))
        store.save(old)
        error = assert_outcome(lambda: renew(service, drawn, store, refused=refused), SECRETS)
        stored = assert_stored_well(store)
        if error is not None:
            assert stored == old, "a failed renewal changed the stored token"
        else:
            assert stored is not None and stored.access_token != OLD_ACCESS


def test_a_stored_token_is_renewed_with_the_valid_answers(tmp_path: Path) -> None:
    for service in SERVICES:
        store = TokenStore(service.name, tmp_path / service.name)
        store.save(StoredToken(OLD_ACCESS, OLD_REFRESH, 1000.0, "PERSONALID77", SECRET, 10.0))
        drawn = {key: [Reply(to_json(valid).encode())] for key, valid in service.answers.items()}
        assert renew(service, drawn, store, refused=False)[0] == ACCESS
        assert_stored_well(store)
