"""The sandbox's TorBox, asked by the plugin's own client over a real socket: every
documented error is reachable by a link's words and arrives as the plugin reads it, the key
is checked (header, or requestdl's token), checkcached answers in both formats, transfers
are created, polled, served with Range and deleted, the 301st call of a minute is 429, and
the device login answers in TorBox's words and its key is accepted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import pytest
import requests

from linkresolver.plugins.torbox.client import TORRENTS, WEBDL, TorBoxClient
from linkresolver.plugins.torbox.errors import MEANINGS, code_of
from linkresolver.plugins.torbox.login import DeviceLogin
from linkresolver.plugins.torbox.sandbox import API_PATH, KEY, TorBoxEmulation, install
from linkresolver.plugins.torbox.sandbox_transfers import CACHED_LINKS
from resolver_core import errors
from resolver_core.device_login import PENDING, LoginRequired, SlowDown, StoredToken
from resolver_core.http import make_session
from resolver_core.sandbox.server import Sandbox

SECRETS: Final = [KEY]


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[Sandbox, TorBoxEmulation]]:
    sandbox = Sandbox()
    emulation = install(sandbox)
    # These tests create more than 10 downloads a minute: the limit's own tests are below.
    emulation.creations_per_hour = emulation.creations_per_minute = 0
    with sandbox:
        yield sandbox, emulation


@pytest.fixture
def sandbox(running: tuple[Sandbox, TorBoxEmulation]) -> Sandbox:
    return running[0]


def client(sandbox: Sandbox, key: str = KEY) -> TorBoxClient:
    return TorBoxClient(make_session(retries=0), sandbox.url + API_PATH, key)


@pytest.mark.parametrize("code", sorted(MEANINGS))
def test_every_documented_error_is_reachable(sandbox: Sandbox, code: str) -> None:
    with pytest.raises(errors.ResolverError) as caught:
        client(sandbox).create_webdownload(f"https://gofile.io/d/tberror{code}/f.bin")
    assert isinstance(caught.value, MEANINGS[code].error)
    assert code_of(caught.value) == code


def test_a_magnet_reaches_the_errors_too(sandbox: Sandbox) -> None:
    with pytest.raises(errors.QuotaExhausted):
        client(sandbox).create_torrent("magnet:?xt=urn:btih:" + "a" * 40 + "&dn=tberrorACTIVE_LIMIT")


def test_a_wrong_key_and_no_key(sandbox: Sandbox) -> None:
    with pytest.raises(errors.AuthFailed) as caught:
        client(sandbox, "nope-nope-nope").user()
    assert code_of(caught.value) == "BAD_TOKEN" and caught.value.code == 403
    answer = requests.get(f"{sandbox.url}{API_PATH}/user/me", timeout=10)
    assert answer.status_code == 403 and answer.json()["error"] == "NO_AUTH"


def test_the_dead_file_is_offline(sandbox: Sandbox) -> None:
    with pytest.raises(errors.FileOffline):
        client(sandbox).create_webdownload("https://gofile.io/d/status404/f.bin")


def test_checkcached_in_both_formats(sandbox: Sandbox) -> None:
    cached, other = "1" + "a" * 39, "9" + "a" * 39
    assert set(client(sandbox).cached_torrents([cached, other])) == {cached}
    answer = requests.get(
        f"{sandbox.url}{API_PATH}/torrents/checkcached",
        params={"hash": f"{cached},{other}", "format": "object"},
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=10,
    ).json()
    assert answer["success"] is True and set(answer["data"]) == {cached}
    found = client(sandbox).cached_links([CACHED_LINKS[0], "https://gofile.io/d/x/never.bin"])
    assert list(found) == [CACHED_LINKS[0]] and found[CACHED_LINKS[0]].name == "Holiday.Video.Trailer.mkv"


def test_a_web_download_goes_from_created_to_served_to_deleted(sandbox: Sandbox) -> None:
    tb = client(sandbox)
    web_id = tb.create_webdownload(CACHED_LINKS[1])
    transfer = tb.transfer(WEBDL, web_id)
    assert transfer.ready and [f.name for f in transfer.files] == ["Cached.Song.mp3"]
    url = tb.request_link(WEBDL, web_id, transfer.files[0].id)
    whole = requests.get(url, timeout=10).content
    assert len(whole) == transfer.files[0].size
    part = requests.get(url, headers={"Range": "bytes=5-9"}, timeout=10)
    assert part.status_code == 206 and part.content == whole[5:10]
    assert web_id in {t.id for t in tb.transfers(WEBDL)}
    tb.delete(WEBDL, web_id)
    with pytest.raises(errors.Refused) as caught:
        tb.transfer(WEBDL, web_id)
    assert code_of(caught.value) == "ITEM_NOT_FOUND"


def test_an_uncached_torrent_is_not_ready_at_first_and_has_no_link_yet(sandbox: Sandbox) -> None:
    tb = client(sandbox)
    torrent_id = tb.create_torrent("magnet:?xt=urn:btih:" + "e" * 40 + "&dn=Later")
    transfer = tb.transfer(TORRENTS, torrent_id)
    assert not transfer.ready and transfer.state in ("metaDL", "downloading")
    with pytest.raises(errors.Refused):
        tb.request_link(TORRENTS, torrent_id, 0)
    tb.delete(TORRENTS, torrent_id)


def test_requestdl_takes_the_token_without_a_header(sandbox: Sandbox) -> None:
    tb = client(sandbox)
    torrent_id = tb.create_torrent("magnet:?xt=urn:btih:" + "3" * 40 + "&dn=Now.single")
    answer = requests.get(
        f"{sandbox.url}{API_PATH}/torrents/requestdl",
        params={"token": KEY, "torrent_id": str(torrent_id), "file_id": "0"},
        timeout=10,
    ).json()
    assert answer["success"] is True and answer["data"].startswith(sandbox.url)


def test_the_301st_call_of_a_minute_is_refused() -> None:
    sandbox = Sandbox()
    emulation = install(sandbox)
    with sandbox:
        tb = client(sandbox)
        for _ in range(300):
            requests.get(
                f"{sandbox.url}{API_PATH}/user/me", headers={"Authorization": f"Bearer {KEY}"}, timeout=10
            )
        assert emulation.refused_for_rate == 0
        with pytest.raises(errors.RateLimited):
            tb.user()
        assert emulation.refused_for_rate == 1


def test_the_11th_creation_of_a_minute_and_the_61st_of_an_hour_are_refused() -> None:
    sandbox = Sandbox()
    emulation = install(sandbox)
    with sandbox:
        tb = client(sandbox)
        for n in range(10):
            tb.create_webdownload(f"https://krakenfiles.com/view/lim{n}/f{n}.bin")
        assert emulation.refused_for_rate == 0
        with pytest.raises(errors.RateLimited) as caught:
            tb.create_torrent("magnet:?xt=urn:btih:" + "1" * 40 + "&dn=one.too.many")
        assert emulation.refused_for_rate == 1
        # It says when a creation frees up: the first one's minute, about 60 s.
        assert caught.value.retry_after_given and 50 <= (caught.value.retry_after or 0) <= 61
        tb.user()  # other calls go on
        # The hour: 60 (the minute's edge lifted to reach them at once).
        emulation.creations_per_minute = 0
        for n in range(10, 60):
            tb.create_webdownload(f"https://krakenfiles.com/view/lim{n}/f{n}.bin")
        with pytest.raises(errors.RateLimited) as caught:
            tb.create_webdownload("https://krakenfiles.com/view/lim60/f60.bin")
        assert 3500 <= (caught.value.retry_after or 0) <= 3601


# -- the device login -------------------------------------------------------------------------


def test_the_device_login_answers_in_torbox_words_and_its_key_is_accepted(
    running: tuple[Sandbox, TorBoxEmulation],
) -> None:
    sandbox, emulation = running
    flow = DeviceLogin(client(sandbox, ""))
    knobs = emulation.login
    knobs.slow_down_polls, knobs.approve_after_polls = 1, 3  # slowed, not yet, entered
    try:
        code = flow.start()
        assert code.user_code.isdigit() and code.device_code.startswith("S3NT1NEL-torbox")
        assert isinstance(flow.poll(code), SlowDown)  # HTTP 429
        assert flow.poll(code) == PENDING  # DEVICE_CODE_NOT_USED
        token = flow.poll(code)
        assert isinstance(token, StoredToken) and token.access_token.startswith("S3NT1NEL-torbox")
        with pytest.raises(LoginRequired, match="expired"):  # a used code is gone: ITEM_NOT_FOUND
            flow.poll(code)
        assert client(sandbox, token.access_token).user().email == "sandbox@torbox.invalid"
        knobs.slow_down_polls, knobs.deny = 0, True
        with pytest.raises(LoginRequired):
            flow.poll(flow.start())
    finally:
        knobs.slow_down_polls, knobs.deny, knobs.approve_after_polls = 0, False, 2
    with pytest.raises(errors.AuthFailed):
        client(sandbox, "S3NT1NEL-torbox-never-issued").user()
