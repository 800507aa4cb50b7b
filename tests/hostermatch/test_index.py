"""HosterIndex: the public API, owner order, groups, subdomains, IDNA, rejected patterns."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest

from hostermatch import HosterIndex, Match
from hostermatch.analysis import MAX_PATTERN_LENGTH


@pytest.fixture
def index() -> HosterIndex:
    index = HosterIndex()
    index.add(
        "rapidgator", [r"https?://(?:www\.)?(?:rapidgator\.net|rg\.to)/file/(?P<ID>\w+)"], owner="debrid"
    )
    index.add(
        "openload",
        [r"https?://(?:www\.)?(?:openload\.co|oload\.tv)/(?:f|embed)/(?P<ID>[\w-]+)"],
        owner="openload",
        domains=["openload.co", "oload.tv"],
    )
    index.add("rapidgator", [r"(?://|\.)(rapidgator\.net)/file/([a-z0-9]+)"], owner="offcloud")
    index.add("openload", [r"https?://openload\.co/f/[\w-]+"], owner="debrid")
    return index


def test_match_gives_owner_hoster_pattern_and_groups(index: HosterIndex) -> None:
    matches = index.match("https://rapidgator.net/file/abc123")
    assert [(m.owner, m.hoster) for m in matches] == [("debrid", "rapidgator"), ("offcloud", "rapidgator")]
    first = matches[0]
    assert first.pattern.startswith("https?://")
    assert first.named_groups == {"ID": "abc123"}
    assert first.groups == ("abc123",)
    assert matches[1].groups == ("rapidgator.net", "abc123")
    assert matches[1].named_groups == {}


def test_match_is_a_frozen_dataclass(index: HosterIndex) -> None:
    match = index.match("https://rg.to/file/x")[0]
    assert isinstance(match, Match)
    assert dataclasses.is_dataclass(match)
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.owner = "other"  # type: ignore[misc]


def test_owner_order_is_first_insertion_not_hoster_order(index: HosterIndex) -> None:
    # "debrid" was added first, so it comes first even for a hoster it was added second for.
    owners = [m.owner for m in index.match("https://openload.co/f/AbC-1")]
    assert owners == ["debrid", "openload"]


def test_subdomains_only_where_the_pattern_allows_them(index: HosterIndex) -> None:
    assert [m.owner for m in index.match("https://eu3.rapidgator.net/file/abc")] == ["offcloud"]
    assert [m.owner for m in index.match("https://www.rapidgator.net/file/abc")] == ["debrid", "offcloud"]


def test_hosts_are_case_insensitive_and_ports_and_userinfo_handled(index: HosterIndex) -> None:
    assert len(index.match("HTTPS://WWW.RAPIDGATOR.NET/file/abc")) == 2
    assert len(index.match("https://rapidgator.net:443/file/abc")) == 2
    assert index.match("https://rapidgator.net:8443/file/abc") == []  # the patterns forbid it


def test_idna_hosts() -> None:
    index = HosterIndex()
    index.add("bücher", [r"https?://(?:www\.)?xn--bcher-kva\.de/f/(\w+)"], owner="p")
    assert [m.hoster for m in index.match("https://bücher.de/f/abc")] == ["bücher"]
    assert [m.hoster for m in index.match("https://xn--bcher-kva.de/f/abc")] == ["bücher"]
    assert index.match("https://bucher.de/f/abc") == []


def test_non_ascii_path_is_percent_encoded_as_a_browser_sends_it(index: HosterIndex) -> None:
    match = index.match("https://openload.co/f/abc/Fïlm.mkv")[0]
    assert match.url == "https://openload.co/f/abc/F%C3%AFlm.mkv"


def test_hosters_and_domains(index: HosterIndex) -> None:
    infos = {(h.owner, h.hoster): h for h in index.hosters()}
    assert set(infos) == {
        ("debrid", "rapidgator"),
        ("openload", "openload"),
        ("offcloud", "rapidgator"),
        ("debrid", "openload"),
    }
    assert {"openload.co", "oload.tv", "www.oload.tv"} <= set(infos["openload", "openload"].domains)
    assert {"rapidgator.net", "rg.to", "www.rg.to", "oload.tv"} <= index.domains()


def test_hostless_links_reach_fallback_patterns() -> None:
    index = HosterIndex()
    index.add("magnet", [r"magnet:\?xt=urn:btih:(?P<HASH>[0-9a-fA-F]{40})"], owner="offcloud")
    link = "magnet:?xt=urn:btih:" + "ab" * 20
    assert [m.named_groups["HASH"] for m in index.match(link)] == ["ab" * 20]


def test_fallback_patterns_match_any_host_in_owner_order() -> None:
    index = HosterIndex()
    index.add("generic", [r"https?://[^/]+/download/(\d+)"], owner="a")
    index.add("site", [r"https?://site\.example/download/\d+"], owner="b")
    index.add("generic2", [r"https?://[^/]+/download/\d+"], owner="c")
    assert [m.owner for m in index.match("https://site.example/download/42")] == ["a", "b", "c"]
    assert [m.owner for m in index.match("https://other.example/download/42")] == ["a", "c"]


def test_pcre_escaped_slashes_are_plain_slashes() -> None:
    index = HosterIndex()
    index.add("datei", [r"http:\/\/datei\.example\/file\/.+"], owner="p")
    assert len(index.match("http://datei.example/file/x")) == 1


def test_bad_patterns_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    index = HosterIndex()
    patterns: list[Any] = [  # remote lists hold anything: a number where a regex belongs
        "https?://broken\\.example/(",
        "x" * (MAX_PATTERN_LENGTH + 1),
        "https?://ok\\.example/f/\\w+",
        42,
    ]
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        added = index.add("broken", patterns, owner="p")
    assert added == 1
    assert [r.hoster for r in index.rejected] == ["broken"] * 3
    assert "does not compile" in index.rejected[0].reason
    assert "characters long" in index.rejected[1].reason
    assert "not a string" in index.rejected[2].reason
    assert all("broken" in message for message in caplog.messages)
    assert len(index.match("https://ok.example/f/abc")) == 1


def test_duplicate_patterns_are_added_once() -> None:
    index = HosterIndex()
    assert index.add("h", [r"https?://h\.example/\w+", r"https?://h\.example/\w+"], owner="p") == 1
    assert len(index) == 1


def test_adding_after_matching_invalidates_cached_buckets(index: HosterIndex) -> None:
    assert index.match("https://new.example/f/1") == []
    index.add("new", [r"https?://new\.example/f/\d+"], owner="late")
    assert [m.owner for m in index.match("https://new.example/f/1")] == ["late"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "not a url",
        "http://",
        "://x",
        "https://[::1/x",
        "https://a:b:c/x",
        "https://exa mple.com/",
        "\x00",
        "https://" + "a" * 20_000,
    ],
)
def test_garbage_matches_nothing(index: HosterIndex, text: str) -> None:
    assert index.match(text) == []


def test_long_urls_run_on_re2_with_the_same_answer(index: HosterIndex) -> None:
    url = "https://rapidgator.net/file/abc?" + "x" * 8_000
    assert [m.owner for m in index.match(url)] == ["debrid", "offcloud"]
    assert index.match(url)[0].named_groups == {"ID": "abc"}


def test_matches_equal_ones_built_by_the_dataclass_constructor(index: HosterIndex) -> None:
    # The index builds Match objects through the slot descriptors, for speed: they must be
    # indistinguishable from constructor-built ones, whatever fields Match gains later.
    assert [f.name for f in dataclasses.fields(Match)] == ["owner", "hoster", "pattern", "url", "_compiled"]
    found = index.match("https://rg.to/file/x")[0]
    rebuilt = Match(found.owner, found.hoster, found.pattern, found.url, found._compiled)
    assert found == rebuilt
    assert repr(found) == repr(rebuilt)
    assert hash(found) == hash(rebuilt)


@pytest.mark.parametrize("url", ["https://:²", "https://rapidgator.net:²/file/abc", "https://[::1]:٣/x"])
def test_non_ascii_digits_are_not_a_port(index: HosterIndex, url: str) -> None:
    # str.isdigit() says yes to "²" and "٣"; a port is ASCII digits only (found by hypothesis).
    assert index.match(url) == []


def test_a_host_that_six_lists_serve_in_two_notations_matches_by_what_each_pattern_says() -> None:
    """Each list's pattern runs once per notation; the answers, kept per combination of
    patterns that hit, are each list's in owner order, whichever combination comes first."""
    index = HosterIndex()
    for number, owner in enumerate("abcdef"):
        pattern = (
            r"(?i)https?://katfile\.com/(?:file|f)/\w+" if number % 2 else r"https?://katfile\.com/file/\w+"
        )
        index.add("katfile.com", [pattern], owner=owner)
    links = ["https://katfile.com/F/abc", "https://katfile.com/file/abc", "https://katfile.com/x/abc"] * 2
    assert [[m.owner for m in index.match(link)] for link in links] == [
        ["b", "d", "f"],
        ["a", "b", "c", "d", "e", "f"],
        [],
    ] * 2
    first = index.match(links[1])
    first.clear()  # the caller's list: the next link's answer is whole
    assert {m.url for m in index.match("https://katfile.com/file/xyz")} == {"https://katfile.com/file/xyz"}
    assert len(index.match(links[1])) == 6
