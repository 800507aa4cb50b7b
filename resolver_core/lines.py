"""Lines to the terminal, each written whole, whichever thread writes it.

Resolving and downloading run in worker threads, and they print from there: a provider's
progress ("offcloud is fetching it into its cloud ..."), each result, log records, tqdm's
bars. ``print(text, file=stream)`` is two writes (the text, then the newline), and a
stream may split one write further, so two threads printing at once made
``line Aline B`` and an empty line. Every line goes through :func:`write_line` instead:
the text and its newline as one write, under :data:`LOCK`, the one lock that tqdm's bars
(:func:`progress_bars`), log records (:class:`LineHandler`) and prompts (:func:`held`)
take as well. A line is never cut, joined, or drawn into a bar.

The standard library only at import time: the command line imports this at start-up.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm

#: Held while anything is written to stdout or stderr: lines, bars, prompts. Reentrant, as
#: tqdm takes it again inside :func:`held` to clear and redraw its bars.
LOCK = threading.RLock()


def write_line(stream: TextIO, text: object) -> None:
    """``text`` and a newline, whole and flushed, above any progress bar on the terminal."""
    with held(stream):
        stream.write(f"{text}\n")
        stream.flush()


@contextmanager
def held(stream: TextIO) -> Iterator[None]:
    """Nothing else is written until the block ends (a prompt and its answer); tqdm's bars
    are cleared from the terminal meanwhile and drawn again after."""
    with LOCK:
        tqdm_module = sys.modules.get("tqdm")
        if tqdm_module is None:
            yield
            return
        with tqdm_module.tqdm.external_write_mode(file=stream):
            yield


def progress_bars() -> type[tqdm[Any]]:
    """tqdm's bar class, its drawing under :data:`LOCK`. Called by the thread that starts
    the workers, before they start: tqdm's lock must not change while a bar is drawn."""
    from tqdm import tqdm  # noqa: PLC0415 (only where bars are drawn: tqdm is slow to import)

    if getattr(tqdm, "_lock", None) is not LOCK:
        tqdm.set_lock(LOCK)
    return tqdm


class LineHandler(logging.StreamHandler[TextIO]):
    """A log record is a line like any other: written whole, above any bar, under
    :data:`LOCK` (the handler's own lock, so that no second lock can be taken in the
    other order)."""

    def createLock(self) -> None:
        self.lock = LOCK

    def emit(self, record: logging.LogRecord) -> None:
        try:
            write_line(self.stream, self.format(record))
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 (logging's rule: a failed record never stops the program)
            self.handleError(record)
