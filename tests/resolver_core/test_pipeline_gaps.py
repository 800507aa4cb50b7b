"""The paths of the pipeline and the providers that their main tests left unexercised
(issue 9, the coverage report): in process, with scripted providers (``fakes``) and
recorded answers (``responses``), never the network.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final
from unittest.mock import ANY

import pytest
import requests
import responses

from linkresolver.plugins.offcloud import provider as offcloud_provider
from linkresolver.plugins.offcloud.provider import OffcloudProvider
from linkresolver.plugins.openload_family.provider import HighloadProvider, OpenloadProvider
from linkresolver.plugins.premiumize.provider import PremiumizeProvider
from resolver_core import errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings
from resolver_core.envelope import unwrap_envelope
from resolver_core.factory import build_resolver
from resolver_core.http import make_session
from resolver_core.magnets import info_hash
from resolver_core.manager import make_plugin_manager
from resolver_core.models import (
    AccountInfo,
    CaptchaChallenge,
    DownloadLimits,
    LinkState,
    LinkStatus,
    ResolvedLink,
)
from resolver_core.pipeline import Resolver
from resolver_core.provider import (
    MAX_CAPTCHA_BYTES,
    HosterSpec,
    Provider,
    ResolveContext,
    fetch_captcha_image,
)
from resolver_core.records import outcome_json
from tests.builtins import without_builtins

from .fakes import RAPIDGATOR, ProvidersPlugin, ScriptedProvider, empty_config

LINK: Final = "https://rapidgator.net/file/abc"
ELSEWHERE: Final = "https://example.com/x"


def make(tmp_path: Path, *providers: Provider, **options: Any) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*providers)],
        env=without_builtins(),
    )
    return build_resolver(empty_config(tmp_path), pm=pm, **options)


def context(tmp_path: Path, answer: str | None = None, reports: list[str] | None = None) -> ResolveContext:
    return ResolveContext(
        make_session(retries=0),
        HosterListCache(tmp_path, 1),
        lambda challenge: answer,
        threading.Event(),
        reporter=reports.append if reports is not None else None,
    )


# -- scripted providers for the paths the ScriptedProvider does not take ---------------------------


class Reporting(ScriptedProvider):
    """Reports a long step before it answers."""

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        ctx.report("halfway there")
        return super().resolve(url, hoster, ctx)


class NoHosterList(ScriptedProvider):
    """Its hoster list cannot be had (the service is down)."""

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        error = errors.ProviderOutage("cannot be reached: connection refused")
        error.no_answer = True  # as resolver_core.http says it
        raise error


class TwoPatterns(ScriptedProvider):
    """Serves the same links under two hoster names (a hoster and its alias)."""

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        alias = HosterSpec("rg-alias", (r"https?://rapidgator\.net/file/\w+",), ("rapidgator.net",))
        return [RAPIDGATOR, alias]


class Interrupting(ScriptedProvider):
    """Ctrl-C arrives while the link ``stop`` is in flight."""

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        if url.endswith("/stop"):
            raise KeyboardInterrupt
        return super().resolve(url, hoster, ctx)


class Checking(ScriptedProvider):
    """A link checker: ``gone`` is offline, ``stop`` is Ctrl-C, ``short`` loses an answer."""

    can_check = True

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        if any(url.endswith("/stop") for url in urls):
            raise KeyboardInterrupt
        answers: list[LinkStatus | errors.ResolverError] = []
        for url in urls:
            if url.endswith("/gone"):
                answers.append(LinkStatus(url, LinkState.OFFLINE, self.name, hoster))
            else:
                answers.append(LinkStatus(url, LinkState.ONLINE, self.name, hoster, "a.rar", 10, "ab" * 20))
        return answers[:-1] if any(url.endswith("/short") for url in urls) else answers


class WithAccount(ScriptedProvider):
    def account(self, ctx: ResolveContext) -> AccountInfo:
        return AccountInfo(self.name, "me", "premium", True)


class RefusedAccount(ScriptedProvider):
    def account(self, ctx: ResolveContext) -> AccountInfo:
        raise errors.AuthFailed("refused the login")


class AsksCaptcha(ScriptedProvider):
    """Needs a captcha answered; the answer becomes the direct link's last segment."""

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        challenge = CaptchaChallenge(self.name, url, "https://captcha.example/1.png", b"\x89PNG", "image/png")
        answer = ctx.solve_captcha(challenge)
        return ResolvedLink(url, f"https://{self.name}.example/{answer}", self.name, hoster)


