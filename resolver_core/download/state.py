"""The state file beside a part file: what was asked for and which bytes are on disk.

``NAME.part`` holds the data at its final offsets; ``NAME.part.state`` (JSON) says which
file it is (URL, size, ETag, Last-Modified, expected sha1) and, per segment, how many of its
bytes are written. A new run resumes from it; a server whose answer no longer matches (a
changed ETag, another size) gets a fresh start. Written atomically, so a killed process
leaves the last good state, which never claims bytes that are not on disk. A new part's
state is made exclusively, as its part is: a state file that appeared meanwhile is not
this download's, and is not replaced. A SIGKILL can leave the temporary file of a state
being written (``.NAME.part.state-XXXX``, named after its part for that reason): it is
deleted with the part's state (:func:`remove_state`), once the download ends or restarts.
"""

from __future__ import annotations

import glob
import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..atomicfile import replacing


@dataclass
class Segment:
    start: int
    #: Exclusive.
    end: int
    done: int = 0

    @property
    def remaining(self) -> int:
        return self.end - self.start - self.done


@dataclass
class PartState:
    url: str
    size: int | None
    etag: str | None = None
    last_modified: str | None = None
    sha1: str | None = None
    segments: list[Segment] = field(default_factory=list)

    @property
    def written(self) -> int:
        return sum(segment.done for segment in self.segments)

    def matches(self, size: int | None, etag: str | None, last_modified: str | None) -> bool:
        """Whether the server still serves the file this part holds (and the segments are
        that file's: one after the other, from its first byte to its last, so a resumed
        part never has a hole, nor a byte past the size)."""
        if self.size is None or size != self.size or not self.tiles():
            return False
        if self.etag and etag and self.etag != etag:
            return False
        return not (self.last_modified and last_modified and self.last_modified != last_modified)

    def tiles(self) -> bool:
        """Whether the segments cover the file exactly, in order."""
        position = 0
        for segment in self.segments:
            if segment.start != position or segment.end <= segment.start:
                return False
            position = segment.end
        return self.size is not None and position == self.size and bool(self.segments)


def state_path(part: Path) -> Path:
    return part.with_name(part.name + ".state")


def load_state(part: Path) -> PartState | None:
    try:
        data: Any = json.loads(state_path(part).read_text(encoding="utf-8"))
        segments = [Segment(int(s["start"]), int(s["end"]), int(s["done"])) for s in data.get("segments", [])]
        state = PartState(
            url=str(data["url"]),
            size=int(data["size"]) if data.get("size") is not None else None,
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            sha1=data.get("sha1"),
            segments=segments,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not part.exists() or any(not 0 <= s.done <= s.end - s.start for s in segments):
        return None
    return state


class StateWriter:
    """Saves a part's state atomically, when asked and while downloading: at most every
    ``interval`` bytes and ``seconds`` apart; the first save of a ``fresh`` part's state
    creates its file exclusively.

    A save syncs the file and its folder to the disk (tens of milliseconds each, far more on
    a busy disk), so the connections never wait for one another's: the one that crosses the
    interval saves while the others go on (a save under way is not doubled), and the bytes
    it records were written before it took its copy of the state."""

    def __init__(
        self,
        part: Path,
        state: PartState,
        interval: int = 4 << 20,
        *,
        fresh: bool = False,
        seconds: float = 1.0,
    ) -> None:
        self.part = part
        self.state = state
        self.interval = interval
        self.seconds = seconds
        self._fresh = fresh
        self._since = 0
        self._saved_at = time.monotonic()
        #: Guards the state's numbers; held for a copy, never for a save.
        self._lock = threading.Lock()
        #: One save at a time, each of a copy taken while holding it: saves land in order.
        self._saving = threading.Lock()

    def advance(self, segment: Segment, count: int) -> None:
        with self._lock:
            segment.done += count
            self._since += count
            due = self._since >= self.interval and time.monotonic() - self._saved_at >= self.seconds
        if due and self._saving.acquire(blocking=False):
            try:
                self._write()
            finally:
                self._saving.release()

    def save(self) -> None:
        with self._saving:
            self._write()

    def _write(self) -> None:
        with self._lock:
            self._since = 0
            self._saved_at = time.monotonic()
            copy = asdict(self.state)
        target = state_path(self.part)
        with replacing(target, prefix=_writing_prefix(self.part), suffix="") as file:
            json.dump(copy, file)
            if self._fresh:  # the name is claimed first (FileExistsError if it is taken)
                os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
                self._fresh = False


def remove_part(part: Path) -> None:
    part.unlink(missing_ok=True)
    remove_state(part)


def remove_state(part: Path) -> None:
    """Delete the part's state file, and the temporary files of states a killed process
    was writing (only the process holding the part's lock writes them: any found now is
    a dead one's)."""
    state_path(part).unlink(missing_ok=True)
    for stale in part.parent.glob(glob.escape(_writing_prefix(part)) + "*"):
        stale.unlink(missing_ok=True)


def _writing_prefix(part: Path) -> str:
    """The name a state being written starts with: hidden, and its part's own."""
    return f".{part.name}.state-"
