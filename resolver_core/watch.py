"""The watch folder: files other programs drop links into become packages (a "blackhole").

``serve --watch DIR`` (or ``[watch] folder``) polls ``DIR`` every ``interval`` seconds rather
than asking the kernel for events: polling is what works on NAS and network shares, where
inotify hears nothing of another machine's writes. Each ``.txt``, ``.crawljob``, ``.magnet``
or ``.torrent`` file is read (:mod:`.intake`), handed on as one package, then moved to
``DIR/processed/``; a file that cannot be a package goes to ``DIR/failed/`` with
``NAME.reason`` beside it. A name already taken there gets a suffix (``name (2).txt``):
nothing is overwritten.

A file still being written must not be read half-way: it is read only once its size and
modification time are the same at two polls in a row and, where the system says so cheaply
(Linux's ``/proc``), no process holds it open for writing. A file that cannot be moved away
(permissions) is reported once and not read again while it stays as it is: nothing is read
twice, and a package already started is not started again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .errors import ConfigError
from .intake import KINDS, Dropped, LinksIn, Unreadable, read_dropped

log = logging.getLogger("linkresolver")

#: Seconds between two looks at the folder unless ``[watch] interval`` says otherwise.
DEFAULT_INTERVAL: Final = 2.0
MIN_INTERVAL: Final = 0.1
MAX_INTERVAL: Final = 3600.0
#: Where read files go, and files that could not be read (with their reason).
PROCESSED: Final = "processed"
FAILED: Final = "failed"
#: Names of files other programs are still writing, by their ending.
_TEMPORARY_ENDINGS: Final = (".part", ".tmp", ".temp", ".partial", ".crdownload", ".download", "~")
#: The keys of ``[watch]``.
_KEYS: Final = ("folder", "interval")

#: What tells a file has changed between polls: size, modification time, inode.
Signature = tuple[int, int, int]
#: Told of each package read: the package and the file it came from.
OnPackage = Callable[[Dropped, Path], None]
#: Told what a person should know (a file that failed, one that could not be moved).
Note = Callable[[str], None]


@dataclass(frozen=True)
class WatchSettings:
    folder: Path
    interval: float = DEFAULT_INTERVAL


def watch_settings(section: Mapping[str, Any], *, folder: str | None, where: str) -> WatchSettings | None:
    """The watch folder to serve, from ``--watch`` (``folder``) or the ``[watch]`` table
    ``section`` of the configuration file ``where``; None when neither names one. Raises
    :class:`ConfigError` naming the key that is wrong."""
    unknown = sorted(key for key in section if key not in _KEYS)
    if unknown:
        raise ConfigError(f"{where}: [watch] has no key '{unknown[0]}' (its keys: folder, interval)")
    configured = section.get("folder")
    if configured is not None and (not isinstance(configured, str) or not configured.strip()):
        raise ConfigError(f"{where}: [watch] folder must be a text (a folder's path)")
    interval = section.get("interval", DEFAULT_INTERVAL)
    if (
        isinstance(interval, bool)
        or not isinstance(interval, int | float)
        or not MIN_INTERVAL <= interval <= MAX_INTERVAL
    ):
        raise ConfigError(
            f"{where}: [watch] interval must be a number of seconds from {MIN_INTERVAL:g} to {MAX_INTERVAL:g}"
        )
    chosen = folder or configured
    if not chosen:
        return None
    return WatchSettings(Path(chosen).expanduser(), float(interval))


def prepare_folder(folder: Path) -> None:
    """Create the watch folder if it does not exist; a ConfigError (one line) when it cannot
    be, or is a file."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"the watch folder {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the watch folder {folder}: {exc.strerror}") from None


class FolderWatch:
    """Polls one folder and turns the files dropped into it into packages."""

    def __init__(
        self,
        folder: Path,
        links_in: LinksIn,
        on_package: OnPackage,
        *,
        interval: float = DEFAULT_INTERVAL,
        note: Note = log.warning,
        held_for_writing: Callable[[list[Path]], set[Path]] | None = None,
    ) -> None:
        self.folder = folder
        self.links_in = links_in
        self.on_package = on_package
        self.interval = interval
        self.note = note
        self.held_for_writing = held_for_writing or held_open_for_writing
        #: Each candidate's signature at the last poll: a file is read when it is unchanged.
        self._last: dict[str, Signature] = {}
        #: Files that could not be moved away, by name: not read again while unchanged.
        self._stuck: dict[str, Signature] = {}
        #: Names already reported (other extensions), so that each is said once.
        self._told: set[str] = set()
        self._folder_unreadable = False
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the thread ------------------------------------------------------------------------

    def start(self) -> None:
        """Poll now (what is already in the folder counts) and every ``interval`` after."""
        self._thread = threading.Thread(target=self._run, name="watch-folder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self.poll()
            except Exception:  # the watch lives on: the next poll may fare better
                log.exception("watching %s failed", self.folder)
            self._stopped.wait(self.interval)

    # -- one look at the folder ---------------------------------------------------------------

    def poll(self) -> int:
        """Read every file that has stayed the same since the last poll; how many were read."""
        try:
            entries = list(os.scandir(self.folder))
        except OSError as exc:
            if not self._folder_unreadable:
                self.note(f"watch: cannot read {self.folder}: {exc.strerror}")
            self._folder_unreadable = True
            return 0
        self._folder_unreadable = False
        current: dict[str, Signature] = {}
        still: list[tuple[Path, Signature]] = []
        for entry in sorted(entries, key=lambda entry: entry.name):
            signature = self._candidate(entry)
            if signature is None:
                continue
            current[entry.name] = signature
            if self._stuck.get(entry.name) == signature:
                continue
            if self._last.get(entry.name) == signature:  # else new or still changing
                still.append((Path(entry.path), signature))
        self._last = current
        # One look at who holds what (all of /proc), however many files are ready.
        busy = self.held_for_writing([path for path, _ in still]) if still else set()
        read = 0
        for path, signature in still:
            if self._stopped.is_set():
                break
            if path in busy:
                continue
            self._stuck.pop(path.name, None)
            self._take(path, signature)
            read += 1
        present = {entry.name for entry in entries}
        self._stuck = {name: sig for name, sig in self._stuck.items() if name in present}
        self._told &= present
        return read

    def _candidate(self, entry: os.DirEntry[str]) -> Signature | None:
        """The signature of a file to read, or None for what is not one: folders, hidden and
        temporary files (unsaid), files of other kinds (said once each)."""
        name = entry.name
        if name in (PROCESSED, FAILED) or name.startswith(".") or name.lower().endswith(_TEMPORARY_ENDINGS):
            return None
        try:
            if not entry.is_file(follow_symlinks=False):
                return None
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            return None  # gone since the listing
        if Path(name).suffix.lower() not in KINDS:
            if name not in self._told:
                self._told.add(name)
                self.note(f"watch: {name} is left alone (the watch folder reads {', '.join(KINDS)} files)")
            return None
        return (stat.st_size, stat.st_mtime_ns, stat.st_ino)

    def _take(self, path: Path, signature: Signature) -> None:
        """Read ``path``, hand its package on, move it to processed/ (failed/ if unreadable)."""
        try:
            dropped = read_dropped(path, self.links_in)
        except Unreadable as exc:
            reason = str(exc)
            if self._move(path, FAILED, signature, reason):
                self.note(f"watch: {path.name}: {reason}; moved to {FAILED}/")
            return
        try:
            self.on_package(dropped, path)
        except Exception:  # kept where it is: read again when the server starts next
            log.exception("watch: the package of %s could not be started", path.name)
            self._stuck[path.name] = signature
            return
        self._move(path, PROCESSED, signature)

    def _move(self, path: Path, where: str, signature: Signature, reason: str | None = None) -> bool:
        """Move ``path`` into ``where`` under a name not taken there (with ``reason`` beside
        it); on failure, say so once (with the reason) and leave the file unread while it
        stays as it is. Whether it moved."""
        try:
            target = move_without_overwriting(path, self.folder / where)
        except OSError as exc:
            self._stuck[path.name] = signature
            why = f" ({reason})" if reason else ""
            self.note(
                f"watch: cannot move {path.name}{why} to {where}/: {exc.strerror};"
                " it is not read again until it changes"
            )
            return False
        if reason is not None:
            try:
                target.with_name(target.name + ".reason").write_text(reason + "\n", encoding="utf-8")
            except OSError as exc:
                self.note(f"watch: cannot write the reason beside {where}/{target.name}: {exc.strerror}")
        return True


def move_without_overwriting(path: Path, folder: Path) -> Path:
    """Move ``path`` into ``folder`` (created if need be): as ``name``, or ``stem (2).ext``,
    ``stem (3).ext``... the first name not taken there. Where hard links work, the new name
    is claimed atomically (a file another program puts there meanwhile is not overwritten)."""
    folder.mkdir(exist_ok=True)
    for number in range(1, 10_000):
        name = path.name if number == 1 else f"{path.stem} ({number}){path.suffix}"
        target = folder / name
        try:
            os.link(path, target)
        except FileExistsError:
            continue
        except OSError:
            # No hard links here (some network shares, FAT): a rename where nothing is.
            if target.exists():
                continue
            path.rename(target)
            return target
        try:
            path.unlink()
        except OSError:
            with contextlib.suppress(OSError):
                target.unlink()  # the file stays where it was, once
            raise
        return target
    raise FileExistsError(f"no free name for {path.name} in {folder}")


def held_open_for_writing(paths: Iterable[Path]) -> set[Path]:
    """Those of ``paths`` a process on this machine has open for writing, as far as Linux's
    ``/proc`` shows (every process this user may look into; none where there is no
    ``/proc``). One pass over the processes' open files, however many paths are asked."""
    wanted = {os.path.realpath(path): path for path in paths}
    try:
        processes = [entry.name for entry in os.scandir("/proc") if entry.name.isdigit()]
    except OSError:
        return set()
    held: set[Path] = set()
    for pid in processes:
        fds = f"/proc/{pid}/fd"
        try:
            numbers = os.listdir(fds)
        except OSError:
            continue
        for number in numbers:
            try:
                path = wanted.get(os.readlink(f"{fds}/{number}"))
                if path is None or path in held:
                    continue
                flags = _fd_flags(f"/proc/{pid}/fdinfo/{number}")
            except OSError:
                continue
            if flags is None or flags & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR):
                held.add(path)
    return held


def _fd_flags(fdinfo: str) -> int | None:
    with open(fdinfo, encoding="ascii") as file:
        for line in file:
            if line.startswith("flags:"):
                return int(line.split()[1], 8)
    return None
