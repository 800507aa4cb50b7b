"""hostermatch: find every link in pasted text and match it to its hoster, fast and safely.

Pure matching: no HTTP, no plugins. ``extract_links`` pulls links out of arbitrary text;
``HosterIndex`` holds the hoster patterns of many providers and answers, for a URL, which
(provider, hoster) pairs can serve it, choosing candidates by the URL's host and running
untrusted patterns only on engines that cannot hang. A provider's own list comes through
:mod:`hostermatch.untrusted`, which bounds it and confines what would take other hosters'
links.
"""

from .analysis import MAX_PATTERN_LENGTH, PatternError
from .extract import extract_links
from .index import HosterIndex, HosterInfo, Match, RejectedPattern
from .urls import MAX_URL_LENGTH

__all__ = [
    "MAX_PATTERN_LENGTH",
    "MAX_URL_LENGTH",
    "HosterIndex",
    "HosterInfo",
    "Match",
    "PatternError",
    "RejectedPattern",
    "extract_links",
]
