"""hostermatch: find every link in pasted text and match it to its hoster, fast and safely.

Pure matching: no HTTP, no plugins. ``extract_links`` pulls links out of arbitrary text;
``HosterIndex`` holds the hoster patterns of many providers and answers, for a URL, which
(provider, hoster) pairs can serve it, choosing candidates by the URL's host and running
untrusted patterns only on engines that cannot hang.
"""

from .analysis import MAX_PATTERN_LENGTH, PatternError
from .extract import extract_links
from .hosterlist import ConnectionSettings, HosterList, HosterPatterns
from .index import HosterIndex, HosterInfo, Match, RejectedPattern
from .urls import MAX_URL_LENGTH

__all__ = [
    "MAX_PATTERN_LENGTH",
    "MAX_URL_LENGTH",
    "ConnectionSettings",
    "HosterIndex",
    "HosterInfo",
    "HosterList",
    "HosterPatterns",
    "Match",
    "PatternError",
    "RejectedPattern",
    "extract_links",
]
