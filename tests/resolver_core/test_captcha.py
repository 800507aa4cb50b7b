"""--captcha-command: the image's path as the last argument, the first printed line answers."""

from __future__ import annotations

import sys
from pathlib import Path

from resolver_core.captcha import CaptchaCommand
from resolver_core.http import make_session
from resolver_core.models import CaptchaChallenge

PNG = b"\x89PNG\r\n\x1a\n fake image"


def command(tmp_path: Path, body: str) -> str:
    script = tmp_path / "solver.py"
    script.write_text(body, encoding="utf-8")
    return f"{sys.executable} {script}"


def challenge() -> CaptchaChallenge:
    return CaptchaChallenge("p", "https://x.example/f", "http://127.0.0.1:9/c.png", PNG, "image/png")


def test_answer_is_the_first_line(tmp_path: Path) -> None:
    solver = command(
        tmp_path,
        "import sys, pathlib\np = pathlib.Path(sys.argv[-1])\n"
        "assert p.suffix == '.png' and p.read_bytes().startswith(b'\\x89PNG')\n"
        "print(' xK7p ')\nprint('ignored')\n",
    )
    assert CaptchaCommand(solver).solve(challenge(), make_session()) == "xK7p"


def test_failing_or_silent_command_gives_no_answer(tmp_path: Path) -> None:
    assert (
        CaptchaCommand(command(tmp_path, "raise SystemExit(3)\n")).solve(challenge(), make_session()) is None
    )
    assert CaptchaCommand(command(tmp_path, "pass\n")).solve(challenge(), make_session()) is None
    assert CaptchaCommand("/nonexistent/solver").solve(challenge(), make_session()) is None


def test_the_image_file_is_removed_afterwards(tmp_path: Path) -> None:
    record = tmp_path / "path.txt"
    solver = command(tmp_path, f"import sys\nopen({str(record)!r}, 'w').write(sys.argv[-1])\nprint('a')\n")
    CaptchaCommand(solver).solve(challenge(), make_session())
    assert not Path(record.read_text()).exists()
