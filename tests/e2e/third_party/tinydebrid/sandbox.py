"""tinydebrid's API emulated in linkresolver's sandbox, and the demo's sample link.

One account (its token is :data:`TOKEN`), one hoster (tinyhost.example, which no built-in
provider serves), direct links on the sandbox's file server with their sha1. A link whose
id starts with ``gone`` is a deleted file: ``unlock`` answers 404, ``check`` says offline.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any, Final

from werkzeug.wrappers import Request, Response

from linkresolver.api import DemoPart, DemoSample, Sandbox

API_PATH: Final = "/tinydebrid/api"
TOKEN: Final = "S3NT1NEL-tinydebrid-sandbox-token-2718"  # the sandbox's, no one's
USER: Final = "demo@tinydebrid.example"
HOSTERS: Final = {
    "tinyhost.example": {
        "domains": ["tinyhost.example"],
        "patterns": [r"https?://(?:www\.)?tinyhost\.example/d/[\w-]+(?:/[^/?#\s]+)?"],
    },
}
_LINK: Final = re.compile(r"https?://(?:www\.)?tinyhost\.example/d/(?P<id>[\w-]+)(?:/(?P<name>[^/?#\s]+))?")


class TinyDebridEmulation:
    """The endpoints, over the sandbox's files; one instance per sandbox."""

    def __init__(self) -> None:
        self._sandbox: Sandbox | None = None
        self.expires = int(time.time()) + 30 * 86400

    def install(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        sandbox.emulations["tinydebrid"] = self
        for endpoint in ("unlock", "check", "hosts", "account"):
            sandbox.route(
                f"{API_PATH}/{endpoint}",
                getattr(self, f"_{endpoint}"),
                name=f"tinydebrid-{endpoint}",
                methods=("GET",),
            )
        sandbox.set_env("LINKRESOLVER_TINYDEBRID_API_BASE", "{url}" + API_PATH)
        sandbox.set_env("LINKRESOLVER_TINYDEBRID_KEY", TOKEN)

    def _unlock(self, request: Request) -> Response:
        if request.args.get("token") != TOKEN:
            return _json({"error": "bad token"}, 401)
        found = _LINK.fullmatch(request.args.get("link", ""))
        if found is None:
            return _json({"error": "not a tinyhost link"}, 400)
        if found["id"].startswith("gone"):
            return _json({"error": "file not found"}, 404)
        assert self._sandbox is not None
        name = found["name"] or f"{found['id']}.bin"
        served = self._sandbox.add_file(name, _size_of(found["id"]), seed=f"tinyhost/{found['id']}")
        return _json(
            {
                "download": request.host_url.rstrip("/") + served.path,
                "filename": name,
                "size": served.size,
                "sha1": self._sandbox.file_sha1(served),
            }
        )

    def _check(self, request: Request) -> Response:
        if request.args.get("token") != TOKEN:
            return _json({"error": "bad token"}, 401)
        answers = []
        for link in request.args.getlist("link"):
            found = _LINK.fullmatch(link)
            online = found is not None and not found["id"].startswith("gone")
            answers.append(
                {
                    "link": link,
                    "online": online,
                    "filename": (found["name"] or f"{found['id']}.bin") if found and online else None,
                    "size": _size_of(found["id"]) if found and online else None,
                }
            )
        return _json({"links": answers})

    def _hosts(self, request: Request) -> Response:
        if request.args.get("token") != TOKEN:
            return _json({"error": "bad token"}, 401)
        return _json({"hosters": HOSTERS})

    def _account(self, request: Request) -> Response:
        if request.args.get("token") != TOKEN:
            return _json({"error": "bad token"}, 401)
        return _json({"user": USER, "plan": "premium", "expires": self.expires, "traffic_left": 0.75})


def _size_of(file_id: str) -> int:
    """A file's size, the same for the same id: 64 to 192 KiB."""
    return 65_536 + int(hashlib.sha1(file_id.encode()).hexdigest()[:6], 16) % 131_072


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def demo_samples() -> list[DemoSample]:
    return [
        DemoSample(
            "Mirror (tinydebrid): https://tinyhost.example/d/tiny42/Holiday.Video.Tiny.mkv",
            ("ok",),
            "a third-party plugin's provider, through its own API",
            DemoPart.INSTANT,
            "tinydebrid is a plugin of its own, installed beside linkresolver.",
        )
    ]
