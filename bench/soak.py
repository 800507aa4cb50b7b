"""Soak: 1,000 links and 100 downloads against a sandbox that fails one API call in five and
cuts one download connection in ten.

Run:  .venv/bin/python bench/soak.py [--links 1000] [--downloads 100] [--fail-rate 0.2]
      [--cut-rate 0.1] [--seed 7]

The sandbox runs in its own process (``linkresolver sandbox --fail-rate --cut-rate``), as a
provider would; the faults are HTML error pages (500, 502), 503 and 509 with
``Retry-After: 1``, resets, answers later than the client's timeout, web pages instead of
JSON and JSON cut in half (:mod:`resolver_core.sandbox.faults`).

One configuration selects one Premiumize API, so the links go through five setups at once,
each its own resolver (as five users' programs would be) against the one sandbox:

* ``legacy``: the sandbox's exports as they are, every provider but the three below,
  Premiumize's legacy pm-api (65% of the links: Premiumize, Offcloud with magnets,
  Openload, Streamango, and highload, which hands its links to Premiumize);
* ``current``: Premiumize's current API (a key and no login) with Real-Debrid, Offcloud
  turned off (25%): Premiumize's hoster links, multi-file links and magnets (cached, and
  fetched by a transfer), Real-Debrid's hoster links (katfile.com, which Premiumize only has
  when cached, ddl.to, mega.nz folders);
* ``rdfirst``: ``--provider realdebrid --provider premiumize`` over the legacy exports
  (2.5%): Real-Debrid's magnets (cached, and downloaded first), one-file and multi-file, and
  turbobit.net links, which Real-Debrid has down and Premiumize's pm-api then serves;
* ``debrid3``: ``--provider alldebrid --provider torbox --provider debridlink`` (6%):
  AllDebrid's hitfile.net links (at once, delayed links polled every 5 s, folders through
  its redirector, dead ones) and magnets (cached; fetched over two seconds), TorBox's web
  downloads (krakenfiles.com at once, gofile.io slow, pixeldrain.com dead), Debrid-Link's
  uptobox.com links and filespace.com folders (and dead links);
* ``tbfirst``: ``--provider torbox --provider debridlink --provider alldebrid`` (1.5%):
  TorBox's torrents (cached; fetched), and magnets TorBox refuses (``DOWNLOAD_TOO_LARGE``,
  one of its documented errors) that Debrid-Link's seedbox then serves.

Dead links are among them (4%). Real-Debrid's share is small: it allows 4 calls a second,
and a magnet costs it six or more; TorBox's too: it allows 10 new downloads a minute and 60
an hour. Each service's documented limits hold in the sandbox as at the service.

What must hold, and is printed:

* every link ends as its scenario says: resolved (by a provider that serves it, to the file
  whose name the link gives, with the number of files it holds), said offline when dead, or
  an error of a provider that failed (an outage after faults); a dead link is never resolved,
  a live one never called dead, and no error is the bare base class. Some links are also
  checked: online, offline when dead, or an error that says the provider failed; a magnet
  fetched by a transfer is in Premiumize's cache afterwards;
* every downloaded file is verified: its sha1 against the API's (which the download checked
  too) or, when the API gives none, the file server's, and its size against the API's;
* no part file is left without its state file (a failed download can always resume);
* zero tracebacks, in this process's logs or the sandbox's;
* memory and threads flat: RSS after the last hundred links within 25 MB of after the
  first hundred, and the thread count back where it started after every batch.

Exit status 0 when all of it holds. ``tests/soak/test_soak.py`` runs it as a slow test.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkresolver.plugins.premiumize import current_sandbox
from linkresolver.plugins.premiumize.current_errors import NotInCache
from resolver_core import errors
from resolver_core.config import load_config
from resolver_core.download import DownloadOutcome, download_many
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.outcomes import CheckOutcome
from resolver_core.pipeline import Outcome, Resolver

#: Errors a live link may end with when the faults strike every attempt: the provider said
#: stop, or did not answer.
TRANSIENT: tuple[type[errors.ResolverError], ...] = (
    errors.ProviderOutage,
    errors.CoolingDown,
    errors.RateLimited,
    errors.QuotaExhausted,
    errors.HosterUnavailable,
)
#: Seconds the client waits for an answer (the sandbox's timeout fault holds one for 3).
CLIENT_TIMEOUT = 1.5
BATCHES = 10
#: The link mix repeats every 40 links (one slot: 2.5% of them).
SLOTS = 40
#: AllDebrid, TorBox and Debrid-Link: soaked in setups of their own (``debrid3``,
#: ``tbfirst``) and left out of the others, so that every link goes where its scenario says.
THE_THREE: Final = ("alldebrid", "torbox", "debridlink")
HEX = "0123456789abcdef"
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Setup:
    """One user's configuration: the sandbox's exports with ``env`` changes (None: left
    out), a configuration file, and the ``--provider`` order if any."""

    name: str
    env: dict[str, str | None] = field(default_factory=dict)
    config: str = ""
    providers: tuple[str, ...] = ()
    #: Built-in providers turned off (by default the three that have setups of their own).
    disabled: tuple[str, ...] = THE_THREE


def setups(sandbox_url: str) -> dict[str, Setup]:
    current_api = {
        "LINKRESOLVER_PREMIUMIZE_LOGIN": None,
        "LINKRESOLVER_PREMIUMIZE_API_BASE": sandbox_url + current_sandbox.API_PATH,
        "LINKRESOLVER_PREMIUMIZE_KEY": current_sandbox.KEY,
    }
    made = (
        Setup("legacy"),
        Setup("current", current_api, "[providers.offcloud]\nenabled = false\n"),
        Setup("rdfirst", providers=("realdebrid", "premiumize")),
        Setup("debrid3", providers=THE_THREE, disabled=()),
        Setup("tbfirst", providers=("torbox", "debridlink", "alldebrid"), disabled=()),
    )
    return {setup.name: setup for setup in made}


@dataclass(frozen=True, slots=True)
class SoakLink:
    """A link and how it must end: ``family`` names its scenario, ``setup`` the
    configuration that resolves it; resolved, only by one of ``providers`` (empty: any that
    serves it), to a file whose name holds ``mark``, with ``files`` files (0: one file, None:
    not checked)."""

    url: str
    dead: bool
    family: str
    setup: str = "legacy"
    providers: tuple[str, ...] = ()
    mark: str = ""
    files: int | None = None


@dataclass
class SoakReport:
    """What the soak saw; :meth:`problems` lists what broke a promise."""

    links: int = 0
    resolved: int = 0
    errors_by_kind: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    downloads: int = 0
    verified: int = 0
    download_errors: Counter[str] = field(default_factory=Counter)
    downloads_by_setup: Counter[str] = field(default_factory=Counter)
    orphan_parts: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)
    baseline_threads: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    api_calls: int = 0
    calls_by_service: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    by_provider: Counter[str] = field(default_factory=Counter)
    #: family: how its links ended (resolved, offline, outage, wrong).
    endings: dict[str, Counter[str]] = field(default_factory=dict)
    checks: Counter[str] = field(default_factory=Counter)
    #: family: how its checks ended.
    checks_by_family: dict[str, Counter[str]] = field(default_factory=dict)
    #: setup: seconds its resolver spent resolving (the setups run at once).
    resolve_seconds: dict[str, float] = field(default_factory=dict)
    #: The first outage of each scenario, and the first failed check: what a person read.
    first_errors: dict[str, str] = field(default_factory=dict)

    def problems(self, *, rss_growth_mb: float = 25.0) -> list[str]:
        found = list(self.wrong)
        if self.downloads and self.verified != self.downloads:
            found.append(f"{self.downloads - self.verified} downloaded files were not verified")
        found += [f"part file without a state: {name}" for name in self.orphan_parts]
        found += [f"traceback: {text[:300]}" for text in self.tracebacks]
        if len(self.rss_mb) >= 2 and self.rss_mb[-1] - self.rss_mb[0] > rss_growth_mb:
            found.append(
                f"memory grew {self.rss_mb[-1] - self.rss_mb[0]:.1f} MB from the first batch to the last"
            )
        if any(count > self.baseline_threads for count in self.threads):
            found.append(f"threads left behind: {self.threads} (started with {self.baseline_threads})")
        return found


def soak_links(count: int, rng: random.Random) -> list[SoakLink]:
    """``count`` links over the three setups' providers, 4% of them dead, shuffled."""
    made = [_link(n, rng) for n in range(count)]
    rng.shuffle(made)
    return made


