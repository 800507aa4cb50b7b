"""Soak: 1,000 links and 100 downloads against a sandbox that fails one API call in five and
cuts one download connection in ten.

Run:  .venv/bin/python bench/soak.py [--links 1000] [--downloads 100] [--fail-rate 0.2]
      [--cut-rate 0.1] [--seed 7]

The sandbox runs in its own process (``linkresolver sandbox --fail-rate --cut-rate``), as a
provider would; the faults are HTML error pages (500, 502), 503 and 509 with
``Retry-After: 1``, resets, answers later than the client's timeout, web pages instead of
JSON and JSON cut in half (:mod:`resolver_core.sandbox.faults`). The links span the five
providers (Premiumize, Offcloud with magnets, Openload, Streamango, and highload, which
hands its links to Premiumize), with dead ones among them.

What must hold, and is printed:

* every link ends resolved, or with a specific error of the right kind: a dead link is
  never resolved, a live one never called dead, and no error is the bare base class; the
  file hosts' links are also checked (file/info): online, offline when dead, or an error
  that says the provider failed;
* every downloaded file is sha1-verified: hashed here against the API's sha1 (which the
  download checked too) or, for a link that failed over to a provider that gives none, the
  file server's;
* no part file is left without its state file (a failed download can always resume);
* zero tracebacks, in this process's logs or the sandbox's;
* memory and threads flat: RSS after the last hundred links within 25 MB of after the
  first hundred, and the thread count back where it started after every batch.

Exit status 0 when all of it holds. ``tests/soak/test_soak.py`` runs a smaller soak as a
slow test.
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resolver_core import errors
from resolver_core.config import load_config
from resolver_core.download import DownloadOutcome, download_many
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.pipeline import Outcome

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


@dataclass(frozen=True, slots=True)
class SoakLink:
    url: str
    dead: bool
    family: str


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
    orphan_parts: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)
    baseline_threads: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    api_calls: int = 0
    seconds: float = 0.0
    by_provider: Counter[str] = field(default_factory=Counter)
    checks: Counter[str] = field(default_factory=Counter)

    def problems(self, *, rss_growth_mb: float = 25.0) -> list[str]:
        found = list(self.wrong)
        if self.downloads and self.verified != self.downloads:
            found.append(f"{self.downloads - self.verified} downloaded files were not sha1-verified")
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
    """``count`` links over the five providers, 4% of them dead, shuffled."""
    made: list[SoakLink] = []
    for n in range(count):
        dead = n % 25 == 0
        slot = n % 20
        tag = f"{rng.getrandbits(32):08x}"
        if slot < 5:  # Premiumize
            fid = "status404" if dead else f"s{tag}{n}"
            made.append(SoakLink(f"https://rapidgator.net/file/{fid}/soak{n}.rar.html", dead, "premiumize"))
        elif slot < 8:  # Offcloud: instant links and cached magnets
            if slot == 7 and not dead:
                info_hash = f"{rng.randrange(8)}" + "".join(rng.choice("0123456789abcdef") for _ in range(39))
                made.append(SoakLink(f"magnet:?xt=urn:btih:{info_hash}&dn=soak{n}", False, "offcloud"))
            else:
                made.append(SoakLink(f"https://mediafire.com/file/m{tag}{n}/soak{n}.bin", False, "offcloud"))
        elif slot < 13:  # Openload
            fid = f"status404x{tag}" if dead else f"o{tag}n{n}"
            made.append(SoakLink(f"https://openload.co/f/{fid}/soak{n}.bin", dead, "openload"))
        elif slot < 17:  # Streamango
            fid = f"status404x{tag}" if dead else f"g{tag}n{n}"
            made.append(SoakLink(f"https://streamango.com/f/{fid}/soak{n}.bin", dead, "streamango"))
        else:  # highload: its API has no download ticket; Premiumize serves it
            made.append(SoakLink(f"https://highload.to/f/h{tag}n{n}/soak{n}.mp4", False, "highload"))
    rng.shuffle(made)
    return made


def download_links(count: int, rng: random.Random) -> list[str]:
    """Openload and Streamango links (their APIs give each file's sha1) of 1-4 MiB."""
    hosts = ("streamango.com", "openload.co")
    return [
        f"https://{hosts[n % 2]}/f/dl{rng.getrandbits(32):08x}size{1 + n % 4}m/f{n}.bin" for n in range(count)
    ]


def judge(link: SoakLink, outcome: Outcome, files_url: str) -> str | None:
    """What is wrong with how ``link`` ended, or None."""
    if outcome.status == "ok":
        if link.dead:
            return f"{link.url}: a dead link was resolved"
        if outcome.link is None or not outcome.link.url.startswith(files_url):
            return f"{link.url}: resolved to {outcome.link.url if outcome.link else None}, not a sandbox file"
        return None
    error = outcome.error
    if error is None or type(error) is errors.ResolverError:
        return f"{link.url}: ended without a specific error ({error})"
    failures = error.failures if isinstance(error, errors.AllProvidersFailed) else [error]
    if link.dead:
        if any(isinstance(f, errors.FileOffline) for f in failures) or all(
            isinstance(f, TRANSIENT) for f in failures
        ):
            return None
        return f"{link.url}: a dead link ended as {error.kind}: {error.for_person()}"
    if all(isinstance(f, (*TRANSIENT, errors.NoDownloadApi)) for f in failures):
        return None
    return f"{link.url}: a live link ended as {error.kind}: {error.for_person()}"


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
            files_url = env["LINKRESOLVER_PREMIUMIZE_API_BASE"].split("/premiumize/")[0] + "/files/"
            config_path = work / "config.toml"
            config_path.write_text("", encoding="utf-8")
            resolver = build_resolver(
                load_config(config_path, env=env),
                pm=make_plugin_manager(load_entry_points=False),
                cache_dir=work / "cache",
                timeout=CLIENT_TIMEOUT,
            )
            calls = Counter[str]()
            resolver.session.hooks["response"].append(lambda r, *a, **k: calls.update(["call"]))
            resolver.index()
            report.baseline_threads = threading.active_count()
            chosen = soak_links(links, rng)
            size = max(1, len(chosen) // BATCHES)
            for start in range(0, len(chosen), size):
                batch = chosen[start : start + size]
                outcomes = resolver.resolve_many([link.url for link in batch])
                for link, outcome in zip(batch, outcomes, strict=True):
                    if outcome.status == "ok":
                        report.resolved += 1
                        report.by_provider[outcome.provider or "?"] += 1
                    else:
                        report.errors_by_kind[outcome.error.kind if outcome.error else "?"] += 1
                    problem = judge(link, outcome, files_url)
                    if problem:
                        report.wrong.append(problem)
                report.rss_mb.append(rss_mb())
                report.threads.append(threading.active_count())
                if say:
                    print(
                        f"  links {start + len(batch):5d}: resolved {report.resolved}, "
                        f"rss {report.rss_mb[-1]:.1f} MB, threads {report.threads[-1]}",
                        flush=True,
                    )
            # Checks exercise the file hosts' own file/info (highload's too, which resolves
            # through Premiumize): every link online, or offline when dead, or a transient error.
            checked = [link for link in chosen if link.family in ("openload", "streamango", "highload")]
            for link, check in zip(checked, resolver.check_many([link.url for link in checked]), strict=True):
                report.checks[check.status] += 1
                expected = "offline" if link.dead else "online"
                if check.status != expected and not (
                    check.status == "error" and isinstance(check.error, TRANSIENT)
                ):
                    report.wrong.append(
                        f"{link.url}: checked {check.status}, expected {expected} ({check.error})"
                    )
            if downloads:
                out = work / "downloads"
                results = download_many(
                    resolver, download_links(downloads, rng), out, connections=4, files_at_once=4
                )
                _judge_downloads(results, report)
                report.orphan_parts = sorted(
                    p.name for p in out.glob("*.part") if not p.with_name(p.name + ".state").exists()
                )
                report.threads.append(threading.active_count())
            report.api_calls = calls["call"]
            with urllib.request.urlopen(
                files_url.replace("/files/", "/_sandbox/faults"), timeout=10
            ) as answer:
                report.faults = json.loads(answer.read())
    finally:
        root.removeHandler(catcher)
        root.setLevel(previous_level)
    report.seconds = time.perf_counter() - started
    report.tracebacks = catcher.seen + _sandbox_tracebacks(work / "sandbox.log")
    return report


def _judge_downloads(results: list[DownloadOutcome], report: SoakReport) -> None:
    for result in results:
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
            digest = hashlib.sha1(saved.path.read_bytes()).hexdigest()
            # The API's sha1 when it gave one (and then the download checked it too); else
            # (a link that failed over to Premiumize, which gives none) the file server's.
            expected = link.sha1 if link is not None and link.sha1 else _served_sha1(link.url if link else "")
            if digest == expected and (saved.verified or not (link and link.sha1)):
                report.verified += 1
            else:
                report.wrong.append(f"{saved.path.name}: sha1 {digest}, expected {expected}")


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
    print(f"  faults injected: {dict(sorted(report.faults.items()))}")
    print(f"  resolved {report.resolved} ({dict(sorted(report.by_provider.items()))}), failed {failed}")
    print(f"  errors by kind: {dict(sorted(report.errors_by_kind.items()))}")
    print(f"  checked {sum(report.checks.values())} file-host links: {dict(sorted(report.checks.items()))}")
    print(f"  downloads: {report.verified}/{report.downloads} sha1-verified")
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
