"""Human output shows a provider's words, never the terminal controls hidden in them."""

from __future__ import annotations

import pytest

from resolver_core.output import shown


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("evil\x1b[31mRED\x1b[0m.bin", "evil[31mRED[0m.bin"),  # no ESC: the colour never starts
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # no right-to-left override
        ("new\nline.txt", "newline.txt"),  # a name cannot fake a line of its own
        ("title\x1b]0;pwned\x07", "title]0;pwned"),  # no window-title sequence
        ("lone \ud800 surrogate", "lone  surrogate"),  # would fail to encode
        ("Urlaub – Ça va? 日本語.mkv", "Urlaub – Ça va? 日本語.mkv"),  # letters of any script stay
    ],
)
def test_shown_drops_controls_and_format_characters(text: str, seen: str) -> None:
    assert shown(text) == seen


def test_shown_takes_anything_printable() -> None:
    assert shown(5) == "5"
    assert shown(None) == "None"
