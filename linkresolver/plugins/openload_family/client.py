"""One typed client for the whole Openload API family (seeds 000, 001, 003).

``{api_base}/{endpoint}`` with ``login`` and ``key`` answers ``{status, msg, result}`` (and,
at highload, ``server_time``). Only the status decides ("use the status code in your code,
not msg"). Which endpoints a service has, and how it takes its parameters, come from its
:class:`~.services.Service`; asking for an endpoint its document does not list raises
:class:`~resolver_core.errors.UnsupportedOperation` without a request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import requests

from resolver_core import errors
from resolver_core.envelope import expect_object, short_repr, unwrap_envelope
from resolver_core.http import get_json, post_json, read_json_answer
from resolver_core.redact import redact

from .results import (
    AccountDetails,
    Conversion,
    DirectDownload,
    DownloadTicket,
    FileInfo,
    Folder,
    FolderFile,
    FolderListing,
    RemoteUpload,
    RemoteUploadAdded,
    UploadedFile,
    UploadTarget,
    entries,
    text,
    timestamp,
)
from .services import Service
from .upload import MultipartFile, file_sha1

log = logging.getLogger("linkresolver")

Overrides = Mapping[int, tuple[type[errors.ResolverError], str]]

#: What the family's statuses mean (seed 000's list), where it says more than the common map.
_STATUS: Final[Overrides] = {
    403: (errors.PermissionDenied, "refuses this (wrong API login or key, or the file is not yours)"),
    404: (errors.FileOffline, "says the file does not exist (deleted or never uploaded)"),
    509: (errors.QuotaExhausted, "says its bandwidth is exhausted (it happens at peak hours)"),
}
#: On account endpoints a 403 is about the credentials, and a 400 is not about a link.
_ACCOUNT_STATUS: Final[Overrides] = {
    **_STATUS,
    400: (errors.ResolverError, "refused the request (wrong parameters)"),
    403: (errors.AuthFailed, "refused the API login or key (or the item is not yours)"),
    404: (errors.ResolverError, "says there is no such file or folder"),
}
#: file/dl: a 403 means the captcha answer was wrong or the ticket is no longer good.
_DL_STATUS: Final[Overrides] = {
    **_STATUS,
    403: (errors.CaptchaWrong, "refused the captcha answer or the download ticket"),
}
#: remotedl/status takes at most this many (seed 000: default 5, maximum 100).
MAX_STATUS_LIMIT: Final = 100
#: A paged listing longer than this many pages is not believed (a server ignoring ``page``).
MAX_PAGES: Final = 10_000
#: Upload requests may take long: the file travels in the request.
UPLOAD_TIMEOUT: Final = (30.0, 3600.0)


class FamilyClient:
    """The documented API of one service of the family, with typed results."""

    def __init__(
        self,
        session: requests.Session,
        service: Service,
        api_base: str | None = None,
        login: str | None = None,
        key: str | None = None,
    ) -> None:
        self.session = session
        self.service = service
        self.api_base = (api_base or service.default_api_base).rstrip("/")
        self._login = login
        self._key = key
        #: highload's ``server_time`` of the last answer (None for services that send none).
        self.server_time: str | None = None

    def __repr__(self) -> str:
        return f"<FamilyClient {self.service.name} {self.api_base} login={self._login}>"  # never the key

    @property
    def provider(self) -> str:
        return self.service.name

    # -- the one request path ---------------------------------------------------------------

    def call(
        self, endpoint: str, *, link: str | None = None, overrides: Overrides = _ACCOUNT_STATUS, **params: Any
    ) -> Any:
        """One API call; the ``result`` of a status-200 answer, or the right ResolverError."""
        self.require(endpoint)
        values = {name: value for name, value in params.items() if value is not None}
        if self._login and self._key:
            values.update(login=self._login, key=self._key)
        elif endpoint not in self.service.anonymous:
            raise errors.AuthFailed(
                f"needs an API login and key for {endpoint}; set them in [providers.{self.provider}]"
                f" or LINKRESOLVER_{self.provider.upper()}_LOGIN and _KEY",
                provider=self.provider,
                link=link,
            )
        url = f"{self.api_base}/{endpoint}"
        if self.service.use_post:  # keys in the body, not in URLs that logs and proxies keep
            body = post_json(self.session, url, data=values, provider=self.provider, link=link)
        else:
            body = get_json(self.session, url, params=values, provider=self.provider, link=link)
        if isinstance(body, dict) and self.service.has_server_time:
            self.server_time = text(body.get("server_time"))
        return unwrap_envelope(body, provider=self.provider, link=link, overrides=overrides)

    def require(self, endpoint: str) -> None:
        if endpoint not in self.service.endpoints:
            raise errors.UnsupportedOperation(
                f"has no {endpoint} (its API documentation does not list it)", provider=self.provider
            )

    def _done(self, result: Any, endpoint: str) -> None:
        """Endpoints that answer ``true``: anything else is a refusal."""
        if result is not True:
            raise errors.ResolverError(
                f"did not confirm {endpoint} (answered {short_repr(result)})", provider=self.provider
            )

    # -- account and downloads --------------------------------------------------------------

    def account_info(self) -> AccountDetails:
        result = expect_object(self.call("account/info"), "account/info", self.provider)
        return AccountDetails.read(result, self.server_time)

    def download_ticket(self, file_id: str, *, link: str | None = None) -> DownloadTicket:
        result = self.call("file/dlticket", file=file_id, link=link, overrides=_STATUS)
        return DownloadTicket.read(
            expect_object(result, "file/dlticket", self.provider, link), self.provider, link
        )

    def download_link(
        self, file_id: str, ticket: str, captcha_response: str | None = None, *, link: str | None = None
    ) -> DirectDownload:
        result = self.call(
            "file/dl",
            file=file_id,
            ticket=ticket,
            captcha_response=captcha_response,
            link=link,
            overrides=_DL_STATUS,
        )
        return DirectDownload.read(expect_object(result, "file/dl", self.provider, link), self.provider, link)

    def file_info(self, file_ids: Sequence[str]) -> dict[str, FileInfo]:
        """What the service says of each id, by id; ids it says nothing about are missing.

        Ids are sent once each, in calls of at most the service's batch (50: never 51).
        """
        unique = list(dict.fromkeys(file_ids))
        found: dict[str, FileInfo] = {}
        size = self.service.info_batch
        for start in range(0, len(unique), size):
            batch = unique[start : start + size]
            try:
                result = self.call("file/info", file=",".join(batch), overrides=_STATUS)
            except errors.FileOffline:
                if len(batch) != 1:
                    raise
                found[batch[0]] = FileInfo(batch[0], 404, None, None, None, None)  # one id: that file
                continue
            if (
                isinstance(result, dict)
                and not isinstance(result.get("status", {}), dict)
                and len(batch) == 1
            ):
                found[batch[0]] = FileInfo.read(result, batch[0])  # highload: the entry itself
                continue
            if not isinstance(result, dict):
                raise errors.ProviderOutage(
                    f"answered file/info with {type(result).__name__} where an object belongs",
                    provider=self.provider,
                )
            for key, entry in result.items():
                if isinstance(entry, dict):
                    info = FileInfo.read(entry, str(key))
                    found[str(key)] = info
                    found.setdefault(info.file_id, info)
        return {file_id: found[file_id] for file_id in unique if file_id in found}

    # -- uploads ------------------------------------------------------------------------------

    def upload_target(
        self, *, folder: str | None = None, sha1: str | None = None, http_only: bool = False
    ) -> UploadTarget:
        result = expect_object(
            self.call(
                "file/ul",
                folder=folder,
                sha1=sha1 if self.service.upload_sha1 else None,
                httponly="true" if http_only else None,
            ),
            "file/ul",
            self.provider,
        )
        url = text(result.get("url"))
        if not url or not url.lower().startswith(("http://", "https://")):
            raise errors.ProviderOutage("answered file/ul without an upload URL", provider=self.provider)
        return UploadTarget(url, timestamp(result.get("valid_until")))

    def upload(
        self, path: Path, *, folder: str | None = None, progress: Callable[[int], None] | None = None
    ) -> UploadedFile:
        """Upload a file: get an upload URL, then POST it as multipart/form-data.

        Where the service takes the expected sha1 (seed 000/003), the file's sha1 goes with
        the upload URL request and the service refuses a file that arrives different; the
        sha1 it reports back is compared too.
        """
        try:
            sha1 = file_sha1(path)
        except OSError as exc:
            raise errors.ConfigError(f"cannot read {path}: {exc.strerror}") from None
        target = self.upload_target(folder=folder, sha1=sha1)
        fields: dict[str, str] = {}
        if self.service.upload_form_credentials and self._login and self._key:
            fields = {"login": self._login, "key": self._key}
            if folder:
                fields["folder"] = folder
        body = MultipartFile(
            path,
            field="file" if self.service.upload_form_credentials else "file1",
            fields=fields,
            progress=progress,
        )
        try:
            response = self.session.post(
                target.url,
                data=body,
                headers={"Content-Type": body.content_type},
                timeout=UPLOAD_TIMEOUT,
                stream=True,  # the answer is read capped, as every API answer (read_json_answer)
            )
        except requests.RequestException as exc:  # before OSError: requests' errors are OSErrors
            raise errors.ProviderOutage(
                f"did not take the upload of {path.name}: {redact(str(exc))[:200]}", provider=self.provider
            ) from None
        except OSError as exc:  # the file, read as it is sent
            raise errors.ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
        with response:
            answer = read_json_answer(response, self.provider)
        result = unwrap_envelope(answer, provider=self.provider, overrides=_ACCOUNT_STATUS)
        uploaded = UploadedFile.read(result if isinstance(result, dict) else {})
        if uploaded.sha1 is not None and uploaded.sha1 != sha1:
            raise errors.ProviderOutage(
                f"stored {path.name} with sha1 {uploaded.sha1}, not {sha1}: the upload was corrupted",
                provider=self.provider,
            )
        return uploaded

    # -- remote uploads -------------------------------------------------------------------------

    def remote_upload_add(
        self, url: str, *, folder: str | None = None, headers: Sequence[str] = ()
    ) -> RemoteUploadAdded:
        extra = "\n".join(headers) if headers else None
        if extra is not None and not self.service.remote_headers:
            raise errors.UnsupportedOperation(
                "takes no extra headers for remote uploads (its API documentation lists none)",
                provider=self.provider,
            )
        result = expect_object(
            self.call("remotedl/add", url=url, folder=folder, headers=extra), "remotedl/add", self.provider
        )
        upload_id = text(result.get("id"))
        if upload_id is None:
            raise errors.ProviderOutage("answered remotedl/add without an id", provider=self.provider)
        return RemoteUploadAdded(upload_id, text(result.get("folderid")))

    def remote_upload_status(
        self, upload_id: str | None = None, *, limit: int | None = None
    ) -> list[RemoteUpload]:
        if not self.service.remote_status_lists:
            if upload_id is None or limit is not None:
                raise errors.ConfigError(
                    f"{self.provider}'s remotedl/status answers for one upload: give its id, and no limit"
                )
        elif limit is not None and not 1 <= limit <= MAX_STATUS_LIMIT:
            raise errors.ConfigError(f"limit must be 1 to {MAX_STATUS_LIMIT} (remotedl/status)")
        result = self.call("remotedl/status", id=upload_id, limit=limit)
        if isinstance(result, dict) and "remoteurl" in result:  # highload: the one upload asked for
            found = [RemoteUpload.read(result)]
        else:
            found = [RemoteUpload.read(entry) for entry in entries(result)]
        return [upload for upload in found if upload is not None]

    def remote_upload_remove(self, upload_id: str) -> None:
        """Remove (cancel) a remote upload; ``"all"`` removes every one."""
        self._done(self.call("remotedl/remove", id=upload_id), "remotedl/remove")

    def remote_upload_restart(self) -> None:
        """Restart every failed remote upload."""
        self._done(self.call("remotedl/restart", restart="true"), "remotedl/restart")

    # -- folders and files ---------------------------------------------------------------------

    def list_folder(self, folder: str | None = None) -> FolderListing:
        """A folder's subfolders and files; highload's pages are followed to the end."""
        page_size = self.service.listfolder_page_size
        folders: dict[str, Folder] = {}
        files: dict[str, FolderFile] = {}
        page = 1
        while True:
            params: dict[str, Any] = {"folder": folder}
            if page_size is not None:
                params.update(limit=page_size, page=page)
            result = self.call("file/listfolder", **params)
            if result is None or result == []:
                break
            listing = expect_object(result, "file/listfolder", self.provider)
            for entry in entries(listing.get("folders")):
                folder_id = text(entry.get("id"))
                if folder_id is not None:
                    folders.setdefault(folder_id, Folder(folder_id, text(entry.get("name"))))
            page_files = [f for f in (FolderFile.read(e) for e in entries(listing.get("files"))) if f]
            new = [f for f in page_files if f.file_id not in files]
            files.update((f.file_id, f) for f in new)
            if page_size is None or len(page_files) < page_size or not new:
                break  # the last page, or a server that ignores ``page``
            page += 1
            if page > MAX_PAGES:
                raise errors.ProviderOutage(f"listed more than {MAX_PAGES} pages", provider=self.provider)
        return FolderListing(tuple(folders.values()), tuple(files.values()))

    def create_folder(self, name: str, *, parent: str | None = None) -> str:
        result = expect_object(
            self.call("file/createfolder", name=name, pid=parent), "file/createfolder", self.provider
        )
        folder_id = text(result.get("folderid")) or text(result.get("id"))
        if folder_id is None:
            raise errors.ProviderOutage(
                "answered file/createfolder without a folder id", provider=self.provider
            )
        return folder_id

    def rename_folder(self, folder: str, name: str) -> None:
        self._done(self.call("file/renamefolder", folder=folder, name=name), "file/renamefolder")

    def delete_folder(self, folder: str) -> None:
        """Delete a folder with all its subfolders and files (seed 001: "Be careful!")."""
        self._done(self.call("file/deletefolder", folder=folder), "file/deletefolder")

    def rename_file(self, file_id: str, name: str) -> None:
        self._done(self.call("file/rename", file=file_id, name=name), "file/rename")

    def move_file(self, file_id: str, folder: str) -> None:
        self._done(self.call("file/move", file=file_id, folder=folder), "file/move")

    def delete_file(self, file_id: str) -> None:
        self._done(self.call("file/delete", file=file_id), "file/delete")

    # -- conversions and splash images ---------------------------------------------------------

    def convert(self, file_id: str) -> None:
        self._done(self.call("file/convert", file=file_id), "file/convert")

    def running_converts(self, folder: str | None = None) -> list[Conversion]:
        if folder is not None and not self.service.converts_by_folder:
            raise errors.ConfigError(f"{self.provider}'s file/runningconverts takes no folder")
        result = self.call("file/runningconverts", folder=folder)
        return [Conversion.read(entry, self.service.file_id) for entry in entries(result)]

    def splash_image(self, file_id: str) -> str:
        result = self.call("file/getsplash", file=file_id)
        url = text(result)
        if url is None:
            raise errors.ProviderOutage(
                "answered file/getsplash without an image URL", provider=self.provider
            )
        return url
