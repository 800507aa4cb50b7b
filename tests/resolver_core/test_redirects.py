"""Redirects that leave the web are refused: a direct link (or an API) that redirects to a
``file:`` URL, or from a public host to this machine or its network, never gets followed."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
import requests
import responses

from resolver_core.download import download_file
from resolver_core.download.fetch import DownloadFailed
from resolver_core.errors import ProviderOutage
from resolver_core.http import RedirectRefused, check_redirect, get_json, make_session

PUBLIC = "https://cdn.example/dl/abc/file.bin"


@pytest.mark.parametrize(
    "target",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "ftp://cdn.example/file.bin",
        "gopher://127.0.0.1:6800/_x",
        "data:text/plain,hello",
        "http://127.0.0.1:6800/jsonrpc",  # aria2's RPC
        "http://localhost:9666/flash/add",  # Click'n'Load
        "http://api.localhost/",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0:8000/",
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://192.168.1.1/admin",
        "http://10.0.0.5/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[fe80::1]/",
        "http://LOCALHOST./",
        # Escapes that requests decodes before it sends (requote_uri): judged as sent.
        "http://%31%32%37.0.0.1:6800/jsonrpc",
        "http://%6c%6fcalhost:9666/",
        "http://1%32%37.1/",
    ],
)
def test_refused_from_a_public_link(target: str) -> None:
    with pytest.raises(RedirectRefused):
        check_redirect(PUBLIC, target)


@pytest.mark.parametrize(
    "target", ["https://other-cdn.example/f", "http://93.184.216.34/f", "https://[2606:4700::1111]/f"]
)
def test_public_targets_are_followed(target: str) -> None:
    check_redirect(PUBLIC, target)


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:5000/files/x", "http://localhost/x", "http://192.168.1.20/x"]
)
def test_a_link_on_this_machine_may_stay_there(origin: str) -> None:
    check_redirect(origin, "http://127.0.0.1:6800/elsewhere")
    with pytest.raises(RedirectRefused):
        check_redirect(origin, "file:///etc/passwd")  # never, from anywhere


def test_a_direct_link_redirecting_to_loopback_is_not_downloaded(tmp_path: Path) -> None:
    with responses.RequestsMock() as mocked:
        mocked.get(PUBLIC, status=302, headers={"Location": "http://127.0.0.1:6800/jsonrpc"})
        with pytest.raises(DownloadFailed) as raised:
            download_file(make_session(), PUBLIC, tmp_path, link="https://rapidgator.net/file/x")
        assert [call.request.url for call in mocked.calls] == [PUBLIC]  # 127.0.0.1 never asked
    assert "refused a redirect from cdn.example to 127.0.0.1" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_a_redirect_to_a_file_url_is_refused_at_the_second_hop(tmp_path: Path) -> None:
    with responses.RequestsMock() as mocked:
        mocked.get(PUBLIC, status=302, headers={"Location": "https://mirror.example/f"})
        mocked.get("https://mirror.example/f", status=301, headers={"Location": "file:///etc/passwd"})
        with pytest.raises(DownloadFailed, match="refused a redirect to a file: URL"):
            download_file(make_session(), PUBLIC, tmp_path, link="https://rapidgator.net/file/x")
    assert list(tmp_path.iterdir()) == []


def test_a_direct_link_that_is_not_http_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DownloadFailed, match="is a file: URL, not http"):
        download_file(make_session(), "file:///etc/passwd", tmp_path, link="https://rapidgator.net/file/x")


def test_a_public_redirect_is_followed_and_the_file_saved(tmp_path: Path) -> None:
    body = b"payload" * 1000
    with responses.RequestsMock() as mocked:
        mocked.get(PUBLIC, status=302, headers={"Location": "https://mirror.example/file.bin"})
        mocked.get("https://mirror.example/file.bin", body=body)
        saved = download_file(
            make_session(),
            PUBLIC,
            tmp_path,
            link="https://rapidgator.net/file/x",
            sha1=hashlib.sha1(body).hexdigest(),
        )
    assert saved.path.read_bytes() == body and saved.verified


def test_an_api_redirected_to_loopback_is_an_outage_not_a_request() -> None:
    with responses.RequestsMock() as mocked:
        mocked.get(
            "https://api.example/v1", status=302, headers={"Location": "http://127.0.0.1:6800/jsonrpc"}
        )
        with pytest.raises(ProviderOutage, match="refused a redirect"):
            get_json(make_session(), "https://api.example/v1", provider="prov")
        assert len(mocked.calls) == 1


def test_a_download_is_saved_as_served_never_inflated(tmp_path: Path) -> None:
    """A file server that gzips anyway: the bytes on disk are the bytes served (and the
    sha1 of the real file then says they are not it), nothing inflates in memory."""
    body = gzip.compress(b"\0" * (8 << 20))  # 8 MiB of zeros in about 8 KiB
    with responses.RequestsMock() as mocked:
        mocked.get(PUBLIC, body=body, headers={"Content-Encoding": "gzip"})
        saved = download_file(make_session(), PUBLIC, tmp_path, link="https://rapidgator.net/file/x")
        assert mocked.calls[0].request.headers["Accept-Encoding"] == "identity"
    assert saved.path.stat().st_size == len(body)


def test_requests_alone_would_have_followed() -> None:
    """The guard is ours: a plain requests session follows the same redirect (so the tests
    above prove something)."""
    with responses.RequestsMock() as mocked:
        mocked.get(PUBLIC, status=302, headers={"Location": "http://127.0.0.1:6800/jsonrpc"})
        mocked.get("http://127.0.0.1:6800/jsonrpc", body="rpc")
        assert requests.get(PUBLIC, timeout=5).text == "rpc"


@pytest.mark.parametrize("location", ["http://%31%32%37.0.0.1:6800/jsonrpc", "http://%6c%6fcalhost:6800/"])
def test_an_escaped_loopback_address_is_refused_as_requests_would_send_it(location: str) -> None:
    """requests turns "%31%32%37.0.0.1" into 127.0.0.1 after reading the Location: a check of
    the header as written let it through to the machine's own services."""
    with responses.RequestsMock() as mocked:
        mocked.get("https://api.example/v1", status=302, headers={"Location": location})
        with pytest.raises(ProviderOutage, match=r"refused a redirect from api\.example to"):
            get_json(make_session(retries=0), "https://api.example/v1", provider="prov")
        assert len(mocked.calls) == 1


@pytest.mark.parametrize("location", ["http://[::1", "http://[%3a%3a1]/", "http://host:99999/"])
def test_a_malformed_location_is_a_refusal_not_a_value_error(location: str, tmp_path: Path) -> None:
    """urllib raises a bare ValueError on these; it escaped every caller, the CLI included."""
    with responses.RequestsMock() as mocked:
        mocked.get("https://api.example/v1", status=302, headers={"Location": location})
        mocked.get(PUBLIC, status=302, headers={"Location": location})
        with pytest.raises(ProviderOutage, match="malformed URL"):
            get_json(make_session(retries=0), "https://api.example/v1", provider="prov")
        with pytest.raises(DownloadFailed, match="malformed URL"):
            download_file(make_session(retries=0), PUBLIC, tmp_path, link="https://rapidgator.net/file/x")
    assert list(tmp_path.iterdir()) == []
