"""Every client method and provider entry point, fed answers that servers get wrong.

A client reads remote, untrusted JSON. Whatever arrives, its caller gets one of two things:
a typed result, or a :class:`~resolver_core.errors.ResolverError` that a person can read.
A ``KeyError`` or ``TypeError`` escaping instead would end a batch of links, or the web
page's job, with a traceback. So every public method of the three clients (every endpoint
of the five documents) and every provider entry point that reads answers is called here
against a mock server that answers with the documents' example answers mutated
(:mod:`tests.fuzz.strategies`): types swapped, keys gone, ``false`` for numbers, numbers
past 64 bits, hostile text, extra nesting, and bodies that are not JSON at all.

The calls are one table (:data:`CLIENT_CALLS`, :data:`PROVIDER_CALLS`) rather than a test
per endpoint; :func:`test_the_table_names_every_public_client_method` holds the table to the
clients' classes, and :func:`test_the_valid_answers_reach_every_documented_endpoint` to the
documents' endpoints.
"""

from __future__ import annotations

import collections.abc
import hashlib
import inspect
import re
import tempfile
import threading
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from linkresolver.plugins.offcloud.client import OffcloudClient
from linkresolver.plugins.offcloud.provider import OffcloudProvider
from linkresolver.plugins.openload_family.client import FamilyClient
from linkresolver.plugins.openload_family.provider import (
    HighloadProvider,
    OpenloadProvider,
    StreamangoProvider,
)
from linkresolver.plugins.openload_family.services import HIGHLOAD, SERVICES, Service
from linkresolver.plugins.premiumize.client import PremiumizeClient
from linkresolver.plugins.premiumize.provider import PremiumizeProvider
from resolver_core import budget, errors
from resolver_core.cache import HosterListCache
from resolver_core.config import ProviderSettings
from resolver_core.http import make_session
from resolver_core.provider import Provider, ResolveContext
from tests.plugins.test_offcloud_client import (
    FILE_LINKS,
    HASH_A,
    HASH_B,
    INSTANT_ANSWER,
    REQUEST_ID,
    STATUS_FIELDS,
)
from tests.plugins.test_offcloud_client import KEY as OFFCLOUD_KEY
from tests.plugins.test_openload_family_client import (
    ACCOUNT_000,
    ACCOUNT_001,
    BASES,
    DL_003,
    DLTICKET,
    INFO_000,
    INFO_001,
    KEY,
    LISTFOLDER_000,
    LISTFOLDER_001,
    LOGIN,
    REMOTE_STATUS_000,
    REMOTE_STATUS_001,
    RUNNING_CONVERTS_000,
    SERVER_TIME,
    SHA1,
    TICKET,
    UL_RESULT,
    UL_RESULT_001,
)

from .outcomes import assert_readable, conforms, examples
from .strategies import Reply, replies, to_json

#: Examples per table row: some 90 rows, the module in 15 s (30 s with the coverage report).
EXAMPLES: Final = examples(40)
FUZZ = settings(max_examples=EXAMPLES, deadline=None)

PM_API: Final = "https://api.premiumize.example/pm-api/v1.php"
PM_LOGIN: Final = "123456789"
PIN: Final = "s3cret-pin"
OFFCLOUD_API: Final = "https://offcloud.com/api"
EMAIL: Final = "test@test.com"
LINK: Final = "https://rapidgator.net/file/abc123"
MAGNET: Final = f"magnet:?xt=urn:btih:{HASH_A}&dn=ubuntu.iso"
#: The file the upload rows send (created once per module): its sha1 is in the valid answer.
UPLOAD_CONTENT: Final = b"linkresolver fuzz upload\n" * 64
UPLOAD_SHA1: Final = hashlib.sha1(UPLOAD_CONTENT).hexdigest()
#: Stands for the upload file's path in a row's arguments.
FILE: Final = object()


# -- the documents' answers ---------------------------------------------------------------------


def pm(result: Any) -> dict[str, Any]:
    """A pm-api answer (seed 002)."""
    return {"result": result, "status": 200, "statusmessage": "OK"}


def family(service: Service, result: Any) -> dict[str, Any]:
    """An Openload-family answer; highload's carries its clock (seed 001)."""
    body: dict[str, Any] = {"status": 200, "msg": "OK", "result": result}
    if service.has_server_time:
        body["server_time"] = SERVER_TIME
    return body


