"""What users read speaks of the product: no internal document numbers ("seed 004") and
no issue numbers in any ``--help`` text, nor in any message the shipped code can print."""

from __future__ import annotations

import argparse
import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkresolver.cli.parser import build_parser
from resolver_core.manager import make_plugin_manager

REPO = Path(__file__).resolve().parents[2]
INTERNAL = re.compile(r"(?i)\bseeds?\s+\d|\bseeds?\s+documents?\b|\bissue\s+#?\d|\bseed\s+apis?\b")
SHIPPED = ("resolver_core", "linkresolver", "hostermatch", "yt_dlp_plugins")


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from parsers(child)


def test_no_help_text_names_an_internal_document() -> None:
    parser = build_parser(make_plugin_manager(load_entry_points=False))
    seen = 0
    for each in parsers(parser):
        text = each.format_help()
        seen += 1
        assert not INTERNAL.search(text), f"{each.prog}: {INTERNAL.search(text)!r}"
    assert seen > 30  # every command and every provider group's action was looked at


def string_literals(path: Path) -> Iterator[tuple[int, str]]:
    """Every string in ``path`` that can reach a user: docstrings (read by developers) aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


@pytest.mark.parametrize("package", SHIPPED)
def test_no_message_names_an_internal_document(package: str) -> None:
    assert list((REPO / package).rglob("*.py")), f"{package}: nothing to look at"
    found = [
        f"{path.relative_to(REPO)}:{line}: {text[:80]!r}"
        for path in sorted((REPO / package).rglob("*.py"))
        for line, text in string_literals(path)
        if INTERNAL.search(text)
    ]
    assert found == []


def test_the_check_catches_what_it_looks_for() -> None:
    assert INTERNAL.search("Offcloud's API (seed 004)")
    assert INTERNAL.search("fixed in issue 9")
    assert not INTERNAL.search("--fault-seed N  the same faults on every run")
