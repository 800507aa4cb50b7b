"""The yt-dlp plugin with the real yt-dlp: in process through YoutubeDL, and the `yt-dlp`
command as a user runs it, against the sandbox."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import requests
import yt_dlp  # the [dev] extra installs it

from .conftest import CLI

YTDLP = str(Path(sys.executable).with_name("yt-dlp"))


@pytest.fixture
def ytdlp_env(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> Iterator[CLI]:
    """Premiumize's hoster list cached (as after any `linkresolver` run), the environment set."""
    assert cli("hosts").returncode == 0
    for name, value in cli.env.items():
        if name.startswith("LINKRESOLVER_"):
            monkeypatch.setenv(name, value)
    from yt_dlp_plugins.extractor import linkresolver as plugin

    plugin.CLAIMS.reset()  # decide by this test's configuration and cache
    yield cli
    plugin.CLAIMS.reset()


def ytdlp(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed `yt-dlp` command, as a user runs it."""
    return subprocess.run(
        [YTDLP, *arguments], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def served_sha1(cli: CLI, link: str) -> str:
    url = cli("resolve", "--json", link).json_lines()[0]["url"]
    return str(requests.get(url, timeout=10).headers["X-Sha1"])


def test_youtubedl_in_process_downloads_a_hoster_link(ytdlp_env: CLI, tmp_path: Path) -> None:
    link = "https://rapidgator.net/file/ytdl01/Holiday.Film.mkv"
    options = {"outtmpl": str(tmp_path / "%(title)s.%(ext)s"), "quiet": True, "noprogress": True}
    with yt_dlp.YoutubeDL(options) as ydl:
        info = ydl.extract_info(link, download=True)
    assert info["extractor"] == "linkresolver" and info["ext"] == "mkv"
    saved = tmp_path / "Holiday.Film.mkv"
    assert hashlib.sha1(saved.read_bytes()).hexdigest() == served_sha1(ytdlp_env, link)


def test_links_it_does_not_know_are_left_to_yt_dlp_and_cost_microseconds(ytdlp_env: CLI) -> None:
    from yt_dlp_plugins.extractor.linkresolver import LinkResolverIE

    youtube = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert not LinkResolverIE.suitable(youtube)
    assert LinkResolverIE.suitable("https://rapidgator.net/file/abc")
    assert not LinkResolverIE.suitable("https://rapidgator.net.evil.example/file/abc")
    for odd in ("", "not a url", "http://[::1", None):
        assert not LinkResolverIE.suitable(odd)
    with yt_dlp.YoutubeDL({"quiet": True}) as ydl:
        first = next(ie for ie in ydl._ies.values() if ie.suitable(youtube))
    assert first.IE_NAME == "youtube"
    started = time.perf_counter()
    for _ in range(1000):
        LinkResolverIE.suitable(youtube)
    assert (time.perf_counter() - started) / 1000 < 0.001  # well under a millisecond a URL


def test_the_yt_dlp_command_downloads_with_the_installed_plugin(ytdlp_env: CLI, tmp_path: Path) -> None:
    link = "https://rapidgator.net/file/ytdl02/Holiday.Trailer.mp4"
    env = {**ytdlp_env.env, "HOME": str(tmp_path)}
    env.pop("PYTHONPATH", None)  # the plugin as installed, not from the source tree
    done = ytdlp(["--no-config", "-q", "-o", str(tmp_path / "%(title)s.%(ext)s"), link], env)
    assert done.returncode == 0, done.stderr
    saved = tmp_path / "Holiday.Trailer.mp4"
    assert hashlib.sha1(saved.read_bytes()).hexdigest() == served_sha1(ytdlp_env, link)


def test_errors_are_expected_and_in_linkresolvers_words(ytdlp_env: CLI, tmp_path: Path) -> None:
    env = {**ytdlp_env.env, "HOME": str(tmp_path)}
    gone = ytdlp(
        ["--no-config", "-o", str(tmp_path / "x.%(ext)s"), "https://rapidgator.net/file/status404"], env
    )
    assert gone.returncode == 1
    assert "premiumize says the file was deleted at the hoster" in gone.stderr
    assert "Traceback" not in gone.stderr and "report this issue" not in gone.stderr
    archive = "https://rapidgator.net/file/ytdl03/Holiday.Extras.rar"
    refused = ytdlp(["--no-config", "-o", str(tmp_path / "%(title)s.%(ext)s"), archive], env)
    assert refused.returncode == 1 and "--compat-options allow-unsafe-ext" in refused.stderr
    allowed = ytdlp(
        [
            "--no-config",
            "-q",
            "--compat-options",
            "allow-unsafe-ext",
            "-o",
            str(tmp_path / "%(title)s.%(ext)s"),
            archive,
        ],
        env,
    )
    assert allowed.returncode == 0, allowed.stderr
    assert (tmp_path / "Holiday.Extras.rar").exists()


def test_provider_choice_from_extractor_args(ytdlp_env: CLI, tmp_path: Path) -> None:
    env = {**ytdlp_env.env, "HOME": str(tmp_path)}
    done = ytdlp(
        [
            "--no-config",
            "--extractor-args",
            "linkresolver:provider=openload",
            "-o",
            str(tmp_path / "x.%(ext)s"),
            "https://rapidgator.net/file/ytdl04/Film.mkv",
        ],
        env,
    )
    assert done.returncode == 1 and "no enabled provider serves this link" in done.stderr


@pytest.mark.parametrize("how", ["arguments", "netrc"])
def test_credentials_from_yt_dlp(ytdlp_env: CLI, tmp_path: Path, how: str) -> None:
    """--username/--password, or --netrc (machine linkresolver), for the provider that serves
    it: enabled in the configuration, its credentials kept in yt-dlp's. A run with them does
    not rewrite what the plugin decides by."""
    from linkresolver.plugins.premiumize.sandbox import LOGIN, PIN
    from resolver_core.ytdlp_claims import DATA_FILE

    env = {
        k: v
        for k, v in ytdlp_env.env.items()
        if k not in ("LINKRESOLVER_PREMIUMIZE_LOGIN", "LINKRESOLVER_PREMIUMIZE_KEY")
    }
    env["HOME"] = str(tmp_path)
    env["LINKRESOLVER_DISABLE_PLUGINS"] = "offcloud"  # Premiumize alone serves rapidgator here
    ytdlp_env.config.write_text("[providers.premiumize]\nenabled = true\n", encoding="utf-8")
    if how == "netrc":
        netrc = tmp_path / ".netrc"
        netrc.write_text(f"machine linkresolver login {LOGIN} password {PIN}\n", encoding="utf-8")
        netrc.chmod(0o600)
        credentials = ["--netrc", "--extractor-args", "linkresolver:provider=premiumize"]
    else:
        credentials = [
            "--username",
            LOGIN,
            "--password",
            PIN,
            "--extractor-args",
            "linkresolver:provider=premiumize",
        ]
    link = "https://rapidgator.net/file/ytdlcred/Holiday.Credits.mkv"
    without = ytdlp(["--no-config", "-o", str(tmp_path / "a.%(ext)s"), link], env)
    assert without.returncode == 1
    assert "[linkresolver]" in without.stdout and "premiumize has no login" in without.stderr
    decided_by = tmp_path / "cache" / DATA_FILE
    before = decided_by.read_bytes(), decided_by.stat().st_mtime_ns
    done = ytdlp(["--no-config", "-q", *credentials, "-o", str(tmp_path / "%(title)s.%(ext)s"), link], env)
    assert done.returncode == 0, done.stderr
    assert (decided_by.read_bytes(), decided_by.stat().st_mtime_ns) == before
    assert (tmp_path / "Holiday.Credits.mkv").exists()
    assert PIN not in done.stderr + without.stderr


# -- sites yt-dlp supports, and hostile patterns -------------------------------------------------

DEAD_PROXY = "http://127.0.0.1:9"  # nothing listens there: yt-dlp's requests fail at once
VIDEO_SITES = {
    # As the real-world lists have them (../shared/data/real_hoster_patterns.json).
    "vimeo": {
        "tlds": ["vimeo.com"],
        "regexes": [r"https?://(?:www\.)?(player\.)?vimeo\.com/(video/)?(?P<ID>\d+)"],
    },
    "soundcloud": {
        "tlds": ["soundcloud.com"],
        "regexes": [r"https?://(?:www\.)?soundcloud\.com/[\w\-]+/[\w\-]+"],
    },
    "slow": {"tlds": ["slow.example"], "regexes": ["(a+)+$"]},
}


def add_to_premiumizes_list(cli: CLI, hosters: Mapping[str, object]) -> None:
    """Premiumize's cached hoster list (the sandbox's, from `linkresolver hosts`) with ``hosters``."""
    cached = cli.home / "cache" / "hosterlist-premiumize.json"
    hosterlist = json.loads(cached.read_text(encoding="utf-8"))
    hosterlist["hosters"].update(hosters)
    cached.write_text(json.dumps(hosterlist), encoding="utf-8")


def test_sites_yt_dlp_supports_stay_yt_dlps_even_when_a_hoster_list_names_them(
    ytdlp_env: CLI, tmp_path: Path
) -> None:
    from resolver_core.ytdlp_claims import YtDlpClaims
    from yt_dlp_plugins.extractor import linkresolver as plugin

    add_to_premiumizes_list(ytdlp_env, VIDEO_SITES)
    sites = {
        "https://vimeo.com/76979871": "vimeo",
        "https://soundcloud.com/forss/flickermood": "soundcloud",
        "https://rapidgator.net/file/ytdl05/Holiday.Film.mkv": "linkresolver",
    }
    claims_all = YtDlpClaims(lambda url: False, print)  # the list alone, yt-dlp not asked
    assert all(claims_all.claims(url) for url in sites)
    plugin.CLAIMS.reset()
    with yt_dlp.YoutubeDL({"quiet": True}) as ydl:
        assert next(iter(ydl._ies)) == "LinkResolver"  # plugins are asked first
        for url, expected in sites.items():
            chosen = next(ie for ie in ydl._ies.values() if ie.suitable(url))
            assert (url, chosen.IE_NAME) == (url, expected)
    env = {**ytdlp_env.env, "HOME": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    for url in list(sites)[:2]:
        done = ytdlp(["--no-config", "--simulate", "--proxy", DEAD_PROXY, url], env)
        assert done.stdout.startswith(f"[{sites[url]}] "), done.stdout  # its first line: yt-dlp's own
        assert "[linkresolver]" not in done.stdout + done.stderr


def test_a_catastrophic_hoster_pattern_does_not_slow_yt_dlp(ytdlp_env: CLI, tmp_path: Path) -> None:
    """``(a+)+$`` takes Python's ``re`` hours on 48 a's and a b; hostermatch runs it safely."""
    from resolver_core.ytdlp_claims import YtDlpClaims

    add_to_premiumizes_list(ytdlp_env, VIDEO_SITES)
    assert YtDlpClaims(lambda url: False, print).claims("https://slow.example/aaaa")  # in use
    env = {**ytdlp_env.env, "HOME": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    hostile = "https://slow.example/" + "a" * 48 + "b"
    unrelated = "https://unrelated.example/" + "a" * 48 + "b"

    def seconds(url: str) -> float:
        started = time.perf_counter()
        done = ytdlp(["--no-config", "--simulate", "--proxy", DEAD_PROXY, url], env)
        assert f"[generic] Extracting URL: {url}" in done.stdout  # declined, left to yt-dlp
        return time.perf_counter() - started

    seconds(unrelated)  # the first run builds the plugin's data
    hostile_runs, unrelated_runs = [], []
    for _ in range(3):
        hostile_runs.append(seconds(hostile))
        unrelated_runs.append(seconds(unrelated))
    # The difference is hostermatch's import and one bounded match, well under a second.
    assert min(hostile_runs) < min(unrelated_runs) + 1.0, (hostile_runs, unrelated_runs)


def test_a_debrid_list_never_cached_is_fetched_once_by_the_first_possible_hoster_link(
    cli: CLI, tmp_path: Path
) -> None:
    """No `linkresolver` run before: the debrid services' lists (Premiumize's, Real-Debrid's,
    AllDebrid's, TorBox's, Debrid-Link's) are fetched by yt-dlp's first link that could be a
    hoster's, said in one line, and read from the cache afterwards."""
    env = {**cli.env, "HOME": str(tmp_path), "LINKRESOLVER_DISABLE_PLUGINS": "offcloud"}
    env.pop("PYTHONPATH", None)
    out = str(tmp_path / "%(title)s.%(ext)s")
    first = ytdlp(["--no-config", "-o", out, "https://rapidgator.net/file/ytdl06/Holiday.First.mkv"], env)
    assert first.returncode == 0, first.stderr
    said = [line for line in first.stderr.splitlines() if "hoster list" in line]
    assert len(said) == 1 and said[0].startswith(
        "linkresolver: fetching the hoster list of premiumize, realdebrid, debridlink, torbox, alldebrid,"
        " once"
    )
    assert (tmp_path / "Holiday.First.mkv").exists()
    second = ytdlp(["--no-config", "-o", out, "https://rapidgator.net/file/ytdl07/Holiday.Second.mkv"], env)
    assert second.returncode == 0, second.stderr
    assert "hoster list" not in second.stderr and (tmp_path / "Holiday.Second.mkv").exists()
