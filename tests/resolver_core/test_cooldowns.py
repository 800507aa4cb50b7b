"""Cooldowns: a provider that says stop is not asked again before the time it asked for, by
any worker or by the next run."""

from __future__ import annotations

import json
import os
import threading
import time
from email.utils import formatdate
from pathlib import Path

import pytest
import responses

from resolver_core import cooldowns, errors
from resolver_core.device_login import state_dir
from resolver_core.factory import build_resolver
from resolver_core.http import get_json, make_session
from resolver_core.manager import make_plugin_manager
from resolver_core.models import ResolvedLink
from resolver_core.pipeline import Resolver
from resolver_core.provider import ResolveContext
from resolver_core.state import SqliteStateStore

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config


class Saying(ScriptedProvider):
    """Answers every call with ``error`` (a fresh copy), the first ``times`` calls only
    when ``times`` is given; a direct link after that."""

    max_concurrency = 8

    def __init__(
        self, name: str, priority: int, error: errors.ResolverError, times: int | None = None
    ) -> None:
        super().__init__(name, priority)
        self.error = error
        self.times = times

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        with self._lock:
            self.calls.append(url)
            count = len(self.calls)
        time.sleep(0.002)
        if self.times is None or count <= self.times:
            e = self.error
            copy = type(e)(e.message, code=e.code, retry_after=e.retry_after if e.retry_after_given else None)
            copy.no_answer = e.no_answer
            raise copy
        return ResolvedLink(url, f"https://{self.name}.example/x", self.name, hoster)


def make(tmp_path: Path, *providers: ScriptedProvider) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*providers)],
        env={"LINKRESOLVER_DISABLE_PLUGINS": "premiumize"},
    )
    return build_resolver(empty_config(tmp_path), pm=pm)


def links(count: int) -> list[str]:
    return [f"https://rapidgator.net/file/f{i}" for i in range(count)]


# -- what says stop, and for how long -----------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "whole", "seconds"),
    [
        (errors.QuotaExhausted("x", code=509), True, 600),
        (errors.HosterUnavailable("x", code=428), False, 300),
        (errors.ProviderOutage("x", code=502), False, 180),  # the hoster behind it failed
        (errors.ProviderOutage("x", code=503), True, 180),  # maintenance: the provider
        (errors.RateLimited("x", code=429), True, 60),
        (errors.ProviderOutage("x", code=503, retry_after=7), True, 7),  # Retry-After wins
        (errors.QuotaExhausted("x", code=509, retry_after=2), True, 2),
    ],
)
def test_what_each_answer_rests(error: errors.ResolverError, whole: bool, seconds: float) -> None:
    assert cooldowns.rest_for(error) == (whole, seconds)


@pytest.mark.parametrize(
    "error",
    [
        errors.ProviderOutage("did not answer in time"),  # no word from the provider
        errors.ProviderOutage("answered HTTP 200 with an HTML page", code=200),
        errors.FileOffline("x", code=404),
        errors.AuthFailed("x", code=401),
        errors.PaymentRequired("x", code=402),
    ],
)
def test_what_does_not_rest(error: errors.ResolverError) -> None:
    assert cooldowns.rest_for(error) is None


def test_retry_after_in_seconds_and_dates() -> None:
    now = time.time()
    assert cooldowns.retry_after_seconds("120") == 120
    assert cooldowns.retry_after_seconds(" 5 ") == 5
    assert cooldowns.retry_after_seconds(formatdate(now + 90, usegmt=True), now=now) == pytest.approx(
        90, abs=1
    )
    assert cooldowns.retry_after_seconds(formatdate(now - 90, usegmt=True), now=now) == 0
    assert cooldowns.retry_after_seconds("9" * 40) == cooldowns.MAX_REST  # bounded
    for nonsense in (None, "", "soon", "-5", "1.5e3", "²", "Mon, 99 Foo 2026"):
        assert cooldowns.retry_after_seconds(nonsense) is None, nonsense


