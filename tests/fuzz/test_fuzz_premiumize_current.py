"""Premiumize's current API (client and provider), fed answers that servers get wrong.

As :mod:`tests.fuzz.test_fuzz_clients` does for the legacy pm-api: every public method of
:class:`CurrentClient` and every provider entry point that reads answers, against a mock
server that answers with the documented answers mutated (``directdl`` of one file and of
several, ``cache/check`` lists of the wrong length or type, ``transfer/list`` with any
status and progress), with ``{"status": "error", "message": <anything>}``, and with bodies
that are not JSON. Whatever arrives: a typed result, or a readable :class:`ResolverError`
without the key. A magnet's transfer is polled on a fake clock with the provider's timeout
shortened to a minute: it ends within that minute's polls.
"""

from __future__ import annotations

import collections
import inspect
import tempfile
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from linkresolver.plugins.premiumize import current_provider
from linkresolver.plugins.premiumize.current_client import CurrentClient
from linkresolver.plugins.premiumize.current_provider import PremiumizeCurrentProvider
from linkresolver.plugins.premiumize.provider import premiumize_provider
from resolver_core import budget, errors
from resolver_core.config import ProviderSettings
from resolver_core.device_login import TokenStore
from resolver_core.http import make_session

from .mock_rest import (
    FakeClock,
    Row,
    assert_outcome,
    assert_result,
    by_path,
    context,
    fuzzed_replies,
    serve,
    valid_replies,
)
from .outcomes import examples
from .strategies import (
    FLOATS,
    HUGE_INTS,
    NASTY_TEXT,
    Reply,
    field_replies,
    json_values,
    mutated,
    nasty_scalars,
    replies,
    to_json,
)

EXAMPLES: Final = examples(30)
FUZZ = settings(max_examples=EXAMPLES, deadline=None)

API: Final = "https://pm.example/api"
KEY: Final = "PMFUZZKEY4711QWERTZ"
LINK: Final = "https://rapidgator.net/file/abc123"
HASH: Final = "1c6b6858d61da9543d4231a71db4b1c9264b0685"
MAGNET: Final = f"magnet:?xt=urn:btih:{HASH}&dn=Holiday.Pack"
TRANSFER_ID: Final = "TR4711abc"

# -- valid answers (Premiumize's API documentation) -------------------------------------------------

DIRECT_ONE: Final = {
    "status": "success",
    "location": "https://dl.pm.example/a.rar",
    "filename": "a.rar",
    "filesize": 361357875,
    "content": [
        {
            "path": "a.rar",
            "size": 361357875,
            "link": "https://dl.pm.example/a.rar",
            "stream_link": None,
            "transcode_status": "not_applicable",
        }
    ],
}
DIRECT_MANY: Final = {
    "status": "success",
    "location": None,
    "filename": "Holiday.Pack",
    "filesize": 300,
    "content": [
        {"path": "Holiday.Pack/one.mkv", "size": 100, "link": "https://dl.pm.example/one.mkv"},
        {"path": "Holiday.Pack/two.mkv", "size": 200, "link": "https://dl.pm.example/two.mkv"},
    ],
}
CACHED: Final = {
    "status": "success",
    "response": [True, False],
    "transcoded": [False, False],
    "filename": ["Holiday.Pack", None],
    "filesize": ["300", None],
}
CREATED: Final = {"status": "success", "type": "torrent", "id": TRANSFER_ID, "name": "Holiday.Pack"}
TRANSFER: Final = {
    "id": TRANSFER_ID,
    "name": "Holiday.Pack",
    "message": "Downloading",
    "status": "finished",
    "progress": 1.0,
    "src": MAGNET,
    "folder_id": "F1",
    "file_id": None,
}
LISTED: Final = {"status": "success", "transfers": [TRANSFER]}
DONE: Final = {"status": "success"}
SERVICES: Final = {
    "directdl": ["rapidgator.net", "uploaded.net"],
    "cache": ["rapidgator.net", "uploaded.net", "nitroflare.com"],
    "aliases": {"rapidgator.net": ["rg.to"], "uploaded.net": ["ul.to"]},
    "regexpatterns": {
        "rapidgator.net": ["https?://(?:www\\.)?(?:rapidgator\\.net|rg\\.to)/file/\\w+"],
        "uploaded.net": ["https?://(?:www\\.)?(?:uploaded\\.net|ul\\.to)/\\w+"],
        "nitroflare.com": ["https?://(?:www\\.)?nitroflare\\.com/view/\\w+"],
    },
    "fairusefactor": {"rapidgator.net": 1, "uploaded.net": 2.5},
}
ACCOUNT: Final = {
    "status": "success",
    "customer_id": "123456789",
    "premium_until": 1900000000,
    "limit_used": 0.25,
    "space_used": 1234567.5,
}
#: How the API says no: its words alone tell what went wrong.
REFUSALS: Final = (
    {"status": "error", "message": "Not logged in."},
    {"status": "error", "message": "Fair use limit reached"},
    {"status": "error", "message": "content not in cache"},
    {"status": "error", "message": "something nobody listed"},
)