PM_ACCOUNT: Final = {"account_name": "john", "type": "premium", "expires": 1349617332, "fairuse_left": 0.77}
PM_HOSTERLIST: Final[dict[str, Any]] = {
    "hosters": {
        "rapidgator.net": {
            "tlds": ["rapidgator.net", "rg.to"],
            "regexes": ["https?:\\/\\/(?:www\\.)?(?:rapidgator\\.net|rg\\.to)\\/file\\/.+"],
        },
        "uploaded.net": {"tlds": ["uploaded.net", "ul.to"], "regexes": ["(uploaded\\.net|ul\\.to)\\/.+"]},
    },
    "regexlist": ["https?:\\/\\/(?:www\\.)?rapidgator\\.net\\/file\\/.+"],
    "tldlist": ["rapidgator.net", "rg.to", "uploaded.net", "ul.to"],
    "hosterlist": ["rapidgator.net", "uploaded.net"],
    "connection_settings": {
        "rapidgator.net": {"max_connections_per_file": 2, "max_connections_per_hoster": 8, "resume": True}
    },
}
PM_DIRECT: Final = {"location": "https://dl.example/f/a.rar", "filename": "a.rar", "filesize": 361357875}

UPLOADED: Final = {
    "content_type": "application/octet-stream",
    "id": "UPPjeAk--30",
    "name": "clip.bin",
    "sha1": UPLOAD_SHA1,
    "size": str(len(UPLOAD_CONTENT)),
    "url": "https://openload.co/f/UPPjeAk--30/clip.bin",
}
CAPTCHA_IMAGE: Final = "\x89PNG\r\n\x1a\n captcha"
CAPTCHA_PATH: Final = urlsplit(str(DLTICKET["captcha_url"])).path
STATUS_DONE: Final = STATUS_FIELDS | {"status": "downloaded", "isDirectory": True}
ACCOUNTS: Final = [
    {
        "accountId": "acc-1",
        "type": "ftp",
        "username": "uploader",
        "status": "active",
        "host": "ftp.example.com",
        "port": "21",
        "usage": "1073741824",
    }
]


