"""The demo's pasted post, gathered from the plugins: each shows its provider at work.

``linkresolver demo`` pastes a forum post into the resolver and checks that every link ends
as the sandbox is set up to make it end. The core knows no provider: each plugin's
``demo_samples`` hook gives the lines that show its provider (links in prose, BBCode or HTML,
as people paste them), with the outcome each link must have, against the plugin's own
sandbox emulation. The lines are ordered by :class:`DemoPart`, the story the post tells.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    import pluggy

#: How a link of the demo ends (the ``status`` of ``resolve``).
DemoOutcome = Literal["ok", "error", "unsupported"]


class DemoPart(IntEnum):
    """Where a sample goes in the post: the parts of the story, in order."""

    #: The post's first words.
    OPENING = 0
    #: Hoster links a service answers at once (a debrid service).
    INSTANT = 10
    #: A file host's own API: a download ticket, its wait, a captcha.
    TICKET = 20
    #: A link that fails as it should (a deleted file).
    FAILURE = 30
    #: A hoster down at one provider, served by another.
    FALLBACK = 40
    #: A file fetched into a provider's cloud first.
    CLOUD = 50
    #: Torrents (magnet links).
    TORRENT = 60
    #: A link no provider serves.
    UNSERVED = 90


@dataclass(frozen=True, slots=True)
class DemoSample:
    """One line (or a few) of the demo's post, and how each link in it must end."""

    #: The text as pasted, links with the words around them.
    text: str
    #: The outcome of each link in ``text``, in order ("ok", "error", "unsupported").
    expected: tuple[DemoOutcome, ...]
    #: What the sample shows, for whoever reads the plugin ("a deleted file is an error").
    shows: str
    part: DemoPart = DemoPart.INSTANT
    #: A sentence the demo prints before resolving, saying what to watch for (once).
    explains: str = ""


#: The core's own lines: the post's opening, and a link nobody serves.
CORE_SAMPLES: Final = (
    DemoSample("New upload, 3 parts, pw: demo", (), "the words around the links", DemoPart.OPENING),
    DemoSample(
        "Not a hoster anyone serves: https://example.com/some/page",
        ("unsupported",),
        "a link no provider serves is unsupported, not an error",
        DemoPart.UNSERVED,
    ),
)


@dataclass(frozen=True, slots=True)
class DemoPost:
    """The post the demo pastes, what it expects of it, and what it explains first."""

    text: str
    #: The outcome of each link found in ``text``, in order.
    expected: list[str]
    explanations: list[str]


def demo_post(pm: pluggy.PluginManager) -> DemoPost:
    """Every plugin's samples and the core's, as one post, in the order of :class:`DemoPart`
    (and of the plugins' registration within a part)."""
    # pluggy calls the last registered plugin first: reversed, the built-in plugins' order.
    contributed: list[Iterable[DemoSample]] = list(reversed(pm.hook.demo_samples()))
    samples = sorted(
        [*CORE_SAMPLES, *(sample for samples in contributed for sample in samples)],
        key=lambda sample: sample.part,
    )
    return DemoPost(
        text="".join(f"{sample.text}\n" for sample in samples),
        expected=[outcome for sample in samples for outcome in sample.expected],
        explanations=list(dict.fromkeys(sample.explains for sample in samples if sample.explains)),
    )
