"""The other untrusted inputs, fuzzed: the configuration, hoster lists, Content-Disposition
headers and pasted text.

- The configuration loader takes any TOML text, any typed value for every documented key,
  and any environment: the outcome is a :class:`~resolver_core.config.Config` whose values
  have the documented types and ranges, or a :class:`~resolver_core.errors.ConfigError`
  (exit 2, with a message), never a traceback.
- A debrid service's hoster list (the Premiumize answer, mutated, with hostile regexes) goes
  through the index as the pipeline feeds it: hosters are kept, bad patterns are skipped
  with a warning, in bounded time; no pattern of a list matches a link on a host the list
  does not give that hoster.
- Any Content-Disposition header and any URL give a file name that is one safe path
  component (tests/security/test_filenames.py has the named hostile cases; this draws them).
- :func:`hostermatch.extract_links` returns strings that are in the text, as written there
  (tests/hostermatch/test_properties.py and tests/security/test_untrusted_input.py hold that
  it never raises and that links carry no controls; this holds that it invents nothing).
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import re
import time
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostermatch import HosterIndex, extract_links
from hostermatch.urls import split_url
from linkresolver.plugins.premiumize.hosterlist import HosterList
from resolver_core import errors
from resolver_core.config import KNOWN_PROVIDERS, Config, ProviderSettings, api_base_problem, load_config
from resolver_core.download.names import (
    FALLBACK_NAME,
    MAX_NAME_BYTES,
    inside,
    name_from_disposition,
    name_from_url,
    safe_name,
)

from .outcomes import conforms, examples
from .strategies import NASTY_TEXT, mutated
from .test_fuzz_clients import PM_HOSTERLIST

INPUTS = settings(max_examples=examples(150), deadline=None)


# -- the configuration ------------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = "".join(
        f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F or c in '"\\' else c for c in text
    )
    return f'"{escaped}"'


def toml_value(value: Any) -> str:
    """``value`` as a TOML value (floats: ``nan`` and ``inf`` are TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{toml_string(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"


TOML_TEXT: Final = st.text(st.characters(codec="utf-8"), max_size=40)  # TOML has no surrogates
TOML_SCALARS: Final = st.one_of(
    TOML_TEXT,
    st.sampled_from([t for t in NASTY_TEXT if not any(unicodedata.category(c) == "Cs" for c in t)]),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, -1, 10_000, 10_001, 2**63 - 1, -(2**63)]),
    st.floats(),
    st.sampled_from([0.0, -0.0, 1e-9, 1e308, math.inf, -math.inf, math.nan]),
    st.datetimes(),
    st.dates(),
    st.times(),
)
TOML_VALUES: Final = st.recursive(
    TOML_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TOML_TEXT, children, max_size=3),
    max_leaves=6,
)
#: Values each documented key is likely to get wrong, besides any value at all.
API_BASES: Final = [
    "https://api.premiumize.me/pm-api/v1.php",
    "http://127.0.0.1:8080/api",
    "http://[::1]:9/x",
    "http://localhost/",
    "http://evil.example/",
    "ftp://example.com/",
    "https://",
    "https://[::1",
    "https://exa mple.com/\r\n",
    "",
    "javascript:alert(1)",
]
DOCUMENTED: Final = {
    "login": st.one_of(TOML_TEXT, TOML_VALUES),
    "key": st.one_of(TOML_TEXT, TOML_VALUES),
    "password": st.one_of(TOML_TEXT, TOML_VALUES),
    "api_base": st.one_of(st.sampled_from(API_BASES), TOML_VALUES),
    "priority": st.one_of(st.integers(-(2**63), 2**63 - 1), TOML_VALUES),
    "enabled": st.one_of(st.booleans(), TOML_VALUES),
    "requests_per_second": st.one_of(st.floats(), st.integers(-5, 20_000), TOML_VALUES),
    # Keys of Offcloud's own (ProviderSettings.extra): kept as the file gives them.
    "proxy_id": TOML_VALUES,
    "cloud_only": TOML_VALUES,
}
TOP_LEVEL: Final = {
    "hosterlist_ttl_hours": st.one_of(st.floats(), st.integers(-5, 10**6), TOML_VALUES),
    "captcha_command": st.one_of(TOML_TEXT, TOML_VALUES),
    "unknown_key": TOML_VALUES,
}
PROVIDER_NAMES: Final = st.one_of(st.sampled_from([*KNOWN_PROVIDERS, "mydebrid"]), TOML_TEXT)


