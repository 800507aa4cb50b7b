"""Results rendered once: the records every output reads, and the command line's parts
depending on each other one way."""

from __future__ import annotations

import ast
from pathlib import Path

from resolver_core import errors
from resolver_core.handoff.aria2 import entries_of
from resolver_core.models import DownloadLimits, FileLink, ResolvedLink
from resolver_core.outcomes import Outcome
from resolver_core.output import human_size
from resolver_core.records import failure_reason, link_urls, outcome_record

REPO = Path(__file__).resolve().parents[2]

SINGLE = ResolvedLink(
    "https://rapidgator.net/file/a",
    "https://cdn.example/a.bin",
    "premiumize",
    "rapidgator.net",
    filename="a.bin",
    size=10,
    sha1="ab" * 20,
    limits=DownloadLimits(max_connections=2, resume=False),
)
SEVERAL = ResolvedLink(
    "magnet:?xt=urn:btih:" + "0" * 40,
    "https://cdn.example/folder",
    "offcloud",
    "magnet",
    files=(FileLink("https://cdn.example/1.mkv", "1.mkv", 5), FileLink("https://cdn.example/2.nfo")),
)


def test_the_urls_of_a_link_are_its_files_else_itself() -> None:
    assert link_urls(SINGLE) == ["https://cdn.example/a.bin"]
    assert link_urls(SEVERAL) == ["https://cdn.example/1.mkv", "https://cdn.example/2.nfo"]


def test_aria2_entries_follow_the_limits_the_link_carries() -> None:
    [(url, options)] = entries_of(SINGLE, None, 8)
    assert url == SINGLE.url
    assert options["split"] == "1" and options["continue"] == "false"  # no resume: one connection
    assert options["checksum"] == f"sha-1={SINGLE.sha1}"
    several = entries_of(SEVERAL, Path("/downloads"), 8)
    assert [url for url, _ in several] == link_urls(SEVERAL)
    assert [o["split"] for _, o in several] == ["8", "8"] and "checksum" not in several[0][1]


def test_an_outcome_record_has_every_field_in_the_contracts_order() -> None:
    failed = Outcome("https://rapidgator.net/file/x", "error", error=errors.FileOffline("gone", code=404))
    record = outcome_record(failed)
    assert list(record) == [
        "input", "status", "provider", "hoster", "url", "filename", "size", "sha1", "error", "code", "files",
        "account", "mirror_of",
    ]  # fmt: skip
    assert record["code"] == 404 and record["files"] == [] and record["url"] is None
    assert failure_reason(failed) == record["error"]
    assert outcome_record(Outcome(SEVERAL.input, "ok", link=SEVERAL))["files"][1] == {
        "url": "https://cdn.example/2.nfo",
        "filename": None,
        "size": None,
    }


def test_one_size_format() -> None:
    assert [human_size(n) for n in (None, 512, 1536, 5 << 30, 3 << 40)] == [
        "-", "512 B", "1.5 KiB", "5.0 GiB", "3.0 TiB",
    ]  # fmt: skip
    # A provider's giant size (TorBox's and Debrid-Link's answers are read as whole numbers
    # of any length) was an OverflowError in every command's text: no size instead.
    assert [human_size(n) for n in (10**400, 2**70, 2**70 - 1)] == ["-", "-", "1073741824.0 TiB"]


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports, relative ones named as absolute."""
    package = list(path.relative_to(REPO).parent.parts)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            if node.module:
                found.add(".".join([*base, node.module]))
            else:
                found.update(".".join([*base, alias.name]) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_command_line_depends_one_way() -> None:
    """The handlers and app.py never import the parser (no import circle), and neither the
    core nor the plugins import the command line."""
    cli = REPO / "linkresolver" / "cli"
    for name in ("app.py", "commands.py", "demo.py", "serve.py"):
        assert "linkresolver.cli.parser" not in _imports(cli / name), name
    assert not any(module.startswith("linkresolver.cli.") for module in _imports(cli / "app.py"))
    for folder in (REPO / "resolver_core", REPO / "linkresolver" / "plugins"):
        for path in folder.rglob("*.py"):
            assert not any(m.startswith("linkresolver.cli") for m in _imports(path)), path
