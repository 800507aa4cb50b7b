"""The Openload family client against recorded answers (``responses``): every endpoint of
seeds 000 (Openload), 003 (Streamango) and 001 (highload.to), read from the documents' own
example answers, the requests it sends, every documented status, and what a network and a
server can get wrong.

The documents' JSON has trailing commas and bare integer keys (``24: {...}``); the answers
here are their valid-JSON equivalents (string keys, no trailing commas).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from responses import matchers

from linkresolver.plugins.openload_family.client import FamilyClient
from linkresolver.plugins.openload_family.results import (
    AccountDetails,
    Conversion,
    DirectDownload,
    DownloadTicket,
    FileInfo,
    Folder,
    FolderFile,
    RemoteUpload,
    RemoteUploadAdded,
    UploadTarget,
)
from linkresolver.plugins.openload_family.services import HIGHLOAD, OPENLOAD, STREAMANGO, Service
from resolver_core import errors

#: The documents' example credentials (seed 000/003).
LOGIN: Final = "5147a8f8e924bc82"
KEY: Final = "Fa89_X13-37a8CKR"
CREDENTIALS: Final = {"login": LOGIN, "key": KEY}
BASES: Final = {
    "openload": "https://api.openload.co/1",
    "streamango": "https://api.fruithosted.net",
    "highload": "https://api.highload.to",
}
SERVER_TIME: Final = "2021-07-12 08:36:15"
LINK: Final = "https://openload.co/f/72fA-_Lq8Ak/The_quick_brown_fox.txt"
SHA1: Final = "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"
TICKET: Final = "72fA-_Lq8Ak~~1440353112~n~~0~nXtN3RI-nsEa28Iq"

TICKET_FAMILY: Final = [OPENLOAD, STREAMANGO]
ALL: Final = [OPENLOAD, STREAMANGO, HIGHLOAD]


#: Registered for redaction around each test (tests/plugins/conftest.py).
SECRETS = [KEY]


# -- helpers ----------------------------------------------------------------------------------


def client(service: Service, login: str | None = LOGIN, key: str | None = KEY) -> FamilyClient:
    return FamilyClient(requests.Session(), service, BASES[service.name], login, key)


def endpoint_url(service: Service, endpoint: str) -> str:
    return f"{BASES[service.name]}/{endpoint}"


def utc(text: str) -> int:
    """Unix time of a document's date, read as UTC."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp())


def envelope(service: Service, result: Any, status: Any = 200, msg: str = "OK") -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "msg": msg, "result": result}
    if service.has_server_time:
        body["server_time"] = SERVER_TIME
    return body


def params_matcher(service: Service, params: dict[str, str]) -> Any:
    """Exactly these parameters: in the query (GET) or in the form body (highload's POST)."""
    if service.use_post:
        return matchers.urlencoded_params_matcher(params)
    return matchers.query_param_matcher(params)


def reply(
    api: responses.RequestsMock,
    service: Service,
    endpoint: str,
    result: Any = None,
    *,
    status: Any = 200,
    msg: str = "OK",
    http_status: int = 200,
    params: dict[str, str] | None = None,
) -> None:
    """Answer ``endpoint`` with the envelope; with ``params``, only a request sending exactly those."""
    api.add(
        responses.POST if service.use_post else responses.GET,
        endpoint_url(service, endpoint),
        json=envelope(service, result, status, msg),
        status=http_status,
        match=[params_matcher(service, params)] if params is not None else [],
    )


def sent(api: responses.RequestsMock, call: int = 0) -> dict[str, str]:
    """The parameters of a call, from its query (GET) or its form body (POST)."""
    request = api.calls[call].request
    if request.method == "POST":
        body = request.body
        text = body.decode() if isinstance(body, bytes) else (body or "")
        return dict(parse_qsl(text, keep_blank_values=True))
    assert request.url is not None
    return dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))


def assert_transport(api: responses.RequestsMock, service: Service) -> None:
    """GET with the parameters in the query, or (highload) POST with nothing in the URL."""
    assert len(api.calls) > 0
    for call in api.calls:
        request = call.request
        assert request.url is not None
        if service.use_post:
            assert request.method == "POST"
            assert urlsplit(request.url).query == ""
            assert KEY not in request.url
        else:
            assert request.method == "GET"
            assert request.body is None


def file_ids_of(request: requests.PreparedRequest) -> list[str]:
    if request.method == "POST":
        body = request.body
        text = body.decode() if isinstance(body, bytes) else (body or "")
        values = dict(parse_qsl(text))
    else:
        assert request.url is not None
        values = dict(parse_qsl(urlsplit(request.url).query))
    return values["file"].split(",")


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        assert KEY not in str(text)


# -- the documents' example answers (valid JSON) ------------------------------------------------

ACCOUNT_000: Final = {
    "extid": "extuserid",
    "email": "user@example.com",
    "signup_at": "2015-01-09 23:59:54",
    "storage_left": -1,
    "storage_used": "32922117680",
    "traffic": {"left": -1, "used_24h": 0},
    "balance": 0,
}
ACCOUNT_001: Final = {"id": "<userextid>", "email": "user@example.com", "signup_at": "2019-01-09 23:59:59"}

