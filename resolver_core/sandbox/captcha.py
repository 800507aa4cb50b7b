"""Captchas for emulated APIs: real PNG images of a few digits, and the sandbox's solver.

A sandbox captcha is an image a person can read (digits drawn with a 5x7 font, some noise)
and, for programs, the same answer in a PNG ``tEXt`` chunk named ``sandbox-answer``. The
chunk is what lets the demo and the end-to-end tests answer captchas with no person
present: :class:`SandboxCaptchaSolver` (a ``solve_captcha`` plugin) reads it, and a test's
``--captcha-command`` can too (``read_answer``). Real services never send their answer.
"""

from __future__ import annotations

import random
import struct
import zlib
from typing import Final

from resolver_core.hookspecs import hookimpl
from resolver_core.models import CaptchaChallenge

ANSWER_KEYWORD: Final = b"sandbox-answer"
WIDTH: Final = 140
HEIGHT: Final = 70
_SCALE: Final = 4
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"

# 5x7 glyphs, one string of five bits per row.
_FONT: Final = {
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11110", "00001", "00001", "01110", "00001", "00001", "11110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
}


def new_answer(rng: random.Random, length: int = 5) -> str:
    """A fresh answer: ``length`` digits."""
    return "".join(rng.choice("0123456789") for _ in range(length))


def render_png(answer: str, *, seed: int = 0) -> bytes:
    """A grayscale PNG showing ``answer`` (digits), with the answer in a tEXt chunk."""
    rng = random.Random(seed)  # noqa: S311 (noise in a test image)
    pixels = [[235] * WIDTH for _ in range(HEIGHT)]
    for _ in range(WIDTH * HEIGHT // 12):  # speckles
        pixels[rng.randrange(HEIGHT)][rng.randrange(WIDTH)] = rng.randrange(120, 200)
    x = (WIDTH - len(answer) * (5 * _SCALE + 6) + 6) // 2
    for character in answer:
        glyph = _FONT.get(character)
        top = (HEIGHT - 7 * _SCALE) // 2 + rng.randint(-6, 6)
        if glyph is not None:
            for row, bits in enumerate(glyph):
                for column, bit in enumerate(bits):
                    if bit == "1":
                        for dy in range(_SCALE):
                            for dx in range(_SCALE):
                                pixels[top + row * _SCALE + dy][x + column * _SCALE + dx] = 30
        x += 5 * _SCALE + 6
    for _ in range(3):  # strike-through lines
        y, slope = rng.randrange(HEIGHT), rng.uniform(-0.3, 0.3)
        for column in range(WIDTH):
            row = int(y + slope * column)
            if 0 <= row < HEIGHT:
                pixels[row][column] = 90
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return (
        _PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"tEXt", ANSWER_KEYWORD + b"\x00" + answer.encode("ascii"))
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def read_answer(png: bytes) -> str | None:
    """The answer in a sandbox captcha's tEXt chunk, or None for any other image."""
    if not png.startswith(_PNG_SIGNATURE):
        return None
    position = len(_PNG_SIGNATURE)
    while position + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        data = png[position + 8 : position + 8 + length]
        if kind == b"tEXt":
            keyword, _, text = data.partition(b"\x00")
            if keyword == ANSWER_KEYWORD:
                return text.decode("ascii", "replace")
        if kind == b"IEND":
            break
        position += 12 + length
    return None


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class SandboxCaptchaSolver:
    """A ``solve_captcha`` plugin for the demo: answers the sandbox's captchas, and only them."""

    def __init__(self, sandbox_url: str) -> None:
        self.sandbox_url = sandbox_url.rstrip("/") + "/"

    @hookimpl
    def solve_captcha(self, challenge: CaptchaChallenge) -> str | None:
        if not challenge.image_url.startswith(self.sandbox_url) or challenge.image is None:
            return None
        return read_answer(challenge.image)
