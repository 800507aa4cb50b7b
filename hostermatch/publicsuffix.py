"""Whether a domain is a public suffix (``net``, ``co.uk``, ``github.io``): the Public
Suffix List, from the ``publicsuffixlist`` package's bundled snapshot (never fetched).

A hoster pattern that claims every host under a public suffix would take the links of
everybody registered there: ``https?://[^/]+\\.co\\.uk/`` is no more one hoster's than
``https?://[^/]+\\.net/``. The list is loaded on first use (about 35 ms), which only the
analysis of such a suffix pattern needs.
"""

from __future__ import annotations

import functools
from typing import Any


def is_public_suffix(domain: str) -> bool:
    """Whether anybody can register names under ``domain`` (an ASCII, lower-case host)."""
    if "." not in domain:
        return True  # a top-level domain, known to the list or not
    return bool(_list().is_public(domain))


def public_suffix_list_version() -> str:
    """The installed list's version (its package's), without loading the list."""
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("publicsuffixlist")
    except PackageNotFoundError:  # not installed as a distribution (a vendored copy)
        return "unknown"


@functools.cache
def _list() -> Any:
    from publicsuffixlist import PublicSuffixList  # noqa: PLC0415 (35 ms: only when needed)

    # The hosts here are already ASCII (IDNA): the unicode forms of the rules are not needed.
    return PublicSuffixList(accept_encoded_idn=False)
