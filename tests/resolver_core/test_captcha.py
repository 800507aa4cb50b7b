"""--captcha-command: the image's path as the last argument, the first printed line answers."""

from __future__ import annotations

import io
import struct
import sys
import threading
import zlib
from pathlib import Path

import responses

from resolver_core.captcha import CaptchaCommand, CaptchaPrompt
from resolver_core.http import make_session
from resolver_core.models import CaptchaChallenge
from resolver_core.provider import ResolveContext
from resolver_core.sandbox.captcha import HEIGHT, WIDTH, SandboxCaptchaSolver, read_answer, render_png

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


# -- the terminal prompt -------------------------------------------------------------------


def test_prompt_shows_where_the_image_is_and_reads_the_answer() -> None:
    stderr = io.StringIO()
    answer = CaptchaPrompt(io.StringIO("  7Kx2 \n"), stderr)(challenge())
    assert answer == "7Kx2"
    shown = stderr.getvalue()
    assert "p asks a captcha for https://x.example/f" in shown
    path = Path(shown.split("the image is at ", 1)[1].split()[0])
    assert path.suffix == ".png" and not path.exists()  # removed once answered


def test_prompt_empty_answer_or_no_image_gives_none() -> None:
    assert CaptchaPrompt(io.StringIO("\n"), io.StringIO())(challenge()) is None
    no_image = CaptchaChallenge("p", "https://x.example/f", "http://127.0.0.1:9/c.png")
    assert CaptchaPrompt(io.StringIO("abc\n"), io.StringIO())(no_image) is None


# -- the sandbox's captchas ------------------------------------------------------------------


def test_sandbox_captcha_is_a_real_png_with_its_answer() -> None:
    png = render_png("40213", seed=7)
    assert read_answer(png) == "40213"
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (WIDTH, HEIGHT)
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4 : idat])[0]
    pixels = zlib.decompress(png[idat + 4 : idat + 4 + length])
    assert len(pixels) == HEIGHT * (WIDTH + 1)
    assert pixels.count(30) > 200  # the digits' ink
    assert read_answer(b"\x89PNG\r\n\x1a\n") is None and read_answer(b"GIF89a") is None


def test_sandbox_solver_answers_only_the_sandboxs_captchas() -> None:
    solver = SandboxCaptchaSolver("http://127.0.0.1:5000")
    mine = CaptchaChallenge(
        "openload", "l", "http://127.0.0.1:5000/openload/dlcaptcha/t.png", render_png("123")
    )
    theirs = CaptchaChallenge("openload", "l", "https://openload.co/dlcaptcha/t.png", render_png("123"))
    assert solver.solve_captcha(mine) == "123"
    assert solver.solve_captcha(theirs) is None


def test_context_fetches_the_image_before_asking() -> None:
    seen: list[CaptchaChallenge] = []

    def solver(found: CaptchaChallenge) -> str:
        seen.append(found)
        return "ok"

    with responses.RequestsMock() as mock:
        mock.get("https://img.example/c.png", body=PNG, content_type="image/png")
        ctx = ResolveContext(make_session(), None, solver, threading.Event())  # type: ignore[arg-type]
        assert ctx.solve_captcha(CaptchaChallenge("p", "l", "https://img.example/c.png")) == "ok"
    assert seen[0].image == PNG and seen[0].content_type == "image/png"