def _info_hash(rng: random.Random, first: str) -> str:
    return rng.choice(first) + "".join(rng.choice(HEX) for _ in range(39))


def _link(n: int, rng: random.Random) -> SoakLink:
    """The ``n``-th link: its slot in the mix chooses the scenario."""
    dead = n % 25 == 0
    slot = n % SLOTS
    turn = n // SLOTS  # alternates variants within a slot
    tag = f"{rng.getrandbits(32):08x}"
    mark = f"soak{n}"
    # -- legacy: every provider, Premiumize's pm-api (26 slots)
    if slot < 6:
        fid = "status404" if dead else f"s{tag}{n}"
        return SoakLink(f"https://rapidgator.net/file/{fid}/{mark}.rar.html", dead, "pm-api", mark=mark)
    if slot < 10:  # Offcloud: instant links and cached magnets
        if slot == 8:
            magnet = f"magnet:?xt=urn:btih:{_info_hash(rng, '01234567')}&dn={mark}"
            return SoakLink(magnet, False, "offcloud-magnet", mark=mark)
        return SoakLink(f"https://mediafire.com/file/m{tag}{n}/{mark}.bin", False, "offcloud", mark=mark)
    if slot < 18:
        fid = f"status404x{tag}" if dead else f"o{tag}{mark}"
        return SoakLink(f"https://openload.co/f/{fid}/{mark}.bin", dead, "openload", mark=mark)
    if slot < 23:
        fid = f"status404x{tag}" if dead else f"g{tag}{mark}"  # its API names a file by its id
        return SoakLink(f"https://streamango.com/f/{fid}/{mark}.bin", dead, "streamango", mark=mark)
    if slot < 26:  # highload: its API has no download ticket; Premiumize serves it
        return SoakLink(f"https://highload.to/f/h{tag}n{n}/{mark}.mp4", False, "highload", mark=mark)
    # -- debrid3 and tbfirst: AllDebrid, TorBox and Debrid-Link (3 slots)
    if slot < 29:
        return debrid3_link(n, slot, turn, tag, mark, rng)
    # -- current: Premiumize's current API and Real-Debrid (10 slots)
    premiumize, realdebrid = ("premiumize",), ("realdebrid",)
    if slot in (29, 30, 37, 39):
        fid = "status404" if dead else f"c{tag}{n}"
        url = f"https://rapidgator.net/file/{fid}/{mark}.rar.html"
        return SoakLink(url, dead, "pm-current", "current", premiumize, mark, 0)
    if slot == 31:  # a multi-file link: three files
        fid = f"folder{tag}n{n}"
        url = f"https://rapidgator.net/file/{fid}/{mark}.rar.html"
        return SoakLink(url, False, "pm-current-multi", "current", premiumize, fid, 3)
    if slot < 34:  # magnets: in the cache (an info hash with a digit first), or fetched by a transfer
        cached = slot == 32 or turn % 2 == 1  # a transfer takes seconds of polls: fewer of them
        magnet = f"magnet:?xt=urn:btih:{_info_hash(rng, '0123456789' if cached else 'abcdef')}&dn={mark}"
        family = "pm-current-magnet-cached" if cached else "pm-current-magnet-transfer"
        # Real-Debrid, asked after Premiumize, may serve it when Premiumize is down.
        return SoakLink(magnet, False, family, "current", ("premiumize", "realdebrid"), mark, 3)
    if slot == 35:
        fid = f"status404{n % 1000:03d}" if dead else f"{tag}{n % 10000:04d}"
        return SoakLink(f"https://ddl.to/{fid}/{mark}.bin", dead, "rd-ddl", "current", realdebrid, mark, 0)
    if slot == 36 and turn % 2:  # a mega.nz folder (three files; four calls to Real-Debrid)
        url = f"https://mega.nz/folder/{mark}x{tag}"
        return SoakLink(url, False, "rd-folder", "current", realdebrid, mark, 3)
    if slot < 37:  # katfile.com: Premiumize has its links only when cached, Real-Debrid serves them
        url = f"https://katfile.com/{tag}{n % 10000:04d}/{mark}.bin"
        return SoakLink(url, False, "rd-katfile", "current", realdebrid, mark, 0)
    # -- rdfirst: Real-Debrid, then Premiumize's pm-api (1 slot)
    if slot == 38 and turn % 2 == 0:  # magnets cached or downloaded first; a season of three
        # files, or one file (each costs Real-Debrid six to eight calls: few of them)
        cached, single = turn % 4 == 0, turn % 8 < 4
        magnet = f"magnet:?xt=urn:btih:{_info_hash(rng, '01234567' if cached else '89abcdef')}"
        magnet += f"&dn={mark}single" if single else f"&dn={mark}"
        family = "rd-magnet-cached" if cached else "rd-magnet-download"
        return SoakLink(magnet, False, family, "rdfirst", realdebrid, mark, 0 if single else 3)
    # turbobit.net is down at Real-Debrid: Premiumize's pm-api serves its links
    url = f"https://turbobit.net/t{tag}n{n}.html"
    return SoakLink(url, False, "rd-down-to-pm-api", "rdfirst", premiumize, f"t{tag}n{n}", 0)


