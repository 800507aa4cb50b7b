"""Human output: text from providers made fit for a terminal.

A file host returns whatever name a user uploaded, and a name such as
``evil\\x1b[31mRED\\x1b[0m.bin`` would recolour, clear or retitle the terminal it is printed
on; a right-to-left override would make ``fdp.exe`` read as ``exe.pdf``. Every line of human
output that carries a provider's words (file and folder names, messages, statuses) goes
through :func:`shown`. JSON output does not: ``json.dumps`` escapes those characters, and a
script must get the name exactly as the provider gave it.

The standard library only at import time: the plugins' command modules import this for
``--help``, which must stay fast.
"""

from __future__ import annotations


def shown(text: object) -> str:
    """``text`` as a terminal may show it: without control and format characters (escape
    sequences, bidirectional overrides) or lone surrogates, the same rule as
    :func:`resolver_core.envelope.printable` applies to the providers' messages. Meant for one
    line: newlines and tabs go too, so that a name cannot fake a line of its own."""
    from .envelope import printable  # noqa: PLC0415
    from .redact import redact  # noqa: PLC0415

    # A provider that echoes the user's PIN in a file or hoster name shows "***" instead.
    return printable(redact(str(text)))


def human_size(size: int | None) -> str:
    """A size for people: ``512 B``, ``1.5 MiB``, ``2.0 TiB``; ``-`` when unknown. The one
    size format of every command's text. A size past any storage (a provider's answer of
    10**400 bytes, which no float holds) is as good as unknown."""
    if size is None or size >= 2**70:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