# -- the pipeline ---------------------------------------------------------------------------------


def test_unknown_provider_names_are_refused_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError, match=r"unknown provider nope, other; known: p$"):
        make(tmp_path, ScriptedProvider("p", 1), provider_names=["nope", "other"])


def test_a_providers_reports_go_to_the_runs_reporter_with_the_link(tmp_path: Path) -> None:
    resolver = make(tmp_path, Reporting("p", 1))
    seen: list[tuple[str, str]] = []
    resolver.on_report = lambda url, message: seen.append((url, message))
    assert resolver.resolve_many([LINK])[0].status == "ok"
    assert seen == [(LINK, "halfway there")]


def test_a_provider_without_its_hoster_list_is_left_out_and_its_reason_kept(tmp_path: Path) -> None:
    resolver = make(tmp_path, NoHosterList("broken", 1), ScriptedProvider("backup", 2))
    outcome = resolver.resolve_many([LINK])[0]
    assert (outcome.status, outcome.provider) == ("ok", "backup")
    assert list(resolver.problems) == ["broken"]
    assert "connection refused" in resolver.problems["broken"].for_person()


def test_a_provider_matching_a_link_under_two_hosters_is_asked_once(tmp_path: Path) -> None:
    provider = TwoPatterns("p", 1)
    outcome = make(tmp_path, provider).resolve_many(["https://rapidgator.net/file/err509"])[0]
    assert provider.calls == ["https://rapidgator.net/file/err509"]
    assert isinstance(outcome.error, errors.QuotaExhausted)  # one failure, not "all 1 providers"


def test_ctrl_c_during_resolve_cancels_the_run_and_is_raised(tmp_path: Path) -> None:
    resolver = make(tmp_path, Interrupting("p", 1))
    done: list[int] = []
    urls = ["https://rapidgator.net/file/a", "https://rapidgator.net/file/stop"]
    with pytest.raises(KeyboardInterrupt):
        resolver.resolve_many(urls, lambda position, outcome: done.append(position))
    assert resolver.cancelled.is_set()  # waits still running end now
    assert done == [0]  # the interrupted link has no outcome to report


def test_check_outcomes_in_json_and_reported_as_they_come(tmp_path: Path) -> None:
    urls = ["https://rapidgator.net/file/a", ELSEWHERE, "https://rapidgator.net/file/gone"]
    seen: dict[int, str] = {}
    outcomes = make(tmp_path, Checking("p", 1)).check_many(
        urls, lambda position, outcome: seen.update({position: outcome.status})
    )
    assert seen == {0: "online", 1: "unsupported", 2: "offline"}
    assert outcome_json(outcomes[1])["error"].startswith("no enabled provider serves this link")
    assert [outcome_json(outcome) for outcome in outcomes] == [
        {
            "input": urls[0],
            "status": "online",
            "provider": "p",
            "hoster": "rapidgator.net",
            "filename": "a.rar",
            "size": 10,
            "sha1": "ab" * 20,
            "cached": None,
            "cached_at": [],
            "error": None,
            "code": None,
        },
        {
            "input": ELSEWHERE,
            "status": "unsupported",
            "provider": None,
            "hoster": None,
            "filename": None,
            "size": None,
            "sha1": None,
            "cached": None,
            "cached_at": [],
            "error": ANY,
            "code": None,
        },
        {
            "input": urls[2],
            "status": "offline",
            "provider": "p",
            "hoster": "rapidgator.net",
            "filename": None,
            "size": None,
            "sha1": None,
            "cached": None,
            "cached_at": [],
            "error": None,
            "code": None,
        },
    ]


