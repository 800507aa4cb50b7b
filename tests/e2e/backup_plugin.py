"""A third-party plugin for the end-to-end tests: a lower-priority provider, "backup".

It is loaded the way a user loads an uninstalled plugin (``LINKRESOLVER_PLUGINS``), serves
rapidgator and filefactory like Premiumize does, and one hoster Premiumize does not
(backuphost.example). It needs no network: its direct links are made up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from resolver_core import hookimpl
from resolver_core.config import Config
from resolver_core.models import ProviderKind, ResolvedLink
from resolver_core.provider import HosterSpec, Provider, ResolveContext


class BackupProvider(Provider):
    name = "backup"
    kind = ProviderKind.MULTIHOST

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        return [
            HosterSpec(
                "rapidgator.net",
                (r"https?://(?:www\.)?(?:rapidgator\.net|rg\.to)/file/\w+",),
                ("rapidgator.net",),
            ),
            HosterSpec(
                "filefactory.com", (r"https?://(?:www\.)?filefactory\.com/file/\w+",), ("filefactory.com",)
            ),
            HosterSpec(
                "backuphost.example",
                (r"https?://backuphost\.example/f/(?P<ID>\w+)",),
                ("backuphost.example",),
            ),
        ]

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        file_id = url.rstrip("/").rsplit("/", 1)[-1]
        return ResolvedLink(
            url, f"https://backup.example/dl/{file_id}", self.name, hoster, filename=f"{file_id}.bin"
        )


@hookimpl
def register_providers(register: Callable[[Provider], None], config: Config) -> None:
    register(BackupProvider(config.provider("backup")))
