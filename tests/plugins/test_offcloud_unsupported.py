"""Offcloud saying a link is not supported: the link is unsupported there, not failed, and the
next provider is asked. Seed 004 words no such answer; Offcloud says "This URL is not
supported.", the sandbox "Unsupported link"."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import responses

from linkresolver.plugins.offcloud.client import NotSupported, OffcloudClient
from linkresolver.plugins.offcloud.provider import OffcloudProvider
from resolver_core import errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings
from resolver_core.factory import build_resolver
from resolver_core.http import make_session
from resolver_core.manager import make_plugin_manager
from resolver_core.models import ResolvedLink
from resolver_core.pipeline import Resolver
from resolver_core.provider import ResolveContext
from resolver_core.records import outcome_json
from tests.builtins import without_builtins
from tests.resolver_core.fakes import ProvidersPlugin, ScriptedProvider, empty_config

API = "https://offcloud.com/api"
LINK = "https://rapidgator.net/file/abc"
SAYINGS = ["This URL is not supported.", "Unsupported link", "This host is not supported"]


def offcloud(tmp_path: Path, priority: int = 1) -> OffcloudProvider:
    settings = ProviderSettings("offcloud", key="k-test", priority=priority)
    return OffcloudProvider(settings, stored_session=tmp_path / "offcloud-session.json")


def resolver(tmp_path: Path, *providers: object) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*providers)],  # type: ignore[arg-type]
        env=without_builtins(),
    )
    return build_resolver(empty_config(tmp_path), pm=pm, session=make_session(retries=0))


@pytest.mark.parametrize("said", SAYINGS)
def test_an_answer_that_the_link_is_not_supported_is_an_unsupported_link(
    api: responses.RequestsMock, said: str
) -> None:
    api.post(f"{API}/instant", json={"error": said})
    with pytest.raises(errors.UnsupportedLink) as caught:
        OffcloudClient(make_session(retries=0), API, key="k-test").instant(LINK)
    error = caught.value
    assert isinstance(error, NotSupported) and error.kind == "unsupported"
    assert error.try_other_provider  # another provider may serve it
    assert (error.provider, error.link) == ("offcloud", LINK)
    assert f'offcloud does not support this link (it said "{said}")' in error.for_person()


@pytest.mark.parametrize(
    "said", ["Instant download is not available for this link, try the cloud.", "Archive type not supported"]
)
def test_other_refusals_stay_refusals(api: responses.RequestsMock, said: str) -> None:
    api.post(f"{API}/instant", json={"error": said})
    with pytest.raises(errors.Refused):
        OffcloudClient(make_session(retries=0), API, key="k-test").instant(LINK)


def test_an_unsupported_link_is_not_sent_to_the_cloud(tmp_path: Path, api: responses.RequestsMock) -> None:
    api.post(f"{API}/instant", json={"error": "This URL is not supported."})  # and no cloud call
    ctx = ResolveContext(
        make_session(retries=0), HosterListCache(tmp_path, 1), lambda c: None, threading.Event()
    )
    with pytest.raises(NotSupported):
        offcloud(tmp_path).resolve(LINK, "rapidgator.net", ctx)


def test_the_next_provider_serves_a_link_offcloud_does_not_support(tmp_path: Path) -> None:
    other = ScriptedProvider("other", 2)
    with responses.RequestsMock() as api:
        api.post(f"{API}/instant", json={"error": "This URL is not supported."})
        outcome = resolver(tmp_path, offcloud(tmp_path, priority=1), other).resolve_one(LINK)
        assert len(api.calls) == 1  # instant only: neither its cloud nor a second try
    assert outcome.status == "ok" and outcome.provider == "other"
    assert other.calls == [LINK]


def test_a_link_that_every_provider_says_it_does_not_support_is_unsupported(tmp_path: Path) -> None:
    with responses.RequestsMock() as api:
        api.post(f"{API}/instant", json={"error": "Unsupported link"})
        outcome = resolver(tmp_path, offcloud(tmp_path)).resolve_one("https://example.com/a")
    assert isinstance(outcome.error, errors.UnsupportedLink)
    assert outcome_json(outcome)["status"] == "unsupported"


class Unserving(ScriptedProvider):
    """A provider that, like Offcloud, answers that it does not serve the link."""

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        self.calls.append(url)
        raise NotSupported("does not support this link", provider=self.name, link=url)


def test_a_link_that_two_providers_say_they_do_not_serve_is_unsupported_naming_both(tmp_path: Path) -> None:
    first, second = Unserving("first", 1), Unserving("second", 2)
    outcome = resolver(tmp_path, first, second).resolve_one(LINK)
    assert first.calls == second.calls == [LINK]
    assert outcome.status == "unsupported" and isinstance(outcome.error, errors.UnsupportedLink)
    said = outcome.error.for_person()
    assert "first does not support this link" in said and "second does not support this link" in said


def test_one_unsupported_and_one_failure_is_an_error(tmp_path: Path) -> None:
    """Only when every provider asked said so is the link unsupported: a quota elsewhere is a
    failure that time may mend."""
    outcome = resolver(tmp_path, Unserving("first", 1), ScriptedProvider("other", 2)).resolve_one(
        "https://rapidgator.net/file/err509"
    )
    assert outcome.status == "error" and outcome_json(outcome)["status"] == "error"


GONE = ["File not found at the hoster.", "The file was deleted", "This link does not exist"]


@pytest.mark.parametrize("said", GONE)
def test_an_answer_that_the_file_is_gone_is_a_dead_file(api: responses.RequestsMock, said: str) -> None:
    """A debrid service cannot fetch a file that is dead at its host: when it says so, the
    link is offline (definitive), not "refused" (the soak met a dead link that the file
    host's own API could not be asked about and that Offcloud's emulation resolved)."""
    api.post(f"{API}/instant", json={"error": said})
    with pytest.raises(errors.FileOffline) as caught:
        OffcloudClient(make_session(retries=0), API, key="k-test").instant(LINK)
    assert caught.value.kind == "offline"
    assert f'offcloud says the file is gone at the hoster (it said "{said}")' in caught.value.for_person()


@pytest.mark.parametrize(
    "said", ["Not found", "Quota not found for this account", "Archive type not supported"]
)
def test_other_answers_stay_refusals(api: responses.RequestsMock, said: str) -> None:
    api.post(f"{API}/instant", json={"error": said})
    with pytest.raises(errors.Refused):
        OffcloudClient(make_session(retries=0), API, key="k-test").instant(LINK)
