"""AllDebrid's client and provider, fed answers that servers get wrong: each endpoint the
provider and the ``linkresolver alldebrid`` commands use answers a valid envelope whose data
is mutated (:mod:`tests.fuzz.strategies`), an envelope of any shape (``status`` and
``error`` of any type, code words documented or not, of any length), JSON that is not an
envelope, a body that is not JSON, with any status. Whatever arrives: a typed result, or a
readable :class:`ResolverError` without the key.

The provider is fuzzed too, through whole flows (a hoster link, a delayed link, a folder, a
magnet polled to its files): every answer of the flow drawn as above, the provider's waits on
a fake clock; it ends with a link or a readable error, never another exception.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from linkresolver.plugins.alldebrid import waiting
from linkresolver.plugins.alldebrid.client import AllDebridClient
from linkresolver.plugins.alldebrid.provider import AllDebridProvider
from resolver_core import errors
from resolver_core.config import ProviderSettings
from resolver_core.device_login import TokenStore
from resolver_core.http import make_session

from .mock_rest import FakeClock, context
from .outcomes import assert_readable, examples
from .strategies import GIANTS, NASTY_TEXT, json_values, mutated, to_json

FUZZ = settings(max_examples=examples(40), deadline=None)
API: Final = "https://api.alldebrid.example/v4"
KEY: Final = "ADFUZZKEY7QW3E9R5T"
LINK: Final = "https://hitfile.net/AbC123/movie.mkv"
FOLDER: Final = "https://hitfile.net/folder/AbC123"
MAGNET: Final = "magnet:?xt=urn:btih:" + "c" * 40 + "&dn=Season"
DOWNLOAD: Final = "https://debrid.example/dl/abc/movie.mkv"
MAGNET_ENTRY: Final = {
    "id": 77, "filename": "Season", "size": 300, "status": "Ready", "statusCode": 4, "hash": "c" * 40,
}  # fmt: skip
HOSTER: Final = {"name": "hitfile", "domains": ["hitfile.net"], "regexp": "x"}
FILES: Final = {
    "magnets": [{"id": "77", "files": [{"n": "Season", "e": [{"n": "e1.mkv", "s": 100, "l": LINK}]}]}]
}
#: (method, endpoint as the mock sees it, a valid data, the call)
CALLS: Final[list[tuple[str, str, Any, Callable[[AllDebridClient], object]]]] = [
    ("GET", "v4/user", {"user": {"username": "a", "isPremium": True, "premiumUntil": 1900000000}},
     lambda c: c.user()),
    ("GET", "v4/hosts", {"hosts": {"hitfile": HOSTER}}, lambda c: c.hosts()),
    ("GET", "v4.1/user/hosts", {"hosts": {"hitfile": {"name": "hitfile", "domains": ["hitfile.net"]}}},
     lambda c: c.user_hosts()),
    ("GET", "v4/user/links", {"links": [{"link": LINK, "filename": "a", "size": 1, "date": 1}]},
     lambda c: c.saved_links()),
    ("GET", "v4/user/history", {"links": [{"link": LINK, "filename": "a", "size": 1, "date": 1}]},
     lambda c: c.history()),
    ("POST", "v4/link/infos", {"infos": [{"link": LINK, "filename": "a", "size": 1, "host": "hitfile"}]},
     lambda c: c.infos([LINK, FOLDER])),
    ("POST", "v4/link/unlock", {"link": DOWNLOAD, "filename": "movie.mkv", "filesize": 5, "id": "x"},
     lambda c: c.unlock(LINK)),
    ("POST", "v4/link/delayed", {"status": 2, "time_left": 0, "link": DOWNLOAD},
     lambda c: c.delayed(5, link=LINK)),
    ("POST", "v4/link/redirector", {"links": [LINK]}, lambda c: c.redirector(FOLDER)),
    ("POST", "v4/magnet/upload", {"magnets": [{**MAGNET_ENTRY, "magnet": MAGNET, "ready": True}]},
     lambda c: c.upload_magnet(MAGNET)),
    ("POST", "v4.1/magnet/status", {"magnets": MAGNET_ENTRY}, lambda c: c.magnet_status("77")),
    ("POST", "v4.1/magnet/status", {"magnets": [MAGNET_ENTRY]}, lambda c: c.magnets()),
    ("POST", "v4/magnet/files", FILES, lambda c: c.magnet_files("77")),
    ("POST", "v4/magnet/delete", {"message": "deleted"}, lambda c: c.delete_magnet("77")),
    ("GET", "v4.1/pin/get", {"pin": "ABCD", "check": "c" * 40, "expires_in": 600, "user_url": "https://x.y/"},
     lambda c: c.pin_get()),
    ("POST", "v4/pin/check", {"activated": False, "expires_in": 500},
     lambda c: c.pin_check("ABCD", "c" * 40)),
]  # fmt: skip
ROOT: Final = API.removesuffix("/v4")
CODES: Final = ("LINK_DOWN", "AUTH_BAD_APIKEY", "MAGNET_TOO_MANY", "GENERIC", "BRAND_NEW_THING", "")


@st.composite
def bodies(draw: st.DrawFn, valid: Any) -> str:
    """The valid envelope with mutated data, an envelope of any shape, any JSON, or not JSON."""
    kind = draw(st.sampled_from(("data", "data", "giants", "error", "envelope", "any", "text")))
    if kind == "giants":  # every number of the valid answer past what a float holds, or odd
        big = draw(st.sampled_from(GIANTS))

        def giant(value: Any) -> Any:
            if isinstance(value, dict):
                return {key: giant(item) for key, item in value.items()}
            if isinstance(value, list):
                return [giant(item) for item in value]
            return big if isinstance(value, int | float) and not isinstance(value, bool) else value

        return to_json({"status": "success", "data": giant(valid)})
    if kind == "data":
        body: Any = {"status": "success", "data": draw(mutated(valid))}
    elif kind == "error":
        code = draw(
            st.one_of(st.sampled_from(CODES), st.sampled_from(NASTY_TEXT), st.text(min_size=60, max_size=500))
        )
        body = {
            "status": "error",
            "error": {"code": code, "message": draw(st.one_of(st.sampled_from(NASTY_TEXT), json_values(2)))},
        }
    elif kind == "envelope":
        body = {
            "status": draw(st.one_of(st.sampled_from(("success", "error")), json_values(2))),
            "error": draw(json_values(3)),
            "data": draw(json_values(4)),
        }
    elif kind == "any":
        body = draw(json_values())
    else:
        return draw(st.sampled_from(("<html>busy</html>", "", '{"status": "succ', "null", KEY)))
    return to_json(body)


def statuses() -> st.SearchStrategy[int]:
    return st.sampled_from((200, 200, 200, 400, 401, 404, 418, 429, 500, 502, 503, 504))


@FUZZ
@given(st.data())
def test_every_endpoint_gives_a_result_or_a_readable_error(data: st.DataObject) -> None:
    method, endpoint, valid, call = data.draw(st.sampled_from(CALLS))
    body, status = data.draw(bodies(valid)), data.draw(statuses())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(method, f"{ROOT}/{endpoint}", body=body, status=status, content_type="application/json")
        try:
            call(AllDebridClient(make_session(retries=0), API, KEY))
        except errors.ResolverError as exc:
            assert_readable(exc)
            assert KEY not in exc.for_person() and KEY not in repr(exc)


#: A whole flow's endpoints and their valid answers (the provider's resolve of each kind).
FLOW: Final[dict[str, Any]] = {
    "v4/hosts": {"hosts": {"hitfile": {"name": "hitfile", "domains": ["hitfile.net"], "regexp": "x"}},
                 "redirectors": {}},
    "v4.1/user/hosts": {"hosts": {"hitfile": {"name": "hitfile", "domains": ["hitfile.net"]}}},
    "v4/link/unlock": {"link": DOWNLOAD, "filename": "movie.mkv", "filesize": 5},
    "v4/link/delayed": {"status": 2, "time_left": 0, "link": DOWNLOAD},
    "v4/link/redirector": {"links": [LINK, LINK + "2"]},
    "v4/magnet/upload": {"magnets": [{**MAGNET_ENTRY, "magnet": MAGNET, "ready": False}]},
    "v4.1/magnet/status": {"magnets": MAGNET_ENTRY},
    "v4/magnet/files": FILES,
    "v4/magnet/delete": {"message": "deleted"},
}  # fmt: skip


@FUZZ
@given(st.data(), st.sampled_from((LINK, "https://hitfile.net/delayed1/movie.mkv", FOLDER, MAGNET)))
def test_the_providers_flows_end_with_a_link_or_a_readable_error(data: st.DataObject, url: str) -> None:
    clock = FakeClock()
    delayed = "delayed" in url
    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
        tempfile.TemporaryDirectory() as tmp,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(waiting, "time", clock)  # the magnet's timeout runs on the fake clock
        for endpoint, answer in FLOW.items():
            valid = (
                {"link": "", "delayed": 5, "filename": "x"}
                if endpoint == "v4/link/unlock" and delayed
                else answer
            )
            # Each endpoint answers a drawn reply, then the valid one (a flow that asks again
            # or polls gets on).
            for body, status in [
                (data.draw(bodies(valid)), data.draw(statuses())),
                (to_json({"status": "success", "data": valid}), 200),
            ]:
                mock.add(
                    "GET" if endpoint.endswith("hosts") else "POST",
                    f"{ROOT}/{endpoint}",
                    body=body,
                    status=status,
                    content_type="application/json",
                )
        provider = AllDebridProvider(
            ProviderSettings("alldebrid", key=KEY, api_base=API), store=TokenStore("alldebrid", Path(tmp))
        )
        ctx = context(make_session(retries=0), Path(tmp), clock)
        try:
            provider.hosters(ctx)
            hoster = "magnet" if url.startswith("magnet:") else "hitfile"
            link = provider.resolve(url, hoster, ctx)
        except errors.ResolverError as exc:
            assert_readable(exc)
            assert KEY not in exc.for_person() and KEY not in repr(exc)
        else:
            assert link.url.startswith("https://") and link.provider == "alldebrid"