DLTICKET: Final = {
    "ticket": TICKET,
    "captcha_url": "https://openload.co/dlcaptcha/b92eY_nfjV4.png",
    "captcha_w": 140,
    "captcha_h": 70,
    "wait_time": 10,
    "valid_until": "2015-08-23 18:20:13",
}
DL_003: Final = {
    "name": "The quick brown fox.txt",
    "size": 12345,
    "sha1": SHA1,
    "content_type": "plain/text",
    "upload_at": "2011-01-26 13:33:37",
    "url": "https://abvzps.example.com/dl/l/4spxX_-cSO4/The+quick+brown+fox.txt",
    "token": "4spxX_-cSO4",
}
INFO_000: Final = {
    "72fA-_Lq8Ak3": {
        "id": "72fA-_Lq8Ak3",
        "status": 200,
        "name": "The quick brown fox.txt",
        "size": 123456789012,
        "sha1": SHA1,
        "content_type": "plain/text",
    },
    "72fA-_Lq8Ak4": {
        "id": "72fA-_Lq8Ak4",
        "status": 500,
        "name": "The quick brown fox.txt",
        "size": False,
        "sha1": SHA1,
        "content_type": "plain/text",
    },
    "72fA-_Lq8Ak5": {
        "id": "72fA-_Lq8Ak5",
        "status": 404,
        "name": False,
        "size": False,
        "sha1": False,
        "content_type": False,
    },
    "72fA-_Lq8Ak6": {
        "id": "72fA-_Lq8Ak6",
        "status": 451,
        "name": "The quick brown fox.txt",
        "size": 123456789012,
        "sha1": SHA1,
        "content_type": "plain/text",
    },
}
INFO_001: Final = {
    "id": "vcatzwnjh0sm",
    "status": 200,
    "name": "test878ds78d88s.mp4",
    "size": "361357875",
    "folder": "2",
    "sha1": "d16594b09e7645b1377e85f86b6e873889085059",
    "content_type": "video/mp4",
}
REMOTE_STATUS_000: Final = {
    "24": {
        "id": 24,
        "remoteurl": "http://proof.ovh.net/files/100Mio.dat",
        "status": "new",
        "bytes_loaded": None,
        "bytes_total": None,
        "folderid": "4248",
        "added": "2015-02-21 09:20:26",
        "last_update": "2015-02-21 09:20:26",
        "extid": False,
        "url": False,
    },
    "22": {
        "id": 22,
        "remoteurl": "http://proof.ovh.net/files/1Gio.dat",
        "status": "downloading",
        "bytes_loaded": "823997062",
        "bytes_total": "1073741824",
        "folderid": "4248",
        "added": "2015-02-21 09:20:26",
        "last_update": "2015-02-21 09:21:56",
        "extid": False,
        "url": False,
    },
    "20": {
        "id": 20,
        "remoteurl": "http://google.de/favicon.ico",
        "status": "finished",
        "bytes_loaded": "229",
        "bytes_total": "229",
        "folderid": "4248",
        "added": "2015-02-21 09:03:47",
        "last_update": "2015-02-21 09:04:04",
        "extid": "ANAaeBZus-Q",
        "url": "https://openload.co/f/ANAaeBZus-Q",
    },
    "3": {
        "id": 3,
        "remoteurl": "http://127.0.0.1/",
        "status": "error",
        "bytes_loaded": "162",
        "bytes_total": "162",
        "folderid": "4",
        "added": "2015-02-17 18:58:11",
        "last_update": "2015-02-19 18:07:45",
        "extid": False,
        "url": False,
    },
}
REMOTE_STATUS_001: Final = {
    "id": "oau6d7cbex8s",
    "remoteurl": "http://proof.ovh.net/files/100Mio.dat",
    "status": "pending",
    "bytes_loaded": None,
    "bytes_total": "0",
    "folderid": "12345",
    "added": "2019-01-01 02:20:12",
    "started": "0000-00-00 00:00:00",
    "finished": "0000-00-00 00:00:00",
}
LISTFOLDER_000: Final = {
    "folders": [
        {"id": "5144", "name": ".videothumb"},
        {"id": "5792", "name": ".subtitles"},
        {"id": "6272", "name": "test"},
        {"id": "6288", "name": "video"},
        {"id": "6396", "name": "images"},
        {"id": "6990", "name": "tmp"},
    ],
    "files": [
        {
            "name": "big_buck_bunny.mp4.mp4",
            "sha1": "c6531f5ce9669d6547023d92aea4805b7c45d133",
            "folderid": "4258",
            "upload_at": "1419791256",
            "status": "active",
            "size": "5114011",
            "content_type": "video/mp4",
            "download_count": "48",
            "cstatus": "ok",
            "link": "https://openload.co/f/UPPjeAk--30/big_buck_bunny.mp4.mp4",
            "linkextid": "UPPjeAk--30",
        },
        {
            "name": "Sintel.2010.1080p.mkv.mp4",
            "sha1": "7ca6da73b4f0881bd8dca78e9059e2e6830acce6",
            "folderid": "4258",
            "upload_at": "1426534681",
            "status": "active",
            "size": "1116102098",
            "content_type": "video/mp4",
            "download_count": "37",
            "cstatus": "ok",
            "link": "https://openload.co/f/AYgHe95d1E4/Sintel.2010.1080p.mkv.mp4",
            "linkextid": "AYgHe95d1E4",
        },
    ],
}
LISTFOLDER_001: Final = {
    "folders": [
        {"id": "34567", "name": "RemoteDl"},
        {"id": "4567", "name": "test"},
        {"id": "567", "name": "videos"},
        {"id": "6789", "name": "series"},
        {"id": "678", "name": "film"},
    ],
    "files": [
        {
            "name": "bigbuckbunny.mp4",
            "sha1": "de179ccafa808cabf06cd2e12cd38eb663094e47",
            "folderid": "4567",
            "upload_at": "2021-07-12 14:16:10",
            "status": "active",
            "size": "5321514545",
            "content_type": "video/mp4",
            "download_count": "848",
            "cstatus": "pending",
            "link": "https://highload.to/f/9fnelnvpql73/big_buck_bunny.mp4.mp4",
            "id": "9fnelnvpql73",
        },
        {
            "name": "Sintel.2010.mkv.mp4",
            "sha1": "75b16e207b52f38019fe5400946ff7b228d94bc1",
            "folderid": "4567",
            "upload_at": "2021-07-12 14:16:10",
            "status": "active",
            "size": "5321514545",
            "content_type": "video/mp4",
            "download_count": "1337",
            "cstatus": "Completed",
            "link": "https://highload.to/f/baespiqulj4e/Sintel.2010.1080p.mkv.mp4",
            "id": "baespiqulj4e",
        },
    ],
}
RUNNING_CONVERTS_000: Final = [
    {
        "name": "Geysir.AVI",
        "id": "3565411",
        "status": "pending",
        "last_update": "2015-08-23 19:41:40",
        "progress": 0.32,
        "retries": "0",
        "link": "https://openload.co/f/f02JFG293J8/Geysir.AVI",
        "linkextid": "f02JFG293J8",
    }
]
#: Seed 001's runningconverts answer as it is written: "id" twice in one object (the last wins).
RUNNING_CONVERTS_001_RAW: Final = """{
    "status": 200, "msg": "OK", "server_time": "2021-07-12 08:36:15",
    "result": [
        {
            "name": "MyOldCamera.avi",
            "id": "16544848",
            "status": "pending",
            "last_update": "2019-01-01 04:40:40",
            "link": "https://highload.to/f/baespiqulj4e/Geysir.AVI",
            "id": "paupt7t96vod"
        }
    ]
}"""


# -- how requests are sent ----------------------------------------------------------------------


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_openload_and_streamango_send_credentials_as_get_query_parameters(
    api: responses.RequestsMock, service: Service
) -> None:
    reply(api, service, "account/info", ACCOUNT_000, params=CREDENTIALS)
    client(service).account_info()
    assert_transport(api, service)
    assert api.calls[0].request.url == f"{BASES[service.name]}/account/info?login={LOGIN}&key={KEY}"


def test_highload_sends_credentials_in_the_post_body_never_in_the_url(api: responses.RequestsMock) -> None:
    reply(api, HIGHLOAD, "account/info", ACCOUNT_001, params=CREDENTIALS)
    client(HIGHLOAD).account_info()
    assert_transport(api, HIGHLOAD)
    assert api.calls[0].request.url == "https://api.highload.to/account/info"
    assert sent(api) == CREDENTIALS


@pytest.mark.parametrize("service", ALL, ids=lambda s: s.name)
def test_default_api_base_is_the_documents(service: Service) -> None:
    assert FamilyClient(requests.Session(), service).api_base == BASES[service.name]


def test_trailing_slash_of_the_api_base_is_dropped(api: responses.RequestsMock) -> None:
    reply(api, OPENLOAD, "account/info", ACCOUNT_000)
    FamilyClient(requests.Session(), OPENLOAD, "https://api.openload.co/1/", LOGIN, KEY).account_info()
    assert api.calls[0].request.url is not None
    assert api.calls[0].request.url.startswith("https://api.openload.co/1/account/info?")


# -- account/info -----------------------------------------------------------------------------------


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_account_info_of_seed_000_and_003(api: responses.RequestsMock, service: Service) -> None:
    reply(api, service, "account/info", ACCOUNT_000, params=CREDENTIALS)
    assert client(service).account_info() == AccountDetails(
        user_id="extuserid",
        email="user@example.com",
        signup_at=utc("2015-01-09 23:59:54"),
        storage_left=-1,
        storage_used=32922117680,
        traffic_left=-1,
        traffic_used_24h=0,
        balance=0.0,
        server_time=None,
    )


def test_highload_account_info_keeps_the_server_time(api: responses.RequestsMock) -> None:
    reply(api, HIGHLOAD, "account/info", ACCOUNT_001, params=CREDENTIALS)
    highload = client(HIGHLOAD)
    assert highload.server_time is None
    details = highload.account_info()
    assert details == AccountDetails(
        user_id="<userextid>",
        email="user@example.com",
        signup_at=utc("2019-01-09 23:59:59"),
        server_time=SERVER_TIME,
    )
    assert highload.server_time == SERVER_TIME


def test_highload_server_time_follows_the_latest_answer(api: responses.RequestsMock) -> None:
    api.post(
        endpoint_url(HIGHLOAD, "file/getsplash"),
        json={"status": 200, "msg": "OK", "server_time": "2021-07-12 09:00:00", "result": "https://t/x.jpg"},
    )
    highload = client(HIGHLOAD)
    highload.splash_image("paupt7t96vod")
    assert highload.server_time == "2021-07-12 09:00:00"


def test_highload_server_time_is_kept_from_an_error_answer_too(api: responses.RequestsMock) -> None:
    reply(api, HIGHLOAD, "account/info", status=403, msg="wrong key")
    highload = client(HIGHLOAD)
    with pytest.raises(errors.AuthFailed):
        highload.account_info()
    assert highload.server_time == SERVER_TIME


def test_openload_ignores_a_server_time_it_does_not_document(api: responses.RequestsMock) -> None:
    api.get(
        endpoint_url(OPENLOAD, "account/info"),
        json={"status": 200, "msg": "OK", "server_time": SERVER_TIME, "result": ACCOUNT_000},
    )
    openload = client(OPENLOAD)
    assert openload.account_info().server_time is None
    assert openload.server_time is None


# -- file/dlticket ---------------------------------------------------------------------------------


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_download_ticket_of_the_documents(api: responses.RequestsMock, service: Service) -> None:
    reply(api, service, "file/dlticket", DLTICKET, params={"file": "72fA-_Lq8Ak", **CREDENTIALS})
    assert client(service).download_ticket("72fA-_Lq8Ak") == DownloadTicket(
        ticket=TICKET,
        captcha_url="https://openload.co/dlcaptcha/b92eY_nfjV4.png",
        captcha_width=140,
        captcha_height=70,
        wait_time=10,
        valid_until=utc("2015-08-23 18:20:13"),
    )
    assert_transport(api, service)


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_download_ticket_is_anonymous_without_credentials(
    api: responses.RequestsMock, service: Service
) -> None:
    """file/dlticket takes login and key as optional (seed 000/003): none are sent without them."""
    reply(api, service, "file/dlticket", DLTICKET, params={"file": "72fA-_Lq8Ak"})
    assert client(service, None, None).download_ticket("72fA-_Lq8Ak").ticket == TICKET


