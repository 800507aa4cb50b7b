"""What the outcome of fuzzed input must be: a result of the type the code declares, or a
:class:`~resolver_core.errors.ResolverError` a person can read."""

from __future__ import annotations

import collections.abc
import dataclasses
import os
import types
import typing
import unicodedata
from typing import Any, Final

from resolver_core import errors

#: A message for a person is a sentence or two, not a provider's whole answer.
MAX_MESSAGE: Final = 1_000


def examples(default: int) -> int:
    """Examples per test: ``default`` keeps the fuzz run within a minute; FUZZ_EXAMPLES=2000
    searches harder (a developer's run before a release, not every run)."""
    return int(os.environ.get("FUZZ_EXAMPLES", default))


def conforms(value: Any, hint: Any) -> bool:
    """Whether ``value`` is what the annotation ``hint`` says: results are typed, so an
    ``int | None`` field never holds a float, a bool or a string."""
    if hint is Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(item, args[0]) for item in value)
        return len(value) == len(args) and all(conforms(v, a) for v, a in zip(value, args, strict=True))
    if origin in (list, collections.abc.Sequence, collections.abc.Iterable):
        container = list if origin is list else collections.abc.Iterable
        return isinstance(value, container) and all(conforms(item, args[0]) for item in value)
    if origin in (set, frozenset):
        return isinstance(value, origin) and all(conforms(item, args[0]) for item in value)
    if origin in (dict, collections.abc.Mapping):
        return isinstance(value, collections.abc.Mapping) and all(
            conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items()
        )
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, float | int) and not isinstance(value, bool)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = typing.get_type_hints(hint)
        return isinstance(value, hint) and all(
            conforms(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(hint)
        )
    if isinstance(hint, type):
        return isinstance(value, hint)
    raise AssertionError(f"conforms() does not know {hint!r}")


def assert_readable(error: errors.ResolverError) -> None:
    """A person reads it: short, and without control or format characters (an escape
    sequence or a bidirectional override from a provider's words would drive the terminal
    or disguise the text) or lone surrogates (which no terminal's encoding can print), as
    :func:`resolver_core.envelope.printable` makes the envelope's."""
    said = error.for_person()
    assert said, f"{type(error).__name__} without a message"
    assert len(said) <= MAX_MESSAGE, f"{len(said)}-character message: {said[:200]!r}..."
    hidden = sorted({c for c in said if unicodedata.category(c) in ("Cc", "Cf", "Cs")})
    assert not hidden, f"message with control, format or surrogate characters {hidden!r}: {said[:300]!r}"
