"""Hoster patterns as they arrive from a provider: a Premiumize ``hosterlist`` answer (seed
002) with hostile regexes, served by ``responses`` and taken in by the real plugin and the
pipeline. tests/hostermatch/test_redos.py covers the index alone; this is the way in.

Expected: building the index stays bounded in time however big the list; patterns that do
not compile, are too long, or cannot run safely are skipped with a warning naming their
hoster; the rest still serve; matching stays fast; and a catch-all pattern (``.*``,
``http://.+``) cannot take the links of hosters its provider does not name.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from hostermatch.untrusted import MAX_DOMAINS_PER_HOSTER, MAX_HOSTERS, MAX_PATTERNS
from resolver_core.config import Config, ProviderSettings
from resolver_core.factory import build_resolver
from resolver_core.http import make_session
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Resolver

from ..resolver_core.fakes import ProvidersPlugin, ScriptedProvider

API = "https://api.premiumize.example/pm-api/v1.php"
RAPIDGATOR_LINK = "https://rapidgator.net/file/abc123"

UPLOADED = {
    "tlds": ["uploaded.net", "ul.to"],
    "regexes": [r"https?:\/\/(www\.)?(uploaded\.net\/file|ul\.to)\/[0-9a-z]+"],
}


def serve_pm_api(api: responses.RequestsMock, hosterlist: dict[str, Any]) -> None:
    """pm-api: the given hoster list, and a direct link for every link asked about."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlsplit(str(request.url)).query)
        if query["method"] == ["hosterlist"]:
            result: Any = hosterlist
        else:
            result = {"location": "https://dl.premiumize.example/f/1", "filename": "f.bin", "filesize": 1}
        body = json.dumps({"status": 200, "statusmessage": "OK", "result": result})
        return 200, {"Content-Type": "application/json"}, body

    api.add_callback(responses.GET, API, callback=answer)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def make_resolver(tmp_path: Path, *others: ScriptedProvider) -> Resolver:
    """Premiumize (priority 10, the real plugin) and ``others``; no other built-in provider."""
    config = Config(
        path=None,
        providers={
            "premiumize": ProviderSettings("premiumize", login="123", key="pin", api_base=API, priority=10)
        },
        cache_dir=tmp_path / "cache",
    )
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*others)],
        env={"LINKRESOLVER_DISABLE_PLUGINS": "offcloud,openload_family"},
    )
    return build_resolver(config, pm=pm, session=make_session(retries=0))


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "hostermatch" and r.levelno >= logging.WARNING
    ]


# -- patterns that do not compile, are too long, or backtrack ---------------------------------

HOSTILE_LIST = {
    "hosters": {
        "catastrophic.example": {
            "tlds": ["catastrophic.example"],
            "regexes": [
                r"https?://catastrophic\.example/(a+)+$",
                r"https?://catastrophic\.example/(\w+\s?)*$",
                r"https?://catastrophic\.example/(?=(a+)+$)x",  # look-ahead: regex module, timeout
                r"(.*a){12}",  # no host in it: confined to the hoster's domain
            ],
        },
        "broken.example": {
            "tlds": ["broken.example"],
            "regexes": [r"https?://broken\.example/(", "[z-a]", "(?P<x>a)(?P<x>b)", "a{2,1}", "\\"],
        },
        "huge.example": {"tlds": ["huge.example"], "regexes": [r"https?://huge\.example/" + "a" * (4 << 20)]},
        "uploaded.net": UPLOADED,
    }
}
HOSTILE_URLS = [
    "https://catastrophic.example/" + "a" * 10_000 + "!",
    "https://catastrophic.example/" + "a" * 3_000 + "!",
    "https://catastrophic.example/" + "a " * 2_000 + "!",
    "https://catastrophic.example/?" + "ab" * 4_000,
]


