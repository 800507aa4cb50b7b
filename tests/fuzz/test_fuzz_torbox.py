"""TorBox's client, fed answers that servers get wrong: each endpoint the provider and the
``linkresolver torbox`` commands use answers a valid envelope whose data is mutated
(:mod:`tests.fuzz.strategies`), an envelope of any shape (``success``, ``error`` and
``detail`` of any type), or any status. Whatever arrives: a typed result, or a readable
:class:`ResolverError` without the key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from linkresolver.plugins.torbox.client import TORRENTS, WEBDL, TorBoxClient
from resolver_core import errors
from resolver_core.http import make_session

from .outcomes import assert_readable, examples
from .strategies import json_values, mutated, to_json

FUZZ = settings(max_examples=examples(40), deadline=None)
API: Final = "https://api.torbox.example/v1/api"
KEY: Final = "TBFUZZKEY7QW3E9R5T"
LINK: Final = "https://hitfile.net/AbC123/movie.mkv"
MAGNET: Final = "magnet:?xt=urn:btih:" + "c" * 40
ITEM: Final = {
    "id": 5, "hash": "c" * 40, "name": "Season", "size": 300, "download_state": "completed", "progress": 1,
    "download_finished": True, "download_present": True,
    "files": [{"id": 0, "name": "Season/e1.mkv", "size": 100, "mimetype": "video/mp4"}],
}  # fmt: skip
CACHED: Final = [{"name": "A", "size": 1, "hash": "c" * 40}]
#: (method, endpoint, a valid data, the call)
CALLS: Final[list[tuple[str, str, Any, Callable[[TorBoxClient], object]]]] = [
    ("GET", "user/me", {"id": 1, "email": "a@b.c", "plan": 2, "premium_expires_at": "2027-01-01T00:00:00Z"},
     lambda c: c.user()),
    ("GET", "webdl/hosters", [{"name": "Hitfile", "domains": ["hitfile.net"], "status": True, "regex": "x"}],
     lambda c: c.hosters()),
    ("GET", "torrents/checkcached", CACHED, lambda c: c.cached_torrents(["c" * 40])),
    ("GET", "webdl/checkcached", {"x": {"name": "A", "size": 1}}, lambda c: c.cached_links([LINK])),
    ("POST", "torrents/createtorrent", {"torrent_id": 5}, lambda c: c.create_torrent(MAGNET)),
    ("POST", "webdl/createwebdownload", {"webdownload_id": 5}, lambda c: c.create_webdownload(LINK)),
    ("GET", "torrents/mylist", ITEM, lambda c: c.transfer(TORRENTS, 5)),
    ("GET", "webdl/mylist", [ITEM], lambda c: c.transfers(WEBDL)),
    ("GET", "webdl/requestdl", "https://cdn.example/x", lambda c: c.request_link(WEBDL, 5, 0)),
    ("POST", "torrents/controltorrent", None, lambda c: c.delete(TORRENTS, 5)),
]  # fmt: skip


@st.composite
def answers(draw: st.DrawFn, valid: Any) -> tuple[int, str]:
    """A status and a body: the valid envelope with mutated data, or any envelope, or any JSON."""
    kind = draw(st.sampled_from(("data", "envelope", "any")))
    status = draw(st.sampled_from((200, 200, 400, 403, 429, 500, 502)))
    if kind == "data":
        body: Any = {"success": True, "error": None, "detail": "ok", "data": draw(mutated(valid))}
    elif kind == "envelope":
        body = {
            "success": draw(st.one_of(st.booleans(), json_values(2))),
            "error": draw(
                st.one_of(st.sampled_from(("BAD_TOKEN", "MONTHLY_LIMIT", "NEW_THING")), json_values(2))
            ),
            "detail": draw(json_values(3)),
            "data": draw(json_values(4)),
        }
    else:
        body = draw(json_values())
    return status, to_json(body)


@FUZZ
@given(st.data())
def test_every_endpoint_gives_a_result_or_a_readable_error(data: st.DataObject) -> None:
    method, endpoint, valid, call = data.draw(st.sampled_from(CALLS))
    status, body = data.draw(answers(valid))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(method, f"{API}/{endpoint}", body=body, status=status, content_type="application/json")
        try:
            call(TorBoxClient(make_session(retries=0), API, KEY))
        except errors.ResolverError as exc:
            assert_readable(exc)
            assert KEY not in exc.for_person()
