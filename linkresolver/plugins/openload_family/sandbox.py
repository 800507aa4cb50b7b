"""The Openload family emulated for the sandbox: all three APIs, one implementation.

Each service answers at its own path (``/openload/1``, ``/streamango/api``, ``/highload/api``)
with the endpoints its document lists, the ``{status, msg, result}`` envelope (plus
``server_time`` at highload) and the documents' shapes. What a file does is written in its
id, so tests and people can ask for any scenario with a link:

- ``wait5``: the ticket's ``wait_time`` is 5 seconds, and ``file/dl`` before that is refused;
- ``captcha``: the ticket comes with a captcha (a PNG of digits; :mod:`resolver_core.sandbox.captcha`);
- ``expire``: the first ticket expires after 1 second, before its 2-second wait ends;
- ``status404``, ``status451``, ``status500``: file/info and file/dlticket answer that status;
- ``status509``: file/dlticket answers 509 (bandwidth), while file/info says online.

Any other id is an online file. Accounts (login/key): openload ``5147a8f8e924bc82`` /
``S3NT1NEL-openload-sandbox-key-openload``, streamango ``streamango-sandbox`` /
``S3NT1NEL-streamango-sandbox-key-streamango``, highload ``8efb927ef798aa827`` /
``S3NT1NEL-highload-sandbox-key-highload`` (the sandbox's secrets all contain ``S3NT1NEL``, so
that the tests can tell when one leaks). Each has a root folder with
``videos`` and ``archive`` (450 files: highload's listing takes three pages).

The state is in :mod:`.sandbox_state`, the account endpoints (uploads, folders, remote
uploads, conversions) in :mod:`.sandbox_account`; the download side is here.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request, Response

from linkresolver.api import Behaviour, DemoPart, DemoSample, Sandbox, SandboxFile, new_answer, render_png

from .sandbox_account import AccountEndpoints
from .sandbox_state import (
    ARCHIVE_FILES,
    DEMO_FILES,
    HOSTILE_NAMES,
    MESSAGES,
    MOUNTS,
    TICKET_LIFETIME,
    Conversion,
    Mount,
    RemoteUpload,
    StoredFile,
    Ticket,
    status_in,
)
from .services import HIGHLOAD

__all__ = ["MOUNTS", "FamilyEmulation", "demo_samples", "install"]


class FamilyEmulation(AccountEndpoints):
    """One service's API state and endpoints; one instance per service per sandbox."""

    def __init__(self, mount: Mount) -> None:
        self.mount = mount
        self.service = mount.service
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self.folders: dict[str, tuple[str, str | None]] = {"1": ("root", None), "2": ("videos", "1")}
        self.folders["3"] = ("archive", "1")
        self.files: dict[str, StoredFile] = {}
        self.tickets: dict[str, Ticket] = {}
        self.tickets_issued: dict[str, int] = {}
        self.uploads: dict[str, tuple[str, str | None, float]] = {}  # token -> (folder, sha1, until)
        self.remotes: dict[str, RemoteUpload] = {}
        self.conversions: dict[str, Conversion] = {}
        self._next_id = 1000
        self._add_file("UPPjeAk--30", "big_buck_bunny.mp4", "2")
        self._add_file("AYgHe95d1E4", "Sintel.2010.1080p.mkv", "2")
        for number in range(1, ARCHIVE_FILES + 1):
            self._add_file(f"arch{number:04d}{self.service.name[:3]}", f"archive-{number:04d}.bin", "3")

    # -- installing ------------------------------------------------------------------------

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        mount, name = self.mount, self.service.name
        sandbox.emulations[name] = self
        sandbox.route(f"{mount.api_path}/<path:endpoint>", self.api, name=f"{name}-api")
        sandbox.route(
            f"{mount.prefix}/dlcaptcha/<token>.png", self.captcha_image, name=f"{name}-captcha", api=False
        )
        sandbox.route(
            f"{mount.prefix}/ul/<token>", self.upload, name=f"{name}-upload", methods=("POST",), api=False
        )
        prefix = f"LINKRESOLVER_{name.upper()}_"
        sandbox.set_env(prefix + "API_BASE", "{url}" + mount.api_path)
        sandbox.set_env(prefix + "LOGIN", mount.login)
        sandbox.set_env(prefix + "KEY", mount.key)

    # -- the API -----------------------------------------------------------------------------

    def api(self, request: Request, endpoint: str) -> Response:
        if endpoint not in self.service.endpoints:
            raise NotFound()
        values = request.values
        login, key = values.get("login"), values.get("key")
        authenticated = login == self.mount.login and key == self.mount.key
        if (login or key or endpoint not in self.service.anonymous) and not authenticated:
            return self._answer(403, msg="Permission denied (wrong api login/key)")
        handler = getattr(self, "_" + endpoint.replace("/", "_"))
        with self._lock:
            return handler(request, values)  # type: ignore[no-any-return]

    def _account_info(self, request: Request, values: Any) -> Response:
        if self.service is HIGHLOAD:
            return self._answer(
                200,
                {"id": "sandboxuser", "email": "sandbox@example.invalid", "signup_at": "2019-01-09 23:59:59"},
            )
        used = sum(f.size for f in self.files.values())
        return self._answer(
            200,
            {
                "extid": "sandboxuser",
                "email": "sandbox@example.invalid",
                "signup_at": "2015-01-09 23:59:54",
                "storage_left": -1,
                "storage_used": str(used),
                "traffic": {"left": -1, "used_24h": 0},
                "balance": 0,
            },
        )

    def _file_dlticket(self, request: Request, values: Any) -> Response:
        file_id = values.get("file", "")
        file = self._file(file_id)
        if file is None:
            return self._answer(404)
        status = status_in(file_id) or file.status
        if status != 200:
            return self._answer(status)
        low = file_id.lower()
        demo = DEMO_FILES.get(file_id)
        wait = int(m.group(1)) if (m := re.search(r"wait(\d{1,3})", low)) else demo[1] if demo else 0
        captcha = "captcha" in low or bool(demo and demo[2])
        issued = self.tickets_issued[file_id] = self.tickets_issued.get(file_id, 0) + 1
        lifetime = TICKET_LIFETIME
        if "expire" in low and issued == 1:
            lifetime, wait = 1.0, max(wait, 2)
        token = secrets.token_urlsafe(12)
        ticket = f"{file_id}~~{int(time.time())}~n~~0~{token}"
        now = time.monotonic()
        answer = new_answer(secrets.SystemRandom()) if captcha else None
        self.tickets[ticket] = Ticket(file_id, now, wait, now + lifetime, answer)
        self._forget_old_tickets(now)
        captcha_url = (
            f"{request.host_url.rstrip('/')}{self.mount.prefix}/dlcaptcha/{token}.png" if captcha else False
        )
        valid_until = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + lifetime))
        result = {
            "ticket": ticket,
            "captcha_url": captcha_url,
            "captcha_w": 140 if captcha else False,
            "captcha_h": 70 if captcha else False,
            "wait_time": wait,
            "valid_until": valid_until,
        }
        return self._answer(200, result)

    def _file_dl(self, request: Request, values: Any) -> Response:
        ticket = self.tickets.get(values.get("ticket", ""))
        file_id = values.get("file", "")
        now = time.monotonic()
        if ticket is None or ticket.file_id != file_id:
            return self._answer(403, msg="invalid download ticket")
        if now < ticket.issued + ticket.wait:
            return self._answer(
                403, msg=f"wait_time not over: {ticket.issued + ticket.wait - now:.1f} s left"
            )
        del self.tickets[values["ticket"]]  # a ticket is used once, right or wrong
        if now > ticket.expires:
            return self._answer(403, msg="download ticket expired")
        if ticket.answer is not None and values.get("captcha_response", "").strip() != ticket.answer:
            return self._answer(403, msg="captcha answer wrong")
        file = self.files[file_id]
        served = self._served(file)
        file.downloads += 1
        return self._answer(
            200,
            {
                "name": file.name,
                "size": file.size,
                "sha1": self._sha1(file),
                "content_type": "application/octet-stream",
                "upload_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(file.uploaded_at)),
                # A file id with "badurl" gets a direct link that is no URL (a broken API).
                "url": "http://[::1/x" if "badurl" in file_id else request.host_url.rstrip("/") + served.path,
                "token": secrets.token_urlsafe(8),
            },
        )

    def _file_info(self, request: Request, values: Any) -> Response:
        ids = [i for i in values.get("file", "").split(",") if i]
        if not ids or len(ids) > self.service.info_batch:
            return self._answer(400, msg=f"give 1 to {self.service.info_batch} file ids")
        entries = {file_id: self._info_entry(file_id) for file_id in ids}
        if self.service is HIGHLOAD:
            return self._answer(200, entries[ids[0]])
        return self._answer(200, entries)

    def _info_entry(self, file_id: str) -> dict[str, Any]:
        file = self._file(file_id)
        status = 404 if file is None else (status_in(file_id) or file.status)
        if status == 509:
            status = 200  # bandwidth is about downloads; the file is there
        if file is None or status == 404:
            return {
                "id": file_id,
                "status": 404,
                "name": False,
                "size": False,
                "sha1": False,
                "content_type": False,
            }
        return {
            "id": file_id,
            "status": status,
            "name": file.name,
            "size": str(file.size) if self.service is HIGHLOAD else file.size,
            "folder": file.folder_id,
            "sha1": self._sha1(file),
            "content_type": "application/octet-stream",
        }

    # -- captcha images and the upload server ---------------------------------------------------

    def captcha_image(self, request: Request, token: str) -> Response:
        with self._lock:
            ticket = next((t for k, t in self.tickets.items() if k.endswith("~" + token)), None)
        if ticket is None or ticket.answer is None:
            raise NotFound()
        return Response(render_png(ticket.answer, seed=hash(token)), mimetype="image/png")

    # -- state helpers -----------------------------------------------------------------------------

    def _file(self, file_id: str) -> StoredFile | None:
        """A known file, or one made up for any other id (the scenario ids)."""
        file = self.files.get(file_id)
        if file is None and re.fullmatch(r"[\w-]{1,64}", file_id, re.ASCII):
            demo = DEMO_FILES.get(file_id)
            hostile = re.search(r"hostile(\d)", file_id)
            name = demo[0] if demo else HOSTILE_NAMES[int(hostile.group(1))] if hostile else f"{file_id}.bin"
            file = self._add_file(file_id, name, "1")
            file.status = status_in(file_id) or 200
        return file

    def _add_file(self, file_id: str, name: str, folder: str) -> StoredFile:
        digest = hashlib.sha1(f"{self.service.name}/{file_id}".encode()).hexdigest()  # noqa: S324
        size = Behaviour.of(file_id).size or 16_384 + int(digest[:6], 16) % 49_152
        file = self.files[file_id] = StoredFile(file_id, name, size, folder)
        return file

    def _served(self, file: StoredFile) -> SandboxFile:
        """The file at the file server, with a fresh link (expiring files need one each time)."""
        assert self._sandbox is not None
        seed = file.seed or f"{self.service.name}/{file.file_id}"
        return self._sandbox.add_file(file.name, file.size, seed=seed)

    def _sha1(self, file: StoredFile) -> str:
        assert self._sandbox is not None
        return self._sandbox.file_sha1(self._served(file))

    def _forget_old_tickets(self, now: float) -> None:
        if len(self.tickets) > 10_000:
            for ticket in [k for k, t in self.tickets.items() if t.expires < now]:
                del self.tickets[ticket]

    def _answer(self, status: int, result: Any = None, *, msg: str | None = None) -> Response:
        """The family answers HTTP 200; the status inside the JSON is what counts."""
        body: dict[str, Any] = {"status": status, "msg": msg or MESSAGES.get(status, "error")}
        if self.service.has_server_time:
            body["server_time"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        body["result"] = result
        return Response(json.dumps(body), mimetype="application/json")


def install(sandbox: Sandbox) -> list[FamilyEmulation]:
    emulations = [FamilyEmulation(mount) for mount in MOUNTS]
    for emulation in emulations:
        emulation.install(sandbox)
    return emulations


def demo_samples() -> list[DemoSample]:
    """The demo's links for the family: one file of each service (:data:`DEMO_FILES`), each
    through the download ticket, its wait and (for some) a captcha."""
    shows = "the host's own download ticket: a wait, a captcha, then the direct link"
    explains = (
        "The file hosts' own APIs go through the download-ticket flow: a ticket, its wait,"
        "\na captcha (answered here by the sandbox's demo solver), then the direct link."
    )
    return [
        DemoSample(
            "Extras: https://openload.co/f/Hx7Lq2Wp0aZ/Holiday.Video.Extras.mkv",
            ("ok",),
            shows,
            DemoPart.TICKET,
            explains,
        ),
        DemoSample(
            "Subtitles: https://streamango.com/f/Zr4Tn8Ks1Qm/Holiday.Video.Subtitles.zip",
            ("ok",),
            shows,
            DemoPart.TICKET,
            explains,
        ),
        DemoSample(
            "Stream: https://highload.to/f/Vxj4mjsK4PX/Holiday.Video.mp4",
            ("ok",),
            shows,
            DemoPart.TICKET,
            explains,
        ),
    ]
