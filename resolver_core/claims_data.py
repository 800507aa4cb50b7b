"""The yt-dlp plugin's decision data: built from the configuration, the environment, the
cached hoster lists and the installed code, fingerprinted by them, and kept in the cache
directory (:data:`DATA_FILE`), so that :mod:`resolver_core.ytdlp_claims` decides without a
network call or a heavy import.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Final, NamedTuple

from .atomicfile import write_text

#: The decision data, in linkresolver's cache directory.
DATA_FILE: Final = "ytdlp-claims.json"
#: The data's layout; part of the fingerprint, so a new layout is rebuilt, never misread.
FORMAT: Final = 1
#: How long a failed fetch of a pending hoster list keeps the next one from being tried.
RETRY_SECONDS: Final = 3600.0
#: The ``LINKRESOLVER_*`` variables no provider reads: they do not change what is claimed.
_IRRELEVANT_ENV: Final = frozenset(
    {"LINKRESOLVER_LOG_FILE", "LINKRESOLVER_ARIA2_SECRET", "LINKRESOLVER_SERVE_TOKEN"}
)
#: Variables whose value is a secret: only whether they are set enters the fingerprint (a
#: provider is enabled by having credentials, not by which), so the data file, readable
#: like the rest of the cache, holds no digest a short PIN could be guessed from.
_SECRET_SUFFIXES: Final = ("_KEY", "_PASSWORD", "_PIN", "_SECRET", "_TOKEN")
_CONFIG_ENV: Final = "LINKRESOLVER_CONFIG"
_CACHE_ENV: Final = "LINKRESOLVER_CACHE_DIR"
_APP_NAME: Final = "linkresolver"
#: The installed code: a new version (or a new plugin) changes these directories.
_CODE_DIRS: Final = (
    Path(__file__).resolve().parents[1],
    *(
        Path(__file__).resolve().parents[1] / name
        for name in ("resolver_core", "hostermatch", "linkresolver", "linkresolver/plugins")
    ),
)
_STATE_ENV: Final = "LINKRESOLVER_STATE_DIR"
#: A device login's token file (``resolver_core.device_login``): logging in or out enables
#: or disables a provider.
_TOKEN_FILE_SUFFIX: Final = "-token.json"  # noqa: S105 (a file name)


# -- the inputs and their fingerprint --------------------------------------------------------


class Inputs(NamedTuple):
    """Where the decision's inputs are, and their fingerprint."""

    config_path: Path
    cache_dir: Path
    fingerprint: str


def current_inputs(environ: Mapping[str, str]) -> Inputs:
    """The inputs as they are now: a few ``stat`` calls and a directory listing."""
    config_path = config_path_of(environ)
    cache_dir = cache_dir_of(environ)
    parts: list[object] = [FORMAT, str(config_path), _stamp(config_path), str(cache_dir)]
    for name in sorted(environ):
        if name.startswith("LINKRESOLVER_") and name not in _IRRELEVANT_ENV:
            value = environ[name]
            parts.append((name, bool(value) if name.endswith(_SECRET_SUFFIXES) else value))
    parts += _hosterlist_stamps(cache_dir)
    parts += _token_stamps(environ)
    parts += [_stamp(directory) for directory in _CODE_DIRS]
    return Inputs(config_path, cache_dir, hashlib.sha256(repr(parts).encode()).hexdigest())


def config_path_of(environ: Mapping[str, str]) -> Path:
    """The configuration file :func:`resolver_core.config.load_config` reads (that module
    costs more to import than deciding may; a test holds the two together)."""
    configured = environ.get(_CONFIG_ENV)
    if configured:
        given = Path(configured)
    else:
        from platformdirs import user_config_dir  # noqa: PLC0415 (only when no path is given)

        given = Path(user_config_dir(_APP_NAME)) / "config.toml"
    try:
        return given.expanduser()
    except RuntimeError:  # "~someone" of a user this system does not know: load_config says so
        return given


