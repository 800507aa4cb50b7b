"""Real-Debrid's hoster list: PCRE patterns with delimiters read as Python's, each grouped
under the domains it names, the rest skipped with a warning, and the cached form read back."""

from __future__ import annotations

import re

import pytest

from linkresolver.plugins.realdebrid.hosts import (
    from_stored,
    grouped,
    looks_stored,
    read,
    stored,
    undelimited,
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"/(https?:\/\/)?rapidgator\.net\/file\/\w+/", r"(https?:\/\/)?rapidgator\.net\/file\/\w+"),
        (r"/https?:\/\/katfile\.com\/\w+/i", r"(?i)https?:\/\/katfile\.com\/\w+"),
        (r"/https?:\/\/x\.com\/\w+/uU", r"https?:\/\/x\.com\/\w+"),  # PCRE-only flags are dropped
        ("https?://plain\\.example/\\w+", "https?://plain\\.example/\\w+"),
    ],
)
def test_delimiters_become_python(pattern: str, expected: str) -> None:
    assert undelimited(pattern) == expected


def test_patterns_are_grouped_under_the_domains_they_name(caplog: pytest.LogCaptureFixture) -> None:
    groups = grouped(
        [
            r"/(https?:\/\/)?(www\.)?(rapidgator\.net|rg\.to)\/file\/\w+/",
            r"/(https?:\/\/)?mega\.(nz|co\.nz)\/(file|folder)\/[\w-]+/",
            r"/https?:\/\/[^\/]+\/anything/",
        ],
        ["rapidgator.net", "rg.to", "mega.nz", "mega.co.nz", "unused.example"],
    )
    assert list(groups) == ["rapidgator.net", "mega.nz"]
    assert groups["rapidgator.net"][0] == ["rapidgator.net", "rg.to"]
    assert groups["mega.nz"][0] == ["mega.nz", "mega.co.nz"]
    assert "names no domain" in caplog.text


def test_the_read_list_matches_links_and_survives_the_cache() -> None:
    hosters = read([r"/(https?:\/\/)?(www\.)?katfile\.com\/[0-9a-z]{12}/i"], ["katfile.com"])
    [pattern] = hosters["katfile.com"].regexes
    assert re.search(pattern, "https://KATFILE.com/abcdefabcdef/x.mkv")
    cached = stored(hosters)
    assert looks_stored(cached) and from_stored(cached) == hosters
    assert not looks_stored({"hosters": {}}) and from_stored({"format": "other"}) == {}


def test_a_pattern_naming_domains_in_pieces_takes_only_those_it_names() -> None:
    """A list of a few hundred hosters names www.extmatrix.com and omega.to: neither is in
    mega's pattern, though "www\\." is and "omega" holds "mega"."""
    groups = grouped(
        [
            r"/(https?:\/\/)?(www\.)?mega\.(nz|co\.nz)\/(file|folder)\/[\w-]+/",
            r"/https?:\/\/(www\.)?extmatrix\.com\/files\/\w+/",
        ],
        ["mega.nz", "mega.co.nz", "www.extmatrix.com", "omega.to"],
    )
    assert groups["mega.nz"][0] == ["mega.nz", "mega.co.nz"]
    assert groups["www.extmatrix.com"][0] == ["www.extmatrix.com"]
