"""What the pyLoad plugins ask of linkresolver, kept here so it is typed and tested.

pyLoad's plugins (``linkresolver/plugins/pyload_plugins/``, installed by ``linkresolver pyload install``)
are thin: the downloader hands a link to :func:`resolve_for_pyload` and acts on the answer's
``kind``, which is one of pyLoad's own outcomes; the account plugin lists
:func:`hoster_domains` as the hosters it serves. A captcha met on the way goes to pyLoad's
own captcha queue (its web interface, or a captcha service addon) through
:class:`CaptchaRelay`, never to a terminal: pyLoad runs as a daemon.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from . import errors
from .captcha import ANSWER_TIMEOUT

if TYPE_CHECKING:
    from .models import CaptchaChallenge
    from .pipeline import Resolver

#: pyLoad's outcomes: download, offline, temp. offline, retry later, captcha again, fail.
Kind = Literal["download", "offline", "temp_offline", "retry", "captcha", "fail"]

#: pyLoad's captcha queue: ``decrypt_image(image, input_type, timeout)``, the answer or None.
#: The plugin binds it to ``self.captcha.decrypt_image``, which waits for a person (the web
#: interface's captcha dialog) or a captcha service addon, and raises pyLoad's own exceptions
#: when nobody can answer (no client connected), the time is up, or the download is aborted.
DecryptImage = Callable[[bytes, str, int], str | None]

#: Seconds pyLoad's captcha queue holds a captcha for a person (pyLoad's own minimum is 50).
CAPTCHA_TIMEOUT: Final = ANSWER_TIMEOUT
_IMAGE_TYPES: Final = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


@dataclass(frozen=True, slots=True)
class PyLoadAnswer:
    kind: Kind
    message: str = ""
    url: str | None = None
    name: str | None = None
    size: int | None = None
    #: The file's sha1, when the provider gave it: pyLoad's Checksum addon verifies it.
    sha1: str | None = None
    #: Seconds before a retry may help (for ``retry``).
    wait: int = 60


class CaptchaRelay:
    """linkresolver's last-resort captcha solver inside pyLoad: pyLoad's captcha queue.

    linkresolver asks it (after its ``solve_captcha`` plugins and ``captcha_command``) from
    one of its worker threads. What pyLoad raises while it waits (the download was aborted,
    no client is connected to answer, the time ran out) belongs to pyLoad's download thread,
    not to linkresolver: it is kept, linkresolver is told there is no answer, and
    :meth:`raise_pending` raises it in the plugin once linkresolver is done.
    """

    def __init__(self, decrypt_image: DecryptImage, timeout: int = CAPTCHA_TIMEOUT) -> None:
        self._decrypt_image = decrypt_image
        self.timeout = timeout
        #: Answers pyLoad's queue gave (the plugin reports them correct or not to pyLoad).
        self.answered = 0
        self._pending: Exception | None = None
        self._lock = threading.Lock()

    def __call__(self, challenge: CaptchaChallenge) -> str | None:
        if challenge.image is None:
            return None
        with self._lock:  # one captcha at a time in pyLoad's queue for this download
            if self._pending is not None:  # pyLoad already gave up on this download
                return None
            try:
                answer = self._decrypt_image(
                    challenge.image, image_type(challenge.content_type), self.timeout
                )
            except Exception as exc:  # noqa: BLE001 (pyLoad's Abort/Fail/Retry, raised again later)
                self._pending = exc
                return None
            answer = (answer or "").strip() or None
            if answer is not None:
                self.answered += 1
            return answer

    def raise_pending(self) -> None:
        """Raise what pyLoad raised while waiting for an answer, if it did."""
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is not None:
            raise pending


def image_type(content_type: str | None) -> str:
    """pyLoad's name for a captcha image's type (the file suffix and the data URL's type)."""
    media = (content_type or "").split(";")[0].strip().lower()
    return _IMAGE_TYPES.get(media, "png")


def outcome_of(error: errors.ResolverError) -> PyLoadAnswer:
    """The pyLoad outcome for a linkresolver error."""
    message = error.for_person()
    failures = error.failures if isinstance(error, errors.AllProvidersFailed) else [error]
    if any(isinstance(f, errors.FileOffline | errors.LegalUnavailable) for f in failures):
        return PyLoadAnswer("offline", message)
    if all(isinstance(f, errors.CaptchaWrong) for f in failures):
        return PyLoadAnswer("captcha", message)
    if all(isinstance(f, errors.HosterUnavailable) for f in failures):
        return PyLoadAnswer("temp_offline", message)
    if error.retry_after is not None:
        return PyLoadAnswer("retry", message, wait=max(1, int(error.retry_after)))
    return PyLoadAnswer("fail", message)


def resolve_for_pyload(
    url: str,
    make_resolver: Callable[[], Resolver] | None = None,
    captcha_prompt: Callable[[CaptchaChallenge], str | None] | None = None,
    password: str | None = None,
) -> PyLoadAnswer:
    """Resolve ``url`` with the user's configuration; the answer as a pyLoad outcome.

    ``captcha_prompt`` answers the captchas linkresolver's own solvers cannot (inside
    pyLoad: a :class:`CaptchaRelay` to pyLoad's captcha queue). ``password`` is the link's
    package's (pyLoad's package password, as its user or a crawler set it): lent to the
    providers' calls for this link, as ``--link-password`` is on the command line.
    """
    try:
        resolver = make_resolver() if make_resolver is not None else _default_resolver(captcha_prompt)
        if password:
            outcome = resolver.resolve_one(url, password=password)
        else:
            outcome = resolver.resolve_many([url])[0]
    except errors.ResolverError as exc:
        return outcome_of(exc)
    if outcome.error is not None:
        return outcome_of(outcome.error)
    link = outcome.link
    if link is None:
        return PyLoadAnswer("fail", f"linkresolver: {outcome.status}")
    if link.headers:
        # pyLoad's downloader sends no headers of a plugin's choosing on its connections.
        return PyLoadAnswer(
            "fail",
            f"{link.provider}'s link needs request headers pyLoad cannot send:"
            " download it with `linkresolver download` instead",
        )
    return PyLoadAnswer("download", url=link.url, name=link.filename, size=link.size, sha1=link.sha1)


def hoster_domains(make_resolver: Callable[[], Resolver] | None = None) -> list[str]:
    """Every domain linkresolver's enabled providers serve, for pyLoad's hoster list."""
    return sorted((make_resolver() if make_resolver is not None else _default_resolver()).index().domains())


def hoster_pattern(domains: Iterable[str]) -> str:
    """pyLoad's pattern for links of ``domains`` (a host that is one of them or under one):
    what pyLoad gives the LinkResolver downloader for the hosters no pyLoad plugin knows.

    pyLoad's own for a multi-downloader, ``.*(domain|...).*``, matches a domain anywhere in
    a link: ``https://example.com/?via=openload.co`` would leave pyLoad's own handling.
    """
    hosts = "|".join(re.escape(domain) for domain in sorted(set(domains), key=lambda d: (-len(d), d)))
    return rf"(?i)^https?://(?:[^/?#@\s]+\.)?(?P<DOMAIN>{hosts})(?::\d+)?(?:[/?#]|$)"


#: The pattern pyLoad's MultiAccount makes for a multi-downloader's new hosters.
_PYLOADS_PATTERN: Final = re.compile(r"\.\*\(\?P<DOMAIN>(?P<domains>[^()]+)\)\.\*")


def narrowed(pattern: str) -> str | None:
    """:func:`hoster_pattern` for the hosters in pyLoad's own pattern for them, or None
    for a pattern not of pyLoad's making (left as it is)."""
    made = _PYLOADS_PATTERN.fullmatch(pattern)
    if made is None:
        return None
    return hoster_pattern(domain.replace("\\.", ".") for domain in made.group("domains").split("|"))


def _default_resolver(
    captcha_prompt: Callable[[CaptchaChallenge], str | None] | None = None,
) -> Resolver:
    from .config import load_config  # noqa: PLC0415
    from .factory import build_resolver  # noqa: PLC0415

    return build_resolver(load_config(), captcha_prompt=captcha_prompt)
