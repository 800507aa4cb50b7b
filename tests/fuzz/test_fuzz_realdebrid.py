"""Real-Debrid's client and provider, fed answers that servers get wrong.

Every public method of :class:`RealDebridClient` (every endpoint the provider and the
``linkresolver realdebrid`` commands use, the 204s of the deletes and of ``selectFiles``
too) and every provider entry point that reads answers is called against a mock server that
answers with valid answers mutated (:mod:`tests.fuzz.strategies`), with Real-Debrid's error
bodies (``{"error", "error_code"}``) with any code or type, and with bodies that are not JSON.
Whatever arrives: a typed result, or a readable :class:`ResolverError` without the token.

The torrent's polling is fuzzed on its own: ``torrents/info`` answers a drawn sequence of
states (known ones, unknown words, wrong types) and progress values, with the provider's
timeout shortened to a minute of a fake clock: it must end within that minute's polls, and
a torrent that failed must not be left behind in the account.
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

from linkresolver.plugins.realdebrid import torrents
from linkresolver.plugins.realdebrid.client import RealDebridClient
from linkresolver.plugins.realdebrid.provider import RealDebridProvider
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
from .strategies import HUGE_INTS, NASTY_TEXT, Reply, json_values, mutated, nasty_scalars, to_json

EXAMPLES: Final = examples(30)
FUZZ = settings(max_examples=EXAMPLES, deadline=None)

API: Final = "https://api.real-debrid.example/rest/1.0"
TOKEN: Final = "RDFUZZTOKEN7QW3E9R5T"
LINK: Final = "https://rapidgator.net/file/abc123/movie.mkv"
FOLDER: Final = "https://rapidgator.net/folder/12345/pack"
HASH: Final = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
MAGNET: Final = f"magnet:?xt=urn:btih:{HASH}&dn=ubuntu.iso"
TORRENT_ID: Final = "ABC123"
DOWNLOAD: Final = "https://dl.real-debrid.example/d/ABCDEF/movie.mkv"

# -- valid answers (Real-Debrid's API documentation) ----------------------------------------------

USER: Final = {
    "id": 1234,
    "username": "john",
    "email": "j***@example.com",
    "points": 800,
    "locale": "en",
    "avatar": "https://fcdn.real-debrid.com/images/avatar.png",
    "type": "premium",
    "premium": 3600,
    "expiration": "2027-01-01T00:00:00.000Z",
}
TRAFFIC: Final = {
    "rapidgator.net": {
        "left": 20,
        "bytes": 0,
        "links": 0,
        "limit": 20,
        "type": "gigabytes",
        "extra": 0,
        "reset": "daily",
    }
}
REGEXES: Final = ["/(https?:\\/\\/)?(www\\.)?(rapidgator\\.net|rg\\.to)\\/(file|folder)\\/\\w+/i"]
DOMAINS: Final = ["rapidgator.net", "rg.to"]
STATUS: Final = {
    "rapidgator.net": {"id": "rapidgator", "name": "Rapidgator", "supported": 1, "status": "up"},
    "rg.to": {"id": "rapidgator", "name": "Rapidgator", "supported": 1, "status": "up"},
}
CHECK: Final = {
    "host": "rapidgator.net",
    "link": LINK,
    "filename": "movie.mkv",
    "filesize": 1000,
    "supported": 1,
}
UNRESTRICTED: Final = {
    "id": "ABCDEF",
    "filename": "movie.mkv",
    "mimeType": "video/x-matroska",
    "filesize": 361357875,
    "link": LINK,
    "host": "rapidgator.net",
    "chunks": 16,
    "crc": 1,
    "download": DOWNLOAD,
    "streamable": 1,
}
FOLDER_LINKS: Final = ["https://rapidgator.net/file/a1", "https://rapidgator.net/file/b2"]
DOWNLOADS: Final = [
    {
        "id": "DL1",
        "filename": "movie.mkv",
        "mimeType": "video/x-matroska",
        "filesize": 361357875,
        "link": LINK,
        "host": "rapidgator.net",
        "chunks": 16,
        "download": DOWNLOAD,
        "generated": "2026-12-01T10:00:00.000Z",
    }
]
TORRENT: Final = {
    "id": TORRENT_ID,
    "filename": "ubuntu.iso",
    "hash": HASH,
    "bytes": 3654957056,
    "host": "real-debrid.com",
    "split": 2000,
    "progress": 100,
    "status": "downloaded",
    "added": "2026-12-01T10:00:00.000Z",
    "links": ["https://real-debrid.com/d/TORRENTLINK1"],
    "ended": "2026-12-01T10:05:00.000Z",
}
INFO: Final = TORRENT | {
    "original_filename": "ubuntu.iso",
    "original_bytes": 3654957056,
    "files": [{"id": 1, "path": "/ubuntu.iso", "bytes": 3654957056, "selected": 1}],
    "speed": 0,
    "seeders": 0,
}
ADDED: Final = {"id": TORRENT_ID, "uri": f"{API}/torrents/info/{TORRENT_ID}"}
#: Real-Debrid's refusals: documented codes, one it does not document, and a bare error.
REFUSALS: Final = (
    {"error": "hoster_unavailable", "error_code": 19},
    {"error": "bad_token", "error_code": 8},
    {"error": "something_new", "error_code": 99},
    {"error": "unknown_ressource"},
)

# -- the table ------------------------------------------------------------------------------------------

CLIENT_CALLS: Final = [
    Row("call", ("GET", "user"), answers={"user": USER}),
    Row("user", answers={"user": USER}),
    Row("traffic", answers={"traffic": TRAFFIC}),
    Row(
        "disable_access_token", answers={"disable_access_token": None}, statuses={"disable_access_token": 204}
    ),
    Row("hosts_regex", answers={"hosts/regex": REGEXES}),
    Row("hosts_domains", answers={"hosts/domains": DOMAINS}),
    Row("hosts_status", answers={"hosts/status": STATUS}),
    Row("check", (LINK,), answers={"unrestrict/check": CHECK}),
    Row("unrestrict_link", (LINK,), {"remote": True}, answers={"unrestrict/link": UNRESTRICTED}),
    Row("unrestrict_folder", (FOLDER,), answers={"unrestrict/folder": FOLDER_LINKS}),
    Row("downloads", kwargs={"limit": 50}, answers={"downloads": DOWNLOADS}),
    Row("delete_download", ("DL1",), answers={"downloads/delete": None}, statuses={"downloads/delete": 204}),
    Row("torrents", kwargs={"active_only": True}, answers={"torrents": [TORRENT]}),
    Row("torrent_info", (TORRENT_ID,), answers={"torrents/info": INFO}),
    Row("add_magnet", (MAGNET,), answers={"torrents/addMagnet": ADDED}, statuses={"torrents/addMagnet": 201}),
    Row(
        "add_torrent",
        (b"d8:announce0:e",),
        answers={"torrents/addTorrent": ADDED},
        statuses={"torrents/addTorrent": 201},
    ),
    Row(
        "select_files",
        (TORRENT_ID, [1]),
        answers={"torrents/selectFiles": None},
        statuses={"torrents/selectFiles": 204},
    ),
    Row(
        "delete_torrent", (TORRENT_ID,), answers={"torrents/delete": None}, statuses={"torrents/delete": 204}
    ),
]
MAGNET_ANSWERS: Final = {
    "torrents/addMagnet": ADDED,
    "torrents/info": INFO,
    "torrents/selectFiles": None,
    "unrestrict/link": UNRESTRICTED,
    "torrents/delete": None,
}
MAGNET_STATUSES: Final = {"torrents/addMagnet": 201, "torrents/selectFiles": 204, "torrents/delete": 204}
PROVIDER_CALLS: Final = [
    Row("hosters", answers={"hosts/regex": REGEXES, "hosts/domains": DOMAINS}),
    Row(
        "resolve",
        (LINK, "rapidgator.net"),
        answers={"hosts/status": STATUS, "unrestrict/link": UNRESTRICTED},
        label="link",
    ),
    Row(
        "resolve",
        (FOLDER, "rapidgator.net"),
        answers={"hosts/status": STATUS, "unrestrict/folder": FOLDER_LINKS, "unrestrict/link": UNRESTRICTED},
        label="folder",
        most=3,
    ),
    Row(
        "resolve",
        (MAGNET, "magnet"),
        answers=MAGNET_ANSWERS,
        statuses=MAGNET_STATUSES,
        label="magnet",
        most=4,
    ),
    Row(
        "check",
        ([LINK, "https://rapidgator.net/file/other"], "rapidgator.net"),
        answers={"unrestrict/check": CHECK},
        most=2,
    ),
    Row("check", ([MAGNET], "magnet"), label="magnet"),
    Row("account", answers={"user": USER, "traffic": TRAFFIC}),
]
#: Public client methods with nothing to fuzz, and why (none yet: every method asks).
NO_REQUEST: Final[dict[str, str]] = {}


@st.composite
def error_bodies(draw: st.DrawFn) -> Reply:
    """Real-Debrid's error envelope with any code (documented, unknown, huge, of a wrong
    type) and any words, at any error status (or, wrongly, a success status)."""
    body = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "error": st.one_of(st.sampled_from(NASTY_TEXT), nasty_scalars(), json_values(max_leaves=3)),
                "error_code": st.one_of(
                    st.integers(-2, 40),
                    st.sampled_from(HUGE_INTS),
                    nasty_scalars(),
                    st.integers(4000, 4290).map(lambda n: 10**n),
                ),
                "error_details": json_values(max_leaves=3),
            },
        )
    )
    status = draw(st.sampled_from((200, 201, 204, 400, 401, 403, 404, 429, 451, 500, 502, 503, 509)))
    return Reply(to_json(body).encode(), status)


_STRATEGIES: dict[str, st.SearchStrategy[dict[str, list[Reply]]]] = {}


def drawn_for(row: Row) -> st.SearchStrategy[dict[str, list[Reply]]]:
    """A row's replies: mutated answers, or an error body (built once per row)."""
    if row.id not in _STRATEGIES:
        errors_too = {key: st.one_of(st.just(None), st.just(None), error_bodies()) for key in row.answers}
        plain = fuzzed_replies(row, REFUSALS)

        @st.composite
        def with_errors(draw: st.DrawFn) -> dict[str, list[Reply]]:
            drawn = draw(plain)
            for key, strategy in errors_too.items():
                error = draw(strategy)
                if error is not None:
                    drawn[key] = [error, *drawn[key]][: max(row.most, 1)]
            return drawn

        _STRATEGIES[row.id] = with_errors()
    return _STRATEGIES[row.id]