def test_check_of_links_no_provider_serves_asks_nobody(tmp_path: Path) -> None:
    provider = Checking("p", 1)
    assert make(tmp_path, provider).check_one(ELSEWHERE).status == "unsupported"
    assert provider.calls == []


def test_a_provider_that_checks_nothing_says_unknown(tmp_path: Path) -> None:
    outcome = make(tmp_path, ScriptedProvider("p", 1)).check_one(LINK)
    assert (outcome.status, outcome.provider, outcome.error) == ("unknown", "p", None)


def test_a_check_answer_missing_a_link_fails_the_whole_batch(tmp_path: Path) -> None:
    urls = ["https://rapidgator.net/file/a", "https://rapidgator.net/file/short"]
    outcomes = make(tmp_path, Checking("p", 1)).check_many(urls)
    assert [outcome.status for outcome in outcomes] == ["error", "error"]
    error = outcomes[0].error
    assert isinstance(error, errors.ProviderOutage) and error.provider == "p"
    assert "answered 1 checks for 2 links" in error.for_person()


def test_ctrl_c_during_check_cancels_the_run_and_is_raised(tmp_path: Path) -> None:
    resolver = make(tmp_path, Checking("p", 1))
    with pytest.raises(KeyboardInterrupt):
        resolver.check_many(["https://rapidgator.net/file/stop"])
    assert resolver.cancelled.is_set()


def test_accounts_of_every_provider_with_the_refusals_named(tmp_path: Path) -> None:
    providers = (WithAccount("a", 1), RefusedAccount("b", 2), ScriptedProvider("c", 3))
    accounts = make(tmp_path, *providers).accounts()
    assert [(p.name, info, type(error)) for p, info, error in accounts] == [
        ("a", AccountInfo("a", "me", "premium", True), type(None)),
        ("b", None, errors.AuthFailed),
        ("c", None, type(None)),  # no account API
    ]
    refusal = accounts[1][2]
    assert refusal is not None and refusal.provider == "b"


def test_the_captcha_command_answers_when_no_plugin_does(tmp_path: Path) -> None:
    command = f"{sys.executable} -c \"print('x7k2')\""
    outcome = make(tmp_path, AsksCaptcha("p", 1), captcha_command=command).resolve_many([LINK])[0]
    assert outcome.link is not None and outcome.link.url == "https://p.example/x7k2"


# -- the provider base class and its context -------------------------------------------------------


def test_the_base_provider_serves_only_its_patterns_with_no_limits_and_no_account(tmp_path: Path) -> None:
    provider = ScriptedProvider("p", 7)
    assert provider.claims(ELSEWHERE) is None
    assert provider.download_limits("rapidgator.net") == DownloadLimits(None, True)
    assert provider.account(context(tmp_path)) is None
    assert repr(provider) == "<ScriptedProvider p priority=7>"


def test_a_captcha_image_too_large_to_be_one_is_not_used(caplog: pytest.LogCaptureFixture) -> None:
    challenge = CaptchaChallenge("p", LINK, "https://captcha.example/huge.png")
    with responses.RequestsMock() as api:
        api.get(challenge.image_url, body=b"\0" * (MAX_CAPTCHA_BYTES + 1), content_type="image/png")
        with caplog.at_level(logging.WARNING, logger="linkresolver"):
            assert fetch_captcha_image(requests.Session(), challenge) == challenge
    assert "larger than" in caplog.text


# -- errors and the session --------------------------------------------------------------------------


def test_error_texts_of_a_rate_limit_and_of_every_provider_failing() -> None:
    limited = errors.RateLimited("says too many requests", provider="p", code=429)
    assert "another provider may serve the link now" in limited.for_person()
    offline = errors.FileOffline("says the file is offline", provider="q")
    combined = errors.AllProvidersFailed([limited, offline])
    assert str(combined).startswith("all 2 providers failed: ")
    assert limited.for_person() in str(combined) and offline.for_person() in str(combined)