# -- HTTP answers that say stop -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "error_class", "retry_after"),
    [
        (429, {"Retry-After": "42"}, errors.RateLimited, 42),
        (429, {}, errors.RateLimited, 60),
        (503, {"Retry-After": "17"}, errors.ProviderOutage, 17),
        (509, {"Retry-After": "900"}, errors.QuotaExhausted, 900),
    ],
)
def test_http_stop_answers(
    status: int, headers: dict[str, str], error_class: type[errors.ResolverError], retry_after: float
) -> None:
    session = make_session(retries=2)
    with responses.RequestsMock() as mocked:
        mocked.get("https://api.example/x", status=status, headers=headers, body="<html>busy</html>")
        with pytest.raises(error_class) as raised:
            get_json(session, "https://api.example/x", provider="prov")
        # urllib3 would have slept through Retry-After inside the request; it must not.
        assert len(mocked.calls) == 1
    assert raised.value.code == status and raised.value.retry_after == retry_after
    assert cooldowns.rest_for(raised.value) is not None


def test_a_503_without_retry_after_is_still_retried_by_the_transport() -> None:
    session = make_session(retries=2)
    with responses.RequestsMock() as mocked:
        mocked.get("https://api.example/x", status=503, body="busy")
        mocked.get("https://api.example/x", json={"ok": 1})
        assert get_json(session, "https://api.example/x", provider="prov") == {"ok": 1}


# -- cooldowns in the pipeline ------------------------------------------------------------------------


def test_one_509_stops_a_batch_of_500(tmp_path: Path) -> None:
    """The first answers say stop; the workers in flight finish, and nobody asks again."""
    provider = Saying("busy", 1, errors.QuotaExhausted("says the fair-use limit is exhausted", code=509))
    outcomes = make(tmp_path, provider).resolve_many(links(500))
    assert len(provider.calls) <= provider.max_concurrency
    assert all(o.status == "error" for o in outcomes)
    resting = [o for o in outcomes if isinstance(o.error, errors.CoolingDown)]
    assert len(resting) >= 500 - provider.max_concurrency
    message = resting[0].error.for_person() if resting[0].error else ""
    assert "busy asked to pause until" in message and "509" in message
    assert resting[0].error is not None
    assert 590 < (resting[0].error.retry_after or 0) <= 600


def test_the_cooldown_outlives_the_run(tmp_path: Path) -> None:
    first = Saying("busy", 1, errors.QuotaExhausted("quota", code=509))
    make(tmp_path, first).resolve_many(links(3))
    again = Saying("busy", 1, errors.QuotaExhausted("quota", code=509))
    outcomes = make(tmp_path, again).resolve_many(links(50))
    assert again.calls == []  # the next run does not ask before the time is up
    assert all(isinstance(o.error, errors.CoolingDown) for o in outcomes)
    # Kept in the state store (state.sqlite3 of the state directory), not in cooldowns.json.
    stored = SqliteStateStore.in_directory(state_dir()).rests()
    assert [(rest.provider, rest.hoster, rest.code) for rest in stored] == [("busy", None, 509)]
    assert not (tmp_path / "cache" / cooldowns.COOLDOWN_FILE).exists()


def test_a_resting_provider_sends_links_to_the_next(tmp_path: Path) -> None:
    busy = Saying("busy", 1, errors.QuotaExhausted("quota", code=509))
    spare = ScriptedProvider("spare", 2)
    outcomes = make(tmp_path, busy, spare).resolve_many(links(100))
    assert all(o.status == "ok" and o.provider == "spare" for o in outcomes)
    assert len(busy.calls) <= busy.max_concurrency


def test_a_hoster_cooldown_leaves_other_hosters_alone(tmp_path: Path) -> None:
    provider = Saying("prov", 1, errors.HosterUnavailable("hoster down", code=428))
    resolver = make(tmp_path, provider)
    resolver.resolve_many(links(20))
    assert resolver.cooldowns.active("prov", "rapidgator.net") is not None
    assert resolver.cooldowns.active("prov", "uploaded.net") is None
    assert resolver.cooldowns.active("prov") is None


def test_a_short_rest_is_waited_out_and_the_link_resolves(tmp_path: Path) -> None:
    provider = Saying("prov", 1, errors.ProviderOutage("busy", code=503, retry_after=0.3), times=1)
    started = time.monotonic()
    outcome = make(tmp_path, provider).resolve_many(links(1))[0]
    assert outcome.status == "ok"
    assert len(provider.calls) == 2
    assert time.monotonic() - started >= 0.28


class Patient(Saying):
    """Waits out rests up to half a second (as TorBox waits out its minute's edge)."""

    longest_rest_waited = 0.5


class Impatient(Saying):
    """Waits out no rest over a fifth of a second."""

    longest_rest_waited = 0.2


