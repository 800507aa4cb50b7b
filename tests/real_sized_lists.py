"""Real-sized hoster lists for the sandbox's debrid emulations, made from real patterns.

The 548 patterns of ``../shared/data/real_hoster_patterns.json`` (pyLoad's and ResolveURL's)
are filtered down to those whose hoster can be told without any reader's help: the pattern
names its one domain plainly, at the start (``https?://(?:www\\.)?katfile\\.com/...`` or
``(?://|\\.)(katfile\\.com)/...``), names no other hoster's domain inside it, and yields sample
links. Each is an :class:`~resolver_core.sandbox.ExtraHoster` (short name, domain, pattern);
:func:`assign` hands every emulation a different, overlapping few hundred of them, so that
many hosters are served by two to six providers. Used by the end-to-end test of
``linkresolver hosts`` with every list loaded and by ``bench/hosts_union_bench.py``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from hostermatch.samples import sample_urls
from resolver_core.sandbox import ExtraHoster

DATA: Final = Path(__file__).resolve().parents[2] / "shared" / "data" / "real_hoster_patterns.json"
#: The debrid emulations that list hosters, by their name in ``Sandbox.emulations``.
DEBRID_EMULATIONS: Final = (
    "realdebrid",
    "premiumize",
    "premiumize-current",
    "alldebrid",
    "torbox",
    "debridlink",
)
_DOMAIN: Final = r"(?P<domain>[a-z0-9-]+(?:\\\.[a-z0-9-]+)+)"
#: pyLoad's style: the scheme, an optional ``www.``, the domain, a slash.
_PYLOAD: Final = re.compile(r"^https?\??://(?P<www>\(\?:www\\\.\)\?)?" + _DOMAIN + "/")
#: ResolveURL's style: the domain or any subdomain of it, a slash.
_RESOLVEURL: Final = re.compile(r"^\(\?://\|\\\.\)\(" + _DOMAIN + r"\)/")


@dataclass(frozen=True, slots=True)
class RealHoster:
    """A hoster of the real data, as an emulation lists it, and what is known of it
    independently of any reader: the domains an index shows for it (its domain, and
    ``www.`` + it when the pattern names that too), and links it matches."""

    hoster: ExtraHoster
    shown_domains: tuple[str, ...]
    samples: tuple[str, ...]


def real_hosters(
    excluded_domains: Iterable[str] = (), excluded_names: Iterable[str] = ()
) -> list[RealHoster]:
    """The real patterns whose hoster is plain (see the module docstring), one per domain and
    short name, none of ``excluded_domains`` (the emulations' own hosters) or named in them."""
    entries = json.loads(DATA.read_text(encoding="utf-8"))
    taken_names = {name.lower() for name in excluded_names}
    excluded = {domain.lower() for domain in excluded_domains}
    found: dict[str, RealHoster] = {}
    for entry in entries:
        pattern = entry["pattern"]
        start = _PYLOAD.match(pattern) or _RESOLVEURL.match(pattern)
        if start is None:
            continue
        domain = start["domain"].replace("\\.", ".")
        name = "-".join(domain.split(".")[:-1]).removeprefix("www-")
        if domain in found or domain in excluded or name in taken_names:
            continue
        samples = sample_urls(pattern, 3, seed=1)
        if not samples:
            continue
        www = start.groupdict().get("www") is not None
        shown = (domain, f"www.{domain}") if www else (domain,)
        found[domain] = RealHoster(ExtraHoster(name, (domain,), pattern), shown, tuple(samples))
        taken_names.add(name)
    named = {
        domain: _named_domains(hoster.hoster.pattern, {*found, *excluded}) for domain, hoster in found.items()
    }
    # A pattern that names another domain (``youporn\.com`` names porn.com) leaves its hoster
    # to a reader's judgement: both are left out.
    tangled = {d for domain, others in named.items() for d in (domain, *others) if others}
    return [hoster for domain, hoster in found.items() if domain not in tangled]


def assign(
    hosters: Sequence[RealHoster], emulations: Sequence[str] = DEBRID_EMULATIONS, seed: int = 19
) -> dict[str, list[RealHoster]]:
    """Each emulation's share: every hoster goes to one to six emulations (most to four or
    more), chosen at random with ``seed``, so the lists differ and overlap."""
    rng = random.Random(seed)
    shares: dict[str, list[RealHoster]] = {name: [] for name in emulations}
    for hoster in hosters:
        count = min(len(emulations), rng.choice((1, 2, 3, 4, 5, 5, 6, 6, 6)))
        for name in rng.sample(list(emulations), count):
            shares[name].append(hoster)
    return shares


def extra_hosters(shares: dict[str, list[RealHoster]]) -> dict[str, tuple[ExtraHoster, ...]]:
    """``shares`` as ``Sandbox.extra_hosters`` takes them."""
    return {name: tuple(h.hoster for h in share) for name, share in shares.items()}


def _named_domains(pattern: str, domains: set[str]) -> set[str]:
    """The domains of ``domains`` whose escaped form the pattern holds, bar its own."""
    own = (_PYLOAD.match(pattern) or _RESOLVEURL.match(pattern) or {"domain": ""})["domain"]
    own_domain = own.replace("\\.", ".")
    text = pattern.lower()
    return {domain for domain in domains if domain != own_domain and domain.replace(".", "\\.") in text}