@st.composite
def config_documents(draw: st.DrawFn) -> str:
    """A configuration file: the documented keys with values of every type, as TOML."""
    lines = [
        f"{key} = {toml_value(draw(strategy))}" for key, strategy in TOP_LEVEL.items() if draw(st.booleans())
    ]
    for name in draw(st.lists(PROVIDER_NAMES, max_size=3, unique=True)):
        lines.append(f"[providers.{toml_string(name)}]")
        lines += [
            f"{key} = {toml_value(draw(strategy))}"
            for key, strategy in DOCUMENTED.items()
            if draw(st.booleans())
        ]
    return "\n".join(lines) + "\n"


#: TOML text gone wrong: a documented file, cut, doubled, or with any characters added.
TOML_DOCUMENTS: Final = st.one_of(
    config_documents(),
    st.tuples(config_documents(), st.integers(0, 400)).map(lambda d: d[0][: d[1]]),
    config_documents().map(lambda d: d + d),
    st.tuples(config_documents(), st.text(max_size=30), st.integers(0, 400)).map(
        lambda d: d[0][: d[2]] + d[1] + d[0][d[2] :]
    ),
    st.text(max_size=200),
)
ENV_NAMES: Final = [
    f"LINKRESOLVER_{name.upper()}_{field}"
    for name in KNOWN_PROVIDERS
    for field in ("LOGIN", "KEY", "PASSWORD", "API_BASE")
]
ENV_VALUES: Final = st.one_of(
    st.text(st.characters(exclude_characters="\x00"), max_size=30),
    st.sampled_from(API_BASES),
    st.sampled_from([t for t in NASTY_TEXT if "\x00" not in t]),
)


