"""The JSON API of ``linkresolver serve``: the same library calls the command line makes.

Safe for a local service: it answers only with a CSRF token on state-changing requests
(``X-CSRF-Token``, from ``GET /api/session``, which another site's page cannot read), and
with ``Authorization: Bearer TOKEN`` when started with a token (required off loopback).
Without a token it answers only requests addressed to this machine by name or loopback
address: a page whose name the attacker points at 127.0.0.1 (DNS rebinding) is the same
origin as the service, so it could read the CSRF token, but its requests say its own name
in ``Host``.
Input is checked before any work: JSON objects only, text of at most ``MAX_TEXT`` bytes,
nested no deeper than the parser's recursion allows (deeper is a 400, like any bad JSON).
"""

from __future__ import annotations

import hmac
import json
import math
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider

from ..config import is_loopback
from ..errors import ResolverError
from ..handoff.aria2 import entries_of, input_file
from ..handoff.crawljob import crawljob
from ..paste import mirror_groups, password_in, sizes_in
from ..pipeline import Resolver
from ..records import account_records, hoster_records, link_urls, outcome_json
from ..state import PACKAGE_ACTIVE, PACKAGE_DONE, PACKAGE_FAILED
from ..version import version
from .jobs import JobManager


class _BoundedJSON(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deep for the parser (100,000 ``[``) is bad JSON
    (a ValueError, which ``get_json(silent=True)`` turns into None), not a RecursionError."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deep") from None


#: Pasted text larger than this is refused (a forum post is a few kilobytes).
MAX_TEXT: Final = 1 << 20
#: Seconds an event stream waits for a change before it sends a keep-alive comment.
KEEPALIVE: Final = 15.0
#: Seconds at least between two events of the stream of every job.
EVENTS_APART: Final = 0.1
#: Characters at most of a package's name and password.
MAX_NAME: Final = 200
#: Packages a page of history holds unless ``?limit`` says, and at most.
HISTORY_PAGE: Final = 50
MAX_HISTORY_PAGE: Final = 500
#: A package's states (``?state=``).
PACKAGE_STATES: Final = (PACKAGE_ACTIVE, PACKAGE_DONE, PACKAGE_FAILED)


def create_app(
    resolver: Resolver,
    *,
    token: str | None = None,
    output: Path | None = None,
    jobs: JobManager | None = None,
) -> Flask:
    """The app; ``jobs`` is given when others start jobs too (serve's Click'n'Load receiver)."""
    app = Flask(
        "linkresolver", static_folder=str(Path(__file__).parent / "static"), static_url_path="/static"
    )
    app.json = _BoundedJSON(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_TEXT + 64 * 1024
    csrf = secrets.token_urlsafe(24)
    jobs = jobs or JobManager(resolver, output=output)

    def problem(status: int, message: str) -> Response:
        response = jsonify({"error": message})
        response.status_code = status
        return response

    @app.before_request
    def guard() -> Response | None:
        if token is None and not addressed_to_loopback(request.host):
            return problem(
                403,
                "this service answers only requests addressed to 127.0.0.1 or localhost"
                " (a web page that points its own name at this machine must not use it)",
            )
        if token is not None:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), token.encode()):
                return problem(401, "this service needs its token: Authorization: Bearer TOKEN")
        if request.method == "POST" and not hmac.compare_digest(
            request.headers.get("X-CSRF-Token", "").encode(), csrf.encode()
        ):
            return problem(403, "missing or wrong X-CSRF-Token (GET /api/session gives it)")
        return None

    @app.errorhandler(413)
    def too_large(error: Exception) -> Response:
        return problem(413, f"the request is larger than {MAX_TEXT >> 20} MiB of text")

    @app.errorhandler(404)
    def not_found(error: Exception) -> Response:
        return problem(404, "no such API path (GET /api/openapi.json lists them)")

    @app.errorhandler(405)
    def wrong_method(error: Exception) -> Response:
        return problem(405, f"{request.method} is not allowed here")

    def pasted_text() -> str | Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return problem(400, 'send a JSON object: {"text": "..."}')
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return problem(400, '"text" must be the pasted text, not empty')
        if len(text.encode()) > MAX_TEXT:
            return problem(413, f"the text is larger than {MAX_TEXT >> 20} MiB")
        return text

    @app.get("/")
    def page() -> Response:
        """The paste page: everything it needs is served from here (no network elsewhere)."""
        return app.send_static_file("index.html")

    @app.get("/api/session")
    def session() -> Response:
        return jsonify({"csrf": csrf})

    @app.post("/api/resolve")
    def resolve() -> Response:
        """A package of every link in ``text``: ``name``, ``password`` (lent to its links'
        provider calls) and ``download`` (into the server's folder, once resolved) optional."""
        text = pasted_text()
        if isinstance(text, Response):
            return text
        options = package_options(request.get_json(silent=True) or {})
        if isinstance(options, Response):
            return options
        name, password, download, limit_rate = options
        if download and output is None:
            return problem(
                409, "this server has no download folder: start it with `linkresolver serve -o DIR`"
            )
        links = resolver.links_in([text])
        if not links:
            return problem(400, "no links found in the text")
        # A password given with the paste wins over the one its text gives.
        password = password or password_in(text)
        mirrors = mirror_groups(links, sizes_in(text, links))
        job = jobs.start(
            links, package=name, password=password, mirrors=mirrors, download=download, limit_rate=limit_rate
        )
        response = jsonify(job.to_json())
        response.status_code = 202
        return response

    def package_options(
        body: dict[str, Any],
    ) -> tuple[str | None, str | None, bool, float | None] | Response:
        """A paste's ``name``, ``password``, ``download`` and ``limit_rate``, checked."""
        name, password, download = body.get("name"), body.get("password"), body.get("download", False)
        if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME):
            return problem(400, f'"name" must be a text of at most {MAX_NAME} characters')
        if password is not None and (
            not isinstance(password, str) or not password.strip() or len(password) > MAX_NAME
        ):
            return problem(400, f'"password" must be a text, not empty, of at most {MAX_NAME} characters')
        if not isinstance(download, bool):
            return problem(400, '"download" must be true or false')
        limit_rate = package_rate(body.get("limit_rate"))
        if isinstance(limit_rate, Response):
            return limit_rate
        return (name or "").strip() or None, password.strip() if password else None, download, limit_rate

    def package_rate(given: object) -> float | Response | None:
        """A package's ``limit_rate``: a rate as text (``"2M"``), or bytes a second."""
        from ..download.bandwidth import RateError, parse_rate  # noqa: PLC0415

        if given is None:
            return None
        if isinstance(given, int | float) and not isinstance(given, bool) and given >= 0:
            return float(given) or None
        if not isinstance(given, str):
            return problem(400, '"limit_rate" must be a rate such as "2M" or "500K", or bytes a second')
        try:
            return parse_rate(given)
        except RateError as exc:
            return problem(400, f'"limit_rate": {exc}')

    @app.get("/api/jobs")
    def job_list() -> Response:
        return jsonify({"jobs": jobs.summaries()})

    @app.get("/api/history")
    def history() -> Response:
        """Kept packages, newest first: ``?limit=N``, ``?before=T`` (a ``created``), ``?state=S``."""
        try:
            limit = int(request.args.get("limit", HISTORY_PAGE))
            before = float(request.args["before"]) if "before" in request.args else None
        except ValueError:
            before = math.nan
        if before is not None and not math.isfinite(before):
            return problem(400, "limit must be a whole number and before a time (a package's created)")
        if not 1 <= limit <= MAX_HISTORY_PAGE:
            return problem(400, f"limit must be from 1 to {MAX_HISTORY_PAGE}")
        state = request.args.get("state")
        if state is not None and state not in PACKAGE_STATES:
            return problem(400, f"state must be one of {', '.join(PACKAGE_STATES)}")
        packages, more = jobs.history(limit=limit, before=before, states=None if state is None else {state})
        return jsonify({"packages": packages, "more": more})

    @app.post("/api/jobs/<job_id>/retry")
    def retry(job_id: str) -> Response:
        """Resolve (and download) again the links of an ended package that failed."""
        job = jobs.get(job_id) or jobs.from_history(job_id, listed=True)
        if job is None:
            return problem(404, "no such job")
        if not jobs.retry(job):
            return problem(409, "nothing to retry: the package is still at work, or none of its links failed")
        response = jsonify(job.to_json())
        response.status_code = 202
        return response

    @app.post("/api/jobs/<job_id>/remove")
    def remove(job_id: str) -> Response:
        """Drop a package from the list and the history (its downloaded files stay)."""
        if not jobs.remove(job_id):
            return problem(404, "no such job")
        return jsonify({"removed": job_id})

    @app.get("/api/events")
    def all_events() -> Response:
        """Every job's changes as server-sent events: ``{"jobs": [...]}`` (the list of jobs)
        when it changes, ``{"updates": [job, ...]}`` with the jobs that changed. The first
        updates are the jobs still at work. One stream for the page, whatever it shows: a
        browser keeps few connections open to one server, and a stream holds one."""

        def stream() -> Iterator[str]:
            sent: dict[str, int] = {}  # the version of each job last sent
            listed = seen = -1
            first = True
            while True:
                if jobs.version == seen:
                    if not jobs.wait_for_change(seen, KEEPALIVE):
                        yield ": keep-alive\n\n"
                    continue
                # Read before the jobs: a change after them is seen at the next turn.
                seen, now_listed = jobs.version, jobs.listed
                kept = jobs.kept()
                if now_listed != listed:
                    listed = now_listed
                    yield f"data: {json.dumps({'jobs': [job.summary() for job in kept]})}\n\n"
                updates = []
                for job in kept:
                    if sent.get(job.job_id, -1) == job.version:
                        continue
                    state = job.to_json()
                    if not first or not state["done"] or state["downloading"]:
                        updates.append(state)
                    sent[job.job_id] = state["version"]
                first = False
                if updates:
                    yield f"data: {json.dumps({'updates': updates})}\n\n"
                time.sleep(EVENTS_APART)  # a download's progress changes the job many times a second

        return Response(stream(), mimetype="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.get("/api/jobs/<job_id>")
    def job_state(job_id: str) -> Response:
        job = jobs.get(job_id) or jobs.from_history(job_id)
        return jsonify(job.to_json()) if job else problem(404, "no such job (jobs are kept for a while)")

    @app.get("/api/jobs/<job_id>/events")
    def job_events(job_id: str) -> Response:
        job = jobs.get(job_id)
        if job is None:
            return problem(404, "no such job")

        def stream() -> Iterator[str]:
            seen = -1
            while True:
                if job.version != seen:
                    seen = job.version
                    yield f"data: {json.dumps(job.to_json())}\n\n"
                    if job.done and not job.downloading:
                        return
                elif not job.wait_for_change(seen, KEEPALIVE):
                    yield ": keep-alive\n\n"

        return Response(stream(), mimetype="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.post("/api/jobs/<job_id>/download")
    def download(job_id: str) -> Response:
        """Download the job's resolved links into the server's folder (``serve -o DIR``)."""
        job = jobs.get(job_id)
        if job is None:
            return problem(404, "no such job")
        if output is None:
            return problem(
                409, "this server has no download folder: start it with `linkresolver serve -o DIR`"
            )
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return problem(500, f"cannot create the download folder: {exc.strerror}")
        started = jobs.start_download(job, output)
        if not started:
            return problem(409, "nothing to download: no resolved link is waiting for it")
        response = jsonify({"downloading": started})
        response.status_code = 202
        return response

    @app.get("/api/jobs/<job_id>/export")
    def export(job_id: str) -> Response:
        """The resolved links as text (a link a line), an aria2 input file or a crawljob."""
        job = jobs.get(job_id)
        if job is None:
            return problem(404, "no such job")
        form = request.args.get("format", "text")
        links = [o.link for _, o in sorted(job.outcomes.items()) if o.status == "ok" and o.link is not None]
        if form == "text":
            body = "".join(url + "\n" for link in links for url in link_urls(link))
            name = "links.txt"
        elif form == "aria2":
            body = input_file(entry for link in links for entry in entries_of(link, None, 4))
            name = "links.aria2"
        elif form == "crawljob":
            body = crawljob(links, package="linkresolver", folder=None, password=job.password)
            name = "links.crawljob"
        else:
            return problem(400, "format must be text, aria2 or crawljob")
        return Response(
            body, mimetype="text/plain", headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @app.post("/api/jobs/<job_id>/captcha")
    def captcha(job_id: str) -> Response:
        job = jobs.get(job_id)
        body = request.get_json(silent=True)
        if job is None:
            return problem(404, "no such job")
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("position"), int)
            or not isinstance(body.get("answer"), str)
        ):
            return problem(400, 'send {"position": N, "answer": "..."}')
        if not jobs.answer_captcha(job, body["position"], body["answer"].strip()):
            return problem(409, "that link is not waiting for a captcha")
        return jsonify({"accepted": True})

    @app.post("/api/jobs/<job_id>/confirm")
    def confirm(job_id: str) -> Response:
        """Resolve the links of a job that waits for confirmation (Click'n'Load's)."""
        job = jobs.get(job_id)
        if job is None:
            return problem(404, "no such job")
        if not jobs.confirm(job):
            return problem(409, "that job does not wait for a confirmation")
        response = jsonify(job.to_json())
        response.status_code = 202
        return response

    @app.post("/api/jobs/<job_id>/discard")
    def discard(job_id: str) -> Response:
        """Drop a job from the list: what it has not started never starts."""
        job = jobs.get(job_id)
        if job is None or not jobs.discard(job):
            return problem(404, "no such job")
        return jsonify({"discarded": job_id})

    @app.post("/api/check")
    def check() -> Response:
        text = pasted_text()
        if isinstance(text, Response):
            return text
        urls = resolver.links_in([text])
        if not urls:
            return problem(400, "no links found in the text")
        return jsonify({"links": [outcome_json(outcome) for outcome in resolver.check_many(urls)]})

    @app.get("/api/accounts")
    def accounts() -> Response:
        """The rows of ``linkresolver accounts --json``."""
        return jsonify({"accounts": [row for row, _ in account_records(resolver)]})

    @app.get("/api/hosts")
    def hosts() -> Response:
        """The rows of ``linkresolver hosts --json``: the hosters of every provider's lists,
        then what providers serve beyond them (``claim``); each with what its provider says
        about it now (``up``, ``cost``, ``terms``)."""
        return jsonify({"hosters": hoster_records(resolver)})

    @app.get("/api/openapi.json")
    def openapi() -> Response:
        return jsonify(OPENAPI)

    @app.errorhandler(ResolverError)
    def resolver_error(error: ResolverError) -> Response:
        return problem(502, error.for_person())

    return app


def addressed_to_loopback(host: str) -> bool:
    """Whether a ``Host`` header (``name:port``, ``[::1]:port``) names this machine: by
    ``localhost`` or a loopback address, never by a name that DNS could point anywhere."""
    try:
        parts = urlsplit(f"//{host}")  # "[::1" raises here, a bad port below
        name = parts.hostname
        parts.port  # noqa: B018 (a port that is no number is no Host of ours)
    except ValueError:
        return False
    return name is not None and is_loopback(name)


def _path(summary: str, *, body: bool = False, status: str = "200") -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {status: {"description": "OK"}}}
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Paste"}}},
        }
    return operation


