"""``--captcha-command CMD``: a person's (or a program's) answer to a captcha.

The image is saved to a temporary file whose path is passed as CMD's last argument; the
first line CMD prints is the answer. Nothing of it is shown unless CMD shows it.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import tempfile
from pathlib import Path

import requests

from .models import CaptchaChallenge
from .redact import redact

log = logging.getLogger("linkresolver")

#: Seconds a person gets to read a captcha.
ANSWER_TIMEOUT = 300
_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


class CaptchaCommand:
    def __init__(self, command: str) -> None:
        self.argv = shlex.split(command)

    def solve(self, challenge: CaptchaChallenge, session: requests.Session) -> str | None:
        image, content_type = challenge.image, challenge.content_type
        if image is None:
            try:
                response = session.get(challenge.image_url)
                response.raise_for_status()
            except requests.RequestException as exc:
                log.warning("cannot fetch the captcha image: %s", redact(str(exc)))
                return None
            image, content_type = response.content, response.headers.get("Content-Type")
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
