"""The command line: ``linkresolver COMMAND [OPTIONS] [TEXT|URL ...]``.

Exit codes are decided here only (DESIGN.md): 0 every link succeeded, 1 at least one link
failed, 2 usage or configuration error, 130 interrupted. Start-up stays fast: this module
imports the standard library only; a command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TextIO

from .lines import LineHandler, progress_bars, write_line

if TYPE_CHECKING:
    import pluggy

    from .download import DownloadOutcome
    from .pipeline import CheckOutcome, Outcome, Resolver

log = logging.getLogger("linkresolver")


class ExitStatus(IntEnum):
    OK = 0
    LINK_FAILED = 1
    USAGE = 2
    INTERRUPTED = 130


BUILTIN_COMMANDS = ("resolve", "check", "download", "accounts", "hosts", "serve", "pyload", "sandbox", "demo")


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
            from .manager import make_plugin_manager  # noqa: PLC0415

            self._pm = make_plugin_manager()
        return self._pm

    def resolver(self, **options: Any) -> Resolver:
        from .config import load_config  # noqa: PLC0415
        from .pipeline import Resolver  # noqa: PLC0415

        args = self.args
        prompt = None
        if self.stdin.isatty() and self.stderr.isatty():
            from .captcha import CaptchaPrompt  # noqa: PLC0415

            prompt = CaptchaPrompt(self.stdin, self.stderr)
        config = load_config(args.config)
        resolver = Resolver(
            config,
            pm=self.pm,
            provider_names=args.provider or (),
            retries=args.retries,
            timeout=args.timeout,
            captcha_command=getattr(args, "captcha_command", None),
            captcha_prompt=prompt,
            **options,
        )
        if not resolver.providers:
            from .config import no_provider_configured  # noqa: PLC0415

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
                from .errors import ConfigError  # noqa: PLC0415

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
    from .errors import ConfigError  # noqa: PLC0415

    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_INPUT_FILE + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the file {path}: {exc.strerror}") from None
    if len(data) > MAX_INPUT_FILE:
        raise ConfigError(f"{path} is larger than {MAX_INPUT_FILE >> 20} MiB: not a list of links")
    return data.decode("utf-8", errors="replace")


def build_parser(pm: pluggy.PluginManager | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkresolver",
        description="Find every file-host link in pasted text and turn it into a direct download link.",
    )
    parser.add_argument("--version", action="version", version="linkresolver 0.1.0")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="configuration file (default: the user config dir)")
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="more detail on stderr (-v -v: HTTP)"
    )
    providers = argparse.ArgumentParser(add_help=False)
    providers.add_argument(
        "--provider", action="append", metavar="NAME", help="use only this provider (repeatable)"
    )
    providers.add_argument("--json", action="store_true", help="JSON Lines on stdout, one object per link")
    providers.add_argument("--retries", type=retries, default=2, metavar="N", help="transport retries")
    providers.add_argument(
        "--timeout", type=request_timeout, default=30.0, metavar="S", help="seconds per request"
    )
    links = argparse.ArgumentParser(add_help=False)
    links.add_argument(
        "inputs",
        nargs="*",
        metavar="TEXT|URL|FILE",
        help="links, text with links, or a file of them (an existing path is read as a file;"
        " - or nothing: standard input)",
    )
    links.add_argument("--captcha-command", metavar="CMD", help="CMD IMAGE_PATH prints the captcha's answer")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from . import commands  # noqa: PLC0415 (small: the handlers, which import lazily)

    p = sub.add_parser("resolve", parents=[common, providers, links], help="print direct download links")
    p.add_argument(
        "--format",
        choices=("lines", "json", "aria2", "crawljob"),
        default="lines",
        help="links a line (default), JSON Lines (= --json), an aria2 input file, a JDownloader crawljob",
    )
    p.add_argument("--download-dir", metavar="DIR", help="the folder aria2/JDownloader should save into")
    p.add_argument("--package", default="linkresolver", metavar="NAME", help="JDownloader package name")
    p.add_argument("--connections", type=connections, default=4, metavar="N", help="aria2 connections a file")
    p.set_defaults(handler=commands.resolve)
    p = sub.add_parser(
        "check", parents=[common, providers, links], help="what providers can tell about links"
    )
    p.set_defaults(handler=commands.check)
    p = sub.add_parser(
        "download", parents=[common, providers, links], help="resolve, then download the files (resumable)"
    )
    p.add_argument("-o", "--output", default=".", metavar="DIR", help="where files go (default: here)")
    p.add_argument(
        "--connections",
        type=connections,
        default=4,
        metavar="N",
        help="connections per file, as far as the provider allows (default: 4)",
    )
    p.add_argument("--files", type=files_at_once, default=3, metavar="N", help="files at once (default: 3)")
    p.add_argument("--overwrite", action="store_true", help="replace a different file of the same name")
    p.add_argument(
        "--to", choices=("files", "aria2"), default="files", help="download here, or hand to aria2"
    )
    p.add_argument(
        "--aria2-rpc", default="http://127.0.0.1:6800/jsonrpc", metavar="URL", help="aria2's RPC URL"
    )
    p.add_argument(
        "--aria2-secret", metavar="TOKEN", help="aria2's --rpc-secret (or LINKRESOLVER_ARIA2_SECRET)"
    )
    p.set_defaults(handler=commands.download)
    p = sub.add_parser("accounts", parents=[common, providers], help="each provider's account state")
    p.set_defaults(handler=commands.accounts)
    p = sub.add_parser("hosts", parents=[common, providers], help="the hosters each provider serves")
    p.add_argument(
        "--refresh", action="store_true", help="fetch hoster lists now, even if the cache is fresh"
    )
    p.set_defaults(handler=commands.hosts)
    p = sub.add_parser(
        "serve",
        parents=[common, providers],
        help="the local JSON API (and a Click'n'Load receiver with --cnl)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=port, default=8765, help="API port (default: 8765; 0: any free)")
    p.add_argument(
        "--token",
        metavar="TOKEN",
        help="required from clients (needed off loopback); better: LINKRESOLVER_SERVE_TOKEN, unseen by ps",
    )
    p.add_argument("--sandbox", action="store_true", help="serve against the in-process sandbox (no account)")
    p.add_argument("--cnl", action="store_true", help="also receive Click'n'Load links on 127.0.0.1:9666")
    p.add_argument("--cnl-port", type=port, default=9666, help="Click'n'Load port (default: 9666)")
    p.add_argument(
        "--cnl-auto",
        action="store_true",
        help="resolve (and with -o download) Click'n'Load links without asking on the page first",
    )
    p.add_argument(
        "--jobs", type=whole_number(1, 64), default=8, metavar="N", help="jobs resolving at once (default: 8)"
    )
    p.add_argument(
        "--job-threads",
        type=whole_number(1, 256),
        default=8,
        metavar="N",
        help="links of a job resolving at once (default: 8)",
    )
    p.add_argument("-o", "--output", metavar="DIR", help="where the page's and Click'n'Load's downloads go")
    p.set_defaults(handler=commands.serve)
    p = sub.add_parser("pyload", help="pyLoad: install linkresolver's plugins into pyLoad")
    pyload_actions = p.add_subparsers(dest="pyload_action", metavar="ACTION", required=True)
    p = pyload_actions.add_parser(
        "install", parents=[common], help="copy the plugins into pyLoad's user folder"
    )
    p.add_argument(
        "--userdir", default="~/.pyload", metavar="DIR", help="pyLoad's user folder (default: ~/.pyload)"
    )
    p.set_defaults(handler=commands.pyload_install)
    p = sub.add_parser("sandbox", parents=[common], help="run the local sandbox of every provider's API")
    p.add_argument("--port", type=port, default=0, help="port on 127.0.0.1 (default: any free)")
    p.add_argument("--latency", type=latency, default=0.0, metavar="S", help="added per API call")
    p.add_argument(
        "--fail-rate",
        type=share,
        default=0.0,
        metavar="P",
        help="share of API calls that fail (5xx, 509, resets, timeouts, HTML, cut JSON), e.g. 0.2",
    )
    p.add_argument(
        "--cut-rate", type=share, default=0.0, metavar="P", help="share of download connections cut part-way"
    )
    p.add_argument("--fault-seed", type=int, default=None, metavar="N", help="the same faults on every run")
    p.set_defaults(handler=commands.sandbox)
    p = sub.add_parser("demo", parents=[common], help="see it work: resolve sample links against the sandbox")
    p.set_defaults(handler=commands.demo)
    if pm is not None:
        from .groups import CommandGroup  # noqa: PLC0415 (groups imports this module)

        pm.hook.register_commands(commands=CommandGroup(sub), subparsers=sub)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout, stderr, stdin = stdout or sys.stdout, stderr or sys.stderr, stdin or sys.stdin
    pm = None
    if _wants_plugin_commands(argv):
        from .manager import make_plugin_manager  # noqa: PLC0415

        pm = make_plugin_manager()
    try:
        args = build_parser(pm).parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return int(exc.code or 0)
    # Plugin commands may lack -v.
    _configure_logging(getattr(args, "verbose", 0), stderr, os.environ.get(LOG_FILE_ENV) or None)
    app = App(args, stdout, stderr, stdin)
    app._pm = pm
    from .errors import ConfigError, ResolverError  # noqa: PLC0415
    from .redact import redact  # noqa: PLC0415

    try:
        return int(args.handler(args, app))
    except KeyboardInterrupt:
        print("interrupted", file=stderr)
        return ExitStatus.INTERRUPTED
    except ConfigError as exc:
        print(f"linkresolver: {redact(str(exc))}", file=stderr)
        return ExitStatus.USAGE
    except ResolverError as exc:
        print(f"linkresolver: {redact(exc.for_person())}", file=stderr)
        return ExitStatus.LINK_FAILED
    except BrokenPipeError:
        return ExitStatus.OK  # `linkresolver resolve ... | head -1`


def _wants_plugin_commands(argv: list[str]) -> bool:
    """Plugins are loaded up front only when a command may be theirs, or for the full help."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if command is None:
        return "-h" in argv or "--help" in argv
    return command not in BUILTIN_COMMANDS


