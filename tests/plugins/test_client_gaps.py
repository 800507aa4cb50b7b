"""The paths of the service clients that their main tests left unexercised (issue 9, the
coverage report): each a server's answer or a local failure a client must turn into the
right result or error, against recorded answers (``responses``), never the network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl

import pytest
import requests
import responses

from linkresolver.plugins.offcloud.client import SESSION_COOKIE, OffcloudClient
from linkresolver.plugins.openload_family import client as family_client
from linkresolver.plugins.openload_family.client import FamilyClient
from linkresolver.plugins.openload_family.results import AccountDetails
from linkresolver.plugins.openload_family.services import HIGHLOAD, OPENLOAD, Service
from resolver_core import errors

LOGIN: Final = "5147a8f8e924bc82"
KEY: Final = "Fa89_X13-37a8CKR"
OFFCLOUD_API: Final = "https://offcloud.com/api"

#: Registered for redaction around each test (tests/plugins/conftest.py).
SECRETS = [KEY]


def family(service: Service) -> FamilyClient:
    return FamilyClient(requests.Session(), service, service.default_api_base, LOGIN, KEY)


def family_url(service: Service, endpoint: str) -> str:
    return f"{service.default_api_base}/{endpoint}"


def envelope(result: Any, status: int = 200, msg: str = "OK") -> dict[str, Any]:
    return {"status": status, "msg": msg, "result": result}


def form(request: requests.PreparedRequest) -> dict[str, str]:
    body = request.body
    return dict(parse_qsl(body.decode() if isinstance(body, bytes) else (body or "")))


# -- Offcloud: the session cookie alone leaves the jar ------------------------------------------


def test_login_drops_only_the_session_cookie_from_the_jar(api: responses.RequestsMock) -> None:
    """A cookie the caller's session already holds (a load balancer's) is the caller's: only
    Offcloud's session cookie is kept out of the jar, to be sent where the client puts it."""
    session = requests.Session()
    session.cookies.set("lb", "node3", domain="offcloud.com", path="/")
    api.post(
        f"{OFFCLOUD_API}/login",
        json={"email": "test@test.com", "userId": "53f89e52822c8bf413000008"},
        headers={"Set-Cookie": f"{SESSION_COOKIE}=s%3Asigned; Path=/; HttpOnly"},
    )
    login = OffcloudClient(session, OFFCLOUD_API).login("test@test.com", "test-password-9")
    assert login.session == "s%3Asigned"
    assert [cookie.name for cookie in session.cookies] == ["lb"]


# -- the Openload family: file/info, uploads, listings, conversions -----------------------------


def test_a_404_for_a_call_of_several_ids_is_not_pinned_on_one_of_them(api: responses.RequestsMock) -> None:
    """With one id a 404 says that file is gone; with several it says nothing about which."""
    api.get(family_url(OPENLOAD, "file/info"), json=envelope(None, 404, "File not found"))
    with pytest.raises(errors.FileOffline) as caught:
        family(OPENLOAD).file_info(["72fA-_Lq8Ak", "Zf3s-Kq2Xc0"])
    assert caught.value.code == 404
    assert len(api.calls) == 1


def test_a_file_that_changes_size_while_it_is_sent_is_a_config_error(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    """The file is read twice (its sha1 first, then as it is sent): a file cut short in
    between is the user's file, not the service's fault, and is named."""
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"v" * 300_000)
    upload_url = "https://13abc.example.co/ul/jAZUhVzeU78"
    api.get(family_url(OPENLOAD, "file/ul"), json=envelope({"url": upload_url, "valid_until": None}))

    def truncate_then_read(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        video.write_bytes(b"v" * 1000)
        body: Any = request.body
        b"".join(body)  # reading the streamed body is sending it
        return 200, {}, json.dumps(envelope({"id": "never"}))

    api.add_callback(responses.POST, upload_url, callback=truncate_then_read)
    with pytest.raises(errors.ConfigError, match="changed size while it was being uploaded"):
        family(OPENLOAD).upload(video)


def test_listing_entries_without_an_id_are_left_out(api: responses.RequestsMock) -> None:
    """A folder or a file without an id cannot be named in any later call: it is not listed."""
    listing = {
        "folders": [{"name": "no id"}, {"id": "5144", "name": ".videothumb"}],
        "files": [{"name": "no id.mp4", "size": "1"}, {"linkextid": "Xq1pf0d2X8s", "name": "a.mp4"}],
    }
    api.get(family_url(OPENLOAD, "file/listfolder"), json=envelope(listing))
    result = family(OPENLOAD).list_folder()
    assert [(folder.folder_id, folder.name) for folder in result.folders] == [("5144", ".videothumb")]
    assert [(file.file_id, file.name) for file in result.files] == [("Xq1pf0d2X8s", "a.mp4")]


def test_a_listing_that_never_ends_is_given_up(
    api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that keeps sending full pages of new files is not followed forever."""
    monkeypatch.setattr(family_client, "MAX_PAGES", 3)

    def endless(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        page, limit = int(form(request)["page"]), int(form(request)["limit"])
        files = [{"id": f"p{page}f{n}", "name": f"{n}.mp4"} for n in range(limit)]
        return 200, {}, json.dumps(envelope({"folders": [], "files": files}))

    api.add_callback(responses.POST, family_url(HIGHLOAD, "file/listfolder"), callback=endless)
    with pytest.raises(errors.ProviderOutage, match="listed more than 3 pages"):
        family(HIGHLOAD).list_folder()
    assert [form(call.request)["page"] for call in api.calls] == ["1", "2", "3"]


def test_running_converts_of_a_folder_where_the_document_takes_none(api: responses.RequestsMock) -> None:
    """Seed 001's runningconverts has no folder parameter: asking for one is refused here,
    before a request that would silently list every folder's conversions."""
    with pytest.raises(errors.ConfigError, match="takes no folder"):
        family(HIGHLOAD).running_converts("5")
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("sent", "read"),
    [(-1, -1), ("-1", -1), (" -1 ", -1), ("-x", None), ("1024", 1024), (False, None)],
    ids=repr,
)
def test_unlimited_storage_and_traffic_read_from_a_number_or_a_string(sent: Any, read: int | None) -> None:
    """The documents' -1 means unlimited; the family sends numbers as strings too
    (resolver_core.values), so "-1" is -1, and a sign before anything but digits is unknown."""
    details = AccountDetails.read({"storage_left": sent, "traffic": {"left": sent}}, None)
    assert (details.storage_left, details.traffic_left) == (read, read)
