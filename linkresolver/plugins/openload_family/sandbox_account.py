"""The account side of the Openload family's sandbox: uploads, remote uploads, folders,
files and conversions, as :class:`.sandbox.FamilyEmulation` serves them (the download side,
tickets and captchas, is there)."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from linkresolver.api import Sandbox

from .sandbox_state import Conversion, Mount, RemoteUpload, StoredFile
from .services import HIGHLOAD, Service


class AccountEndpoints:
    """The account endpoints of one service's emulation (mixed into FamilyEmulation, whose
    state and helpers they use)."""

    mount: Mount
    service: Service
    folders: dict[str, tuple[str, str | None]]
    files: dict[str, StoredFile]
    uploads: dict[str, tuple[str, str | None, float]]
    remotes: dict[str, RemoteUpload]
    conversions: dict[str, Conversion]
    _next_id: int
    _lock: threading.Lock
    _sandbox: Sandbox | None

    if TYPE_CHECKING:

        def _answer(self, status: int, result: Any = None, *, msg: str | None = None) -> Response: ...

        def _sha1(self, file: StoredFile) -> str: ...

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
        self.remotes[upload_id] = RemoteUpload(upload_id, url, folder, time.monotonic(), time.time(), total)
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
        self.conversions[conversion_id] = Conversion(conversion_id, file_id, time.monotonic())
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

    # -- the upload server -----------------------------------------------------------------------

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
            self.files[file_id] = StoredFile(file_id, name, len(data), folder_id, seed=seed)
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

    # -- entries ---------------------------------------------------------------------------------

    def _listing_entry(self, file: StoredFile) -> dict[str, Any]:
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

    def _remote_state(self, remote: RemoteUpload, now: float) -> tuple[str, int | None]:
        elapsed = now - remote.started
        if elapsed < 0.5:
            return ("pending" if self.service is HIGHLOAD else "new"), None
        if "fail" in remote.url or not remote.url.lower().startswith(("http://", "https://")):
            return ("error", 0) if elapsed >= 1.0 else ("downloading", 0)
        if elapsed < 3.0:
            return "downloading", int(remote.total * (elapsed - 0.5) / 2.5)
        return "finished", remote.total

    def _remote_entry(self, remote: RemoteUpload) -> dict[str, Any]:
        state, loaded = self._remote_state(remote, time.monotonic())
        if state == "finished" and remote.file_id is None:
            remote.file_id = secrets.token_hex(6)
            name = remote.url.rstrip("/").rsplit("/", 1)[-1] or "remote.bin"
            self.files[remote.file_id] = StoredFile(remote.file_id, name, remote.total, remote.folder_id)
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