def debrid3_link(n: int, slot: int, turn: int, tag: str, mark: str, rng: random.Random) -> SoakLink:
    """AllDebrid's, TorBox's and Debrid-Link's links (slots 26-28): each serves hoster links
    only it has in the sandbox, so the provider a link ends at is known; magnets go to the
    first of the setup's order that takes them."""
    alldebrid, torbox, debridlink = ("alldebrid",), ("torbox",), ("debridlink",)
    if slot == 28 and turn % 2:  # AllDebrid's hoster links (hitfile.net)
        url = f"https://hitfile.net/{tag}{n}/{mark}.bin"
        return SoakLink(url, False, "ad-link", "debrid3", alldebrid, mark, 0)
    if slot == 26:  # AllDebrid: hoster links, delayed, folders, magnets, dead links
        kind = turn % 6
        if kind == 5:  # dead at its host: LINK_DOWN
            url = f"https://hitfile.net/status404{tag}/{mark}.bin"
            return SoakLink(url, True, "ad-link", "debrid3", alldebrid, mark, 0)
        if kind == 1:  # a delayed link: ready a second later, polled every 5 seconds
            url = f"https://hitfile.net/delayed{tag}/{mark}.bin"
            return SoakLink(url, False, "ad-delayed", "debrid3", alldebrid, mark, 0)
        if kind == 2:  # a folder: link/redirector, then each of its two links unlocked
            url = f"https://hitfile.net/folder/{mark}x{tag}"
            return SoakLink(url, False, "ad-folder", "debrid3", alldebrid, mark, 2)
        if kind in (3, 4):  # magnets: cached (three files), or fetched in two seconds (one)
            cached = kind == 3
            name = mark if cached else f"{mark}single"
            magnet = f"magnet:?xt=urn:btih:{_info_hash(rng, '01234567' if cached else '89abcdef')}&dn={name}"
            family = "ad-magnet-cached" if cached else "ad-magnet-fetched"
            # TorBox, asked next, serves it when AllDebrid fails.
            return SoakLink(magnet, False, family, "debrid3", THE_THREE, mark, 3 if cached else 0)
        url = f"https://hitfile.net/{tag}{n}/{mark}.bin"
        return SoakLink(url, False, "ad-link", "debrid3", alldebrid, mark, 0)
    if slot == 27 and turn % 4 == 0:  # TorBox's web downloads: at once, slow (3 s), dead
        kind = turn // 4 % 4
        if kind == 3:
            url = f"https://pixeldrain.com/u/status404{tag}/{mark}.bin"
            return SoakLink(url, True, "tb-webdl", "debrid3", torbox, mark, 0)
        if kind == 1:
            url = f"https://gofile.io/d/slow{tag}/{mark}.bin"
            return SoakLink(url, False, "tb-webdl-slow", "debrid3", torbox, mark, 0)
        url = f"https://krakenfiles.com/view/{tag}{n}/{mark}.bin"
        return SoakLink(url, False, "tb-webdl", "debrid3", torbox, mark, 0)
    if slot == 27:  # Debrid-Link: uptobox.com links, filespace.com folders, dead links
        kind = turn % 4
        if kind == 3 and turn % 8 == 3:
            url = f"https://uptobox.com/status404{tag[:3]}/{mark}.bin"  # an id of 12 letters
            return SoakLink(url, True, "dl-link", "debrid3", debridlink, mark, 0)
        if kind == 1:
            url = f"https://filespace.com/folder/{mark}x{tag}"
            return SoakLink(url, False, "dl-folder", "debrid3", debridlink, mark, 3)
        url = f"https://uptobox.com/{tag}{n % 10000:04d}/{mark}.bin"
        return SoakLink(url, False, "dl-link", "debrid3", debridlink, mark, 0)
    # tbfirst: TorBox's torrents, cached (three files) or fetched (one); a magnet TorBox
    # refuses (DOWNLOAD_TOO_LARGE, documented) goes on to Debrid-Link's seedbox.
    kind = turn // 2 % 3
    if kind == 2:
        first = "01234567" if turn % 4 == 0 else "89abcdef"
        magnet = f"magnet:?xt=urn:btih:{_info_hash(rng, first)}&dn={mark}tberrorDOWNLOAD_TOO_LARGE"
        # AllDebrid, asked last, serves it when Debrid-Link fails.
        return SoakLink(
            magnet, False, "tb-refused-to-dl-magnet", "tbfirst", ("debridlink", "alldebrid"), mark, 3
        )
    cached = kind == 0
    name = mark if cached else f"{mark}single"
    magnet = f"magnet:?xt=urn:btih:{_info_hash(rng, '01234567' if cached else '89abcdef')}&dn={name}"
    family = "tb-magnet-cached" if cached else "tb-magnet-fetched"
    return SoakLink(magnet, False, family, "tbfirst", THE_THREE, mark, 3 if cached else 0)