# -- the table ------------------------------------------------------------------------------------------

CLIENT_CALLS: Final = [
    Row("get", ("account/info",), answers={"account/info": ACCOUNT}),
    Row("post", ("transfer/delete", {"id": TRANSFER_ID}), answers={"transfer/delete": DONE}),
    Row("directdl", (LINK,), answers={"transfer/directdl": DIRECT_ONE}, label="one"),
    Row("directdl", (MAGNET,), answers={"transfer/directdl": DIRECT_MANY}, label="many"),
    Row("cache_check", ([HASH, LINK],), answers={"cache/check": CACHED}),
    Row(
        "cache_check",
        ([f"{i:040x}" for i in range(250)],),
        answers={"cache/check": CACHED},
        label="batches",
        most=3,
    ),
    Row("transfer_create", (MAGNET,), answers={"transfer/create": CREATED, "transfer/list": LISTED}),
    Row("transfer_list", answers={"transfer/list": LISTED}),
    Row("transfer_delete", (TRANSFER_ID,), answers={"transfer/delete": DONE}),
    Row("services", answers={"services/list": SERVICES}),
    Row("account_info", answers={"account/info": ACCOUNT}),
]
MAGNET_ANSWERS: Final = {
    "cache/check": CACHED | {"response": [False]},
    "transfer/create": CREATED,
    "transfer/list": LISTED,
    "transfer/directdl": DIRECT_MANY,
}
PROVIDER_CALLS: Final = [
    Row("hosters", answers={"services/list": SERVICES}),
    Row("resolve", (LINK, "rapidgator.net"), answers={"transfer/directdl": DIRECT_ONE}, label="link"),
    Row("resolve", (MAGNET, "magnet"), answers=MAGNET_ANSWERS, label="magnet", most=4),
    Row("check", ([LINK, "https://ul.to/x1"], "rapidgator.net"), answers={"cache/check": CACHED}),
    Row("check", ([MAGNET, "magnet:?dn=nohash"], "magnet"), answers={"cache/check": CACHED}, label="magnet"),
    Row("account", answers={"account/info": ACCOUNT}),
]
#: Public client methods with nothing to fuzz, and why (none: every method asks).
NO_REQUEST: Final[dict[str, str]] = {}


@st.composite
def error_answers(draw: st.DrawFn) -> Reply:
    """``{"status": "error", "message": <anything>}``, at any HTTP status."""
    said = draw(st.one_of(st.sampled_from(NASTY_TEXT), nasty_scalars(), json_values(max_leaves=4)))
    status = draw(st.sampled_from((200,) * 6 + (400, 401, 403, 404, 429, 500, 502, 503)))
    return Reply(to_json({"status": "error", "message": said}).encode(), status)