@st.composite
def environments(draw: st.DrawFn, workdir: Path) -> dict[str, str]:
    """Environment variables: the documented ones with any value, and a configuration path
    that names a file, a directory, nothing, a stranger's home or a path with a NUL."""
    env = draw(st.dictionaries(st.sampled_from(ENV_NAMES), ENV_VALUES, max_size=6))
    if draw(st.booleans()):
        env["LINKRESOLVER_CONFIG"] = draw(
            st.sampled_from(
                [
                    str(workdir / "config.toml"),
                    str(workdir),
                    str(workdir / "missing.toml"),
                    "~nosuchuser-linkresolver/config.toml",
                    "~/.config/linkresolver-fuzz-missing.toml",
                    "relative/missing.toml",
                    f"{workdir}/a\x00b.toml",
                    "",
                ]
            )
        )
    if draw(st.booleans()):
        env["LINKRESOLVER_CACHE_DIR"] = draw(ENV_VALUES)
    return env


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Module-scoped: hypothesis runs many examples in one test, each rewriting the file."""
    return tmp_path_factory.mktemp("config")


def assert_config(config: Config) -> None:
    """Every value has its documented type and range."""
    assert conforms(config, Config), config
    assert isinstance(config.hosterlist_ttl_hours, float) and config.hosterlist_ttl_hours >= 0
    assert config.captcha_command is None or config.captcha_command.strip()
    for name, settings_ in config.providers.items():
        assert conforms(settings_, ProviderSettings) and settings_.name == name
        assert settings_.api_base is None or api_base_problem(settings_.api_base) is None, settings_.api_base
        rate = settings_.requests_per_second
        assert rate is None or 0 <= rate <= 10_000


def load_outcome(text: str | bytes, env: Mapping[str, str], workdir: Path) -> None:
    path = workdir / "config.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        config = load_config(path if "LINKRESOLVER_CONFIG" not in env else None, env=env)
    except errors.ConfigError as exc:
        assert str(exc), "a configuration error without a message"
        return
    assert_config(config)


@INPUTS
@given(text=TOML_DOCUMENTS)
def test_any_toml_text_is_a_config_or_a_config_error(text: str, workdir: Path) -> None:
    load_outcome(text, {}, workdir)


@INPUTS
@given(data=st.binary(max_size=200) | st.sampled_from([b"\xff\xfe", b"a = " + b"[" * 5000 + b"]" * 5000]))
def test_any_bytes_are_a_config_or_a_config_error(data: bytes, workdir: Path) -> None:
    load_outcome(data, {}, workdir)


@INPUTS
@given(st.data())
def test_any_environment_is_a_config_or_a_config_error(workdir: Path, data: st.DataObject) -> None:
    env = data.draw(environments(workdir), label="env")
    load_outcome(data.draw(config_documents(), label="file"), env, workdir)


# -- hoster lists ---------------------------------------------------------------------------------------

#: Patterns a hostile or broken list brings: catastrophic backtracking, look-arounds and
#: back-references, catch-alls, patterns that do not compile, huge ones, and flag games.
HOSTILE_REGEXES: Final = [
    "(a+)+$",
    "(?:.*)*x",
    "^(\\w+\\s?)*$",
    "(a|aa)+b",
    "(?=.*rapidgator)https?://[^/]+/x",
    "https?://(?!www)([a-z]+)\\.example\\.com/(\\d+)",
    "(a)\\1",
    "(?P<ID>\\w+)(?P=ID)",
    ".*",
    "https?://.+",
    "https?://[^/]+/file/",
    "(?x) # comment\n https?://rapidgator\\.net/",
    "(?i)HTTPS?://RAPIDGATOR\\.NET/",
    "(?s).",
    "(",
    "[",
    "\\",
    "a{1000}{1000}",
    "(?<=a)b",
    "x" * 5000,
    "(?:" * 200 + "a" + ")" * 200,
    "https?:\\/\\/(?:www\\.)?ul\\.to\\/.+",
    "https?://\u0440\u0430pidgator\\.net/.+",
    "https?://xn--pidgator-6fg\\.net/.+",
    "\\u202e",
    "\x00",
    "(?P<x>",
    "(?#",
]
REGEX_TEXT: Final = st.text(st.sampled_from(list("()[]{}*+?.|^$\\/:aAz09-_dwsSb#<>=!P,x\n ")), max_size=40)
REGEXES: Final = st.one_of(st.sampled_from(HOSTILE_REGEXES), REGEX_TEXT)


@st.composite
def hosterlists(draw: st.DrawFn) -> Any:
    """Premiumize's hoster list with hostile patterns in it, then mutated."""
    result: dict[str, Any] = {**PM_HOSTERLIST, "hosters": dict(PM_HOSTERLIST["hosters"])}
    for index in range(draw(st.integers(0, 3))):
        tlds = draw(
            st.lists(st.sampled_from(["evil.example", "rg.to", "", "xn--", "..", "a" * 300]), max_size=3)
        )
        result["hosters"][f"hostile{index}.example"] = {
            "tlds": tlds,
            "regexes": draw(st.lists(REGEXES, min_size=1, max_size=4)),
        }
    if draw(st.booleans()):
        result["regexlist"] = draw(st.lists(REGEXES, max_size=4))
    return draw(mutated(result))


def host_of(url: str) -> str:
    split = split_url(url)
    assert split is not None
    return split.host