def download_links(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(setup, link): Openload and Streamango links (their APIs give each file's sha1) of
    1-4 MiB; a tenth each of Real-Debrid's and Premiumize's current API's links, and an
    eighth of AllDebrid's, Debrid-Link's and TorBox's (no sha1 from the API: the file
    server's, and the API's size)."""
    hosts = ("streamango.com", "openload.co")
    made: list[tuple[str, str]] = []
    for n in range(count):
        tag = f"{rng.getrandbits(32):08x}"
        if n % 10 == 8:
            made.append(("current", f"https://ddl.to/{tag}dl{n % 100:02d}/f{n}.bin"))
        elif n % 10 == 9:
            made.append(("current", f"https://rapidgator.net/file/dl{tag}/f{n}.bin.html"))
        elif n % 20 == 7:
            made.append(("debrid3", f"https://hitfile.net/dl{tag}/f{n}.bin"))
        elif n % 20 == 17:
            made.append(("debrid3", f"https://uptobox.com/{tag}dl{n % 100:02d}/f{n}.bin"))
        elif n % 40 == 5:  # TorBox's creations are few an hour: fewer of them
            made.append(("debrid3", f"https://krakenfiles.com/view/dl{tag}/f{n}.bin"))
        else:
            made.append(("legacy", f"https://{hosts[n % 2]}/f/dl{tag}size{1 + n % 4}m/f{n}.bin"))
    return made


def judge(link: SoakLink, outcome: Outcome, files_url: str) -> tuple[str, str | None]:
    """How ``link`` ended (resolved, offline, outage, wrong) and what is wrong with it, if anything."""
    if outcome.status == "ok":
        problem = _wrong_resolution(link, outcome, files_url)
        return ("wrong", problem) if problem else ("resolved", None)
    error = outcome.error
    if error is None or type(error) is errors.ResolverError:
        return "wrong", f"{link.url}: ended without a specific error ({error})"
    failures = error.failures if isinstance(error, errors.AllProvidersFailed) else [error]
    if link.dead:
        if any(isinstance(f, errors.FileOffline) for f in failures):
            return "offline", None
        if all(isinstance(f, TRANSIENT) for f in failures):
            return "outage", None
        return "wrong", f"{link.url}: a dead link ended as {error.kind}: {error.for_person()}"
    # Premiumize has a katfile.com link only when cached: its "not in the cache" sends the
    # link on to Real-Debrid, whose outage is then the ending.
    passed_on = (NotInCache,) if any(isinstance(f, TRANSIENT) for f in failures) else ()
    if all(isinstance(f, (*TRANSIENT, errors.NoDownloadApi, *passed_on)) for f in failures):
        return "outage", None
    return "wrong", f"{link.url}: a live link ended as {error.kind}: {error.for_person()}"


def _wrong_resolution(link: SoakLink, outcome: Outcome, files_url: str) -> str | None:
    resolved = outcome.link
    if link.dead:
        return f"{link.url}: a dead link was resolved"
    if resolved is None or not resolved.url.startswith(files_url):
        return f"{link.url}: resolved to {resolved.url if resolved else None}, not a sandbox file"
    if link.providers and outcome.provider not in link.providers:
        return f"{link.url}: resolved by {outcome.provider}, expected {' or '.join(link.providers)}"
    if link.files is not None and len(resolved.files) != link.files:
        return f"{link.url}: resolved to {len(resolved.files)} files, expected {link.files}"
    names = [_name(resolved.url), *(_name(item.url) for item in resolved.files)]
    # Debrid-Link's seedbox names a season's files by episode: they are counted, not named.
    by_episode = link.url.startswith("magnet:") and outcome.provider == "debridlink"
    if link.mark and not by_episode and not all(link.mark in name for name in names):
        return f"{link.url}: resolved to {names}, not the files named {link.mark}"
    return None


def _name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


class _Tracebacks(logging.Handler):
    """Every log record that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info or "Traceback (most recent call last)" in text:
            self.seen.append(self.format(record))


def rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


@contextlib.contextmanager
def faulty_sandbox(fail_rate: float, cut_rate: float, seed: int, log_path: Path) -> Iterator[dict[str, str]]:
    """``linkresolver sandbox`` with faults, in its own process; its environment lines."""
    with (
        log_path.open("w", encoding="utf-8") as stderr,
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "linkresolver",
                "sandbox",
                "--fail-rate",
                str(fail_rate),
                "--cut-rate",
                str(cut_rate),
                "--fault-seed",
                str(seed),
            ],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as server,
    ):
        try:
            assert server.stdout is not None
            env: dict[str, str] = {}
            for line in server.stdout:
                if line.startswith("export "):
                    name, _, value = line[len("export ") :].strip().partition("=")
                    env[name] = value
                elif line.startswith("# Ctrl-C"):
                    break
            yield env
        finally:
            server.terminate()
            server.wait(10)


