"""What the yt-dlp plugin claims (resolver_core.ytdlp_claims), in process with the real
built-in providers and no network: the data is the current configuration's, file hosts are
known without any cache, a debrid list is fetched once or said how to build, yt-dlp's own
extractors are asked only about what would be claimed, and deciding imports nothing heavy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import responses

from hostermatch.urls import split_url
from resolver_core import ytdlp_claims
from resolver_core.config import default_config_path, load_config
from resolver_core.factory import build_resolver
from resolver_core.ytdlp_claims import (
    DATA_FILE,
    RETRY_SECONDS,
    YtDlpClaims,
    cache_dir_of,
    config_path_of,
    current_inputs,
    read_data,
    url_host,
)

REPO = Path(__file__).resolve().parents[2]
OPENLOAD_LINK = "https://openload.co/f/abc123/Holiday.mp4"
RAPIDGATOR_LINK = "https://rapidgator.net/file/abc123/Holiday.mkv"
PM_API = "https://pm.example/pm-api/v1.php"
HOSTERLIST = {
    "hosters": {
        "rapidgator.net": {
            "tlds": ["rapidgator.net", "rg.to"],
            "regexes": [r"https?://(?:www\.)?(?:rapidgator\.net|rg\.to)/file/\w+"],
        },
        "slow": {"tlds": ["slow.example"], "regexes": ["(a+)+$"]},
    }
}


class Setup:
    """A configuration file, a cache directory and an environment of their own."""

    def __init__(self, tmp_path: Path) -> None:
        self.config = tmp_path / "config.toml"
        self.cache = tmp_path / "cache"
        self.env = {
            "LINKRESOLVER_CONFIG": str(self.config),
            "LINKRESOLVER_CACHE_DIR": str(self.cache),
            "LINKRESOLVER_STATE_DIR": str(tmp_path / "state"),
            "LINKRESOLVER_DISABLE_PLUGINS": "offcloud",
        }
        self.said: list[str] = []
        self.asked: list[str] = []
        self.taken: Callable[[str], bool] = lambda url: False
        self._edited = time.time_ns()
        self.configure("")

    def configure(self, text: str) -> None:
        """Write the file; its modification time a second later than the last edit's, as
        an edit by a person is (two edits of a test can fall within one clock tick)."""
        self.config.write_text(text, encoding="utf-8")
        self._edited += 1_000_000_000
        os.utime(self.config, ns=(self._edited, self._edited))

    def cache_list(self, provider: str, hosterlist: Mapping[str, object]) -> None:
        self.cache.mkdir(exist_ok=True)
        (self.cache / f"hosterlist-{provider}.json").write_text(json.dumps(hosterlist), encoding="utf-8")

    def claims(self) -> YtDlpClaims:
        """A new process's decisions."""

        def taken(url: str) -> bool:
            self.asked.append(url)
            return self.taken(url)

        return YtDlpClaims(taken, self.said.append, environ=self.env)


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


def premiumize(setup: Setup, *, credentials: bool = True) -> None:
    setup.env["LINKRESOLVER_PREMIUMIZE_API_BASE"] = PM_API
    if credentials:
        setup.env["LINKRESOLVER_PREMIUMIZE_LOGIN"] = "123456"
        setup.env["LINKRESOLVER_PREMIUMIZE_KEY"] = "pin-of-the-test"


def test_where_it_looks_is_where_linkresolver_looks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    assert config_path_of({}) == default_config_path()
    assert config_path_of({"LINKRESOLVER_CONFIG": "~/lr.toml"}) == tmp_path / "lr.toml"
    (tmp_path / "lr.toml").write_text("", encoding="utf-8")
    assert load_config(env={"LINKRESOLVER_CONFIG": "~/lr.toml"}).path == tmp_path / "lr.toml"
    for env in ({}, {"LINKRESOLVER_CACHE_DIR": str(tmp_path / "c")}):
        resolver = build_resolver(load_config(env={**env, "LINKRESOLVER_CONFIG": "~/lr.toml"}))
        assert cache_dir_of(env) == resolver.cache.directory


def test_a_file_hosts_links_are_known_on_a_fresh_install(setup: Setup) -> None:
    setup.configure('[providers.openload]\nenabled = true\napi_base = "http://127.0.0.1:9/ol/1"\n')
    claims = setup.claims()
    assert claims.claims(OPENLOAD_LINK)
    assert claims.claims("HTTPS://www.OLOAD.tv/embed/abc")
    assert not claims.claims(RAPIDGATOR_LINK)
    assert not claims.claims("https://openload.co.evil.example/f/abc")
    assert not claims.claims("https://evil.example/?ref=https://openload.co/f/abc")
    assert not claims.claims("https://openload.co/about")  # a hoster domain, not a file link
    assert setup.said == []
    assert (setup.cache / DATA_FILE).exists()


