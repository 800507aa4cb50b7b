"""Lines from many threads come out whole: through write_line, log records and tqdm's bars,
into a stream that splits every write into characters (as a slow terminal may)."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO, cast

import pytest

from resolver_core import lines
from resolver_core.lines import LineHandler, held, progress_bars, write_line

THREADS = 8
LINES_EACH = 12


class SplitStream:
    """A text stream that writes one character at a time and lets other threads run
    between them: anything not written under one lock comes out cut and joined."""

    def __init__(self) -> None:
        self.characters: list[str] = []

    def as_text_io(self) -> TextIO:
        return cast(TextIO, self)

    def write(self, text: str) -> int:
        for character in text:
            self.characters.append(character)
            time.sleep(0.00005)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    @property
    def text(self) -> str:
        return "".join(self.characters)


def expected_line(worker: int, number: int) -> str:
    return f"worker {worker} says line {number} of its {LINES_EACH}, all in one piece"


def run_workers(write: Callable[[int, int], None]) -> None:
    start = threading.Barrier(THREADS)

    def worker(index: int) -> None:
        start.wait()
        for number in range(LINES_EACH):
            write(index, number)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


def every_line_whole(text: str) -> None:
    written = text.split("\n")
    assert written[-1] == ""  # the last line ended too
    assert sorted(written[:-1]) == sorted(
        expected_line(w, n) for w in range(THREADS) for n in range(LINES_EACH)
    )


def test_lines_from_many_threads_come_out_whole() -> None:
    stream = SplitStream()
    run_workers(lambda worker, number: write_line(stream.as_text_io(), expected_line(worker, number)))
    every_line_whole(stream.text)


def test_without_the_lock_the_same_writers_cut_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stream above does cut lines that are not written under the lock: the test
    before this one would catch a write_line that took no lock."""
    monkeypatch.setattr(lines, "LOCK", contextlib.nullcontext())
    stream = SplitStream()
    run_workers(lambda worker, number: write_line(stream.as_text_io(), expected_line(worker, number)))
    with pytest.raises(AssertionError):
        every_line_whole(stream.text)


def test_print_cuts_lines_and_write_line_does_not() -> None:
    """What the demo did: print() writes the text, then the newline, so two threads
    joined their lines even with a stream that writes whole strings."""
    joined = SplitStream()
    run_workers(lambda worker, number: print(expected_line(worker, number), file=joined.as_text_io()))
    with pytest.raises(AssertionError):
        every_line_whole(joined.text)


def test_log_records_and_lines_do_not_cut_each_other() -> None:
    stream = SplitStream()
    handler = LineHandler(stream.as_text_io())
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("test_lines.records")
    logger.propagate = False
    logger.addHandler(handler)
    try:

        def write(worker: int, number: int) -> None:
            if worker % 2:
                logger.warning("%s", expected_line(worker, number))
            else:
                write_line(stream.as_text_io(), expected_line(worker, number))

        run_workers(write)
    finally:
        logger.removeHandler(handler)
    assert handler.lock is lines.LOCK
    every_line_whole(stream.text)


def test_a_bar_being_drawn_never_lands_inside_a_line() -> None:
    stream = SplitStream()
    tqdm = progress_bars()
    bar: Any = tqdm(total=10_000, file=stream, mininterval=0, miniters=1, desc="bytes", leave=False)
    bar_lock = threading.Lock()

    def write(worker: int, number: int) -> None:
        if worker < 2:  # two workers move the bar, as download threads do
            with bar_lock:
                bar.update(1)
        else:
            write_line(stream.as_text_io(), expected_line(worker, number))

    run_workers(write)
    bar.close()
    pieces = stream.text.split("\n")
    # A line is written after the bar is cleared ("\r" and blanks) and before it is drawn again.
    shown = [piece.rsplit("\r", 1)[-1] for piece in pieces[:-1]]
    shown = [piece for piece in shown if piece.strip()]
    assert sorted(shown) == sorted(expected_line(w, n) for w in range(2, THREADS) for n in range(LINES_EACH))
    assert "bytes:" in stream.text  # the bar was drawn meanwhile


def test_a_prompt_holds_every_other_line_back() -> None:
    stream = SplitStream()
    answered = threading.Event()
    with held(stream.as_text_io()):
        stream.write("type what it shows: ")
        other = threading.Thread(target=write_line, args=(stream.as_text_io(), "a worker's line"))
        other.start()
        time.sleep(0.2)
        assert stream.text == "type what it shows: "  # the worker waits for the answer
        stream.write("4711\n")
        answered.set()
    other.join(5)
    assert stream.text == "type what it shows: 4711\na worker's line\n"


def test_the_demo_prints_whole_lines_through_a_splitting_stream() -> None:
    """The demo's workers report Offcloud's cloud downloads and captchas as they come: two
    of those lines at once once came out joined, and the table's reader took one for a row."""
    from linkresolver.cli.parser import main

    out, err = SplitStream(), SplitStream()
    assert main(["demo"], stdout=out.as_text_io(), stderr=err.as_text_io()) == 0, err.text
    printed = out.text.splitlines()
    reports = [line for line in printed if "is fetching it into its cloud" in line]
    assert len(reports) >= 2
    for line in reports:
        assert re.fullmatch(r"  offcloud is fetching it into its cloud \([^()]*\): \S+", line), line
    captchas = [line for line in printed if "asked a captcha" in line]
    assert captchas and all(
        re.fullmatch(r"  \w+ asked a captcha for \S+: answered \w+", line) for line in captchas
    )
    row = next(i for i, line in enumerate(printed) if "Holiday.Season.1 " in line)
    assert printed[row].rstrip().endswith("3 files:")
    following = [line.strip().rsplit("/", 1)[-1] for line in printed[row + 1 : row + 4]]
    assert following == ["Holiday.Season.part1.mkv", "Holiday.Season.part2.mkv", "Holiday.Season.nfo"]
