"""Rate limits and hoster slots (resolver_core.download.bandwidth): rates held over time on a
fake clock, limits composed, waits cancelled, rates and the [download] table read."""

from __future__ import annotations

import threading
import time

import pytest

from resolver_core.download.bandwidth import (
    BURST_SECONDS,
    MAX_READ,
    MIN_READ,
    Bandwidth,
    HosterSlots,
    RateError,
    RateLimit,
    Throttle,
    chosen,
    download_settings,
    parse_rate,
    rate_words,
)
from resolver_core.errors import ConfigError

MIB = 1 << 20


class FakeClock:
    """A monotonic clock that moves only when a wait asks it to (or a test does)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []
        #: Waits after which the cancel event is found set (None: never).
        self.cancel_after: int | None = None

    def __call__(self) -> float:
        return self.now

    def wait(self, cancelled: threading.Event | None, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += seconds
        if self.cancel_after is not None and len(self.waits) >= self.cancel_after:
            assert cancelled is not None
            cancelled.set()
        return cancelled is not None and cancelled.is_set()


def throttle(clock: FakeClock, *limits: RateLimit) -> Throttle:
    return Throttle(limits, clock=clock, wait=clock.wait)


# -- one limit, one taker ----------------------------------------------------------------------


def test_a_30_second_download_holds_its_rate_within_a_thousandth() -> None:
    clock = FakeClock()
    rate = 5 * MIB
    limit = throttle(clock, RateLimit(rate, clock=clock))
    started, taken = clock.now, 0
    while clock.now - started < 30:
        limit.take(limit.read_size())
        taken += limit.read_size()
    assert taken / (clock.now - started) == pytest.approx(rate, rel=1e-3)


def test_the_bucket_starts_empty_so_the_first_bytes_are_paid_for_too() -> None:
    clock = FakeClock()
    limit = throttle(clock, RateLimit(MIB, clock=clock))
    limit.take(MIB // 2)
    assert clock.now - 1000.0 == pytest.approx(0.5)


def test_waits_are_slices_of_at_most_a_twentieth_of_a_second() -> None:
    clock = FakeClock()
    limit = throttle(clock, RateLimit(MIB, clock=clock))
    limit.take(MIB)  # one second owed
    assert len(clock.waits) >= 20 and max(clock.waits) <= 0.05 + 1e-9
    assert sum(clock.waits) == pytest.approx(1.0)


def test_an_idle_limit_saves_at_most_its_small_burst() -> None:
    clock = FakeClock()
    bucket = RateLimit(MIB, clock=clock)
    clock.now += 3600  # an hour without downloads
    assert bucket.reserve(int(MIB * BURST_SECONDS)) == 0.0  # the burst is there
    assert bucket.reserve(MIB) == pytest.approx(1.0)  # and nothing more


# -- shared by connections, composed ---------------------------------------------------------


def simulate(clock: FakeClock, takers: list[Throttle], seconds: float, chunk: int) -> list[int]:
    """Connections taking ``chunk`` bytes in turn as their waits end (a discrete-event run
    of threads on the fake clock); bytes taken by each in ``seconds``."""
    ready = [clock.now] * len(takers)
    taken = [0] * len(takers)
    end = clock.now + seconds
    while True:
        which = min(range(len(takers)), key=ready.__getitem__)
        if ready[which] >= end:
            return taken
        clock.now = ready[which]
        delay = max(limit.reserve(chunk) for limit in takers[which].limits)
        taken[which] += chunk
        ready[which] = clock.now + delay


def test_eight_connections_share_one_limit_and_hold_it_together() -> None:
    clock = FakeClock()
    shared = RateLimit(4 * MIB, clock=clock)
    taken = simulate(clock, [throttle(clock, shared) for _ in range(8)], 30, 64 << 10)
    assert sum(taken) / 30 == pytest.approx(4 * MIB, rel=0.01)
    assert max(taken) / min(taken) < 1.05  # served in turn: none starves


def test_a_package_limit_below_the_global_one_holds_its_package() -> None:
    clock = FakeClock()
    overall = RateLimit(10 * MIB, name="global", clock=clock)
    package = RateLimit(MIB, name="package", clock=clock)
    taken = simulate(clock, [throttle(clock, overall, package) for _ in range(4)], 30, 64 << 10)
    assert sum(taken) / 30 == pytest.approx(MIB, rel=0.01)


def test_two_packages_under_one_global_limit_never_pass_it_together() -> None:
    clock = FakeClock()
    overall = RateLimit(4 * MIB, name="global", clock=clock)
    first, second = RateLimit(3 * MIB, clock=clock), RateLimit(3 * MIB, clock=clock)
    takers = [throttle(clock, overall, first)] * 2 + [throttle(clock, overall, second)] * 2
    taken = simulate(clock, takers, 30, 64 << 10)
    assert sum(taken) / 30 == pytest.approx(4 * MIB, rel=0.01)
    assert sum(taken[:2]) / 30 <= 3 * MIB * 1.01 and sum(taken[2:]) / 30 <= 3 * MIB * 1.01


def test_no_limit_is_no_throttle_and_the_slowest_limit_sets_the_reads() -> None:
    assert Throttle.of(None, None) is None
    both = Throttle.of(RateLimit(100 * MIB), None, RateLimit(2 * MIB))
    assert both is not None and both.rate == 2 * MIB
    assert MIN_READ <= both.read_size() <= MAX_READ
    assert Throttle.of(RateLimit(1024)).read_size() == MIN_READ  # type: ignore[union-attr]
    assert Throttle.of(RateLimit(1 << 40)).read_size() == MAX_READ  # type: ignore[union-attr]


# -- cancellation -----------------------------------------------------------------------------


def test_a_cancel_while_waiting_ends_the_wait_at_once() -> None:
    clock = FakeClock()
    clock.cancel_after = 3
    limit = throttle(clock, RateLimit(1024, clock=clock))
    cancelled = threading.Event()
    assert limit.take(MIB, cancelled) is False  # 1024 seconds owed; 3 slices waited
    assert len(clock.waits) == 3


def test_a_cancel_from_another_thread_wakes_a_real_wait() -> None:
    limit = Throttle.of(RateLimit(1024))
    assert limit is not None
    cancelled = threading.Event()
    threading.Timer(0.1, cancelled.set).start()
    started = time.monotonic()
    assert limit.take(MIB, cancelled) is False  # would wait 1024 s
    assert time.monotonic() - started < 1.0


def test_real_threads_never_pass_the_limit() -> None:
    rate = 4 * MIB
    shared = RateLimit(rate)
    throttles = [Throttle.of(shared) for _ in range(4)]
    taken = [0] * 4
    stop = time.monotonic() + 1.0

    def connection(which: int) -> None:
        limit = throttles[which]
        assert limit is not None
        while time.monotonic() < stop:
            limit.take(64 << 10)
            taken[which] += 64 << 10

    started = time.monotonic()
    threads = [threading.Thread(target=connection, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    # Each take returns once paid for: what was taken is at most the rate times the time,
    # plus the bucket's burst.
    assert sum(taken) <= rate * (elapsed + BURST_SECONDS) + 1


# -- hoster slots -----------------------------------------------------------------------------


def test_a_hoster_gets_no_more_downloads_at_once_than_its_slots() -> None:
    slots = HosterSlots(2)
    most = [0]
    lock = threading.Lock()

    def download() -> None:
        with slots.holding("rapidgator") as held:
            assert held
            with lock:
                most[0] = max(most[0], slots.busy("rapidgator"))
            time.sleep(0.05)

    threads = [threading.Thread(target=download) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 2
    assert slots.busy("rapidgator") == 0


def test_the_next_item_is_the_first_whose_hoster_has_a_free_slot() -> None:
    slots = HosterSlots(1)
    queue = ["a1", "a2", "b1", "x", "a3"]
    hoster = {"a": "alpha", "b": "beta", "x": None}

    def hoster_of(item: str) -> str | None:
        return hoster[item[0]]

    assert slots.take_next(queue, hoster_of) == ("a1", "alpha")
    assert slots.take_next(queue, hoster_of) == ("b1", "beta")  # alpha is busy: a2 waits
    assert slots.take_next(queue, hoster_of) == ("x", None)  # a failed link needs no slot
    assert queue == ["a2", "a3"]
    slots.release("alpha")
    assert slots.take_next(queue, hoster_of) == ("a2", "alpha")


def test_waiting_for_a_slot_ends_on_cancel() -> None:
    slots = HosterSlots(1)
    cancelled = threading.Event()
    with slots.holding("alpha"):
        threading.Timer(0.1, cancelled.set).start()
        with slots.holding("alpha", cancelled) as held:
            assert held is False
        assert slots.take_next(["a"], lambda item: "alpha", cancelled) is None
    assert slots.busy("alpha") == 0


def test_no_cap_lets_every_download_go() -> None:
    slots = HosterSlots(None)
    queue = ["a", "b", "c"]
    assert [slots.take_next(queue, lambda item: "alpha") for _ in range(3)] == [
        ("a", "alpha"),
        ("b", "alpha"),
        ("c", "alpha"),
    ]
    with pytest.raises(ValueError, match="at least 1"):
        HosterSlots(0)


# -- rates as people write them ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("5M", 5 * MIB),
        ("500K", 500 * 1024),
        ("500k", 500 * 1024),
        ("1.5MiB/s", 1.5 * MIB),
        ("2MB/s", 2_000_000),
        ("800kB", 800_000),
        ("1G", 1 << 30),
        ("1048576", MIB),
        (" 3 M/s ", 3 * MIB),
        ("0", None),
        ("0M", None),
    ],
)
def test_rates_are_read_as_aria2c_reads_them(text: str, rate: float | None) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fast", "'fast' is not a rate: give a number of bytes per second"),
        ("5X", "'5X' is not a rate"),
        ("-5M", "'-5M' is not a rate"),
        ("5 M B", "'5 M B' is not a rate"),
        ("", "'' is not a rate"),
        ("100", "'100' is below the lowest limit, 1K"),
        ("2000G", "'2000G' is above the highest limit"),
    ],
)
def test_a_wrong_rate_says_which_syntax_is_meant(text: str, message: str) -> None:
    with pytest.raises(RateError) as caught:
        parse_rate(text)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_rates_read_back_for_people() -> None:
    assert rate_words(5 * MIB) == "5 MiB/s"
    assert rate_words(500 * 1024) == "500 KiB/s"
    assert rate_words(100) == "100 B/s"


# -- the [download] table ----------------------------------------------------------------------


def test_the_download_table_gives_a_limit_and_a_cap() -> None:
    settings = download_settings({"limit_rate": "5M", "max_per_hoster": 2})
    assert settings.limit_rate == 5 * MIB and settings.max_per_hoster == 2
    assert download_settings({}).limit_rate is None
    assert download_settings({"limit_rate": 1048576}).limit_rate == MIB
    assert download_settings({"limit_rate": "0", "max_per_hoster": 0}).max_per_hoster is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"limit_rate": "fast"}, "config.toml: [download] limit_rate: 'fast' is not a rate"),
        ({"limit_rate": True}, 'config.toml: [download] limit_rate must be a text such as "5M"'),
        ({"limit_rate": ["5M"]}, "config.toml: [download] limit_rate must be a text"),
        ({"max_per_hoster": "2"}, "config.toml: [download] max_per_hoster must be a whole number from 1"),
        ({"max_per_hoster": 99}, "config.toml: [download] max_per_hoster must be a whole number"),
        (
            {"limit_rates": "5M"},
            "config.toml: [download] has no setting 'limit_rates'; did you mean 'limit_rate'?",
        ),
        (
            {"colour": 1},
            "config.toml: [download] has no setting 'colour' (it takes limit_rate, max_per_hoster)",
        ),
    ],
)
def test_a_wrong_download_table_is_one_line_naming_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        download_settings(table)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_an_option_given_wins_over_the_configuration_and_zero_means_none() -> None:
    assert chosen(None, 5.0) == 5.0
    assert chosen(2.0, 5.0) == 2.0
    assert chosen(0.0, 5.0) is None
    policy = Bandwidth.of(None, 3)
    assert policy.overall is None and policy.slots.per_hoster == 3
