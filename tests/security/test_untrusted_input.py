"""Hostile URLs at every layer a user reaches: link extraction, the hoster index, the
pipeline (with in-process fakes and with the real Premiumize plugin), the HTTP layer and
downloads. (The command line: tests/e2e/test_untrusted_cli.py.)

Expected: a 10,000-character link is a link like any other; control characters (NUL,
CR/LF, TAB, DEL, C1 controls, bidirectional overrides) end a link in pasted text and never
reach an HTTP request line or header; a look-alike of a supported hoster (Cyrillic or Greek
letters, their ``xn--`` forms, an invisible joiner, ``ß``) is never taken for it, while what
IDNA and browsers map to the very same host (upper case, a trailing dot, full-width dots and
letters) is that host; and every hostile link ends as a per-link outcome, never an exception.
"""

from __future__ import annotations

import contextlib
import json
import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import idna
import pytest
import requests
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostermatch import HosterIndex, extract_links
from hostermatch.urls import split_url
from resolver_core.config import Config, ProviderSettings
from resolver_core.download import download_file
from resolver_core.download.fetch import DownloadFailed
from resolver_core.factory import build_resolver
from resolver_core.http import make_session
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Resolver

from ..resolver_core.fakes import RAPIDGATOR, ProvidersPlugin, ScriptedProvider, empty_config
from .conftest import HostileServer

LINK = "https://rapidgator.net/file/abc123"
LONG_LINK = "https://rapidgator.net/file/" + "a" * (10_000 - len("https://rapidgator.net/file/"))

#: Characters no link may carry raw: C0 controls, DEL, C1 controls, and the invisible
#: bidirectional and format controls that reorder or hide text on a terminal.
CONTROLS = {
    "NUL": "\x00",
    "CR": "\r",
    "LF": "\n",
    "CRLF": "\r\n",
    "TAB": "\t",
    "ESC": "\x1b",
    "DEL": "\x7f",
    "NEL (C1)": "\x85",
    "CSI (C1)": "\x9b",
    "RLO": "\u202e",
    "LRI": "\u2066",
    "RLM": "\u200f",
    "BOM": "\ufeff",
    "WORD JOINER": "\u2060",
}


def forbidden(char: str) -> bool:
    """A character that must not appear raw in a link, a request line or a header."""
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def rapidgator_index() -> HosterIndex:
    index = HosterIndex()
    index.add(RAPIDGATOR.name, RAPIDGATOR.patterns, owner="debrid", domains=RAPIDGATOR.domains)
    return index


# -- extraction ----------------------------------------------------------------------------


def test_a_ten_thousand_character_link_is_found_whole() -> None:
    assert extract_links(f"see {LONG_LINK} there") == [LONG_LINK]
    assert [m.hoster for m in rapidgator_index().match(LONG_LINK)] == ["rapidgator.net"]


@pytest.mark.parametrize("control", CONTROLS.values(), ids=CONTROLS.keys())
def test_a_control_character_ends_a_link(control: str) -> None:
    text = f"{LINK}{control}X-Injected: 1 https://rg.to/file/def{control}"
    links = extract_links(text)
    assert links == [LINK, "https://rg.to/file/def"]


def test_a_nul_separated_list_is_a_list_of_links() -> None:
    assert extract_links("\x00".join([LINK, "https://rg.to/file/x", ""])) == [LINK, "https://rg.to/file/x"]


def test_an_rtl_override_cannot_disguise_a_link() -> None:
    """ "https://evil.example/\u202egpj.exe" shows as ".../exe.jpg"; the link stops there."""
    assert extract_links("https://evil.example/file\u202egpj.exe") == ["https://evil.example/file"]


HOSTILE_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=()),
        st.sampled_from(
            [*"htps:/.rapidgator.net/file/abc", *"".join(CONTROLS.values()), "\ud800", "\udcff", "\uff0e"]
        ),
    ),
    max_size=400,
)


