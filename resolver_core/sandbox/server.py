"""The sandbox: the providers' APIs emulated on 127.0.0.1, and a file server for direct links.

The services linkresolver was built for are gone or changed; the sandbox is how a new user
sees it work (``linkresolver demo``) and what the end-to-end tests run against, over real
sockets. Plugins contribute their emulated API through the ``sandbox_routes`` hook; the
framework here owns the server (werkzeug, threaded, an ephemeral port on loopback), the
routing, the files, an optional added latency per API call, and the environment that
points linkresolver at it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

Endpoint = Callable[..., Response]
log = logging.getLogger("linkresolver.sandbox")


class _QuietRequestHandler(WSGIRequestHandler):
    """Requests logged at debug level through linkresolver's logger, so that they are
    redacted like every other log line (pm-api puts the PIN in the query string), instead
    of werkzeug's own lines on stderr."""

    def log(self, type: str, message: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), message % args)


@dataclass(frozen=True, slots=True)
class SandboxFile:
    """A file the sandbox serves: its path on the server and its size."""

    file_id: str
    name: str
    size: int

    @property
    def path(self) -> str:
        return f"/files/{self.file_id}/{self.name}"


class Sandbox:
    """A WSGI app plus its server thread. Use as a context manager, or start()/stop()."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> None:
        self.host = host
        self.port = port
        #: Seconds added to every API call (not to file downloads): for benchmarks.
        self.latency = latency
        self._rules = Map(strict_slashes=False)
        self._endpoints: dict[str, Endpoint] = {}
        self._files: dict[str, tuple[SandboxFile, str]] = {}  # id -> (file, seed)
        #: Bytes of files given as data (uploads); others are made again on each download.
        self._stored: dict[str, bytes] = {}
        self._sha1: dict[str, str] = {}  # id -> sha1, computed once
        self._env: dict[str, str] = {}
        #: Each plugin's emulation by name, for tests and the demo to look into.
        self.emulations: dict[str, object] = {}
        #: API requests served, by path: what tests count calls with.
        self.request_counts: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.route("/files/<file_id>/<name>", self._serve_file, name="files", api=False)

    # -- what plugins contribute ---------------------------------------------------------

    def route(
        self,
        rule: str,
        endpoint: Endpoint,
        *,
        name: str | None = None,
        methods: tuple[str, ...] = ("GET", "POST"),
        api: bool = True,
    ) -> None:
        """Serve ``endpoint(request, **url_values)`` at ``rule`` (werkzeug rule syntax)."""
        key = name or rule
        if key in self._endpoints:
            raise ValueError(f"sandbox route {key!r} is already taken")
        self._rules.add(Rule(rule, endpoint=key, methods=list(methods)))
        self._endpoints[key] = self._with_latency(endpoint) if api else endpoint

    def add_file(
        self, name: str, size: int = 0, *, seed: str | None = None, data: bytes | None = None
    ) -> SandboxFile:
        """A file to serve: ``data`` as given (an upload), or ``size`` deterministic bytes.

        Deterministic files are made from their seed whenever they are downloaded and never
        kept: an emulated API hands out many more links than anyone downloads, and a long
        test run must not grow the sandbox's memory with every file it served.
        """
        seed = seed or name
        file_id = hashlib.sha1(seed.encode()).hexdigest()[:16]  # noqa: S324 (an id, not security)
        if data is not None:
            size = len(data)
            self._stored[file_id] = data
        info = SandboxFile(file_id, name, size)
        self._files[file_id] = (info, seed)
        return info

    def file_data(self, file: SandboxFile) -> tuple[bytes, str]:
        """The file's bytes and their sha1 (the checksum an API reports for it)."""
        data = self._stored.get(file.file_id)
        if data is None:
            _, seed = self._files[file.file_id]
            data = random.Random(seed).randbytes(file.size)  # noqa: S311 (test data, not secrets)
        sha1 = self._sha1.get(file.file_id)
        if sha1 is None:
            sha1 = self._sha1[file.file_id] = hashlib.sha1(data).hexdigest()  # noqa: S324
        return data, sha1

    def set_env(self, name: str, value: str) -> None:
        """An environment variable that points linkresolver at this sandbox."""
        self._env[name] = value

    # -- running ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return f"http://{self.host}:{self._server.server_port}"

    def env(self) -> dict[str, str]:
        """The environment lines, with ``{url}`` filled in."""
        return {name: value.replace("{url}", self.url) for name, value in self._env.items()}

    def start(self) -> Sandbox:
        self._server = make_server(
            self.host, self.port, self._app, threaded=True, request_handler=_QuietRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Run in the foreground until interrupted (``linkresolver sandbox``)."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(0.5)

    # -- WSGI ----------------------------------------------------------------------------

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        adapter = self._rules.bind_to_environ(environ)
        try:
            endpoint, values = adapter.match()
            response = self._endpoints[endpoint](request, **values)
        except HTTPException as exc:
            response = exc.get_response(environ)
        return response(environ, start_response)

    def _with_latency(self, endpoint: Endpoint) -> Endpoint:
        def delayed(request: Request, **values: Any) -> Response:
            with self._count_lock:
                self.request_counts[request.path] += 1
            if self.latency:
                time.sleep(self.latency)
            return endpoint(request, **values)

        return delayed

    def _serve_file(self, request: Request, file_id: str, name: str) -> Response:
        entry = self._files.get(file_id)
        if entry is None or entry[0].name != name:
            raise NotFound()
        info = entry[0]
        data, sha1 = self.file_data(info)
        response = send_file(
            io.BytesIO(data),
            request.environ,
            mimetype="application/octet-stream",
            as_attachment=True,
            download_name=info.name,
            conditional=True,  # Range requests, If-None-Match
            etag=sha1,
            max_age=0,
        )
        response.headers["X-Sha1"] = sha1
        return response