PROBES: Final = [
    "https://rapidgator.net/file/abc123",
    "https://www.rapidgator.net/file/abc123/name.rar.html",
    "https://rg.to/file/abc",
    "http://ul.to/xyz",
    "https://uploaded.net/file/xyz",
    "https://evil.example/file/abc",
    "https://evil.example/?u=https://rapidgator.net/file/abc",
    "https://rapidgator.net.evil.example/file/abc",
    "https://user@rapidgator.net/file/abc",
    "https://xn--pidgator-6fg.net/file/abc",
    "magnet:?xt=urn:btih:" + "a" * 40,
    "https://" + "a" * 3000 + ".example/" + "b" * 10_000,
]


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def warnings_of(logger_name: str) -> Iterator[list[logging.LogRecord]]:
    """The warnings a logger gives meanwhile (caplog is function-scoped: one per test, not
    one per example)."""
    handler = _Warnings()
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


#: Seconds one list may take to read, index and answer every probe (a few hundred ms here).
LIST_BUDGET: Final = 10.0


@INPUTS
@given(result=hosterlists())
def test_any_hoster_list_gives_hosters_or_skipped_patterns_with_warnings(result: Any) -> None:
    started = time.monotonic()
    with warnings_of("hostermatch") as warned:
        parsed = HosterList.from_result(result)
        index = HosterIndex()
        for name, hoster in parsed.hosters.items():  # as the pipeline adds a provider's hosters
            index.add(name, hoster.regexes, owner="premiumize", domains=hoster.tlds)
        found = {url: index.match(url) for url in PROBES}
        # The form the cache keeps reads back as the same list, and indexes alike.
        stored = HosterList.from_result(json.loads(json.dumps(parsed.stored())))
        assert stored == parsed
        whole = HosterIndex()
        for name, hoster in stored.hosters.items():
            whole.add(name, hoster.regexes, owner="premiumize", domains=hoster.tlds)
    assert time.monotonic() - started < LIST_BUDGET
    assert [info.hoster for info in whole.hosters()] == [info.hoster for info in index.hosters()]
    if index.rejected:
        assert warned, "patterns were skipped without a warning"
    for rejected in index.rejected:
        assert rejected.reason and rejected.hoster in parsed.hosters
    domains = {info.hoster: info.domains for info in index.hosters()}
    for url, matches in found.items():
        for match in matches:
            host = host_of(match.url)
            assert any(host == d or host.endswith("." + d) for d in domains[match.hoster]), (
                f"{match.hoster}'s pattern {match.pattern!r} takes {url}, on none of its domains"
                f" {domains[match.hoster]}"
            )


# -- Content-Disposition and URLs: file names ----------------------------------------------------------

DISPOSITION_TOKENS: Final = [
    "attachment",
    "inline",
    "form-data",
    "; ",
    ";",
    "filename=",
    "FileName=",
    "filename*=",
    "filename*0=",
    "filename*1=",
    "filename*0*=",
    'filename="',
    '"',
    '\\"',
    "UTF-8''",
    "utf-8'en'",
    "iso-8859-1''",
    "x-unknown''",
    "%2e%2e%2f",
    "%2F",
    "%5C",
    "%00",
    "%0A",
    "%E2%80%AE",
    "%C0%AE",
    "%FF",
    "%",
    "..",
    "../",
    "..\\",
    "/",
    "\\",
    "CON",
    "nul.txt",
    "COM1 .txt",
    "CONIN$",
    "invoice\u202efdp.exe",
    "a.exe",
    ".",
    " ",
    "\t",
    "é",
    "\uff0e\uff0e\uff0f",
    "\x00",
    "\r\n",
    "x" * 300,
    "😀" * 100,
    "name.tar.gz",
]
DISPOSITIONS: Final = st.one_of(
    st.lists(st.sampled_from(DISPOSITION_TOKENS), max_size=8).map("".join),
    st.lists(st.one_of(st.sampled_from(DISPOSITION_TOKENS), st.text(max_size=8)), max_size=8).map("".join),
    st.text(st.characters(max_codepoint=255), max_size=80),  # as requests decodes a header (latin-1)
    st.text(max_size=80),
)
URLS: Final = st.one_of(
    st.lists(
        st.sampled_from(
            ["https://", "host.example", "/", "%2F", "%2e%2e", "..", "file", ".bin", "?", "#", "%00"]
        ),
        max_size=8,
    ).map("".join),
    st.text(max_size=60),
)
_RESERVED: Final = {"con", "prn", "aux", "nul", "conin$", "conout$"} | {
    f"{port}{n}" for port in ("com", "lpt") for n in range(10)
}


