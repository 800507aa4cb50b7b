"""Hand resolved links to aria2: over its JSON-RPC interface, or as an input file.

Each link goes with its options: the output name (cleaned as downloads clean it), the
directory, the headers the provider requires, the connections the provider allows, and
``checksum=sha-1=...`` when the API gave a sha1, so aria2 verifies the file itself. Over
RPC nothing of it (headers, tokens, the RPC secret) appears on a command line.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import requests

from ..download.names import name_from_url, safe_name
from ..envelope import provider_words
from ..errors import ConfigError, ResolverError
from ..http import is_internal_host
from ..models import FileLink, ResolvedLink
from ..records import link_files
from ..redact import redact

DEFAULT_RPC: Final = "http://127.0.0.1:6800/jsonrpc"


def options_for(
    link: ResolvedLink, item: FileLink, directory: Path | None, connections: int
) -> dict[str, Any]:
    """aria2 options for one file of a resolved link (values as aria2 wants them: strings),
    within the download limits the provider set for it."""
    limits = link.download_limits()
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


def entries_of(
    link: ResolvedLink, directory: Path | None, connections: int
) -> list[tuple[str, dict[str, Any]]]:
    """aria2's entries for every file of ``link``: its URL and its options."""
    return [(item.url, options_for(link, item, directory, connections)) for item in link_files(link)]


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


def check_rpc_url(url: str, secret: str | None) -> None:
    """Refuse (ConfigError: a usage error) an RPC URL that is not http(s), or one that would
    carry the secret in clear text across the internet: the secret travels in every call's
    JSON body, and whoever reads it can make aria2 download anything anywhere on the disk.
    Plain http is fine on loopback and private addresses (aria2 on this machine or the
    NAS at home); a public host needs https. A host name is not looked up: what it
    resolves to can change between this check and the call."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not host:
        raise ConfigError(f"--aria2-rpc {url!r} is not an http(s) URL (aria2's is {DEFAULT_RPC})")
    if secret and parts.scheme.lower() == "http" and not is_internal_host(host):
        raise ConfigError(
            f"--aria2-rpc {url}: refusing to send the RPC secret over plain http to {host}, which is"
            " not a loopback or private address; use https, or the address of aria2's machine on"
            " your own network"
        )


class Aria2Rpc:
    """aria2's JSON-RPC interface: ``aria2.addUri`` and friends, with the secret token."""

    def __init__(self, session: requests.Session, url: str = DEFAULT_RPC, secret: str | None = None) -> None:
        check_rpc_url(url, secret)
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
                f"aria2 does not answer at {redact(self.url)} ({_why_unreachable(exc)}); start it with"
                " `aria2c --enable-rpc` or give --aria2-rpc URL"
            ) from None
        except ValueError:
            raise Aria2Error(
                f"{self.url} answered HTTP {response.status_code} without JSON: is it aria2?"
            ) from None
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            message = provider_words(answer["error"].get("message", ""))
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


def _why_unreachable(exc: requests.RequestException) -> str:
    """In a few words, why a call got no answer. requests' own text is a paragraph of
    connection-pool internals (``HTTPConnectionPool(host=..., port=...): Max retries...``)
    that, cut to fit, ends mid-word; the cause at the bottom of the chain says it."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "the TLS handshake failed"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "no connection within the timeout"
    if isinstance(exc, requests.Timeout):
        return "no answer within the timeout"
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "not a usable URL"
    causes = _causes(exc)
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return "connection refused"
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return "its host name does not resolve"
    if any(isinstance(cause, ConnectionResetError) for cause in causes):
        return "the connection was reset"
    said = [cause.strerror for cause in causes if isinstance(cause, OSError) and cause.strerror]
    if said:
        return said[-1].lower()
    return "the connection failed"


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what led to it: its cause or context, or urllib3's ``reason``, in turn."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 16:
        chain.append(current)
        reason = getattr(current, "reason", None)
        first = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        current = (
            current.__cause__
            or current.__context__
            or (reason if isinstance(reason, BaseException) else first)
        )
    return chain