def test_data_written_under_another_configuration_never_claims(setup: Setup) -> None:
    setup.configure("[providers.openload]\nenabled = true\n")
    assert setup.claims().claims(OPENLOAD_LINK)
    setup.configure("[providers.openload]\nenabled = false\n")
    assert not setup.claims().claims(OPENLOAD_LINK)
    setup.configure("[providers.openload]\nenabled = true\n")
    assert setup.claims().claims(OPENLOAD_LINK)
    setup.env["LINKRESOLVER_DISABLE_PLUGINS"] = "offcloud,openload_family"  # the environment too
    assert not setup.claims().claims(OPENLOAD_LINK)


def test_a_long_running_program_sees_a_changed_configuration(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.configure("[providers.openload]\nenabled = true\n")
    claims = setup.claims()
    assert claims.claims(OPENLOAD_LINK)
    setup.configure("[providers.openload]\nenabled = false\n")
    later = time.monotonic() + ytdlp_claims.RECHECK_SECONDS + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert not claims.claims(OPENLOAD_LINK)


def test_what_yt_dlp_supports_is_asked_only_about_links_it_would_claim(setup: Setup) -> None:
    premiumize(setup)
    vimeo = {"tlds": ["vimeo.com"], "regexes": [r"https?://(?:www\.)?vimeo\.com/\d+"]}
    setup.cache_list("premiumize", {"hosters": {**HOSTERLIST["hosters"], "vimeo": vimeo}})
    setup.taken = lambda url: "vimeo.com" in url
    claims = setup.claims()
    assert not claims.claims("https://vimeo.com/76979871")  # listed, but yt-dlp's
    assert claims.claims(RAPIDGATOR_LINK)
    assert not claims.claims("https://example.com/video.mp4")  # no hoster's domain
    assert not claims.claims("https://vimeo.com/channels")  # a listed domain, no hoster link
    assert setup.asked == ["https://vimeo.com/76979871", RAPIDGATOR_LINK]


def test_the_fingerprint_follows_what_the_data_depends_on(setup: Setup) -> None:
    first = current_inputs(setup.env).fingerprint
    assert current_inputs(setup.env).fingerprint == first
    assert current_inputs({**setup.env, "LINKRESOLVER_LOG_FILE": "/tmp/x.log"}).fingerprint == first
    with_key = {**setup.env, "LINKRESOLVER_PREMIUMIZE_KEY": "one"}
    assert current_inputs(with_key).fingerprint != first  # credentials enable a provider
    # Which key it is changes nothing claimed, and no digest of it is kept.
    assert current_inputs({**with_key, "LINKRESOLVER_PREMIUMIZE_KEY": "two"}).fingerprint == (
        current_inputs(with_key).fingerprint
    )
    setup.configure("# edited\n")
    edited = current_inputs(setup.env).fingerprint
    assert edited != first
    setup.cache_list("premiumize", HOSTERLIST)
    listed = current_inputs(setup.env).fingerprint
    assert listed != edited
    # A device login (a token file in the state directory) enables a provider too.
    state = Path(setup.env["LINKRESOLVER_STATE_DIR"])
    state.mkdir()
    (state / "realdebrid-token.json").write_text("{}", encoding="utf-8")
    assert current_inputs(setup.env).fingerprint != listed


def test_the_installed_code_is_in_the_fingerprint() -> None:
    from resolver_core import claims_data

    assert all(directory.is_dir() for directory in claims_data._CODE_DIRS)  # no folder that moved away


def test_a_debrid_list_never_cached_is_fetched_once_on_a_possible_hoster_link(setup: Setup) -> None:
    premiumize(setup)
    claims = setup.claims()
    setup.taken = lambda url: "youtube.com" in url
    with responses.RequestsMock() as api:
        api.get(PM_API, json={"status": 200, "result": HOSTERLIST})
        assert not claims.claims("https://www.youtube.com/watch?v=dQw4w9WgXcQ")  # yt-dlp's: no fetch
        assert len(api.calls) == 0 and setup.said == []
        assert not claims.claims("https://example.com/video.mp4")  # could have been a hoster's
        assert len(api.calls) == 1
        assert claims.claims(RAPIDGATOR_LINK)
        assert not claims.claims("https://example.org/other.mp4")
        assert setup.claims().claims("https://rg.to/file/xyz")  # the next run: from the cache
        assert len(api.calls) == 1
    assert len(setup.said) == 1 and "fetching the hoster list of premiumize, once" in setup.said[0]


def test_a_list_that_cannot_be_fetched_is_said_once_with_how_to_build_it(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    premiumize(setup, credentials=False)
    setup.configure("[providers.premiumize]\nenabled = true\n")  # credentials expected from yt-dlp
    assert not setup.claims().claims("https://example.com/video.mp4")
    assert len(setup.said) == 2
    assert "premiumize has no login" in setup.said[1] and "`linkresolver hosts`" in setup.said[1]
    assert not setup.claims().claims("https://example.com/video.mp4")  # not tried again so soon
    assert len(setup.said) == 2
    later = time.time() + RETRY_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert not setup.claims().claims("https://example.com/video.mp4")
    assert len(setup.said) == 4


def test_a_cached_list_claims_without_credentials_which_yt_dlp_may_bring(setup: Setup) -> None:
    premiumize(setup, credentials=False)
    setup.configure("[providers.premiumize]\nenabled = true\n")
    setup.cache_list("premiumize", HOSTERLIST)
    assert setup.claims().claims(RAPIDGATOR_LINK)
    setup.configure("")  # not enabled: neither by the file nor by credentials
    assert not setup.claims().claims(RAPIDGATOR_LINK)
    assert setup.said == []


def test_a_catastrophic_pattern_runs_as_hostermatch_runs_it(setup: Setup) -> None:
    premiumize(setup)
    setup.cache_list("premiumize", HOSTERLIST)
    claims = setup.claims()
    assert claims.claims("https://slow.example/aaaa")  # the pattern is in use
    started = time.perf_counter()
    assert not claims.claims("https://slow.example/" + "a" * 48 + "b")
    assert time.perf_counter() - started < 0.5  # Python's re would take hours


def test_a_broken_configuration_is_said_once_and_claims_nothing(setup: Setup) -> None:
    setup.configure("[providers.openload\n")
    assert not setup.claims().claims(OPENLOAD_LINK)
    assert len(setup.said) == 1 and "not valid TOML" in setup.said[0]
    assert not setup.claims().claims(OPENLOAD_LINK)
    assert len(setup.said) == 1


def test_a_damaged_or_foreign_data_file_is_rebuilt(setup: Setup) -> None:
    setup.configure("[providers.openload]\nenabled = true\n")
    setup.cache.mkdir()
    for damaged in ("{not json", '{"format": 1}', json.dumps({"format": 99}), "[]"):
        (setup.cache / DATA_FILE).write_text(damaged, encoding="utf-8")
        assert setup.claims().claims(OPENLOAD_LINK)
    header, hosters = (setup.cache / DATA_FILE).read_text(encoding="utf-8").splitlines()
    damaged = json.loads(header)
    damaged["domains"]["openload.co"] = [99]  # points to no hoster
    (setup.cache / DATA_FILE).write_text(f"{json.dumps(damaged)}\n{hosters}\n", encoding="utf-8")
    assert read_data(setup.cache) is not None  # its inputs unchanged: used, not rebuilt
    assert not setup.claims().claims(OPENLOAD_LINK)  # and what it lost, it does not claim


def test_an_unwritable_cache_still_decides(setup: Setup, tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("", encoding="utf-8")
    setup.env["LINKRESOLVER_CACHE_DIR"] = str(blocker / "cache")
    setup.configure("[providers.openload]\nenabled = true\n")
    assert setup.claims().claims(OPENLOAD_LINK)


@pytest.mark.parametrize(
    "url",
    [
        "https://rapidgator.net/file/x",
        "HTTPS://RapidGator.NET./file/x",
        "https://user:pw@rapidgator.net:8443/file/x",
        "https://rapidgator.net@evil.example/file/x",
        "https://evil.example\\@rapidgator.net/file/x",
        "http://[::1]:80/x",
        "https://ｒａｐｉｄｇａｔｏｒ.net/file/x",
        "https://xn--rapidgtor-ui1d.net/file/x",
        "https://evil.example?@rapidgator.net/",
        "https://evil.example#@rapidgator.net/",
        "http://rapidgator.net",
        "https://sub.rg.to/file/x",
    ],
)
def test_the_host_is_the_one_hostermatch_matches_on(url: str) -> None:
    split = split_url(url)
    assert split is not None
    assert url_host(url) == split.host


def test_not_a_web_link_is_not_a_question() -> None:
    for odd in ("", "not a url", "ytsearch:holiday", "magnet:?xt=urn:btih:" + "a" * 40, "ftp://x/y"):
        assert url_host(odd) is None


def test_deciding_imports_nothing_heavy_for_a_url_no_provider_could_claim(setup: Setup) -> None:
    premiumize(setup)
    setup.cache_list("premiumize", HOSTERLIST)
    setup.configure("[providers.openload]\nenabled = true\n")
    assert setup.claims().claims(RAPIDGATOR_LINK)  # the data built, as a first run does
    probe = (
        "import sys, json\n"
        "from resolver_core.ytdlp_claims import YtDlpClaims\n"
        "claims = YtDlpClaims(lambda url: False, print)\n"
        "decided = [claims.claims(url) for url in sys.argv[1:]]\n"
        "heavy = ('hostermatch', 're2', 'regex', 'pluggy', 'requests', 'resolver_core.pipeline',"
        " 'resolver_core.config', 'idna')\n"
        "print(json.dumps([decided, sorted(m for m in heavy if m in sys.modules)]))\n"
    )

    def run(*urls: str) -> list[object]:
        env = {**os.environ, **setup.env, "PYTHONPATH": str(REPO)}
        done = subprocess.run(
            [sys.executable, "-c", probe, *urls], env=env, capture_output=True, text=True, check=True
        )
        return list(json.loads(done.stdout.splitlines()[-1]))

    assert run("https://example.com/video.mp4", "http://127.0.0.1:9/x.mp4") == [[False, False], []]
    assert run(RAPIDGATOR_LINK) == [[True], ["hostermatch", "idna", "re2", "regex"]]  # the probe sees
