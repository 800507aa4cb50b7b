"""The sandbox's AllDebrid, asked by the plugin's own client over a real socket: every
documented error is reachable by a link's words and arrives as the plugin reads it, the key
is checked, a delayed link becomes ready, magnets go through their states, and the PIN
login is approved on the third check."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Final

import pytest
import requests

from linkresolver.plugins.alldebrid.client import AllDebridClient
from linkresolver.plugins.alldebrid.errors import MEANINGS
from linkresolver.plugins.alldebrid.sandbox import API_PATH, KEY, install
from linkresolver.plugins.alldebrid.sandbox_links import LINK_PASSWORD
from resolver_core import errors
from resolver_core.http import make_session
from resolver_core.sandbox.server import Sandbox

SECRETS: Final = [KEY]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    running = Sandbox()
    emulation = install(running)
    # These tests call as fast as they can: the limits are tests/e2e/test_alldebrid_limit.py's.
    emulation.requests_per_second = emulation.requests_per_minute = 0
    with running:
        yield running


def client(sandbox: Sandbox, key: str | None = KEY) -> AllDebridClient:
    return AllDebridClient(make_session(retries=0), sandbox.url + API_PATH, key)


@pytest.mark.parametrize("code", sorted(MEANINGS))
def test_every_documented_error_is_reachable_by_a_link(sandbox: Sandbox, code: str) -> None:
    link = f"https://hitfile.net/e1/aderror-{code.lower()}"
    with pytest.raises(errors.ResolverError) as caught:
        client(sandbox).unlock(link)
    assert getattr(caught.value, "api_code", None) == code and caught.value.provider == "alldebrid"


@pytest.mark.parametrize(
    ("key", "code"), [(None, "AUTH_MISSING_APIKEY"), ("S3NT1NEL-wrong", "AUTH_BAD_APIKEY")]
)
def test_the_key_is_checked(sandbox: Sandbox, key: str | None, code: str) -> None:
    with pytest.raises(errors.AuthFailed) as caught:
        client(sandbox, key).user()
    assert getattr(caught.value, "api_code", None) == code and caught.value.code == 401


def test_the_dead_file_unsupported_hosters_and_passwords(sandbox: Sandbox) -> None:
    with pytest.raises(errors.FileOffline):
        client(sandbox).unlock("https://hitfile.net/status404/x.bin")
    with pytest.raises(errors.UnsupportedLink):
        client(sandbox).unlock("https://nobody.example/file/1")
    with pytest.raises(errors.Refused, match="needs a password"):
        client(sandbox).unlock("https://hitfile.net/p1/protected.bin")
    assert client(sandbox).unlock("https://hitfile.net/p1/protected.bin", password=LINK_PASSWORD).download


def test_a_delayed_link_becomes_ready(sandbox: Sandbox) -> None:
    c = client(sandbox)
    unlocked = c.unlock("https://hitfile.net/d1/delayed.bin")
    assert unlocked.download is None and unlocked.delayed is not None
    assert c.delayed(unlocked.delayed).status == 1
    time.sleep(1.1)
    ready = c.delayed(unlocked.delayed)
    assert ready.status == 2 and ready.download is not None
    assert requests.get(ready.download, timeout=10).status_code == 200


def test_magnets_cached_slow_and_dead(sandbox: Sandbox) -> None:
    c = client(sandbox)
    cached = c.upload_magnet("magnet:?xt=urn:btih:" + "1" * 40 + "&dn=A.single.mkv")
    slow = c.upload_magnet("magnet:?xt=urn:btih:" + "9" * 40 + "&dn=Slow")
    dead = c.upload_magnet("magnet:?xt=urn:btih:" + "a" * 40 + "&dn=X.addead")
    assert cached.ready and not slow.ready
    assert c.magnet_status(cached.id).status_code == 4
    assert c.magnet_status(slow.id).status_code == 1
    time.sleep(0.6)
    assert c.magnet_status(dead.id).status_code == 15
    (only,) = c.magnet_files(cached.id)
    assert only.path == "A.single.mkv" and c.unlock(only.link).filename == "A.single.mkv"
    assert {m.id for m in c.magnets(status="active")} >= {slow.id}
    c.delete_magnet(slow.id)
    with pytest.raises(errors.Refused):
        c.magnet_status(slow.id)


def test_the_pin_is_approved_on_the_third_check(sandbox: Sandbox) -> None:
    c = client(sandbox, None)
    pin = c.pin_get()
    answers = [c.pin_check(pin["pin"], pin["check"]) for _ in range(3)]
    assert [a["activated"] for a in answers] == [False, False, True]
    key = answers[-1]["apikey"]
    assert client(sandbox, key).user().username == "sandbox-ad"
    with pytest.raises(errors.AuthFailed, match="PIN_INVALID"):
        c.pin_check("ZZZZ", pin["check"])
