"""What a pasted forum post says besides its links: the archive password given next to them
(:func:`password_in`) and which links are mirrors of one file (:func:`mirror_groups`).

Posts give the same file on several hosters and the password of its archive in the same
breath, in prose, BBCode or HTML. This is the pure text part: no HTTP, and sizes are not
known here (a later step compares the mirrors' sizes before trusting a group). The standard
library only.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import unquote, urlsplit

# -- passwords -----------------------------------------------------------------------------

#: The words that introduce a password, in the languages forum posts use most.
_LABEL: Final = (
    r"(?:password|passwort|passwd|passphrase|pword|pass|pwd|pw|kennwort|"
    r"mot\s+de\s+passe|contrase(?:ñ|n)a|senha|has(?:ł|l)o|parola)"
)
#: Between the word and the password: ``:``, ``=``, a spaced dash or arrow, or "is". The
#: word is not part of a longer word or of a link's query (``?pass=``).
_SEPARATOR: Final = r"(?:[^\S\n]*[:=]|[^\S\n]+(?:->|=>|[-\u2013\u2014])|[^\S\n]+is:?(?=\s))"
#: The password: quoted (spaces allowed inside) or one run of non-blank characters, on the
#: same line as its label or the next one (``Password:`` and a code block below it).
_VALUE: Final = (
    r"[^\S\n]*\n?[^\S\n]*"
    r"(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)'|“(?P<cq>[^”\n]+)”|«(?P<gq>[^»\n]+)»|`(?P<bq>[^`\n]+)`"
    r"|(?P<bare>\S+))"
)
#: What a post may say between the word and the separator: ``Password (all parts): xyz``.
_ASIDE: Final = r"(?:[^\S\n]*\([^()\n]{1,30}\))?"
_PASSWORD: Final = re.compile(
    rf"(?<![\w\-?&/.=]){_LABEL}(?![\w-]){_ASIDE}{_SEPARATOR}{_VALUE}", re.IGNORECASE
)
_QUOTED_GROUPS: Final = ("dq", "sq", "cq", "gq", "bq")

#: What posts write for "there is no password" (the search stops there: the post said so).
_NO_PASSWORD: Final = frozenset(
    "none no n/a na - -- — nothing keins kein nein aucun aucune ninguna ninguno nenhuma brak".split()
)
#: A link, never a password: ``Pass: https://host/...`` is a label above the links.
_LINK: Final = re.compile(r"^[a-z][a-z0-9+.-]*://|^magnet:", re.IGNORECASE)
#: Unquoted, a link written without its scheme (``rapidgator.net/file/...``: a domain and a
#: path) is one too. A bare domain (``www.forum.org``) is a password: forums commonly use
#: their own address as one.
_SCHEMELESS_LINK: Final = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}/[^/\s]", re.IGNORECASE)
#: Sentence punctuation after an unquoted password in prose ("The password is xyz."); not
#: "!" or "?", which passwords often end in.
_TRAILING_PUNCTUATION: Final = ".,;"

_HTML_BREAK: Final = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?tr|/?pre|/?blockquote)\b[^>]*>", re.IGNORECASE)
_HTML_CELL: Final = re.compile(r"<\s*/?\s*t[dh]\b[^>]*>", re.IGNORECASE)
_HTML_TAG: Final = re.compile(r"</?[a-z][a-z0-9]*\b[^>]*>", re.IGNORECASE)
_BBCODE_TAG: Final = re.compile(
    r"\[/?(?:b|i|u|s|code|quote|spoiler|hide|color|size|font|center|left|right|url|pre|tt|"
    r"highlight|noparse)(?:=[^\]\n]*)?\]",
    re.IGNORECASE,
)


def password_in(text: str) -> str | None:
    """The archive password the post gives next to its links, or None when it gives none.

    The label is one of the usual words (``pw``, ``pwd``, ``pass``, ``password``,
    ``passwort``, ``kennwort``... any case), perhaps an aside in brackets, then ``:``, ``=``,
    a spaced dash or "is";
    the password is the quoted text or the word after it, on the same line or the next.
    BBCode and HTML markup around either is read through (``[b]Password:[/b] xyz``,
    ``<b>Pass:</b> a&amp;b`` gives ``a&b``). A value that is a link (``https://...``) is
    never a password (posts write ``Pass: <links>`` for password-protected links), nor is
    an unquoted one without its scheme (``rapidgator.net/file/x``), so the search goes on past it; a
    bare address such as ``www.forum.org`` is a password (forums
    commonly use their own address as one). "None", "-", "n/a" and the like say there is
    none: None. An unquoted password loses sentence punctuation at its end (``.``, ``,``);
    a quoted one is taken as written.

    When several are given the first is the answer: a post states the password for its files
    before or beside them, while later ones come from quoted replies, signatures or other
    posts pasted below; the first is the predictable choice that the post's author wrote.
    """
    for match in _PASSWORD.finditer(_plain_text(text)):
        quoted = next((match[group] for group in _QUOTED_GROUPS if match[group]), None)
        if quoted is not None:
            value = quoted.strip()
        else:
            value = match["bare"].rstrip(_TRAILING_PUNCTUATION)
            if value.casefold() in _NO_PASSWORD:
                return None
            if _SCHEMELESS_LINK.match(value):
                continue
        if not value or _LINK.match(value):
            continue
        return value
    return None


def _plain_text(text: str) -> str:
    """The post as text: BBCode and HTML tags gone (line-like HTML ones as line breaks, table
    cells as spaces), then HTML entities read (after the tags, so ``&lt;b&gt;`` stays text)."""
    text = _BBCODE_TAG.sub("", text)
    text = _HTML_BREAK.sub("\n", text)
    text = _HTML_CELL.sub(" ", text)
    text = _HTML_TAG.sub("", text)
    return html.unescape(text)


# -- mirrors -------------------------------------------------------------------------------

#: What hosters add after a file's name in its link: Mediafire's ``/file``
#: (``/file/ID/name.rar/file``), the ``.html``/``.htm`` of Rapidgator, Turbobit, Katfile,
#: Darkibox..., and mirror suffixes (``name.rar_mirror2``).
_TRAILING_PAGE: Final = re.compile(r"\.s?html?$", re.IGNORECASE)
_DECORATION_SEGMENTS: Final = frozenset({"file", "download", "view", "dl", "mirror"})
_MIRROR_SUFFIX: Final = re.compile(r"[_-](?:mirror|mirr|mir|alt|backup)\d*$", re.IGNORECASE)
#: A file name: a stem and an extension of one to five letters or digits (``.rar``,
#: ``.part1.rar``, ``.7z.001``, ``.mkv``).
_FILE_NAME: Final = re.compile(r"^[^/]*[^./][^/]*\.[a-z0-9]{1,5}$", re.IGNORECASE)
#: Names of a hoster's pages or scripts, not of the file (``download.php?id=``,
#: Krakenfiles' ``/view/ID/file.html``).
_PAGE_EXTENSIONS: Final = frozenset({"php", "asp", "aspx", "ashx", "jsp", "cgi", "html", "htm", "shtml"})


def mirror_groups(links: Iterable[str], sizes: Mapping[str, int] | None = None) -> list[list[str]]:
    """The links grouped as mirrors of one file, by the file name in each link's path.

    Names compare case-insensitively, after the hoster's decorations are taken off
    (:func:`file_name_of`). A link with no file name in it (only an ID, a folder, a page) is
    a group of its own, as nothing here says which file it is. Groups come in the order of
    their first link, and a group's links in the order they were given. Different files
    with similar names stay apart (``part1.rar`` and ``part2.rar`` are not mirrors).

    ``sizes`` (bytes, by link: what the post says next to each, :func:`sizes_in`) split a
    name's links into one group per size (:func:`same_size`): a link joins the first group
    of its name whose size agrees, a link of unknown size the name's first group.
    """
    sizes = sizes or {}
    groups: list[list[str]] = []
    by_name: dict[str, list[tuple[int | None, list[str]]]] = {}
    for link in links:
        name = file_name_of(link)
        if name is None:
            groups.append([link])
            continue
        size = sizes.get(link)
        kept = by_name.setdefault(name.casefold(), [])
        joined = next((group for known, group in kept if size is None or same_size(known, size)), None)
        if joined is None:
            joined = [link]
            kept.append((size, joined))
            groups.append(joined)
        else:
            joined.append(link)
            if kept[0][1] is joined and kept[0][0] is None and size is not None:
                kept[0] = (size, joined)
    return groups


#: How far two sizes of one file may be apart: posts round them (``1.4 GB``), and count in
#: 1000s or 1024s (a GB is 7% less than a GiB) where hosters give bytes. Different files of
#: one name (encodes, editions) are further apart than that.
SIZE_TOLERANCE: Final = 0.10


def same_size(first: int | None, second: int | None) -> bool:
    """Whether two sizes may be one file's: either unknown, or within :data:`SIZE_TOLERANCE`
    of the larger (a post's ``1.4 GB`` and a hoster's 1,503,238,554 bytes agree)."""
    if first is None or second is None:
        return True
    return abs(first - second) <= SIZE_TOLERANCE * max(first, second)


_UNITS: Final = {"b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
#: A size as posts write it: ``1.4 GB``, ``700MB``, ``1,2 GiB``, ``(350 MB)``.
_SIZE: Final = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*([kmgt]i?b|bytes?)(?![\w])", re.IGNORECASE)


def sizes_in(text: str, links: Iterable[str]) -> dict[str, int]:
    """The size in bytes the post gives for each link on the link's own line (``link
    (1.4 GB)``, ``700 MB | link``), when that line has one size and one link; other links
    have none here."""
    lines = _plain_text(text).splitlines()
    sizes: dict[str, int] = {}
    for link in links:
        holding = [line for line in lines if link in line]
        if len(holding) != 1:
            continue
        line = holding[0]
        others = line.replace(link, " ")
        if "://" in others:
            continue  # several links on the line: whose size it is, is not said
        found = _SIZE.findall(others)
        if len(found) == 1:
            number, unit = found[0]
            sizes[link] = int(float(number.replace(",", ".")) * _UNITS[unit[0].casefold()])
    return sizes


def file_name_of(link: str) -> str | None:
    """The file's name as the link's path gives it (percent-decoding read), without the
    hoster's decorations (a trailing ``/file``, ``.html``, ``_mirror2``), or None when the
    path has no file name (an ID, a folder, a script such as ``download.php``)."""
    try:
        path = urlsplit(link.strip()).path
    except ValueError:
        return None
    segments = [unquote(segment) for segment in path.split("/") if segment]
    while segments and segments[-1].casefold() in _DECORATION_SEGMENTS:
        segments.pop()
    if not segments:
        return None
    name = _TRAILING_PAGE.sub("", segments[-1])
    name = _MIRROR_SUFFIX.sub("", name).strip()
    if not _FILE_NAME.match(name):
        return None
    if name.rsplit(".", 1)[1].casefold() in _PAGE_EXTENSIONS:
        return None
    return name
