"""Pattern analysis: the hosts a pattern names, and which engine may run it."""

from __future__ import annotations

import pytest

from hostermatch.analysis import Engine, HostSpec, PatternError, analyse, choose_engine, normalise_pattern


@pytest.mark.parametrize(
    ("pattern", "exact", "suffixes"),
    [
        (r"https?://(?:www\.)?rapidgator\.net/file/\w+", {"rapidgator.net", "www.rapidgator.net"}, set()),
        (
            r"(?://|\.)(rapidgator\.net|rg\.to)/+file/+([a-z0-9]+)(?=[/?#]|$)",
            set(),
            {"rapidgator.net", "rg.to"},
        ),
        (r"https?://(?:[^/]+\.)?xup\.pl/\w+", set(), {"xup.pl"}),  # the host or any subdomain
        (
            r"https?://(?:www\.)?(czshare|sdilej)\.(com|cz)/f/",
            {f"{w}{n}.{t}" for w in ("", "www.") for n in ("czshare", "sdilej") for t in ("com", "cz")},
            set(),
        ),
        (r"https?://s\d+\.knigavuhe\.org/x", set(), {"knigavuhe.org"}),
        (r"https?://(?:www\.)?uploadgig.com/file/\w+", {"uploadgig.com", "www.uploadgig.com"}, set()),
        (r"http://datei\.example:8080/x", {"datei.example"}, set()),
        (r"(?i)https?://RapidGator\.NET/file", {"rapidgator.net"}, set()),
        (r"https?://rapidgator\.net", {"rapidgator.net"}, set()),
    ],
)
def test_hosts_derived(pattern: str, exact: set[str], suffixes: set[str]) -> None:
    assert analyse(pattern).hosts == HostSpec(frozenset(exact), frozenset(suffixes))


@pytest.mark.parametrize(
    "pattern",
    [
        r"https?://[^/]+/download/\d+",  # any host
        r"https?://.+high-way\.my",  # any host ending in "high-way.my", mid-label
        r"https?://\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/dl/",  # any IP address
        r"(?://|\.)(xhamster\d{0,2}\.com)/",  # a wildcard inside a label
        r"https?://(?:\w+\.)?com/x",  # only a top-level domain is known
        r"magnet:\?xt=urn:btih:\w+",
        "(" + "|".join(f"host{i}" for i in range(300)) + r")\.example/",  # too many to list
    ],
)
def test_hosts_unknown_go_to_fallback(pattern: str) -> None:
    assert analyse(pattern).hosts is None


@pytest.mark.parametrize(
    ("pattern", "engine"),
    [
        (r"https?://(?:www\.)?rapidgator\.net/file/(?P<ID>\w+)", Engine.RE),
        (r"https?://(?:www\.)?rapidgator\.net/file/(?P<ID>\w+)/(?P<N>[^/?]+)", Engine.RE),
        (r"(?://|\.)(vidoza\.(?:net|co))/(?:embed-)?([0-9a-zA-Z]+)", Engine.RE),
        (r"https?://x\.com/(\d+)(?:/[^/]+)?$", Engine.RE),
        (r"(a+)+$", Engine.RE2),  # nested quantifiers
        (r"(a|aa)+$", Engine.RE2),
        (r"https?://x\.com/.*\.html", Engine.RE),  # one repeat that can end in many places
        (r"https?://x\.com/(dl/\w{12}|rd/\w{12}/\d+)", Engine.RE),  # alternatives, path by path
        (r"https?://x\.com/.*/.*\.html", Engine.RE2),  # two of them: cubic per start
        (r"https?://x\.com/\w+\w+\w+!", Engine.RE2),
        (r"https?://x\.com/" + "a?" * 12 + "a" * 12, Engine.RE2),  # 2^12 optional paths
        (r"https?://x\.com/(?!folder)\w+", Engine.REGEX),  # look-ahead
        (r"https?://x\.com/(\w)\1", Engine.REGEX),  # back-reference
        (r"https?://x\.com/(a)?(?(1)b|c)", Engine.REGEX),  # conditional
    ],
)
def test_engine_choice(pattern: str, engine: Engine) -> None:
    assert choose_engine(pattern) is engine


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [("https?://x\\.com/(", "does not compile"), ("a" * 5000, "characters long")],
)
def test_unusable_patterns(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError, match=reason):
        analyse(pattern)


def test_pcre_slashes() -> None:
    assert normalise_pattern(r"http:\/\/x\.com\/f") == r"http://x\.com/f"
    assert normalise_pattern(r"a\\/b") == r"a\\/b"  # an escaped backslash, then a plain slash


def test_text_shortcut_agrees_with_the_parse_tree_walk(real_patterns: list[dict[str, str]]) -> None:
    from hostermatch.analysis import _SIMPLE_PREFIX, _derive_hosts, _simple_hosts
    from hostermatch.parsing import parse

    shortcut = 0
    for entry in real_patterns:
        simple = _SIMPLE_PREFIX.match(entry["pattern"])
        if simple is None:
            continue
        shortcut += 1
        assert _simple_hosts(simple) == _derive_hosts(parse(entry["pattern"])), entry["name"]
    assert shortcut > 250


@pytest.mark.parametrize(
    ("pattern", "exact"),
    [
        (r"https?://a\.example/x|https?://b\.example/y", {"a.example", "b.example"}),
        (r"https?://a\.example/x|ftp://b\.example/y", {"a.example", "b.example"}),
    ],
)
def test_top_level_alternation_names_every_host(pattern: str, exact: set[str]) -> None:
    assert analyse(pattern).hosts == HostSpec(frozenset(exact), frozenset())
