"""The sandbox's Real-Debrid, asked by the plugin's own client over a real socket: every
documented error is reachable by a link's name and arrives as the plugin reads it, the token
is checked, REST verbs and their ``X-HTTP-Verb`` override work, and an uploaded .torrent file
becomes a torrent."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Final

import pytest
import requests

from linkresolver.plugins.realdebrid.client import RealDebridClient
from linkresolver.plugins.realdebrid.errors import MEANINGS
from linkresolver.plugins.realdebrid.sandbox import (
    API_PATH,
    TOKEN,
    RealDebridEmulation,
    install,
    torrent_info_hash,
)
from resolver_core import errors
from resolver_core.http import make_session
from resolver_core.sandbox.server import Sandbox

SECRETS: Final = [TOKEN]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    running = Sandbox()
    install(running)
    with running:
        yield running


def client(sandbox: Sandbox, token: str = TOKEN) -> RealDebridClient:
    return RealDebridClient(make_session(retries=0), sandbox.url + API_PATH, token)


@pytest.mark.parametrize("code", sorted(MEANINGS))
def test_every_documented_error_is_reachable(sandbox: Sandbox, code: int) -> None:
    file_id = f"rderror{code}".ljust(12, "x")
    with pytest.raises(errors.ResolverError) as caught:
        client(sandbox).unrestrict_link(f"https://katfile.com/{file_id}/f.bin")
    expected = MEANINGS[code].error
    if code in (5, 34):  # HTTP 429: the core's "too many requests", whatever the body says
        expected = errors.RateLimited
    assert isinstance(caught.value, expected)
    assert caught.value.code == (429 if code in (5, 34) else code)


def test_a_wrong_token_is_a_bad_token(sandbox: Sandbox) -> None:
    with pytest.raises(errors.AuthFailed) as caught:
        client(sandbox, "nope-nope-nope").user()
    assert caught.value.code == 8


def test_check_needs_no_token(sandbox: Sandbox) -> None:
    found = client(sandbox, "nope-nope-nope").check("https://katfile.com/abcdefabcdef/Film.mkv")
    assert found.supported and found.filename == "Film.mkv"


def test_the_verb_may_come_in_a_header(sandbox: Sandbox) -> None:
    torrent_id = client(sandbox).add_magnet("magnet:?xt=urn:btih:" + "5" * 40 + "&dn=x.single")
    answer = requests.post(
        f"{sandbox.url}{API_PATH}/torrents/delete/{torrent_id}",
        headers={"Authorization": f"Bearer {TOKEN}", "X-HTTP-Verb": "DELETE"},
        timeout=10,
    )
    assert answer.status_code == 204
    with pytest.raises(errors.Refused) as caught:
        client(sandbox).torrent_info(torrent_id)
    assert caught.value.code == 7


def test_an_uploaded_torrent_file_is_added_by_its_info_hash(sandbox: Sandbox) -> None:
    info = b"d6:lengthi5e4:name5:a.bin12:piece lengthi16384e6:pieces20:" + b"\0" * 20 + b"e"
    data = b"d8:announce9:http://x/4:info" + info + b"e"
    assert torrent_info_hash(data) == hashlib.sha1(info).hexdigest()
    torrent_id = client(sandbox).add_torrent(data)
    assert client(sandbox).torrent_info(torrent_id).hash == hashlib.sha1(info).hexdigest()
    with pytest.raises(errors.Refused) as caught:
        client(sandbox).add_torrent(b"not a torrent")
    assert caught.value.code == 30


def test_tokens_an_oauth_emulation_issues_are_accepted_until_disabled(sandbox: Sandbox) -> None:
    emulation = sandbox.emulations["realdebrid"]
    assert isinstance(emulation, RealDebridEmulation)
    issued = "S3NT1NEL-oauth-issued-token"
    emulation.tokens.add(issued)
    assert client(sandbox, issued).user().type == "premium"
    client(sandbox, issued).disable_access_token()
    with pytest.raises(errors.AuthFailed):
        client(sandbox, issued).user()
    assert client(sandbox).user().type == "premium"  # the published token still works
