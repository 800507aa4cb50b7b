"""Hostile Click'n'Load requests, fuzzed: any web page may post to the receiver.

Whatever the form holds (a jk function with decoys, comments, several returns, no key;
crypted text that is not base64, not whole AES blocks, or decrypts to bytes that are not
text; huge or control-laden fields; any package name), the receiver answers with one of
its plain answers and never a server error, and the links it hands on are exactly the
non-empty lines of what was sent (decrypted, for addcrypted2): nothing invented, nothing
run. The jk function is read, never executed.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from resolver_core.handoff.clicknload import ClickAndLoad, ClickAndLoadError, key_from_jk, split_links

from .outcomes import examples
from .strategies import NASTY_TEXT

CNL = settings(max_examples=examples(120), deadline=None)
KEY = "31323334353637383930414243444546"
ANSWERS = {200: b"success\r\n", 400: b"failed\r\n", 503: b"failed\r\n"}


def _sendable(text: str) -> bool:
    """Whether a browser could send it (a form is bytes: no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_texts = st.one_of(
    st.sampled_from([text for text in NASTY_TEXT if _sendable(text)]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60),
)
_js_pieces = st.sampled_from(
    [
        f"return '{KEY}'",
        f'return "{KEY}"',
        "return 'bad'",
        f"/* return '{KEY}' */",
        f"// return '{'0' * 32}'\n",
        f"\"return '{'f' * 32}'\"",
        "var s = 'return';",
        "function f(){",
        "}",
        "return",
        ";",
        "\\",
        "'",
        '"',
        "`",
    ]
)
jk_functions = st.lists(st.one_of(_js_pieces, _texts), max_size=8).map(" ".join)


def encrypt(text: bytes, key: str = KEY) -> str:
    raw = bytes.fromhex(key)
    padded = text + b"\0" * (-len(text) % 16)
    encryptor = Cipher(algorithms.AES(raw), modes.CBC(raw)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


crypted_payloads = st.one_of(
    _texts,
    st.binary(max_size=64).map(lambda data: base64.b64encode(data).decode()),
    st.binary(max_size=80).map(encrypt),
    st.lists(_texts, max_size=5).map(lambda lines: encrypt("\n".join(lines).encode())),
)


class Receiver:
    def __init__(self) -> None:
        self.delivered: list[tuple[list[str], dict[str, str]]] = []
        self.client = Client(ClickAndLoad(self.on_links))

    def on_links(self, links: list[str], fields: dict[str, str]) -> bool:
        self.delivered.append((links, fields))
        return True

    def post(self, path: str, form: dict[str, str]) -> Any:
        response = self.client.post(path, data=form)
        assert response.status_code in ANSWERS, (response.status_code, response.data[:200])
        assert response.data == ANSWERS[response.status_code]
        return response


@CNL
@given(jk=jk_functions)
def test_any_jk_gives_the_one_key_it_returns_or_is_refused(jk: str) -> None:
    try:
        key = key_from_jk(jk)
    except ClickAndLoadError:
        return
    assert len(key) == 16 and key.hex() in jk.lower()


@CNL
@given(
    jk=jk_functions,
    crypted=crypted_payloads,
    package=_texts,
    extra=st.dictionaries(_texts, _texts, max_size=3),
)
def test_addcrypted2_answers_plainly_and_hands_on_only_what_was_sent(
    jk: str, crypted: str, package: str, extra: dict[str, str]
) -> None:
    receiver = Receiver()
    form = {**extra, "jk": jk, "crypted": crypted, "package": package}
    response = receiver.post("/flash/addcrypted2", form)
    if response.status_code != 200:
        assert receiver.delivered == []
        return
    [(links, fields)] = receiver.delivered
    assert links and all(link and link == link.strip() and "\n" not in link for link in links)
    assert "jk" not in fields and "crypted" not in fields


@CNL
@given(urls=st.lists(_texts, max_size=6).map("\r\n".join), package=_texts)
def test_add_hands_on_exactly_the_lines_sent(urls: str, package: str) -> None:
    receiver = Receiver()
    response = receiver.post("/flash/add", {"urls": urls, "package": package})
    expected = split_links(urls)
    if not expected:
        assert response.status_code == 400 and receiver.delivered == []
        return
    [(links, fields)] = receiver.delivered
    assert links == expected and "urls" not in fields


@CNL
@given(
    path=st.sampled_from(["/flash/add", "/flash/addcrypted2", "/jdcheck.js", "/flash/", "/x"]), body=_texts
)
def test_any_body_on_any_path_is_no_server_error(path: str, body: str) -> None:
    client = Client(ClickAndLoad(lambda links, fields: True))
    response = client.post(path, data=body.encode(), content_type="text/plain")
    assert response.status_code < 500 or response.status_code == 503