def test_how_long_a_rest_is_waited_out_is_the_providers_to_say(tmp_path: Path) -> None:
    """The same 0.4 s rest: waited out by a provider that waits rests up to 0.5 s, the link
    resolved there; a provider that waits up to 0.2 s sends the link to the next."""
    rest = errors.RateLimited("says too many requests", code=429, retry_after=0.4)
    patient = Patient("patient", 1, rest, times=1)
    outcome = make(tmp_path / "a", patient, ScriptedProvider("spare", 2)).resolve_many(links(1))[0]
    assert (outcome.status, outcome.provider, len(patient.calls)) == ("ok", "patient", 2)
    impatient = Impatient("impatient", 1, rest, times=1)
    outcome = make(tmp_path / "b", impatient, ScriptedProvider("spare", 2)).resolve_many(links(1))[0]
    assert (outcome.status, outcome.provider, len(impatient.calls)) == ("ok", "spare", 1)


def unanswered(message: str) -> errors.ProviderOutage:
    """An outage as resolver_core.http raises it when no answer of the API's came."""
    error = errors.ProviderOutage(message)
    error.no_answer = True
    return error


def test_an_outage_that_was_an_answer_is_not_asked_again(tmp_path: Path) -> None:
    """Offcloud's cloud still fetching after its timeout, or an answer of the wrong shape:
    asked again, the whole resolve would start a new cloud job (or ticket and captcha) for
    nothing; the next provider is asked instead."""
    slow = Saying("slow", 1, errors.ProviderOutage("is still fetching it after 120 minutes", retry_after=600))
    other = Saying("other", 2, errors.FileOffline("unused", code=404), times=0)
    outcome = make(tmp_path, slow, other).resolve_many(links(1))[0]
    assert len(slow.calls) == 1
    assert outcome.status == "ok" and outcome.provider == "other"


def test_no_answer_is_asked_again_up_to_three_times(tmp_path: Path) -> None:
    flaky = Saying("prov", 1, unanswered("cannot be reached: connection reset"), times=2)
    assert make(tmp_path, flaky).resolve_many(links(1))[0].status == "ok"
    assert len(flaky.calls) == 3
    dead = Saying("dead", 1, unanswered("cannot be reached: connection reset"))
    outcome = make(tmp_path, dead).resolve_many(links(1))[0]
    assert outcome.status == "error" and isinstance(outcome.error, errors.ProviderOutage)
    assert len(dead.calls) == 3


def test_a_provider_that_never_answers_rests(tmp_path: Path) -> None:
    dead = Saying("dead", 1, unanswered("did not answer in time"))
    outcomes = make(tmp_path, dead).resolve_many(links(60))
    # Ten failures in a row rest it: far fewer than 60 links x 3 attempts reach it.
    assert len(dead.calls) < 60
    assert any(isinstance(o.error, errors.CoolingDown) for o in outcomes)


def test_definitive_answers_are_not_asked_again(tmp_path: Path) -> None:
    provider = Saying("prov", 1, errors.FileOffline("gone", code=404))
    assert make(tmp_path, provider).resolve_many(links(1))[0].status == "error"
    assert len(provider.calls) == 1


def test_check_honours_a_resting_provider(tmp_path: Path) -> None:
    provider = Saying("busy", 1, errors.QuotaExhausted("quota", code=509))
    resolver = make(tmp_path, provider)
    resolver.cooldowns.start("busy", None, 300, "said stop", 509)
    outcome = resolver.check_many(links(1))[0]
    assert outcome.status == "error" and isinstance(outcome.error, errors.CoolingDown)


# -- the file ---------------------------------------------------------------------------------------


def test_processes_merge_their_cooldowns(tmp_path: Path) -> None:
    one, two = cooldowns.Cooldowns(tmp_path), cooldowns.Cooldowns(tmp_path)
    one.start("a", None, 100, "x")
    two.start("b", "h", 100, "y")
    three = cooldowns.Cooldowns(tmp_path)
    assert three.active("a") is not None and three.active("b", "h") is not None
    assert one.active("b", "h") is not None  # read again when another process wrote


def test_a_longer_cooldown_is_never_shortened(tmp_path: Path) -> None:
    rests = cooldowns.Cooldowns(tmp_path)
    long = rests.start("a", None, 600, "quota")
    assert rests.start("a", None, 5, "blip") == long


