"""A batch of downloads where one link goes wrong: that link's error, the others go on.

In process, with scripted providers and ``responses`` for the file server."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import responses

from resolver_core import errors
from resolver_core.download import download_many
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from resolver_core.models import ResolvedLink
from resolver_core.pipeline import Resolver
from resolver_core.provider import ResolveContext

from .fakes import ProvidersPlugin, ScriptedProvider, empty_config

#: What a broken provider may answer for the ``badurl`` file ids.
NOT_URLS = {"badurl1": "http://[::1/x", "badurl2": "http://files.example:port/x", "badurl3": "https:///x"}


class BrokenLinkProvider(ScriptedProvider):
    """Answers ``badurl...`` ids with a direct link that is no URL."""

    def resolve(self, url: str, hoster: str, ctx: ResolveContext) -> ResolvedLink:
        link = super().resolve(url, hoster, ctx)
        file_id = url.rsplit("/", 1)[-1]
        direct = NOT_URLS.get(file_id, link.url)
        return ResolvedLink(url, direct, self.name, hoster, filename=f"{file_id}.bin")


def make(tmp_path: Path, *providers: ScriptedProvider) -> Resolver:
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[ProvidersPlugin(*providers)],
        env={"LINKRESOLVER_DISABLE_PLUGINS": "premiumize"},
    )
    return build_resolver(empty_config(tmp_path), pm=pm)


@pytest.mark.parametrize("file_id", sorted(NOT_URLS))
def test_a_direct_link_that_is_no_url_is_the_providers_error(tmp_path: Path, file_id: str) -> None:
    outcome = make(tmp_path, BrokenLinkProvider("broken", 1)).resolve_many(
        [f"https://rapidgator.net/file/{file_id}"]
    )[0]
    assert outcome.status == "error" and outcome.link is None
    assert isinstance(outcome.error, errors.InvalidDirectLink)
    assert outcome.error.for_person().startswith("broken gave a direct link that is not a valid URL (")


def test_another_provider_is_asked_after_a_link_that_is_no_url(tmp_path: Path) -> None:
    broken, good = BrokenLinkProvider("broken", 1), ScriptedProvider("good", 2)
    outcome = make(tmp_path, broken, good).resolve_many(["https://rapidgator.net/file/badurl1"])[0]
    assert outcome.status == "ok" and outcome.provider == "good"
    assert outcome.link is not None and outcome.link.url == "https://good.example/badurl1"


@responses.activate
def test_a_link_that_is_no_url_fails_alone_in_a_download_batch(tmp_path: Path) -> None:
    responses.get("https://broken.example/fine", body=b"the file", headers={"Content-Length": "8"})
    resolver = make(tmp_path, BrokenLinkProvider("broken", 1))
    links = ["https://rapidgator.net/file/badurl1", "https://rapidgator.net/file/fine"]
    first, second = download_many(resolver, links, tmp_path / "out")
    assert first.status == "error"
    assert "broken gave a direct link that is not a valid URL" in first.to_json()["error"]
    assert second.status == "ok" and second.saved[0].path.read_bytes() == b"the file"


@responses.activate
def test_a_file_that_cannot_be_saved_fails_alone_in_a_download_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk refusing one file (here its final rename) is that link's error, in one line."""
    for name in ("one", "two"):
        responses.get(f"https://broken.example/{name}", body=name.encode(), headers={"Content-Length": "3"})
    real_replace = os.replace

    def refuses_one(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if Path(target).name == "one.bin":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", refuses_one)
    resolver = make(tmp_path, BrokenLinkProvider("broken", 1))
    links = ["https://rapidgator.net/file/one", "https://rapidgator.net/file/two"]
    first, second = download_many(resolver, links, tmp_path / "out")
    assert first.status == "error"
    assert first.to_json()["error"] == f"cannot save into {tmp_path / 'out'}: Permission denied (one.bin)"
    assert second.status == "ok" and second.saved[0].path.read_bytes() == b"two"