def assert_one_safe_component(name: str, directory: Path) -> None:
    """A name a file can have on any system, that stays in ``directory``."""
    from pathvalidate import is_valid_filename

    assert isinstance(name, str) and name not in ("", ".", "..")
    assert not set(name) & {"/", "\\", "\x00"}, name
    hidden = [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
    assert not hidden, (name, hidden)
    assert name == name.strip(" ."), name
    assert len(name.encode()) <= MAX_NAME_BYTES, name
    assert name.split(".", 1)[0].rstrip(" ").lower() not in _RESERVED, name
    assert is_valid_filename(name, platform="universal"), name
    assert inside(directory, name) == directory.resolve() / name


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@settings(max_examples=examples(300), deadline=None)
@given(header=DISPOSITIONS, url=URLS, api_name=st.one_of(st.none(), DISPOSITIONS))
def test_any_disposition_and_url_give_one_safe_path_component(
    header: str, url: str, api_name: str | None, downloads: Path
) -> None:
    from_header = name_from_disposition(header)
    from_url = name_from_url(url)
    assert from_header is None or isinstance(from_header, str)
    assert from_url is None or isinstance(from_url, str)
    for chosen in (safe_name(api_name, from_header, from_url), safe_name(from_header), safe_name(from_url)):
        assert_one_safe_component(chosen, downloads)
    assert safe_name(None, "", None) == FALLBACK_NAME


# -- extract_links: nothing invented ---------------------------------------------------------------------

LINK_SOUP: Final = [
    "https://",
    "http://",
    "HTTPS://",
    "magnet:?xt=urn:btih:" + "a" * 40,
    "&dn=x",
    "rapidgator.net/file/abc",
    "www.rg.to/",
    "sub.rapidgator.net:8080/",
    "&amp;",
    "&AMP;",
    "&#38;",
    "&#x26;",
    "&#0038;",
    "&quot;",
    "&gt;",
    "&",
    "amp;",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    '<a href="',
    '">',
    "[url=",
    ".",
    ",",
    ";",
    "!",
    "?",
    "'",
    '"',
    "…",
    " ",
    "\n",
    "\t",
    "\x00",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u3002",
    "\uff0e",
    "\ufffd",
    "é",
    "xn--",
    "@",
    ":",
    "/",
    "#",
    "=",
    "a",
    "1",
    "[::1]",
]
PASTES: Final = st.one_of(
    st.lists(st.sampled_from(LINK_SOUP), max_size=40).map("".join),
    st.lists(st.one_of(st.sampled_from(LINK_SOUP), st.text(max_size=5)), max_size=30).map("".join),
    st.text(max_size=300),
)
_AMP: Final = r"(?:&(?:(?i:amp)|#0*38|#(?i:x)0*26);|&)"


def written_in(link: str, text: str) -> bool:
    """Whether ``link`` is in ``text`` as written there, give or take what extraction
    documents: ``&amp;`` (and its numeric forms) read as ``&``, and ``https://`` added to a
    link pasted without a scheme."""
    scheme = ""
    if link.startswith("https://"):
        scheme, link = "(?:https://)?", link[len("https://") :]
    pattern = scheme + "".join(_AMP if c == "&" else re.escape(c) for c in link)
    return re.search(pattern, text) is not None


@settings(max_examples=examples(300), deadline=None)
@given(text=PASTES)
def test_every_extracted_link_is_in_the_text_as_written(text: str) -> None:
    for known in ((), ("rapidgator.net", "rg.to")):
        links = extract_links(text, known_domains=known)
        assert isinstance(links, list) and all(isinstance(link, str) for link in links)
        for link in links:
            assert link and written_in(link, text), (link, text)
