"""One owner at a time for a part file: two runs downloading the same file into the same
folder must not write the same ``NAME.part`` (nor its state file) at once.

Between processes the owner holds ``NAME.part.lock``, an OS lock through ``filelock``
(``flock`` on POSIX, ``LockFileEx`` on Windows), which the OS drops when the owner dies: a
killed download never leaves a lock that blocks the next run. A second run does not wait
for a download that may take hours: it says that another process has the file, and that
link fails, with nothing on disk touched. Inside one process, two links that land on the
same name (a file and its mirror) take turns instead: the second finds the first's
finished file and skips it, or picks a free name.

The lock file is removed when its owner is done, so a finished folder holds only files.
On POSIX that happens while the lock is held; a run that opened the old lock file
meanwhile sees it has no name any more and takes the new one (``filelock`` checks this).
On Windows a held file cannot be removed: ``filelock`` removes it after the release.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from filelock import FileLock, Timeout

from .fetch import DownloadFailed

#: How long a run waits for another process's lock before it says the file is busy: long
#: enough for an owner that is just renaming its finished file, short enough for a person.
BUSY_WAIT: Final = 1.0
#: How often a thread waiting for another thread of this process looks at ``cancelled``.
_POLL: Final = 0.2

_held: set[Path] = set()
_changed = threading.Condition()


class DownloadBusy(DownloadFailed):
    """Another process is downloading the same file into the same folder."""

    kind = "busy"


def lock_path(part: Path) -> Path:
    return part.with_name(part.name + ".lock")


@contextlib.contextmanager
def owning(part: Path, *, link: str, cancelled: threading.Event | None = None) -> Iterator[None]:
    """Hold ``part`` (and its state file) for this thread until the block ends.

    Raises :class:`DownloadBusy` when another process holds it, and :class:`DownloadFailed`
    when ``cancelled`` is set while another thread of this process holds it.
    """
    part = part.absolute()
    with _turn_in_this_process(part, link, cancelled or threading.Event()):
        lock = FileLock(lock_path(part), timeout=BUSY_WAIT)
        try:
            lock.acquire()
        except Timeout:
            raise DownloadBusy(
                f"{part.name.removesuffix('.part')} is being downloaded into {part.parent} by another"
                " process; this run left it alone (run again once that one is done)",
                link=link,
            ) from None
        except OSError as exc:
            raise DownloadFailed(f"cannot lock {lock_path(part)}: {exc.strerror or exc}", link=link) from None
        try:
            yield
        finally:
            _release(lock, lock_path(part))


@contextlib.contextmanager
def _turn_in_this_process(part: Path, link: str, cancelled: threading.Event) -> Iterator[None]:
    """Wait while another thread of this process holds ``part``, then hold it."""
    with _changed:
        while part in _held:
            if cancelled.is_set():
                raise DownloadFailed("interrupted; the part file is kept: run again to resume", link=link)
            _changed.wait(_POLL)
        _held.add(part)
    try:
        yield
    finally:
        with _changed:
            _held.discard(part)
            _changed.notify_all()


def _release(lock: FileLock, path: Path) -> None:
    """Remove the lock file (POSIX: while still holding it), then release the lock."""
    try:
        if os.name != "nt":
            with contextlib.suppress(OSError):  # a lock file left over is harmless
                path.unlink(missing_ok=True)
    finally:
        lock.release()