# -- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One call: who makes it, with what, and the valid answer of each request it sends.

    ``answers`` maps a piece of the request URL (an endpoint, or pm-api's method name) to
    its valid answer; a request whose URL holds several keys gets the longest one's.
    """

    #: A service name (its client or provider is built for the call).
    owner: str
    method: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    answers: Mapping[str, Any] = field(default_factory=dict)
    #: Keys whose answer is text or bytes, not JSON (cloud/list, a captcha image).
    text: frozenset[str] = frozenset()
    #: Headers a valid answer carries, by key (the login's session cookie).
    headers: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    #: Tells rows of one method apart.
    label: str = ""

    @property
    def id(self) -> str:
        return "-".join(part for part in (self.owner, self.method, self.label) if part)


def premiumize_rows() -> list[Row]:
    return [
        Row("premiumize", "call", ("accountstatus",), answers={"accountstatus": pm(PM_ACCOUNT)}),
        Row("premiumize", "account_status", answers={"accountstatus": pm(PM_ACCOUNT)}),
        Row("premiumize", "hoster_list", answers={"hosterlist": pm(PM_HOSTERLIST)}),
        Row(
            "premiumize",
            "direct_download_link",
            (LINK,),
            answers={"directdownloadlink": pm(PM_DIRECT)},
        ),
    ]


def family_rows(service: Service) -> list[Row]:
    """Every method for the endpoints ``service``'s document lists, with its example answers."""
    name, highload = service.name, service is HIGHLOAD
    account = ACCOUNT_001 if highload else ACCOUNT_000
    ul_result = UL_RESULT_001 if highload else UL_RESULT
    upload_url = urlsplit(ul_result["url"]).path
    rows = [
        (
            "account/info",
            Row(name, "call", ("account/info",), answers={"account/info": family(service, account)}),
        ),
        ("account/info", Row(name, "account_info", answers={"account/info": family(service, account)})),
        (
            "file/dlticket",
            Row(
                name,
                "download_ticket",
                ("72fA-_Lq8Ak",),
                {"link": LINK},
                answers={"file/dlticket": family(service, DLTICKET)},
            ),
        ),
        (
            "file/dl",
            Row(
                name,
                "download_link",
                ("72fA-_Lq8Ak", TICKET, "1234"),
                {"link": LINK},
                answers={"file/dl": family(service, DL_003)},
            ),
        ),
        (
            "file/info",
            Row(
                name,
                "file_info",
                (["vcatzwnjh0sm"] if highload else list(INFO_000),),
                answers={"file/info": family(service, INFO_001 if highload else INFO_000)},
            ),
        ),
        (
            "file/ul",
            Row(
                name,
                "upload_target",
                kwargs={"folder": "1234", "sha1": SHA1, "http_only": True},
                answers={"file/ul": family(service, ul_result)},
            ),
        ),
        (
            "file/ul",
            Row(
                name,
                "upload",
                (FILE,),
                {"folder": "1234"},
                answers={"file/ul": family(service, ul_result), upload_url: family(service, UPLOADED)},
            ),
        ),
        (
            "remotedl/add",
            Row(
                name,
                "remote_upload_add",
                ("http://proof.ovh.net/files/100Mio.dat",),
                {"folder": "4248"} if highload else {"folder": "4248", "headers": ("Referer: x",)},
                answers={"remotedl/add": family(service, {"id": "12", "folderid": "4248"})},
            ),
        ),
        (
            "remotedl/status",
            Row(
                name,
                "remote_upload_status",
                ("oau6d7cbex8s",) if highload else (),
                {} if highload else {"limit": 5},
                answers={
                    "remotedl/status": family(service, REMOTE_STATUS_001 if highload else REMOTE_STATUS_000)
                },
            ),
        ),
        (
            "remotedl/remove",
            Row(name, "remote_upload_remove", ("all",), answers={"remotedl/remove": family(service, True)}),
        ),
        (
            "remotedl/restart",
            Row(name, "remote_upload_restart", answers={"remotedl/restart": family(service, True)}),
        ),
        (
            "file/listfolder",
            Row(
                name,
                "list_folder",
                ("4248",),
                answers={"file/listfolder": family(service, LISTFOLDER_001 if highload else LISTFOLDER_000)},
            ),
        ),
        (
            "file/createfolder",
            Row(
                name,
                "create_folder",
                ("new",),
                {"parent": "1"},
                answers={"file/createfolder": family(service, {"folderid": "35678"})},
            ),
        ),
        (
            "file/renamefolder",
            Row(name, "rename_folder", ("5144", "x"), answers={"file/renamefolder": family(service, True)}),
        ),
        (
            "file/deletefolder",
            Row(name, "delete_folder", ("5144",), answers={"file/deletefolder": family(service, True)}),
        ),
        ("file/rename", Row(name, "rename_file", ("x", "y"), answers={"file/rename": family(service, True)})),
        ("file/move", Row(name, "move_file", ("x", "1"), answers={"file/move": family(service, True)})),
        ("file/delete", Row(name, "delete_file", ("x",), answers={"file/delete": family(service, True)})),
        ("file/convert", Row(name, "convert", ("x",), answers={"file/convert": family(service, True)})),
        (
            "file/runningconverts",
            Row(
                name,
                "running_converts",
                answers={"file/runningconverts": family(service, RUNNING_CONVERTS_000)},
            ),
        ),
        (
            "file/getsplash",
            Row(
                name,
                "splash_image",
                ("AYgHe95d1E4",),
                answers={
                    "file/getsplash": family(service, f"https://{service.hoster}/splash/AYgHe95d1E4/z.jpg")
                },
            ),
        ),
    ]
    return [row for endpoint, row in rows if endpoint in service.endpoints]


def offcloud_rows() -> list[Row]:
    cookie = (("Set-Cookie", "connect.sid=s%3AbW9ja2Vk.Zm9y; Path=/; HttpOnly"),)
    return [
        Row("offcloud", "call", ("instant", {"url": LINK}), answers={"instant": INSTANT_ANSWER}),
        Row("offcloud", "get", ("check",), answers={"check": {"loggedIn": 1}}),
        Row(
            "offcloud",
            "login",
            (EMAIL, "test-password-9"),
            answers={"login": {"email": EMAIL, "userId": "53f89e52822c8bf413000008"}},
            headers={"login": cookie},
        ),
        Row("offcloud", "logged_in", answers={"check": {"loggedIn": 1}}),
        Row("offcloud", "api_key", answers={"key": {"email": EMAIL, "apiKey": OFFCLOUD_KEY}}),
        Row("offcloud", "instant", (LINK,), {"proxy_id": "5"}, answers={"instant": INSTANT_ANSWER}),
        Row("offcloud", "cloud", (LINK,), answers={"cloud": INSTANT_ANSWER | {"status": "downloaded"}}),
        Row(
            "offcloud",
            "remote",
            (LINK,),
            {"remote_option_id": "acc-1", "folder_id": "0B1x"},
            answers={"remote": {k: v for k, v in INSTANT_ANSWER.items() if k != "url"}},
        ),
        Row("offcloud", "cloud_status", (REQUEST_ID,), answers={"cloud/status": {"status": STATUS_FIELDS}}),
        Row("offcloud", "remote_status", (REQUEST_ID,), answers={"remote/status": STATUS_FIELDS}),
        Row("offcloud", "explore", (REQUEST_ID,), answers={"cloud/explore/": FILE_LINKS}),
        Row(
            "offcloud",
            "list_links",
            (REQUEST_ID,),
            answers={"cloud/list/": "\n".join(FILE_LINKS) + "\n"},
            text=frozenset({"cloud/list/"}),
        ),
        Row("offcloud", "cloud_retry", (REQUEST_ID,), answers={"cloud/retry/": {"success": True}}),
        Row("offcloud", "remote_retry", (REQUEST_ID,), answers={"remote/retry/": {"success": True}}),
        Row(
            "offcloud",
            "proxies",
            answers={"proxy": [{"id": "5", "name": "Proxy US 1", "region": "United States"}]},
        ),
        Row("offcloud", "remote_accounts", answers={"remote/accounts": ACCOUNTS}),
        Row("offcloud", "cache", ([HASH_A, HASH_B],), answers={"cache": {"cachedItems": [HASH_A]}}),
    ]


CLIENT_CALLS: Final = [
    *premiumize_rows(),
    *(row for service in SERVICES for row in family_rows(service)),
    *offcloud_rows(),
]


def provider_rows() -> list[Row]:
    """The providers' entry points that read answers beyond what their clients give."""
    rows = [
        Row("premiumize", "hosters", answers={"hosterlist": pm(PM_HOSTERLIST)}),
        Row("premiumize", "resolve", (LINK, "rapidgator.net"), answers={"directdownloadlink": pm(PM_DIRECT)}),
        Row("premiumize", "account", answers={"accountstatus": pm(PM_ACCOUNT)}),
    ]
    for service in SERVICES:
        highload = service is HIGHLOAD
        ids = ["vcatzwnjh0sm"] if highload else list(INFO_000)
        link = f"https://{service.domains[0]}/f/72fA-_Lq8Ak/The_quick_brown_fox.txt"
        if service.can_download:
            rows.append(
                Row(
                    service.name,
                    "resolve",
                    (link, service.hoster),
                    answers={
                        "file/dlticket": family(service, DLTICKET),
                        "file/dl": family(service, DL_003),
                        CAPTCHA_PATH: CAPTCHA_IMAGE,
                    },
                    text=frozenset({CAPTCHA_PATH}),
                )
            )
        rows += [
            Row(
                service.name,
                "check",
                ([f"https://{service.domains[0]}/f/{file_id}" for file_id in ids] + ["https://x.example/"],),
                {"hoster": service.hoster},
                answers={"file/info": family(service, INFO_001 if highload else INFO_000)},
            ),
            Row(
                service.name,
                "account",
                answers={"account/info": family(service, ACCOUNT_001 if highload else ACCOUNT_000)},
            ),
        ]
    cloud = {
        "instant": INSTANT_ANSWER,
        "cloud": {"requestId": REQUEST_ID, "status": "created"},
        "cloud/status": {"status": STATUS_DONE},
        "cloud/explore/": FILE_LINKS,
    }
    rows += [
        Row("offcloud", "resolve", (LINK, "rapidgator.net"), answers=cloud, label="link"),
        Row("offcloud", "resolve", (MAGNET, "magnet"), answers=cloud, label="magnet"),
        Row(
            "offcloud",
            "check",
            ([MAGNET, f"magnet:?xt=urn:btih:{HASH_B}", "magnet:?dn=x"],),
            {"hoster": "magnet"},
            answers={"cache": {"cachedItems": [HASH_A]}},
        ),
        Row("offcloud", "account", answers={"check": {"loggedIn": 1}}),
    ]
    return rows


PROVIDER_CALLS: Final = provider_rows()

#: Public client methods that send no request, so have no answer to fuzz; and why.
NO_REQUEST: Final = {
    (FamilyClient, "require"): "checks an endpoint's name against the service's document, offline",
}
CLIENT_CLASSES: Final = {
    "premiumize": PremiumizeClient,
    "openload": FamilyClient,
    "streamango": FamilyClient,
    "highload": FamilyClient,
    "offcloud": OffcloudClient,
}
PROVIDER_CLASSES: Final[dict[str, type[Provider]]] = {
    "premiumize": PremiumizeProvider,
    "openload": OpenloadProvider,
    "streamango": StreamangoProvider,
    "highload": HighloadProvider,
    "offcloud": OffcloudProvider,
}
#: The provider methods that ask the service and read its answers.
ANSWER_READING: Final = ("hosters", "resolve", "check", "account")
#: Provider methods of :data:`ANSWER_READING` that ask nothing, and why.
PROVIDER_NO_ANSWER: Final = {
    **{
        (service.name, "hosters"): "a file host's own patterns, from its service's data"
        for service in SERVICES
    },
    ("highload", "resolve"): "no download API (seed 001): refused before any request",
    ("offcloud", "hosters"): "seed 004 has no host list: Offcloud claims links instead",
}


# -- the mock server and the context ------------------------------------------------------------


class Impatient(ResolveContext):
    """A context that waits no time, answers every captcha, and interrupts a provider that
    keeps waiting (a cloud download polled forever)."""

    waits = 0

    def wait_until(self, deadline: float) -> None:
        self.waits += 1
        if self.waits > 6:
            raise errors.Interrupted("stopped waiting (fuzz)")


def context(session: requests.Session, cache_dir: Path) -> Impatient:
    return Impatient(
        session,
        HosterListCache(cache_dir, 1),
        lambda challenge: "1234",
        threading.Event(),
        refresh_hosterlists=True,
    )


def key_of(url: str, keys: Mapping[str, Any]) -> str | None:
    """The longest key the request's URL holds (path, or pm-api's ``method=``), or None."""
    parts = urlsplit(url)
    method = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("method")
    found = [key for key in keys if key in parts.path or key == method]
    return max(found, key=len) if found else None


def serve(
    api: responses.RequestsMock,
    keys: Mapping[str, Any],
    drawn: Mapping[str, list[Reply]],
    served: collections.Counter[str],
) -> None:
    """Answer every request: by its key, in order (the last reply repeats); 404 for others.
    ``served`` counts the requests of each key."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        key = key_of(request.url or "", keys)
        if key is None:
            return 404, {}, b""
        sequence = drawn[key]
        reply = sequence[min(served[key], len(sequence) - 1)]
        served[key] += 1
        return reply.status, dict(reply.headers), reply.body

    pattern = re.compile(r".*", re.DOTALL)
    for method in (responses.GET, responses.POST):
        api.add_callback(method, pattern, callback=answer)


def valid_replies(row: Row) -> dict[str, list[Reply]]:
    drawn = {}
    for key, valid in row.answers.items():
        body = str(valid).encode() if key in row.text else to_json(valid).encode()
        drawn[key] = [Reply(body, 200, row.headers.get(key, ()))]
    return drawn


_FUZZED: dict[str, st.SearchStrategy[dict[str, list[Reply]]]] = {}


def fuzzed_replies(row: Row) -> st.SearchStrategy[dict[str, list[Reply]]]:
    """Replies for each of the row's requests; built once per row (building a strategy
    costs more than drawing from it)."""
    if row.id not in _FUZZED:
        _FUZZED[row.id] = _replies_for(row)
    return _FUZZED[row.id]


#: Client methods that ask one endpoint more than once (pages, batches of ids).
ASKS_AGAIN: Final = frozenset({"list_folder", "file_info"})


def _replies_for(row: Row) -> st.SearchStrategy[dict[str, list[Reply]]]:
    said_no = refusals(row.owner)
    # A reply per request, the last repeating: more than one only where a call asks again
    # (pages, batches, polling, new tickets); drawing unused replies costs time.
    most = 3 if row.method in ASKS_AGAIN or row in PROVIDER_CALLS else 1
    return st.fixed_dictionaries(
        {
            key: st.lists(
                replies(valid, text=key in row.text, headers=row.headers.get(key, ()), refusals=said_no),
                min_size=1,
                max_size=most,
            )
            for key, valid in row.answers.items()
        }
    )


def refusals(owner: str) -> tuple[Any, ...]:
    """How each document says no: seeds for mutation as much as the answers that say yes,
    since the words of a refusal reach a person."""
    if owner == "premiumize":
        return (
            {"result": None, "status": 401, "statusmessage": "Login failed"},
            {"result": None, "status": 509, "statusmessage": "Fair use limit exhausted. Retry in 10 min."},
        )
    if owner == "offcloud":
        return ({"error": "This URL is not supported."}, {"not_available": "premium"})
    service = next(s for s in SERVICES if s.name == owner)
    return (
        family(service, None) | {"status": 403, "msg": "Captcha not solved correctly"},
        family(service, None) | {"status": 509, "msg": "bandwidth usage too high (peak hours)"},
    )


def build_client(owner: str, session: requests.Session) -> Any:
    if owner == "premiumize":
        return PremiumizeClient(session, PM_API, PM_LOGIN, PIN)
    if owner == "offcloud":
        return OffcloudClient(session, OFFCLOUD_API, key=OFFCLOUD_KEY)
    service = next(s for s in SERVICES if s.name == owner)
    return FamilyClient(session, service, BASES[owner], LOGIN, KEY)


def build_provider(owner: str, workdir: Path) -> Provider:
    if owner == "offcloud":
        settings = ProviderSettings(owner, key=OFFCLOUD_KEY, api_base=OFFCLOUD_API)
        return OffcloudProvider(settings, stored_session=workdir / "offcloud-session.json")
    if owner == "premiumize":
        return PremiumizeProvider(ProviderSettings(owner, login=PM_LOGIN, key=PIN, api_base=PM_API))
    return PROVIDER_CLASSES[owner](ProviderSettings(owner, login=LOGIN, key=KEY, api_base=BASES[owner]))


def arguments(row: Row, upload: Path) -> tuple[Any, ...]:
    return tuple(upload if arg is FILE else arg for arg in row.args)


def call_client(
    row: Row, drawn: Mapping[str, list[Reply]], upload: Path, served: collections.Counter[str] | None = None
) -> tuple[Any, Any]:
    """The row's call against the replies: (its result, the return type it declares)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        serve(api, row.answers, drawn, collections.Counter() if served is None else served)
        client = build_client(row.owner, make_session(retries=0))
        method = getattr(client, row.method)
        declared = typing.get_type_hints(getattr(type(client), row.method))["return"]
        return method(*arguments(row, upload), **row.kwargs), declared