def test_hostile_patterns_are_skipped_naming_their_hoster(
    api: responses.RequestsMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    serve_pm_api(api, HOSTILE_LIST)
    resolver = make_resolver(tmp_path)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        index = resolver.index()
    assert time.perf_counter() - started < 5
    rejected = {(r.hoster, r.reason.split(":")[0]) for r in index.rejected}
    assert {hoster for hoster, _ in rejected} == {"broken.example", "huge.example"}
    assert len([r for r in index.rejected if r.hoster == "broken.example"]) == 5
    huge = HOSTILE_LIST["hosters"]["huge.example"]["regexes"][0]
    assert ("huge.example", f"pattern is {len(huge)} characters long (limit 4096)") in {
        (r.hoster, r.reason) for r in index.rejected
    }
    assert all(len(r.pattern) <= 4096 for r in index.rejected)  # not 4 MB kept in memory
    logged = warnings_of(caplog)
    assert all(any(r.hoster in message for message in logged) for r in index.rejected)
    # The rest of the list still serves.
    outcome = resolver.resolve_many(["https://ul.to/abc123"])[0]
    assert (outcome.status, outcome.provider, outcome.hoster) == ("ok", "premiumize", "uploaded.net")


def test_catastrophic_patterns_answer_hostile_urls_quickly(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    serve_pm_api(api, HOSTILE_LIST)
    index = make_resolver(tmp_path).index()
    for url in HOSTILE_URLS:
        started = time.perf_counter()
        index.match(url)
        assert time.perf_counter() - started < 0.5, url[:60]
    # They still match what they match, on their own domain.
    assert {m.hoster for m in index.match("https://catastrophic.example/aaaa")} == {"catastrophic.example"}


def test_many_slow_patterns_aimed_at_one_host_cost_one_budget(
    api: responses.RequestsMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """16 hosters x 25 back-reference patterns on rapidgator.net, each needing its whole
    timeout on the link: the link resolves through the safe pattern in bounded time."""
    hostile = r"https?://rapidgator\.net/file/((\w|\w\w)*)*\1!{n}"
    hosters: dict[str, Any] = {
        f"mirror{h}": {
            "tlds": ["rapidgator.net"],
            "regexes": [hostile.format(n=h * 25 + n) for n in range(25)],
        }
        for h in range(16)
    }
    hosters["rapidgator.net"] = {
        "tlds": ["rapidgator.net"],
        "regexes": [r"https?://rapidgator\.net/file/\w+"],
    }
    serve_pm_api(api, {"hosters": hosters})
    resolver = make_resolver(tmp_path)
    resolver.index()
    link = "https://rapidgator.net/file/" + "a" * 40
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        started = time.perf_counter()
        outcome = resolver.resolve_many([link])[0]
        elapsed = time.perf_counter() - started
    assert elapsed < 2, f"{elapsed:.1f} s"
    assert (outcome.status, outcome.provider, outcome.hoster) == ("ok", "premiumize", "rapidgator.net")
    assert len([m for m in warnings_of(caplog) if "look-arounds or back-references took" in m]) == 1


# -- patterns that match everything -----------------------------------------------------------

CATCH_ALL_LIST = {
    "hosters": {
        "evil": {
            "tlds": ["evil.example"],
            "regexes": [".*", "http://.+", r"https?://[^/]+/file/\w+", r"(?i)https?://[^/]+/get/(?P<ID>\w+)"],
        },
        "nodomains": {"regexes": [".*", r"^https?://"]},
        "uploaded.net": UPLOADED,
    },
}


@pytest.mark.parametrize(
    "link",
    [
        RAPIDGATOR_LINK,
        "https://openload.co/f/abc/x.mkv",
        "http://rapidgator.net/file/abc123",
        "https://rapidgator.net/?r=https://evil.example/file/x",
        "https://evil.example.rapidgator.net/file/x",
        "https://notevil.example/file/x",
        "magnet:?xt=urn:btih:" + "ab" * 20,
    ],
)
def test_a_catch_all_pattern_cannot_take_other_hosters_links(
    api: responses.RequestsMock, tmp_path: Path, link: str
) -> None:
    serve_pm_api(api, CATCH_ALL_LIST)
    filehost = ScriptedProvider("filehost", 50)  # rapidgator's own API, after Premiumize
    resolver = make_resolver(tmp_path, filehost)
    assert "premiumize" not in {m.owner for m in resolver.index().match(link)}
    outcome = resolver.resolve_many([link])[0]
    assert outcome.provider != "premiumize"
    if link == RAPIDGATOR_LINK:
        assert (outcome.status, outcome.provider) == ("ok", "filehost")
        assert filehost.calls == [link]


def test_a_catch_all_pattern_still_serves_its_own_domains(
    api: responses.RequestsMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    serve_pm_api(api, CATCH_ALL_LIST)
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        index = make_resolver(tmp_path).index()
    for url in ("https://evil.example/anything", "https://cdn.evil.example/x", "http://evil.example:8080/x"):
        assert {(m.owner, m.hoster) for m in index.match(url)} == {("premiumize", "evil")}, url
    by_id = [m for m in index.match("https://EVIL.example/GET/x9") if "(?P<ID>" in m.pattern]
    assert [m.named_groups for m in by_id] == [{"ID": "x9"}]  # groups and flags as written
    assert [m.hoster for m in index.match("https://ul.to/abc")] == ["uploaded.net"]
    # A catch-all of a hoster that names no domain has nowhere it may apply: skipped, said.
    assert "nodomains" not in {h.hoster for h in index.hosters()}
    assert any("nodomains" in message and "names no host" in message for message in warnings_of(caplog))


# -- sizes -------------------------------------------------------------------------------------
# Bounds in CPU time (process_time): on the work done, whatever else the machine runs meanwhile
# (the tests run in parallel).


@pytest.mark.no_cover  # a time bound: the coverage tracer makes this 2.5x slower
def test_fifty_thousand_hosters_index_in_bounded_time(
    api: responses.RequestsMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hosters = {
        f"h{number}.example": {
            "tlds": [f"h{number}.example"],
            "regexes": [rf"https?://(www\.)?h{number}\.example/f/\w+"],
        }
        for number in range(50_000)
    }
    serve_pm_api(api, {"hosters": hosters})
    resolver = make_resolver(tmp_path)
    started = time.process_time()
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        index = resolver.index()
    assert time.process_time() - started < 10  # some 3 s on this machine
    assert len(index) == MAX_HOSTERS
    assert any(f"more than the {MAX_HOSTERS} a list may name" in m for m in warnings_of(caplog))
    hosts = [*range(1_000), *range(30_000, 31_000)]  # indexed ones, and ones past the cap
    urls = [f"https://h{hosts[n % len(hosts)]}.example/f/x{n}" for n in range(20_000)]
    for url in urls[: len(hosts)]:
        index.match(url)  # a pattern compiles when its host is first seen
    started = time.process_time()
    found = sum(bool(index.match(url)) for url in urls)
    assert time.process_time() - started < 2  # some 5 µs each on this machine
    assert found == 10_000


@pytest.mark.no_cover  # a time bound: the coverage tracer makes this 2.5x slower
def test_half_a_million_patterns_are_capped(
    api: responses.RequestsMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """15 MB of short patterns: half a million, 25 s to index if all were taken."""
    hosters = {
        f"h{n}": {"tlds": [f"h{n}.ex"], "regexes": [rf"https?://h{n}\.ex/{i}\w" for i in range(256)]}
        for n in range(2_000)
    }
    serve_pm_api(api, {"hosters": hosters})
    started = time.process_time()
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        index = make_resolver(tmp_path).index()
    assert time.process_time() - started < 10
    assert len(index) <= MAX_PATTERNS
    assert any(f"more than {MAX_PATTERNS} patterns in all" in m for m in warnings_of(caplog))


def test_a_hoster_naming_a_hundred_thousand_domains(
    api: responses.RequestsMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tlds = [f"mirror{n}.example" for n in range(100_000)]
    serve_pm_api(
        api, {"hosters": {"mirrors": {"tlds": tlds, "regexes": [r"https?://mirror0\.example/f/\w+"]}}}
    )
    started = time.process_time()
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        index = make_resolver(tmp_path).index()
    assert time.process_time() - started < 5
    assert len(index.hosters()[0].domains) <= MAX_DOMAINS_PER_HOSTER
    assert any("mirrors" in m and "domains" in m for m in warnings_of(caplog))
    assert [m.hoster for m in index.match("https://mirror0.example/f/abc")] == ["mirrors"]


def test_a_flood_of_bad_patterns_is_not_a_flood_of_warnings(
    api: responses.RequestsMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hosters = {f"b{n}.example": {"tlds": [f"b{n}.example"], "regexes": ["(unclosed"]} for n in range(5_000)}
    serve_pm_api(api, {"hosters": hosters})
    with caplog.at_level(logging.WARNING, logger="hostermatch"):
        index = make_resolver(tmp_path).index()
    assert len(index.rejected) == 5_000  # every one is listed...
    assert len(warnings_of(caplog)) < 30  # ...and a person reads a few lines, not 5,000
    assert any("others are logged at debug level" in m for m in warnings_of(caplog))