def test_an_envelope_status_no_document_lists_is_a_refusal_with_its_code() -> None:
    """Not a 5xx and in no status list: the provider refused, for reasons only it knows."""
    body = {"status": 418, "msg": "I'm a teapot", "result": None}
    with pytest.raises(errors.ResolverError) as caught:
        unwrap_envelope(body, provider="p", link=LINK)
    assert type(caught.value) is errors.ResolverError
    assert caught.value.code == 418
    assert str(caught.value) == 'p refused the request (it said "I\'m a teapot")'


def _without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(name)


def test_a_configured_proxy_leaves_requests_in_charge_of_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without_proxies(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert make_session().trust_env is True


def test_without_a_proxy_the_environment_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_proxies(monkeypatch)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    session = make_session()
    assert (session.trust_env, session.verify) == (False, True)
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/corporate.pem")
    assert make_session().verify == "/etc/ssl/certs/corporate.pem"


# -- Premiumize ---------------------------------------------------------------------------------------


def test_premiumize_download_limits_come_from_its_hoster_list(tmp_path: Path) -> None:
    hosterlist = {
        "hosters": {
            "rapidgator.net": {"tlds": ["rapidgator.net"], "regexes": [r"https?://rapidgator\.net/file/.+"]},
            "uploaded.net": {"tlds": ["uploaded.net"], "regexes": [r"https?://uploaded\.net/file/.+"]},
        },
        "connection_settings": {
            "rapidgator.net": {"max_connections_per_file": 2, "resume": True},
            "uploaded.net": {"max_connections_per_file": 4, "resume": False},
        },
    }
    (tmp_path / "hosterlist-premiumize.json").write_text(json.dumps(hosterlist), encoding="utf-8")
    provider = PremiumizeProvider(ProviderSettings("premiumize", login="123456789", key="pin-1"))
    list(provider.hosters(context(tmp_path)))  # from the cache: no request
    assert provider.download_limits("rapidgator.net") == DownloadLimits(2, True)
    assert provider.download_limits("uploaded.net") == DownloadLimits(4, False)
    assert provider.download_limits("mega.nz") == DownloadLimits()


# -- the Openload family's provider -----------------------------------------------------------------------

OPENLOAD_API: Final = "https://api.openload.co/1"
OPENLOAD_LINK: Final = "https://openload.co/f/72fA-_Lq8Ak/fox.txt"


def ok(result: Any) -> dict[str, Any]:
    return {"status": 200, "msg": "OK", "result": result}


def ticket(wait_time: int = 0, captcha_url: str | bool = False) -> dict[str, Any]:
    return ok({"ticket": "t1", "captcha_url": captcha_url, "wait_time": wait_time, "valid_until": None})


def test_a_family_link_without_a_file_id_is_a_bad_link(tmp_path: Path) -> None:
    with pytest.raises(errors.BadLink, match="cannot find a file id"):
        OpenloadProvider(ProviderSettings("openload")).resolve(
            "https://openload.co/", "openload.co", context(tmp_path)
        )


def test_highload_has_no_download_api_and_says_where_to_go(tmp_path: Path) -> None:
    with pytest.raises(errors.NoDownloadApi, match=r"through a debrid provider that lists highload\.to"):
        HighloadProvider(ProviderSettings("highload")).resolve(
            "https://highload.to/f/abc", "highload.to", context(tmp_path)
        )


def test_a_ticket_asking_to_wait_hours_is_a_quota_for_another_provider(tmp_path: Path) -> None:
    with responses.RequestsMock() as api:
        api.get(f"{OPENLOAD_API}/file/dlticket", json=ticket(wait_time=7200))
        with pytest.raises(errors.QuotaExhausted, match="asks to wait 120 minutes") as caught:
            OpenloadProvider(ProviderSettings("openload")).resolve(
                OPENLOAD_LINK, "openload.co", context(tmp_path)
            )
    assert caught.value.retry_after == 7200
    assert caught.value.try_other_provider


def test_captcha_answers_refused_three_times_end_the_link(tmp_path: Path) -> None:
    captcha = "https://openload.co/dlcaptcha/b92eY_nfjV4.png"
    with responses.RequestsMock() as api:
        api.get(f"{OPENLOAD_API}/file/dlticket", json=ticket(captcha_url=captcha))
        api.get(captcha, body=b"\x89PNG", content_type="image/png")
        api.get(f"{OPENLOAD_API}/file/dl", json={"status": 403, "msg": "captcha wrong", "result": None})
        with pytest.raises(errors.CaptchaWrong, match="refused the captcha answer 3 times") as caught:
            OpenloadProvider(ProviderSettings("openload")).resolve(
                OPENLOAD_LINK, "openload.co", context(tmp_path, answer="1234")
            )
        dl_calls = [call for call in api.calls if "/file/dl?" in str(call.request.url)]
    assert len(dl_calls) == 3 and all("captcha_response=1234" in str(c.request.url) for c in dl_calls)
    assert caught.value.code == 403


def test_a_ticket_refused_without_a_captcha_is_an_expired_ticket(tmp_path: Path) -> None:
    with responses.RequestsMock() as api:
        api.get(f"{OPENLOAD_API}/file/dlticket", json=ticket())
        api.get(f"{OPENLOAD_API}/file/dl", json={"status": 403, "msg": "ticket invalid", "result": None})
        with pytest.raises(errors.TicketExpired, match="refused its own download tickets 3 times"):
            OpenloadProvider(ProviderSettings("openload")).resolve(
                OPENLOAD_LINK, "openload.co", context(tmp_path)
            )
        assert len(api.calls) == 6  # three tickets, each tried once


def test_family_check_reads_every_status_of_file_info(tmp_path: Path) -> None:
    entries = {
        "on200": {"id": "on200", "status": 200, "name": "a.mp4", "size": "10", "sha1": "ab" * 20},
        "off404": {"id": "off404", "status": 404},
        "law451": {"id": "law451", "status": 451},
        "err500": {"id": "err500", "status": 500},
        "err403": {"id": "err403", "status": 403},
        "nostatus": {"id": "nostatus"},
    }
    urls = [f"https://openload.co/f/{file_id}/x" for file_id in [*entries, "missing"]]
    urls.append("https://openload.co/")
    with responses.RequestsMock() as api:
        api.get(f"{OPENLOAD_API}/file/info", json=ok(entries))
        answers = OpenloadProvider(ProviderSettings("openload")).check(urls, "openload.co", context(tmp_path))
        assert len(api.calls) == 1
    online = answers[0]
    assert isinstance(online, LinkStatus)
    assert (online.state, online.filename, online.size, online.sha1) == (
        LinkState.ONLINE,
        "a.mp4",
        10,
        "ab" * 20,
    )
    assert [a.state for a in answers[1:3] if isinstance(a, LinkStatus)] == [
        LinkState.OFFLINE,
        LinkState.LEGAL,
    ]
    kinds = [(type(a), getattr(a, "code", None)) for a in answers[3:]]
    assert kinds == [
        (errors.ProviderOutage, 500),
        (errors.ResolverError, 403),
        (errors.ProviderOutage, None),
        (errors.ProviderOutage, None),  # missing from the answer
        (errors.BadLink, None),
    ]
    assert "without this file" in str(answers[6])


def test_family_account_lists_what_the_service_said(tmp_path: Path) -> None:
    account = {
        "extid": "extuserid",
        "email": "user@example.com",
        "storage_left": -1,
        "storage_used": "32922117680",
        "traffic": {"left": -1, "used_24h": 0},
        "balance": 0,
    }
    with responses.RequestsMock() as api:
        api.get(f"{OPENLOAD_API}/account/info", json=ok(account))
        info = OpenloadProvider(ProviderSettings("openload", login="l", key="k")).account(context(tmp_path))
    assert (info.provider, info.login, info.type, info.can_download) == ("openload", "l", "registered", True)
    assert dict(info.extra) == {
        "email": "user@example.com",
        "storage_used": "32922117680",
        "storage_left": "-1",
        "traffic_left": "-1",
        "traffic_used_24h": "0",
        "balance": "0.0",
    }


# -- Offcloud's provider --------------------------------------------------------------------------------

OFFCLOUD_API: Final = "https://offcloud.com/api"
MAGNET: Final = "magnet:?xt=urn:btih:" + "0c6b6858d61da9543d4231a71db4b1c9264b0685" + "&dn=Holiday"
HOST_LINK: Final = "https://host.example/f/1"


def offcloud(tmp_path: Path, **extra: Any) -> OffcloudProvider:
    settings = ProviderSettings("offcloud", key="k-test", extra=extra)
    return OffcloudProvider(settings, stored_session=tmp_path / "offcloud-session.json")


def test_offcloud_enabled_as_configured_even_with_a_key(tmp_path: Path) -> None:
    settings = ProviderSettings("offcloud", key="k-test", enabled=False)
    assert not OffcloudProvider(settings, stored_session=None).enabled
    assert list(offcloud(tmp_path).hosters(context(tmp_path))) == []  # no host list: claims() decides


def test_an_instant_answer_without_a_link_goes_to_the_cloud_which_must_name_its_request(
    tmp_path: Path,
) -> None:
    with responses.RequestsMock() as api:
        api.post(f"{OFFCLOUD_API}/instant", json={"requestId": "r1", "status": "created"})
        api.post(f"{OFFCLOUD_API}/cloud", json={"status": "created"})
        with pytest.raises(errors.ProviderOutage, match="answered cloud without a request id"):
            offcloud(tmp_path).resolve(HOST_LINK, "host.example", context(tmp_path))


def downloaded(**fields: Any) -> dict[str, Any]:
    return {"requestId": "r1", "status": "downloaded", **fields}


def test_a_downloaded_folder_gives_every_file(tmp_path: Path) -> None:
    files = [f"https://cdn.example/r1/part{n}.rar" for n in (1, 2, 3)]
    with responses.RequestsMock() as api:
        api.post(f"{OFFCLOUD_API}/cloud", json={"requestId": "r1", "status": "created"})
        api.post(
            f"{OFFCLOUD_API}/cloud/status", json=downloaded(isDirectory=True, url="https://cdn.example/r1")
        )
        api.get(f"{OFFCLOUD_API}/cloud/explore/r1", json=files)
        link = offcloud(tmp_path, cloud_only=["host.example"]).resolve(
            HOST_LINK, "host.example", context(tmp_path)
        )
    assert [(file.url, file.filename) for file in link.files] == [
        (url, url.rsplit("/", 1)[1]) for url in files
    ]
    assert (link.url, link.filename) == ("https://cdn.example/r1", None)


def test_a_folder_that_cannot_be_explored_fails(tmp_path: Path) -> None:
    with responses.RequestsMock() as api:
        api.post(f"{OFFCLOUD_API}/cloud", json={"requestId": "r1", "status": "created"})
        api.post(
            f"{OFFCLOUD_API}/cloud/status", json=downloaded(isDirectory=True, url="https://cdn.example/r1")
        )
        api.get(f"{OFFCLOUD_API}/cloud/explore/r1", json={"error": "Request not found"})
        with pytest.raises(errors.Refused, match="Request not found"):
            offcloud(tmp_path, cloud_only=["host.example"]).resolve(
                HOST_LINK, "host.example", context(tmp_path)
            )


def test_a_magnet_that_cannot_be_explored_is_a_single_file(tmp_path: Path) -> None:
    with responses.RequestsMock() as api:
        api.post(f"{OFFCLOUD_API}/cloud", json={"requestId": "r1", "status": "created"})
        api.post(f"{OFFCLOUD_API}/cloud/status", json=downloaded(url="https://cdn.example/r1/Holiday.mkv"))
        api.get(f"{OFFCLOUD_API}/cloud/explore/r1", json={"error": "Not a directory"})
        link = offcloud(tmp_path).resolve(MAGNET, "magnet", context(tmp_path))
    assert (link.url, link.filename, link.files) == ("https://cdn.example/r1/Holiday.mkv", "Holiday.mkv", ())


def test_a_magnet_of_one_file_gives_that_file(tmp_path: Path) -> None:
    with responses.RequestsMock() as api:
        api.post(f"{OFFCLOUD_API}/cloud", json={"requestId": "r1", "status": "created"})
        api.post(f"{OFFCLOUD_API}/cloud/status", json=downloaded(url="https://cdn.example/r1"))
        api.get(f"{OFFCLOUD_API}/cloud/explore/r1", json=["https://cdn.example/r1/Holiday.mkv"])
        link = offcloud(tmp_path).resolve(MAGNET, "magnet", context(tmp_path))
    assert (link.url, link.filename, link.files) == ("https://cdn.example/r1/Holiday.mkv", "Holiday.mkv", ())


def test_a_download_finished_without_any_link_is_an_outage(tmp_path: Path) -> None:
    with responses.RequestsMock() as api:
        api.post(f"{OFFCLOUD_API}/cloud", json={"requestId": "r1", "status": "created"})
        api.post(f"{OFFCLOUD_API}/cloud/status", json=downloaded())
        with pytest.raises(errors.ProviderOutage, match="finished the download but gave no link"):
            offcloud(tmp_path, cloud_only=["host.example"]).resolve(
                HOST_LINK, "host.example", context(tmp_path)
            )


def test_cloud_progress_is_reported_only_when_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(offcloud_provider, "POLL_FIRST", 0.01)
    reports: list[str] = []
    with responses.RequestsMock() as api:
        api.post(f"{OFFCLOUD_API}/cloud", json={"requestId": "r1", "status": "created"})
        for _ in range(2):
            api.post(f"{OFFCLOUD_API}/cloud/status", json={"requestId": "r1", "status": "queued"})
        api.post(f"{OFFCLOUD_API}/cloud/status", json=downloaded(url="https://cdn.example/r1/a.bin"))
        link = offcloud(tmp_path, cloud_only=["host.example"]).resolve(
            HOST_LINK, "host.example", context(tmp_path, reports=reports)
        )
        assert len(api.calls) == 4
    assert link.url == "https://cdn.example/r1/a.bin"
    assert reports == ["offcloud is fetching it into its cloud (queued)"]


def test_offcloud_checks_magnets_in_its_cache_and_nothing_else(tmp_path: Path) -> None:
    cached = "magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=Cached"
    fresh = "magnet:?xt=urn:btih:" + "cd" * 20
    hashless = "magnet:?dn=no-hash"
    with responses.RequestsMock() as api:
        api.post(f"{OFFCLOUD_API}/cache", json={"cachedItems": ["ab" * 20]})
        answers = offcloud(tmp_path).check([cached, fresh, hashless], "magnet", context(tmp_path))
    assert answers[:2] == [
        LinkStatus(cached, LinkState.ONLINE, "offcloud", "magnet", "Cached", cached=True),
        LinkStatus(fresh, LinkState.UNKNOWN, "offcloud", "magnet", None, cached=False),
    ]
    assert isinstance(answers[2], errors.BadLink)
    assert offcloud(tmp_path).check([HOST_LINK], "host.example", context(tmp_path)) == [
        LinkStatus(HOST_LINK, LinkState.UNKNOWN, "offcloud", "host.example")
    ]


@pytest.mark.parametrize(("logged_in", "kind"), [(1, "registered"), (0, "not logged in")])
def test_offcloud_account_says_whether_the_session_is_logged_in(
    tmp_path: Path, logged_in: int, kind: str
) -> None:
    with responses.RequestsMock() as api:
        api.get(f"{OFFCLOUD_API}/check", json={"loggedIn": logged_in})
        info = offcloud(tmp_path).account(context(tmp_path))
    assert (info.provider, info.type, info.can_download) == ("offcloud", kind, True)


def test_magnets_whose_hash_cannot_be_read_have_none() -> None:
    assert info_hash("magnet://[broken/?xt=urn:btih:" + "ab" * 20) is None  # not a URL at all
    assert info_hash("magnet:?xt=urn:btih:" + "1" * 32) is None  # 32 characters, not base32


def test_a_numeric_proxy_id_in_the_configuration_is_read_as_text(tmp_path: Path) -> None:
    assert offcloud(tmp_path, proxy_id=5).proxy_id == "5"