def call_provider(
    row: Row, drawn: Mapping[str, list[Reply]], upload: Path, served: collections.Counter[str] | None = None
) -> tuple[Any, Any]:
    """:func:`call_client` for a provider, with a fresh cache directory and context."""
    with (
        tempfile.TemporaryDirectory() as workdir,
        responses.RequestsMock(assert_all_requests_are_fired=False) as api,
    ):
        serve(api, row.answers, drawn, collections.Counter() if served is None else served)
        provider = build_provider(row.owner, Path(workdir))
        ctx = context(make_session(retries=0), Path(workdir))
        declared = typing.get_type_hints(getattr(type(provider), row.method))["return"]
        result = getattr(provider, row.method)(*arguments(row, upload), ctx=ctx, **row.kwargs)
        if row.method == "hosters":
            result = list(result)
            for hoster in result:  # the hoster list's connection_settings, read with it
                assert isinstance(provider.download_limits(hoster.name).resume, bool)
        return result, declared


# -- what an outcome must be ----------------------------------------------------------------------


def assert_outcome(run: Callable[[], tuple[Any, Any]]) -> None:
    """A result of the declared type, or a readable ResolverError; anything else fails."""
    try:
        result, declared = run()
    except errors.ResolverError as exc:
        assert_readable(exc)
        return
    assert conforms(result, declared), f"{result!r} is not a {declared}"
    if isinstance(result, list):  # check(): errors for some links among the statuses
        for item in result:
            if isinstance(item, errors.ResolverError):
                assert_readable(item)