def test_expired_and_broken_entries_are_dropped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / cooldowns.COOLDOWN_FILE
    path.write_text(
        json.dumps(
            {
                "cooldowns": [
                    {"provider": "old", "hoster": None, "until": time.time() - 5},
                    {"provider": 7, "until": "soon"},
                    "nonsense",
                    {"provider": "far", "hoster": None, "until": 1e30, "code": True},
                ]
            }
        )
    )
    rests = cooldowns.Cooldowns(tmp_path)
    assert rests.active("old") is None
    far = rests.active("far")
    assert far is not None and far.remaining() <= cooldowns.MAX_REST + 1 and far.code is None
    path.write_text("{ not json")
    assert cooldowns.Cooldowns(tmp_path).all() == []
    assert "cannot be read" in caplog.text


def test_a_damaged_cooldown_file_is_set_aside_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A cooldowns.json that is not JSON (a disk full, an editor) would otherwise be read and
    warned about on every look of every run, forever: nothing rewrites it until a provider
    says stop. It is moved aside (an older one replaced), once, with one warning."""
    path = tmp_path / cooldowns.COOLDOWN_FILE
    aside = tmp_path / "cooldowns.json.corrupt"
    aside.write_text("an older damaged file")
    path.write_text("{ not json")
    with caplog.at_level("WARNING", logger="linkresolver"):
        rests = cooldowns.Cooldowns(tmp_path)
        assert rests.all() == [] and rests.active("a") is None
        rests.start("a", None, 60, "quota")
        assert cooldowns.Cooldowns(tmp_path).active("a") is not None  # the next run: quiet
    said = [message for message in caplog.messages if str(path) in message]
    assert len(said) == 1, said
    assert "cannot be read" in said[0] and "cooldowns.json.corrupt" in said[0]
    assert aside.read_text() == "{ not json"
    assert json.loads(path.read_text())["cooldowns"][0]["provider"] == "a"


def test_a_damaged_file_replaced_meanwhile_is_not_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process may write a good file (atomically) between this one reading a damaged
    one and moving it: the good one stays."""
    path = tmp_path / cooldowns.COOLDOWN_FILE
    path.write_text("{ not json")
    good = json.dumps({"cooldowns": [{"provider": "b", "hoster": None, "until": time.time() + 60}]})
    real_loads = json.loads

    def replaced_while_reading(text: str) -> object:
        monkeypatch.setattr(json, "loads", real_loads)
        written = tmp_path / "written-by-another-process"
        written.write_text(good)
        written.replace(path)
        return real_loads(text)  # the damaged text that was read: raises

    monkeypatch.setattr(json, "loads", replaced_while_reading)
    rests = cooldowns.Cooldowns(tmp_path)
    assert path.read_text() == good
    assert not (tmp_path / "cooldowns.json.corrupt").exists()
    assert rests.active("b") is not None  # read at the next look


def test_an_unwritable_cache_dir_costs_only_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    rests = cooldowns.Cooldowns(blocker / "cache")
    assert rests.start("a", None, 10, "x").provider == "a"
    assert rests.active("a") is not None  # still known to this run
    assert "cannot remember the cooldown" in caplog.text


@pytest.mark.parametrize("status", [200, 500, 502])
def test_a_page_that_is_not_the_api_says_nothing(status: int) -> None:
    """An HTML page from a front end (no Retry-After) is not the provider saying stop: the
    call may be made again, and nothing rests."""
    session = make_session(retries=0)
    with responses.RequestsMock() as mocked:
        mocked.get("https://api.example/x", status=status, body="<html>oops</html>")
        with pytest.raises(errors.ProviderOutage) as raised:
            get_json(session, "https://api.example/x", provider="prov")
    assert raised.value.no_answer and cooldowns.is_silent(raised.value)
    assert cooldowns.rest_for(raised.value) is None


class FlakyList(ScriptedProvider):
    """Its hoster list arrives only at the ``fails + 1``-th asking."""

    def __init__(self, name: str, fails: int, error: errors.ResolverError) -> None:
        super().__init__(name, 1)
        self.fails, self.error, self.asked = fails, error, 0

    def hosters(self, ctx: ResolveContext):  # type: ignore[no-untyped-def]
        self.asked += 1
        if self.asked <= self.fails:
            raise self.error
        return super().hosters(ctx)


