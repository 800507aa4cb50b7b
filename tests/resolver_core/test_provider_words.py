"""A provider's own words reach a terminal: they are shown, but cannot drive it."""

from __future__ import annotations

import pytest

from resolver_core import errors
from resolver_core.envelope import printable, unwrap_envelope


def test_escape_sequences_and_bidi_overrides_are_dropped() -> None:
    hostile = "file \x1b[2J\x1b]0;pwned\x07gone\u202eexe.txt\u2066 \r\nnow"
    with pytest.raises(errors.FileOffline) as raised:
        unwrap_envelope({"status": 404, "msg": hostile}, provider="openload")
    text = raised.value.for_person()
    assert "file [2J]0;pwnedgoneexe.txt now" in text
    assert not any(c in text for c in "\x1b\x07\u202e\u2066\r\n")


def test_ordinary_words_are_kept() -> None:
    assert printable("Datei gelöscht – 文件已删除 (404)") == "Datei gelöscht – 文件已删除 (404)"