def test_download_ticket_without_a_captcha(api: responses.RequestsMock) -> None:
    result = dict(DLTICKET, captcha_url=False, captcha_w=False, captcha_h=False, wait_time="0")
    reply(api, OPENLOAD, "file/dlticket", result)
    ticket = client(OPENLOAD).download_ticket("72fA-_Lq8Ak")
    assert (ticket.captcha_url, ticket.captcha_width, ticket.captcha_height, ticket.wait_time) == (
        None,
        None,
        None,
        0,
    )


@pytest.mark.parametrize("ticket", [None, "", False], ids=["missing", "empty", "false"])
def test_download_ticket_without_a_ticket_is_an_outage(api: responses.RequestsMock, ticket: Any) -> None:
    result = {k: v for k, v in DLTICKET.items() if k != "ticket"}
    if ticket is not None:
        result["ticket"] = ticket
    reply(api, OPENLOAD, "file/dlticket", result)
    with pytest.raises(errors.ProviderOutage, match="without a ticket") as caught:
        client(OPENLOAD).download_ticket("72fA-_Lq8Ak", link=LINK)
    assert caught.value.link == LINK


# -- file/dl ---------------------------------------------------------------------------------------


def test_download_link_of_seed_003(api: responses.RequestsMock) -> None:
    reply(
        api,
        STREAMANGO,
        "file/dl",
        DL_003,
        params={"file": "72fA-_Lq8Ak", "ticket": TICKET, "captcha_response": "captchas suck", **CREDENTIALS},
    )
    assert client(STREAMANGO).download_link("72fA-_Lq8Ak", TICKET, "captchas suck") == DirectDownload(
        url="https://abvzps.example.com/dl/l/4spxX_-cSO4/The+quick+brown+fox.txt",
        name="The quick brown fox.txt",
        size=12345,
        sha1=SHA1,
        content_type="plain/text",
        upload_at=utc("2011-01-26 13:33:37"),
        token="4spxX_-cSO4",
    )


def test_download_link_without_a_captcha_answer_sends_none(api: responses.RequestsMock) -> None:
    reply(api, STREAMANGO, "file/dl", DL_003, params={"file": "72fA-_Lq8Ak", "ticket": TICKET})
    assert client(STREAMANGO, None, None).download_link("72fA-_Lq8Ak", TICKET).token == "4spxX_-cSO4"


@pytest.mark.parametrize("url", [None, "", False, "ftp://abvzps.example.com/dl"], ids=repr)
def test_download_link_without_a_usable_url_is_an_outage(api: responses.RequestsMock, url: Any) -> None:
    result = {k: v for k, v in DL_003.items() if k != "url"}
    if url is not None:
        result["url"] = url
    reply(api, STREAMANGO, "file/dl", result)
    with pytest.raises(errors.ProviderOutage, match="file/dl without a usable url"):
        client(STREAMANGO).download_link("72fA-_Lq8Ak", TICKET)


# -- file/info -------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_file_info_of_seed_000_and_003(api: responses.RequestsMock, service: Service) -> None:
    ids = list(INFO_000)
    reply(api, service, "file/info", INFO_000, params={"file": ",".join(ids), **CREDENTIALS})
    assert client(service).file_info(ids) == {
        "72fA-_Lq8Ak3": FileInfo(
            "72fA-_Lq8Ak3", 200, "The quick brown fox.txt", 123456789012, SHA1, "plain/text"
        ),
        "72fA-_Lq8Ak4": FileInfo("72fA-_Lq8Ak4", 500, "The quick brown fox.txt", None, SHA1, "plain/text"),
        "72fA-_Lq8Ak5": FileInfo("72fA-_Lq8Ak5", 404, None, None, None, None),
        "72fA-_Lq8Ak6": FileInfo(
            "72fA-_Lq8Ak6", 451, "The quick brown fox.txt", 123456789012, SHA1, "plain/text"
        ),
    }
    assert len(api.calls) == 1


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_file_info_is_anonymous_without_credentials(api: responses.RequestsMock, service: Service) -> None:
    reply(api, service, "file/info", INFO_000, params={"file": ",".join(INFO_000)})
    assert len(client(service, None, None).file_info(list(INFO_000))) == 4


def test_file_info_with_a_login_but_no_key_sends_neither(api: responses.RequestsMock) -> None:
    reply(api, OPENLOAD, "file/info", INFO_000, params={"file": "72fA-_Lq8Ak3"})
    assert list(client(OPENLOAD, LOGIN, None).file_info(["72fA-_Lq8Ak3"])) == ["72fA-_Lq8Ak3"]


def batch_answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
    """A file/info server of seed 000: every asked id is online."""
    entries = {
        file_id: {"id": file_id, "status": 200, "name": f"{file_id}.mp4", "size": 1, "sha1": False}
        for file_id in file_ids_of(request)
    }
    return 200, {}, json.dumps({"status": 200, "msg": "OK", "result": entries})


def test_file_info_120_ids_take_exactly_three_calls_of_50_50_and_20(api: responses.RequestsMock) -> None:
    ids = [f"id{number:03d}" for number in range(120)]
    api.add_callback(responses.GET, endpoint_url(OPENLOAD, "file/info"), callback=batch_answer)
    found = client(OPENLOAD).file_info(ids)
    batches = [file_ids_of(call.request) for call in api.calls]
    assert [len(batch) for batch in batches] == [50, 50, 20]
    assert [file_id for batch in batches for file_id in batch] == ids
    assert list(found) == ids


def test_file_info_never_sends_51_ids_in_one_call(api: responses.RequestsMock) -> None:
    ids = [f"id{number:02d}" for number in range(51)]
    api.add_callback(responses.GET, endpoint_url(STREAMANGO, "file/info"), callback=batch_answer)
    assert len(client(STREAMANGO).file_info(ids)) == 51
    assert [len(file_ids_of(call.request)) for call in api.calls] == [50, 1]


def test_file_info_sends_a_duplicate_id_once(api: responses.RequestsMock) -> None:
    api.add_callback(responses.GET, endpoint_url(OPENLOAD, "file/info"), callback=batch_answer)
    found = client(OPENLOAD).file_info(["b", "a", "b", "a", "c"])
    assert [file_ids_of(call.request) for call in api.calls] == [["b", "a", "c"]]
    assert list(found) == ["b", "a", "c"]


def test_file_info_leaves_out_ids_the_service_says_nothing_about(api: responses.RequestsMock) -> None:
    reply(api, OPENLOAD, "file/info", {"72fA-_Lq8Ak3": INFO_000["72fA-_Lq8Ak3"]})
    assert list(client(OPENLOAD).file_info(["72fA-_Lq8Ak3", "unknown"])) == ["72fA-_Lq8Ak3"]


def test_file_info_of_no_ids_asks_nothing(api: responses.RequestsMock) -> None:
    assert client(OPENLOAD).file_info([]) == {}
    assert len(api.calls) == 0


def test_file_info_entry_status_given_as_a_string(api: responses.RequestsMock) -> None:
    reply(api, OPENLOAD, "file/info", {"x": {"id": "x", "status": "404", "name": False, "size": "12"}})
    info = client(OPENLOAD).file_info(["x"])["x"]
    assert (info.status, info.size) == (404, 12)


def test_highload_file_info_of_seed_001_is_a_single_object(api: responses.RequestsMock) -> None:
    reply(api, HIGHLOAD, "file/info", INFO_001, params={"file": "Vxj4mjsK4PX", **CREDENTIALS})
    assert client(HIGHLOAD).file_info(["Vxj4mjsK4PX"]) == {
        "Vxj4mjsK4PX": FileInfo(
            file_id="vcatzwnjh0sm",
            status=200,
            name="test878ds78d88s.mp4",
            size=361357875,
            sha1="d16594b09e7645b1377e85f86b6e873889085059",
            content_type="video/mp4",
            folder_id="2",
        )
    }
    assert_transport(api, HIGHLOAD)


