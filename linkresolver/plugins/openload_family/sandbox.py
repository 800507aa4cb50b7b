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
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request, Response

from linkresolver.api import Behaviour, DemoPart, DemoSample, Sandbox, SandboxFile, new_answer, render_png

from .services import HIGHLOAD, OPENLOAD, STREAMANGO, Service

MESSAGES: Final = {
    200: "OK",
    400: "Bad request",
    403: "Permission denied",
    404: "File not found",
    451: "Unavailable For Legal Reasons",
    500: "Internal server error",
    509: "Bandwidth usage exceeded. Please try again later.",
}
TICKET_LIFETIME: Final = 300.0
#: Files the demo's forum post links to, by id: (name, wait seconds, captcha).
DEMO_FILES: Final = {
    "Hx7Lq2Wp0aZ": ("Holiday.Video.Extras.mkv", 2, True),
    "Zr4Tn8Ks1Qm": ("Holiday.Video.Subtitles.zip", 2, True),
}
ARCHIVE_FILES: Final = 450
#: Names a hostile server might give (file ids with ``hostile0`` ... ``hostile9``); the last
#: three are the part, state and lock files of a download of ``victim.bin`` (file id ``victim``).
HOSTILE_NAMES: Final = (
    "../../etc/passwd",
    "/abs/path",
    "CON",
    "x" * 300 + ".bin",
    "new\nline.txt",
    "..",
    "<img src=x onerror=alert(1)>.mkv",
    "victim.bin.part",
    "victim.bin.PART.state",
    "victim.bin.part.lock",
)


@dataclass(frozen=True, slots=True)
class Mount:
    """Where a service lives in the sandbox, and its account."""

    service: Service
    prefix: str
    api_path: str
    login: str
    key: str


MOUNTS: Final = (
    Mount(OPENLOAD, "/openload", "/openload/1", "5147a8f8e924bc82", "S3NT1NEL-openload-sandbox-key-openload"),
    Mount(
        STREAMANGO,
        "/streamango",
        "/streamango/api",
        "streamango-sandbox",
        "S3NT1NEL-streamango-sandbox-key-streamango",
    ),
    Mount(
        HIGHLOAD, "/highload", "/highload/api", "8efb927ef798aa827", "S3NT1NEL-highload-sandbox-key-highload"
    ),
)


@dataclass
class _File:
    file_id: str
    name: str
    size: int
    folder_id: str
    status: int = 200
    #: The seed of its bytes at the file server (an upload's holds the uploaded bytes).
    seed: str = ""
    uploaded_at: float = field(default_factory=time.time)
    downloads: int = 0


@dataclass
class _Ticket:
    file_id: str
    issued: float
    wait: int
    expires: float
    answer: str | None


@dataclass
class _Remote:
    upload_id: str
    url: str
    folder_id: str
    started: float
    added_at: float
    total: int
    file_id: str | None = None


@dataclass
class _Conversion:
    conversion_id: str
    file_id: str
    started: float