OPENAPI: Final[dict[str, Any]] = {
    "openapi": "3.1.0",
    "info": {"title": "linkresolver", "version": version()},
    "components": {
        "schemas": {
            "Paste": {
                "type": "object",
                "required": ["text"],
                "properties": {
                    "text": {"type": "string"},
                    "name": {"type": "string", "description": "the package's name"},
                    "password": {
                        "type": "string",
                        "description": "the links' archive password (default: the one the text gives)",
                    },
                    "download": {"type": "boolean", "description": "download into the server's folder"},
                    "limit_rate": {
                        "type": ["string", "number"],
                        "description": "its downloads at most this fast together: 2M, 500K, bytes a second",
                    },
                },
            }
        },
        "securitySchemes": {
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            "token": {"type": "http", "scheme": "bearer"},
        },
    },
    "paths": {
        "/api/session": {"get": _path("the CSRF token state-changing requests send")},
        "/api/resolve": {
            "post": _path(
                "a package of every link in the text: {text, name?, password?, download?}; of its"
                " mirrors of one file, the first that resolves serves it",
                body=True,
                status="202",
            )
        },
        "/api/jobs": {
            "get": _path(
                "every job kept: id, origin, name, password, created, stage, done, download,"
                " state (active, done or failed), finished, counts {total, ok, failed}"
            )
        },
        "/api/history": {
            "get": _path("kept packages newest first: ?limit=, ?before=, ?state= gives {packages, more}")
        },
        "/api/jobs/{id}/retry": {
            "post": _path("resolve again the links of an ended package that failed", status="202")
        },
        "/api/jobs/{id}/remove": {"post": _path("drop a package from the list and the history (files stay)")},
        "/api/events": {"get": _path("every job's changes as server-sent events: {jobs} and {updates}")},
        "/api/jobs/{id}": {"get": _path("a job's links and their states")},
        "/api/jobs/{id}/events": {"get": _path("the job's states as server-sent events, until done")},
        "/api/jobs/{id}/confirm": {"post": _path("resolve a job that waits for confirmation", status="202")},
        "/api/jobs/{id}/discard": {"post": _path("drop a job from the list, cancelling what it has left")},
        "/api/jobs/{id}/captcha": {"post": _path("answer a link's captcha: {position, answer}")},
        "/api/jobs/{id}/download": {"post": _path("download the resolved links into the server's folder")},
        "/api/jobs/{id}/export": {"get": _path("the resolved links: ?format=text, aria2 or crawljob")},
        "/api/check": {"post": _path("what providers can tell about the links", body=True)},
        "/api/accounts": {"get": _path("each provider's account state")},
        "/api/hosts": {"get": _path("the hosters each provider serves")},
        "/api/openapi.json": {"get": _path("this document")},
    },
}
