"""The core knows no provider by name: what is provider-specific comes from a plugin (a hook,
a ``Provider`` attribute, a plugin's declaration), so a third-party provider can do all a
built-in one does, and removing a built-in plugin leaves no dead branch behind.

The check reads the code of every ``resolver_core`` module through its syntax tree: names
(variables, attributes, functions, arguments) and string literals. Comments and docstrings
are prose, and may use a provider as an example ("Offcloud's 'any link'").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Final

import pytest

REPO: Final = Path(__file__).resolve().parents[2]
CORE: Final = REPO / "resolver_core"
#: The built-in providers' names (and the family's), as they would appear in code.
PROVIDER_NAME: Final = re.compile(r"premiumize|offcloud|openload|streamango|highload", re.IGNORECASE)
#: Where the core loads its built-in plugins from (``builtin_plugins.DEFAULT_PLUGINS``): module
#: names of plugins, which the core must know to load them, not knowledge of a provider.
PLUGIN_MODULE: Final = re.compile(r"linkresolver\.plugins\.\w+")


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of ``tree``'s module, classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def code_words(source: str) -> list[tuple[int, str]]:
    """Every name and string literal of ``source`` outside docstrings, with its line."""
    tree = ast.parse(source)
    prose = docstrings(tree)
    words: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            words.append((line, PLUGIN_MODULE.sub("", node.value)))
        elif isinstance(node, ast.Name):
            words.append((line, node.id))
        elif isinstance(node, ast.Attribute):
            words.append((line, node.attr))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            words.append((line, node.name))
        elif isinstance(node, ast.arg | ast.keyword) and node.arg:
            words.append((line, node.arg))
        elif isinstance(node, ast.alias):
            words.append((line, f"{node.name} {node.asname or ''}"))
        elif isinstance(node, ast.ImportFrom) and node.module:
            words.append((line, node.module))
    return words


def provider_names_in(source: str) -> list[tuple[int, str]]:
    return [(line, word) for line, word in code_words(source) if PROVIDER_NAME.search(word)]


@pytest.mark.parametrize(
    ("source", "hits"),
    [
        ('KNOWN = ("premiumize", "offcloud")\n', ["premiumize", "offcloud"]),
        ('x = f"waiting for {name}\'s openload ticket"\n', ["'s openload ticket"]),
        ("if provider.name == 'Streamango':\n    pass\n", ["Streamango"]),
        (
            "def highload_fix(openload_id):\n    return openload_id\n",
            ["highload_fix", "openload_id", "openload_id"],
        ),
        ("from linkresolver.plugins.offcloud import sandbox\n", ["linkresolver.plugins.offcloud"]),
        ("cfg.offcloud_key = 1\n", ["offcloud_key"]),
        ('"""Offcloud\'s any link, in a docstring."""\n# premiumize in a comment\n', []),
        ('def f():\n    """Premiumize says so."""\n    return 1\n', []),
        ('PLUGINS = ("linkresolver.plugins.premiumize",)\n', []),
    ],
)
def test_the_check_finds_names_in_code_and_not_in_prose(source: str, hits: list[str]) -> None:
    assert sorted(word for _, word in provider_names_in(source)) == sorted(hits)


def core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


@pytest.mark.parametrize("path", core_modules(), ids=lambda path: str(path.relative_to(REPO)))
def test_the_core_names_no_provider_in_its_code(path: Path) -> None:
    hits = [
        f"{path.relative_to(REPO)}:{line}: {word!r}"
        for line, word in provider_names_in(path.read_text(encoding="utf-8"))
    ]
    assert hits == [], "provider knowledge belongs in its plugin (a hook or a Provider attribute)"
