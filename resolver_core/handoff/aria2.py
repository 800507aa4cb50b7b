"""Hand resolved links to aria2: over its JSON-RPC interface, or as an input file.

Each link goes with its options: the output name (cleaned as downloads clean it), the
directory, the headers the provider requires, the connections the provider allows, and
``checksum=sha-1=...`` when the API gave a sha1, so aria2 verifies the file itself. Over
RPC nothing of it (headers, tokens, the RPC secret) appears on a command line.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import requests

from ..download.names import name_from_url, safe_name
from ..errors import ConfigError, ResolverError
from ..models import DownloadLimits, FileLink, ResolvedLink
from ..redact import redact

DEFAULT_RPC: Final = "http://127.0.0.1:6800/jsonrpc"


def options_for(
    link: ResolvedLink, item: FileLink, directory: Path | None, connections: int, limits: DownloadLimits
) -> dict[str, Any]:
    """aria2 options for one file of a resolved link (values as aria2 wants them: strings)."""
    allowed = limits.connections(connections)
    options: dict[str, Any] = {
        "out": safe_name(item.filename, name_from_url(item.url)),
        "split": str(allowed),
        "max-connection-per-server": str(min(16, allowed)),
        "continue": "true" if limits.resume else "false",
    }
    if directory is not None:
        options["dir"] = str(directory)
    if link.headers:
        options["header"] = [f"{name}: {value}" for name, value in link.headers]
    if link.sha1 and not link.files:
        options["checksum"] = f"sha-1={link.sha1}"
    return options


def items_of(link: ResolvedLink) -> list[FileLink]:
    return list(link.files) or [FileLink(link.url, link.filename, link.size)]


def input_file(entries: Iterable[tuple[str, Mapping[str, Any]]]) -> str:
    """aria2's input file format: a URI line, then its options indented, one per line."""
    lines: list[str] = []
    for uri, options in entries:
        lines.append(_clean(uri))
        for name, value in options.items():
            for one in value if isinstance(value, list) else [value]:
                lines.append(f"  {name}={_clean(str(one))}")
    return "\n".join(lines) + ("\n" if lines else "")


def _clean(value: str) -> str:
    """A value on one line (a newline would start a new entry in the input file)."""
    return value.replace("\r", " ").replace("\n", " ")


class Aria2Error(ResolverError):
    kind = "aria2"


class Aria2Rpc:
    """aria2's JSON-RPC interface: ``aria2.addUri`` and friends, with the secret token."""

    def __init__(self, session: requests.Session, url: str = DEFAULT_RPC, secret: str | None = None) -> None:
        if not url.lower().startswith(("http://", "https://")):
            raise ConfigError(f"--aria2-rpc {url!r} is not an http(s) URL (aria2's is {DEFAULT_RPC})")
        self.session = session
        self.url = url
        self._secret = secret
        self._ids = itertools.count(1)

    def call(self, method: str, *params: Any) -> Any:
        arguments: list[Any] = [f"token:{self._secret}"] if self._secret else []
        arguments.extend(params)
        payload = {"jsonrpc": "2.0", "id": str(next(self._ids)), "method": method, "params": arguments}
        try:
            response = self.session.post(self.url, json=payload, timeout=30)
            answer = response.json()
        except requests.RequestException as exc:
            raise Aria2Error(
                f"aria2 cannot be reached at {self.url} ({redact(str(exc))[:160]}); start it with"
                " `aria2c --enable-rpc` or give --aria2-rpc URL"
            ) from None
        except ValueError:
            raise Aria2Error(
                f"{self.url} answered HTTP {response.status_code} without JSON: is it aria2?"
            ) from None
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            message = redact(str(answer["error"].get("message", "")))[:200]
            if "Unauthorized" in message:
                raise Aria2Error("aria2 refused the RPC secret (--aria2-secret)")
            raise Aria2Error(f"aria2 refused {method}: {message}")
        return answer.get("result") if isinstance(answer, dict) else None

    def add(self, uri: str, options: Mapping[str, Any]) -> str:
        """Queue one download; its gid."""
        return str(self.call("aria2.addUri", [uri], dict(options)))

    def status(self, gid: str, keys: Sequence[str] = ("status", "errorMessage", "files")) -> dict[str, Any]:
        result = self.call("aria2.tellStatus", gid, list(keys))
        return result if isinstance(result, dict) else {}
