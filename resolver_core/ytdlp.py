"""What the yt-dlp plugin asks of linkresolver, kept here so it is typed and tested.

The plugin (``yt_dlp_plugins/extractor/linkresolver.py``) only decides which URLs are
linkresolver's; resolving one happens here: the user's configuration, with yt-dlp's
``--username``/``--password``/``--netrc`` given to the provider named in
``--extractor-args "linkresolver:provider=NAME"`` (else to the best provider for the link),
captchas through the ``solve_captcha`` hook (and a prompt on a terminal), and the answer as
yt-dlp info dicts, or an error in the same words the command line would use.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .errors import ResolverError
from .models import ResolvedLink

#: What yt-dlp saves without --compat-options allow-unsafe-ext (its list, read when present).
_SAFE_FALLBACK = frozenset({"mp4", "mkv", "webm", "mp3", "m4a", "flac", "ogg", "opus", "wav", "avi", "mov"})


@dataclass(frozen=True, slots=True)
class YtDlpRequest:
    url: str
    providers: tuple[str, ...] = ()
    username: str | None = None
    password: str | None = None
    unsafe_extensions_allowed: bool = False


@dataclass
class YtDlpAnswer:
    entries: list[dict[str, Any]] = field(default_factory=list)
    cookies: list[tuple[str, str, str]] = field(default_factory=list)
    playlist_id: str | None = None
    playlist_title: str | None = None
    error: str | None = None


def resolve_for_ytdlp(request: YtDlpRequest) -> YtDlpAnswer:
    from .captcha import CaptchaPrompt  # noqa: PLC0415
    from .config import load_config  # noqa: PLC0415
    from .factory import build_resolver  # noqa: PLC0415

    try:
        config = load_config()
        prompt = CaptchaPrompt(sys.stdin, sys.stderr) if sys.stdin.isatty() and sys.stderr.isatty() else None
        resolver = build_resolver(config, provider_names=request.providers, captcha_prompt=prompt)
        if request.username and request.password:
            candidates = resolver.candidates(request.url)
            target = (
                request.providers[0] if request.providers else candidates[0][0].name if candidates else None
            )
            if target is not None:
                environ = {
                    **os.environ,
                    f"LINKRESOLVER_{target.upper()}_LOGIN": request.username,
                    f"LINKRESOLVER_{target.upper()}_KEY": request.password,
                }
                config = load_config(env=environ)
                resolver = build_resolver(config, provider_names=request.providers, captcha_prompt=prompt)
        outcome = resolver.resolve_many([request.url])[0]
    except ResolverError as exc:
        return YtDlpAnswer(error=f"linkresolver: {exc.for_person()}")
    if outcome.status != "ok" or outcome.link is None:
        reason = outcome.error.for_person() if outcome.error else outcome.status
        return YtDlpAnswer(error=f"linkresolver: {reason}")
    return _answer(outcome.link, request)


def _answer(link: ResolvedLink, request: YtDlpRequest) -> YtDlpAnswer:
    answer = YtDlpAnswer()
    headers = {name: value for name, value in link.headers if name.lower() != "cookie"}
    for name, value in link.headers:
        if name.lower() == "cookie":  # yt-dlp drops Cookie headers; its cookie jar carries them
            domain = urlsplit(link.url).hostname or ""
            for pair in value.split(";"):
                key, _, cookie = pair.strip().partition("=")
                if key:
                    answer.cookies.append((domain, key, cookie))
    files: list[tuple[str, str | None, int | None]] = [(f.url, f.filename, f.size) for f in link.files]
    files = files or [(link.url, link.filename, link.size)]
    for url, file_name, size in files:
        title, ext = _title_and_ext(file_name or urlsplit(url).path.rsplit("/", 1)[-1] or "download")
        if not request.unsafe_extensions_allowed and not _saveable(ext):
            answer.error = (
                f"linkresolver resolved {link.input} to a .{ext} file, which yt-dlp saves only with"
                " --compat-options allow-unsafe-ext (or use `linkresolver download`)"
            )
            return answer
        entry: dict[str, Any] = {
            "id": hashlib.sha1(url.encode()).hexdigest()[:16] if link.files else _file_id(link),  # noqa: S324
            "title": title,
            "url": url,
            "ext": ext,
            "filesize": size,
            "http_headers": headers,
        }
        answer.entries.append(entry)
    answer.playlist_id = _file_id(link)
    answer.playlist_title = link.filename
    return answer


def _file_id(link: ResolvedLink) -> str:
    return hashlib.sha1(link.input.encode()).hexdigest()[:16]  # noqa: S324 (an id)


def _title_and_ext(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        return name or "download", "unknown_video"
    return stem, ext.lower()


def _saveable(ext: str) -> bool:
    if ext in ("bin", "unknown_video"):
        return True  # yt-dlp saves these as unknown_video
    try:
        from yt_dlp.utils._utils import _UnsafeExtensionError  # noqa: PLC0415
    except ImportError:
        return ext in _SAFE_FALLBACK
    if not getattr(_UnsafeExtensionError, "_enabled", True):
        return True
    allowed: frozenset[str] = _UnsafeExtensionError.ALLOWED_EXTENSIONS
    return ext in allowed