def valid_sequence(row: Row) -> dict[str, list[Reply]]:
    """:func:`valid_replies`, a magnet's torrent first waiting for its files to be chosen."""
    drawn = valid_replies(row)
    if "torrents/info" in drawn:
        waiting = INFO | {"status": "waiting_files_selection", "progress": 0, "links": []}
        drawn["torrents/info"] = [Reply(to_json(waiting).encode()), *drawn["torrents/info"]]
    return drawn


# -- calls ----------------------------------------------------------------------------------------------


def call_client(
    row: Row, drawn: Mapping[str, list[Reply]], served: collections.Counter[str]
) -> tuple[Any, Any]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        serve(api, by_path(row.answers), drawn, served)
        client = RealDebridClient(make_session(retries=0), API, TOKEN)
        declared = typing.get_type_hints(getattr(RealDebridClient, row.method))["return"]
        return getattr(client, row.method)(*row.args, **row.kwargs), declared


def provider(workdir: Path, **extra: Any) -> RealDebridProvider:
    settings = ProviderSettings("realdebrid", key=TOKEN, api_base=API, extra=extra)
    return RealDebridProvider(settings, store=TokenStore("realdebrid", workdir))


def call_provider(
    row: Row, drawn: Mapping[str, list[Reply]], served: collections.Counter[str], clock: FakeClock
) -> tuple[Any, Any]:
    with (
        tempfile.TemporaryDirectory() as workdir,
        responses.RequestsMock(assert_all_requests_are_fired=False) as api,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(torrents, "time", clock)  # the torrent's timeout runs on the fake clock
        serve(api, by_path(row.answers), drawn, served)
        chosen = provider(Path(workdir), torrent_timeout_minutes=1)
        ctx = context(make_session(retries=0), Path(workdir), clock)
        declared = typing.get_type_hints(getattr(RealDebridProvider, row.method))["return"]
        result = getattr(chosen, row.method)(*row.args, ctx=ctx, **row.kwargs)
        return (list(result) if row.method == "hosters" else result), declared


@pytest.fixture(autouse=True)
def no_rate_limit() -> Iterator[None]:
    """Real-Debrid's 4 calls a second would make thousands of fuzzed calls take minutes."""
    unlimited = budget.TokenBucket(0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(budget, "bucket", lambda name: unlimited)
        yield


# -- the table is complete, and its answers are valid ---------------------------------------------


def test_the_table_names_every_public_client_method() -> None:
    public = {name for name, _ in inspect.getmembers(RealDebridClient, inspect.isfunction) if name[0] != "_"}
    assert {row.method for row in CLIENT_CALLS} | set(NO_REQUEST) == public


def test_the_valid_answers_give_typed_results() -> None:
    """Each row with valid answers gives its declared type without an error (so mutations
    start from answers that work), and asks each endpoint it names."""
    for row in CLIENT_CALLS + PROVIDER_CALLS:
        served: collections.Counter[str] = collections.Counter()
        if row in PROVIDER_CALLS:
            result, declared = call_provider(row, valid_sequence(row), served, FakeClock())
        else:
            result, declared = call_client(row, valid_replies(row), served)
        assert_result(result, declared)
        assert not any(
            isinstance(item, errors.ResolverError) for item in (result if isinstance(result, list) else [])
        )
        assert set(served) == set(row.answers), row.id


# -- the fuzz ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", CLIENT_CALLS, ids=[row.id for row in CLIENT_CALLS])
@FUZZ
@given(data=st.data())
def test_client_answers_give_a_result_or_a_resolver_error(row: Row, data: st.DataObject) -> None:
    drawn = data.draw(drawn_for(row), label="replies")
    assert_outcome(lambda: call_client(row, drawn, collections.Counter()), [TOKEN])


@pytest.mark.parametrize("row", PROVIDER_CALLS, ids=[row.id for row in PROVIDER_CALLS])
@FUZZ
@given(data=st.data())
def test_provider_answers_give_a_result_or_a_resolver_error(row: Row, data: st.DataObject) -> None:
    drawn = data.draw(drawn_for(row), label="replies")
    assert_outcome(lambda: call_provider(row, drawn, collections.Counter(), FakeClock()), [TOKEN])


# -- the torrent's polling ----------------------------------------------------------------------------

#: Every state the documentation names, and words it does not.
STATES: Final = (
    "magnet_error",
    "magnet_conversion",
    "waiting_files_selection",
    "queued",
    "downloading",
    "downloaded",
    "error",
    "virus",
    "compressing",
    "uploading",
    "dead",
    "DOWNLOADED",
    " downloading ",
    "paused",
)
_PROGRESS: Final = st.one_of(
    st.integers(0, 100),
    st.floats(allow_nan=False),
    st.sampled_from(HUGE_INTS),
    nasty_scalars(),
    st.integers(4000, 4290).map(lambda n: 10**n),
)


@st.composite
def torrent_states(draw: st.DrawFn) -> Reply:
    """``torrents/info`` in any state (known or not), at any progress."""
    info = draw(st.one_of(st.just(INFO), st.just(INFO), mutated(INFO, max_mutations=2)))
    if isinstance(info, dict):
        info = info | {
            "status": draw(st.one_of(st.sampled_from(STATES), nasty_scalars())),
            "progress": draw(_PROGRESS),
        }
    return Reply(to_json(info).encode())


POLLED: Final = Row(
    "resolve", (MAGNET, "magnet"), answers=MAGNET_ANSWERS, statuses=MAGNET_STATUSES, label="poll"
)
#: Polls a minute allows, the interval growing from 1 s by half to 15 s: 1 + 1.5 + ... < 60.
MOST_POLLS: Final = 12


@FUZZ
@given(data=st.data())
def test_a_torrent_is_polled_until_it_ends_or_the_time_allowed(data: st.DataObject) -> None:
    states = data.draw(st.lists(torrent_states(), min_size=1, max_size=25), label="torrents/info")
    drawn = valid_sequence(POLLED) | {"torrents/info": states}
    served: collections.Counter[str] = collections.Counter()
    clock = FakeClock()
    error = assert_outcome(lambda: call_provider(POLLED, drawn, served, clock), [TOKEN])
    assert clock.waits <= MOST_POLLS, f"{clock.waits} polls within a minute"
    assert served["torrents/info"] <= clock.waits + 3
    if isinstance(error, torrents.StillFetching):
        assert served["torrents/delete"] == 0, "a torrent still fetching was deleted"
    else:  # done or failed: nothing is left behind in the account
        assert served["torrents/delete"] == 1
