"""Debrid-Link's client and provider, fed answers that servers get wrong: each endpoint the
provider and the ``linkresolver debridlink`` commands use answers a valid ``{"success",
"value"}`` whose value is mutated (:mod:`tests.fuzz.strategies`), an envelope of any shape
(``success`` and ``error`` of any type, codes documented or not, of any length), JSON that
is not an envelope, or a body that is not JSON, with any status; a device login's token is
renewed once when refused. Whatever arrives: a typed result, or a readable
:class:`ResolverError` without the key (nor the renewed one).

The provider is fuzzed through whole flows too (a hoster link, a folder, a magnet polled in
the seedbox to its files): every answer drawn as above, then the valid one, the waits on a
fake clock; it ends with a link or a readable error, never another exception.
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

from linkresolver.plugins.debridlink import seedbox
from linkresolver.plugins.debridlink.client import DebridLinkClient
from linkresolver.plugins.debridlink.provider import DebridLinkProvider
from resolver_core import errors
from resolver_core.config import ProviderSettings
from resolver_core.device_login import TokenStore
from resolver_core.http import make_session

from .mock_rest import FakeClock, context
from .outcomes import assert_readable, examples
from .strategies import GIANTS, NASTY_TEXT, json_values, mutated, to_json

FUZZ = settings(max_examples=examples(40), deadline=None)
API: Final = "https://debrid-link.example/api/v2"
KEY: Final = "DLFUZZKEY7QW3E9R5T"
RENEWED: Final = "DLRENEWED4Z8X1C6V"
LINK: Final = "https://uptobox.com/abcdefabcdef/movie.mkv"
MAGNET: Final = "magnet:?xt=urn:btih:" + "c" * 40 + "&dn=Season"
DOWNLOAD: Final = "https://dl.debrid-link.example/dl/abc/movie.mkv"
GENERATED: Final = {
    "id": "x1-abc",
    "name": "movie.mkv",
    "size": 5,
    "downloadUrl": DOWNLOAD,
    "host": "uptobox",
}
TORRENT: Final = {
    "id": "t1-abc", "name": "Season", "hashString": "c" * 40, "status": 100, "downloadPercent": 100,
    "totalSize": 300, "files": [{"id": "f1", "name": "e1.mkv", "downloadUrl": DOWNLOAD, "size": 100,
                                 "downloadPercent": 100}],
}  # fmt: skip
HOST: Final = {
    "name": "uptobox",
    "status": 1,
    "domains": ["uptobox.com"],
    "regexs": [r"/uptobox\.com\/\w+/i"],
}
#: (method, endpoint, a valid value, the call)
CALLS: Final[list[tuple[str, str, Any, Callable[[DebridLinkClient], object]]]] = [
    ("GET", "account/infos", {"username": "a", "accountType": 1, "premiumLeft": 3600}, lambda c: c.account()),
    ("GET", "downloader/hosts", [HOST], lambda c: c.hosts()),
    ("POST", "downloader/add", GENERATED, lambda c: c.add_link(LINK)),
    ("POST", "downloader/add", [GENERATED, GENERATED], lambda c: c.add_link(LINK, password="pw")),
    ("GET", "downloader/list", [GENERATED], lambda c: c.links()),
    ("DELETE", "downloader/x1-abc/remove", ["x1-abc"], lambda c: c.remove_link("x1-abc")),
    ("POST", "seedbox/add", TORRENT, lambda c: c.add_torrent(MAGNET)),
    ("GET", "seedbox/list", [TORRENT], lambda c: c.torrents(["t1-abc"])),
    ("GET", "seedbox/list", [TORRENT], lambda c: c.torrent("t1-abc")),
    ("DELETE", "seedbox/t1-abc/remove", ["t1-abc"], lambda c: c.remove_torrent("t1-abc")),
]
CODES: Final = ("badToken", "fileNotFound", "maxLink", "floodDetected", "notDebrid", "brandNewThing", "")


@st.composite
def bodies(draw: st.DrawFn, valid: Any) -> str:
    """The valid answer with its value mutated, an error of any code, an envelope of any
    shape, any JSON, or not JSON."""
    kind = draw(st.sampled_from(("value", "value", "giants", "error", "envelope", "any", "text")))
    if kind == "giants":  # every number of the valid answer past what a float holds, or odd
        big = draw(st.sampled_from(GIANTS))

        def giant(value: Any) -> Any:
            if isinstance(value, dict):
                return {key: giant(item) for key, item in value.items()}
            if isinstance(value, list):
                return [giant(item) for item in value]
            return big if isinstance(value, int | float) and not isinstance(value, bool) else value

        return to_json({"success": True, "value": giant(valid)})
    if kind == "value":
        body: Any = {"success": True, "value": draw(mutated(valid))}
    elif kind == "error":
        code = draw(st.one_of(st.sampled_from(CODES), st.sampled_from(NASTY_TEXT), st.text(max_size=500)))
        body = {"success": False, "error": code}
        if draw(st.booleans()):
            body["error_description"] = draw(st.one_of(st.sampled_from(NASTY_TEXT), json_values(2)))
    elif kind == "envelope":
        body = {
            "success": draw(st.one_of(st.booleans(), json_values(2))),
            "error": draw(json_values(3)),
            "value": draw(json_values(4)),
        }
    elif kind == "any":
        body = draw(json_values())
    else:
        return draw(st.sampled_from(("<html>busy</html>", "", '{"success": tr', "null", KEY)))
    return to_json(body)


def statuses() -> st.SearchStrategy[int]:
    return st.sampled_from((200, 200, 200, 400, 401, 403, 404, 429, 451, 500, 502, 503))


def assert_no_secret(exc: errors.ResolverError) -> None:
    assert_readable(exc)
    for secret in (KEY, RENEWED):
        assert secret not in exc.for_person() and secret not in repr(exc)


@FUZZ
@given(st.data(), st.booleans())
def test_every_endpoint_gives_a_result_or_a_readable_error(data: st.DataObject, device_login: bool) -> None:
    method, endpoint, valid, call = data.draw(st.sampled_from(CALLS))
    body, status = data.draw(bodies(valid)), data.draw(statuses())
    renew = (lambda token: RENEWED) if device_login else None
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(method, f"{API}/{endpoint}", body=body, status=status, content_type="application/json")
        # The call made again with a renewed token gets any answer too.
        mock.add(method, f"{API}/{endpoint}", body=data.draw(bodies(valid)), status=data.draw(statuses()))
        try:
            call(DebridLinkClient(make_session(retries=0), API, KEY, renew=renew))
        except errors.ResolverError as exc:
            assert_no_secret(exc)


#: A whole flow's endpoints and their valid answers (the provider's resolve of each kind).
FLOW: Final[list[tuple[str, str, Any]]] = [
    ("GET", "downloader/hosts", [HOST, {**HOST, "name": "filespace", "domains": ["filespace.com"]}]),
    ("POST", "downloader/add", [GENERATED, {**GENERATED, "name": "movie2.mkv"}]),
    ("POST", "seedbox/add", {**TORRENT, "downloadPercent": 0, "status": 4}),
    ("GET", "seedbox/list", [TORRENT]),
    ("DELETE", "seedbox/t1-abc/remove", ["t1-abc"]),
]


@FUZZ
@given(st.data(), st.sampled_from((LINK, "https://filespace.com/folder/abc", MAGNET)))
def test_the_providers_flows_end_with_a_link_or_a_readable_error(data: st.DataObject, url: str) -> None:
    clock = FakeClock()
    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
        tempfile.TemporaryDirectory() as tmp,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(seedbox, "time", clock)  # the torrent's timeout runs on the fake clock
        for method, endpoint, valid in FLOW:
            # A drawn reply, then the valid one (a flow that asks again or polls gets on).
            mock.add(method, f"{API}/{endpoint}", body=data.draw(bodies(valid)), status=data.draw(statuses()))
            mock.add(method, f"{API}/{endpoint}", body=to_json({"success": True, "value": valid}))
        provider = DebridLinkProvider(
            ProviderSettings("debridlink", key=KEY, api_base=API), store=TokenStore("debridlink", Path(tmp))
        )
        ctx = context(make_session(retries=0), Path(tmp), clock)
        hoster = "magnet" if url.startswith("magnet:") else url.split("/")[2].split(".", maxsplit=1)[0]
        try:
            provider.hosters(ctx)
            link = provider.resolve(url, hoster, ctx)
        except errors.ResolverError as exc:
            assert_no_secret(exc)
        else:
            assert link.url.startswith("https://") and link.provider == "debridlink"
