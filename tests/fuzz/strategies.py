"""Hypothesis strategies for API answers that servers get wrong (issue 9, fuzzing).

The five documents show each answer's shape once; real servers, proxies and broken
deployments send every other shape too. :func:`mutated` starts from a valid example answer
and changes a few of its values the ways answers really go wrong: a number arriving as a
string or as ``false``, a key missing, an object where a list belongs, numbers past 64 bits,
text with control, bidirectional and astral characters, values wrapped in extra nesting, a
whole answer that is not an object. Starting from a valid answer keeps most of the answer
intact, so a mutation reaches the code that reads the field it changed rather than stopping
at the envelope. :func:`json_values` adds answers of no particular shape at all, and
:func:`replies` wraps either into what a server sends: an HTTP status, headers and bytes,
sometimes bytes that are not JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from hypothesis import strategies as st

Json = Any
#: Where a value sits in an answer: object keys and list indices from the top.
Path = tuple[str | int, ...]

#: Numbers past what the answers mean: 64-bit edges, -1 ("unlimited" or an error), 10**30.
HUGE_INTS: Final = (
    0,
    -1,
    1,
    2**31,
    2**53 + 1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**30,
    -(10**30),
    10**300,
)
#: Floats JSON can write; ``inf`` is written as ``1e999``, which parsers read as infinity.
#: NaN has no JSON spelling (:data:`RAW_BODIES` sends the one Python reads).
FLOATS: Final = (0.5, -0.0, 1.5, 1e308, -1e308, 5e-324, 1e16, 123456789012.0, 2.0**63, math.inf, -math.inf)
#: Text that reads as something it is not, or that breaks what prints or stores it.
NASTY_TEXT: Final = (
    "",
    " ",
    "0",
    "-1",
    "-0",
    "+5",
    " 42 ",
    "1e5",
    "0x1F",
    "1_000",
    "3.5",
    "361357875",
    "9" * 40,
    "9" * 5000,
    "²",
    "٣",
    "１２",
    "false",
    "null",
    "true",
    "NaN",
    "Infinity",
    "2015-08-23 18:20:13",
    "0000-00-00 00:00:00",
    "9999-12-31 23:59:59",
    "0001-01-01 00:00:00",
    "2015-02-30 25:61:61",
    "http://",
    "https://",
    "HTTPS://EXAMPLE.COM/F",
    "https://example.com/\u202egpj.exe",
    "https://[::1",
    "https://example.com:99999999/x",
    "https://exa mple.com/\r\nX-Injected: 1",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "//example.com/x",
    "../../etc/passwd",
    "C:\\Windows\\system32",
    "CON",
    "\x00",
    "a\x00b",
    "\x1b[2J\x1b[31mred",
    "\r\n",
    "\u200f\u202e\u2066",
    "\ufeff",
    "\ufffd",
    "\u0000\u0085\u2028\u2029",
    "😀",
    "\U0010ffff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "ﷺ" * 50,
    "%00%2e%2e%2f",
    "a" * 10_000,
    "\u202e" * 10_000,
    "😀" * 10_000,
    # A lone surrogate: valid JSON text ("\\ud800"), a string Python cannot encode.
    "\ud800",
    "x\udfffy",
)
#: Keys an object gets when a mutation adds some: the answers' own field names often.
SOME_KEYS: Final = ("status", "result", "msg", "id", "url", "name", "size", "error", "0", "", "\x00")


@cache  # strategies are built once: building one costs more than drawing from it
def nasty_scalars() -> st.SearchStrategy[Json]:
    """A scalar of any JSON type, the edges of each type first."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(HUGE_INTS),
        st.integers(),
        st.sampled_from(FLOATS),
        st.floats(allow_nan=False),
        st.sampled_from(NASTY_TEXT),
        st.text(max_size=30),
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=30),
    )