_CACHE_ITEMS: Final = st.one_of(nasty_scalars(), st.booleans())
_CACHE_LISTS: Final = st.one_of(
    st.lists(_CACHE_ITEMS, max_size=6), st.integers(0, 300).map(lambda n: [True] * n), nasty_scalars()
)


@st.composite
def cache_lists(draw: st.DrawFn) -> Reply:
    """``cache/check`` with lists of any length, of any items, or no lists at all."""
    body: dict[str, Any] = {"status": "success"}
    for key in CACHED:
        if key != "status" and draw(st.booleans()):
            body[key] = draw(_CACHE_LISTS)
    return Reply(to_json(body).encode())


_STRATEGIES: dict[str, st.SearchStrategy[dict[str, list[Reply]]]] = {}


def drawn_for(row: Row) -> st.SearchStrategy[dict[str, list[Reply]]]:
    """A row's replies: mutated answers, an error answer, or (``cache/check``) lists of
    the wrong length or type; built once per row."""
    if row.id not in _STRATEGIES:
        mixed = {
            key: st.one_of(
                replies(valid, refusals=REFUSALS),
                field_replies(valid),
                error_answers(),
                *([cache_lists()] if key == "cache/check" else []),
                *([transfer_states()] if key == "transfer/list" else []),
            )
            for key, valid in row.answers.items()
        }
        _STRATEGIES[row.id] = fuzzed_replies(row, REFUSALS, mixed)
    return _STRATEGIES[row.id]


# -- the transfer's polling ---------------------------------------------------------------------------

STATES: Final = (
    "waiting",
    "queued",
    "running",
    "finished",
    "seeding",
    "error",
    "deleted",
    "banned",
    "timeout",
    "FINISHED",
    "paused",
)


@st.composite
def transfer_states(draw: st.DrawFn, transfer_id: str = TRANSFER_ID) -> Reply:
    """``transfer/list`` with the transfer in any state, at any progress, with any words."""
    transfer = draw(st.one_of(st.just(TRANSFER), st.just(TRANSFER), mutated(TRANSFER, max_mutations=2)))
    if isinstance(transfer, dict):
        transfer = transfer | {
            "id": transfer_id,
            "status": draw(st.one_of(st.sampled_from(STATES), nasty_scalars())),
            "progress": draw(
                st.one_of(
                    st.floats(0, 1), st.sampled_from(HUGE_INTS), st.sampled_from(FLOATS), nasty_scalars()
                )
            ),
            "message": draw(st.one_of(st.sampled_from(NASTY_TEXT), nasty_scalars())),
        }
    return Reply(to_json({"status": "success", "transfers": [transfer]}).encode())


# -- calls ----------------------------------------------------------------------------------------------


def call_client(
    row: Row, drawn: Mapping[str, list[Reply]], served: collections.Counter[str]
) -> tuple[Any, Any]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        serve(api, by_path(row.answers), drawn, served)
        client = CurrentClient(make_session(retries=0), API, KEY)
        declared = typing.get_type_hints(getattr(CurrentClient, row.method))["return"]
        return getattr(client, row.method)(*row.args, **row.kwargs), declared