def test_highload_file_info_sends_one_id_per_call(api: responses.RequestsMock) -> None:
    def single(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        (file_id,) = file_ids_of(request)
        entry = dict(INFO_001, id=file_id, name=f"{file_id}.mp4")
        return 200, {}, json.dumps({"status": 200, "msg": "OK", "server_time": SERVER_TIME, "result": entry})

    api.add_callback(responses.POST, endpoint_url(HIGHLOAD, "file/info"), callback=single)
    found = client(HIGHLOAD).file_info(["aaa", "bbb", "aaa", "ccc"])
    assert [file_ids_of(call.request) for call in api.calls] == [["aaa"], ["bbb"], ["ccc"]]
    assert {file_id: info.name for file_id, info in found.items()} == {
        "aaa": "aaa.mp4",
        "bbb": "bbb.mp4",
        "ccc": "ccc.mp4",
    }
    assert_transport(api, HIGHLOAD)


def test_highload_file_info_of_an_offline_file(api: responses.RequestsMock) -> None:
    entry = {"id": "gone", "status": 404, "name": False, "size": False, "sha1": False, "content_type": False}
    reply(api, HIGHLOAD, "file/info", entry)
    assert client(HIGHLOAD).file_info(["gone"]) == {"gone": FileInfo("gone", 404, None, None, None, None)}


def test_highload_file_info_without_credentials_is_refused_without_a_request(
    api: responses.RequestsMock,
) -> None:
    with pytest.raises(errors.AuthFailed):
        client(HIGHLOAD, None, None).file_info(["Vxj4mjsK4PX"])
    assert len(api.calls) == 0


def test_file_info_with_an_absurdly_long_size_reads_as_unknown(api: responses.RequestsMock) -> None:
    reply(api, OPENLOAD, "file/info", {"x": {"id": "x", "status": 200, "size": "9" * 5000}})
    assert client(OPENLOAD).file_info(["x"])["x"].size is None


# -- file/ul and the upload ------------------------------------------------------------------------

UL_RESULT: Final = {"url": "https://13abc37.example.com/ul/fCgaPthr_ys", "valid_until": "2015-01-09 00:02:50"}
UL_RESULT_001: Final = {
    "url": "https://server.example.com/uls/60ec19ff4d321",
    "valid_until": "2019-01-09 00:32:20",
}


@pytest.mark.parametrize(
    ("service", "result"),
    [(OPENLOAD, UL_RESULT), (STREAMANGO, UL_RESULT), (HIGHLOAD, UL_RESULT_001)],
    ids=["openload", "streamango", "highload"],
)
def test_upload_target_of_the_documents(
    api: responses.RequestsMock, service: Service, result: dict[str, str]
) -> None:
    reply(api, service, "file/ul", result, params=CREDENTIALS)
    assert client(service).upload_target() == UploadTarget(result["url"], utc(result["valid_until"]))
    assert_transport(api, service)


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_upload_target_sends_folder_sha1_and_httponly(api: responses.RequestsMock, service: Service) -> None:
    params = {"folder": "1234", "sha1": SHA1, "httponly": "true", **CREDENTIALS}
    reply(api, service, "file/ul", UL_RESULT, params=params)
    client(service).upload_target(folder="1234", sha1=SHA1, http_only=True)


def test_highload_upload_target_takes_no_sha1(api: responses.RequestsMock) -> None:
    reply(api, HIGHLOAD, "file/ul", UL_RESULT_001, params={"folder": "1234", **CREDENTIALS})
    client(HIGHLOAD).upload_target(folder="1234", sha1=SHA1)


@pytest.mark.parametrize("url", [None, "", False, "ftp://13abc37.example.com/ul/x", "/ul/x"], ids=repr)
def test_upload_target_without_an_upload_url_is_an_outage(api: responses.RequestsMock, url: Any) -> None:
    result: dict[str, Any] = {"valid_until": "2015-01-09 00:02:50"}
    if url is not None:
        result["url"] = url
    reply(api, OPENLOAD, "file/ul", result)
    with pytest.raises(errors.ProviderOutage, match="without an upload URL"):
        client(OPENLOAD).upload_target()


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(range(256)) * 2400)  # 614400 bytes: more than two 256 KiB chunks
    return path