@cache
def json_values(max_leaves: int = 12) -> st.SearchStrategy[Json]:
    """Any JSON value: scalars, and lists and objects of them nested a few levels."""
    key_strategy = st.one_of(st.sampled_from(SOME_KEYS), st.text(max_size=10))
    return st.recursive(
        nasty_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(key_strategy, children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


# -- mutation ---------------------------------------------------------------------------------


def paths(value: Json, prefix: Path = ()) -> list[Path]:
    """Every place in ``value``, the whole first, then depth first in document order."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def value_at(value: Json, path: Path) -> Json:
    for step in path:
        value = value[step]
    return value


def replaced(value: Json, path: Path, new: Json) -> Json:
    """``value`` with ``new`` at ``path`` (copies along the path; the rest is shared)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = replaced(value[head], rest, new)  # type: ignore[index]
    return copy


def dropped(value: Json, path: Path) -> Json:
    """``value`` without the key or list item at ``path`` (the whole: an empty object)."""
    if not path:
        return {}
    parent = value_at(value, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        smaller: Json = {key: item for key, item in parent.items() if key != last}
    else:
        smaller = [item for index, item in enumerate(parent) if index != last]
    return replaced(value, path[:-1], smaller)


#: The JSON types a value can be swapped to.
TYPES: Final = ("str", "int", "float", "bool", "null", "list", "dict")


def swapped(value: Json, to: str) -> Json:
    """``value`` as another JSON type, kept as close to its meaning as the type allows:
    361357875 -> "361357875", "12" -> 12, [a, b] -> {"0": a, "1": b}, x -> [x]."""
    if to == "str":
        if isinstance(value, str):
            return value
        return to_json(value) if isinstance(value, dict | list) else str(value)
    if to == "int":
        if isinstance(value, str) and value.strip().lstrip("-").isdecimal() and len(value) < 100:
            return int(value.strip())
        if isinstance(value, float) and math.isfinite(value):
            return int(value)
        return len(value) if isinstance(value, str | list | dict) else int(bool(value))
    if to == "float":
        try:
            return float(value)
        except (TypeError, ValueError, OverflowError):
            return 1e308
    if to == "bool":
        return bool(value)
    if to == "null":
        return None
    if to == "list":
        return list(value.values()) if isinstance(value, dict) else [value]
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)}
    return {"value": value}


#: How a value goes wrong; each takes (draw, the value) and gives its replacement.
Mutation = Callable[[st.DrawFn, Json], Json]


def _swap(draw: st.DrawFn, value: Json) -> Json:
    return swapped(value, draw(st.sampled_from(TYPES)))


def _false(draw: st.DrawFn, value: Json) -> Json:
    return False


_NUMBERS: Final = st.one_of(st.sampled_from(HUGE_INTS), st.sampled_from(FLOATS))
_TEXTS: Final = st.one_of(st.sampled_from(NASTY_TEXT), st.text(min_size=1, max_size=40))
_EXTRA_KEYS: Final = st.dictionaries(st.sampled_from(SOME_KEYS), json_values(max_leaves=3), max_size=3)


def _huge(draw: st.DrawFn, value: Json) -> Json:
    return draw(_NUMBERS)


def _unicode(draw: st.DrawFn, value: Json) -> Json:
    return draw(_TEXTS)


def _nest(draw: st.DrawFn, value: Json) -> Json:
    for _ in range(draw(st.integers(1, 40))):
        value = [value] if draw(st.booleans()) else {"result": value}
    return value


_EMPTY: Final[st.SearchStrategy[Json]] = st.sampled_from([{}, [], "", 0, None])


def _empty(draw: st.DrawFn, value: Json) -> Json:
    return draw(_EMPTY)


def _arbitrary(draw: st.DrawFn, value: Json) -> Json:
    return draw(json_values(max_leaves=6))


_LONG: Final[st.SearchStrategy[Json]] = st.one_of(
    st.sampled_from(["a" * 10_000, "\u202e" * 10_000, "😀" * 10_000, "\x1b[2J" * 2_500, "9" * 5_000]),
    st.integers(100, 5_000).map(lambda n: [None] * n),
    st.integers(100, 2_000).map(lambda n: {str(i): i for i in range(n)}),
)


def _long(draw: st.DrawFn, value: Json) -> Json:
    """10,000 characters of text, thousands of items: what ends up quoted in a message."""
    return draw(_LONG)


def _more(draw: st.DrawFn, value: Json) -> Json:
    """More of the same: a list's items repeated, an object's keys joined by strangers."""
    if isinstance(value, list):
        return (value * draw(st.integers(2, 60)))[:5_000]
    if isinstance(value, dict):
        return {**value, **draw(_EXTRA_KEYS)}
    return draw(json_values(max_leaves=4))


MUTATIONS: Final[tuple[Mutation, ...]] = (
    _swap,
    _false,
    _huge,
    _unicode,
    _long,
    _nest,
    _empty,
    _arbitrary,
    _more,
)


@st.composite
def mutated(draw: st.DrawFn, valid: Json, max_mutations: int = 4, *, whole: bool = True) -> Json:
    """``valid`` with up to ``max_mutations`` of its values changed, or dropped.
    ``whole=False``: the values inside it only, never the whole answer (a small answer's
    few fields are otherwise hit about as often as the answer itself)."""
    value = valid
    for _ in range(draw(st.integers(0, max_mutations))):
        places = paths(value) if whole else (paths(value)[1:] or [()])
        path = places[draw(st.integers(0, len(places) - 1))]
        if path and draw(st.integers(0, len(MUTATIONS))) == 0:
            value = dropped(value, path)
            continue
        mutation = draw(st.sampled_from(MUTATIONS))
        value = replaced(value, path, mutation(draw, value_at(value, path)))
    return value


# -- what a server sends ----------------------------------------------------------------------


def to_json(value: Json) -> str:
    """``value`` as JSON text; infinity as ``1e999`` (JSON has no word for it, parsers read
    the number as infinity), lone surrogates as ``\\ud800`` escapes."""
    if isinstance(value, float) and not math.isfinite(value):
        return "1e999" if value > 0 else "-1e999" if value < 0 else "1e308"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(key))}:{to_json(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    return json.dumps(value)


#: Bodies that are not the JSON they claim.
BROKEN_BODIES: Final = (
    b"",
    b" ",
    b"null",
    b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    b'{"status": 200, "result": {',
    b'{"status": 200, "result": {"url": "https://x.example/f"}}{"status": 500}',
    b"\xff\xfe\x00\x00garbage",
    b"\x1f\x8b\x08\x00",  # the start of a gzip stream, not said to be one
    "\ufeff{}".encode(),
    '{"status": 200, "msg": "OK", "result": {}}'.encode("utf-16"),
)
#: JSON at the edges of what parsers take: numbers past ``int``'s digit limit, the NaN and
#: Infinity Python reads, escaped lone surrogates, repeated keys, nesting past the recursion
#: limit (each reader of a body must survive these, not only the HTTP layer's).
PATHOLOGICAL_BODIES: Final = (
    b'{"status": 200, "result": ' + b"9" * 5000 + b"}",
    b'{"status": 200, "result": NaN}',
    b'{"status": 200, "result": {"size": NaN, "wait_time": Infinity, "fairuse_left": -Infinity}}',
    b'{"status": 200, "result": {"id": "\\ud800", "url": "https://x.example/\\udfff"}}',
    b'{"status": 200, "status": 404, "result": {}}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
)
RAW_BODIES: Final = BROKEN_BODIES + PATHOLOGICAL_BODIES
#: HTTP statuses: mostly 200 (the body's status decides), and each the documents name.
HTTP_STATUSES: Final = (200,) * 12 + (201, 204, 400, 401, 403, 404, 410, 428, 429, 451, 500, 502, 503, 509)
RETRY_AFTER: Final = ("0", "120", "-5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "9" * 40, "1e3")


@dataclass(frozen=True)
class Reply:
    """One answer of a mock server."""

    body: bytes
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:  # a failing example's bodies can be megabytes of brackets
        body = repr(self.body[:300]) + (f"... ({len(self.body)} bytes)" if len(self.body) > 300 else "")
        return f"Reply({body}, status={self.status}, headers={self.headers!r})"


def _encoded(value: Json) -> bytes:
    return to_json(value).encode()


def replies(
    valid: Json,
    *,
    text: bool = False,
    headers: Iterable[tuple[str, str]] = (),
    refusals: Sequence[Json] = (),
) -> st.SearchStrategy[Reply]:
    """What a server may answer where ``valid`` belongs: ``valid`` mutated, one of the
    documented ``refusals`` (``{"error": ...}``, an envelope with an error status) mutated,
    any JSON at all, or bytes that are not JSON; with an HTTP status and, sometimes, a
    ``Retry-After``. ``text``: the valid answer is plain text (one URL a line, an image)."""
    fixed = tuple(headers)
    valid_bodies: st.SearchStrategy[bytes]
    if text:
        lines = st.lists(
            st.one_of(st.sampled_from(str(valid).splitlines() or [""]), st.sampled_from(NASTY_TEXT))
        )
        valid_bodies = st.one_of(st.just(str(valid)), lines.map("\n".join), st.text(max_size=200)).map(
            lambda body: body.encode("utf-8", "surrogatepass")
        )
    else:
        valid_bodies = mutated(valid).map(_encoded)
    refused = (
        st.one_of(*(mutated(refusal) for refusal in refusals)).map(_encoded) if refusals else valid_bodies
    )
    bodies = st.one_of(
        valid_bodies,
        valid_bodies,
        refused,
        json_values().map(_encoded),
        st.sampled_from(BROKEN_BODIES),
        st.sampled_from(PATHOLOGICAL_BODIES),
    )
    extra = st.one_of(st.just(()), st.sampled_from(RETRY_AFTER).map(lambda value: (("Retry-After", value),)))
    keep = st.sampled_from([True, True, True, False]) if fixed else st.just(True)

    @st.composite
    def reply(draw: st.DrawFn) -> Reply:
        body, status = draw(bodies), draw(st.sampled_from(HTTP_STATUSES))
        return Reply(body, status, (fixed if draw(keep) else ()) + draw(extra))

    return reply()


def field_replies(valid: Json, status: int = 200) -> st.SearchStrategy[Reply]:
    """``valid`` with its fields mutated (at least one; never the whole answer), with the
    status of a valid answer: what reaches the code that reads each field."""
    return mutated(valid, whole=False).map(lambda value: Reply(_encoded(value), status))


#: Numbers no answer means: past a float's range (``float()`` of them raises), past a
#: date's, negative, not a number.
GIANTS: Final = (10**400, -(10**400), 10**30, 2**63, -1, 1e308, math.inf, -math.inf, math.nan)
