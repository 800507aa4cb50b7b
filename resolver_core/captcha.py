"""The built-in captcha solvers, tried after the ``solve_captcha`` hook:

- ``--captcha-command CMD`` (config ``captcha_command``): the image is saved to a temporary
  file whose path is passed as CMD's last argument; the first line CMD prints is the answer.
- on a terminal, :class:`CaptchaPrompt`: the image is saved, its path shown and a viewer
  opened when there is one, and the person types the answer.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

import requests

from .lines import held
from .models import CaptchaChallenge

log = logging.getLogger("linkresolver")

#: Seconds a person gets to read a captcha.
ANSWER_TIMEOUT = 300
_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


class CaptchaCommand:
    def __init__(self, command: str) -> None:
        self.argv = shlex.split(command)

    def solve(self, challenge: CaptchaChallenge, session: requests.Session) -> str | None:
        if challenge.image is None:
            # Through the one bounded fetch (an image of 2 MiB at most): it may be the one the
            # provider already refused as too large.
            from .provider import fetch_captcha_image  # noqa: PLC0415 (provider imports the core)

            challenge = fetch_captcha_image(session, challenge)
        image, content_type = challenge.image, challenge.content_type
        if image is None:
            return None
        suffix = _SUFFIXES.get((content_type or "").split(";")[0].strip(), ".img")
        with tempfile.TemporaryDirectory(prefix="linkresolver-captcha-") as folder:
            path = Path(folder) / f"captcha{suffix}"
            path.write_bytes(image)
            try:
                done = subprocess.run(  # noqa: S603 (the user's own configured command)
                    [*self.argv, str(path)],
                    capture_output=True,
                    text=True,
                    timeout=ANSWER_TIMEOUT,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                log.warning("the captcha command failed: %s", exc)
                return None
        if done.returncode != 0:
            log.warning("the captcha command exited with %d", done.returncode)
            return None
        answer = done.stdout.strip().splitlines()
        return answer[0].strip() if answer else None


class CaptchaPrompt:
    """Asks the person at the terminal, one captcha at a time.

    The image goes to a temporary file (removed once answered); its path is shown and, on a
    desktop, opened in the default image viewer. An empty answer gives up on the link.
    """

    def __init__(self, stdin: TextIO, stderr: TextIO) -> None:
        self.stdin = stdin
        self.stderr = stderr
        self._lock = threading.Lock()

    def __call__(self, challenge: CaptchaChallenge) -> str | None:
        if challenge.image is None:
            return None
        suffix = _SUFFIXES.get((challenge.content_type or "").split(";")[0].strip(), ".img")
        with (
            self._lock,
            held(self.stderr),  # no other line, nor a bar, until it is answered
            tempfile.TemporaryDirectory(prefix="linkresolver-captcha-") as folder,
        ):
            path = Path(folder) / f"captcha{suffix}"
            path.write_bytes(challenge.image)
            print(f"\n{challenge.provider} asks a captcha for {challenge.link}", file=self.stderr)
            print(f"  the image is at {path}", file=self.stderr)
            if _open_viewer(path):
                print("  (opened in your image viewer)", file=self.stderr)
            self.stderr.write("  type what it shows, then Enter (empty: skip this link): ")
            self.stderr.flush()
            answer = self.stdin.readline().strip()
        return answer or None


def _open_viewer(path: Path) -> bool:
    """Open ``path`` in the desktop's viewer, without waiting; False when there is none."""
    if sys.platform == "darwin":
        command = shutil.which("open")
    elif os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        command = shutil.which("xdg-open")
    else:
        command = None
    if command is None:
        return False
    try:
        subprocess.Popen(  # noqa: S603 (the desktop's own opener, with a path we made)
            [command, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
    except OSError:
        return False
    return True