class FamilyEmulation:
    """One service's API state and endpoints; one instance per service per sandbox."""

    def __init__(self, mount: Mount) -> None:
        self.mount = mount
        self.service = mount.service
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self.folders: dict[str, tuple[str, str | None]] = {"1": ("root", None), "2": ("videos", "1")}
        self.folders["3"] = ("archive", "1")
        self.files: dict[str, _File] = {}
        self.tickets: dict[str, _Ticket] = {}
        self.tickets_issued: dict[str, int] = {}
        self.uploads: dict[str, tuple[str, str | None, float]] = {}  # token -> (folder, sha1, until)
        self.remotes: dict[str, _Remote] = {}
        self.conversions: dict[str, _Conversion] = {}
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
        status = _status_in(file_id) or file.status
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
        self.tickets[ticket] = _Ticket(file_id, now, wait, now + lifetime, answer)
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
        status = 404 if file is None else (_status_in(file_id) or file.status)
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

    def _file_ul(self, request: Request, values: Any) -> Response:
        folder = values.get("folder") or "1"
        if folder not in self.folders:
            return self._answer(404, msg="folder not found")
        token = secrets.token_urlsafe(10)
        until = time.time() + 3600
        self.uploads[token] = (folder, values.get("sha1") or None, until)
        return self._answer(
            200,
            {
                "url": f"{request.host_url.rstrip('/')}{self.mount.prefix}/ul/{token}",
                "valid_until": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(until)),
            },
        )

    def _remotedl_add(self, request: Request, values: Any) -> Response:
        url = values.get("url", "")
        folder = values.get("folder") or "1"
        if not url:
            return self._answer(400, msg="url missing")
        if folder not in self.folders:
            return self._answer(404, msg="folder not found")
        upload_id = str(self._new_number()) if self.service is not HIGHLOAD else secrets.token_hex(6)
        total = 16_384 + int(hashlib.sha1(url.encode()).hexdigest()[:4], 16)  # noqa: S324
        self.remotes[upload_id] = _Remote(upload_id, url, folder, time.monotonic(), time.time(), total)
        return self._answer(200, {"id": upload_id, "folderid": folder})

    def _remotedl_status(self, request: Request, values: Any) -> Response:
        upload_id = values.get("id")
        if self.service is HIGHLOAD:
            remote = self.remotes.get(upload_id or "")
            if remote is None:
                return self._answer(404, msg="remote upload not found")
            return self._answer(200, self._remote_entry(remote))
        limit = values.get("limit", "5")
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            return self._answer(400, msg="limit must be 1 to 100")
        chosen = (
            [self.remotes[upload_id]]
            if upload_id in self.remotes
            else []
            if upload_id
            else list(self.remotes.values())
        )
        chosen = sorted(chosen, key=lambda r: -int(r.upload_id))[: int(limit)]
        return self._answer(200, {r.upload_id: self._remote_entry(r) for r in chosen})

    def _remotedl_remove(self, request: Request, values: Any) -> Response:
        upload_id = values.get("id", "")
        if upload_id == "all":
            self.remotes.clear()
        elif self.remotes.pop(upload_id, None) is None:
            return self._answer(404, msg="remote upload not found")
        return self._answer(200, True)

    def _remotedl_restart(self, request: Request, values: Any) -> Response:
        if values.get("restart") != "true":
            return self._answer(400, msg="restart=true expected")
        now = time.monotonic()
        for remote in self.remotes.values():
            if self._remote_state(remote, now)[0] == "error":
                remote.started = now
        return self._answer(200, True)

    def _file_listfolder(self, request: Request, values: Any) -> Response:
        folder = values.get("folder") or "1"
        if folder not in self.folders:
            return self._answer(404, msg="folder not found")
        subfolders = [
            {"id": fid, "name": name} for fid, (name, parent) in self.folders.items() if parent == folder
        ]
        files = [f for f in self.files.values() if f.folder_id == folder]
        if self.service.listfolder_page_size is not None:
            size = self.service.listfolder_page_size
            limit = int(values.get("limit", size)) if str(values.get("limit", size)).isdigit() else size
            page = int(values.get("page", 1)) if str(values.get("page", 1)).isdigit() else 1
            limit = max(1, min(limit, size))
            files = files[(page - 1) * limit : page * limit]
            if page > 1:
                subfolders = []
        return self._answer(200, {"folders": subfolders, "files": [self._listing_entry(f) for f in files]})

    def _file_createfolder(self, request: Request, values: Any) -> Response:
        name, parent = values.get("name", ""), values.get("pid") or "1"
        if not name:
            return self._answer(400, msg="name missing")
        if parent not in self.folders:
            return self._answer(404, msg="parent folder not found")
        folder_id = str(self._new_number())
        self.folders[folder_id] = (name, parent)
        return self._answer(200, {"folderid": folder_id})

    def _file_renamefolder(self, request: Request, values: Any) -> Response:
        folder, name = values.get("folder", ""), values.get("name", "")
        if folder not in self.folders or folder == "1":
            return self._answer(404, msg="folder not found")
        if not name:
            return self._answer(400, msg="name missing")
        self.folders[folder] = (name, self.folders[folder][1])
        return self._answer(200, True)

    def _file_deletefolder(self, request: Request, values: Any) -> Response:
        folder = values.get("folder", "")
        if folder not in self.folders or folder == "1":
            return self._answer(404, msg="folder not found")
        doomed = {folder}
        changed = True
        while changed:  # every folder below it
            more = {fid for fid, (_, parent) in self.folders.items() if parent in doomed} - doomed
            doomed |= more
            changed = bool(more)
        for fid in doomed:
            del self.folders[fid]
        for file_id in [i for i, f in self.files.items() if f.folder_id in doomed]:
            del self.files[file_id]
        return self._answer(200, True)

    def _file_rename(self, request: Request, values: Any) -> Response:
        file, name = self.files.get(values.get("file", "")), values.get("name", "")
        if file is None:
            return self._answer(404)
        if not name or "/" in name:
            return self._answer(400, msg="not a file name")
        file.name = name
        return self._answer(200, True)

    def _file_move(self, request: Request, values: Any) -> Response:
        file, folder = self.files.get(values.get("file", "")), values.get("folder", "")
        if file is None or folder not in self.folders:
            return self._answer(404)
        file.folder_id = folder
        return self._answer(200, True)

    def _file_delete(self, request: Request, values: Any) -> Response:
        if self.files.pop(values.get("file", ""), None) is None:
            return self._answer(404)
        return self._answer(200, True)

    def _file_convert(self, request: Request, values: Any) -> Response:
        file_id = values.get("file", "")
        if file_id not in self.files:
            return self._answer(404)
        conversion_id = str(self._new_number())
        self.conversions[conversion_id] = _Conversion(conversion_id, file_id, time.monotonic())
        return self._answer(200, True)

    def _file_runningconverts(self, request: Request, values: Any) -> Response:
        folder = values.get("folder")
        now = time.monotonic()
        running = []
        host = self.service.hoster
        for conversion in self.conversions.values():
            file = self.files.get(conversion.file_id)
            progress = (now - conversion.started) / 5.0
            if file is None or progress >= 1 or (folder and file.folder_id != folder):
                continue
            running.append(
                {
                    "name": file.name,
                    "id": conversion.conversion_id,
                    "status": "pending" if progress < 0.2 else "converting",
                    "last_update": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
                    "progress": round(progress, 2),
                    "retries": "0",
                    "link": f"https://{host}/f/{file.file_id}/{file.name}",
                    "linkextid": file.file_id,
                }
            )
        return self._answer(200, running)

    def _file_getsplash(self, request: Request, values: Any) -> Response:
        file_id = values.get("file", "")
        if file_id not in self.files:
            return self._answer(404)
        return self._answer(200, f"{request.host_url.rstrip('/')}{self.mount.prefix}/splash/{file_id}.jpg")

    # -- captcha images and the upload server ---------------------------------------------------

    def captcha_image(self, request: Request, token: str) -> Response:
        with self._lock:
            ticket = next((t for k, t in self.tickets.items() if k.endswith("~" + token)), None)
        if ticket is None or ticket.answer is None:
            raise NotFound()
        return Response(render_png(ticket.answer, seed=hash(token)), mimetype="image/png")

    def upload(self, request: Request, token: str) -> Response:
        request.max_content_length = 256 << 20
        try:
            return self._store_upload(request, token)
        finally:
            request.close()  # the spooled temporary files of the form

    def _store_upload(self, request: Request, token: str) -> Response:
        with self._lock:
            slot = self.uploads.pop(token, None)
        if slot is None or slot[2] < time.time():
            return self._answer(403, msg="upload URL not valid")
        folder, expected_sha1, _ = slot
        if self.service.upload_form_credentials and (
            request.form.get("login") != self.mount.login or request.form.get("key") != self.mount.key
        ):
            return self._answer(403, msg="Permission denied (wrong api login/key)")
        folder = request.form.get("folder") or folder
        upload = next(iter(request.files.values()), None)
        if upload is None:
            return self._answer(400, msg="no file in the upload")
        data = upload.read()
        sha1 = hashlib.sha1(data).hexdigest()  # noqa: S324
        if expected_sha1 and expected_sha1.lower() != sha1:
            return self._answer(400, msg="sha1 of the uploaded file does not match")
        with self._lock:
            file_id = secrets.token_urlsafe(8).replace("-", "x").replace("_", "y")[:11]
            name = (upload.filename or "upload.bin").rsplit("/", 1)[-1]
            seed = f"{self.service.name}/upload/{file_id}"
            folder_id = folder if folder in self.folders else "1"
            self.files[file_id] = _File(file_id, name, len(data), folder_id, seed=seed)
            assert self._sandbox is not None
            self._sandbox.add_file(name, data=data, seed=seed)
        return self._answer(
            200,
            {
                "content_type": upload.mimetype or "application/octet-stream",
                "id": file_id,
                "name": name,
                "sha1": sha1,
                "size": str(len(data)),
                "url": f"https://{self.service.hoster}/f/{file_id}/{name}",
            },
        )

    # -- state helpers -----------------------------------------------------------------------------

    def _file(self, file_id: str) -> _File | None:
        """A known file, or one made up for any other id (the scenario ids)."""
        file = self.files.get(file_id)
        if file is None and re.fullmatch(r"[\w-]{1,64}", file_id, re.ASCII):
            demo = DEMO_FILES.get(file_id)
            hostile = re.search(r"hostile(\d)", file_id)
            name = demo[0] if demo else HOSTILE_NAMES[int(hostile.group(1))] if hostile else f"{file_id}.bin"
            file = self._add_file(file_id, name, "1")
            file.status = _status_in(file_id) or 200
        return file

    def _add_file(self, file_id: str, name: str, folder: str) -> _File:
        digest = hashlib.sha1(f"{self.service.name}/{file_id}".encode()).hexdigest()  # noqa: S324
        size = Behaviour.of(file_id).size or 16_384 + int(digest[:6], 16) % 49_152
        file = self.files[file_id] = _File(file_id, name, size, folder)
        return file

    def _served(self, file: _File) -> SandboxFile:
        """The file at the file server, with a fresh link (expiring files need one each time)."""
        assert self._sandbox is not None
        seed = file.seed or f"{self.service.name}/{file.file_id}"
        return self._sandbox.add_file(file.name, file.size, seed=seed)

    def _sha1(self, file: _File) -> str:
        assert self._sandbox is not None
        return self._sandbox.file_sha1(self._served(file))

    def _listing_entry(self, file: _File) -> dict[str, Any]:
        entry = {
            "name": file.name,
            "sha1": self._sha1(file),
            "folderid": file.folder_id,
            "upload_at": str(int(file.uploaded_at)),
            "status": "active",
            "size": str(file.size),
            "content_type": "application/octet-stream",
            "download_count": str(file.downloads),
            "cstatus": "ok",
            "link": f"https://{self.service.hoster}/f/{file.file_id}/{file.name}",
        }
        entry["id" if self.service is HIGHLOAD else "linkextid"] = file.file_id
        return entry

    def _remote_state(self, remote: _Remote, now: float) -> tuple[str, int | None]:
        elapsed = now - remote.started
        if elapsed < 0.5:
            return ("pending" if self.service is HIGHLOAD else "new"), None
        if "fail" in remote.url or not remote.url.lower().startswith(("http://", "https://")):
            return ("error", 0) if elapsed >= 1.0 else ("downloading", 0)
        if elapsed < 3.0:
            return "downloading", int(remote.total * (elapsed - 0.5) / 2.5)
        return "finished", remote.total

    def _remote_entry(self, remote: _Remote) -> dict[str, Any]:
        state, loaded = self._remote_state(remote, time.monotonic())
        if state == "finished" and remote.file_id is None:
            remote.file_id = secrets.token_hex(6)
            name = remote.url.rstrip("/").rsplit("/", 1)[-1] or "remote.bin"
            self.files[remote.file_id] = _File(remote.file_id, name, remote.total, remote.folder_id)
        added = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(remote.added_at))
        entry: dict[str, Any] = {
            "id": remote.upload_id if self.service is HIGHLOAD else int(remote.upload_id),
            "remoteurl": remote.url,
            "status": state,
            "bytes_loaded": None if loaded is None else str(loaded),
            "bytes_total": None if loaded is None and self.service is not HIGHLOAD else str(remote.total),
            "folderid": remote.folder_id,
            "added": added,
        }
        if self.service is HIGHLOAD:
            entry["started"] = added
            entry["finished"] = added if state == "finished" else "0000-00-00 00:00:00"
        else:
            entry["last_update"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            entry["extid"] = remote.file_id or False
            entry["url"] = f"https://{self.service.hoster}/f/{remote.file_id}" if remote.file_id else False
        return entry

    def _new_number(self) -> int:
        self._next_id += 1
        return self._next_id

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


def _status_in(file_id: str) -> int | None:
    match = re.search(r"status(404|451|500|509)", file_id.lower())
    return int(match.group(1)) if match else None


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