#: A path: every run also writes a DEBUG log there (HTTP included), redacted like stderr.
LOG_FILE_ENV = "LINKRESOLVER_LOG_FILE"
_LOG_FILE_FORMAT = "%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s"


def _configure_logging(verbosity: int, stderr: TextIO, log_file: str | None = None) -> None:
    """stderr shows what -v asks for; ``log_file`` (LINKRESOLVER_LOG_FILE), if given, gets
    everything at DEBUG, urllib3's and werkzeug's lines included. Both are redacted."""
    from .redact import RedactingFormatter, protect_loggers  # noqa: PLC0415

    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    # HTTP detail (urllib3) and the sandbox's request log (werkzeug) only with -v -v.
    levels = {
        # urllib3 warns of every transport retry ("Retrying (...) after connection broken"):
        # the link's own error says what came of them, so those lines wait for -v.
        "urllib3": logging.DEBUG if verbosity >= 2 else logging.WARNING if verbosity else logging.ERROR,
        "werkzeug": logging.INFO if verbosity >= 2 else logging.WARNING,
    }
    handler = LineHandler(stderr)  # lines whole, under the lock every worker's output takes
    handler.setFormatter(
        RedactingFormatter("%(levelname)s %(name)s: %(message)s" if verbosity else "%(message)s")
    )
    handler.addFilter(_LevelByLogger(level, levels))
    handlers: list[logging.Handler] = [handler]
    if log_file:
        file_handler = _log_file_handler(log_file, stderr)
        if file_handler is not None:
            file_handler.setFormatter(RedactingFormatter(_LOG_FILE_FORMAT))
            handlers.append(file_handler)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_linkresolver", False)]:
        root.removeHandler(old)
        old.close()  # a log file's; a StreamHandler leaves its stream open
    for new in handlers:
        new._linkresolver = True  # type: ignore[attr-defined]
        root.addHandler(new)
    everything = logging.DEBUG if len(handlers) > 1 else None  # the log file wants it all
    root.setLevel(everything or level)
    for name in ("linkresolver", "hostermatch"):
        logging.getLogger(name).setLevel(everything or level)
    for name, threshold in levels.items():
        logging.getLogger(name).setLevel(everything or threshold)
    protect_loggers()