def sha1_of(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


class UploadServer:
    """The upload URL's server: reads the streamed multipart body, answers as told."""

    def __init__(self, answer: dict[str, Any] | str) -> None:
        self.answer = answer
        self.bodies: list[bytes] = []
        self.content_types: list[str] = []

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body: Any = request.body
        self.bodies.append(b"".join(body))  # the body streams: reading it is sending it
        self.content_types.append(str(request.headers["Content-Type"]))
        answer = self.answer
        return 200, {}, answer if isinstance(answer, str) else json.dumps(answer)


def uploaded(path: Path, sha1: str | None = None) -> dict[str, Any]:
    return {
        "status": 200,
        "msg": "OK",
        "result": {
            "content_type": "video/mp4",
            "id": "UPPjeAk--30",
            "name": path.name,
            "sha1": sha1 or sha1_of(path),
            "size": str(path.stat().st_size),
            "url": "https://openload.co/f/UPPjeAk--30/clip.mp4",
        },
    }


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_upload_sends_the_sha1_then_posts_the_file_as_multipart(
    api: responses.RequestsMock, service: Service, video: Path
) -> None:
    reply(
        api, service, "file/ul", UL_RESULT, params={"folder": "1234", "sha1": sha1_of(video), **CREDENTIALS}
    )
    server = UploadServer(uploaded(video))
    api.add_callback(responses.POST, UL_RESULT["url"], callback=server)
    result = client(service).upload(video, folder="1234")
    assert (result.file_id, result.name, result.size, result.sha1, result.content_type, result.url) == (
        "UPPjeAk--30",
        "clip.mp4",
        video.stat().st_size,
        sha1_of(video),
        "video/mp4",
        "https://openload.co/f/UPPjeAk--30/clip.mp4",
    )
    (body,) = server.bodies
    (content_type,) = server.content_types
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=", 1)[1].encode()
    assert body.startswith(b"--" + boundary + b"\r\n")
    assert body.endswith(b"\r\n--" + boundary + b"--\r\n")
    assert b'Content-Disposition: form-data; name="file1"; filename="clip.mp4"\r\n' in body
    assert video.read_bytes() in body
    assert b'name="login"' not in body and KEY.encode() not in body  # seed 000/003: no form fields
    upload_request = api.calls[1].request
    assert upload_request.headers["Content-Length"] == str(len(body))
    assert upload_request.url is not None and KEY not in upload_request.url


def test_highload_upload_posts_login_key_and_folder_as_form_fields(
    api: responses.RequestsMock, video: Path
) -> None:
    reply(api, HIGHLOAD, "file/ul", UL_RESULT_001, params={"folder": "1", **CREDENTIALS})
    server = UploadServer(uploaded(video))
    api.add_callback(responses.POST, UL_RESULT_001["url"], callback=server)
    assert client(HIGHLOAD).upload(video, folder="1").file_id == "UPPjeAk--30"
    assert "sha1" not in sent(api, 0)
    assert_transport(api, HIGHLOAD)
    (body,) = server.bodies
    assert f'Content-Disposition: form-data; name="login"\r\n\r\n{LOGIN}\r\n'.encode() in body
    assert f'Content-Disposition: form-data; name="key"\r\n\r\n{KEY}\r\n'.encode() in body
    assert b'Content-Disposition: form-data; name="folder"\r\n\r\n1\r\n' in body
    assert b'Content-Disposition: form-data; name="file"; filename="clip.mp4"\r\n' in body
    assert body.index(b'name="key"') < body.index(b'name="file"')  # fields first, then the file
    assert video.read_bytes() in body


def test_upload_progress_receives_every_byte(api: responses.RequestsMock, video: Path) -> None:
    reply(api, OPENLOAD, "file/ul", UL_RESULT)
    api.add_callback(responses.POST, UL_RESULT["url"], callback=UploadServer(uploaded(video)))
    steps: list[int] = []
    client(OPENLOAD).upload(video, progress=steps.append)
    assert sum(steps) == video.stat().st_size == 614400
    assert len(steps) == 3  # in 256 KiB chunks, as they are sent


def test_upload_answer_with_another_sha1_is_an_outage(api: responses.RequestsMock, video: Path) -> None:
    reply(api, OPENLOAD, "file/ul", UL_RESULT)
    api.add_callback(responses.POST, UL_RESULT["url"], callback=UploadServer(uploaded(video, SHA1)))
    with pytest.raises(errors.ProviderOutage, match="corrupted"):
        client(OPENLOAD).upload(video)


def test_upload_answer_without_a_sha1_is_accepted(api: responses.RequestsMock, video: Path) -> None:
    answer = uploaded(video)
    answer["result"]["sha1"] = False
    reply(api, OPENLOAD, "file/ul", UL_RESULT)
    api.add_callback(responses.POST, UL_RESULT["url"], callback=UploadServer(answer))
    assert client(OPENLOAD).upload(video).sha1 is None


def test_openload_upload_works_without_credentials(api: responses.RequestsMock, video: Path) -> None:
    """Seed 000 marks login and key optional for file/ul: only the sha1 is sent."""
    reply(api, OPENLOAD, "file/ul", UL_RESULT, params={"sha1": sha1_of(video)})
    api.add_callback(responses.POST, UL_RESULT["url"], callback=UploadServer(uploaded(video)))
    assert client(OPENLOAD, None, None).upload(video).file_id == "UPPjeAk--30"


def test_upload_of_a_missing_file_is_a_config_error_without_a_request(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    with pytest.raises(errors.ConfigError, match="cannot read"):
        client(OPENLOAD).upload(tmp_path / "missing.mp4")
    assert len(api.calls) == 0


def test_upload_server_answering_html_is_an_outage(api: responses.RequestsMock, video: Path) -> None:
    reply(api, OPENLOAD, "file/ul", UL_RESULT)
    api.add_callback(responses.POST, UL_RESULT["url"], callback=UploadServer("<html>413 Too Large</html>"))
    with pytest.raises(errors.ProviderOutage, match="with an HTML page"):
        client(OPENLOAD).upload(video)


def test_upload_server_refusal_uses_the_status_code(api: responses.RequestsMock, video: Path) -> None:
    reply(api, OPENLOAD, "file/ul", UL_RESULT)
    refusal = {"status": 403, "msg": "upload url expired", "result": None}
    api.add_callback(responses.POST, UL_RESULT["url"], callback=UploadServer(refusal))
    with pytest.raises(errors.AuthFailed) as caught:
        client(OPENLOAD).upload(video)
    assert caught.value.code == 403


def test_upload_server_unreachable_is_an_outage(api: responses.RequestsMock, video: Path) -> None:
    reply(api, OPENLOAD, "file/ul", UL_RESULT)
    api.post(UL_RESULT["url"], body=requests.ConnectionError("Connection reset by peer"))
    with pytest.raises(errors.ProviderOutage):
        client(OPENLOAD).upload(video)


def test_upload_transport_error_never_shows_the_key(api: responses.RequestsMock, video: Path) -> None:
    reply(api, HIGHLOAD, "file/ul", UL_RESULT_001)
    api.post(UL_RESULT_001["url"], body=requests.ConnectionError(f"proxy refused login={LOGIN} key={KEY}"))
    with pytest.raises(errors.ResolverError) as caught:
        client(HIGHLOAD).upload(video)
    assert_no_secret(caught.value, caught.value.for_person())


def test_highload_upload_without_credentials_is_refused_without_a_request(
    api: responses.RequestsMock, video: Path
) -> None:
    with pytest.raises(errors.AuthFailed):
        client(HIGHLOAD, None, None).upload(video)
    assert len(api.calls) == 0


# -- remote uploads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "result", "expected"),
    [
        (OPENLOAD, {"id": "12", "folderid": "4248"}, RemoteUploadAdded("12", "4248")),
        (STREAMANGO, {"id": 12, "folderid": 4248}, RemoteUploadAdded("12", "4248")),
        (HIGHLOAD, {"id": "8ykqg0nkqxoh", "folderid": "12345"}, RemoteUploadAdded("8ykqg0nkqxoh", "12345")),
    ],
    ids=["openload", "streamango", "highload"],
)
def test_remote_upload_add_of_the_documents(
    api: responses.RequestsMock, service: Service, result: dict[str, Any], expected: RemoteUploadAdded
) -> None:
    params = {"url": "http://google.com/favicon.ico", "folder": "1234", **CREDENTIALS}
    reply(api, service, "remotedl/add", result, params=params)
    assert client(service).remote_upload_add("http://google.com/favicon.ico", folder="1234") == expected
    assert_transport(api, service)


def test_remote_upload_add_sends_extra_headers_separated_by_newlines(api: responses.RequestsMock) -> None:
    headers = ["User-Agent: Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:35.0)", "Cookie: auth=1234;"]
    params = {"url": "http://google.com/favicon.ico", "headers": "\n".join(headers), **CREDENTIALS}
    reply(api, OPENLOAD, "remotedl/add", {"id": "12", "folderid": "4248"}, params=params)
    client(OPENLOAD).remote_upload_add("http://google.com/favicon.ico", headers=headers)


def test_highload_remote_upload_takes_no_extra_headers(api: responses.RequestsMock) -> None:
    with pytest.raises(errors.UnsupportedOperation, match="headers"):
        client(HIGHLOAD).remote_upload_add("http://google.com/favicon.ico", headers=["Cookie: a=1"])
    assert len(api.calls) == 0


@pytest.mark.parametrize("result", [{"folderid": "4248"}, {"id": False}, ["12"], True], ids=repr)
def test_remote_upload_add_without_an_id_is_an_outage(api: responses.RequestsMock, result: Any) -> None:
    reply(api, OPENLOAD, "remotedl/add", result)
    with pytest.raises(errors.ProviderOutage, match="remotedl/add"):
        client(OPENLOAD).remote_upload_add("http://google.com/favicon.ico")


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_remote_upload_status_keyed_by_bare_ids_becomes_a_list(
    api: responses.RequestsMock, service: Service
) -> None:
    reply(api, service, "remotedl/status", REMOTE_STATUS_000, params=CREDENTIALS)
    uploads = client(service).remote_upload_status()
    assert isinstance(uploads, list)
    assert [(u.upload_id, u.status, u.bytes_loaded, u.bytes_total) for u in uploads] == [
        ("24", "new", None, None),
        ("22", "downloading", 823997062, 1073741824),
        ("20", "finished", 229, 229),
        ("3", "error", 162, 162),
    ]
    assert uploads[2] == RemoteUpload(
        upload_id="20",
        remote_url="http://google.de/favicon.ico",
        status="finished",
        bytes_loaded=229,
        bytes_total=229,
        folder_id="4248",
        added=utc("2015-02-21 09:03:47"),
        last_update=utc("2015-02-21 09:04:04"),
        started=None,
        finished=None,
        file_id="ANAaeBZus-Q",
        url="https://openload.co/f/ANAaeBZus-Q",
    )
    assert (uploads[0].file_id, uploads[0].url) == (None, None)  # false: not finished yet


def test_remote_upload_status_sends_id_and_limit(api: responses.RequestsMock) -> None:
    reply(
        api,
        OPENLOAD,
        "remotedl/status",
        {"20": REMOTE_STATUS_000["20"]},
        params={"id": "20", "limit": "5", **CREDENTIALS},
    )
    assert [u.upload_id for u in client(OPENLOAD).remote_upload_status("20", limit=5)] == ["20"]


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_remote_upload_status_limit_beyond_1_to_100_is_refused_without_a_request(
    api: responses.RequestsMock, limit: int
) -> None:
    with pytest.raises(errors.ConfigError, match="limit"):
        client(OPENLOAD).remote_upload_status(limit=limit)
    assert len(api.calls) == 0


def test_highload_remote_upload_status_of_seed_001_is_a_single_object(api: responses.RequestsMock) -> None:
    reply(api, HIGHLOAD, "remotedl/status", REMOTE_STATUS_001, params={"id": "nly9m6lc6fvo", **CREDENTIALS})
    assert client(HIGHLOAD).remote_upload_status("nly9m6lc6fvo") == [
        RemoteUpload(
            upload_id="oau6d7cbex8s",
            remote_url="http://proof.ovh.net/files/100Mio.dat",
            status="pending",
            bytes_loaded=None,
            bytes_total=0,
            folder_id="12345",
            added=utc("2019-01-01 02:20:12"),
            last_update=None,
            started=None,  # "0000-00-00 00:00:00": not yet
            finished=None,
            file_id=None,
            url=None,
        )
    ]
    assert_transport(api, HIGHLOAD)


@pytest.mark.parametrize("result", [[], {}, None, "none", [1, "x", {"remoteurl": "no id"}]], ids=repr)
def test_remote_upload_status_with_nothing_usable_is_an_empty_list(
    api: responses.RequestsMock, result: Any
) -> None:
    reply(api, OPENLOAD, "remotedl/status", result)
    assert client(OPENLOAD).remote_upload_status() == []


@pytest.mark.parametrize("upload_id", ["nly9m6lc6fvo", "all"])
def test_highload_remote_upload_remove(api: responses.RequestsMock, upload_id: str) -> None:
    reply(api, HIGHLOAD, "remotedl/remove", True, params={"id": upload_id, **CREDENTIALS})
    client(HIGHLOAD).remote_upload_remove(upload_id)
    assert_transport(api, HIGHLOAD)


def test_highload_remote_upload_restart_restarts_every_failed_one(api: responses.RequestsMock) -> None:
    reply(api, HIGHLOAD, "remotedl/restart", True, params={"restart": "true", **CREDENTIALS})
    client(HIGHLOAD).remote_upload_restart()


# -- folders and files ------------------------------------------------------------------------------


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_list_folder_of_seed_000_and_003_in_one_request_without_paging(
    api: responses.RequestsMock, service: Service
) -> None:
    reply(api, service, "file/listfolder", LISTFOLDER_000, params={"folder": "5", **CREDENTIALS})
    listing = client(service).list_folder("5")
    assert listing.folders == (
        Folder("5144", ".videothumb"),
        Folder("5792", ".subtitles"),
        Folder("6272", "test"),
        Folder("6288", "video"),
        Folder("6396", "images"),
        Folder("6990", "tmp"),
    )
    assert listing.files[0] == FolderFile(
        file_id="UPPjeAk--30",
        name="big_buck_bunny.mp4.mp4",
        sha1="c6531f5ce9669d6547023d92aea4805b7c45d133",
        folder_id="4258",
        upload_at=1419791256,
        status="active",
        size=5114011,
        content_type="video/mp4",
        download_count=48,
        convert_status="ok",
        link="https://openload.co/f/UPPjeAk--30/big_buck_bunny.mp4.mp4",
    )
    assert [(f.file_id, f.size, f.download_count) for f in listing.files] == [
        ("UPPjeAk--30", 5114011, 48),
        ("AYgHe95d1E4", 1116102098, 37),
    ]
    assert len(api.calls) == 1


def test_list_folder_of_the_root_sends_no_folder(api: responses.RequestsMock) -> None:
    reply(api, OPENLOAD, "file/listfolder", LISTFOLDER_000, params=CREDENTIALS)
    assert len(client(OPENLOAD).list_folder().files) == 2


def test_highload_list_folder_of_seed_001(api: responses.RequestsMock) -> None:
    params = {"folder": "5", "limit": "200", "page": "1", **CREDENTIALS}
    reply(api, HIGHLOAD, "file/listfolder", LISTFOLDER_001, params=params)
    listing = client(HIGHLOAD).list_folder("5")
    assert [folder.folder_id for folder in listing.folders] == ["34567", "4567", "567", "6789", "678"]
    assert listing.files[1] == FolderFile(
        file_id="baespiqulj4e",
        name="Sintel.2010.mkv.mp4",
        sha1="75b16e207b52f38019fe5400946ff7b228d94bc1",
        folder_id="4567",
        upload_at=utc("2021-07-12 14:16:10"),
        status="active",
        size=5321514545,
        content_type="video/mp4",
        download_count=1337,
        convert_status="Completed",
        link="https://highload.to/f/baespiqulj4e/Sintel.2010.1080p.mkv.mp4",
    )
    assert len(api.calls) == 1  # two files: fewer than a page
    assert_transport(api, HIGHLOAD)


def paged_folder(total: int, *, ignore_page: bool = False) -> Callable[[requests.PreparedRequest], Any]:
    """A highload listfolder server holding ``total`` files; each page adds one folder."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = request.body
        values = dict(parse_qsl(body.decode() if isinstance(body, bytes) else (body or "")))
        page = 1 if ignore_page else int(values["page"])
        limit = int(values["limit"])
        numbers = range((page - 1) * limit, min(page * limit, total))
        result = {
            "folders": [{"id": "1", "name": "shared"}, {"id": f"p{page}", "name": f"page {page}"}],
            "files": [{"id": f"f{n:04d}", "name": f"{n}.mp4", "size": str(n)} for n in numbers],
        }
        return 200, {}, json.dumps({"status": 200, "msg": "OK", "server_time": SERVER_TIME, "result": result})

    return answer


def test_highload_list_folder_follows_pages_of_200_to_the_end(api: responses.RequestsMock) -> None:
    api.add_callback(responses.POST, endpoint_url(HIGHLOAD, "file/listfolder"), callback=paged_folder(450))
    listing = client(HIGHLOAD).list_folder("5")
    assert [sent(api, call) for call in range(len(api.calls))] == [
        {"folder": "5", "limit": "200", "page": str(page), **CREDENTIALS} for page in (1, 2, 3)
    ]
    assert [f.file_id for f in listing.files] == [f"f{n:04d}" for n in range(450)]
    assert [folder.folder_id for folder in listing.folders] == ["1", "p1", "p2", "p3"]
    assert_transport(api, HIGHLOAD)


def test_highload_list_folder_of_exactly_two_pages_stops_at_the_empty_third(
    api: responses.RequestsMock,
) -> None:
    api.add_callback(responses.POST, endpoint_url(HIGHLOAD, "file/listfolder"), callback=paged_folder(400))
    assert len(client(HIGHLOAD).list_folder().files) == 400
    assert [sent(api, call)["page"] for call in range(len(api.calls))] == ["1", "2", "3"]


def test_highload_list_folder_stops_when_the_server_ignores_the_page(api: responses.RequestsMock) -> None:
    api.add_callback(
        responses.POST,
        endpoint_url(HIGHLOAD, "file/listfolder"),
        callback=paged_folder(450, ignore_page=True),
    )
    listing = client(HIGHLOAD).list_folder()
    assert len(listing.files) == 200
    assert len(api.calls) == 2  # page 2 brought nothing new: no endless loop


@pytest.mark.parametrize("result", [[], None, {"folders": [], "files": []}], ids=repr)
def test_list_folder_of_an_empty_folder(api: responses.RequestsMock, result: Any) -> None:
    reply(api, HIGHLOAD, "file/listfolder", result)
    listing = client(HIGHLOAD).list_folder("5")
    assert (listing.folders, listing.files) == ((), ())
    assert len(api.calls) == 1


def test_highload_create_folder_of_seed_001(api: responses.RequestsMock) -> None:
    params = {"name": "my videos", "pid": "12345", **CREDENTIALS}
    reply(api, HIGHLOAD, "file/createfolder", {"folderid": "35678"}, params=params)
    assert client(HIGHLOAD).create_folder("my videos", parent="12345") == "35678"
    assert_transport(api, HIGHLOAD)


def test_highload_create_folder_in_the_root_sends_no_parent(api: responses.RequestsMock) -> None:
    reply(api, HIGHLOAD, "file/createfolder", {"folderid": 35678}, params={"name": "x", **CREDENTIALS})
    assert client(HIGHLOAD).create_folder("x") == "35678"


@pytest.mark.parametrize("result", [{}, {"folderid": False}, True], ids=repr)
def test_create_folder_without_a_folder_id_is_an_outage(api: responses.RequestsMock, result: Any) -> None:
    reply(api, HIGHLOAD, "file/createfolder", result)
    with pytest.raises(errors.ProviderOutage, match="file/createfolder"):
        client(HIGHLOAD).create_folder("x")


Confirming = Callable[[FamilyClient], None]
CONFIRMING: Final[list[tuple[Service, str, Confirming, dict[str, str]]]] = [
    *(
        (
            service,
            "file/renamefolder",
            lambda c: c.rename_folder("5", "my new foldername"),
            {"folder": "5", "name": "my new foldername"},
        )
        for service in ALL
    ),
    *(
        (
            service,
            "file/rename",
            lambda c: c.rename_file("UPPjeAk--30", "My File Backup_2017.zip"),
            {"file": "UPPjeAk--30", "name": "My File Backup_2017.zip"},
        )
        for service in ALL
    ),
    *(
        (service, "file/convert", lambda c: c.convert("UPPjeAk--30"), {"file": "UPPjeAk--30"})
        for service in TICKET_FAMILY
    ),
    (HIGHLOAD, "file/deletefolder", lambda c: c.delete_folder("12345"), {"folder": "12345"}),
    (
        HIGHLOAD,
        "file/move",
        lambda c: c.move_file("9fnelnvpql73", "1234567"),
        {"file": "9fnelnvpql73", "folder": "1234567"},
    ),
    (HIGHLOAD, "file/delete", lambda c: c.delete_file("baespiqulj4e"), {"file": "baespiqulj4e"}),
]


@pytest.mark.parametrize(
    ("service", "endpoint", "action", "params"),
    CONFIRMING,
    ids=[f"{service.name}-{endpoint}" for service, endpoint, _, _ in CONFIRMING],
)
def test_endpoints_answering_true(
    api: responses.RequestsMock, service: Service, endpoint: str, action: Confirming, params: dict[str, str]
) -> None:
    reply(api, service, endpoint, True, params={**params, **CREDENTIALS})
    action(client(service))
    assert_transport(api, service)


@pytest.mark.parametrize("result", [False, "true", 1, None, {}], ids=repr)
def test_anything_but_true_is_not_a_confirmation(api: responses.RequestsMock, result: Any) -> None:
    reply(api, HIGHLOAD, "file/delete", result)
    with pytest.raises(errors.ResolverError, match="did not confirm file/delete"):
        client(HIGHLOAD).delete_file("baespiqulj4e")


# -- conversions and splash images -----------------------------------------------------------------


@pytest.mark.parametrize("service", TICKET_FAMILY, ids=lambda s: s.name)
def test_running_converts_of_seed_000_and_003(api: responses.RequestsMock, service: Service) -> None:
    reply(api, service, "file/runningconverts", RUNNING_CONVERTS_000, params={"folder": "5", **CREDENTIALS})
    assert client(service).running_converts("5") == [
        Conversion(
            conversion_id="3565411",
            name="Geysir.AVI",
            status="pending",
            last_update=utc("2015-08-23 19:41:40"),
            progress=0.32,
            retries=0,
            link="https://openload.co/f/f02JFG293J8/Geysir.AVI",
            file_id="f02JFG293J8",
        )
    ]


def test_highload_running_converts_of_seed_001(api: responses.RequestsMock) -> None:
    api.post(
        endpoint_url(HIGHLOAD, "file/runningconverts"),
        body=RUNNING_CONVERTS_001_RAW,
        content_type="application/json",
        match=[matchers.urlencoded_params_matcher(CREDENTIALS)],
    )
    assert client(HIGHLOAD).running_converts() == [
        Conversion(
            conversion_id="paupt7t96vod",
            name="MyOldCamera.avi",
            status="pending",
            last_update=utc("2019-01-01 04:40:40"),
            progress=None,
            retries=None,
            link="https://highload.to/f/baespiqulj4e/Geysir.AVI",
            file_id="baespiqulj4e",  # no linkextid: read from the link
        )
    ]


@pytest.mark.parametrize(
    ("service", "image"),
    [
        (OPENLOAD, "https://openload.co/splash/AYgHe95d1E4/zt8uSEmk56s.jpg"),
        (STREAMANGO, "https://streamango.com/splash/AYgHe95d1E4/zt8uSEmk56s.jpg"),
        (HIGHLOAD, "https://thumb.highdeliveryscdn.com/thumb/d79eb7cdd4ac/paupt7t96vod.jpg"),
    ],
    ids=["openload", "streamango", "highload"],
)
def test_splash_image_of_the_documents(api: responses.RequestsMock, service: Service, image: str) -> None:
    reply(api, service, "file/getsplash", image, params={"file": "AYgHe95d1E4", **CREDENTIALS})
    assert client(service).splash_image("AYgHe95d1E4") == image
    assert_transport(api, service)


@pytest.mark.parametrize("result", [False, None, "", {"url": "x"}], ids=repr)
def test_splash_image_without_a_url_is_an_outage(api: responses.RequestsMock, result: Any) -> None:
    reply(api, OPENLOAD, "file/getsplash", result)
    with pytest.raises(errors.ProviderOutage, match="file/getsplash"):
        client(OPENLOAD).splash_image("AYgHe95d1E4")


# -- endpoints a document does not list -------------------------------------------------------------

Action = Callable[[FamilyClient], object]
UNLISTED: Final[list[tuple[Service, str, Action]]] = [
    *(
        case
        for service in TICKET_FAMILY
        for case in [
            (service, "file/move", lambda c: c.move_file("x", "1")),
            (service, "file/delete", lambda c: c.delete_file("x")),
            (service, "file/createfolder", lambda c: c.create_folder("x")),
            (service, "file/deletefolder", lambda c: c.delete_folder("1")),
            (service, "remotedl/remove", lambda c: c.remote_upload_remove("all")),
            (service, "remotedl/restart", lambda c: c.remote_upload_restart()),
        ]
    ),
    (HIGHLOAD, "file/dlticket", lambda c: c.download_ticket("x")),
    (HIGHLOAD, "file/dl", lambda c: c.download_link("x", TICKET)),
    (HIGHLOAD, "file/convert", lambda c: c.convert("x")),
]


@pytest.mark.parametrize(
    ("service", "endpoint", "action"),
    UNLISTED,
    ids=[f"{service.name}-{endpoint}" for service, endpoint, _ in UNLISTED],
)
@pytest.mark.parametrize("credentials", [True, False], ids=["with-key", "without-key"])
def test_an_endpoint_the_document_does_not_list_is_refused_without_a_request(
    api: responses.RequestsMock, service: Service, endpoint: str, action: Action, credentials: bool
) -> None:
    unlisted = client(service) if credentials else client(service, None, None)
    with pytest.raises(errors.UnsupportedOperation, match=endpoint) as caught:
        action(unlisted)
    assert caught.value.provider == service.name
    assert "its API documentation does not list it" in str(caught.value)
    assert "seed" not in str(caught.value)
    assert len(api.calls) == 0


# -- credentials -------------------------------------------------------------------------------------

ACCOUNT_ACTIONS: Final[list[tuple[str, Action]]] = [
    ("account/info", lambda c: c.account_info()),
    ("remotedl/add", lambda c: c.remote_upload_add("http://google.com/favicon.ico")),
    ("remotedl/status", lambda c: c.remote_upload_status()),
    ("file/listfolder", lambda c: c.list_folder()),
    ("file/rename", lambda c: c.rename_file("x", "y")),
    ("file/getsplash", lambda c: c.splash_image("x")),
]


@pytest.mark.parametrize(("endpoint", "action"), ACCOUNT_ACTIONS, ids=[e for e, _ in ACCOUNT_ACTIONS])
@pytest.mark.parametrize(
    ("login", "key"),
    [(None, None), (LOGIN, None), (None, KEY), ("", "")],
    ids=["none", "no-key", "no-login", "empty"],
)
def test_account_endpoints_without_login_and_key_are_refused_without_a_request(
    api: responses.RequestsMock, endpoint: str, action: Action, login: str | None, key: str | None
) -> None:
    with pytest.raises(errors.AuthFailed, match=endpoint) as caught:
        action(client(OPENLOAD, login, key))
    assert caught.value.provider == "openload"
    assert "LINKRESOLVER_OPENLOAD_LOGIN" in str(caught.value)
    assert len(api.calls) == 0


def test_highload_account_endpoint_without_credentials_is_refused_without_a_request(
    api: responses.RequestsMock,
) -> None:
    with pytest.raises(errors.AuthFailed, match="LINKRESOLVER_HIGHLOAD_LOGIN"):
        client(HIGHLOAD, LOGIN, None).account_info()
    assert len(api.calls) == 0


# -- documented statuses -----------------------------------------------------------------------------

#: On account endpoints a 403 is the credentials' fault.
ACCOUNT_STATUSES: Final[list[tuple[int, type[errors.ResolverError]]]] = [
    (400, errors.ResolverError),  # not BadLink: no link is involved
    (403, errors.AuthFailed),
    (404, errors.ResolverError),
    (451, errors.LegalUnavailable),
    (509, errors.QuotaExhausted),
    (500, errors.ProviderOutage),
    (502, errors.ProviderOutage),
]
#: On file/dlticket and file/info a 404 is the file's.
FILE_STATUSES: Final[list[tuple[int, type[errors.ResolverError]]]] = [
    (400, errors.BadLink),
    (403, errors.PermissionDenied),
    (404, errors.FileOffline),
    (451, errors.LegalUnavailable),
    (509, errors.QuotaExhausted),
    (500, errors.ProviderOutage),
    (502, errors.ProviderOutage),
]
#: On file/dl a 403 refuses the captcha answer or the ticket.
DL_STATUSES: Final[list[tuple[int, type[errors.ResolverError]]]] = [
    (code, errors.CaptchaWrong if code == 403 else error) for code, error in FILE_STATUSES
]


@pytest.mark.parametrize(("code", "error_class"), ACCOUNT_STATUSES)
@pytest.mark.parametrize("service", [OPENLOAD, HIGHLOAD], ids=lambda s: s.name)
def test_statuses_of_account_endpoints(
    api: responses.RequestsMock, service: Service, code: int, error_class: type[errors.ResolverError]
) -> None:
    reply(api, service, "account/info", status=code, msg="no")
    with pytest.raises(errors.ResolverError) as caught:
        client(service).account_info()
    assert type(caught.value) is error_class
    assert (caught.value.code, caught.value.provider) == (code, service.name)
    assert '"no"' in str(caught.value)  # the message is for a person, the status decides


@pytest.mark.parametrize(("code", "error_class"), FILE_STATUSES)
def test_statuses_of_the_download_ticket(
    api: responses.RequestsMock, code: int, error_class: type[errors.ResolverError]
) -> None:
    reply(api, OPENLOAD, "file/dlticket", status=code, msg="OK")
    with pytest.raises(errors.ResolverError) as caught:
        client(OPENLOAD).download_ticket("72fA-_Lq8Ak", link=LINK)
    assert type(caught.value) is error_class
    assert (caught.value.code, caught.value.provider, caught.value.link) == (code, "openload", LINK)


@pytest.mark.parametrize(("code", "error_class"), DL_STATUSES)
def test_statuses_of_the_download_link(
    api: responses.RequestsMock, code: int, error_class: type[errors.ResolverError]
) -> None:
    reply(api, STREAMANGO, "file/dl", status=code)
    with pytest.raises(errors.ResolverError) as caught:
        client(STREAMANGO).download_link("72fA-_Lq8Ak", TICKET, "1234", link=LINK)
    assert type(caught.value) is error_class
    assert (caught.value.code, caught.value.provider, caught.value.link) == (code, "streamango", LINK)


@pytest.mark.parametrize(("code", "error_class"), [s for s in FILE_STATUSES if s[0] != 404])
def test_statuses_of_highload_file_info(
    api: responses.RequestsMock, code: int, error_class: type[errors.ResolverError]
) -> None:
    reply(api, HIGHLOAD, "file/info", status=code)
    with pytest.raises(errors.ResolverError) as caught:
        client(HIGHLOAD).file_info(["Vxj4mjsK4PX"])
    assert type(caught.value) is error_class
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("status", "error_class"),
    [("404", errors.FileOffline), (" 451 ", errors.LegalUnavailable), ("509", errors.QuotaExhausted)],
)
def test_status_given_as_a_string(
    api: responses.RequestsMock, status: str, error_class: type[errors.ResolverError]
) -> None:
    reply(api, OPENLOAD, "file/dlticket", status=status)
    with pytest.raises(error_class) as caught:
        client(OPENLOAD).download_ticket("72fA-_Lq8Ak")
    assert caught.value.code == int(status)


def test_status_200_given_as_a_string_succeeds(api: responses.RequestsMock) -> None:
    reply(api, OPENLOAD, "file/dlticket", DLTICKET, status="200")
    assert client(OPENLOAD).download_ticket("72fA-_Lq8Ak").ticket == TICKET


def test_the_body_status_counts_even_when_the_http_status_line_says_200(api: responses.RequestsMock) -> None:
    reply(api, HIGHLOAD, "account/info", ACCOUNT_001, status=403, http_status=200)
    with pytest.raises(errors.AuthFailed):
        client(HIGHLOAD).account_info()


def test_a_json_error_answer_with_the_same_http_status(api: responses.RequestsMock) -> None:
    reply(api, OPENLOAD, "file/dlticket", status=404, msg="File not found", http_status=404)
    with pytest.raises(errors.FileOffline, match="File not found"):
        client(OPENLOAD).download_ticket("72fA-_Lq8Ak")


# -- wrong answers ------------------------------------------------------------------------------------


OBJECT_ANSWERS: Final[list[tuple[str, Action]]] = [
    ("account/info", lambda c: c.account_info()),
    ("file/dlticket", lambda c: c.download_ticket("x")),
    ("file/dl", lambda c: c.download_link("x", TICKET)),
    ("file/ul", lambda c: c.upload_target()),
    ("file/listfolder", lambda c: c.list_folder()),
    ("remotedl/add", lambda c: c.remote_upload_add("http://google.com/favicon.ico")),
    ("file/info", lambda c: c.file_info(["a", "b"])),
]


@pytest.mark.parametrize(("endpoint", "action"), OBJECT_ANSWERS, ids=[e for e, _ in OBJECT_ANSWERS])
@pytest.mark.parametrize(
    "result", [["not", "an", "object"], "text", 42, True], ids=["list", "string", "number", "true"]
)
def test_a_result_that_is_not_an_object_is_an_outage(
    api: responses.RequestsMock, endpoint: str, action: Action, result: Any
) -> None:
    reply(api, STREAMANGO, endpoint, result)
    with pytest.raises(errors.ProviderOutage, match=endpoint):
        action(client(STREAMANGO))


@pytest.mark.parametrize(
    ("http_status", "body", "error_class"),
    [
        (200, "<html><body>Openload</body></html>", errors.ProviderOutage),
        (502, "<!doctype html><h1>502 Bad Gateway</h1>", errors.ProviderOutage),
        (200, '{"status": 200, "result": {"ticket": ', errors.ProviderOutage),
        (403, "<html>Forbidden by the firewall</html>", errors.ResolverError),
    ],
    ids=["html-200", "html-502", "cut-json", "html-403"],
)
@pytest.mark.parametrize("service", [OPENLOAD, HIGHLOAD], ids=lambda s: s.name)
def test_an_answer_that_is_not_json(
    api: responses.RequestsMock,
    service: Service,
    http_status: int,
    body: str,
    error_class: type[errors.ResolverError],
) -> None:
    api.add(
        responses.POST if service.use_post else responses.GET,
        endpoint_url(service, "account/info"),
        body=body,
        status=http_status,
    )
    with pytest.raises(errors.ResolverError) as caught:
        client(service).account_info()
    assert type(caught.value) is error_class
    assert caught.value.code == http_status


@pytest.mark.parametrize(
    "body",
    [[1, 2, 3], "OK", None, {"msg": "OK", "result": {}}, {"status": True, "result": {}}, {"status": "2OO"}],
    ids=repr,
)
def test_an_envelope_without_a_usable_status_is_an_outage(api: responses.RequestsMock, body: Any) -> None:
    api.get(endpoint_url(OPENLOAD, "account/info"), json=body)
    with pytest.raises(errors.ProviderOutage):
        client(OPENLOAD).account_info()


def test_odd_values_become_none_rather_than_errors(api: responses.RequestsMock) -> None:
    result = {
        "extid": ["x"],
        "email": False,
        "signup_at": "yesterday",
        "storage_left": "lots",
        "storage_used": {"a": 1},
        "traffic": "none",
        "balance": "NaN",
    }
    reply(api, OPENLOAD, "account/info", result)
    assert client(OPENLOAD).account_info() == AccountDetails(None, None, None)


def test_a_file_info_entry_that_is_not_an_object_is_skipped(api: responses.RequestsMock) -> None:
    reply(api, OPENLOAD, "file/info", {"a": "gone", "b": INFO_000["72fA-_Lq8Ak3"] | {"id": "b"}})
    assert list(client(OPENLOAD).file_info(["a", "b"])) == ["b"]


# -- secrets and transport failures ------------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        f"Max retries exceeded with url: /1/account/info?login={LOGIN}&key={KEY}",
        f"Max retries exceeded with url: /1/account/info?key={KEY.replace('_', '%5F')}&login={LOGIN}",
        f"proxy refused CONNECT for {KEY}",
    ],
    ids=["query", "encoded-query", "bare"],
)
@pytest.mark.parametrize("service", [OPENLOAD, HIGHLOAD], ids=lambda s: s.name)
def test_a_transport_error_never_shows_the_key(
    api: responses.RequestsMock, service: Service, said: str
) -> None:
    api.add(
        responses.POST if service.use_post else responses.GET,
        endpoint_url(service, "account/info"),
        body=requests.ConnectionError(said),
    )
    with pytest.raises(errors.ProviderOutage, match="cannot be reached") as caught:
        client(service).account_info()
    assert_no_secret(caught.value, caught.value.for_person(), repr(caught.value.args))


def test_a_timeout_is_an_outage(api: responses.RequestsMock) -> None:
    api.get(endpoint_url(OPENLOAD, "file/dlticket"), body=requests.ReadTimeout(f"read timed out key={KEY}"))
    with pytest.raises(errors.ProviderOutage, match="did not answer in time") as caught:
        client(OPENLOAD).download_ticket("72fA-_Lq8Ak")
    assert_no_secret(caught.value)


@pytest.mark.parametrize("service", [OPENLOAD, HIGHLOAD], ids=lambda s: s.name)
def test_a_message_echoing_the_key_is_redacted(api: responses.RequestsMock, service: Service) -> None:
    reply(api, service, "account/info", status=403, msg=f"wrong key {KEY} for login {LOGIN}")
    with pytest.raises(errors.AuthFailed) as caught:
        client(service).account_info()
    assert LOGIN in str(caught.value)
    assert_no_secret(caught.value, caught.value.for_person())


def test_repr_shows_the_login_but_never_the_key() -> None:
    text = repr(client(HIGHLOAD))
    assert LOGIN in text and "highload" in text
    assert_no_secret(text)


def test_the_provider_name_is_the_services() -> None:
    assert [client(service).provider for service in ALL] == ["openload", "streamango", "highload"]


def test_file_info_ids_are_chunked_by_the_services_batch_size() -> None:
    """The batch sizes the documents give: 50 comma-separated ids, highload one."""
    assert [service.info_batch for service in ALL] == [50, 50, 1]


def test_highload_file_info_404_for_its_one_id_is_that_file_offline(api: responses.RequestsMock) -> None:
    reply(api, HIGHLOAD, "file/info", status=404)
    info = client(HIGHLOAD).file_info(["Vxj4mjsK4PX"])["Vxj4mjsK4PX"]
    assert info.status == 404 and info.name is None


def test_highload_remote_status_needs_one_id_and_takes_no_limit(api: responses.RequestsMock) -> None:
    with pytest.raises(errors.ConfigError, match="give its id"):
        client(HIGHLOAD).remote_upload_status()
    with pytest.raises(errors.ConfigError, match="no limit"):
        client(HIGHLOAD).remote_upload_status("nly9m6lc6fvo", limit=5)
    assert not api.calls
