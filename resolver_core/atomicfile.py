"""Replacing a file whole or not at all, and durably: the one way linkresolver writes its files.

The cache's hoster lists, the cooldowns, the yt-dlp plugin's claims and a download's state
are each written to a temporary file beside the target, flushed to the disk (``fsync``),
then renamed over it (``os.replace``, atomic on POSIX and Windows), and the directory is
synced too on POSIX, so that the rename itself survives a power cut. A crash or an error
at any step leaves the old file as it was and no temporary file behind.

A module of our own, not a library: ``atomicwrites``, the usual choice, is archived and
unmaintained; ``boltons``' ``atomic_save`` would bring a large grab-bag of unrelated modules
for one function; the other packages that offer this are young one-author projects. The
recipe is short and stable, and written once here.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO


@contextmanager
def replacing(path: Path, *, prefix: str, suffix: str = ".tmp") -> Iterator[TextIO]:
    """A text stream whose contents replace ``path`` when the block ends without an error.

    The temporary file is named ``prefix...suffix`` in ``path``'s directory (the same file
    system, so the rename is atomic). An exception in the block, or in writing, syncing or
    renaming, removes the temporary file and propagates; ``path`` is untouched.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
    sync_directory(path.parent)


def write_text(path: Path, text: str, *, prefix: str, suffix: str = ".tmp") -> None:
    """Replace ``path`` with ``text`` (UTF-8), whole or not at all (see :func:`replacing`)."""
    with replacing(path, prefix=prefix, suffix=suffix) as stream:
        stream.write(text)


def sync_directory(directory: Path) -> None:
    """Flush ``directory``'s entries (a rename into it) to the disk, where the OS allows it:
    POSIX opens a directory for that; Windows cannot, and some file systems refuse the sync.
    The file is in place either way; only its survival of a power cut is at stake."""
    if os.name != "posix":
        return
    try:
        handle = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