# -- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def no_rate_limit() -> Iterator[None]:
    """The process-wide token buckets (10 calls a second) would make a fuzz run of
    thousands of calls take minutes; the mock server needs no protection."""
    unlimited = budget.TokenBucket(0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(budget, "bucket", lambda provider: unlimited)
        yield


@pytest.fixture(scope="module")
def upload_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Module-scoped: hypothesis runs many examples per test, and a file per example is waste."""
    path = tmp_path_factory.mktemp("fuzz") / "clip.bin"
    path.write_bytes(UPLOAD_CONTENT)
    return path


# -- the table is complete, and its answers are valid ----------------------------------------------


def public_methods(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


def test_the_table_names_every_public_client_method() -> None:
    for owner, cls in CLIENT_CLASSES.items():
        in_table = {row.method for row in CLIENT_CALLS if CLIENT_CLASSES[row.owner] is cls}
        exempt = {name for (exempt_cls, name) in NO_REQUEST if exempt_cls is cls}
        assert in_table | exempt == public_methods(cls), owner
        assert not in_table & exempt, owner
    for owner, provider_cls in PROVIDER_CLASSES.items():
        own = {
            name
            for name in ANSWER_READING
            if getattr(provider_cls, name) is not getattr(Provider, name, None)
        }
        in_table = {row.method for row in PROVIDER_CALLS if row.owner == owner}
        exempt = {name for (exempt_owner, name) in PROVIDER_NO_ANSWER if exempt_owner == owner}
        assert in_table | exempt == own, owner
        assert not in_table & exempt, owner


def test_the_valid_answers_reach_every_documented_endpoint(upload_file: Path) -> None:
    """Each row with the documents' answers gives a typed result (so mutations start from a
    valid answer), and the rows together ask every endpoint of the five documents."""
    asked: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for row in CLIENT_CALLS + PROVIDER_CALLS:
        drawn = valid_replies(row)
        run = call_provider if row in PROVIDER_CALLS else call_client
        result, declared = run(row, drawn, upload_file, asked[row.owner])
        assert conforms(result, declared), f"{row.id}: {result!r} is not a {declared}"
        if isinstance(result, list):
            assert not any(isinstance(item, errors.ResolverError) for item in result) or row.method == "check"
    for service in SERVICES:
        assert service.endpoints <= set(asked[service.name]), service.name
    assert {"accountstatus", "hosterlist", "directdownloadlink"} <= set(asked["premiumize"])
    offcloud = {"instant", "cloud", "remote", "proxy", "cloud/status", "remote/status", "cache", "check"}
    offcloud |= {"cloud/explore/", "cloud/list/", "remote/accounts", "cloud/retry/", "remote/retry/"}
    assert offcloud | {"key", "login"} <= set(asked["offcloud"])


# -- the fuzz -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", CLIENT_CALLS, ids=[row.id for row in CLIENT_CALLS])
@FUZZ
@given(data=st.data())
def test_client_answers_give_a_result_or_a_resolver_error(
    row: Row, upload_file: Path, data: st.DataObject
) -> None:
    drawn = data.draw(fuzzed_replies(row), label="replies")
    assert_outcome(lambda: call_client(row, drawn, upload_file))


@pytest.mark.parametrize("row", PROVIDER_CALLS, ids=[row.id for row in PROVIDER_CALLS])
@FUZZ
@given(data=st.data())
def test_provider_answers_give_a_result_or_a_resolver_error(
    row: Row, upload_file: Path, data: st.DataObject
) -> None:
    drawn = data.draw(fuzzed_replies(row), label="replies")
    assert_outcome(lambda: call_provider(row, drawn, upload_file))
