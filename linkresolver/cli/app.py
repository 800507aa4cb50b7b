"""What every command handler shares: the exit statuses, :class:`App` (the streams, the
inputs, the resolver built on demand) and the printers of results.

The entry points (:mod:`.commands`, :mod:`.demo`, :mod:`.serve`) depend on this module, and
:mod:`.parser` on them; nothing here imports the parser. The standard library only at
import time: ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TextIO

from resolver_core.lines import progress_bars, write_line

if TYPE_CHECKING:
    import pluggy

    from resolver_core.download import DownloadOutcome
    from resolver_core.errors import ResolverError
    from resolver_core.pipeline import CheckOutcome, Outcome, Resolver

log = logging.getLogger("linkresolver")


class ExitStatus(IntEnum):
    OK = 0
    LINK_FAILED = 1
    USAGE = 2
    INTERRUPTED = 130


class App:
    """What a command handler gets besides its arguments: streams and lazy heavy objects."""

    def __init__(self, args: argparse.Namespace, stdout: TextIO, stderr: TextIO, stdin: TextIO) -> None:
        self.args = args
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
        self._pm: pluggy.PluginManager | None = None

    @property
    def pm(self) -> pluggy.PluginManager:
        if self._pm is None:
            from resolver_core.manager import make_plugin_manager  # noqa: PLC0415

            self._pm = make_plugin_manager()
        return self._pm

    def resolver(self, **options: Any) -> Resolver:
        from resolver_core.config import load_config  # noqa: PLC0415
        from resolver_core.factory import build_resolver  # noqa: PLC0415

        args = self.args
        prompt = None
        if self.stdin.isatty() and self.stderr.isatty():
            from resolver_core.captcha import CaptchaPrompt  # noqa: PLC0415

            prompt = CaptchaPrompt(self.stdin, self.stderr)
        config = load_config(args.config)
        resolver = build_resolver(
            config,
            pm=self.pm,
            provider_names=args.provider or (),
            retries=args.retries,
            timeout=args.timeout,
            captcha_command=getattr(args, "captcha_command", None),
            captcha_prompt=prompt,
            link_password=getattr(args, "link_password", None),
            fresh=getattr(args, "fresh", False),
            account=getattr(args, "provider_account", None),
            **options,
        )
        if not resolver.providers:
            from resolver_core.config import no_provider_configured  # noqa: PLC0415

            raise no_provider_configured(config)
        return resolver

    def inputs(self) -> list[str]:
        """The command's inputs as texts: each TEXT/URL argument as it is, an argument that
        names an existing file as that file's text, ``-`` (or no argument) as standard input.

        Raises :class:`~resolver_core.errors.ConfigError` (exit 2) for a file that cannot be
        read, naming it."""
        if not self.args.inputs:
            return [self._stdin_text()]
        texts = []
        for argument in self.args.inputs:
            if argument == "-":
                texts.append(self._stdin_text())
            elif _names_a_folder(argument):
                from resolver_core.errors import ConfigError  # noqa: PLC0415

                raise ConfigError(f"{argument} is a folder; give a file of links, links, or text")
            elif _names_a_file(argument):
                log.info("reading links from the file %s", argument)
                texts.append(_file_text(argument))
            else:
                texts.append(argument)
        return texts

    def _stdin_text(self) -> str:
        if self.stdin.isatty():
            print("Paste text with links, then press Ctrl-D:", file=self.stderr)
        # Bytes, decoded leniently: pasted text that is not UTF-8 (a Latin-1 forum page) must
        # give its links, not a traceback under a strict UTF-8 locale.
        buffer = getattr(self.stdin, "buffer", None)
        if buffer is not None:
            return str(buffer.read().decode("utf-8", errors="replace"))
        return self.stdin.read()

    def report(self, url: str, message: str) -> None:
        """A provider's word on a long step, one line on the terminal (above any bar)."""
        write_line(self.stderr, f"{url}: {message}")

    def byte_bars(self) -> Callable[[str, int | None], Callable[[int], None]] | None:
        """On a terminal: a bar per file being downloaded; nothing on pipes."""
        if not self.stderr.isatty():
            return None
        tqdm = progress_bars()
        lock = threading.Lock()

        def bar_for(name: str, size: int | None) -> Callable[[int], None]:
            bar = tqdm(total=size, desc=name[:40], unit="B", unit_scale=True, file=self.stderr, leave=False)

            def advance(count: int) -> None:
                with lock:
                    bar.update(count)
                    if bar.total is not None and bar.n >= bar.total:
                        bar.close()

            return advance

        return bar_for

    def progress(self, total: int) -> Callable[[], None] | None:
        """A tqdm bar on a terminal for batches; nothing on pipes."""
        if total < 2 or not self.stderr.isatty():
            return None
        bar = progress_bars()(total=total, file=self.stderr, unit="link", leave=False)
        lock = threading.Lock()

        def advance() -> None:
            with lock:
                bar.update(1)
                if bar.n >= total:
                    bar.close()

        return advance