@settings(
    deadline=timedelta(seconds=1),
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(HOSTILE_TEXT)
def test_no_extracted_link_carries_a_control_and_nothing_raises(text: str) -> None:
    index = rapidgator_index()
    for link in extract_links(text, known_domains=index.domains()):
        # Undecodable bytes (lone surrogates) stay in a link: cut there, it would be another
        # file's link; whole, no hoster matches it and it is reported unsupported.
        assert not any(forbidden(char) for char in link if unicodedata.category(char) != "Cs"), repr(link)
        index.match(link)
    index.match(text)  # never raises for any str, hostile or not a URL at all
    split_url(text)


# -- the index: look-alikes are not the hoster; equivalents are ------------------------------


def punycode(host: str) -> str:
    return idna.encode(host, uts46=True, transitional=False).decode()


CYRILLIC_HOST = "r\u0430pidgator.net"
GREEK_HOST = "rapidgat\u03bfr.net"
LOOK_ALIKES = {
    "Cyrillic a": "https://r\u0430pidgator.net/file/abc123",
    "Cyrillic p and a": "https://\u0440\u0430pidgator.net/file/abc123",
    "Greek omicron": "https://rapidgat\u03bfr.net/file/abc123",
    "Cyrillic, punycode": f"https://{punycode(CYRILLIC_HOST)}/file/abc123",
    "Greek, punycode": f"https://{punycode(GREEK_HOST)}/file/abc123",
    "Cyrillic TLD": "https://rapidgator.n\u0435t/file/abc123",
    "zero-width joiner": "https://rapid\u200dgator.net/file/abc123",
    "zero-width non-joiner": "https://rapid\u200cgator.net/file/abc123",
    "sharp s (IDNA 2003 made it ss)": "https://rapidga\u00dfor.net/file/abc123",
    "RTL override": "https://\u202eten.rotagdipar/file/abc123",
    "subdomain of another": "https://rapidgator.net.evil.example/file/abc123",
    "full-width dot before another": "https://rapidgator.net\uff0eevil.example/file/abc123",
    "user info": "https://rapidgator.net@evil.example/file/abc123",
    "escaped dot": "https://rapidgator%2enet/file/abc123",
    "NUL in the host": "https://rapidgator.net\x00.evil.example/file/abc123",
    "in the query": "https://evil.example/?u=https://rapidgator.net/file/abc123",
    "backslash host end": "https://evil.example\\@rapidgator.net/file/abc123",
}
EQUIVALENTS = {
    "upper case": "HTTPS://RAPIDGATOR.NET/file/abc123",
    "full-width dot": "https://rapidgator\uff0enet/file/abc123",
    "ideographic full stop": "https://rapidgator\u3002net/file/abc123",
    "full-width letters": "https://\uff52\uff41\uff50\uff49\uff44gator.net/file/abc123",
    "soft hyphen": "https://rapid\u00adgator.net/file/abc123",
    "default port": "https://rapidgator.net:443/file/abc123",
}


@pytest.mark.parametrize("url", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_a_look_alike_is_never_the_hoster(url: str) -> None:
    assert rapidgator_index().match(url) == []


@pytest.mark.parametrize("url", EQUIVALENTS.values(), ids=EQUIVALENTS.keys())
def test_what_idna_maps_to_the_same_host_is_that_host(url: str) -> None:
    """Browsers (UTS #46) send these to rapidgator.net itself: not look-alikes."""
    assert [m.hoster for m in rapidgator_index().match(url)] == ["rapidgator.net"]


def test_a_trailing_dot_is_kept_and_never_another_hoster() -> None:
    """ "rapidgator.net." is rapidgator.net to DNS; the URL is kept as given, so a pattern
    that writes "rapidgator\\.net/" does not match it: unsupported, never someone else's."""
    assert rapidgator_index().match("https://rapidgator.net./file/abc123") == []


def test_look_alike_domains_from_a_hoster_list_are_their_own() -> None:
    """A list naming "r\u0430pidgator.net" names that (other) domain, in its xn-- form."""
    index = HosterIndex()
    index.add("fake", [r"https?://xn--rpidgator-0yh\.net/.+"], owner="p", domains=["r\u0430pidgator.net"])
    assert "xn--rpidgator-0yh.net" in index.domains() and "rapidgator.net" not in index.domains()
    assert index.match(LINK) == []


# -- the pipeline, in process ---------------------------------------------------------------


def fake_resolver(tmp_path: Path) -> tuple[Resolver, ScriptedProvider]:
    provider = ScriptedProvider("debrid", 10)
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(provider)],
        env={"LINKRESOLVER_DISABLE_PLUGINS": "premiumize,offcloud,openload_family"},
    )
    return build_resolver(empty_config(tmp_path), pm=pm), provider


def test_pasted_text_with_controls_gives_clean_links(tmp_path: Path) -> None:
    resolver, _ = fake_resolver(tmp_path)
    text = f"{LINK}\x1b[2J\u202e rg.to/file/x\x00{LONG_LINK}\r\nhttps://r\u0430pidgator.net/file/y"
    links = resolver.links_in([text])
    assert links == [LINK, LONG_LINK, "https://r\u0430pidgator.net/file/y"]
    outcomes = resolver.resolve_many(links)
    assert [o.status for o in outcomes] == ["ok", "ok", "unsupported"]
    assert outcomes[2].error is not None
    assert "no enabled provider serves this link" in outcomes[2].error.for_person()


@pytest.mark.parametrize("url", [*LOOK_ALIKES.values(), "https://rapidgator.net/file/\udcff\udcfe"])
def test_the_pipeline_never_resolves_a_look_alike(tmp_path: Path, url: str) -> None:
    resolver, provider = fake_resolver(tmp_path)
    outcome = resolver.resolve_many([url])[0]
    assert outcome.status == "unsupported" and provider.calls == []


# -- the real plugin: what reaches the wire -------------------------------------------------

