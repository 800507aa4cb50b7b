"""The sandbox: the providers' APIs emulated on 127.0.0.1, and a file server for direct links.

The services linkresolver was built for are gone or changed; the sandbox is how a new user
sees it work (``linkresolver demo``) and what the end-to-end tests run against, over real
sockets. Plugins contribute their emulated API through the ``sandbox_routes`` hook; the
framework here owns the server (werkzeug, threaded, an ephemeral port on loopback), the
routing, the files, an optional added latency per API call, and the environment that
points linkresolver at it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .extra_hosters import ExtraHoster
from .faults import Faults
from .files import FileStore, SandboxFile
from .keepalive import KeepAliveRequestHandler, KeepAliveServer

Endpoint = Callable[..., Response]
log = logging.getLogger("linkresolver.sandbox")
#: How often the accepting thread looks whether it should stop: what stop() waits at most.
_POLL_INTERVAL = 0.1
#: API calls kept in :attr:`Sandbox.request_log` (the oldest go first).
REQUEST_LOG_SIZE: Final = 200_000


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One API call the sandbox answered: when it came (Unix time, the clock every process
    reads alike), where, with what form and query values, and the HTTP status it got."""

    at: float
    path: str
    values: Mapping[str, str]
    status: int


class _QuietRequestHandler(KeepAliveRequestHandler):
    """Requests logged at debug level through linkresolver's logger, so that they are
    redacted like every other log line (pm-api puts the PIN in the query string), instead
    of werkzeug's own lines on stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if log.isEnabledFor(logging.DEBUG):  # werkzeug's line costs more than the answer
            super().log_request(code, size)

    def log(self, type: str, message: str, *args: Any) -> None:
        from ..redact import redact  # noqa: PLC0415

        # Redacted here, not only by linkresolver's formatter: the sandbox runs inside other
        # programs (the tests, `serve --sandbox`), whose handlers redact nothing.
        log.debug("%s %s", self.address_string(), redact(message % args))


class Sandbox:
    """A WSGI app plus its server thread. Use as a context manager, or start()/stop()."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, faults: Faults | None = None
    ) -> None:
        self.host = host
        self.port = port
        #: Seconds added to every API call (not to file downloads): for benchmarks.
        self.latency = latency
        #: API calls that fail and download connections that are cut (the soak), if any.
        self.faults = faults
        self._rules = Map(strict_slashes=False)
        self._endpoints: dict[str, Endpoint] = {}
        self.files = FileStore(faults)
        self._env: dict[str, str] = {}
        self._demo_env: dict[str, str | None] = {}
        #: Each plugin's emulation by name, for tests and the demo to look into.
        self.emulations: dict[str, object] = {}
        #: More hosters for an emulation to list beside its own, by the emulation's name in
        #: :attr:`emulations`: real-sized lists for tests and benchmarks, each emulation
        #: rendering them in its API's format (see :mod:`.extra_hosters`).
        self.extra_hosters: dict[str, tuple[ExtraHoster, ...]] = {}
        #: API requests served, by path: what tests count calls with.
        self.request_counts: Counter[str] = Counter()
        #: The last API calls, in order of arrival: when calls stopped, seen from the
        #: service's side (a rest kept by one process, seen by another).
        self.request_log: deque[ApiCall] = deque(maxlen=REQUEST_LOG_SIZE)
        self._count_lock = threading.Lock()
        self._server: KeepAliveServer | None = None
        self._thread: threading.Thread | None = None
        self.route("/files/<file_id>/<path:name>", self.files.serve, name="files", api=False)
        self.route("/_sandbox/faults", self._fault_counts, name="faults", methods=("GET",), api=False)

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
        """A file to serve: ``data`` as given (an upload), or ``size`` deterministic bytes
        (the same seed, the same bytes). Words in the name make it misbehave: see
        :mod:`resolver_core.sandbox.files`. Each call gives a link (``path``) to hand out."""
        return self.files.add(name, size, seed or name, data)

    def file_data(self, file: SandboxFile) -> tuple[bytes, str]:
        """The file's bytes and the sha1 an API reports for it."""
        return self.files.data(file), self.files.sha1(file)

    def file_sha1(self, file: SandboxFile) -> str:
        """The sha1 an API reports for the file, without keeping its bytes."""
        return self.files.sha1(file)

    def set_env(self, name: str, value: str) -> None:
        """An environment variable that points linkresolver at this sandbox."""
        self._env[name] = value

    def set_demo_env(self, name: str, value: str | None) -> None:
        """What the demo and ``serve --sandbox`` use instead of ``set_env``'s value (None:
        leave the variable out). A service with an older and a current API keeps exporting
        what scripts of the older one rely on, while the demo shows the API people have today."""
        self._demo_env[name] = value

    # -- running ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return f"http://{self.host}:{self._server.server_port}"

    def env(self, *, demo: bool = False) -> dict[str, str]:
        """The environment lines, with ``{url}`` filled in; ``demo``: as the demo uses them."""
        chosen = dict(self._env)
        for name, value in self._demo_env.items() if demo else ():
            if value is None:
                chosen.pop(name, None)
            else:
                chosen[name] = value
        return {name: value.replace("{url}", self.url) for name, value in chosen.items()}

    def start(self) -> Sandbox:
        self._server = KeepAliveServer(self.host, self.port, self._app, _QuietRequestHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(_POLL_INTERVAL,), name="sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.close_idle()  # kept-open connections: not a thread each until they time out
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

    def _fault_counts(self, request: Request) -> Response:
        """The faults injected so far, by kind (for the soak to print)."""
        counts = self.faults.summary() if self.faults is not None else {}
        return Response(json.dumps(counts), mimetype="application/json")

    def _with_latency(self, endpoint: Endpoint) -> Endpoint:
        def delayed(request: Request, **values: Any) -> Response:
            arrived = time.time()
            with self._count_lock:
                self.request_counts[request.path] += 1
            status = 500
            try:
                if self.faults is not None:
                    response = self.faults.answer(request, lambda: endpoint(request, **values))
                else:
                    response = endpoint(request, **values)
                status = response.status_code
                return response
            finally:
                self.request_log.append(ApiCall(arrived, request.path, _values_of(request), status))
                # The answer is made as the request comes in and goes out after the
                # latency, as over a slow network: the emulation's work runs while the
                # request's data are still in the CPU's caches, not cold after the wait.
                if self.latency:
                    time.sleep(self.latency)

        return delayed


def _values_of(request: Request) -> dict[str, str]:
    """A call's query values, and its form's when the endpoint read it as a plain form.

    Never read here: a fault answers without reading the body (a reset has already shut the
    socket's reading side), and reading it then would turn the fault into werkzeug's "400
    Bad Request" for a client gone; an upload's files are not kept either."""
    values = request.args.to_dict()
    if request.mimetype == "application/x-www-form-urlencoded" and "form" in request.__dict__:
        values |= request.form.to_dict()  # parsed already: werkzeug keeps it on the request
    return values
