"""In-process providers for pipeline and hook tests: no network, scripted answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from resolver_core import errors, hookimpl
from resolver_core.config import Config, ProviderSettings
from resolver_core.models import ProviderKind, ResolvedLink
from resolver_core.provider import HosterSpec, Provider, ResolveContext

RAPIDGATOR = HosterSpec(
    "rapidgator.net", (r"https?://(?:www\.)?rapidgator\.net/file/(?P<ID>\w+)",), ("rapidgator.net",)
)


class ScriptedProvider(Provider):
    """Answers each link by its file id: ``err509`` raises QuotaExhausted, and so on."""

    kind = ProviderKind.MULTIHOST
    max_concurrency = 3

    def __init__(self, name: str, priority: int, *, delay: float = 0.0) -> None:
        super().__init__(ProviderSettings(name, key="k", priority=priority))
        self.name = name  # type: ignore[misc]
        self.delay = delay
        self.calls: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def hosters(self, ctx: ResolveContext) -> Iterable[HosterSpec]:
        return [RAPIDGATOR]

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        with self._lock:
            self.calls.append(url)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            file_id = url.rsplit("/", 1)[-1]
            failures: dict[str, type[errors.ResolverError]] = {
                "err509": errors.QuotaExhausted,
                "err428": errors.HosterUnavailable,
                "err404": errors.FileOffline,
                "err401": errors.AuthFailed,
            }
            if file_id in failures:
                raise failures[file_id]("scripted failure", code=int(file_id[3:]))
            return ResolvedLink(url, f"https://{self.name}.example/{file_id}", self.name, hoster)
        finally:
            with self._lock:
                self.in_flight -= 1


class ProvidersPlugin:
    """A plugin object that registers the given providers."""

    def __init__(self, *providers: Provider) -> None:
        self.providers = providers

    @hookimpl
    def register_providers(self, register: Callable[[Provider], None], config: Config) -> None:
        for provider in self.providers:
            register(provider)


def empty_config(tmp_path: Path) -> Config:
    return Config(path=None, providers={}, cache_dir=tmp_path / "cache")
