"""The family's provider in process, against the sandbox: the wait counts from the ticket,
the captcha's time included; expiry is read from valid_until; links map to file ids."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from hostermatch import HosterIndex
from linkresolver.plugins.openload_family.provider import OpenloadProvider, _expiry
from linkresolver.plugins.openload_family.results import DownloadTicket
from linkresolver.plugins.openload_family.services import HIGHLOAD, OPENLOAD, STREAMANGO, Service
from resolver_core import errors, hookimpl
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings, load_config
from resolver_core.factory import build_resolver
from resolver_core.http import make_session
from resolver_core.manager import make_plugin_manager
from resolver_core.models import CaptchaChallenge
from resolver_core.pipeline import Resolver
from resolver_core.provider import ResolveContext
from resolver_core.sandbox import Sandbox, build_sandbox
from resolver_core.sandbox.captcha import read_answer


class SlowReader:
    """A person who takes ``seconds`` to read each captcha."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.asked = 0

    @hookimpl
    def solve_captcha(self, challenge: CaptchaChallenge) -> str | None:
        self.asked += 1
        time.sleep(self.seconds)
        return read_answer(challenge.image or b"")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with build_sandbox(make_plugin_manager(load_entry_points=False)) as running:
        yield running


def resolver(sandbox: Sandbox, tmp_path: Path, *plugins: object) -> Resolver:
    config_path = tmp_path / "config.toml"
    config_path.write_text("", encoding="utf-8")
    pm = make_plugin_manager(load_entry_points=False, extra=plugins)
    return build_resolver(
        load_config(config_path, env=sandbox.env()), pm=pm, provider_names=["openload"], cache_dir=tmp_path
    )


def test_the_captchas_time_counts_toward_the_wait(sandbox: Sandbox, tmp_path: Path) -> None:
    reader = SlowReader(1.2)
    started = time.monotonic()
    outcome = resolver(sandbox, tmp_path, reader).resolve_many(["https://openload.co/f/captchaWait2slow/x"])[
        0
    ]
    elapsed = time.monotonic() - started
    assert outcome.status == "ok", outcome.error
    assert reader.asked == 1
    assert 2.0 <= elapsed < 2.9, elapsed  # 2 s from the ticket, not 1.2 + 2


def test_resolved_link_carries_name_size_sha1_and_type(sandbox: Sandbox, tmp_path: Path) -> None:
    outcome = resolver(sandbox, tmp_path).resolve_many(["https://openload.co/embed/UPPjeAk--30"])[0]
    link = outcome.link
    assert link is not None
    assert link.filename == "big_buck_bunny.mp4" and link.size and link.size > 0
    assert link.sha1 is not None and len(link.sha1) == 40
    assert link.content_type == "application/octet-stream"


def test_expiry_reads_valid_until_against_the_servers_clock() -> None:
    ticket = DownloadTicket("t", None, None, None, 10, valid_until=1_700_000_100)
    assert _expiry(ticket, issued=50.0, server_time="2023-11-14 22:13:20") == 150.0  # 100 s left
    assert _expiry(ticket, issued=50.0, server_time="2023-11-14 22:15:30") == 50.0  # already past
    assert _expiry(ticket, issued=50.0, server_time="2023-11-15 22:13:20") is None  # another time zone
    assert _expiry(DownloadTicket("t", None, None, None, 0, None), issued=1.0, server_time=None) is None


@pytest.mark.parametrize(
    ("service", "link", "file_id"),
    [
        (OPENLOAD, "https://openload.co/f/72fA-_Lq8Ak/The.File.mkv", "72fA-_Lq8Ak"),
        (OPENLOAD, "https://oload.stream/embed/72fA-_Lq8Ak", "72fA-_Lq8Ak"),
        (OPENLOAD, "72fA-_Lq8Ak", "72fA-_Lq8Ak"),
        (STREAMANGO, "https://streamcherry.com/f/abcDEF123/x.mp4", "abcDEF123"),
        (HIGHLOAD, "https://highload.to/e/vcatzwnjh0sm", "vcatzwnjh0sm"),
        (HIGHLOAD, "https://highload.to/f/9fnelnvpql73/big_buck_bunny.mp4.mp4", "9fnelnvpql73"),
        (OPENLOAD, "https://openload.co/account", None),
        (OPENLOAD, "not an id!", None),
    ],
)
def test_file_ids_from_links(service: Service, link: str, file_id: str | None) -> None:
    assert service.file_id(link) == file_id


def test_patterns_claim_the_services_links_and_nothing_else() -> None:
    index = HosterIndex()
    for service in (OPENLOAD, STREAMANGO, HIGHLOAD):
        index.add(service.hoster, service.patterns, owner=service.name, domains=service.domains)

    def owner(url: str) -> str | None:
        matches = index.match(url)
        return matches[0].owner if matches else None

    assert owner("https://www.oload.tv/f/abc/x") == "openload"
    assert owner("https://fruitstreams.com/embed/abc") == "streamango"
    assert owner("https://highload.to/e/abc") == "highload"
    assert owner("https://openload.co.evil.example/f/abc") is None
    assert owner("https://highload.to/embed/abc") is None  # highload links are /f/ and /e/
    assert owner("https://openload.co/") is None


def test_tickets_that_keep_expiring_end_the_link_after_three(tmp_path: Path) -> None:
    past = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 5))
    ticket = {"ticket": "t", "captcha_url": False, "wait_time": 0, "valid_until": past}
    provider = OpenloadProvider(ProviderSettings("openload"))
    ctx = ResolveContext(make_session(), HosterListCache(tmp_path, 1), lambda c: None, threading.Event())
    with responses.RequestsMock() as api:
        api.get(
            "https://api.openload.co/1/file/dlticket",
            json={"status": 200, "msg": "OK", "result": ticket},
        )
        with pytest.raises(errors.TicketExpired) as caught:
            provider.resolve("https://openload.co/f/abc/x", "openload.co", ctx)
        assert len(api.calls) == 3  # three tickets, no file/dl with a dead one
    assert (
        str(caught.value) == "openload issued download tickets that kept expiring before they could be used"
    )
    assert caught.value.try_other_provider
