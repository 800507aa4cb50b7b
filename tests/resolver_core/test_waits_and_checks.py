"""Waits overlap (a waiting link lends its provider's slot), checks go in batches, and a
captcha nobody can answer fails the link with a message that says how to answer it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from resolver_core import errors
from resolver_core.config import ProviderSettings
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.models import CaptchaChallenge, LinkState, LinkStatus, ProviderKind, ResolvedLink
from resolver_core.pipeline import Resolver
from resolver_core.provider import HosterSpec, Provider, ResolveContext

from .fakes import RAPIDGATOR, ProvidersPlugin, ScriptedProvider, empty_config


class WaitingProvider(Provider):
    """Each link waits ``wait`` seconds through the context, like a download ticket."""

    name = "waiting"
    kind = ProviderKind.FILEHOST
    max_concurrency = 1
    may_wait = True

    def __init__(self, wait: float, *, captcha: bool = False) -> None:
        super().__init__(ProviderSettings("waiting", key="k"))
        self.wait = wait
        self.captcha = captcha
        self.busy = 0
        self.most_busy = 0
        self._lock = threading.Lock()

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        return [RAPIDGATOR]

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        with self._lock:  # "requests" in flight: bounded by max_concurrency
            self.busy += 1
            self.most_busy = max(self.most_busy, self.busy)
        time.sleep(0.01)
        with self._lock:
            self.busy -= 1
        answer = (
            ctx.solve_captcha(CaptchaChallenge(self.name, url, "data:x", b"img", "image/png"))
            if self.captcha
            else ""
        )
        ctx.wait(self.wait)
        return ResolvedLink(url, f"https://direct.example/{answer}", self.name, hoster)


class CheckingProvider(ScriptedProvider):
    can_check = True
    check_batch_size = 50

    def __init__(self, name: str, priority: int) -> None:
        super().__init__(name, priority)
        self.batches: list[int] = []

    def check(
        self, urls: Sequence[str], hoster: str, ctx: ResolveContext
    ) -> list[LinkStatus | errors.ResolverError]:
        self.batches.append(len(urls))
        answers: list[LinkStatus | errors.ResolverError] = []
        for url in urls:
            if url.endswith("gone"):
                answers.append(LinkStatus(url, LinkState.OFFLINE, self.name, hoster))
            elif url.endswith("broken"):
                answers.append(errors.ProviderOutage("reports status 500", code=500))
            else:
                answers.append(LinkStatus(url, LinkState.ONLINE, self.name, hoster, "f.bin", 10))
        return answers


def resolver(tmp_path: Path, *providers: Provider, **options: object) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*providers)],
        env={"LINKRESOLVER_DISABLE_PLUGINS": "premiumize,openload_family"},
    )
    return build_resolver(empty_config(tmp_path), pm=pm, **options)  # type: ignore[arg-type]


def test_waits_overlap_even_with_one_slot(tmp_path: Path) -> None:
    provider = WaitingProvider(1.0)
    urls = [f"https://rapidgator.net/file/w{i}" for i in range(30)]
    started = time.monotonic()
    outcomes = resolver(tmp_path, provider).resolve_many(urls)
    elapsed = time.monotonic() - started
    assert [o.status for o in outcomes] == ["ok"] * 30
    assert elapsed < 2.5, elapsed  # 30 one-second waits at once, not one after another
    assert provider.most_busy == 1  # while the requests themselves stayed one at a time


def test_interrupted_wait_ends_the_link(tmp_path: Path) -> None:
    run = resolver(tmp_path, WaitingProvider(30.0))
    threading.Timer(0.3, run.cancelled.set).start()
    started = time.monotonic()
    outcome = run.resolve_many(["https://rapidgator.net/file/long"])[0]
    assert time.monotonic() - started < 5
    assert outcome.status == "error" and isinstance(outcome.error, errors.Interrupted)


def test_captcha_with_no_solver_says_how_to_supply_one(tmp_path: Path) -> None:
    outcome = resolver(tmp_path, WaitingProvider(0, captcha=True)).resolve_many(
        ["https://rapidgator.net/file/c"]
    )[0]
    assert isinstance(outcome.error, errors.CaptchaWrong)
    text = outcome.error.for_person()
    assert "--captcha-command" in text and "captcha_command" in text and "terminal" in text


def test_captcha_prompt_is_the_last_resort(tmp_path: Path) -> None:
    asked: list[CaptchaChallenge] = []

    def prompt(challenge: CaptchaChallenge) -> str:
        asked.append(challenge)
        return "typed"

    run = resolver(tmp_path, WaitingProvider(0, captcha=True), captcha_prompt=prompt)
    outcome = run.resolve_many(["https://rapidgator.net/file/c"])[0]
    assert outcome.link is not None and outcome.link.url.endswith("/typed")
    assert asked[0].image == b"img"


def test_checks_go_in_batches_and_keep_input_order(tmp_path: Path) -> None:
    provider = CheckingProvider("checker", 1)
    urls = [f"https://rapidgator.net/file/c{i:03d}" for i in range(118)]
    urls += ["https://rapidgator.net/file/gone", "https://rapidgator.net/file/broken"]
    seen: list[int] = []
    outcomes = resolver(tmp_path, provider).check_many(urls, lambda position, _: seen.append(position))
    assert sorted(provider.batches) == [20, 50, 50]
    assert [o.input for o in outcomes] == urls
    assert [o.status for o in outcomes[-3:]] == ["online", "offline", "error"]
    assert outcomes[-1].error is not None and outcomes[-1].error.code == 500
    assert outcomes[-1].error.provider == "checker"
    assert sorted(seen) == list(range(120))


def test_check_prefers_a_provider_that_can_check(tmp_path: Path) -> None:
    debrid = ScriptedProvider("debrid", 1)  # better priority, but says "unknown"
    checker = CheckingProvider("checker", 5)
    outcome = resolver(tmp_path, debrid, checker).check_many(["https://rapidgator.net/file/x"])[0]
    assert outcome.provider == "checker" and outcome.status == "online"


def test_a_failed_batch_fails_each_of_its_links(tmp_path: Path) -> None:
    class Failing(CheckingProvider):
        def check(
            self, urls: Sequence[str], hoster: str, ctx: ResolveContext
        ) -> list[LinkStatus | errors.ResolverError]:
            raise errors.ProviderOutage("did not answer in time")

    outcomes = resolver(tmp_path, Failing("f", 1)).check_many(
        ["https://rapidgator.net/file/a", "https://rapidgator.net/file/b"]
    )
    assert [o.status for o in outcomes] == ["error", "error"]
    assert all(o.error is not None and "did not answer" in o.error.for_person() for o in outcomes)


def test_ties_of_priority_go_to_a_file_hosts_own_api_without_tickets(tmp_path: Path) -> None:
    debrid = ScriptedProvider("debrid", 50)
    debrid.kind = ProviderKind.DEBRID  # type: ignore[misc]
    host = ScriptedProvider("host", 50)
    host.kind = ProviderKind.FILEHOST  # type: ignore[misc]
    run = resolver(tmp_path, debrid, host)
    assert [p.name for p in run.providers] == ["host", "debrid"]