def _names_a_file(argument: str) -> bool:
    """Whether a TEXT/URL argument is the path of an existing file (a link never is; a
    pasted text with a NUL, or too long for a path, is not one either)."""
    return _is_path(argument, os.path.isfile)


def _names_a_folder(argument: str) -> bool:
    return _is_path(argument, os.path.isdir)


def _is_path(argument: str, test: Callable[[str], bool]) -> bool:
    if "://" in argument or "\n" in argument or argument.startswith("magnet:"):
        return False
    try:
        return test(argument)
    except (OSError, ValueError):
        return False


#: A file of links larger than this is not a list of links (a video given by mistake).
MAX_INPUT_FILE = 64 << 20


def _file_text(path: str) -> str:
    """The text of a file of links, decoded as leniently as pasted text."""
    from resolver_core.errors import ConfigError  # noqa: PLC0415

    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_INPUT_FILE + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the file {path}: {exc.strerror}") from None
    if len(data) > MAX_INPUT_FILE:
        raise ConfigError(f"{path} is larger than {MAX_INPUT_FILE >> 20} MiB: not a list of links")
    return data.decode("utf-8", errors="replace")


class OrderedPrinter:
    """Prints outcomes in input order as soon as every earlier one is done."""

    def __init__(self, render: Callable[[Any], None], total: int, advance: Callable[[], None] | None) -> None:
        self._render = render
        self._done: dict[int, Any] = {}
        self._next = 0
        self._total = total
        self._advance = advance
        self._lock = threading.Lock()

    def __call__(self, position: int, outcome: Any) -> None:
        with self._lock:
            self._done[position] = outcome
            if self._advance:
                self._advance()
            while self._next in self._done:
                self._render(self._done.pop(self._next))
                self._next += 1


def print_outcome(outcome: Outcome, app: App) -> None:
    """A resolve outcome as text: its direct links on stdout, one a line (a link of several
    files: each file's), or why it has none on stderr; fit for a terminal either way."""
    from resolver_core.output import shown  # noqa: PLC0415
    from resolver_core.records import link_urls  # noqa: PLC0415

    if outcome.status == "ok" and outcome.link is not None:
        for url in link_urls(outcome.link):
            write_line(app.stdout, shown(url))
    else:
        print_failure(outcome, app)


def print_failure(outcome: Outcome, app: App, error: ResolverError | None = None) -> None:
    """Why a link has no direct link (``error``, else its own), on stderr."""
    from resolver_core.output import shown  # noqa: PLC0415
    from resolver_core.records import failure_reason  # noqa: PLC0415

    write_line(app.stderr, shown(f"{outcome.input}: {failure_reason(outcome, error)}"))


def print_json(outcome: Outcome | CheckOutcome | DownloadOutcome, stdout: TextIO) -> None:
    """One JSON Lines object; a registered secret a provider echoed in a location, a file
    name or a message is masked here too (:func:`resolver_core.redact.redact`)."""
    from resolver_core.download import DownloadOutcome  # noqa: PLC0415 (the CLI imports lazily)
    from resolver_core.records import outcome_json  # noqa: PLC0415
    from resolver_core.redact import redact  # noqa: PLC0415

    data = outcome.to_json() if isinstance(outcome, DownloadOutcome) else outcome_json(outcome)
    write_line(stdout, redact(json.dumps(data, ensure_ascii=False)))


def report_problems(problems: dict[str, Any], app: App) -> None:
    """The providers whose hoster lists could not be had, one warning line each."""
    from resolver_core.output import shown  # noqa: PLC0415

    for error in problems.values():
        print(shown(f"warning: {error.for_person()}; its hosters are left out"), file=app.stderr)
