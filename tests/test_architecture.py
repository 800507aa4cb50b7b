"""The shape of the code: which way imports go, and no circles (ARCHITECTURE.md).

hostermatch (pure matching) <- resolver_core (the core) <- linkresolver.api (what a plugin
may use) <- linkresolver.plugins (the built-in providers, each on its own) <- the entry
points (linkresolver.cli, the yt-dlp plugin). Every import counts: at the top of a module,
inside a function, and under ``TYPE_CHECKING`` (a type is a dependency too), except that a
module importing its own package (``from . import x``) is how Python works, not a circle.
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hostermatch", "resolver_core", "linkresolver", "yt_dlp_plugins")
#: Files pyLoad loads from its own plugin folder, in pyLoad's style: not modules of ours.
NOT_OURS = "pyload_plugins"


def layer(module: str) -> int:
    """Lower layers never import higher ones."""
    if module.startswith("hostermatch"):
        return 0
    if module.startswith("resolver_core"):
        return 1
    if module in ("linkresolver", "linkresolver.api"):
        return 2
    if module.startswith("linkresolver.plugins"):
        return 3
    return 4  # linkresolver.cli, yt_dlp_plugins: the entry points


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if NOT_OURS in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """The project's modules ``name`` imports, with the line of each import."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = name.split(".") if is_package else name.split(".")[:-1]
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for imported in targets:
            target = imported
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                yield target, node.lineno


def graph() -> dict[str, dict[str, int]]:
    known = modules()
    return {name: dict(imports(name, path, known)) for name, path in known.items()}


def test_the_graph_sees_every_kind_of_import() -> None:
    """The walker itself: relative, absolute, in a function, under TYPE_CHECKING."""
    edges = graph()
    assert "resolver_core.models" in edges["resolver_core.pipeline"]
    assert "hostermatch.index" in edges["hostermatch"]  # from .index import ...
    assert len(edges) > 60


def test_imports_only_go_down_the_layers() -> None:
    upward = [
        f"{module}:{line} imports {target}"
        for module, targets in graph().items()
        for target, line in targets.items()
        if layer(target) > layer(module)
    ]
    assert upward == []


def test_built_in_plugins_do_not_import_each_other() -> None:
    def plugin(module: str) -> str | None:
        parts = module.split(".")
        return parts[2] if module.startswith("linkresolver.plugins.") else None

    crossing = [
        f"{module}:{line} imports {target}"
        for module, targets in graph().items()
        for target, line in targets.items()
        if plugin(module) and plugin(target) and plugin(module) != plugin(target)
    ]
    assert crossing == []


def test_no_import_circle() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = itertools.count()

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = next(counter)
        stack.append(module)
        on_stack.add(module)
        for target in edges[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in edges:
        if module not in index:
            visit(module)
    assert circles == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_over_500_lines(package: str) -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}