def run_soak(
    *,
    links: int = 1000,
    downloads: int = 100,
    fail_rate: float = 0.2,
    cut_rate: float = 0.1,
    seed: int = 7,
    work: Path,
    say: bool = True,
) -> SoakReport:
    rng = random.Random(seed)
    report = SoakReport(links=links)
    catcher = _Tracebacks()
    root = logging.getLogger()
    root.addHandler(catcher)
    previous_level = root.level
    root.setLevel(logging.INFO)
    started = time.perf_counter()
    try:
        with faulty_sandbox(fail_rate, cut_rate, seed, work / "sandbox.log") as env:
            sandbox_url = env["LINKRESOLVER_PREMIUMIZE_API_BASE"].split("/premiumize/")[0]
            files_url = sandbox_url + "/files/"
            resolvers = {
                name: _resolver(setup, env, work / name, report.calls_by_service)
                for name, setup in setups(sandbox_url).items()
            }
            for resolver in resolvers.values():
                resolver.index()
            report.baseline_threads = threading.active_count()
            chosen = soak_links(links, rng)
            endings: dict[str, Outcome] = {}
            size = max(1, len(chosen) // BATCHES)
            for start in range(0, len(chosen), size):
                batch = chosen[start : start + size]
                outcomes = _each_setup(
                    resolvers, batch, lambda r, urls: r.resolve_many(urls), report.resolve_seconds
                )
                for link, outcome in zip(batch, outcomes, strict=True):
                    endings[link.url] = outcome
                    _tally(link, outcome, files_url, report)
                report.rss_mb.append(rss_mb())
                report.threads.append(threading.active_count())
                if say:
                    print(
                        f"  links {start + len(batch):5d}: resolved {report.resolved}, "
                        f"rss {report.rss_mb[-1]:.1f} MB, threads {report.threads[-1]}",
                        flush=True,
                    )
            _check(resolvers, chosen, endings, report)
            if downloads:
                out = work / "downloads"
                wanted = download_links(downloads, rng)
                by_setup = _each_setup(
                    resolvers,
                    [SoakLink(url, False, "download", setup) for setup, url in wanted],
                    lambda r, urls: download_many(r, urls, out, connections=4, files_at_once=4),
                )
                _judge_downloads(by_setup, [setup for setup, _ in wanted], report)
                report.orphan_parts = sorted(
                    p.name for p in out.glob("*.part") if not p.with_name(p.name + ".state").exists()
                )
                report.threads.append(threading.active_count())
            report.api_calls = sum(report.calls_by_service.values()) - report.calls_by_service["files"]
            with urllib.request.urlopen(sandbox_url + "/_sandbox/faults", timeout=10) as answer:
                report.faults = json.loads(answer.read())
    finally:
        root.removeHandler(catcher)
        root.setLevel(previous_level)
    report.seconds = time.perf_counter() - started
    report.tracebacks = catcher.seen + _sandbox_tracebacks(work / "sandbox.log")
    return report


def _resolver(setup: Setup, exported: dict[str, str], work: Path, calls: Counter[str]) -> Resolver:
    """A resolver of ``setup``'s configuration, its API calls counted by service in ``calls``."""
    env = dict(exported)
    for name, value in setup.env.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    work.mkdir(parents=True, exist_ok=True)
    config_path = work / "config.toml"
    config_path.write_text(setup.config, encoding="utf-8")
    resolver = build_resolver(
        load_config(config_path, env=env),
        pm=make_plugin_manager(
            load_entry_points=False, env={"LINKRESOLVER_DISABLE_PLUGINS": ",".join(setup.disabled)}
        ),
        provider_names=setup.providers,
        cache_dir=work / "cache",
        timeout=CLIENT_TIMEOUT,
    )
    resolver.session.hooks["response"].append(lambda r, *a, **k: calls.update([_service(r.url)]))
    return resolver


def _service(url: str) -> str:
    """Which service's API a call went to: the sandbox's first path segment, and for
    Premiumize which of its APIs."""
    path = urlsplit(url).path
    if path.startswith(current_sandbox.API_PATH + "/"):
        return "premiumize-current"
    service = path.strip("/").split("/", 1)[0] or "?"
    return "premiumize-pm-api" if service == "premiumize" else service


def _each_setup(
    resolvers: dict[str, Resolver],
    links: list[SoakLink],
    work: Callable[[Resolver, list[str]], list[_T]],
    seconds: dict[str, float] | None = None,
) -> list[_T]:
    """``work`` done by each setup's resolver on its links, the setups at once; in ``links``'
    order. ``seconds``: each setup's time added up."""

    def timed(name: str, urls: list[str]) -> list[_T]:
        started = time.perf_counter()
        try:
            return work(resolvers[name], urls)
        finally:
            if seconds is not None:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started

    groups: dict[str, list[int]] = {}
    for position, link in enumerate(links):
        groups.setdefault(link.setup, []).append(position)
    results: list[_T | None] = [None] * len(links)
    with ThreadPoolExecutor(max_workers=max(1, len(groups)), thread_name_prefix="soak-setup") as pool:
        futures = {
            name: pool.submit(timed, name, [links[p].url for p in positions])
            for name, positions in groups.items()
        }
        for name, future in futures.items():
            for position, result in zip(groups[name], future.result(), strict=True):
                results[position] = result
    return [result for result in results if result is not None]


def _tally(link: SoakLink, outcome: Outcome, files_url: str, report: SoakReport) -> None:
    if outcome.status == "ok":
        report.resolved += 1
        label = outcome.provider or "?"
        if label == "premiumize":
            label += "-current" if link.setup == "current" else "-pm-api"
        report.by_provider[label] += 1
    else:
        report.errors_by_kind[outcome.error.kind if outcome.error else "?"] += 1
    ending, problem = judge(link, outcome, files_url)
    if ending == "outage" and outcome.error is not None:
        report.first_errors.setdefault(link.family, outcome.error.for_person())
    report.endings.setdefault(link.family, Counter())[ending] += 1
    if problem:
        report.wrong.append(problem)


#: The links checked, and how: the file hosts' own file/info (highload's too, which resolves
#: through Premiumize), Real-Debrid's unrestrict/check, Premiumize's cache/check of magnets.
CHECKED: Final = frozenset(
    {"openload", "streamango", "highload", "rd-ddl", "rd-folder", "pm-current-magnet-cached", "ad-link"}
    | {"pm-current-magnet-transfer"}
)


def _check(
    resolvers: dict[str, Resolver], chosen: list[SoakLink], endings: dict[str, Outcome], report: SoakReport
) -> None:
    """Check links whose state is known: online, offline when dead, or an error that says
    the provider failed. A magnet Premiumize fetched by a transfer is in its cache afterwards."""
    checked = [link for link in chosen if link.family in CHECKED]
    answers = _each_setup(resolvers, checked, lambda r, urls: r.check_many(urls))
    for link, check in zip(checked, answers, strict=True):
        report.checks[check.status] += 1
        report.checks_by_family.setdefault(link.family, Counter())[check.status] += 1
        if check.error is not None:
            report.first_errors.setdefault(f"check {link.family}", check.error.for_person())
        problem = _judge_check(link, check, endings[link.url])
        if problem:
            report.wrong.append(problem)


def _judge_check(link: SoakLink, check: CheckOutcome, ending: Outcome) -> str | None:
    if check.status == "error" and isinstance(check.error, TRANSIENT):
        return None
    if link.family.startswith("pm-current-magnet"):
        fetched = link.family.endswith("cached") or ending.provider == "premiumize"
        if check.status == "online" and "premiumize" in check.cached_at:
            return None
        # Premiumize's answer is missing (Real-Debrid's "cannot tell" stands), or the
        # transfer of a magnet Real-Debrid served instead may still be under way.
        if check.status == "unknown" and (check.provider != "premiumize" or not fetched):
            return None
        where = check.cached_at or check.provider
        return f"{link.url}: checked {check.status} at {where}, expected cached at premiumize"
    expected = "offline" if link.dead else "online"
    if check.status == expected:
        return None
    return f"{link.url}: checked {check.status}, expected {expected} ({check.error})"


def _judge_downloads(results: list[DownloadOutcome], setups_of: list[str], report: SoakReport) -> None:
    for result, setup in zip(results, setups_of, strict=True):
        report.downloads += 1
        error = result.error or result.outcome.error
        if error is not None:
            report.download_errors[error.kind] += 1
            if not isinstance(error, TRANSIENT) and not (
                isinstance(error, errors.AllProvidersFailed)
                and all(isinstance(f, TRANSIENT) for f in error.failures)
            ):
                report.wrong.append(
                    f"{result.outcome.input}: download ended as {error.kind}: {error.for_person()}"
                )
            report.downloads -= 1  # not downloaded: counted by kind, judged above
            continue
        link = result.outcome.link
        for saved in result.saved:
            data = saved.path.read_bytes()
            digest = hashlib.sha1(data).hexdigest()
            # The API's sha1 when it gave one (and then the download checked it too); else
            # (Real-Debrid, Premiumize, or a link that failed over to one) the file server's.
            expected = link.sha1 if link is not None and link.sha1 else _served_sha1(link.url if link else "")
            size_ok = link is None or link.files or link.size is None or link.size == len(data)
            if digest == expected and size_ok and (saved.verified or not (link and link.sha1)):
                report.verified += 1
                report.downloads_by_setup[setup] += 1
            else:
                size = link.size if link else None
                report.wrong.append(
                    f"{saved.path.name}: sha1 {digest}, expected {expected};"
                    f" {len(data)} bytes, the API said {size}"
                )


def _served_sha1(url: str) -> str | None:
    """The sha1 of the bytes the sandbox's file server serves at ``url`` (its X-Sha1 header)."""
    request = urllib.request.Request(url, headers={"Range": "bytes=0-0"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        served: str | None = answer.headers.get("X-Sha1")
    return served


def _sandbox_tracebacks(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return [f"sandbox: {chunk[:300]}" for chunk in text.split("Traceback (most recent call last)")[1:]]


def print_report(report: SoakReport) -> None:
    failed = report.links - report.resolved
    print(f"\nsoak: {report.links} links in {report.seconds:.0f} s, {report.api_calls} API calls")
    calls = dict(sorted(report.calls_by_service.items()))
    print(f"  calls by service (files: the downloads' requests): {calls}")
    print(f"  faults injected: {dict(sorted(report.faults.items()))}")
    print(f"  resolved {report.resolved} ({dict(sorted(report.by_provider.items()))}), failed {failed}")
    print(f"  errors by kind: {dict(sorted(report.errors_by_kind.items()))}")
    print("  how the links ended, by scenario:")
    for family, ended in sorted(report.endings.items()):
        print(f"    {family:28s} {sum(ended.values()):4d}: {dict(sorted(ended.items()))}")
    print(f"  checked {sum(report.checks.values())} links: {dict(sorted(report.checks.items()))}")
    for family, ended in sorted(report.checks_by_family.items()):
        print(f"    {family:28s} {sum(ended.values()):4d}: {dict(sorted(ended.items()))}")
    print("  the first outage or failed check of each scenario:")
    for family, said in sorted(report.first_errors.items()):
        print(f"    {family}: {said[:160]}")
    spent = {name: round(value) for name, value in sorted(report.resolve_seconds.items())}
    print(f"  seconds resolving, by setup (at once): {spent}")
    by_setup = dict(sorted(report.downloads_by_setup.items()))
    print(f"  downloads: {report.verified}/{report.downloads} verified (by setup: {by_setup})")
    print(f"  not downloaded, by kind: {dict(report.download_errors)}")
    print(f"  rss MB by batch: {', '.join(f'{m:.0f}' for m in report.rss_mb)}")
    print(f"  threads by batch: {report.threads} (baseline {report.baseline_threads})")
    problems = report.problems()
    print(f"  tracebacks: {len(report.tracebacks)}; problems: {len(problems)}")
    for problem in problems[:30]:
        print(f"    - {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--downloads", type=int, default=100)
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument("--cut-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="linkresolver-soak-") as work:
        report = run_soak(
            links=args.links,
            downloads=args.downloads,
            fail_rate=args.fail_rate,
            cut_rate=args.cut_rate,
            seed=args.seed,
            work=Path(work),
        )
    print_report(report)
    return 1 if report.problems() else 0


if __name__ == "__main__":
    raise SystemExit(main())