class _LevelByLogger(logging.Filter):
    """What stderr shows: ``levels`` for those loggers (and their children), ``level`` for
    the rest, whatever the loggers themselves let through for the log file."""

    def __init__(self, level: int, levels: dict[str, int]) -> None:
        super().__init__()
        self.level = level
        self.levels = levels

    def filter(self, record: logging.LogRecord) -> bool:
        for name, threshold in self.levels.items():
            if record.name == name or record.name.startswith(name + "."):
                return record.levelno >= threshold
        return record.levelno >= self.level


def _log_file_handler(path: str, stderr: TextIO) -> logging.Handler | None:
    """A handler appending to ``path``, which is created readable by the user only."""
    target = os.path.expanduser(path)
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        return logging.FileHandler(target, mode="a", encoding="utf-8")
    except OSError as exc:
        print(
            f"linkresolver: cannot write the log file {target} ({LOG_FILE_ENV}): {exc.strerror}", file=stderr
        )
        return None


# -- output helpers used by the commands ----------------------------------------------------


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


def print_json(outcome: Outcome | CheckOutcome | DownloadOutcome, stdout: TextIO) -> None:
    """One JSON Lines object; a registered secret a provider echoed in a location, a file
    name or a message is masked here too (:func:`resolver_core.redact.redact`)."""
    from .redact import redact  # noqa: PLC0415

    write_line(stdout, redact(json.dumps(outcome.to_json(), ensure_ascii=False)))


def whole_number(low: int, high: int, what: str = "a whole number") -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high``. Bounded both ways: a port of
    70000 would wrap around to another port, and a million workers are a million threads."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, not {value:,}")
        return value

    return parse


def seconds(low: float, high: float, *, low_allowed: bool = True) -> Callable[[str], float]:
    """An argparse type: seconds from ``low`` (included unless ``low_allowed`` is false) to
    ``high``. Bounded: a socket refuses a timeout of 1e10 s with an OverflowError."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        above_low = value >= low if low_allowed else value > low
        if not (above_low and value <= high):  # nan fails both
            bound = "from" if low_allowed else "more than"
            raise argparse.ArgumentTypeError(f"must be {bound} {low:g} and at most {high:g} seconds")
        return value

    return parse


#: The bounds of the numbers the commands take.
port = whole_number(0, 65_535, "a port number")
retries = whole_number(0, 10)
connections = whole_number(1, 16)  # aria2's and most servers' limit per file
files_at_once = whole_number(1, 32)
request_timeout = seconds(0, 3_600, low_allowed=False)
latency = seconds(0, 60)


def share(text: str) -> float:
    """A share from 0 to 1 (``0.2`` is one call in five)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be a share from 0 to 1, such as 0.2")
    return value


if __name__ == "__main__":
    raise SystemExit(main())