API = "https://api.premiumize.example/pm-api/v1.php"
HOSTERLIST = {
    "hosters": {
        "rapidgator.net": {
            "tlds": ["rapidgator.net", "rg.to"],
            "regexes": [r"https?:\/\/(www\.)?(rapidgator\.net|rg\.to)\/file\/[0-9a-zA-Z]+"],
        }
    }
}
INJECTIONS = {
    "CRLF header": LINK + "\r\nX-Injected: 1",
    "CRLF request line": LINK + " HTTP/1.1\r\nHost: evil.example\r\n\r\nGET /",
    "NUL": LINK + "\x00evil",
    "TAB and DEL": LINK + "\t\x7f",
    "C1 and bidi": LINK + "\x85\x9b\u202e",
    "ten thousand characters": LONG_LINK,
    "in the user info": "https://a\r\nb@rapidgator.net/file/abc123",
}


def premiumize_resolver(tmp_path: Path, api_base: str) -> Resolver:
    config = Config(
        path=None,
        providers={"premiumize": ProviderSettings("premiumize", login="123", key="pin", api_base=api_base)},
        cache_dir=tmp_path / "cache",
    )
    pm = make_plugin_manager(
        load_entry_points=False, env={"LINKRESOLVER_DISABLE_PLUGINS": "offcloud,openload_family"}
    )
    return build_resolver(config, pm=pm, session=make_session(retries=0))


def pm_answer(query: dict[str, list[str]]) -> dict[str, Any]:
    if query["method"] == ["hosterlist"]:
        return {"status": 200, "result": HOSTERLIST}
    return {"status": 200, "result": {"location": "https://dl.premiumize.example/f/1", "filename": "f.bin"}}


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:

        def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            return 200, {}, json.dumps(pm_answer(parse_qs(urlsplit(str(request.url)).query)))

        mock.add_callback(responses.GET, API, callback=answer)
        yield mock


@pytest.mark.parametrize("link", INJECTIONS.values(), ids=INJECTIONS.keys())
def test_controls_never_reach_a_request_line_or_header(
    api: responses.RequestsMock, tmp_path: Path, link: str
) -> None:
    outcome = premiumize_resolver(tmp_path, API).resolve_many([link])[0]
    assert outcome.status in ("ok", "error", "unsupported")
    assert api.calls
    for call in api.calls:
        request = call.request
        assert not any(forbidden(char) or char == " " for char in str(request.url)), request.url
        for name, value in request.headers.items():
            assert not any(forbidden(char) for char in f"{name}{value}"), (name, value)
    asked = [parse_qs(urlsplit(str(c.request.url)).query).get("params[link]") for c in api.calls]
    if outcome.status == "ok":
        assert [link] in asked  # the link itself, percent-encoded on the way, intact on arrival


@pytest.fixture
def pm_on_the_wire(hostile: HostileServer) -> str:
    def answer(request: str) -> bytes:
        return json.dumps(pm_answer(parse_qs(urlsplit(request).query))).encode()

    return hostile.answer("/pm-api/v1.php", answer, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("link", INJECTIONS.values(), ids=INJECTIONS.keys())
def test_controls_never_reach_the_wire(
    hostile: HostileServer, pm_on_the_wire: str, tmp_path: Path, link: str
) -> None:
    """The same, on a real socket: the bytes of every request line and header as received."""
    premiumize_resolver(tmp_path, pm_on_the_wire).resolve_many([link])
    assert hostile.seen
    for seen in hostile.seen:
        line = seen.request_line.rstrip(b"\r\n")
        assert all(0x21 <= byte < 0x7F or byte == 0x20 for byte in line), line
        assert line.count(b" ") == 2, line  # method, target, version: nothing smuggled
        assert "X-Injected" not in {name for name, _ in seen.headers}
        assert all(not any(forbidden(char) for char in value) for _, value in seen.headers)


def test_a_direct_link_with_crlf_is_requested_encoded(hostile: HostileServer, tmp_path: Path) -> None:
    """The provider's answer is untrusted too: its direct link goes on the wire encoded."""
    hostile.serve("/f/x", b"content")
    direct = hostile.url("/f/x") + "\r\nX-Injected: 1"
    with contextlib.suppress(DownloadFailed):  # refused, or not found: nothing injected either way
        download_file(make_session(retries=0), direct, tmp_path, link=LINK)
    assert hostile.seen
    assert all("X-Injected" not in {name for name, _ in seen.headers} for seen in hostile.seen)
    assert all(b"\r\nX" not in seen.request_line for seen in hostile.seen)


def test_provider_headers_with_crlf_are_refused_before_sending(
    hostile: HostileServer, tmp_path: Path
) -> None:
    url = hostile.serve("/f/y", b"content")
    with pytest.raises(DownloadFailed):
        download_file(
            make_session(retries=0), url, tmp_path, link=LINK, headers={"Cookie": "a=1\r\nX-Injected: 1"}
        )
    assert hostile.seen == []