def call_provider(
    row: Row, drawn: Mapping[str, list[Reply]], served: collections.Counter[str], clock: FakeClock
) -> tuple[Any, Any]:
    with (
        tempfile.TemporaryDirectory() as workdir,
        responses.RequestsMock(assert_all_requests_are_fired=False) as api,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(current_provider, "time", clock)  # the transfer's timeout runs on the fake clock
        serve(api, by_path(row.answers), drawn, served)
        store = TokenStore("premiumize", Path(workdir))
        chosen = PremiumizeCurrentProvider(
            ProviderSettings("premiumize", key=KEY, api_base=API), store=store, transfer_timeout=60.0
        )
        ctx = context(make_session(retries=0), Path(workdir), clock)
        declared = typing.get_type_hints(getattr(PremiumizeCurrentProvider, row.method))["return"]
        return getattr(chosen, row.method)(*row.args, ctx=ctx, **row.kwargs), declared


@pytest.fixture(autouse=True)
def no_rate_limit() -> Iterator[None]:
    unlimited = budget.TokenBucket(0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(budget, "bucket", lambda name: unlimited)
        yield


# -- the table is complete, and its answers are valid ---------------------------------------------


def test_a_key_without_a_login_chooses_the_current_api() -> None:
    chosen = premiumize_provider(ProviderSettings("premiumize", key=KEY, api_base=API))
    assert isinstance(chosen, PremiumizeCurrentProvider)


def test_the_table_names_every_public_client_method() -> None:
    public = {name for name, _ in inspect.getmembers(CurrentClient, inspect.isfunction) if name[0] != "_"}
    assert {row.method for row in CLIENT_CALLS} | set(NO_REQUEST) == public


def test_the_valid_answers_give_typed_results() -> None:
    """Each row with valid answers gives its declared type without an error, asking each
    endpoint it names (but transfer/list, which transfer_create asks only for a transfer
    that exists already)."""
    for row in CLIENT_CALLS + PROVIDER_CALLS:
        served: collections.Counter[str] = collections.Counter()
        if row in PROVIDER_CALLS:
            result, declared = call_provider(row, valid_replies(row), served, FakeClock())
        else:
            result, declared = call_client(row, valid_replies(row), served)
        assert_result(result, declared)
        if row.id != "check-magnet":  # its magnet without a hash is a BadLink, by design
            assert not any(
                isinstance(item, errors.ResolverError)
                for item in (result if isinstance(result, list) else [])
            )
        asked = set(row.answers) - ({"transfer/list"} if row.method == "transfer_create" else set())
        assert set(served) == asked, row.id


# -- the fuzz ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", CLIENT_CALLS, ids=[row.id for row in CLIENT_CALLS])
@FUZZ
@given(data=st.data())
def test_client_answers_give_a_result_or_a_resolver_error(row: Row, data: st.DataObject) -> None:
    drawn = data.draw(drawn_for(row), label="replies")
    assert_outcome(lambda: call_client(row, drawn, collections.Counter()), [KEY])


@pytest.mark.parametrize("row", PROVIDER_CALLS, ids=[row.id for row in PROVIDER_CALLS])
@FUZZ
@given(data=st.data())
def test_provider_answers_give_a_result_or_a_resolver_error(row: Row, data: st.DataObject) -> None:
    drawn = data.draw(drawn_for(row), label="replies")
    assert_outcome(lambda: call_provider(row, drawn, collections.Counter(), FakeClock()), [KEY])


#: Polls a minute allows, the interval growing from 1 s by half to 15 s.
MOST_POLLS: Final = 12
POLLED: Final = Row("resolve", (MAGNET, "magnet"), answers=MAGNET_ANSWERS, label="poll")


@FUZZ
@given(data=st.data())
def test_a_transfer_is_polled_until_it_ends_or_the_time_allowed(data: st.DataObject) -> None:
    transfer_id = data.draw(st.one_of(st.just(TRANSFER_ID), st.sampled_from(NASTY_TEXT[1:])), label="id")
    states = data.draw(st.lists(transfer_states(transfer_id), min_size=1, max_size=25), label="transfer/list")
    created = Reply(to_json(CREATED | {"id": transfer_id}).encode())
    drawn = valid_replies(POLLED) | {"transfer/list": states, "transfer/create": [created]}
    served: collections.Counter[str] = collections.Counter()
    clock = FakeClock()
    assert_outcome(lambda: call_provider(POLLED, drawn, served, clock), [KEY])
    assert clock.waits <= MOST_POLLS, f"{clock.waits} polls within a minute"
    assert served["transfer/list"] <= clock.waits + 1