def test_a_hoster_list_that_did_not_arrive_is_asked_for_again(tmp_path: Path) -> None:
    flaky = FlakyList("flaky", 2, unanswered("answered HTTP 200 with an HTML page"))
    resolver = make(tmp_path, flaky)
    assert resolver.resolve_many(links(1))[0].status == "ok"
    assert flaky.asked == 3 and resolver.problems == {}


def test_a_hoster_list_refused_for_good_is_not_asked_again(tmp_path: Path) -> None:
    refused = FlakyList("refused", 5, errors.AuthFailed("refused the login", code=401))
    resolver = make(tmp_path, refused)
    assert resolver.resolve_many(links(1))[0].status == "unsupported"
    assert refused.asked == 1 and "refused" in resolver.problems


def test_a_quota_on_the_hoster_list_rests_the_provider(tmp_path: Path) -> None:
    """A 509 on the hoster list is the provider saying stop, as on a link: remembered for
    every worker and the next run."""
    busy = FlakyList("busy", 1, errors.QuotaExhausted("fair use exhausted", code=509))
    resolver = make(tmp_path, busy)
    resolver.resolve_many(links(1))
    rest = resolver.cooldowns.active("busy")
    assert rest is not None and rest.remaining() > 500


def test_retry_after_with_leading_zeros_is_not_cut_to_nothing() -> None:
    assert cooldowns.retry_after_seconds("0000000000120") == 120
    assert cooldowns.retry_after_seconds("0") == 0
    assert cooldowns.retry_after_seconds("1234567890") == cooldowns.MAX_REST


def test_a_file_replaced_within_one_clock_tick_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's write that leaves the mtime as it was (a coarse file system clock)
    is still seen: the file was replaced, so its inode changed."""
    monkeypatch.setattr(cooldowns, "RELOAD_EVERY", 0.0)
    mine = cooldowns.Cooldowns(tmp_path)
    mine.start("a", None, 100, "x")
    before = (tmp_path / cooldowns.COOLDOWN_FILE).stat()
    other = cooldowns.Cooldowns(tmp_path)
    other.start("b", None, 100, "y")
    os.utime(tmp_path / cooldowns.COOLDOWN_FILE, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert mine.active("b") is not None


def test_a_cooldown_waits_for_another_process_writing_the_file(tmp_path: Path) -> None:
    """The cooldown file's lock is an OS lock other processes honour (and take)."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from filelock import FileLock; lock = FileLock(sys.argv[1]); lock.acquire();"
            " print('held', flush=True); sys.stdin.read()",
            str(tmp_path / "cooldowns.lock"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        rests = cooldowns.Cooldowns(tmp_path)
        writer = threading.Thread(target=rests.start, args=("a", None, 100, "x"))
        writer.start()
        time.sleep(0.5)
        assert writer.is_alive() and not (tmp_path / "cooldowns.json").exists()
    finally:
        holder.communicate()  # its stdin closes: it exits, and the OS drops its lock
    writer.join(5)
    assert not writer.is_alive()
    assert cooldowns.Cooldowns(tmp_path).active("a") is not None


def test_a_rest_that_ends_on_another_day_says_the_date() -> None:
    noon = time.mktime((2026, 12, 2, 12, 0, 0, 0, 0, -1))
    assert cooldowns.moment(noon + 3600, now=noon) == "13:00:00"
    tomorrow = cooldowns.moment(noon + 20 * 3600, now=noon)
    assert tomorrow == "2026-12-03 08:00:00"  # not "08:00:00", which reads as this morning
    rest = cooldowns.Cooldown("busy", None, time.time() + 26 * 3600, "said 509", 509)
    message = rest.error().for_person()
    assert time.strftime("%Y-%m-%d", time.localtime(rest.until)) in message


class SayingAndWaiting(Saying):
    """A provider that may wait (download tickets): the pipeline keeps more links in flight
    than it has slots, queued on them."""

    max_concurrency = 2
    may_wait = True


def test_calls_queued_for_a_slot_mind_a_rest_that_began_while_they_waited(tmp_path: Path) -> None:
    provider = SayingAndWaiting("queued", 1, errors.RateLimited("says too many requests", code=429))
    outcomes = make(tmp_path, provider).resolve_many(links(40))
    assert all(outcome.status == "error" for outcome in outcomes)
    # The calls under way when the first refusal came (a slot each), not one for every link
    # that was waiting for a slot then.
    assert len(provider.calls) <= provider.max_concurrency
