"""The plugin API (:mod:`linkresolver.api`) is complete, and the built-in plugins use it alone.

A built-in plugin is the example a third-party author copies: if it reached into
``resolver_core`` directly, the API would miss what it reached for, and a refactoring of the
core would break plugins nobody here runs. So the built-in plugins import the core only
through :mod:`linkresolver.api`, their own package (relative imports), the standard library
and third-party libraries; the meta-test below reads every import they make (at the top or
inside a function, ``import x.y`` or ``from x import y``, or by ``importlib``).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Final

import pytest
import responses
import responses.matchers

from linkresolver import api
from resolver_core.config import load_config
from resolver_core.factory import build_resolver
from resolver_core.manager import make_plugin_manager
from tests.builtins import without_builtins

REPO: Final = Path(__file__).resolve().parents[2]
PLUGINS: Final = REPO / "linkresolver" / "plugins"
#: The plugins that run inside linkresolver (pyload_plugins are files for pyLoad's folder).
BUILT_IN: Final = (
    "premiumize",
    "offcloud",
    "openload_family",
    "realdebrid",
    "alldebrid",
    "torbox",
    "debridlink",
    "notify",
)
#: Packages a plugin must reach only through linkresolver.api.
CORE: Final = ("resolver_core", "hostermatch")
#: Imports allowed for now, as (file, module, names): none.
ALLOWED_FOR_NOW: Final[set[tuple[str, str, frozenset[str]]]] = set()


def core_imports(source: str) -> list[tuple[int, str, frozenset[str]]]:
    """Every import of the core in ``source``: (line, module, names imported from it)."""
    found: list[tuple[int, str, frozenset[str]]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, frozenset()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module, frozenset(alias.name for alias in node.names)))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value, frozenset()))
    return [(line, module, names) for line, module, names in found if module.split(".")[0] in CORE]


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import resolver_core.http\n", ["resolver_core.http"]),
        ("import resolver_core\n", ["resolver_core"]),
        ("from resolver_core import errors\n", ["resolver_core"]),
        ("from resolver_core.models import ResolvedLink\n", ["resolver_core.models"]),
        ("def f():\n    from resolver_core.http import get_json\n", ["resolver_core.http"]),
        ("class C:\n    def m(self):\n        import hostermatch\n", ["hostermatch"]),
        ("if TYPE_CHECKING:\n    from hostermatch.index import HosterIndex\n", ["hostermatch.index"]),
        ("importlib.import_module('resolver_core.pipeline')\n", ["resolver_core.pipeline"]),
        ("from linkresolver.api import errors\nfrom . import client\nimport requests\n", []),
        ("from .resolver_core import x\nimport resolver_core_extra\n", []),
    ],
)
def test_the_check_catches_every_way_of_importing_the_core(source: str, caught: list[str]) -> None:
    assert [module for _, module, _ in core_imports(source)] == caught


def plugin_files() -> list[Path]:
    return sorted(path for name in BUILT_IN for path in (PLUGINS / name).rglob("*.py"))


def test_every_built_in_plugin_is_read() -> None:
    """A plugin added to linkresolver/plugins/ is checked too (pyLoad's files are not ours)."""
    packages = {path.parent.name for path in PLUGINS.glob("*/__init__.py")}
    assert packages - {"pyload_plugins"} == set(BUILT_IN)
    assert {path.relative_to(PLUGINS).parts[0] for path in plugin_files()} == set(BUILT_IN)


@pytest.mark.parametrize("path", plugin_files(), ids=lambda path: str(path.relative_to(PLUGINS)))
def test_a_built_in_plugin_imports_the_core_only_through_the_api(path: Path) -> None:
    where = path.relative_to(PLUGINS).as_posix()
    wrong = [
        f"{where}:{line}: imports {module} ({', '.join(sorted(names)) or 'the module'}):"
        " use linkresolver.api, and add what it lacks there"
        for line, module, names in core_imports(path.read_text(encoding="utf-8"))
        if (where, module, names) not in ALLOWED_FOR_NOW
    ]
    assert wrong == []


# -- the API itself ----------------------------------------------------------------------------


def test_every_name_of_the_api_can_be_imported() -> None:
    assert len(api.__all__) == len(set(api.__all__))
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    assert api.errors.ProviderOutage is api.ProviderOutage
    assert callable(api.redact)  # a function named as its module: the function


def test_the_type_checker_sees_the_names_the_api_serves() -> None:
    """The names imported for the type checker are exactly the ones served at run time."""
    tree = ast.parse((REPO / "linkresolver" / "api.py").read_text(encoding="utf-8"))
    guarded = next(node for node in tree.body if isinstance(node, ast.If))
    typed = {
        alias.asname or alias.name
        for node in ast.walk(guarded)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == set(api.__all__) == set(api._SOURCES)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Resolver'"):
        api.Resolver  # noqa: B018 (the lookup is the test)


def imported_by(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_linkresolver_imports_no_core() -> None:
    loaded = imported_by("import linkresolver")
    assert not {name for name in loaded if name.split(".")[0] in ("resolver_core", "pluggy", "requests")}


def test_a_plugin_importing_the_hook_marker_pays_for_pluggy_alone() -> None:
    loaded = imported_by("from linkresolver.api import hookimpl, common_options, shown")
    assert "pluggy" in loaded
    for heavy in ("requests", "werkzeug", "hostermatch", "resolver_core.pipeline", "resolver_core.http"):
        assert heavy not in loaded, heavy


def test_the_guides_example_plugin_works(tmp_path: Path) -> None:
    """The example in linkresolver.api's guide, run as a plugin: configured by the
    environment alone, it resolves a link through its (mocked) service."""
    guide = api.__doc__ or ""
    example = textwrap.dedent(guide[guide.index("::\n") + 3 : guide.index("\nThe hooks")])
    plugin = types.ModuleType("mydebrid_plugin")
    exec(compile(example, "mydebrid_plugin", "exec"), plugin.__dict__)
    pm = make_plugin_manager(
        load_entry_points=False,
        extra=[plugin],
        env=without_builtins(),
    )
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    config = load_config(tmp_path / "config.toml", env={"LINKRESOLVER_MYDEBRID_KEY": "k"})
    resolver = build_resolver(config, pm=pm, cache_dir=tmp_path / "cache")
    with responses.RequestsMock() as service:
        service.get(
            "https://api.mydebrid.example/v1/unlock",
            json={"download": "https://cdn.mydebrid.example/abc.rar"},
            match=[responses.matchers.query_param_matcher({"link": "https://rapidgator.net/file/abc"})],
        )
        [outcome] = resolver.resolve_many(["https://rapidgator.net/file/abc"])
    assert (outcome.status, outcome.provider) == ("ok", "mydebrid")
    assert outcome.link is not None and outcome.link.url == "https://cdn.mydebrid.example/abc.rar"