def cache_dir_of(environ: Mapping[str, str]) -> Path:
    """linkresolver's cache directory, as the pipeline finds it."""
    configured = environ.get(_CACHE_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir  # noqa: PLC0415 (only when no path is given)

    return Path(user_cache_dir(_APP_NAME))


def _stamp(path: Path) -> tuple[int, int, int] | str:
    try:
        status = path.stat()
    except FileNotFoundError:
        return "absent"
    except OSError as exc:
        return f"unreadable {exc.errno}"
    return status.st_mtime_ns, status.st_size, status.st_ino


def _hosterlist_stamps(cache_dir: Path) -> list[tuple[str, tuple[int, int, int] | str]]:
    from .cache import HOSTERLIST_PREFIX  # noqa: PLC0415 (cache.py is light, but only now)

    try:
        names = sorted(
            entry.name
            for entry in os.scandir(cache_dir)
            if entry.name.startswith(HOSTERLIST_PREFIX) and entry.name.endswith(".json")
        )
    except OSError:
        return []
    return [(name, _stamp(cache_dir / name)) for name in names]


def _token_stamps(environ: Mapping[str, str]) -> list[tuple[str, tuple[int, int, int] | str]]:
    configured = environ.get(_STATE_ENV)
    if configured:
        state_dir = Path(configured)
    else:
        from platformdirs import user_state_dir  # noqa: PLC0415 (only when no path is given)

        state_dir = Path(user_state_dir(_APP_NAME))
    try:
        names = sorted(
            entry.name for entry in os.scandir(state_dir) if entry.name.endswith(_TOKEN_FILE_SUFFIX)
        )
    except OSError:
        return []
    return [(name, _stamp(state_dir / name)) for name in names]


# -- the data ---------------------------------------------------------------------------------


class Hoster(NamedTuple):
    """One hoster of one provider, as the plugin matches it."""

    owner: str
    name: str
    patterns: tuple[str, ...]


class ClaimData:
    """What the plugin decides by (see the module docstring).

    On disk, two lines of JSON: what every URL needs (the domains, the pending providers),
    then the hosters' patterns, read only when a URL is on a hoster's domain.
    """

    __slots__ = ("_hosters", "_hosters_text", "domains", "failed", "fingerprint", "pending", "problem")

    def __init__(
        self,
        fingerprint: str,
        *,
        hosters: tuple[Hoster, ...] | str = (),
        domains: Mapping[str, list[int]] | None = None,
        pending: tuple[str, ...] = (),
        failed: Mapping[str, float] | None = None,
        problem: str | None = None,
    ) -> None:
        self.fingerprint = fingerprint
        #: Domain -> the positions in :attr:`hosters` of the hosters whose links can be on
        #: it (the domains a list names and the hosts its patterns name).
        self.domains: Mapping[str, list[int]] = domains or {}
        #: Enabled providers whose hoster list has never been cached.
        self.pending = pending
        #: Pending provider -> when fetching its list last failed (seconds since the epoch).
        self.failed: Mapping[str, float] = failed or {}
        #: Why nothing can be claimed (a configuration error), said once when found.
        self.problem = problem
        self._hosters: tuple[Hoster, ...] | None = None if isinstance(hosters, str) else hosters
        self._hosters_text = hosters if isinstance(hosters, str) else ""

    @property
    def hosters(self) -> tuple[Hoster, ...]:
        """Best provider first, as linkresolver orders them; read from the file on first use
        (a file that lost them claims nothing)."""
        if self._hosters is None:
            try:
                self._hosters = tuple(
                    Hoster(str(owner), str(name), tuple(str(pattern) for pattern in patterns))
                    for owner, name, patterns in json.loads(self._hosters_text)
                )
            except (TypeError, ValueError):
                self._hosters = ()
        return self._hosters

    def candidates(self, host: str) -> tuple[int, ...]:
        """The hosters whose links can be on ``host`` or a domain above it, best first."""
        domains = self.domains
        found: set[int] = set()
        start = 0
        while True:
            hit = domains.get(host[start:])
            if hit:
                found.update(hit)
            start = host.find(".", start) + 1
            if start == 0:
                break
        return tuple(sorted(found))

    def due(self, now: float) -> tuple[str, ...]:
        """The pending providers whose list may be fetched now."""
        return tuple(name for name in self.pending if now - self.failed.get(name, 0.0) >= RETRY_SECONDS)

    def with_failures(self, failed: Mapping[str, float]) -> ClaimData:
        return ClaimData(
            self.fingerprint,
            hosters=self.hosters,
            domains=self.domains,
            pending=self.pending,
            failed={**self.failed, **failed},
            problem=self.problem,
        )

    def to_text(self) -> str:
        header = {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "domains": self.domains,
            "pending": self.pending,
            "failed": self.failed,
            "problem": self.problem,
        }
        hosters = [[hoster.owner, hoster.name, hoster.patterns] for hoster in self.hosters]
        return json.dumps(header) + "\n" + json.dumps(hosters) + "\n"

    @classmethod
    def from_text(cls, text: str) -> ClaimData | None:
        """The data of a file, or None when it is not what :meth:`to_text` wrote."""
        first, _, rest = text.partition("\n")
        try:
            header = json.loads(first)
        except ValueError:
            return None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            return None
        fingerprint, domains = header.get("fingerprint"), header.get("domains")
        pending, failed, problem = header.get("pending"), header.get("failed"), header.get("problem")
        if not (
            isinstance(fingerprint, str)
            and isinstance(domains, dict)
            and all(isinstance(positions, list) for positions in domains.values())
            and isinstance(pending, list)
            and all(isinstance(name, str) for name in pending)
            and isinstance(failed, dict)
            and all(isinstance(when, int | float) for when in failed.values())
            and (problem is None or isinstance(problem, str))
        ):
            return None
        return cls(
            fingerprint, hosters=rest, domains=domains, pending=tuple(pending), failed=failed, problem=problem
        )


def read_data(cache_dir: Path) -> ClaimData | None:
    try:
        with open(cache_dir / DATA_FILE, encoding="utf-8") as handle:
            return ClaimData.from_text(handle.read())
    except (OSError, ValueError):
        return None


def write_data(cache_dir: Path, data: ClaimData) -> None:
    """Atomically (a crash leaves the old file); a cache that cannot be written only means
    rebuilding in the next run."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_text(cache_dir / DATA_FILE, data.to_text(), prefix=".claims-")
    except OSError:
        pass


# -- building the data (the slow path: once per change of the inputs) -------------------------


def build_data(inputs: Inputs, environ: Mapping[str, str]) -> ClaimData:
    """The data for ``inputs``: the enabled providers loaded, no network call."""
    from hostermatch import HosterIndex  # noqa: PLC0415 (only when the inputs changed)

    from .cache import CachedListsOnly, HosterListMissing  # noqa: PLC0415
    from .config import load_config  # noqa: PLC0415
    from .errors import ResolverError  # noqa: PLC0415
    from .factory import build_resolver  # noqa: PLC0415
    from .manager import make_plugin_manager  # noqa: PLC0415

    index = HosterIndex()
    pending: list[str] = []
    with quiet():
        try:
            env = dict(environ)
            pm = make_plugin_manager(env=env)
            resolver = build_resolver(load_config(env=env), pm=pm, cache_dir=inputs.cache_dir)
        except ResolverError as exc:
            return ClaimData(
                inputs.fingerprint,
                problem=f"linkresolver: {exc.for_person()}; yt-dlp gets no links from it until that is fixed",
            )
        ctx = replace(resolver.context(), cache=CachedListsOnly(inputs.cache_dir))
        for provider in resolver.providers:
            try:
                hosters = list(provider.hosters(ctx))
            except HosterListMissing:
                pending.append(provider.name)
                continue
            except ResolverError:
                continue  # it serves nothing now (no credentials...): linkresolver says why
            except Exception:  # noqa: BLE001, S112 (a broken third-party provider leaves the others)
                continue
            for hoster in hosters:
                index.add(hoster.name, hoster.patterns, owner=provider.name, domains=hoster.domains)
    known = index.hosters()
    domains: dict[str, list[int]] = {}
    for position, info in enumerate(known):
        for domain in info.domains:
            domains.setdefault(domain, []).append(position)
    return ClaimData(
        inputs.fingerprint,
        hosters=tuple(Hoster(info.owner, info.hoster, info.patterns) for info in known),
        domains=domains,
        pending=tuple(pending),
    )


def fetch_lists(names: tuple[str, ...], environ: Mapping[str, str], cache_dir: Path) -> dict[str, str]:
    """Fetch and cache the hoster lists of providers ``names``; why each failed one did."""
    from .config import load_config  # noqa: PLC0415
    from .errors import ResolverError  # noqa: PLC0415
    from .factory import build_resolver  # noqa: PLC0415
    from .manager import make_plugin_manager  # noqa: PLC0415

    env = dict(environ)
    with quiet():
        try:
            resolver = build_resolver(
                load_config(env=env),
                pm=make_plugin_manager(env=env),
                provider_names=names,
                cache_dir=cache_dir,
            )
            resolver.index()
        except ResolverError as exc:
            return dict.fromkeys(names, exc.for_person())
    return {name: problem.for_person() for name, problem in resolver.problems.items()}


@contextmanager
def quiet() -> Iterator[None]:
    """linkresolver's and hostermatch's warnings (a pattern skipped, a config key unknown)
    are for linkresolver's own commands to show, not for every yt-dlp run."""
    loggers = [logging.getLogger(name) for name in ("linkresolver", "hostermatch")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


# -- one URL ----------------------------------------------------------------------------------
