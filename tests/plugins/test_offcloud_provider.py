"""The Offcloud provider against a mocked API: the proxy setting, the cloud flow's ends
(error, a download that takes too long), magnets, and what it claims."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import matchers

from linkresolver.plugins.offcloud.provider import OffcloudProvider
from resolver_core import errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings
from resolver_core.http import make_session
from resolver_core.magnets import info_hash
from resolver_core.provider import ResolveContext

API = "https://offcloud.com/api"


def provider(tmp_path: Path, **extra: Any) -> OffcloudProvider:
    settings = ProviderSettings("offcloud", key="k-test", extra=extra)
    return OffcloudProvider(settings, stored_session=tmp_path / "offcloud-session.json")


def context(tmp_path: Path, reports: list[str] | None = None) -> ResolveContext:
    return ResolveContext(
        make_session(retries=0),
        HosterListCache(tmp_path, 1),
        lambda challenge: None,
        threading.Event(),
        reporter=reports.append if reports is not None else None,
    )


def test_the_configured_proxy_goes_with_instant(tmp_path: Path) -> None:
    with responses.RequestsMock() as api:
        api.post(
            f"{API}/instant",
            match=[matchers.urlencoded_params_matcher({"url": "https://host.example/f/1", "proxyId": "5"})],
            json={
                "requestId": "r1",
                "fileName": "f.bin",
                "url": "https://cdn.example/f.bin",
                "status": "created",
            },
        )
        link = provider(tmp_path, proxy_id="5").resolve(
            "https://host.example/f/1", "host.example", context(tmp_path)
        )
    assert link.url == "https://cdn.example/f.bin" and link.filename == "f.bin"


def test_a_cloud_error_ends_the_link_with_its_reason(tmp_path: Path) -> None:
    reports: list[str] = []
    with responses.RequestsMock() as api:
        api.post(f"{API}/cloud", json={"requestId": "r2", "status": "created"})
        api.post(
            f"{API}/cloud/status",
            json={"status": {"requestId": "r2", "status": "downloading", "amount": 5, "fileSize": 10}},
        )
        api.post(
            f"{API}/cloud/status",
            json={"requestId": "r2", "status": "error", "errorMessage": "hoster said no"},
        )
        with pytest.raises(errors.Refused, match="hoster said no") as caught:
            provider(tmp_path, cloud_only=["host.example"]).resolve(
                "https://host.example/f/2", "host.example", context(tmp_path, reports)
            )
    assert caught.value.try_other_provider
    assert reports == ["offcloud is fetching it into its cloud (downloading, 50%)"]


def test_a_cloud_download_that_takes_too_long_is_given_up_with_its_id(tmp_path: Path) -> None:
    with responses.RequestsMock() as api:
        api.post(f"{API}/cloud", json={"requestId": "r3", "status": "created"})
        api.post(f"{API}/cloud/status", json={"status": {"requestId": "r3", "status": "downloading"}})
        slow = provider(tmp_path, cloud_only=["host.example"], cloud_timeout_minutes=0.0001)
        with pytest.raises(errors.ProviderOutage, match="offcloud cloud status r3"):
            slow.resolve("https://host.example/f/3", "host.example", context(tmp_path))


def test_an_instant_error_falls_back_to_the_cloud_but_not_available_does_not(tmp_path: Path) -> None:
    with responses.RequestsMock() as api:
        api.post(f"{API}/instant", json={"error": "Instant is not available for this link"})
        api.post(
            f"{API}/cloud", json={"requestId": "r4", "status": "downloaded", "url": "https://cdn.example/r4"}
        )
        api.post(
            f"{API}/cloud/status",
            json={"requestId": "r4", "status": "downloaded", "url": "https://cdn.example/r4"},
        )
        link = provider(tmp_path).resolve("https://host.example/f/4", "host.example", context(tmp_path))
        assert link.url == "https://cdn.example/r4"
    with responses.RequestsMock() as api:
        api.post(f"{API}/instant", json={"not_available": "premium"})
        with pytest.raises(errors.PaymentRequired, match="premium downloading add-on"):
            provider(tmp_path).resolve("https://host.example/f/5", "host.example", context(tmp_path))


def test_what_it_claims(tmp_path: Path) -> None:
    offcloud = provider(tmp_path)
    assert offcloud.claims("https://www.host.example/f/1") == "host.example"
    assert offcloud.claims("magnet:?xt=urn:btih:" + "ab" * 20) == "magnet"
    assert offcloud.claims("magnet:?dn=no-hash") is None
    assert offcloud.claims("ftp://host.example/x") is None
    assert provider(tmp_path, catch_all=False).claims("https://host.example/f/1") is None
    assert offcloud.checks("magnet") and not offcloud.checks("host.example")


def test_info_hashes_from_hex_and_base32() -> None:
    hex_hash = "0c6b6858d61da9543d4231a71db4b1c9264b0685"
    assert info_hash(f"magnet:?xt=urn:btih:{hex_hash.upper()}&dn=x") == hex_hash
    assert info_hash("magnet:?xt=urn:btih:BRVWQWGWDWUVIPKCGGTR3NFRZETEWBUF") == hex_hash
    assert info_hash("magnet:?xt=urn:sha1:abc") is None
    assert info_hash("magnet:?xt=urn:btih:nothex") is None


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"catch_all": "yes"}, "'catch_all' must be true or false"),
        ({"cloud_only": "mega.nz"}, "'cloud_only' must be a list"),
        ({"cloud_timeout_minutes": 0}, "'cloud_timeout_minutes' must be a number above 0"),
        ({"proxy_id": ["5"]}, "'proxy_id' must be a string"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, extra: dict[str, Any], words: str) -> None:
    with pytest.raises(errors.ConfigError, match=words):
        provider(tmp_path, **extra)
