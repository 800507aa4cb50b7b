"""extract_links: every link in pasted text, as a person pasting it would expect."""

from __future__ import annotations

import time

import pytest

from hostermatch import extract_links

MAGNET = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=Some+Name&tr=udp%3A%2F%2Ft"


def test_prose_with_trailing_punctuation() -> None:
    text = (
        "Grab it here: https://rapidgator.net/file/abc123. Mirror (https://rg.to/file/def456), "
        "or https://uploaded.net/file/xyz!  Also https://example.com/a?b=1; and "
        "\"https://example.com/quoted\", 'https://example.com/single'... done?"
    )
    assert extract_links(text) == [
        "https://rapidgator.net/file/abc123",
        "https://rg.to/file/def456",
        "https://uploaded.net/file/xyz",
        "https://example.com/a?b=1",
        "https://example.com/quoted",
        "https://example.com/single",
    ]


def test_balanced_parentheses_stay_in_the_link() -> None:
    text = "see https://en.wikipedia.org/wiki/Foo_(bar) and (https://en.wikipedia.org/wiki/Baz_(qux))."
    assert extract_links(text) == [
        "https://en.wikipedia.org/wiki/Foo_(bar)",
        "https://en.wikipedia.org/wiki/Baz_(qux)",
    ]


def test_html() -> None:
    text = (
        '<p>Part 1: <a href="https://rapidgator.net/file/abc?x=1&amp;y=2">https://rapidgator.net/'
        "file/abc?x=1&amp;y=2</a></p><a href='https://rg.to/file/def'>mirror</a>"
        '<img src="http://img.example.com/cover.jpg"/>'
    )
    assert extract_links(text) == [
        "https://rapidgator.net/file/abc?x=1&y=2",
        "https://rg.to/file/def",
        "http://img.example.com/cover.jpg",
    ]


def test_bbcode() -> None:
    text = (
        "[url=https://rapidgator.net/file/abc]Part 1[/url] "
        '[url="https://rapidgator.net/file/def"]Part 2[/url] '
        "[url]https://rapidgator.net/file/ghi[/url][b]https://rg.to/file/jkl[/b]"
    )
    assert extract_links(text) == [
        "https://rapidgator.net/file/abc",
        "https://rapidgator.net/file/def",
        "https://rapidgator.net/file/ghi",
        "https://rg.to/file/jkl",
    ]


def test_markdown() -> None:
    text = (
        "- [Part 1](https://rapidgator.net/file/abc)\n"
        '- [Part 2](https://rapidgator.net/file/def "title")\n'
        "- <https://rapidgator.net/file/ghi>\n"
        "- **https://rg.to/file/jkl**\n"
        "- `https://rg.to/file/mno`"
    )
    assert extract_links(text) == [
        "https://rapidgator.net/file/abc",
        "https://rapidgator.net/file/def",
        "https://rapidgator.net/file/ghi",
        "https://rg.to/file/jkl",
        "https://rg.to/file/mno",
    ]


def test_magnets() -> None:
    text = f"torrent: {MAGNET} and again {MAGNET.replace('Some+Name', 'Other')}"
    assert extract_links(text) == [MAGNET]


def test_magnet_without_info_is_not_a_link() -> None:
    assert extract_links("magnet:? and magnet:?dn=x") == []


def test_scheme_less_links_need_a_known_domain() -> None:
    text = "openload.co/f/abc123/movie.mkv, www.rg.to/file/x and see example.com/faq or me@openload.co/x"
    assert extract_links(text) == []
    assert extract_links(text, known_domains=["openload.co", "rg.to"]) == [
        "https://openload.co/f/abc123/movie.mkv",
        "https://www.rg.to/file/x",
    ]


def test_scheme_less_subdomain_of_known_domain() -> None:
    assert extract_links("dl: cdn3.openload.co/f/abc", known_domains=["openload.co"]) == [
        "https://cdn3.openload.co/f/abc"
    ]


def test_duplicates_keep_first_appearance() -> None:
    text = "https://a.example/x HTTPS://A.EXAMPLE/x https://a.example/X https://a.example/x"
    assert extract_links(text) == ["https://a.example/x", "https://a.example/X"]


def test_one_link_per_line_list() -> None:
    urls = [f"https://rapidgator.net/file/{i:032x}/part{i}.rar.html" for i in range(500)]
    assert extract_links("\r\n".join(urls)) == urls


def test_scheme_case_and_ports_and_ipv6_kept() -> None:
    text = "HTTP://Example.com:8080/a http://[::1]:8080/b http://127.0.0.1:5000/c"
    assert extract_links(text) == [
        "HTTP://Example.com:8080/a",
        "http://[::1]:8080/b",
        "http://127.0.0.1:5000/c",
    ]


def test_unicode_prose_around_links() -> None:
    text = "链接：https://rapidgator.net/file/abc。还有「https://rg.to/file/def」，“https://x.example/é”"
    assert extract_links(text) == [
        "https://rapidgator.net/file/abc",
        "https://rg.to/file/def",
        "https://x.example/é",
    ]


def test_html_escaped_quotes_around_links() -> None:
    assert extract_links("&quot;https://rg.to/file/abc&quot;") == ["https://rg.to/file/abc"]


@pytest.mark.parametrize("text", ["", "http://", "https:// nothing", "http:///path", "no links at all"])
def test_no_links(text: str) -> None:
    assert extract_links(text) == []


def test_overlong_link_is_refused() -> None:
    assert extract_links("https://example.com/" + "a" * 20_000) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 1_000_000, []),
        ("a." * 500_000 + "cd/x", []),  # a million labels: no host has that many
        ("ab.cd-" * 200_000, []),
        ("https://x.example/" + "'" * 1_000_000, ["https://x.example/"]),
        ("https://x.example/" + ")" * 500_000, ["https://x.example/"]),
        ("https://x.example/" + "&quot;" * 200_000, ["https://x.example/"]),
        ("https://x.example/a " * 200_000, ["https://x.example/a"]),
        ("http://" * 150_000, []),
    ],
    ids=["letters", "labels", "dashes", "quotes", "closers", "entities", "repeats", "schemes"],
)
def test_hostile_text_is_linear(text: str, expected: list[str]) -> None:
    # CPU time: a bound on the work done, whatever else the machine runs meanwhile (the
    # tests run in parallel).
    started = time.process_time()
    assert extract_links(text, known_domains=["cd", "example"]) == expected
    assert time.process_time() - started < 1.0
