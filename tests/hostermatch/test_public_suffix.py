"""A hoster pattern may not claim a whole public suffix: all of co.uk or github.io is
nobody's hoster, as all of .net is not (the Public Suffix List decides)."""

from __future__ import annotations

from typing import Any

import pytest

from hostermatch import HosterIndex
from hostermatch.analysis import analyse
from hostermatch.publicsuffix import is_public_suffix
from hostermatch.untrusted import read_hosters

HOSTILE_LIST = {
    "hosters": {
        "uk-wide": {"tlds": ["co.uk"], "regexes": [".*"]},
        "pages-wide": {"tlds": ["github.io"], "regexes": [r"https?://[^/]+/"]},
        "net-wide": {"tlds": ["net"], "regexes": [".*"]},
        "suffix-pattern": {"regexes": [r"https?://(?:[\w-]+\.)+github\.io/.*"]},
        "rapidgator.net": {"tlds": ["rapidgator.net"], "regexes": [r"https?://[^/]+/file/\w+"]},
    }
}


@pytest.mark.parametrize(
    "url",
    [
        "https://someone.co.uk/file/abc",
        "https://victim.github.io/file/abc",
        "https://other.net/file/abc",
        "https://a.b.github.io/page",
    ],
)
def test_no_catch_all_takes_a_whole_public_suffix(url: str) -> None:
    index = indexed(HOSTILE_LIST)
    assert index.match(url) == []


def test_a_hosters_own_domain_is_still_served() -> None:
    index = indexed(HOSTILE_LIST)
    assert [m.hoster for m in index.match("https://rapidgator.net/file/abc")] == ["rapidgator.net"]
    assert [m.hoster for m in index.match("https://cdn.rapidgator.net/file/abc")] == ["rapidgator.net"]


@pytest.mark.parametrize(
    ("pattern", "host"),
    [
        (r"https?://(?:[\w-]+\.)?rapidgator\.net/file/\w+", "rapidgator.net"),
        (r"https?://[\w.-]+\.blogspot\.com/", None),  # blogspot.com: a public suffix
        (r"https?://[\w.-]+\.co\.uk/", None),
        (r"https?://[\w.-]+\.bbc\.co\.uk/", "bbc.co.uk"),
    ],
)
def test_suffix_hosts_are_read_unless_public(pattern: str, host: str | None) -> None:
    hosts = analyse(pattern).hosts
    if host is None:
        assert hosts is None  # the fallback set, confined or skipped like a catch-all
    else:
        assert hosts is not None and hosts.suffixes == frozenset({host})


def test_the_list_knows_private_and_icann_suffixes() -> None:
    assert is_public_suffix("net") and is_public_suffix("co.uk") and is_public_suffix("github.io")
    assert not is_public_suffix("rapidgator.net") and not is_public_suffix("bbc.co.uk")


def indexed(listing: dict[str, Any]) -> HosterIndex:
    """``listing``'s hosters, read as any provider's list is (bounded, confined), indexed."""
    index = HosterIndex()
    hosters = listing["hosters"]
    listed = ((name, value.get("tlds"), value.get("regexes")) for name, value in hosters.items())
    for name, hoster in read_hosters(listed, count=len(hosters)).items():
        index.add(name, hoster.regexes, owner="debrid", domains=hoster.tlds)
    return index
