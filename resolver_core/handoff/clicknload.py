"""A Click'n'Load receiver: websites' "Click'n'Load" buttons feed their links to linkresolver.

The buttons post to ``http://127.0.0.1:9666`` as they would to JDownloader: ``/jdcheck.js``
asks whether someone listens, ``/flash/add`` sends links in the clear (``urls``, one a
line), ``/flash/addcrypted2`` sends them AES-128-CBC encrypted (``crypted``, base64) with
the key in ``jk``, a JavaScript function returning the key in hex (read here, never run).
Every answer is ``success`` or ``failed``; the links go to ``on_links(links, fields)``,
which must not block: any page the user visits can post here, so what comes is only
handed on (``serve`` asks the user before resolving it).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse

log = logging.getLogger("linkresolver")

DEFAULT_PORT: Final = 9666
#: The pieces of ``jk``, read as JavaScript is: comments, string literals, words, the rest.
#: A ``return`` counts only as a word of code, never inside a string or a comment (a decoy
#: ``var s = "return '...'"`` is a string).
_JS_TOKEN: Final = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))"""
    r"""|(?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`)"""
    r"""|(?P<word>[A-Za-z_$][\w$]*)"""
    r"""|(?P<other>\S)""",
    re.DOTALL,
)
_HEX_KEY: Final = re.compile(r"[0-9A-Fa-f]{32}")
#: A form larger than this is not a list of links.
MAX_FORM_BYTES: Final = 4 << 20

#: Takes the links and the request's other fields (package, source...): False if refused.
OnLinks = Callable[[list[str], dict[str, str]], bool]


class ClickAndLoadError(ValueError):
    """A payload that cannot be read (bad base64, no key in ``jk``, not text)."""


def key_from_jk(jk: str) -> bytes:
    """The key the ``jk`` function returns: the 32 hex digits of the string literal after
    its ``return``. Refused when no return gives one, or when returns give different keys."""
    tokens = [(m.lastgroup, m.group()) for m in _JS_TOKEN.finditer(jk) if m.lastgroup != "comment"]
    keys = set()
    for (kind, text), (next_kind, value) in itertools.pairwise(tokens):
        if kind == "word" and text == "return":
            literal = value[1:-1] if next_kind == "string" else ""
            if not _HEX_KEY.fullmatch(literal):
                raise ClickAndLoadError("the jk function returns something other than a 32-digit hex key")
            keys.add(literal.lower())
    if len(keys) != 1:
        several = "the jk function returns several keys"
        raise ClickAndLoadError(several if keys else "no 32-digit hex key returned by the jk function")
    return bytes.fromhex(keys.pop())


def decrypt_links(crypted: str, jk: str) -> list[str]:
    """The links of an ``addcrypted2`` payload: AES-128-CBC, the key as IV, zero padding."""
    key = key_from_jk(jk)
    try:
        data = base64.b64decode(crypted.strip(), validate=False)
    except (binascii.Error, ValueError):
        raise ClickAndLoadError("crypted is not base64") from None
    if not data or len(data) % 16:
        raise ClickAndLoadError("crypted is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key)).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    try:
        text = plain.rstrip(b"\x00").decode("utf-8")
    except UnicodeDecodeError:
        raise ClickAndLoadError("the decrypted payload is not text (a wrong key?)") from None
    return split_links(text)


#: The longest package password taken from a website's form.
MAX_PASSWORD: Final = 200


def clicknload_password(fields: Mapping[str, str]) -> str | None:
    """The package's password a Click'n'Load form gives (its ``passwords`` field, which
    pyLoad and JDownloader take as the package's archive password), or None when it gives
    none. Of several, a line each, the first: one password goes with a package's links."""
    lines = [line.strip() for line in fields.get("passwords", "").splitlines()]
    first = next((line for line in lines if line), None)
    return first[:MAX_PASSWORD] if first else None


def split_links(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]


class ClickAndLoad:
    """The receiver as a WSGI application."""

    def __init__(self, on_links: OnLinks) -> None:
        self.on_links = on_links
        self._rules = Map(
            [
                Rule("/jdcheck.js", endpoint="check"),
                Rule("/crossdomain.xml", endpoint="crossdomain"),
                Rule("/flash/", endpoint="alive"),
                Rule("/flash/add", endpoint="add", methods=["POST"]),
                Rule("/flash/addcrypted2", endpoint="addcrypted2", methods=["POST"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request.max_form_memory_size = MAX_FORM_BYTES
        request.max_content_length = MAX_FORM_BYTES
        response: Response
        try:
            endpoint, _ = self._rules.bind_to_environ(environ).match()
            response = getattr(self, f"_{endpoint}")(request)
        except NotFound:
            response = Response("failed\r\n", status=404, mimetype="text/plain")
        except HTTPException as exc:
            response = exc.get_response(environ)
        return response(environ, start_response)

    def _check(self, request: Request) -> Response:
        return Response("jdownloader=true;\r\nvar version='42707';\r\n", mimetype="text/javascript")

    def _crossdomain(self, request: Request) -> Response:
        policy = (
            '<?xml version="1.0"?><!DOCTYPE cross-domain-policy SYSTEM '
            '"http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd">'
            '<cross-domain-policy><allow-access-from domain="*" /></cross-domain-policy>'
        )
        return Response(policy, mimetype="text/xml")

    def _alive(self, request: Request) -> Response:
        return Response("JDownloader\r\n", mimetype="text/plain")

    def _add(self, request: Request) -> Response:
        return self._deliver(split_links(request.form.get("urls", "")), request)

    def _addcrypted2(self, request: Request) -> Response:
        try:
            links = decrypt_links(request.form.get("crypted", ""), request.form.get("jk", ""))
        except ClickAndLoadError as exc:
            log.warning("Click'n'Load: a payload was refused: %s", exc)
            return Response("failed\r\n", status=400, mimetype="text/plain")
        return self._deliver(links, request)

    def _deliver(self, links: list[str], request: Request) -> Response:
        if not links:
            return Response("failed\r\n", status=400, mimetype="text/plain")
        payload = ("crypted", "jk", "urls")
        fields = {name: value for name, value in request.form.items() if name not in payload}
        if not self.on_links(links, fields):
            return Response("failed\r\n", status=503, mimetype="text/plain")
        return Response("success\r\n", mimetype="text/plain")
